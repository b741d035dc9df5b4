// What the attention kernels share: their options and the checks of a shape.
#include <cmath>

#include "trnsim/kernels/builder.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {

double attention_head_flops(int64_t seq, int64_t head_dim, bool causal, bool backward) {
  const double n = static_cast<double>(seq);
  const double scores = causal ? 0.5 * n * (n + 1) : n * n;
  return (backward ? 10.0 : 4.0) * scores * static_cast<double>(head_dim);
}

std::vector<ParamSpec> attention_params() {
  return {{"seq", true, 1024, "", "sequence length (queries = keys)"},
          {"head_dim", true, 128, "", "head dimension d (<= TensorE rows)"},
          {"causal", true, 1, "", "1: each query sees keys up to its own position; 0: all keys"},
          {"dtype", false, 0, "bf16", "dtype of q, k, v and the outputs: bf16 or f16"}};
}

AttnShape attention_shape(const ResolvedParams& p, const hw::ChipSpec& chip, int64_t resident_bytes_per_seq) {
  AttnShape s{p.i("seq"), p.i("head_dim"), p.i("causal") != 0, p.dtype("dtype"), 0.0f};
  const std::string& name = p.kernel();
  require(s.seq > 0, name, "seq must be positive", "e.g. seq=4096");
  require(s.d > 0 && s.d <= chip.tensor.rows, name,
          "head_dim " + std::to_string(s.d) + " is outside 1.." + std::to_string(chip.tensor.rows),
          "use head_dim <= " + std::to_string(chip.tensor.rows) + " (split larger heads)");
  require(p.i("causal") == 0 || p.i("causal") == 1, name, "causal must be 0 or 1", "write causal=1 or causal=0");
  require(s.dt == DType::kBF16 || s.dt == DType::kF16, name,
          "dtype " + std::string(numerics::dtype_name(s.dt)) + " is not supported", "use dtype=bf16 or f16");
  // Resident inputs plus about 16 KiB of working tiles per partition.
  const int64_t need = resident_bytes_per_seq * s.seq + 16 * 1024;
  require(need <= chip.sbuf.partition_bytes, name,
          "seq " + std::to_string(s.seq) + " does not fit: the resident inputs need " + std::to_string(need) +
              " bytes per SBUF partition of " + std::to_string(chip.sbuf.partition_bytes),
          "use seq <= " + std::to_string((chip.sbuf.partition_bytes - 16 * 1024) / resident_bytes_per_seq));
  s.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.d)));
  return s;
}

}  // namespace trnsim::kernels

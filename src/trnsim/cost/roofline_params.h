// Calibration of the roofline cost model for one accelerator family, read from
// configs/cost/<family>.yaml (every figure with its source or an 'estimate:' note; docs/cost.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/units.h"

namespace trnsim::cost {

struct AttentionCurve {
  double fwd_max = 0.6, bwd_max = 0.45;
  double seq_half = 512, head_dim_half = 48;
};

struct RooflineParams {
  std::string name;                      // preset name (h100, a100, tpu-v5p ...)
  std::string base;                      // the preset this one departs from ('base:'), or empty
  std::vector<std::string> accelerators; // accelerator name prefixes this preset covers
  // Matmul: eff = eff_max * sat(m, mn_half) * sat(n, mn_half) * sat(k, k_half),
  // sat(x, h) = 1 - exp(-x / h): small dimensions leave the matrix units partly idle.
  double matmul_eff_max = 0.8;
  double matmul_eff_max_fp8 = 0.8;
  double mn_half = 128, k_half = 128;
  // 8-bit matmuls' halves (the 16-bit ones when the preset does not set them): their main loop
  // runs twice as fast, so each tile's fixed prologue and epilogue weigh more and K saturates later.
  double mn_half_fp8 = 128, k_half_fp8 = 128;
  // Flash attention: eff = {fwd,bwd}_max * sat(min(sq, skv), seq_half) * sat(head_dim, head_dim_half).
  // `attention` is the accelerator stack's fastest fused kernel (what Transformer Engine or XLA
  // picks); `attention_flash2`, where the preset has it, is FlashAttention-2 (PyTorch SDPA's
  // default flash backend on Hopper).
  AttentionCurve attention;
  std::optional<AttentionCurve> attention_flash2;
  // Fraction of the isolated-kernel matrix rate (the curves above, from microbenchmarks) that
  // matmul and attention kernels sustain inside a whole training step: clocks held lower by the
  // power limit with every accelerator of the node busy, gaps between kernels. 1 when the preset
  // does not set it. SMs taken by overlapped communication are overlap_slowdown's, below.
  double sustained_fraction = 1.0;
  // Fraction by which compute kernels slow down while communication kernels run beside them
  // (OpCostModel::overlap_slowdown). 0 when the preset does not set it.
  double overlap_slowdown = 0.0;
  // Fraction of the HBM peak that streaming kernels reach.
  double mem_eff = 0.9;
  // Non-matrix (vector unit) throughput as a fraction of the dense bf16 matrix peak.
  double vector_peak_fraction = 0.06;
  Time op_overhead;  // fixed cost per kernel: launch, ramp-up and tail
  std::vector<ParamInfo> params;
};

// `name_or_path`: a preset in config_dir()/cost or a .yaml path. Throws trnsim::Error (kInput).
RooflineParams load_roofline_params(const std::string& name_or_path);
// The preset whose `accelerators` list has the longest prefix of `accelerator` (case and
// punctuation ignored: "H100-SXM" matches "h100"). Throws naming the presets when none does.
RooflineParams roofline_params_for(const std::string& accelerator);
// The name of that preset; empty when none matches.
std::string roofline_preset_for(const std::string& accelerator);
// Preset names in config_dir()/cost that hold roofline calibrations, sorted.
std::vector<std::string> list_roofline_presets();

// The efficiency curves themselves, for the model and for tests.
double saturation(double x, double half);
double matmul_efficiency(const RooflineParams& p, double m, double n, double k, bool fp8);
double attention_efficiency(const AttentionCurve& c, double sq, double skv, double head_dim, bool backward);

}  // namespace trnsim::cost

#include <cmath>
#include <cstdlib>

#include "trnsim/base/error.h"
#include "trnsim/kernels/library.h"

namespace trnsim::kernels {

void require(bool ok, const std::string& kernel, const std::string& what, const std::string& fix) {
  if (!ok) throw input_error("kernel " + kernel, what, fix);
}

double parse_double_option(const ResolvedParams& p, const std::string& key) {
  const std::string& text = p.s(key);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    throw input_error("kernel " + p.kernel() + ": option '" + key + "'", "'" + text + "' is not a finite number",
                      "write e.g. " + key + "=1e-5");
  }
  if (v <= 0) {
    throw input_error("kernel " + p.kernel() + ": option '" + key + "'", "'" + text + "' must be above 0",
                      "write a small positive number, e.g. " + key + "=1e-5");
  }
  return v;
}

const std::vector<KernelInfo>& kernel_registry() {
  static const std::vector<KernelInfo> kernels = {gemm_kernel(), softmax_kernel(), rmsnorm_kernel(),
                                                  layernorm_kernel(), gelu_kernel(), silu_kernel(),
                                                  transpose_kernel(), attention_fwd_kernel(),
                                                  attention_bwd_kernel()};
  return kernels;
}

BuiltKernel build_kernel(const std::string& name, const KernelParams& params, const hw::ChipSpec& chip) {
  std::string names;
  for (const auto& k : kernel_registry()) {
    if (k.name == name) return k.build(ResolvedParams(name, k.params, params), chip);
    names += (names.empty() ? "" : ", ") + k.name;
  }
  throw input_error("kernel '" + name + "'", "is not in the kernel library", "choose one of: " + names);
}

}  // namespace trnsim::kernels

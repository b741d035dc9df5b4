// The kernels of the library, one per .cpp; kernels/registry.cpp lists them. Internal to kernels/.
#pragma once

#include <string>

#include "trnsim/kernels/kernel.h"

namespace trnsim::kernels {

KernelInfo gemm_kernel();
KernelInfo softmax_kernel();
KernelInfo rmsnorm_kernel();
KernelInfo layernorm_kernel();
KernelInfo gelu_kernel();
KernelInfo silu_kernel();
KernelInfo transpose_kernel();
KernelInfo attention_fwd_kernel();
KernelInfo attention_bwd_kernel();

// Shared helpers of the kernels.
void require(bool ok, const std::string& kernel, const std::string& what, const std::string& fix);
// Integer ceil(a / b).
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
// A positive, finite number option (an epsilon); Error(kInput) naming the option otherwise.
double parse_double_option(const ResolvedParams& p, const std::string& key);

// One attention head as the attention kernels take it (attention_common.cpp).
struct AttnShape {
  int64_t seq, d;
  bool causal;
  isa::DType dt;
  float scale;  // 1 / sqrt(d)
};
std::vector<ParamSpec> attention_params();
// Checks the options; the inputs kept in SBUF take `resident_bytes_per_seq` bytes per partition
// per position, and about 16 KiB of working tiles come on top.
AttnShape attention_shape(const ResolvedParams& p, const hw::ChipSpec& chip, int64_t resident_bytes_per_seq);

}  // namespace trnsim::kernels

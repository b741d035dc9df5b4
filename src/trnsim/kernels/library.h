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

// Shared helpers of the kernels.
void require(bool ok, const std::string& kernel, const std::string& what, const std::string& fix);
// Integer ceil(a / b).
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
double parse_double_option(const ResolvedParams& p, const std::string& key);

}  // namespace trnsim::kernels

// Hand-built accelerators and ops for the cost model tests (the loaders live on other branches).
#pragma once

#include "trnsim/hw/system_spec.h"
#include "trnsim/model/ops.h"

namespace trnsim::cost::testing {

inline hw::SystemSpec gpu_system(const std::string& name, double bf16, double fp8, double hbm_bytes_per_s) {
  hw::SystemSpec s;
  s.name = name + "-test";
  s.accel.name = name;
  s.accel.family = name.rfind("tpu", 0) == 0 ? hw::AcceleratorFamily::kTpu : hw::AcceleratorFamily::kGpu;
  s.accel.peak_bf16_flops = bf16;
  s.accel.peak_fp16_flops = bf16;
  s.accel.peak_fp8_flops = fp8;
  s.accel.peak_fp32_flops = bf16 / 16;
  s.accel.hbm_bandwidth.bytes_per_s = hbm_bytes_per_s;
  s.count = 8;
  s.per_node = 8;
  return s;
}

// H100 SXM: 989 TFLOP/s dense bf16, 1979 fp8, 3.35 TB/s (NVIDIA datasheet).
inline hw::SystemSpec h100() { return gpu_system("h100-sxm", 989e12, 1979e12, 3.35e12); }

inline hw::SystemSpec trn2_system() {
  hw::SystemSpec s;
  s.name = "trn2-test";
  s.accel.name = "trn2";
  s.accel.family = hw::AcceleratorFamily::kTrainium;
  s.accel.chip = "trn2";
  s.accel.cores_per_chip = 8;
  s.accel.physical_cores_per_logical = 2;
  s.accel.peak_bf16_flops = 667e12;
  s.accel.hbm_bandwidth.bytes_per_s = 2.9e12;
  s.count = 16;
  s.per_node = 16;
  return s;
}

inline model::Op matmul(int64_t m, int64_t n, int64_t k, int64_t batch = 1, int dtype_bytes = 2) {
  model::Op op;
  op.name = "mm";
  op.kind = model::OpKind::kMatmul;
  op.m = m, op.n = n, op.k = k, op.batch = batch;
  op.flops = 2.0 * m * n * k * batch;
  op.bytes = static_cast<double>(dtype_bytes) * batch * (m * k + k * n + m * n);
  op.weight_params = static_cast<double>(k) * n;
  return op;
}

inline model::Op elementwise(double bytes, double flops = 0) {
  model::Op op;
  op.name = "ew";
  op.kind = model::OpKind::kElementwise;
  op.bytes = bytes;
  op.flops = flops;
  return op;
}

// Causal flash attention over `batch` heads: sq = skv = seq, head dim d.
inline model::Op attention(int64_t seq, int64_t d, int64_t batch) {
  model::Op op;
  op.name = "attn";
  op.kind = model::OpKind::kAttention;
  op.m = seq, op.n = seq, op.k = d, op.batch = batch;
  op.flops = 4.0 * seq * seq * d * batch / 2;
  op.bytes = 2.0 * 4 * seq * d * batch;  // q, k, v, o
  return op;
}

}  // namespace trnsim::cost::testing

// Trainium cost model: matmuls are simulated as gemm kernels on the NeuronCore model (one logical
// core = physical_cores_per_logical cores, each doing its share, all cores of the chip sharing
// HBM), cached per distinct block shape; flash attention is simulated as the attention_fwd /
// attention_bwd kernels of one head, cached per sequence and head size; unfused attention and
// element-wise ops are rooflines on the same chip's TensorE, ScalarE, VectorE and DMA figures
// (docs/cost.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/cost/gemm_time_cache.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/kernels/kernel.h"

namespace trnsim::cost {

// configs/cost/trainium.yaml: what the chip model does not give by itself.
struct NeuronParams {
  double attn_fwd_eff = 0.6, attn_bwd_eff = 0.45;  // TensorE busy fraction of unfused attention's matmuls
  double mem_eff = 0.9;                            // streaming fraction of the core's HBM share
  Time op_overhead;                                // per kernel launch
  int64_t block_mn = 4096, block_k = 8192;         // largest GEMM block simulated in one go
  std::vector<ParamInfo> params;
};
NeuronParams load_neuron_params(const std::string& name_or_path = "trainium");

class NeuronCostModel : public OpCostModel {
 public:
  NeuronCostModel(const hw::AcceleratorSpec& accel, hw::ChipSpec chip, NeuronParams params, const CostOptions& opts);

  Time forward(const model::Op& op) override;
  Time backward(const model::Op& op) override;
  Time memory_bound(double bytes) override;
  // overlap_slowdown() stays 0: collective-communication cores, not the compute engines, drive
  // the DMA rings of a collective.
  std::string name() const override;

  // One [m x k] @ [k x n] product on one logical core, without the launch overhead.
  Time gemm_time(int64_t m, int64_t n, int64_t k, bool sixteen_bit = false);
  int64_t simulations() const { return simulations_; }
  int64_t cache_hits() const { return cache_hits_; }
  // Dense matrix peak of one logical core at the model's precision.
  double logical_core_peak(bool sixteen_bit = false) const;

 private:
  // A kernel time from the cache (counting the hit), or simulated (timing mode, every core of the
  // chip busy) and cached.
  std::optional<Time> cached(const std::string& key);
  Time simulate(const std::string& key, const kernels::BuiltKernel& kernel);
  Time block_time(int64_t m, int64_t n, int64_t k, const std::string& dtype);
  // One causal head of the flash kernel ("attention_fwd" / "attention_bwd") on one physical core.
  Time flash_head(const std::string& kernel, int64_t seq, int64_t head_dim);
  Time matmul(const model::Op& op, bool bwd);
  Time attention(const model::Op& op, bool bwd);
  Time streaming(double flops, double bytes) const;

  hw::ChipSpec chip_;
  NeuronParams params_;
  Precision precision_;
  std::string dtype_, fingerprint_;
  int lnc_ = 1;
  GemmTimeCache cache_;
  int64_t simulations_ = 0, cache_hits_ = 0;
};

}  // namespace trnsim::cost

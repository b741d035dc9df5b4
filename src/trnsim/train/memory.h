// Memory per rank for a plan: weights, gradients, optimizer state, activations (with recompute and
// the pipeline's in-flight micro-batches), and working buffers; checked against the accelerator's
// HBM. Conventions and sources: docs/training.md.
#pragma once

#include <string>

#include "trnsim/hw/system_spec.h"
#include "trnsim/model/model_spec.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct MemoryBreakdown {
  double weights = 0, gradients = 0, optimizer = 0, activations = 0, buffers = 0;
  double total() const { return weights + gradients + optimizer + activations + buffers; }
};

struct MemoryReport {
  MemoryBreakdown per_rank;  // the fullest rank (the first pipeline stage)
  double capacity_per_rank = 0;
  int ranks_per_accel = 1;
  double per_accel() const { return per_rank.total() * ranks_per_accel; }
  double capacity_per_accel() const { return capacity_per_rank * ranks_per_accel; }
  bool fits() const { return per_rank.total() <= capacity_per_rank; }
  std::string describe() const;  // "weights 12.1 GiB, gradients ..., total 71.3 GiB of 80 GiB"
};

MemoryReport memory_per_rank(const model::ModelSpec& m, const ParallelPlan& p, const hw::SystemSpec& s);

// What the memory check needs of each kind of layer under one sharding ([0]: a layer with a dense
// FFN, [1]: an MoE layer); every layer of a kind holds the same. The planner keeps these per
// sharding and checks many plans against them.
struct LayerFigures {
  double dense_params[2] = {0, 0}, expert_params[2] = {0, 0};  // per layer, on one rank, with LoRA adapters
  // Of those, what the rank trains (ParallelPlan::trained_params).
  double trained_dense[2] = {0, 0}, trained_expert[2] = {0, 0};
  // Of those, the weights of matmuls in the plan's matmul precision (fp8 under fp8_params).
  double dense_quantized[2] = {0, 0}, expert_quantized[2] = {0, 0};
  double activation_bytes[2][3] = {{0, 0, 0}, {0, 0, 0}};      // per layer, by model::Recompute
  double embedding_dense = 0, embedding_expert = 0, head_dense = 0, head_expert = 0;
  double embedding_trained[2] = {0, 0}, head_trained[2] = {0, 0};  // dense, expert
};
// Under `p`'s LoRA settings (its sharding comes with `ctx`).
LayerFigures layer_figures(const model::ModelSpec& m, const model::ShardContext& ctx, const ParallelPlan& p);
MemoryReport memory_from_figures(const model::ModelSpec& m, const ParallelPlan& p, const hw::SystemSpec& s,
                                 const LayerFigures& f);

}  // namespace trnsim::train

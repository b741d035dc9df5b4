// Memory per rank for a plan: weights, gradients, optimizer state, activations (with recompute and
// the pipeline's in-flight micro-batches), and working buffers; checked against the accelerator's
// HBM. Conventions and sources: docs/training.md.
#pragma once

#include <string>

#include "trnsim/hw/system_spec.h"
#include "trnsim/model/model_spec.h"
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

}  // namespace trnsim::train

// The planner's fast evaluator: train::simulate_step for one plan, assembled from the same parts
// (train/step_parts.h, train/memory.h) but with what many plans share computed once: op and
// collective times come from a shared CostCache, each sharding's layer parts and memory figures
// are kept, and the pipeline runs on plan::lean_pipeline. docs/planner.md states how closely the
// step time agrees with simulate_step; the planner re-simulates its best plans exactly.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "trnsim/plan/cost_cache.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/step.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::plan {

class FastEvaluator {
 public:
  // `base` gives the model and system (and precision); its plan is not used.
  FastEvaluator(const train::Experiment& base, CostCache& cache);

  // train::memory_per_rank(base.model, p, base.system); nullopt when the model cannot be cut this
  // way (a degree that does not divide a dimension).
  std::optional<train::MemoryReport> memory(const train::ParallelPlan& p);
  // The step as simulate_step would report it (no trace, sim_wall_s 0). Does not check memory:
  // `fits` and `memory` are left to the caller. Thread-safe.
  train::StepResult step(const train::ParallelPlan& p);

 private:
  using ShardKey = std::tuple<int64_t, int, int, int, int, bool>;  // micro_batch, tp, cp, ep, etp, sp
  // What a sharding's layers hold (nullopt: the model cannot be cut so).
  std::shared_ptr<const std::optional<train::LayerFigures>> figures(const train::ParallelPlan& p);
  // What they cost, which also depends on recompute, ZeRO sharding, all-to-all overlap and ZB-H1.
  std::shared_ptr<const train::LayerParts> parts(const train::ParallelPlan& p);

  const train::Experiment& base_;
  CostCache& cache_;
  std::mutex mu_;
  std::map<ShardKey, std::shared_ptr<const std::optional<train::LayerFigures>>> figures_;
  // Keyed by everything of a plan that layer_parts reads and the plans of one search vary.
  using PartsKey = std::tuple<int64_t, int, int, int, int, bool, int, bool, bool, bool, bool>;
  std::map<PartsKey, std::shared_ptr<const train::LayerParts>> parts_;
};

}  // namespace trnsim::plan

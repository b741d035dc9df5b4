// The planner's fast evaluator: the step of train::simulate_step for one plan, computed from
// cached parts. Layer costs depend on a handful of the plan's knobs (micro-batch, tp, cp, ep,
// sequence parallelism, recompute), so a search costs each distinct layer once; op and collective
// times come from a shared CostCache; the pipeline runs on plan::lean_pipeline. Memory is
// train::memory_per_rank's accounting from cached per-layer figures. docs/planner.md states how
// closely the step time agrees with simulate_step; the planner re-simulates its best plans exactly.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "trnsim/plan/cost_cache.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {

class FastEvaluator {
 public:
  // `base` gives the model and system (and precision); its plan is not used.
  FastEvaluator(const train::Experiment& base, CostCache& cache);
  ~FastEvaluator();

  // Equals train::memory_per_rank(base.model, p, base.system) up to floating-point rounding.
  // nullopt when the model cannot be cut this way (a degree that does not divide a dimension).
  std::optional<train::MemoryReport> memory(const train::ParallelPlan& p);
  // The step as simulate_step would report it (no trace, sim_wall_s 0). Does not check memory:
  // `fits` and `memory` are left as given by the caller. Thread-safe.
  train::StepResult step(const train::ParallelPlan& p);

 private:
  struct LayerCost;
  struct LayerShape;
  using ShardKey = std::tuple<int64_t, int, int, int, bool>;  // micro_batch, tp, cp, ep, sp
  std::shared_ptr<const LayerShape> shape(const train::ParallelPlan& p);
  std::shared_ptr<const LayerCost> layer_costs(const train::ParallelPlan& p);

  const train::Experiment& base_;
  CostCache& cache_;
  std::mutex mu_;
  std::map<ShardKey, std::shared_ptr<const LayerShape>> shapes_;
  std::map<std::tuple<int64_t, int, int, int, bool, int>, std::shared_ptr<const LayerCost>> costs_;
};

// The dense peak of the matmul precision, as simulate_step's MFU uses it.
double precision_peak(const hw::AcceleratorSpec& a, cost::Precision p);

}  // namespace trnsim::plan

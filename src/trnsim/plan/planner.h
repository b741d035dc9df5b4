// The planner: the best parallel plans for an experiment's model, system and global batch.
// Every legal plan (plan/search_space.h) is checked against memory and timed by the fast
// evaluator (plan/fast_eval.h) on all cores; the best candidates, and the experiment's own plan,
// are then simulated exactly with train::simulate_step, so every reported figure is the
// simulator's own. docs/planner.md describes the search, its pruning and the evaluator's agreement.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/plan/cost_cache.h"
#include "trnsim/plan/objective.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {

struct PlanOptions {
  Objective objective = Objective::kTime;
  int top = 5;
  int threads = 0;     // 0: one per host core. Results do not depend on it.
  int resimulate = 0;  // candidates simulated exactly; 0: max(4 x top, 32)
  EconOptions econ;
  // When set, only the plans it accepts are searched (plan/unstated.h keeps a run's stated keys).
  std::function<bool(const train::ParallelPlan&)> keep;
  // Also search activation offload, ZB-H1 and ZB-V, DualPipeV and DualPipe (plan/search_space.h).
  SearchChoices choices;
};

struct RankedPlan {
  train::ParallelPlan plan;
  train::StepResult result;  // exact: train::simulate_step
  PlanEcon econ;
  double score = 0;          // the objective's figure (seconds, dollars or joules per step)
  std::optional<double> fast_step_time_s;  // the fast evaluator's; none for the experiment's own plan, not searched
  bool is_experiment_plan = false;
};

enum class SearchStatus { kOk, kNoLegalPlan, kNothingFits };

struct PlanSearchResult {
  SearchStatus status = SearchStatus::kOk;
  std::string message, hint;        // when not kOk
  std::vector<RankedPlan> plans;    // the best `top`, best first
  std::vector<RankedPlan> pareto;   // step time vs cost per step over the simulated plans, fastest first
  std::string pareto_cost;          // "usd_per_step", or "accel_hours_per_step" without a price
  std::optional<RankedPlan> experiment_plan;  // the experiment's own plan, when it fits
  int64_t combinations = 0;         // before the legality rules
  int64_t legal = 0;                // pass check_plan's rules and cut the model
  int64_t fitting = 0;              // of those, fit in memory
  int64_t fast_evaluated = 0;       // timed by the fast evaluator (= fitting)
  int64_t simulated = 0;            // simulated exactly
  double fast_wall_s = 0, exact_wall_s = 0, sim_wall_s = 0;
  int threads = 1;
  CostCache::Counts cache;
  // Plans per second over the whole search: (legal plans memory-checked and timed) / sim_wall_s.
  double plans_per_s() const { return sim_wall_s > 0 ? static_cast<double>(fast_evaluated + simulated) / sim_wall_s : 0; }
};

// Throws Error(kInput) when the objective cannot be computed (no price or energy table: the
// message names the key); otherwise reports kNoLegalPlan / kNothingFits through `status`.
PlanSearchResult search_plans(const train::Experiment& e, const PlanOptions& o);

// Indices of the plans of `points` (time, cost) that no other point dominates, by time.
std::vector<size_t> pareto_front(const std::vector<std::pair<double, double>>& points);

}  // namespace trnsim::plan

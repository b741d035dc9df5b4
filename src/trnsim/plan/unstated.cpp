#include "trnsim/plan/unstated.h"

#include "trnsim/plan/planner.h"
#include "trnsim/train/memory.h"

namespace trnsim::plan {

std::optional<train::ParallelPlan> plan_unstated_keys(const train::Experiment& e) {
  const train::ParallelPlan& s = e.plan;
  const train::Unstated& u = e.unstated;
  // A stated layout is kept; its other free keys are planned only if the plan does not fit.
  if (!u.layout && (!u.any_free() || train::memory_per_rank(e.model, s, e.system).fits())) return std::nullopt;
  PlanOptions o;
  o.top = 1;
  // The fast evaluator agrees with the exact step (docs/planner.md), so a few exact runs confirm
  // the choice; a stated layout leaves far fewer candidates than an open one.
  o.resimulate = u.layout ? 8 : 2;
  o.choices.offload = u.recompute;  // where recompute is free, so is the other activation policy
  o.keep = [&](const train::ParallelPlan& p) {
    const bool activations_kept = p.recompute == s.recompute && p.activation_offload_layers == s.activation_offload_layers;
    return (u.layout || (p.tp == s.tp && p.dp == s.dp)) && p.pp == s.pp && p.cp == s.cp && p.ep == s.ep &&
           p.schedule == s.schedule && p.virtual_stages == s.virtual_stages &&
           (u.micro_batch || p.micro_batch == s.micro_batch) && (u.recompute || activations_kept) &&
           (u.zero || p.zero == s.zero) && (u.sequence_parallel || p.sequence_parallel == s.sequence_parallel);
  };
  const PlanSearchResult found = search_plans(e, o);
  if (found.status != SearchStatus::kOk || found.plans.empty()) return std::nullopt;
  return found.plans.front().plan;
}

}  // namespace trnsim::plan

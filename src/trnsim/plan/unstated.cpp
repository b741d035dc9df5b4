#include "trnsim/plan/unstated.h"

#include "trnsim/plan/planner.h"

namespace trnsim::plan {

std::optional<train::ParallelPlan> plan_unstated_keys(const train::Experiment& e) {
  if (!e.unstated.layout) return std::nullopt;
  const train::ParallelPlan& s = e.plan;
  const train::Unstated& u = e.unstated;
  PlanOptions o;
  o.top = 1;
  o.resimulate = 8;
  o.keep = [&](const train::ParallelPlan& p) {
    return p.pp == s.pp && p.cp == s.cp && p.ep == s.ep && p.schedule == s.schedule &&
           p.virtual_stages == s.virtual_stages && (u.micro_batch || p.micro_batch == s.micro_batch) &&
           (u.recompute || p.recompute == s.recompute) && (u.zero || p.zero == s.zero) &&
           (u.sequence_parallel || p.sequence_parallel == s.sequence_parallel);
  };
  const PlanSearchResult found = search_plans(e, o);
  if (found.status != SearchStatus::kOk || found.plans.empty()) return std::nullopt;
  return found.plans.front().plan;
}

}  // namespace trnsim::plan

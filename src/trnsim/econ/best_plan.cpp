// best_plan_for: a small exhaustive search over 3-D plans, a stand-in for the planner (plan/).
#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/econ/compare.h"

namespace trnsim::econ {
namespace {

std::vector<int> divisors(int64_t n) {
  std::vector<int> out;
  for (int64_t d = 1; d <= n; ++d) {
    if (n % d == 0) out.push_back(static_cast<int>(d));
  }
  return out;
}

}  // namespace

PlanChoice best_plan_for(const train::Experiment& base, const hw::SystemSpec& system) {
  const model::ModelSpec& m = base.model;
  const int64_t ranks = system.ranks();
  const int64_t domain = std::min<int64_t>(system.per_node, system.count) * system.ranks_per_accel();
  const int64_t batch = base.plan.global_batch;
  PlanChoice best;
  bool found = false;
  for (int tp : divisors(m.heads)) {
    if (tp > domain || ranks % tp != 0) continue;
    for (int pp : divisors(m.layers)) {
      if (ranks % (static_cast<int64_t>(tp) * pp) != 0) continue;
      const int64_t dp = ranks / (static_cast<int64_t>(tp) * pp);
      for (int64_t mb : {1, 2}) {
        if (batch % (dp * mb) != 0) continue;
        train::Experiment e = base;
        e.system = system;
        train::ParallelPlan& p = e.plan;
        p.tp = tp;
        p.pp = pp;
        p.dp = static_cast<int>(dp);
        p.cp = 1;
        p.micro_batch = mb;
        p.ep = (base.plan.ep > 1 && m.moe && m.moe->experts % base.plan.ep == 0 && dp % base.plan.ep == 0) ? base.plan.ep : 1;
        p.sequence_parallel = tp > 1 && m.seq_len % tp == 0;
        p.schedule = pp > 1 ? train::PipelineSchedule::kOneFOneB : train::PipelineSchedule::kNone;
        p.virtual_stages = 1;
        p.zero = dp > 1 ? 1 : 0;
        try {
          train::check_plan(p, m, system, "best_plan_for");
        } catch (const Error&) {
          continue;  // a degree that does not divide the model: not a candidate
        }
        ++best.candidates;
        // Recompute only buys memory: the least that fits is the fastest.
        for (model::Recompute rc : {model::Recompute::kNone, model::Recompute::kSelective, model::Recompute::kFull}) {
          p.recompute = rc;
          train::StepResult r = train::simulate_step(e);
          if (!r.fits) continue;
          ++best.fitting;
          if (!found || r.step_time_s < best.result.step_time_s) {
            best.experiment = e;
            best.result = std::move(r);
            found = true;
          }
          break;
        }
      }
    }
  }
  if (!found) {
    throw Error(ErrorKind::kCapacity, "system '" + system.name + "' x " + std::to_string(system.count),
                "no plan of the search (" + std::to_string(best.candidates) + " valid) fits " + m.name +
                    " with global batch " + std::to_string(batch) + " in memory",
                "use more accelerators (preset:count) or a smaller model or batch");
  }
  return best;
}

}  // namespace trnsim::econ

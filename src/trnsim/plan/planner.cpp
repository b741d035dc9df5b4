#include "trnsim/plan/planner.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include "trnsim/base/units.h"
#include "trnsim/plan/fast_eval.h"
#include "trnsim/plan/parallel.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr double kInf = std::numeric_limits<double>::infinity();

struct FastRow {
  enum class State { kCannotCut, kDoesNotFit, kTimed } state = State::kCannotCut;
  double memory = 0;  // per rank
  double step_time_s = kInf, score = kInf;
};

train::Experiment with_plan(const train::Experiment& e, const train::ParallelPlan& p) {
  train::Experiment x = e;
  x.plan = p;
  return x;
}

bool same_plan(const train::ParallelPlan& a, const train::ParallelPlan& b) {
  return a.tp == b.tp && a.pp == b.pp && a.dp == b.dp && a.cp == b.cp && a.ep == b.ep && a.etp() == b.etp() && a.micro_batch == b.micro_batch &&
         a.sequence_parallel == b.sequence_parallel && a.schedule == b.schedule && a.virtual_stages == b.virtual_stages &&
         a.recompute == b.recompute && a.zero == b.zero && a.activation_offload_layers == b.activation_offload_layers &&
         a.selective_policy == b.selective_policy && a.recompute_modules == b.recompute_modules;
}

// Best first; ties by the order of the search space, so the ranking never depends on threads.
std::vector<size_t> ranked(const std::vector<double>& score, const std::vector<size_t>& which) {
  std::vector<size_t> out = which;
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  return out;
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<std::pair<double, double>>& points) {
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return points[a].first != points[b].first ? points[a].first < points[b].first : points[a].second < points[b].second;
  });
  std::vector<size_t> front;
  double best_cost = kInf;
  for (size_t i : order) {
    // Sorted by time: a point is on the front when it is strictly cheaper than every faster one.
    if (points[i].second < best_cost) {
      front.push_back(i);
      best_cost = points[i].second;
    }
  }
  return front;
}

PlanSearchResult search_plans(const train::Experiment& e, const PlanOptions& o) {
  const auto t0 = Clock::now();
  check_objective(e, o.objective, o.econ);
  PlanSearchResult out;
  out.threads = detail::thread_count(o.threads);
  SearchSpace space = enumerate_plans(e, o.choices);
  out.combinations = space.combinations;
  if (o.keep) std::erase_if(space.plans, [&](const train::ParallelPlan& p) { return !o.keep(p); });
  const std::vector<train::ParallelPlan>& plans = space.plans;
  const int64_t n = static_cast<int64_t>(plans.size());

  // Fast phase: memory for every legal plan, a step time for every plan that fits.
  CostCache cache(e.system, train::cost_options(e.plan));
  FastEvaluator ev(e, cache);
  const bool econ_ranked = o.objective != Objective::kTime;
  std::vector<FastRow> rows(n);
  detail::parallel_for(n, out.threads, [&](int64_t i) {
    const train::ParallelPlan& p = plans[i];
    FastRow& row = rows[i];
    const auto mem = ev.memory(p);
    if (!mem) return;
    row.memory = mem->per_rank.total();
    if (!mem->fits()) {
      row.state = FastRow::State::kDoesNotFit;
      return;
    }
    row.state = FastRow::State::kTimed;
    train::StepResult r = ev.step(p);
    r.memory = *mem;
    row.step_time_s = r.step_time_s;
    row.score = econ_ranked ? objective_score(o.objective, r, plan_econ(with_plan(e, p), r, o.econ)) : r.step_time_s;
  });
  out.fast_wall_s = since(t0);
  std::vector<size_t> timed;
  size_t leanest = 0;
  double leanest_bytes = kInf;
  for (int64_t i = 0; i < n; ++i) {
    if (rows[i].state == FastRow::State::kCannotCut) continue;
    ++out.legal;
    if (rows[i].memory < leanest_bytes) leanest_bytes = rows[i].memory, leanest = static_cast<size_t>(i);
    if (rows[i].state == FastRow::State::kTimed) timed.push_back(static_cast<size_t>(i));
  }
  out.fitting = out.fast_evaluated = static_cast<int64_t>(timed.size());
  out.cache = cache.counts();
  if (out.legal == 0) {
    out.status = SearchStatus::kNoLegalPlan;
    out.message = "no parallel plan of the " + std::to_string(e.system.ranks()) + " ranks splits " + e.model.name + " (" +
                  std::to_string(e.model.heads) + " heads, " + std::to_string(e.model.layers) + " layers, sequence " +
                  std::to_string(e.model.seq_len) + ") and the global batch of " + std::to_string(e.plan.global_batch) +
                  " evenly (" + std::to_string(out.combinations) + " combinations tried)";
    out.hint = "make training.global_batch a multiple of the data-parallel degrees the system allows, or change system.count";
    out.sim_wall_s = since(t0);
    return out;
  }
  if (timed.empty()) {
    const train::MemoryReport lean = train::memory_per_rank(e.model, plans[leanest], e.system);
    out.status = SearchStatus::kNothingFits;
    out.message = "none of the " + std::to_string(out.legal) + " legal plans fits in memory; the leanest (" +
                  plan_label(plans[leanest]) + ") needs " + lean.describe();
    out.hint = "use more accelerators (system.count), ones with more memory, or a shorter sequence";
    out.sim_wall_s = since(t0);
    return out;
  }

  // Exact phase: the best candidates by the objective and by time, and the experiment's own plan.
  std::vector<double> score(n, kInf), time(n, kInf);
  for (size_t i : timed) score[i] = rows[i].score, time[i] = rows[i].step_time_s;
  const size_t pool_size = static_cast<size_t>(o.resimulate > 0 ? o.resimulate : std::max(4 * o.top, 32));
  std::vector<size_t> pool;
  for (const auto* order : {&score, &time}) {
    const std::vector<size_t> best = ranked(*order, timed);
    for (size_t k = 0; k < std::min(pool_size, best.size()); ++k) {
      if (std::find(pool.begin(), pool.end(), best[k]) == pool.end()) pool.push_back(best[k]);
    }
  }
  std::vector<RankedPlan> exact(pool.size() + 1);
  const auto t1 = Clock::now();
  detail::parallel_for(static_cast<int64_t>(exact.size()), out.threads, [&](int64_t k) {
    RankedPlan& rp = exact[k];
    const bool own = k == static_cast<int64_t>(pool.size());
    rp.plan = own ? e.plan : plans[pool[k]];
    rp.is_experiment_plan = same_plan(rp.plan, e.plan);
    if (!own) rp.fast_step_time_s = rows[pool[k]].step_time_s;
    if (own && !plan_is_legal(rp.plan, e.model, e.system)) {
      rp.result.fits = false;  // not a legal plan: nothing to compare with
      return;
    }
    const train::Experiment x = with_plan(e, rp.plan);
    rp.result = train::simulate_step(x, cache, cache);  // the search's op and collective answers
    if (!rp.result.fits) {
      rp.score = kInf;
      return;
    }
    rp.econ = plan_econ(x, rp.result, o.econ);
    rp.score = objective_score(o.objective, rp.result, rp.econ);
  }, 1);
  out.exact_wall_s = since(t1);
  out.simulated = static_cast<int64_t>(exact.size());
  if (exact.back().result.fits) out.experiment_plan = exact.back();
  const bool own_in_pool = std::any_of(exact.begin(), exact.end() - 1, [](const RankedPlan& r) { return r.is_experiment_plan; });
  if (own_in_pool || !exact.back().result.fits) exact.pop_back();
  std::vector<double> exact_score;
  std::vector<size_t> all(exact.size());
  for (size_t k = 0; k < exact.size(); ++k) exact_score.push_back(exact[k].score), all[k] = k;
  for (size_t k : ranked(exact_score, all)) {
    if (static_cast<int>(out.plans.size()) >= o.top || exact[k].score == kInf) break;
    out.plans.push_back(exact[k]);
  }
  // Pareto front of step time vs cost per step (accelerator-hours when there is no price).
  const bool priced = std::all_of(exact.begin(), exact.end(), [](const RankedPlan& r) { return r.econ.usd_per_step.has_value(); });
  out.pareto_cost = priced ? "usd_per_step" : "accel_hours_per_step";
  std::vector<std::pair<double, double>> points;
  for (const auto& r : exact) {
    const double c = priced ? *r.econ.usd_per_step : r.result.step_time_s * static_cast<double>(e.system.count) / 3600.0;
    points.emplace_back(r.result.step_time_s, c);
  }
  for (size_t k : pareto_front(points)) out.pareto.push_back(exact[k]);
  out.sim_wall_s = since(t0);
  return out;
}

}  // namespace trnsim::plan

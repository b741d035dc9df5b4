#include "trnsim/train/step.h"

#include <chrono>
#include <cmath>
#include <optional>

#include "trnsim/base/error.h"

#include "trnsim/cost/op_cost.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train {

cost::CostOptions cost_options(const ParallelPlan& p) {
  cost::CostOptions co;
  co.precision = p.precision;
  co.attention = p.attention_kernel;
  co.attention_rate = p.attention_rate;
  return co;
}

namespace {

// A step that does not fit, as simulate_step reports it; none when it fits or memory is ignored.
std::optional<StepResult> unfit(const MemoryReport& memory, const StepOptions& opts) {
  if (memory.fits() || opts.ignore_memory) return std::nullopt;
  StepResult r;
  r.memory = memory;
  r.fits = false;
  return r;
}

// Integer picoseconds wrap beyond about 106 days: figures far outside real hardware (sizes,
// rates) can take a sum there, which shows as a negative or vanished part of the step.
void check_in_range(const StepResult& r) {
  const StepBreakdown& b = r.breakdown;
  bool ok = std::isfinite(r.step_time_s) && r.step_time_s > 0 && r.step_time_s < 9.2e6 && r.mfu <= 1.0;
  for (double part : {b.compute_s, b.recompute_s, b.tp_comm_s, b.cp_comm_s, b.ep_comm_s, b.pp_bubble_s, b.pp_comm_s,
                      b.dp_comm_s, b.offload_s, b.host_s, b.optimizer_s}) {
    ok = ok && std::isfinite(part) && part >= 0;
  }
  if (!ok) {
    throw input_error("the experiment", "makes a step beyond what the simulator represents (times wrap past 106 days)",
                      "check its figures (model sizes, batch, bandwidths, latencies, peaks) for values far from real hardware");
  }
}

// The step of a plan whose memory report is `memory` (checked to fit, or memory ignored).
StepResult simulate_checked(const Experiment& e, const MemoryReport& memory, cost::OpCostModel& cost,
                            CollectiveTimer& timer, const StepOptions& opts) {
  const ParallelPlan p = simulated_plan(e.plan);
  const std::vector<Part> chunks = chunk_parts(e.model, p, layer_parts(e.model, p, cost, timer), timer,
                                               cost.overlap_slowdown(), e.system.host_link_bw_per_rank());
  PipelineResult pipe = run_pipeline(pipeline_input(e.model, p, chunks, timer), opts.keep_trace);
  StepResult r = finish_step(e, p, chunks, pipe.stages, cost, timer);
  check_in_range(r);
  r.memory = memory;
  r.fits = memory.fits();
  r.trace = std::move(pipe.tasks);
  return r;
}

}  // namespace

StepResult simulate_step(const Experiment& e, const StepOptions& opts) {
  const auto wall0 = std::chrono::steady_clock::now();
  // Checked before the cost model is built: a plan that does not fit needs none.
  const MemoryReport memory = memory_per_rank(e.model, e.plan, e.system);
  if (auto r = unfit(memory, opts)) return *r;
  auto cost = cost::make_cost_model(e.system, cost_options(e.plan));
  const net::NetworkModel net(e.system);
  NetworkTimer timer(net);
  StepResult r = simulate_checked(e, memory, *cost, timer, opts);
  // The wall time counts building the models too.
  r.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

StepResult simulate_step(const Experiment& e, cost::OpCostModel& cost, CollectiveTimer& timer,
                         const StepOptions& opts) {
  const auto wall0 = std::chrono::steady_clock::now();
  const MemoryReport memory = memory_per_rank(e.model, e.plan, e.system);
  if (auto r = unfit(memory, opts)) return *r;
  StepResult r = simulate_checked(e, memory, cost, timer, opts);
  r.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace trnsim::train

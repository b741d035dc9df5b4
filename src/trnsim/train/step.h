// One training step of an experiment: op costs (cost/), collectives (net/), the pipeline schedule
// on the event kernel, data-parallel gradient synchronisation with its overlap, the optimizer, and
// the memory check. One representative rank per pipeline stage is simulated: every data-, tensor-
// and context-parallel replica of a stage does the same work at the same time, so a step of
// 500,000 chips costs what a step of one pipeline does.
#pragma once

#include <string>
#include <vector>

#include "trnsim/cost/op_cost.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/pipeline.h"

namespace trnsim::train {

class CollectiveTimer;  // train/step_parts.h

struct StepBreakdown {
  double compute_s = 0;      // forward + backward on the slowest stage (recompute included)
  double recompute_s = 0;    // the recomputed part of compute_s
  double tp_comm_s = 0;      // exposed tensor-parallel communication
  double cp_comm_s = 0;      // exposed context-parallel communication
  double ep_comm_s = 0;      // exposed expert-parallel all-to-alls
  double pp_bubble_s = 0;    // pipeline bubble, including activation transfers between stages
  double pp_comm_s = 0;      // blocking pipeline sends that hold the stage (ParallelPlan::pp_overlap() false)
  double dp_comm_s = 0;      // exposed data-parallel gradient and parameter synchronisation
  double offload_s = 0;      // activation transfers to and from the host that stall the compute
  double host_s = 0;         // MoE host overhead the compute waits for (moe_host_overhead)
  double optimizer_s = 0;
};

struct StepOptions {
  bool keep_trace = false;     // keep every pipeline task for a trace
  bool ignore_memory = false;  // time the step even if the memory check fails (validation runs)
};

struct StepResult {
  bool fits = true;
  MemoryReport memory;
  double step_time_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;             // model FLOPs / (time x every accelerator's dense peak in the matmul precision)
  double hfu = 0;             // the same with recomputation counted
  double model_flops = 0;     // per step, whole job
  StepBreakdown breakdown;
  int slowest_stage = 0;
  double sim_wall_s = 0;
  std::vector<PipelineTask> trace;  // with StepOptions::keep_trace
};

// The cost model options a plan's step runs with: its matmul precision, attention kernel and
// its release's attention rate.
cost::CostOptions cost_options(const ParallelPlan& p);

// A plan that does not fit returns fits = false with the memory breakdown and no time.
StepResult simulate_step(const Experiment& e, const StepOptions& opts = {});
// The same on the caller's op costs and collective times, built for cost_options(e.plan) on
// e.system: a plan search shares one cache of them over every plan it simulates.
StepResult simulate_step(const Experiment& e, cost::OpCostModel& cost, CollectiveTimer& timer,
                         const StepOptions& opts = {});

}  // namespace trnsim::train

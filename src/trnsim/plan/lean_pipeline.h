// The pipeline schedule of train/pipeline.h without the event kernel, for plan searches. Each
// stage runs its tasks in Megatron's order and a task starts when its stage is free and its input
// has arrived: a longest-path pass over the schedule's dependency graph gives the same times as
// train::run_pipeline. With many micro-batches the schedule settles into a steady state that
// repeats every pp micro-batches, so only two short prefixes are run and the rest is extrapolated
// linearly (exact once the fill has passed; docs/planner.md gives the agreement).
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/train/pipeline.h"

namespace trnsim::plan {

struct LeanPipelineResult {
  std::vector<Time> stage_end;   // per stage: end of its last task
  std::vector<Time> stage_busy;  // per stage: sum of its task durations
};

// `extrapolate`: when the step has more than a few rounds of pp micro-batches, run two prefixes
// and extend them; otherwise (and when false) run every micro-batch.
LeanPipelineResult lean_pipeline(const train::PipelineInput& in, bool extrapolate = true);

}  // namespace trnsim::plan

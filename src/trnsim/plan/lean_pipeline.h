// The pipeline schedule of train/pipeline.h without the event kernel, for plan searches. Each
// stage runs its tasks in its schedule's order (train/pipeline_order.h) and a task starts when
// its stage is free and its input has arrived: a longest-path pass over the schedule's dependency
// graph gives the same times as train::run_pipeline. With many micro-batches the schedule settles into a steady state, so only
// two short prefixes, a round of pp micro-batches apart, are run past the fill (longer for the
// V schedules) and the rest is extrapolated linearly. Equal stages repeat every round and the extrapolation is exact; uneven ones can
// settle into a cycle of a few rounds, which it follows on average (within 0.1% in
// tests/plan/lean_pipeline_test.cpp; docs/planner.md gives the agreement on real plans).
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/train/pipeline.h"

namespace trnsim::plan {

struct LeanPipelineResult {
  std::vector<train::StageTimes> stages;
};

// `extrapolate`: when the step has more than a few rounds of pp micro-batches, run two prefixes
// and extend them; otherwise (and when false) run every micro-batch.
LeanPipelineResult lean_pipeline(const train::PipelineInput& in, bool extrapolate = true);

}  // namespace trnsim::plan

// A pipeline-parallel schedule (GPipe, 1F1B, interleaved 1F1B) of one training step, run on the
// event kernel: one representative rank per stage executes its forward and backward chunk tasks
// in the schedule's order, each starting when its stage is free and its input has arrived from
// the neighbouring stage.
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct PipelineInput {
  int pp = 1, virtual_stages = 1;
  int64_t micro_batches = 1;
  PipelineSchedule schedule = PipelineSchedule::kNone;
  std::vector<Time> fwd, bwd;  // per global chunk g = virtual index x pp + stage, per micro-batch
  Time p2p;                    // activations (or their gradients) from one stage to the next
};

struct PipelineTask {
  int stage = 0, chunk = 0;  // global chunk
  int64_t micro_batch = 0;
  bool forward = true;
  Time start, end;
};

struct PipelineResult {
  Time end;                          // last task of any stage
  std::vector<Time> stage_end;       // per stage
  std::vector<Time> stage_busy;      // per stage: sum of its task durations
  std::vector<Time> last_bwd_start;  // per stage: start of its last backward task
  std::vector<PipelineTask> tasks;   // when asked for
};

PipelineResult run_pipeline(const PipelineInput& in, bool keep_tasks);

}  // namespace trnsim::train

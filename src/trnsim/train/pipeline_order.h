// The order in which one pipeline stage runs its forward and backward chunk tasks under
// Megatron's schedules (no pipeline, GPipe, 1F1B, interleaved 1F1B), shared by the event-kernel
// pipeline (pipeline.h) and the planner's lean one (plan/lean_pipeline.h), and which of those
// tasks have a partner: a task of another micro-batch running beside it on the same stage, behind
// whose compute expert all-to-alls can hide (ParallelPlan::ep_overlap; Megatron-Core's
// overlap_moe_expert_parallel_comm merges the forward of one micro-batch with the backward of
// another). The steady state pairs each forward with the backward after it; the warm-up's
// forwards and the cool-down's backwards run alone, and so does every task of GPipe.
#pragma once

#include <cstdint>

#include "trnsim/train/plan.h"

namespace trnsim::train {

struct PipelineUnit {
  bool forward = true;
  int chunk = 0;       // local chunk on the stage (0 .. virtual_stages - 1)
  int64_t mb = 0;
  bool paired = false;
};

class StageOrder {
 public:
  StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage);
  int64_t size() const { return 2 * units_; }
  PipelineUnit at(int64_t i) const;
  // How many of local chunk c's forward (warm-up) and backward (cool-down) tasks run alone.
  int64_t unpaired_forwards(int c) const;
  int64_t unpaired_backwards(int c) const;

 private:
  PipelineUnit fwd(int64_t k) const;
  PipelineUnit bwd(int64_t k) const;
  int64_t on_position(int64_t n, int c) const;
  int pp_, v_;
  int64_t m_, units_ = 0, warmup_ = 0;
  bool plain_ = true, gpipe_ = false;
};

}  // namespace trnsim::train

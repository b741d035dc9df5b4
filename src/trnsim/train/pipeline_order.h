// The order in which one pipeline stage runs its forward and backward chunk tasks under
// Megatron's schedules (no pipeline, GPipe, 1F1B, interleaved 1F1B) and ZB-H1, shared by the event-kernel
// pipeline (pipeline.h) and the planner's lean one (plan/lean_pipeline.h), and which of those
// tasks have a partner: a task of another micro-batch running beside it on the same stage, behind
// whose compute expert all-to-alls can hide (ParallelPlan::ep_overlap; Megatron-Core's
// overlap_moe_expert_parallel_comm merges the forward of one micro-batch with the backward of
// another). The steady state pairs each forward with the backward after it; the warm-up's
// forwards and the cool-down's backwards run alone, and so does every task of GPipe.
//
// ZB-H1 runs 1F1B's forwards and input-gradient backwards (B) in 1F1B's order and adds a
// weight-gradient task (W) per micro-batch: stage s holds back the W of its first s steady
// micro-batches, runs each later one after the B that is s micro-batches younger, follows every
// cool-down B with the oldest W held, and ends with the rest. At most pp micro-batches are then
// between forward and W on any stage, as on 1F1B's first; the held W fill the cool-down, where
// 1F1B's later stages wait.
#pragma once

#include <cstdint>

#include "trnsim/train/plan.h"

namespace trnsim::train {

struct PipelineUnit {
  bool forward = true;
  int chunk = 0;       // local chunk on the stage (0 .. virtual_stages - 1)
  int64_t mb = 0;
  bool paired = false;
  bool weight = false;  // ZB-H1's weight-gradient task (forward false); else a backward is whole or B
};

class StageOrder {
 public:
  StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage);
  int64_t size() const { return (zero_bubble_ ? 3 : 2) * units_; }
  PipelineUnit at(int64_t i) const;
  // How many of local chunk c's forward (warm-up) and backward (cool-down) tasks run alone.
  int64_t unpaired_forwards(int c) const;
  int64_t unpaired_backwards(int c) const;

 private:
  PipelineUnit fwd(int64_t k) const;
  PipelineUnit bwd(int64_t k) const;
  int64_t on_position(int64_t n, int c) const;
  PipelineUnit zero_bubble_at(int64_t i) const;
  int pp_, v_;
  int64_t m_, units_ = 0, warmup_ = 0;
  bool plain_ = true, gpipe_ = false, zero_bubble_ = false;
  int64_t held_ = 0;  // ZB-H1: weight-gradient tasks the stage holds back (min(stage, steady B))
};

}  // namespace trnsim::train

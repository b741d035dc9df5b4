// The order in which one pipeline stage runs its forward and backward chunk tasks under
// Megatron's schedules (no pipeline, GPipe, 1F1B, interleaved 1F1B), ZB-H1, ZB-V and DualPipeV, shared by the event-kernel
// pipeline (pipeline.h) and the planner's lean one (plan/lean_pipeline.h), and which of those
// tasks have a partner: a task of another micro-batch running beside it on the same stage, behind
// whose compute expert all-to-alls can hide (ParallelPlan::ep_overlap; Megatron-Core's
// overlap_moe_expert_parallel_comm merges the forward of one micro-batch with the backward of
// another). The steady state pairs each forward with the backward after it; the warm-up's
// forwards and the cool-down's backwards run alone, and so does every task of GPipe.
//
// Interleaved 1F1B runs its chunk-micro-batches in the order of Megatron-Core's schedule table
// (megatron/core/pipeline_parallel/schedules.py, get_schedule_table): micro-batches in groups of
// N (microbatch_group_size_per_vp_stage, pp unless set), each group through chunk 0, then chunk
// 1, and so on; the last group takes what is left after the whole groups before it. Backwards
// follow the same table with the chunks reversed, 2 (pp - s - 1) + (v - 1) N forwards behind
// (one more with Megatron-Core's all-to-all overlap).
//
// ZB-H1 runs 1F1B's forwards and input-gradient backwards (B) in 1F1B's order and adds a
// weight-gradient task (W) per micro-batch: stage s holds back the W of its first s steady
// micro-batches, runs each later one after the B that is s micro-batches younger, follows every
// cool-down B with the oldest W held, and ends with the rest. At most pp micro-batches are then
// between forward and W on any stage, as on 1F1B's first; the held W fill the cool-down, where
// 1F1B's later stages wait.
//
// ZB-V (two chunks per stage in a V: local chunk 0 is model chunk s, local chunk 1 is 2 pp - 1 - s)
// runs, on stage s of pp with n micro-batches: 2 (pp - s) - 1 forwards of chunk 0; s pairs of
// forwards, chunk 1 then chunk 0; pp - s triples F, B, W of chunk 1; the steady state's rounds of
// F, B, W of chunk 0 (F while any is left) and of chunk 1; s pairs of B, chunk 0 then chunk 1;
// pp - s pairs of B and W of chunk 0; then the held W of chunk 1 and of chunk 0. That is the order
// of PyTorch's ScheduleZBVZeroBubble (torch.distributed.pipelining), which torchtitan runs; with
// fewer than 2 pp - 1 micro-batches it is laid out for 2 pp - 1 and the missing ones skipped. No
// task has a partner.
//
// DualPipeV (the same V; deepseek-ai/DualPipe's dualpipev.py) runs, on stage s of pp with n >= 2 pp
// micro-batches: 2 (pp - s - 1) forwards of chunk 0; s + 1 pairs of forwards, chunk 0 then 1;
// pp - s - 1 rounds of chunk 1's B, its W, chunk 1's forward; n - 2 pp + s + 1 rounds of two
// overlapped pairs, forward of chunk 0 with the backward of chunk 1 and forward of chunk 1 with
// the backward of chunk 0 (the last stage runs its first pair apart); pp - s - 1 rounds of chunk
// 1's backward and an overlapped pair; s + 1 pairs of backwards, chunk 1 then 0, the later half
// splitting off their W; pp - s - 1 rounds of a held W and chunk 0's B; the last s + 1 held W.
// Held W run first in, first out. Backwards in pairs and in the first half of the cool-down are
// whole.
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/train/plan.h"

namespace trnsim::train {

struct PipelineUnit {
  bool forward = true;
  int chunk = 0;       // local chunk on the stage (0 .. virtual_stages - 1)
  int64_t mb = 0;
  bool paired = false;
  bool weight = false;  // a weight-gradient task W (forward false); else a backward is whole or B
  bool whole = false;   // under a splitting schedule, a backward that keeps its W (DualPipeV)
};

class StageOrder {
 public:
  // `group`: interleaved 1F1B's micro-batches per group (0: pp); `extra_warmup`: forwards added to
  // its warm-up (ParallelPlan::extra_warmup). Other schedules ignore both.
  StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage,
             int64_t group = 0, int extra_warmup = 0);
  int64_t size() const {
    return dual_ ? 4 * m_ + dual_weights_ : (zero_bubble_ || zbv_ ? 3 : 2) * units_;
  }
  // DualPipeV: most chunk-micro-batches between forward and the end of their gradients, from
  // its order (memory.cpp); other schedules count theirs in closed form there, and get 0 here.
  int64_t peak_in_flight() const { return dual_peak_; }
  PipelineUnit at(int64_t i) const;
  // How many of local chunk c's forward (warm-up) and backward (cool-down) tasks run alone.
  int64_t unpaired_forwards(int c) const;
  int64_t unpaired_backwards(int c) const;

 private:
  PipelineUnit fwd(int64_t k) const;
  PipelineUnit bwd(int64_t k) const;
  // Of the schedule table's first n entries, those on local chunk c.
  int64_t on_position(int64_t n, int c) const;
  PipelineUnit zero_bubble_at(int64_t i) const;
  // ZB-V's i-th task with n >= 2 pp - 1 micro-batches.
  PipelineUnit zero_bubble_v_at(int64_t i, int64_t n) const;
  int pp_, v_, stage_;
  int64_t m_, units_ = 0, warmup_ = 0;
  int64_t group_ = 1, last_group_start_ = 0;  // the schedule table's groups (interleaved 1F1B)
  bool plain_ = true, gpipe_ = false, zero_bubble_ = false, zbv_ = false;
  std::vector<PipelineUnit> short_v_;  // ZB-V with fewer than 2 pp - 1 micro-batches: the whole order
  // DualPipeV: the order for 2 pp micro-batches, from which longer steps repeat the overlapped
  // rounds (`dual_rounds_` of them here, starting at task `dual_prefix_`).
  void build_dualpipe_v();
  PipelineUnit dualpipe_v_at(int64_t i) const;
  bool dual_ = false;
  std::vector<PipelineUnit> dual_base_;
  int64_t dual_prefix_ = 0, dual_rounds_ = 0, dual_weights_ = 0, dual_peak_ = 0;
  int64_t dual_alone_[2][2] = {{0, 0}, {0, 0}};  // [chunk][forward 0, backward 1] without a partner
  int64_t held_ = 0;  // ZB-H1: weight-gradient tasks the stage holds back (min(stage, steady B))
};

}  // namespace trnsim::train

#include "trnsim/train/pipeline_order.h"

#include <algorithm>

namespace trnsim::train {

StageOrder::StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage)
    : pp_(pp), v_(virtual_stages), m_(micro_batches) {
  plain_ = schedule == PipelineSchedule::kNone || schedule == PipelineSchedule::kGpipe;
  gpipe_ = schedule == PipelineSchedule::kGpipe;
  zero_bubble_ = schedule == PipelineSchedule::kZeroBubble;
  units_ = m_ * v_;
  warmup_ = std::min<int64_t>(units_, schedule == PipelineSchedule::kInterleaved
                                          ? int64_t{pp_ - stage - 1} * 2 + int64_t{v_ - 1} * pp_
                                          : pp_ - stage - 1);
  held_ = std::min<int64_t>(stage, units_ - warmup_);
}

// ZB-H1 (one chunk per stage), in four runs: the warm-up's forwards; the steady state's F, B
// pairs, then F, B, W triples once `held_` W are held; the cool-down's B, W pairs; the held W.
PipelineUnit StageOrder::zero_bubble_at(int64_t i) const {
  const int64_t w = warmup_, steady = units_ - warmup_, a = held_;
  if (i < w) return {true, 0, i, false};
  i -= w;
  if (i < 2 * a) return i % 2 == 0 ? PipelineUnit{true, 0, w + i / 2, true} : PipelineUnit{false, 0, i / 2, true};
  i -= 2 * a;
  if (i < 3 * (steady - a)) {
    const int64_t k = a + i / 3;
    switch (i % 3) {
      case 0: return {true, 0, w + k, true};
      case 1: return {false, 0, k, true};
      default: return {false, 0, k - a, false, true};
    }
  }
  i -= 3 * (steady - a);
  if (i < 2 * w) return i % 2 == 0 ? PipelineUnit{false, 0, steady + i / 2, false} : PipelineUnit{false, 0, steady - a + i / 2, false, true};
  i -= 2 * w;
  return {false, 0, steady - a + w + i, false, true};
}

// Of the units k < n, those whose round (k / pp) falls on chunk position c of v.
int64_t StageOrder::on_position(int64_t n, int c) const {
  const int64_t cycle = int64_t{pp_} * v_;
  return n / cycle * pp_ + std::clamp<int64_t>(n % cycle - int64_t{c} * pp_, 0, pp_);
}

int64_t StageOrder::unpaired_forwards(int c) const {
  if (gpipe_) return m_;
  if (plain_) return 1;  // one stage: the forward of micro-batch i + 1 pairs with the backward of i
  return on_position(warmup_, c);
}

int64_t StageOrder::unpaired_backwards(int c) const {
  if (plain_) return unpaired_forwards(c);
  // Backward units run the chunks in reverse: position v - 1 - c.
  return on_position(units_, v_ - 1 - c) - on_position(units_ - warmup_, v_ - 1 - c);
}

PipelineUnit StageOrder::fwd(int64_t k) const {
  return {true, static_cast<int>((k / pp_) % v_), (k / (int64_t{pp_} * v_)) * pp_ + k % pp_, false};
}

PipelineUnit StageOrder::bwd(int64_t k) const {
  return {false, v_ - 1 - static_cast<int>((k / pp_) % v_), (k / (int64_t{pp_} * v_)) * pp_ + k % pp_, false};
}

PipelineUnit StageOrder::at(int64_t i) const {
  if (zero_bubble_) return zero_bubble_at(i);
  if (plain_) {
    if (gpipe_) {
      if (i < units_) return {true, static_cast<int>(i % v_), i / v_, false};
      const int64_t j = i - units_;
      return {false, v_ - 1 - static_cast<int>(j % v_), j / v_, false};
    }
    const int64_t per = 2 * v_, mb = i / per, r = i % per;
    return r < v_ ? PipelineUnit{true, static_cast<int>(r), mb, mb > 0}
                  : PipelineUnit{false, static_cast<int>(per - 1 - r), mb, mb < m_ - 1};
  }
  if (i < warmup_) return fwd(i);
  const int64_t steady = 2 * (units_ - warmup_);
  if (i < warmup_ + steady) {
    const int64_t k = (i - warmup_) / 2;
    PipelineUnit u = (i - warmup_) % 2 == 0 ? fwd(warmup_ + k) : bwd(k);
    u.paired = true;
    return u;
  }
  return bwd(i - warmup_ - (units_ - warmup_));
}

}  // namespace trnsim::train

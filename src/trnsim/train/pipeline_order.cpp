#include "trnsim/train/pipeline_order.h"

#include <algorithm>

namespace trnsim::train {

StageOrder::StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage)
    : pp_(pp), v_(virtual_stages), stage_(stage), m_(micro_batches) {
  plain_ = schedule == PipelineSchedule::kNone || schedule == PipelineSchedule::kGpipe;
  gpipe_ = schedule == PipelineSchedule::kGpipe;
  zero_bubble_ = schedule == PipelineSchedule::kZeroBubble;
  v_shape_ = schedule == PipelineSchedule::kZeroBubbleV;
  units_ = m_ * v_;
  if (v_shape_ && m_ < 2 * int64_t{pp_} - 1) {
    const int64_t n = 2 * int64_t{pp_} - 1;
    for (int64_t i = 0; i < 6 * n; ++i) {
      const PipelineUnit u = zero_bubble_v_at(i, n);
      if (u.mb < m_) short_v_.push_back(u);
    }
  }
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

PipelineUnit StageOrder::zero_bubble_v_at(int64_t i, int64_t n) const {
  const int64_t p = pp_, r = stage_;
  auto f = [](int c, int64_t mb) { return PipelineUnit{true, c, mb, false}; };
  auto b = [](int c, int64_t mb) { return PipelineUnit{false, c, mb, false}; };
  auto w = [](int c, int64_t mb) { return PipelineUnit{false, c, mb, false, true}; };
  const int64_t lead = 2 * (p - r) - 1;  // chunk 0's forwards before chunk 1's first
  if (i < lead) return f(0, i);
  i -= lead;
  if (i < 2 * r) return i % 2 == 0 ? f(1, i / 2) : f(0, lead + i / 2);
  i -= 2 * r;
  if (i < 3 * (p - r)) {
    const int64_t j = i / 3;
    return i % 3 == 0 ? f(1, r + j) : i % 3 == 1 ? b(1, j) : w(1, j);
  }
  i -= 3 * (p - r);
  // Steady rounds t: chunk 0's forward of micro-batch lead + r + t while there is one, its B and W
  // of t, then chunk 1's forward of p + t and its B and W of p - r + t.
  const int64_t full = n - (lead + r), rounds = n - p;
  if (i < 6 * full) {
    const int64_t t = i / 6;
    switch (i % 6) {
      case 0: return f(0, lead + r + t);
      case 1: return b(0, t);
      case 2: return w(0, t);
      case 3: return f(1, p + t);
      case 4: return b(1, p - r + t);
      default: return w(1, p - r + t);
    }
  }
  i -= 6 * full;
  if (i < 5 * (rounds - full)) {
    const int64_t t = full + i / 5;
    switch (i % 5) {
      case 0: return b(0, t);
      case 1: return w(0, t);
      case 2: return f(1, p + t);
      case 3: return b(1, p - r + t);
      default: return w(1, p - r + t);
    }
  }
  i -= 5 * (rounds - full);
  if (i < 2 * r) return i % 2 == 0 ? b(0, n - p + i / 2) : b(1, n - r + i / 2);
  i -= 2 * r;
  if (i < 2 * (p - r)) return i % 2 == 0 ? b(0, n - p + r + i / 2) : w(0, n - p + i / 2);
  i -= 2 * (p - r);
  if (i < r) return w(1, n - r + i);
  return w(0, n - r + (i - r));
}

// Of the units k < n, those whose round (k / pp) falls on chunk position c of v.
int64_t StageOrder::on_position(int64_t n, int c) const {
  const int64_t cycle = int64_t{pp_} * v_;
  return n / cycle * pp_ + std::clamp<int64_t>(n % cycle - int64_t{c} * pp_, 0, pp_);
}

int64_t StageOrder::unpaired_forwards(int c) const {
  if (gpipe_ || v_shape_) return m_;
  if (plain_) return 1;  // one stage: the forward of micro-batch i + 1 pairs with the backward of i
  return on_position(warmup_, c);
}

int64_t StageOrder::unpaired_backwards(int c) const {
  if (plain_ || v_shape_) return unpaired_forwards(c);
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
  if (v_shape_) return short_v_.empty() ? zero_bubble_v_at(i, m_) : short_v_[static_cast<size_t>(i)];
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

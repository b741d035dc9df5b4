#include "trnsim/train/pipeline_order.h"

#include <algorithm>
#include <deque>

namespace trnsim::train {

StageOrder::StageOrder(PipelineSchedule schedule, int pp, int virtual_stages, int64_t micro_batches, int stage,
                       int64_t group, int extra_warmup)
    : pp_(pp), v_(virtual_stages), stage_(stage), m_(micro_batches) {
  plain_ = schedule == PipelineSchedule::kNone || schedule == PipelineSchedule::kGpipe;
  gpipe_ = schedule == PipelineSchedule::kGpipe;
  zero_bubble_ = schedule == PipelineSchedule::kZeroBubble;
  zbv_ = schedule == PipelineSchedule::kZeroBubbleV;
  dual_ = schedule == PipelineSchedule::kDualPipeV;
  units_ = m_ * v_;
  const bool interleaved = schedule == PipelineSchedule::kInterleaved;
  group_ = interleaved && group > 0 ? group : pp_;
  last_group_start_ = m_ > 0 ? group_ * ((m_ - 1) / group_) : 0;
  if (dual_) build_dualpipe_v();
  if (zbv_ && m_ < 2 * int64_t{pp_} - 1) {
    const int64_t n = 2 * int64_t{pp_} - 1;
    for (int64_t i = 0; i < 6 * n; ++i) {
      const PipelineUnit u = zero_bubble_v_at(i, n);
      if (u.mb < m_) short_v_.push_back(u);
    }
  }
  warmup_ = std::min<int64_t>(units_, interleaved ? int64_t{pp_ - stage - 1} * 2 + int64_t{v_ - 1} * group_ + extra_warmup
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

void StageOrder::build_dualpipe_v() {
  const int64_t p = pp_, r = stage_;
  int64_t fwd[2] = {0, 0}, bwd[2] = {0, 0};
  std::deque<PipelineUnit> held;
  std::vector<PipelineUnit>& o = dual_base_;
  auto f = [&](int c, bool paired) { o.push_back({true, c, fwd[c]++, paired}); };
  auto b = [&](int c, bool paired, bool split) {
    o.push_back({false, c, bwd[c]++, paired, false, !split});
    if (split) held.push_back({false, c, o.back().mb, false, true});
  };
  auto w = [&] {
    o.push_back(held.front());
    held.pop_front();
  };
  for (int64_t i = 0; i < 2 * (p - r - 1); ++i) f(0, false);
  for (int64_t i = 0; i <= r; ++i) f(0, false), f(1, false);
  for (int64_t i = 0; i < p - r - 1; ++i) b(1, false, true), w(), f(1, false);
  dual_prefix_ = static_cast<int64_t>(o.size());
  dual_rounds_ = r + 1;  // 2 pp - 2 pp + r + 1
  for (int64_t t = 0; t < dual_rounds_; ++t) {
    const bool paired = t > 0 || r < p - 1;
    f(0, paired), b(1, paired, false), f(1, true), b(0, true, false);
  }
  for (int64_t i = 0; i < p - r - 1; ++i) b(1, false, false), f(1, true), b(0, true, false);
  bool split = false;
  for (int64_t i = 0; i <= r; ++i) {
    split = split || (i == (r + 1) / 2 && r % 2 == 1);
    b(1, false, split);
    split = split || (i == (r + 1) / 2 && r % 2 == 0);
    b(0, false, split);
  }
  for (int64_t i = 0; i < p - r - 1; ++i) w(), b(0, false, true);
  while (!held.empty()) w();
  dual_weights_ = static_cast<int64_t>(o.size()) - 8 * p;
  int64_t in_flight = 0;
  for (const PipelineUnit& u : o) {
    in_flight += u.forward ? 1 : (u.weight || u.whole) ? -1 : 0;
    dual_peak_ = std::max(dual_peak_, in_flight);
    if (!u.paired && !u.weight) ++dual_alone_[u.chunk][u.forward ? 0 : 1];
  }
}

PipelineUnit StageOrder::dualpipe_v_at(int64_t i) const {
  const int64_t p = pp_, r = stage_, extra = m_ - 2 * p;  // overlapped rounds beyond the base's
  if (i < dual_prefix_ + 4) return dual_base_[static_cast<size_t>(i)];
  const int64_t body = 4 * (dual_rounds_ + extra);
  if (i < dual_prefix_ + body) {
    // Round t >= 1: chunk 0's forward with chunk 1's backward, then chunk 1's forward with
    // chunk 0's backward, each counter one on from the round before.
    const int64_t t = (i - dual_prefix_) / 4;
    switch ((i - dual_prefix_) % 4) {
      case 0: return {true, 0, 2 * (p - r - 1) + r + 1 + t, true};
      case 1: return {false, 1, p - r - 1 + t, true, false, true};
      case 2: return {true, 1, p + t, true};
      default: return {false, 0, t, true, false, true};
    }
  }
  PipelineUnit u = dual_base_[static_cast<size_t>(i - 4 * extra)];
  u.mb += extra;
  return u;
}

int64_t StageOrder::on_position(int64_t n, int c) const {
  const int64_t span = group_ * v_, whole = std::min(n, last_group_start_ * v_);
  int64_t count = whole / span * group_ + std::clamp<int64_t>(whole % span - int64_t{c} * group_, 0, group_);
  if (n > whole) {
    const int64_t last = m_ - last_group_start_;  // micro-batches in the last group
    count += std::clamp<int64_t>(n - whole - int64_t{c} * last, 0, last);
  }
  return count;
}

int64_t StageOrder::unpaired_forwards(int c) const {
  if (dual_) return dual_alone_[c][0];
  if (gpipe_ || zbv_) return m_;
  if (plain_) return 1;  // one stage: the forward of micro-batch i + 1 pairs with the backward of i
  return on_position(warmup_, c);
}

int64_t StageOrder::unpaired_backwards(int c) const {
  if (dual_) return dual_alone_[c][1];
  if (plain_ || zbv_) return unpaired_forwards(c);
  // Backward units run the chunks in reverse: position v - 1 - c.
  return on_position(units_, v_ - 1 - c) - on_position(units_ - warmup_, v_ - 1 - c);
}

PipelineUnit StageOrder::fwd(int64_t k) const {
  const int64_t whole = last_group_start_ * v_;
  if (k < whole) {
    const int64_t span = group_ * v_;
    return {true, static_cast<int>(k % span / group_), k / span * group_ + k % group_, false};
  }
  const int64_t last = m_ - last_group_start_;
  return {true, static_cast<int>((k - whole) / last), last_group_start_ + (k - whole) % last, false};
}

PipelineUnit StageOrder::bwd(int64_t k) const {
  PipelineUnit u = fwd(k);
  u.forward = false;
  u.chunk = v_ - 1 - u.chunk;
  return u;
}

PipelineUnit StageOrder::at(int64_t i) const {
  if (zero_bubble_) return zero_bubble_at(i);
  if (zbv_) return short_v_.empty() ? zero_bubble_v_at(i, m_) : short_v_[static_cast<size_t>(i)];
  if (dual_) return dualpipe_v_at(i);
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

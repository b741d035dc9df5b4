#include "trnsim/plan/lean_pipeline.h"

#include <algorithm>

namespace trnsim::plan {
namespace {

using train::PipelineSchedule;

struct Unit {
  bool forward;
  int chunk;  // local chunk on the stage
  int64_t mb;
};

// Unit i of stage s's order: Megatron's schedules, as train/pipeline.cpp orders them.
class StageOrder {
 public:
  StageOrder(const train::PipelineInput& in, int64_t m, int s) : pp_(in.pp), v_(in.virtual_stages), m_(m) {
    plain_ = in.schedule == PipelineSchedule::kNone || in.schedule == PipelineSchedule::kGpipe;
    gpipe_ = in.schedule == PipelineSchedule::kGpipe;
    units_ = m * v_;
    warmup_ = std::min<int64_t>(units_, in.schedule == PipelineSchedule::kInterleaved
                                            ? int64_t{pp_ - s - 1} * 2 + int64_t{v_ - 1} * pp_
                                            : pp_ - s - 1);
  }
  int64_t size() const { return 2 * units_; }
  Unit at(int64_t i) const {
    if (plain_) {
      if (gpipe_) {
        if (i < units_) return {true, static_cast<int>(i % v_), i / v_};
        const int64_t j = i - units_;
        return {false, v_ - 1 - static_cast<int>(j % v_), j / v_};
      }
      const int64_t per = 2 * v_, mb = i / per, r = i % per;
      return r < v_ ? Unit{true, static_cast<int>(r), mb} : Unit{false, static_cast<int>(per - 1 - r), mb};
    }
    if (i < warmup_) return fwd(i);
    const int64_t steady = 2 * (units_ - warmup_);
    if (i < warmup_ + steady) {
      const int64_t k = (i - warmup_) / 2;
      return (i - warmup_) % 2 == 0 ? fwd(warmup_ + k) : bwd(k);
    }
    return bwd(i - warmup_ - (units_ - warmup_));
  }

 private:
  Unit fwd(int64_t k) const {
    return {true, static_cast<int>((k / pp_) % v_), (k / (int64_t{pp_} * v_)) * pp_ + k % pp_};
  }
  Unit bwd(int64_t k) const {
    return {false, v_ - 1 - static_cast<int>((k / pp_) % v_), (k / (int64_t{pp_} * v_)) * pp_ + k % pp_};
  }
  int pp_, v_;
  int64_t m_, units_ = 0, warmup_ = 0;
  bool plain_ = true, gpipe_ = false;
};

constexpr int64_t kNotYet = INT64_MAX;

// Every task of a step with `m` micro-batches, stages advanced round-robin as far as their inputs allow.
LeanPipelineResult run(const train::PipelineInput& in, int64_t m) {
  const int pp = in.pp, v = in.virtual_stages, chunks = pp * v;
  std::vector<int64_t> fwd_end(static_cast<size_t>(chunks) * m, kNotYet), bwd_end(fwd_end.size(), kNotYet);
  std::vector<StageOrder> orders;
  for (int s = 0; s < pp; ++s) orders.emplace_back(in, m, s);
  std::vector<int64_t> next(pp, 0), free(pp, 0), busy(pp, 0);
  const int64_t p2p = in.p2p.ps();
  auto slot = [m](int g, int64_t mb) { return static_cast<size_t>(g) * m + mb; };
  bool progress = true;
  while (progress) {
    progress = false;
    for (int s = 0; s < pp; ++s) {
      const StageOrder& order = orders[s];
      while (next[s] < order.size()) {
        const Unit u = order.at(next[s]);
        const int g = u.chunk * pp + s;
        int64_t ready = 0;
        if (u.forward) {
          if (g > 0) {
            const int64_t t = fwd_end[slot(g - 1, u.mb)];
            if (t == kNotYet) break;
            ready = t + p2p;
          }
        } else if (g == chunks - 1) {
          ready = fwd_end[slot(g, u.mb)];
          if (ready == kNotYet) break;
        } else {
          const int64_t t = bwd_end[slot(g + 1, u.mb)];
          if (t == kNotYet) break;
          ready = t + p2p;
        }
        const int64_t dur = (u.forward ? in.fwd[g] : in.bwd[g]).ps();
        const int64_t end = std::max(ready, free[s]) + dur;
        free[s] = end;
        busy[s] += dur;
        (u.forward ? fwd_end : bwd_end)[slot(g, u.mb)] = end;
        ++next[s];
        progress = true;
      }
    }
  }
  LeanPipelineResult r;
  for (int s = 0; s < pp; ++s) {
    r.stage_end.push_back(Time::ps(free[s]));
    r.stage_busy.push_back(Time::ps(busy[s]));
  }
  return r;
}

}  // namespace

LeanPipelineResult lean_pipeline(const train::PipelineInput& in, bool extrapolate) {
  const int64_t m = in.micro_batches;
  // Two prefixes a whole number of rounds (pp micro-batches) long, past the fill and drain.
  const int64_t m1 = int64_t{in.pp} * 3, m2 = int64_t{in.pp} * 4;
  if (!extrapolate || in.pp == 1 || m <= m2 + in.pp) {
    if (in.pp == 1) {
      // One stage: every task back to back.
      int64_t total = 0;
      for (int c = 0; c < in.virtual_stages; ++c) total += (in.fwd[c] + in.bwd[c]).ps();
      return {{Time::ps(total * m)}, {Time::ps(total * m)}};
    }
    return run(in, m);
  }
  const LeanPipelineResult a = run(in, m1), b = run(in, m2);
  LeanPipelineResult r;
  const double scale = static_cast<double>(m - m2) / static_cast<double>(m2 - m1);
  for (int s = 0; s < in.pp; ++s) {
    const double end = static_cast<double>(b.stage_end[s].ps()) +
                       scale * static_cast<double>((b.stage_end[s] - a.stage_end[s]).ps());
    const double busy = static_cast<double>(b.stage_busy[s].ps()) +
                        scale * static_cast<double>((b.stage_busy[s] - a.stage_busy[s]).ps());
    r.stage_end.push_back(Time::ps(static_cast<int64_t>(end + 0.5)));
    r.stage_busy.push_back(Time::ps(static_cast<int64_t>(busy + 0.5)));
  }
  return r;
}

}  // namespace trnsim::plan

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
  LeanPipelineResult r;
  r.stages.assign(pp, train::StageTimes{Time(), Time(), std::vector<train::ChunkWindow>(v)});
  std::vector<bool> seen_fwd(static_cast<size_t>(chunks), false);
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
        const int64_t start = std::max(ready, free[s]), end = start + dur;
        train::ChunkWindow& w = r.stages[s].chunks[u.chunk];
        if (!u.forward) {
          w.last_bwd_start = Time::ps(start);
          w.last_bwd_end = Time::ps(end);
        } else if (!seen_fwd[g]) {
          seen_fwd[g] = true;
          w.first_fwd_start = Time::ps(start);
          w.first_fwd_end = Time::ps(end);
        }
        free[s] = end;
        busy[s] += dur;
        (u.forward ? fwd_end : bwd_end)[slot(g, u.mb)] = end;
        ++next[s];
        progress = true;
      }
    }
  }
  for (int s = 0; s < pp; ++s) {
    r.stages[s].end = Time::ps(free[s]);
    r.stages[s].busy = Time::ps(busy[s]);
  }
  return r;
}

}  // namespace

LeanPipelineResult lean_pipeline(const train::PipelineInput& in, bool extrapolate) {
  const int64_t m = in.micro_batches;
  const int64_t round = in.pp;
  if (!extrapolate || in.pp == 1 || m <= round * 5) {
    if (in.pp == 1) {
      // One stage: every task back to back, chunk by chunk within each micro-batch.
      const int v = in.virtual_stages;
      train::StageTimes st{Time(), Time(), std::vector<train::ChunkWindow>(v)};
      Time per_mb;
      for (int c = 0; c < v; ++c) per_mb += in.fwd[c] + in.bwd[c];
      st.busy = st.end = per_mb * m;
      // The last micro-batch runs its forwards in chunk order, then its backwards in reverse.
      Time t = per_mb * (m - 1), first;
      for (int c = 0; c < v; ++c) {
        st.chunks[c].first_fwd_start = first;
        st.chunks[c].first_fwd_end = first + in.fwd[c];
        first += in.fwd[c];
        t += in.fwd[c];
      }
      for (int c = v - 1; c >= 0; --c) {
        st.chunks[c].last_bwd_start = t;
        st.chunks[c].last_bwd_end = t + in.bwd[c];
        t += in.bwd[c];
      }
      return {{st}};
    }
    return run(in, m);
  }
  // Two prefixes past the fill, one round apart and as many micro-batches modulo a round as the
  // step, so that their drains have the step's shape.
  const int64_t m2 = round * 4 + (m - round * 4) % round, m1 = m2 - round;
  const LeanPipelineResult a = run(in, m1), b = run(in, m2);
  const int64_t rounds = (m - m2) / round;
  LeanPipelineResult r = b;
  for (int s = 0; s < in.pp; ++s) {
    train::StageTimes& st = r.stages[s];
    const Time shift = (b.stages[s].end - a.stages[s].end) * rounds;
    st.end += shift;
    st.busy += (b.stages[s].busy - a.stages[s].busy) * rounds;
    // First forwards lie in the fill, which does not move; last backwards in the drain, which does.
    for (train::ChunkWindow& w : st.chunks) {
      w.last_bwd_start += shift;
      w.last_bwd_end += shift;
    }
  }
  return r;
}

}  // namespace trnsim::plan

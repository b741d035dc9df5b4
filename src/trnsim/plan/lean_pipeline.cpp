#include "trnsim/plan/lean_pipeline.h"

#include <algorithm>

namespace trnsim::plan {
namespace {

using train::PipelineSchedule;

using train::StageOrder;

constexpr int64_t kNotYet = INT64_MAX;

// Every task of a step with `m` micro-batches, stages advanced round-robin as far as their inputs allow.
LeanPipelineResult run(const train::PipelineInput& in, int64_t m) {
  const int pp = in.pp, v = in.virtual_stages, chunks = pp * v;
  std::vector<int64_t> fwd_end(static_cast<size_t>(chunks) * m, kNotYet), bwd_end(fwd_end.size(), kNotYet);
  std::vector<StageOrder> orders;
  for (int s = 0; s < pp; ++s) orders.emplace_back(in.schedule, pp, v, m, s, in.group, in.extra_warmup);
  std::vector<int64_t> next(pp, 0), free(pp, 0), busy(pp, 0);
  LeanPipelineResult r;
  r.stages.assign(pp, train::StageTimes(v));
  std::vector<bool> seen_fwd(static_cast<size_t>(chunks), false);
  std::vector<int64_t> sends(pp, 0);
  auto slot = [m](int g, int64_t mb) { return static_cast<size_t>(g) * m + mb; };
  bool progress = true;
  while (progress) {
    progress = false;
    for (int s = 0; s < pp; ++s) {
      const StageOrder& order = orders[s];
      while (next[s] < order.size()) {
        const train::PipelineUnit u = order.at(next[s]);
        const int g = in.chunk_of(u, s);
        int64_t ready = 0;
        if (const train::PipelineInput::Input dep = in.input_of(u, g); dep.chunk >= 0) {
          const int64_t t = (dep.forward ? fwd_end : bwd_end)[slot(dep.chunk, u.mb)];
          if (t == kNotYet) break;
          ready = t + in.travel(dep.chunk, g).ps();
        }
        const int64_t dur = in.duration(u, g).ps();
        const int64_t start = std::max(ready, free[s]), end = start + dur;
        train::ChunkWindow& w = r.stages[s].chunks[u.chunk];
        if (in.ends_gradients(u)) {
          w.last_bwd_start = Time::ps(start);
          w.last_bwd_end = Time::ps(end);
        } else if (u.forward && !seen_fwd[g]) {
          seen_fwd[g] = true;
          w.first_fwd_start = Time::ps(start);
          w.first_fwd_end = Time::ps(end);
        }
        free[s] = end;
        busy[s] += dur;
        sends[s] += in.send(u, g).ps();
        if (!u.weight) (u.forward ? fwd_end : bwd_end)[slot(g, u.mb)] = end;
        ++next[s];
        progress = true;
      }
    }
  }
  for (int s = 0; s < pp; ++s) {
    r.stages[s].end = Time::ps(free[s]);
    r.stages[s].busy = Time::ps(busy[s]);
    r.stages[s].sends = Time::ps(sends[s]);
  }
  return r;
}

}  // namespace

LeanPipelineResult lean_pipeline(const train::PipelineInput& in, bool extrapolate) {
  const int64_t m = in.micro_batches;
  // The schedule's period: interleaved 1F1B's group of micro-batches, else one per stage.
  const int64_t round = in.schedule == PipelineSchedule::kInterleaved && in.group > 0 ? in.group : in.pp;
  // Rounds before the steady state: a V fills for longer (settled from the fifth round on in
  // tests/plan/lean_pipeline_test.cpp).
  const int64_t fill = train::v_shape(in.schedule) ? 5 : 3;
  if (!extrapolate || in.pp == 1 || m <= round * (fill + 2)) {
    if (in.pp == 1 && in.schedule != PipelineSchedule::kGpipe && !train::v_shape(in.schedule)) {
      // One stage: every task back to back, chunk by chunk within each micro-batch; the first
      // micro-batch's forwards and the last one's backwards run alone.
      const int v = in.virtual_stages;
      const StageOrder order(in.schedule, 1, v, m, 0);
      train::StageTimes st(v);
      Time fwd_first, fwd_rest, bwd_last, bwd_rest;
      for (int c = 0; c < v; ++c) {
        fwd_first += in.duration(order.at(c), c);
        fwd_rest += in.fwd[c];
        bwd_last += in.duration(order.at(2 * v * m - 1 - c), c);
        bwd_rest += in.bwd[c];
      }
      st.busy = st.end = fwd_first + bwd_last + (fwd_rest + bwd_rest) * (m - 1);
      // The last micro-batch runs its forwards in chunk order, then its backwards in reverse.
      Time t = st.end - bwd_last - (m == 1 ? fwd_first : fwd_rest), first;
      for (int c = 0; c < v; ++c) {
        const Time f = in.duration(order.at(c), c);
        st.chunks[c].first_fwd_start = first;
        st.chunks[c].first_fwd_end = first + f;
        first += f;
        t += m == 1 ? f : in.fwd[c];
      }
      for (int c = v - 1; c >= 0; --c) {
        const Time b = in.duration(order.at(2 * v * m - 1 - c), c);
        st.chunks[c].last_bwd_start = t;
        st.chunks[c].last_bwd_end = t + b;
        t += b;
      }
      return {{st}};
    }
    return run(in, m);
  }
  // Two prefixes past the fill, one round apart and as many micro-batches modulo a round as the
  // step, so that their drains have the step's shape.
  const int64_t m2 = round * (fill + 1) + (m - round * (fill + 1)) % round, m1 = m2 - round;
  const LeanPipelineResult a = run(in, m1), b = run(in, m2);
  const int64_t rounds = (m - m2) / round;
  LeanPipelineResult r = b;
  for (int s = 0; s < in.pp; ++s) {
    train::StageTimes& st = r.stages[s];
    const Time shift = (b.stages[s].end - a.stages[s].end) * rounds;
    st.end += shift;
    st.busy += (b.stages[s].busy - a.stages[s].busy) * rounds;
    st.sends += (b.stages[s].sends - a.stages[s].sends) * rounds;
    // First forwards lie in the fill, which does not move; last backwards in the drain, which does.
    for (train::ChunkWindow& w : st.chunks) {
      w.last_bwd_start += shift;
      w.last_bwd_end += shift;
    }
  }
  return r;
}

}  // namespace trnsim::plan

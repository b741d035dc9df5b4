#include "trnsim/train/data_parallel.h"

#include <algorithm>

namespace trnsim::train {

using net::CollectiveKind;

namespace {

// Megatron's default gradient bucket: 40M parameters. The last bucket's reduction cannot hide.
constexpr double kBucketParams = 40e6;

// The time of the last gradient bucket of a chunk holding `params` parameters, out of `whole`.
Time last_bucket(Time whole, double params) {
  return params > 0 ? Time::from_seconds(whole.seconds() * std::min(1.0, kBucketParams / params)) : Time();
}

// ZeRO-1/2's gather after the optimizer, of the parameters it updated: all of them, or under
// LoRA the adapters (16-bit even under fp8 parameters).
Time gather_updated(CollectiveTimer& timer, const GroupLayout& g, const Part& c, const ParallelPlan& p) {
  if (p.lora_rank == 0) return gather_params(timer, g, c, p);
  return over_dp(timer, g, CollectiveKind::kAllGather, c.trained_dense * p.param_bytes(),
                 c.trained_expert * p.param_bytes());
}

}  // namespace

Time over_dp(CollectiveTimer& timer, const GroupLayout& g, CollectiveKind k, double dense_bytes, double expert_bytes) {
  return timer.time(k, dense_bytes, g.dense_dp) + timer.time(k, expert_bytes, g.expert_dp);
}

Time reduce_grads(CollectiveTimer& timer, const GroupLayout& g, CollectiveKind k, const Part& held, double bytes_per) {
  return over_dp(timer, g, k, held.trained_dense * bytes_per, held.trained_expert * bytes_per);
}

Time gather_params(CollectiveTimer& timer, const GroupLayout& g, const Part& held, const ParallelPlan& p) {
  return over_dp(timer, g, CollectiveKind::kAllGather, p.param_gather_bytes(held.dense_params, held.dense_quantized),
                 p.param_gather_bytes(held.expert_params, held.expert_quantized));
}

StageDp data_parallel(const ParallelPlan& p, CollectiveTimer& timer, const GroupLayout& g,
                      const std::vector<const Part*>& chunks, const StageTimes& st, double slowdown) {
  StageDp out;
  if (!p.dp_overlap) slowdown = 0;  // nothing computes beside them
  const CollectiveKind reduce = p.zero >= 1 ? CollectiveKind::kReduceScatter : CollectiveKind::kAllReduce;
  std::vector<size_t> order(chunks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return st.chunks[a].last_bwd_end < st.chunks[b].last_bwd_end; });
  Time net = p.dp_overlap ? Time() : st.end, busy;
  for (size_t i : order) {
    const Part& c = *chunks[i];
    const ChunkWindow& w = st.chunks[i];
    const Time grads = reduce_grads(timer, g, reduce, c, p.grad_bytes());
    if (p.shards_gradients()) {
      // ZeRO-2 reduced every micro-batch inside the chunk's backward (chunk_parts); the last
      // bucket of its last backward is left.
      if (p.dp_overlap) net = max(net, w.last_bwd_end + last_bucket(grads, c.trained_dense + c.trained_expert));
      continue;
    }
    if (!p.dp_overlap) {
      net += grads;
    } else if (p.zero3_once_per_step()) {
      net = max(net, w.last_bwd_end) + grads;  // the stage's post-backward, after the whole backward
    } else {
      net = max(w.last_bwd_end + last_bucket(grads, c.trained_dense + c.trained_expert), max(net, w.last_bwd_start) + grads);
    }
    busy += grads;
  }
  out.exposed = net > st.end ? net - st.end : Time();
  out.exposed += Time::from_seconds(slowdown * std::max(0.0, (busy - out.exposed).seconds()));
  if (p.zero >= 1) {
    // The gathers run back to back from the step's start in the order the forwards need them.
    Time gathered, delay;
    for (size_t i = 0; i < chunks.size(); ++i) {
      const Part& c = *chunks[i];
      const ChunkWindow& w = st.chunks[i];
      const Time gather = gather_updated(timer, g, c, p);
      const Time first = p.dp_overlap ? last_bucket(gather, c.trained_dense + c.trained_expert) : gather;
      if (gathered + first > w.first_fwd_start) delay = max(delay, gathered + first - w.first_fwd_start);
      gathered += gather;
      if (gathered > w.first_fwd_end) delay = max(delay, gathered - w.first_fwd_end);
    }
    out.param_gather_exposed = delay + Time::from_seconds(slowdown * std::max(0.0, (gathered - delay).seconds()));
  }
  return out;
}

Time zero3_lead(const std::vector<Part>& chunks, const std::vector<StageTimes>& stages) {
  Time delay;
  for (size_t t = 0; t < stages.size(); ++t) {
    const Time ready = chunks[t].zero3_lead, start = stages[t].chunks[0].first_fwd_start;
    if (ready > start) delay = max(delay, ready - start);
  }
  return delay;
}

StageDp zero3_edges(const std::vector<Part>& chunks, const std::vector<StageTimes>& stages, int s, Time lead) {
  StageDp out;
  out.param_gather_exposed = lead;
  const StageTimes& st = stages[static_cast<size_t>(s)];
  const Time done = st.chunks[0].last_bwd_end + chunks[static_cast<size_t>(s)].zero3_tail;
  if (done > st.end) out.exposed = done - st.end;
  return out;
}

}  // namespace trnsim::train

#include "trnsim/train/context_parallel.h"

#include <algorithm>

#include "trnsim/train/layout.h"

namespace trnsim::train {

using net::CollectiveKind;

double cp_kv_bytes(const model::ModelSpec& m, const ParallelPlan& p, double tokens) {
  const double heads = static_cast<double>(p.cp_repeat_kv ? m.heads : m.kv_heads) / p.tp;
  return 2.0 * tokens * std::max(1.0, heads) * m.head_dim * p.param_bytes();
}

CpExchange cp_exchange(const model::ModelSpec& m, const ParallelPlan& p, double tokens, Time attn_f, Time attn_b,
                       CollectiveTimer& timer, double slowdown) {
  const GroupLayout groups = group_layout(p);
  const double kv_bytes = cp_kv_bytes(m, p, tokens);
  const Time step = timer.time(CollectiveKind::kSendRecv, kv_bytes, net::Group{2, groups.cp.stride});
  const Time ring = step * (p.cp - 1);
  CpExchange x;
  if (p.cp_kv_exchange == CpKvExchange::kAllGather) {
    const Time gather = timer.time(CollectiveKind::kAllGather, kv_bytes * p.cp, groups.cp);
    const Time first_f = Time::ps(attn_f.ps() / p.cp), first_b = Time::ps(attn_b.ps() / p.cp);
    const Time rest_b = attn_b - first_b;
    x.fwd = beside(first_f, gather, slowdown) - first_f;
    x.bwd = (beside(first_b, gather, slowdown) - first_b) + (beside(rest_b, ring, slowdown) - rest_b);
  } else {
    x.fwd = beside(attn_f, ring, slowdown) - attn_f;
    x.bwd = beside(attn_b, ring * 2, slowdown) - attn_b;  // K and V on, and dK and dV back
  }
  return x;
}

}  // namespace trnsim::train

// Context parallelism's exchange of keys and values in one layer: what it adds to the attention
// kernels' time on a rank, forward and backward (training.cp_kv_exchange, cp_repeat_kv;
// docs/training.md).
#pragma once

#include "trnsim/base/units.h"
#include "trnsim/model/model_spec.h"
#include "trnsim/train/plan.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train {

struct CpExchange {
  Time fwd, bwd;  // exposed beyond the attention kernels
};

// Bytes of one rank's K and V for `tokens` tokens: its share of the key-value heads, or under
// `cp_repeat_kv` of the query heads (at least one head), in the parameter type.
double cp_kv_bytes(const model::ModelSpec& m, const ParallelPlan& p, double tokens);

// The exchange for a rank holding `tokens` tokens of each sequence, whose attention kernels take
// `attn_f` forward and `attn_b` backward in all. The rank's causal work splits into cp blocks of
// equal size under load balancing (the first its own K and V, one block per other rank's), so a
// collective that only the first block hides has 1/cp of the kernels to hide behind.
//  - ring: cp - 1 transfers of the rank's K and V to the next rank, beside all the blocks; the
//    backward sends dK and dV around the ring too (Transformer Engine's p2p, Megatron-Core's
//    default; PyTorch's alltoall rotation).
//  - allgather: one all-gather of every rank's K and V, issued before the first block and waited
//    for after it; the backward gathers again behind the first block and sends dK and dV around
//    the ring behind the others (PyTorch's context parallelism with rotate method allgather).
// Under `cp_repeat_kv` the K and V carry every query head of the rank, as a model that repeats its
// key-value heads before calling attention exchanges them.
CpExchange cp_exchange(const model::ModelSpec& m, const ParallelPlan& p, double tokens, Time attn_f, Time attn_b,
                       CollectiveTimer& timer, double slowdown);

}  // namespace trnsim::train

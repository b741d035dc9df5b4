// Where each parallel group of a plan sits in the rank numbering (Megatron order: tensor
// innermost, then context, then data, then pipeline), and so on the network. Experts fold over the
// same ranks in their own order (Megatron-Core's MoE parallel folding): expert tensor ranks
// innermost, then expert-parallel ranks, then replicas.
#pragma once

#include "trnsim/net/collective.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct GroupLayout {
  net::Group tp, cp, dp, dense_dp, ep, expert_dp, pp;
};

inline GroupLayout group_layout(const ParallelPlan& p) {
  GroupLayout g;
  const int64_t tp = p.tp, cp = p.cp, dp = p.dp;
  g.tp = {tp, 1};
  g.cp = {cp, tp};
  g.dp = {dp, tp * cp};
  g.dense_dp = {dp * cp, tp};                 // dense gradients reduce over data and context ranks
  // Experts fold over the stage's tp x cp x dp ranks: expert_tp innermost, then ep.
  g.ep = {p.ep, p.etp()};
  g.expert_dp = {p.expert_replicas(), int64_t{p.etp()} * p.ep};  // replicas of one expert
  // Neighbouring stages; a mirrored (DualPipe) stage stands for two ranks of dp / 2 replicas each.
  g.pp = {2, tp * cp * (p.mirrored ? dp / 2 : dp)};
  return g;
}

}  // namespace trnsim::train

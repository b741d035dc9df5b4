// Where each parallel group of a plan sits in the rank numbering (Megatron order: tensor
// innermost, then context, then data, then pipeline), and so on the network. Experts are carved
// out of the data-parallel ranks, with tensor and context ranks inside.
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
  g.ep = {p.ep, tp * cp};                     // consecutive data-parallel ranks hold the experts
  g.expert_dp = {dp * cp / p.ep, tp * p.ep};  // replicas of one expert
  g.pp = {2, tp * cp * dp};                   // neighbouring stages
  return g;
}

}  // namespace trnsim::train

// The cost of one pipeline chunk for one micro-batch on a representative rank: compute from the
// op cost model, plus the tensor-, context- and expert-parallel communication inside each layer,
// which sits on the critical path (only what cannot hide behind compute is counted).
#pragma once

#include <map>

#include "trnsim/base/units.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/layout.h"

namespace trnsim::train {

struct ChunkCost {
  Time fwd, bwd;              // per micro-batch, everything on the compute stream
  Time tp_comm, cp_comm, ep_comm;  // exposed communication inside fwd + bwd, by kind
  Time recompute;             // the recomputed forward inside bwd
  double model_flops = 0;     // forward + backward FLOPs of the model (no recompute) on this rank
  double hardware_flops = 0;  // including recompute
  double dense_params = 0, expert_params = 0;  // held by this rank for this chunk
  int layers = 0;
};

class ChunkCoster {
 public:
  ChunkCoster(const Experiment& e, cost::OpCostModel& cost, const net::NetworkModel& net);
  // Global chunk g in [0, pp x virtual_stages).
  ChunkCost chunk(int g);

 private:
  struct LayerCost {
    Time fwd, bwd, tp, cp, ep, recompute;
    double model_flops = 0, hardware_flops = 0, dense_params = 0, expert_params = 0;
  };
  LayerCost layer(int layer_index);
  LayerCost ops_cost(const std::vector<model::Op>& ops, bool recomputable);
  Time collective(net::CollectiveKind kind, double bytes, const net::Group& g);

  const Experiment& e_;
  cost::OpCostModel& cost_;
  const net::NetworkModel& net_;
  GroupLayout groups_;
  model::ShardContext ctx_;
  std::map<bool, LayerCost> layer_cache_;  // by "is an MoE layer"
};

}  // namespace trnsim::train

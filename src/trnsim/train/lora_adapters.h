// The work LoRA's adapters (train/lora.h) add to a layer, as Megatron's parallel adapters run it
// (NeMo 24.09 nlp/modules/common/megatron/adapters/parallel_adapters.py, Megatron-Bridge
// src/megatron/bridge/peft/utils.py): beside each targeted linear layer, a dropout on the
// adapter's input (`lora.dropout`), the GEMMs of A and B, the scaling by alpha / r, the sum with
// the base layer's output (in the backward, the sum of the two input gradients), and the
// collectives the adapter runs on the tensor-parallel group. The adapters run in the parameter
// type, never in fp8, and their weights take gradients.
#pragma once

#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/model/ops.h"
#include "trnsim/net/collective.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

class CollectiveTimer;  // train/step_parts.h

struct AdapterComm {
  net::CollectiveKind kind = net::CollectiveKind::kAllGather;
  double bytes = 0;  // as net::NetworkModel::collective counts them
  bool backward = false;
};

// One adapter's work for one micro-batch on one rank.
struct AdapterWork {
  std::vector<model::Op> ops;      // forward, in order; each one's backward as the cost model gives it
  std::vector<AdapterComm> comms;  // on the base layer's tensor-parallel group
  double saved_bytes = 0;          // what it keeps for its backward pass
};

// `op` as plan `p` trains it: under LoRA the weighted matmuls are frozen (their backward computes
// the input gradient alone), and the adapters beside them are the work below.
inline model::Op as_trained(const model::Op& op, const ParallelPlan& p) {
  model::Op t = op;
  if (p.lora_rank > 0 && op.kind == model::OpKind::kMatmul && op.weight_params > 0) t.frozen = true;
  return t;
}

// The adapter beside `op` under plan `p`: empty without LoRA or where `op` is not a target.
AdapterWork adapter_work(const model::Op& op, const ParallelPlan& p);

// The adapters of one layer (`layer_ops`), timed for one micro-batch: compute forward and backward
// on the compute stream and, of the backward, the weight gradients; the collectives each way, which
// the next op waits for; and the hardware FLOPs of forward and backward.
struct AdapterTimes {
  Time fwd, bwd, wgrad, comm_fwd, comm_bwd;
  double flops = 0;
};
AdapterTimes adapter_times(const std::vector<model::Op>& layer_ops, const ParallelPlan& p, const net::Group& tp,
                           cost::OpCostModel& cost, CollectiveTimer& timer);

// What the adapters of one layer keep for the backward pass under recompute `r` (nothing under
// full recompute, which keeps the layer's input alone).
double adapter_saved_bytes(const std::vector<model::Op>& layer_ops, const ParallelPlan& p, model::Recompute r);

}  // namespace trnsim::train

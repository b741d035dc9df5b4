// Where one micro-batch's compute goes, op by op: every op of a rank's share of one dense layer,
// one MoE layer (MoE models), the embedding and the head, timed forward and backward by the same
// cost model simulate_step uses. Compute only: no communication, overlap, recompute or host time
// (the step's breakdown has those). Under LoRA the frozen linears' backward is their input
// gradient alone, and each adapter's ops (lora_*) follow the layer they sit beside.
#pragma once

#include <string>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/experiment.h"

namespace trnsim::train {

struct OpTiming {
  std::string part;  // "layer" (a dense layer), "moe_layer", "embedding" or "head"
  model::Op op;      // its shape, FLOPs and bytes on one rank
  Time fwd, bwd;
};

// The ops of one micro-batch on one rank of `e`'s plan, in issue order within each part.
std::vector<OpTiming> op_profile(const Experiment& e);

}  // namespace trnsim::train

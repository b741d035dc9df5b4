// Internal to plan/: the per-layer and per-chunk figures the fast evaluator adds up.
#pragma once

#include "trnsim/plan/fast_eval.h"

namespace trnsim::plan {

// train::ChunkCoster's per-layer figures.
struct Part {
  Time fwd, bwd, tp, cp, ep, recompute;
  double model_flops = 0, hardware_flops = 0, dense_params = 0, expert_params = 0;
  void add(const Part& o, int64_t n) {
    fwd += o.fwd * n;
    bwd += o.bwd * n;
    tp += o.tp * n;
    cp += o.cp * n;
    ep += o.ep * n;
    recompute += o.recompute * n;
    model_flops += o.model_flops * static_cast<double>(n);
    hardware_flops += o.hardware_flops * static_cast<double>(n);
    dense_params += o.dense_params * static_cast<double>(n);
    expert_params += o.expert_params * static_cast<double>(n);
  }
};

struct FastEvaluator::LayerCost {
  Part layer[2], embedding, head;
};

}  // namespace trnsim::plan

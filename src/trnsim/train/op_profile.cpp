#include "trnsim/train/op_profile.h"

#include "trnsim/cost/op_cost.h"
#include "trnsim/train/lora_adapters.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train {

std::vector<OpTiming> op_profile(const Experiment& e) {
  const model::ModelSpec& m = e.model;
  const ParallelPlan& p = e.plan;
  auto cost = cost::make_cost_model(e.system, cost_options(p));
  const model::ShardContext ctx = shard_context(m, p);
  std::vector<OpTiming> out;
  // Each op as the plan trains it, followed by its LoRA adapter's ops.
  auto add = [&](const char* part, const std::vector<model::Op>& ops) {
    for (const model::Op& op : ops) {
      const model::Op trained = as_trained(op, p);
      out.push_back({part, trained, cost->forward(trained), cost->backward(trained)});
      for (const model::Op& a : adapter_work(op, p).ops) out.push_back({part, a, cost->forward(a), cost->backward(a)});
    }
  };
  add("embedding", model::embedding_forward_ops(m, ctx));
  // The layers the step's parts are built from (layer_parts).
  if (const int l = dense_layer_example(m); l >= 0) add("layer", model::layer_forward_ops(m, l, ctx));
  if (const int l = moe_layer_example(m); l >= 0) add("moe_layer", model::layer_forward_ops(m, l, ctx));
  add("head", model::head_forward_ops(m, ctx));
  return out;
}

}  // namespace trnsim::train

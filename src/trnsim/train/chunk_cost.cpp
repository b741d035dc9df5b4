#include "trnsim/train/chunk_cost.h"

#include <algorithm>

#include "trnsim/train/stage_layers.h"

namespace trnsim::train {

using net::CollectiveKind;

ChunkCoster::ChunkCoster(const Experiment& e, cost::OpCostModel& cost, const net::NetworkModel& net)
    : e_(e), cost_(cost), net_(net), groups_(group_layout(e.plan)), ctx_(shard_context(e.model, e.plan)) {}

Time ChunkCoster::collective(CollectiveKind kind, double bytes, const net::Group& g) {
  if (g.size <= 1 || bytes <= 0) return Time();
  return net_.collective(kind, static_cast<int64_t>(bytes), g).time;
}

ChunkCoster::LayerCost ChunkCoster::ops_cost(const std::vector<model::Op>& ops, bool recomputable) {
  LayerCost c;
  const ParallelPlan& p = e_.plan;
  for (const auto& op : ops) {
    const Time f = cost_.forward(op), b = cost_.backward(op);
    c.fwd += f;
    c.bwd += b;
    // Routed experts are sharded by expert parallelism and reduced over fewer replicas.
    (op.name.rfind("expert", 0) == 0 ? c.expert_params : c.dense_params) += op.weight_params;
    // Backward is twice the forward work for matmuls (input and weight gradients); LoRA skips
    // the frozen weights' gradients but still pays the input gradients.
    c.model_flops += op.flops * (p.lora_rank > 0 ? 2.0 : 3.0);
    const bool redo = recomputable && (p.recompute == model::Recompute::kFull ||
                                       (p.recompute == model::Recompute::kSelective && op.kind == model::OpKind::kAttention));
    if (redo) {
      c.recompute += f;
      c.hardware_flops += op.flops;
    }
  }
  c.hardware_flops += c.model_flops;
  return c;
}

ChunkCoster::LayerCost ChunkCoster::layer(int index) {
  const bool moe = e_.model.is_moe_layer(index);
  if (auto it = layer_cache_.find(moe); it != layer_cache_.end()) return it->second;
  const ParallelPlan& p = e_.plan;
  const model::ModelSpec& m = e_.model;
  const std::vector<model::Op> ops = model::layer_forward_ops(m, index, ctx_);
  LayerCost c = ops_cost(ops, true);

  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double act_bytes = tokens * m.hidden * ctx_.dtype_bytes;
  // Tensor parallelism: two all-reduces per layer each way, or with sequence parallelism an
  // all-gather and a reduce-scatter in their place (Korthikanti et al. 2022).
  Time tp_once;
  if (p.tp > 1) {
    tp_once = p.sequence_parallel
                  ? (collective(CollectiveKind::kAllGather, act_bytes, groups_.tp) +
                     collective(CollectiveKind::kReduceScatter, act_bytes, groups_.tp)) * 2
                  : collective(CollectiveKind::kAllReduce, act_bytes, groups_.tp) * 2;
  }
  c.tp = tp_once * (p.recompute == model::Recompute::kFull ? 3 : 2);
  // Context parallelism: a ring passes K and V around the cp ranks, hidden behind attention.
  Time cp_f, cp_b;
  if (p.cp > 1) {
    Time attn_f, attn_b;
    for (const auto& op : ops) {
      if (op.kind == model::OpKind::kAttention) {
        attn_f += cost_.forward(op);
        attn_b += cost_.backward(op);
      }
    }
    const double kv_heads = std::max(1.0, static_cast<double>(m.kv_heads) / p.tp);
    const double kv_bytes = 2.0 * tokens * kv_heads * m.head_dim * ctx_.dtype_bytes;
    const Time step = collective(CollectiveKind::kSendRecv, kv_bytes, net::Group{2, groups_.cp.stride});
    const Time ring_f = step * (p.cp - 1), ring_b = ring_f * 2;  // backward also returns dK, dV
    cp_f = ring_f > attn_f ? ring_f - attn_f : Time();
    cp_b = ring_b > attn_b ? ring_b - attn_b : Time();
    c.cp = cp_f + cp_b;
  }
  // Expert parallelism: dispatch and combine all-to-alls around the experts, each way.
  Time ep_once;
  if (moe && p.ep > 1) {
    const double local_tokens = p.sequence_parallel ? tokens / p.tp : tokens;
    const double bytes = local_tokens * m.moe->top_k * m.hidden * ctx_.dtype_bytes;
    // Frameworks overlap the all-to-alls of one micro-batch with the expert and attention
    // compute of another (DeepSeek's DualPipe, Megatron's EP communication overlap): only what
    // exceeds the layer's own compute shows, each way.
    const Time a2a = collective(CollectiveKind::kAllToAll, bytes, groups_.ep) * 2;
    const Time f_compute = c.fwd, b_compute = c.bwd;
    const Time f_exposed = a2a > f_compute ? a2a - f_compute : Time();
    const Time b_exposed = a2a > b_compute ? a2a - b_compute : Time();
    ep_once = f_exposed;
    c.ep = f_exposed + b_exposed;
  }
  c.fwd += tp_once + cp_f + ep_once;
  c.bwd += c.recompute + (c.tp - tp_once) + cp_b + (c.ep - ep_once);
  layer_cache_[moe] = c;
  return c;
}

ChunkCost ChunkCoster::chunk(int g) {
  const ChunkLayers cl = chunk_layers(e_.model, e_.plan, g);
  ChunkCost out;
  out.layers = cl.count;
  auto add = [&](const LayerCost& c) {
    out.fwd += c.fwd;
    out.bwd += c.bwd;
    out.tp_comm += c.tp;
    out.cp_comm += c.cp;
    out.ep_comm += c.ep;
    out.recompute += c.recompute;
    out.model_flops += c.model_flops;
    out.hardware_flops += c.hardware_flops;
    out.dense_params += c.dense_params;
    out.expert_params += c.expert_params;
  };
  for (int l = cl.first; l < cl.first + cl.count; ++l) add(layer(l));
  if (cl.embedding) add(ops_cost(model::embedding_forward_ops(e_.model, ctx_), false));
  if (cl.head) add(ops_cost(model::head_forward_ops(e_.model, ctx_), false));
  return out;
}

}  // namespace trnsim::train

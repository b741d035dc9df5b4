#include "trnsim/plan/fast_eval.h"

#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/plan/fast_parts.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::plan {

using net::CollectiveKind;
using train::ParallelPlan;

// What one layer of each kind (0: dense FFN, 1: MoE) is on a rank under one sharding.
struct FastEvaluator::LayerShape {
  bool valid = false;
  std::vector<model::Op> ops[2], embedding, head;
  double dense_params[2] = {0, 0}, expert_params[2] = {0, 0};
  double act_bytes[2][3] = {{0, 0, 0}, {0, 0, 0}};  // by recompute policy
  double embedding_params[2] = {0, 0}, head_params[2] = {0, 0};  // dense, expert
};


namespace {

bool is_expert(const model::Op& op) { return op.name.rfind("expert", 0) == 0; }

void add_params(const std::vector<model::Op>& ops, double& dense, double& expert) {
  for (const auto& op : ops) (is_expert(op) ? expert : dense) += op.weight_params;
}

Part ops_part(const std::vector<model::Op>& ops, bool recomputable, const ParallelPlan& p, CostCache& cache) {
  Part c;
  for (const auto& op : ops) {
    const Time f = cache.forward(op), b = cache.backward(op);
    c.fwd += f;
    c.bwd += b;
    (is_expert(op) ? c.expert_params : c.dense_params) += op.weight_params;
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

// train::ChunkCoster::layer: compute plus the tensor-, context- and expert-parallel communication.
Part layer_part(const model::ModelSpec& m, const std::vector<model::Op>& ops, bool moe, const ParallelPlan& p,
                int dtype_bytes, CostCache& cache) {
  const train::GroupLayout groups = train::group_layout(p);
  Part c = ops_part(ops, true, p, cache);
  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double act_bytes = tokens * m.hidden * dtype_bytes;
  Time tp_once;
  if (p.tp > 1) {
    tp_once = p.sequence_parallel ? (cache.collective(CollectiveKind::kAllGather, act_bytes, groups.tp) +
                                     cache.collective(CollectiveKind::kReduceScatter, act_bytes, groups.tp)) * 2
                                  : cache.collective(CollectiveKind::kAllReduce, act_bytes, groups.tp) * 2;
  }
  c.tp = tp_once * (p.recompute == model::Recompute::kFull ? 3 : 2);
  Time cp_f, cp_b;
  if (p.cp > 1) {
    Time attn_f, attn_b;
    for (const auto& op : ops) {
      if (op.kind == model::OpKind::kAttention) {
        attn_f += cache.forward(op);
        attn_b += cache.backward(op);
      }
    }
    const double kv_heads = std::max(1.0, static_cast<double>(m.kv_heads) / p.tp);
    const double kv_bytes = 2.0 * tokens * kv_heads * m.head_dim * dtype_bytes;
    const Time step = cache.collective(CollectiveKind::kSendRecv, kv_bytes, net::Group{2, groups.cp.stride});
    const Time ring_f = step * (p.cp - 1), ring_b = ring_f * 2;
    cp_f = ring_f > attn_f ? ring_f - attn_f : Time();
    cp_b = ring_b > attn_b ? ring_b - attn_b : Time();
    c.cp = cp_f + cp_b;
  }
  Time ep_once;
  if (moe && p.ep > 1) {
    const double local_tokens = p.sequence_parallel ? tokens / p.tp : tokens;
    const double bytes = local_tokens * m.moe->top_k * m.hidden * dtype_bytes;
    const Time a2a = cache.collective(CollectiveKind::kAllToAll, bytes, groups.ep) * 2;
    const Time f_exposed = a2a > c.fwd ? a2a - c.fwd : Time();
    const Time b_exposed = a2a > c.bwd ? a2a - c.bwd : Time();
    ep_once = f_exposed;
    c.ep = f_exposed + b_exposed;
  }
  c.fwd += tp_once + cp_f + ep_once;
  c.bwd += c.recompute + (c.tp - tp_once) + cp_b + (c.ep - ep_once);
  return c;
}

// Layers of chunk `cl` with a dense FFN (the rest are MoE layers).
int dense_layers_in(const model::ModelSpec& m, const train::ChunkLayers& cl) {
  if (!m.moe) return cl.count;
  const int lo = cl.first, hi = cl.first + cl.count;
  return std::max(0, std::min(hi, m.moe->dense_layers) - lo);
}

// Chunk-micro-batches of activations the first stage holds at its peak (as train/memory.cpp).
double in_flight_chunks(const ParallelPlan& p) {
  const double mbs = static_cast<double>(p.micro_batches());
  switch (p.schedule) {
    case train::PipelineSchedule::kNone: return 1;
    case train::PipelineSchedule::kGpipe: return mbs;
    case train::PipelineSchedule::kOneFOneB: return std::min<double>(p.pp, mbs);
    case train::PipelineSchedule::kInterleaved:
      return std::min<double>(2.0 * (p.pp - 1) + (p.virtual_stages - 1.0) * p.pp + 1, mbs * p.virtual_stages);
  }
  return 1;
}

}  // namespace

double precision_peak(const hw::AcceleratorSpec& a, cost::Precision p) {
  switch (p) {
    case cost::Precision::kFp8: return a.peak_fp8_flops > 0 ? a.peak_fp8_flops : a.peak_bf16_flops;
    case cost::Precision::kInt8: return a.peak_int8_ops > 0 ? a.peak_int8_ops : a.peak_bf16_flops;
    case cost::Precision::kFp16: return a.peak_fp16_flops > 0 ? a.peak_fp16_flops : a.peak_bf16_flops;
    case cost::Precision::kFp32: return a.peak_fp32_flops;
    case cost::Precision::kBf16: break;
  }
  return a.peak_bf16_flops;
}

FastEvaluator::FastEvaluator(const train::Experiment& base, CostCache& cache) : base_(base), cache_(cache) {}
FastEvaluator::~FastEvaluator() = default;

std::shared_ptr<const FastEvaluator::LayerShape> FastEvaluator::shape(const ParallelPlan& p) {
  const ShardKey key{p.micro_batch, p.tp, p.cp, p.ep, p.sequence_parallel};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = shapes_.find(key); it != shapes_.end()) return it->second;
  }
  auto s = std::make_shared<LayerShape>();
  const model::ModelSpec& m = base_.model;
  const model::ShardContext ctx = train::shard_context(m, p);
  try {
    const int kinds[2] = {0, m.layers - 1};  // a layer with a dense FFN and (MoE models) one with experts
    for (int t = 0; t < 2; ++t) {
      const int l = kinds[t];
      if (t == 1 && !m.moe) break;
      if (t == 0 && m.is_moe_layer(l)) continue;
      s->ops[t] = model::layer_forward_ops(m, l, ctx);
      add_params(s->ops[t], s->dense_params[t], s->expert_params[t]);
      for (auto r : {model::Recompute::kNone, model::Recompute::kSelective, model::Recompute::kFull}) {
        s->act_bytes[t][static_cast<int>(r)] = model::layer_activation_bytes(m, l, ctx, r);
      }
    }
    s->embedding = model::embedding_forward_ops(m, ctx);
    s->head = model::head_forward_ops(m, ctx);
    add_params(s->embedding, s->embedding_params[0], s->embedding_params[1]);
    add_params(s->head, s->head_params[0], s->head_params[1]);
    s->valid = true;
  } catch (const Error&) {
    s->valid = false;  // the model cannot be cut this way
  }
  std::lock_guard<std::mutex> lock(mu_);
  return shapes_.emplace(key, std::move(s)).first->second;
}

std::shared_ptr<const FastEvaluator::LayerCost> FastEvaluator::layer_costs(const ParallelPlan& p) {
  const auto key = std::make_tuple(p.micro_batch, p.tp, p.cp, p.ep, p.sequence_parallel, static_cast<int>(p.recompute));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = costs_.find(key); it != costs_.end()) return it->second;
  }
  const auto s = shape(p);
  auto c = std::make_shared<LayerCost>();
  const model::ModelSpec& m = base_.model;
  const int dtype_bytes = train::shard_context(m, p).dtype_bytes;
  for (int t = 0; t < 2; ++t) {
    if (!s->ops[t].empty()) c->layer[t] = layer_part(m, s->ops[t], t == 1, p, dtype_bytes, cache_);
  }
  c->embedding = ops_part(s->embedding, false, p, cache_);
  c->head = ops_part(s->head, false, p, cache_);
  std::lock_guard<std::mutex> lock(mu_);
  return costs_.emplace(key, std::move(c)).first->second;
}

std::optional<train::MemoryReport> FastEvaluator::memory(const ParallelPlan& p) {
  const auto s = shape(p);
  if (!s->valid) return std::nullopt;
  const model::ModelSpec& m = base_.model;
  const bool fp32 = p.precision == cost::Precision::kFp32;
  const double weight_bytes = fp32 ? 4 : 2;
  const double grad_bytes = p.precision == cost::Precision::kFp16 ? 2 : 4;
  const double optim_bytes = fp32 ? 8 : 12;
  const double dense_shard = static_cast<double>(p.dp) * p.cp;
  const double expert_shard = dense_shard / p.ep;
  const int rc = static_cast<int>(p.recompute);
  const int dtype_bytes = fp32 ? 4 : 2;

  train::MemoryReport best;
  best.ranks_per_accel = base_.system.ranks_per_accel();
  best.capacity_per_rank = static_cast<double>(base_.system.accel.hbm_capacity.v) / best.ranks_per_accel;
  for (int stage : {0, p.pp - 1}) {
    double dense = 0, expert = 0, act_layer_bytes = 0, head_act = 0;
    int layers = 0;
    for (int v = 0; v < p.virtual_stages; ++v) {
      const train::ChunkLayers c = train::chunk_layers(m, p, v * p.pp + stage);
      const int nd = dense_layers_in(m, c), nm = c.count - nd;
      if (nd > 0) {
        dense += nd * s->dense_params[0];
        expert += nd * s->expert_params[0];
        act_layer_bytes = std::max(act_layer_bytes, s->act_bytes[0][rc]);
      }
      if (nm > 0) {
        dense += nm * s->dense_params[1];
        expert += nm * s->expert_params[1];
        act_layer_bytes = std::max(act_layer_bytes, s->act_bytes[1][rc]);
      }
      layers += c.count;
      if (c.embedding) dense += s->embedding_params[0], expert += s->embedding_params[1];
      if (c.head) {
        dense += s->head_params[0], expert += s->head_params[1];
        const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
        head_act = tokens * m.vocab / p.tp * (dtype_bytes + 4);
      }
    }
    train::MemoryBreakdown b;
    const double params = dense + expert;
    const double trained = p.lora_rank > 0 ? 0.0 : 1.0;
    b.weights = (p.zero >= 3 ? dense / dense_shard + expert / expert_shard : params) * weight_bytes;
    b.gradients = trained * (p.zero >= 2 ? dense / dense_shard + expert / expert_shard : params) * grad_bytes;
    b.optimizer = trained * (p.zero >= 1 ? dense / dense_shard + expert / expert_shard : params) * optim_bytes;
    b.activations = in_flight_chunks(p) * (static_cast<double>(layers) / p.virtual_stages) * act_layer_bytes + head_act;
    if (p.recompute == model::Recompute::kFull) b.activations += s->act_bytes[m.is_moe_layer(m.layers - 1) ? 1 : 0][0];
    b.buffers = 1073741824.0;
    if (p.zero >= 3 && layers > 0) b.buffers += 2.0 * params / layers * weight_bytes;
    if (b.total() > best.per_rank.total()) best.per_rank = b;
  }
  return best;
}

}  // namespace trnsim::plan

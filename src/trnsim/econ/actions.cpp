// count_actions: what one step of the whole job does, recomputed from the plan and the model's
// per-rank ops the same way the step simulation costs them (train/chunk_cost.cpp, step.cpp).
// Approximations (docs/econ.md): backward moves 2x the forward HBM bytes; ring collectives send
// 2(n-1)/n (all-reduce) or (n-1)/n (all-gather, reduce-scatter, all-to-all) of the buffer per
// rank; a group is all scale-up when it fits in one scale-up domain and all scale-out otherwise;
// ranks sharing a chip (Trainium logical cores) are counted as scale-up.
#include <algorithm>
#include <cmath>

#include "trnsim/base/error.h"
#include "trnsim/econ/econ.h"
#include "trnsim/train/context_parallel.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/lora_adapters.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::econ {
namespace {

struct OpTotals {
  double flops = 0, bytes = 0, dense_params = 0, expert_params = 0;  // LoRA adapters included
  double trained_dense = 0, trained_expert = 0;                       // of those, what is trained
  double dense_quantized = 0, expert_quantized = 0;  // of those, fp8 weights under fp8_params
  double adapter_sent = 0;  // bytes a rank sends for its LoRA adapters' tensor-parallel collectives
};

double ring_share(int64_t n) { return n > 1 ? static_cast<double>(n - 1) / static_cast<double>(n) : 0.0; }

// Forward + backward (+ recompute) FLOPs and HBM bytes of one micro-batch through `ops` on a rank.
OpTotals totals(const std::vector<model::Op>& ops, const train::ParallelPlan& p, bool recomputable) {
  OpTotals t;
  const std::vector<double> redo =
      model::recompute_shares(ops, recomputable ? p.recompute : model::Recompute::kNone, p.selective_policy,
                              p.recompute_modules);
  for (size_t i = 0; i < ops.size(); ++i) {
    const model::Op& op = ops[i];
    t.flops += op.flops * (p.lora_rank > 0 ? 2.0 : 3.0) + redo[i] * op.flops;
    t.bytes += op.bytes * (3.0 + redo[i]);
    const bool routed = model::is_routed_expert(op);
    (routed ? t.expert_params : t.dense_params) += op.weight_params + p.adapter_params(op);
    (routed ? t.trained_expert : t.trained_dense) += p.trained_params(op);
    if (model::quantized_weights(op)) (routed ? t.expert_quantized : t.dense_quantized) += op.weight_params;
    // Its LoRA adapter: forward, backward and, under full recompute, the forward again.
    const train::AdapterWork w = train::adapter_work(op, p);
    const double again = recomputable && p.recompute == model::Recompute::kFull ? 1.0 : 0.0;
    for (const model::Op& a : w.ops) {
      t.flops += a.flops * (3.0 + again);
      t.bytes += a.bytes * (1.0 + again) + model::backward_bytes(a);
    }
    for (const train::AdapterComm& c : w.comms) {
      const double share = ring_share(p.tp) * (c.kind == net::CollectiveKind::kAllReduce ? 2.0 : 1.0);
      t.adapter_sent += share * c.bytes * (c.backward ? 1.0 : 1.0 + again);
    }
  }
  return t;
}

}  // namespace

ActionCounts count_actions(const train::Experiment& e, const train::StepResult& r) {
  const train::ParallelPlan p = train::simulated_plan(e.plan);  // DualPipe as the V it runs
  const model::ModelSpec& m = e.model;
  if (!r.fits && r.step_time_s <= 0) {
    throw input_error("experiment '" + e.id + "'", "has no step time: the plan does not fit in memory",
                      "fix the plan (more tensor or pipeline parallelism, recompute, ZeRO) before counting energy");
  }
  const model::ShardContext ctx = train::shard_context(m, p);
  const double mb = static_cast<double>(p.micro_batches());
  const double replicas = static_cast<double>(p.tp) * p.cp * p.dp;  // ranks per pipeline stage
  const int chunks = p.pp * p.virtual_stages;

  ActionCounts a;
  a.step_s = r.step_time_s;
  a.busy_s = r.breakdown.compute_s;
  a.accelerators = e.system.count;
  const int64_t per_node = std::max<int64_t>(1, std::min<int64_t>(e.system.per_node, e.system.count));
  a.nodes = (e.system.count + per_node - 1) / per_node;
  a.tokens = static_cast<double>(p.global_batch) * m.seq_len;
  a.precision = p.precision;

  // Compute and HBM: per rank, chunk by chunk, stage by stage.
  std::vector<double> stage_dense(p.pp, 0.0), stage_expert(p.pp, 0.0), stage_dense_q(p.pp, 0.0),
      stage_expert_q(p.pp, 0.0), stage_trained_dense(p.pp, 0.0), stage_trained_expert(p.pp, 0.0);
  double flops = 0, bytes = 0, adapter_sent = 0;
  int moe_layers = 0;
  // Layer 0 stands for the dense-FFN layers, the last layer for the MoE ones.
  const OpTotals dense_layer = m.is_moe_layer(0) ? OpTotals{} : totals(model::layer_forward_ops(m, 0, ctx), p, true);
  const OpTotals moe_layer = m.moe ? totals(model::layer_forward_ops(m, m.layers - 1, ctx), p, true) : OpTotals{};
  for (int g = 0; g < chunks; ++g) {
    const train::ChunkLayers cl = train::chunk_layers(m, p, g);
    OpTotals c;
    auto add = [&](const OpTotals& t, double n = 1) {
      c.flops += t.flops * n;
      c.bytes += t.bytes * n;
      c.dense_params += t.dense_params * n;
      c.expert_params += t.expert_params * n;
      c.trained_dense += t.trained_dense * n;
      c.trained_expert += t.trained_expert * n;
      c.dense_quantized += t.dense_quantized * n;
      c.expert_quantized += t.expert_quantized * n;
      c.adapter_sent += t.adapter_sent * n;
    };
    const train::BlockCounts blocks = train::block_counts(m, cl);
    moe_layers += blocks.moe;
    add(dense_layer, blocks.dense);
    add(moe_layer, blocks.moe);
    if (cl.embedding) add(totals(model::embedding_forward_ops(m, ctx), p, false));
    if (cl.head) add(totals(model::head_forward_ops(m, ctx), p, false));
    flops += c.flops * mb;
    bytes += c.bytes * mb;
    adapter_sent += c.adapter_sent * mb;
    const size_t st = static_cast<size_t>(train::chunk_stage(p.schedule, p.pp, g));
    stage_dense[st] += c.dense_params;
    stage_expert[st] += c.expert_params;
    stage_dense_q[st] += c.dense_quantized;
    stage_expert_q[st] += c.expert_quantized;
    stage_trained_dense[st] += c.trained_dense;
    stage_trained_expert[st] += c.trained_expert;
  }
  // Adam over each stage's optimizer shard, as the step costs it.
  for (int s = 0; s < p.pp; ++s) bytes += p.optimizer_bytes(stage_trained_dense[s], stage_trained_expert[s]);
  a.matmul_flops = flops * replicas;
  a.hbm_bytes = bytes * replicas;

  // Communication: bytes each rank sends, times the ranks that send them.
  const train::GroupLayout groups = train::group_layout(p);
  const int64_t domain_ranks = per_node * e.system.ranks_per_accel();
  auto add_comm = [&](double job_bytes, const net::Group& g, double& by_kind) {
    if (job_bytes <= 0 || g.size <= 1) return;
    const int64_t span = g.size * g.stride;
    (span <= domain_ranks ? a.scale_up_bytes : a.scale_out_bytes) += job_bytes;
    by_kind += job_bytes;
  };
  const double d = ctx.dtype_bytes;
  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double act = tokens * m.hidden * d;
  const double per_layer_mb = replicas * mb;  // every rank of a stage, every micro-batch
  const double blocks = m.layers + m.mtp_layers;
  // Tensor: 2 all-reduces (or AG + RS pairs, the same bytes but the all-gather's 8-bit under fp8)
  // forward, 2 backward, 2 more when full recompute repeats the forward.
  const double tp_colls = p.recompute == model::Recompute::kFull ? 6.0 : 4.0;
  const double gathered = p.sequence_parallel ? tokens * m.hidden * p.tp_gather_bytes() : act;
  add_comm(blocks * per_layer_mb * tp_colls * ring_share(p.tp) * (act + gathered), groups.tp, a.tp_bytes);
  add_comm(adapter_sent * replicas, groups.tp, a.tp_bytes);  // LoRA's adapters
  // Context: every other rank's K and V forward, and backward again with dK and dV returned, by
  // ring or all-gather alike (train/context_parallel.h); full recompute repeats the forward's.
  if (p.cp > 1) {
    const double kv = train::cp_kv_bytes(m, p, tokens);
    const double passes = p.recompute == model::Recompute::kFull ? 4.0 : 3.0;
    add_comm(blocks * per_layer_mb * passes * (p.cp - 1) * kv, groups.cp, a.cp_bytes);
  }
  // Expert: dispatch and combine all-to-alls, each way, with the copies of each token the step
  // sends (top-k, or one per domain hit under hierarchical dispatch: train::dispatch_copies).
  if (p.ep > 1 && moe_layers > 0) {
    const double local = p.sequence_parallel ? tokens / p.tp : tokens;
    const double a2a = local * train::dispatch_copies(*m.moe, p, groups.ep, domain_ranks) * m.hidden * d;
    const double passes = p.recompute == model::Recompute::kFull ? 6.0 : 4.0;  // the recomputed forward's too
    add_comm(moe_layers * per_layer_mb * passes * ring_share(p.ep) * a2a, groups.ep, a.ep_bytes);
  }
  // Pipeline: activations forward and their gradients back across each chunk boundary that
  // crosses ranks (a V's turn stays on its stage, unless DualPipe's mirrored ranks take it).
  if (chunks > 1) {
    const double p2p = act / (p.sequence_parallel ? p.tp : 1);
    const int hops = chunks - 1 - (train::v_shape(p.schedule) && !p.mirrored ? 1 : 0);
    add_comm(hops * per_layer_mb * 2.0 * p2p, groups.pp, a.pp_bytes);
  }
  // Data: gradient reduction and, with ZeRO-1/2, the all-gather of the updated parameters (under
  // LoRA the adapters, in 16 bits); ZeRO-2 reduce-scatters every micro-batch, ZeRO-3 also gathers
  // every weight twice every micro-batch.
  const double grad = p.grad_bytes();
  for (int s = 0; s < p.pp; ++s) {
    // Parameter gathers move fp8 weights in 1 byte (fp8_params).
    auto sync = [&](double params, double quantized, double trained, const net::Group& g) {
      const double share = ring_share(g.size);
      const double gather = p.param_gather_bytes(params, quantized);
      const double updated = p.lora_rank > 0 ? trained * p.param_bytes() : gather;
      double per_rank = 0;
      if (p.shards_weights()) per_rank = mb * share * (2.0 * gather + trained * grad);
      else if (p.shards_gradients()) per_rank = share * (mb * trained * grad + updated);
      else if (p.zero >= 1) per_rank = share * (trained * grad + updated);
      else per_rank = trained * 2.0 * share * grad;
      add_comm(per_rank * replicas, g, a.dp_bytes);
    };
    sync(stage_dense[s], stage_dense_q[s], stage_trained_dense[s], groups.dense_dp);
    sync(stage_expert[s], stage_expert_q[s], stage_trained_expert[s], groups.expert_dp);
  }
  return a;
}

}  // namespace trnsim::econ

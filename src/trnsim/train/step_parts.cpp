#include "trnsim/train/step_parts.h"

#include <algorithm>

#include "trnsim/train/context_parallel.h"
#include "trnsim/train/data_parallel.h"
#include "trnsim/train/lora_adapters.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::train {

using net::CollectiveKind;

namespace {

// The weight-gradient GEMM of a trained op's (as_trained) backward, whose whole time the caller
// has: that less its input-gradient part; none for frozen weights and ops without weights.
Time weight_gradient(const model::Op& trained, Time backward, cost::OpCostModel& cost) {
  if (trained.kind != model::OpKind::kMatmul || trained.frozen || trained.weight_params <= 0) return Time();
  model::Op dgrad_only = trained;
  dgrad_only.frozen = true;
  return std::max(Time(), backward - cost.backward(dgrad_only));
}

// Probability that `holding` of `experts` experts include none of a token's top_k choices.
double miss_probability(double experts, double holding, int top_k) {
  double p = 1.0;
  for (int i = 0; i < top_k; ++i) p *= std::max(0.0, (experts - holding - i) / (experts - i));
  return p;
}

// Exposed time of `comm` split into `chunks` pieces and pipelined with a GEMM of `gemm`: the
// longer of the two, plus one piece of the shorter that cannot overlap (the first piece's
// transfer or the last piece's compute), less the GEMM itself.
Time pipelined_exposure(Time gemm, Time comm, int chunks, double slowdown) {
  return beside(gemm, comm, slowdown) + Time::ps(std::min(gemm, comm).ps() / chunks) - gemm;
}

// How much longer a GEMM takes run as `pieces` GEMMs of 1/pieces of its tokens each, from its
// shape alone: in the 16-bit path, since an 8-bit GEMM's weight is cast once, not per piece. Every
// piece reads the whole weight; the activations split. Backward: the input-gradient GEMM alone
// (the weight gradient runs whole).
double split_slowdown(const model::Op& op, int pieces, bool bwd, cost::OpCostModel& cost) {
  model::Op whole = op;
  whole.in_matmul_precision = false;
  whole.frozen = whole.frozen || bwd;  // a frozen matmul's backward is its input gradient alone
  model::Op piece = whole;
  piece.m = std::max<int64_t>(1, op.m / pieces);
  piece.flops = op.flops / pieces;
  const double mk = static_cast<double>(op.m) * op.k * op.batch, kn = static_cast<double>(op.k) * op.n,
               mn = static_cast<double>(op.m) * op.n * op.batch;
  piece.bytes = op.bytes * ((mk + mn) / pieces + kn) / (mk + kn + mn);
  auto time = [&](const model::Op& o) { return (bwd ? cost.backward(o) : cost.forward(o)).seconds(); };
  return pieces * time(piece) / time(whole);
}

// The layer's tensor-parallel communication on the critical path for one forward and one
// backward pass. Without overlap, two all-reduces per layer each way, or with sequence
// parallelism an all-gather and a reduce-scatter in their place (Korthikanti et al. 2022). With
// tp_overlap, each all-gather feeds a column-parallel linear (before the attention core, and the
// MLP's up projection) and each reduce-scatter drains a row-parallel one (out_proj, the MLP's down
// projection), pipelined with its GEMM; in the backward pass with one of its two GEMMs. Pipelining
// splits that GEMM into tp pieces along the tokens (Transformer Engine's ring-exchange overlap, XLA's
// collective matmul), each slower per FLOP than the whole: the difference shows too. The
// column-parallel linears' backward overlaps in bulk instead: the reduce-scatter of the input
// gradient runs beside the whole weight-gradient GEMM, unsplit. MoE
// layers keep the MLP half exposed: the token dispatcher moves those activations. `mlp_half`
// false: the MLP half has no tensor-parallel layer (MoE layers with whole experts, expert_tp 1,
// and no shared expert). `act_bytes`: one activation tensor as the reductions move it;
// `gather_bytes`: as the all-gathers move it (8-bit under fp8).
std::pair<Time, Time> tensor_parallel(const std::vector<model::Op>& ops, const ParallelPlan& p, double act_bytes,
                                      double gather_bytes, bool mlp_half, const net::Group& tp, cost::OpCostModel& cost,
                                      CollectiveTimer& timer) {
  if (p.tp <= 1) return {};
  if (!p.sequence_parallel) {
    const Time ar = timer.time(CollectiveKind::kAllReduce, act_bytes, tp) * 2;
    return {ar, ar};
  }
  const Time ag = timer.time(CollectiveKind::kAllGather, gather_bytes, tp);
  const Time rs = timer.time(CollectiveKind::kReduceScatter, act_bytes, tp);
  const int halves = mlp_half ? 2 : 1;
  if (!p.tp_overlap) return {(ag + rs) * halves, (ag + rs) * halves};
  // Forward and backward GEMM time beside each collective: attention in and out, MLP in and out;
  // whole, and as the overlap runs them: in tp pieces along the tokens (each piece a GEMM of its
  // own, less efficient the fewer tokens it has) where Transformer Engine's default userbuffers
  // methods split them (ring exchange and pipeline: every forward, and the row-parallel dgrads),
  // whole where they overlap in bulk (the column-parallel dgrads).
  Time gf[4], gb[4], sf[4], sb[4];
  bool before_attention = true;
  for (const auto& op : ops) {
    if (op.kind == model::OpKind::kAttention) before_attention = false;
    if (op.kind != model::OpKind::kMatmul) continue;
    const int slot = before_attention && op.name != "router" ? 0
                     : op.name == "out_proj"                 ? 1
                     : op.name == "mlp_up"                   ? 2
                     : op.name == "mlp_down"                 ? 3
                                                             : -1;
    if (slot < 0) continue;
    // The backward's two GEMMs apart: the input gradient, and the weight gradient, which frozen
    // weights do not take.
    const model::Op trained = as_trained(op, p);
    const Time f = cost.forward(op), whole = cost.backward(trained), wgrad = weight_gradient(trained, whole, cost),
               dgrad = whole - wgrad;
    gf[slot] += f;
    sf[slot] += Time::from_seconds(f.seconds() * split_slowdown(op, p.tp, false, cost));
    // Backward: the row-parallel linears' dgrad GEMMs are split (ring exchange); the column-
    // parallel ones overlap their reduce-scatter in bulk with the weight-gradient GEMM, unsplit.
    const bool split_bwd = slot == 1 || slot == 3;
    gb[slot] += split_bwd ? dgrad : wgrad;
    sb[slot] += split_bwd ? Time::from_seconds(dgrad.seconds() * split_slowdown(op, p.tp, true, cost)) : wgrad;
  }
  const double s = cost.overlap_slowdown();
  Time fwd, bwd;
  for (int i = 0; i < 2 * halves; ++i) {
    const Time comm = i % 2 == 0 ? ag : rs;
    const bool hidden = gf[i] > Time();  // no such GEMM (MoE MLP half): nothing to hide behind
    fwd += hidden ? pipelined_exposure(sf[i], comm, p.tp, s) + (sf[i] - gf[i]) : comm;
    // Column-parallel dgrads (see above); under ZB-H1 and the V schedules their weight-gradient
    // GEMMs run later, in tasks of their own, and leave the reduce-scatter nothing to hide behind.
    const bool bulk = i == 0 || i == 2;
    if (!hidden || (bulk && splits_backward(p.schedule))) {
      bwd += comm;
    } else {
      bwd += bulk ? beside(gb[i], comm, s) - gb[i] : pipelined_exposure(sb[i], comm, p.tp, s) + (sb[i] - gb[i]);
    }
  }
  return {fwd, bwd};
}

}  // namespace

double dispatch_copies(const model::MoeSpec& moe, const ParallelPlan& p, const net::Group& ep, int64_t domain_ranks) {
  const int k = moe.top_k;
  if (p.ep_dispatch == ExpertDispatch::kAllToAll) return k;
  const double experts = static_cast<double>(moe.experts), per_rank = experts / p.ep;
  // EP ranks sharing a scale-up domain, and the domains the group spans.
  const int64_t in_domain = std::clamp<int64_t>(domain_ranks / std::max<int64_t>(1, ep.stride), 1, p.ep);
  const double domains = static_cast<double>(p.ep) / static_cast<double>(in_domain);
  if (domains <= 1.0) return p.ep * (1.0 - miss_probability(experts, per_rank, k));
  // Scale-out bytes: one copy per remote domain hit. The all-to-all spreads a rank's bytes evenly
  // over the group, (ep - in_domain) / ep of them across domains, so scale the copies to match.
  const double remote_hits = (domains - 1.0) * (1.0 - miss_probability(experts, per_rank * in_domain, k));
  return remote_hits * p.ep / static_cast<double>(p.ep - in_domain);
}

Time NetworkTimer::time(CollectiveKind kind, double bytes, const net::Group& group) {
  if (group.size <= 1 || bytes <= 0) return Time();
  return net_.collective(kind, static_cast<int64_t>(bytes), group).time;
}

void Part::add(const Part& o, int64_t n) {
  fwd += o.fwd * n;
  bwd += o.bwd * n;
  tp += o.tp * n;
  cp += o.cp * n;
  ep += o.ep * n;
  dp += o.dp * n;
  recompute += o.recompute * n;
  wgrad += o.wgrad * n;
  offload += o.offload * n;
  host += o.host * n;
  alone_ep_f += o.alone_ep_f * n;
  alone_ep_b += o.alone_ep_b * n;
  alone_host_f += o.alone_host_f * n;
  alone_host_b += o.alone_host_b * n;
  const double k = static_cast<double>(n);
  model_flops += o.model_flops * k;
  hardware_flops += o.hardware_flops * k;
  dense_params += o.dense_params * k;
  expert_params += o.expert_params * k;
  trained_dense += o.trained_dense * k;
  trained_expert += o.trained_expert * k;
  dense_quantized += o.dense_quantized * k;
  expert_quantized += o.expert_quantized * k;
}

Part ops_part(const std::vector<model::Op>& ops, bool recomputable, const ParallelPlan& p, cost::OpCostModel& cost) {
  Part c;
  const std::vector<double> redo =
      model::recompute_shares(ops, recomputable ? p.recompute : model::Recompute::kNone, p.selective_policy,
                              p.recompute_modules);
  const bool split_wgrad = splits_backward(p.schedule);
  for (size_t i = 0; i < ops.size(); ++i) {
    const model::Op& op = ops[i];
    const model::Op trained = as_trained(op, p);
    const Time f = cost.forward(op), b = cost.backward(trained);
    c.fwd += f;
    c.bwd += b;
    if (split_wgrad) c.wgrad += weight_gradient(trained, b, cost);
    // Routed experts are sharded by expert parallelism and reduced over fewer replicas.
    const bool routed = model::is_routed_expert(op);
    (routed ? c.expert_params : c.dense_params) += op.weight_params + p.adapter_params(op);
    (routed ? c.trained_expert : c.trained_dense) += p.trained_params(op);
    if (model::quantized_weights(op)) (routed ? c.expert_quantized : c.dense_quantized) += op.weight_params;
    // Backward is twice the forward work for matmuls (input and weight gradients); LoRA skips
    // the frozen weights' gradients but still pays the input gradients.
    c.model_flops += op.flops * (p.lora_rank > 0 ? 2.0 : 3.0);
    c.recompute += Time::from_seconds(redo[i] * f.seconds());
    c.hardware_flops += redo[i] * op.flops;
  }
  c.hardware_flops += c.model_flops;
  // A pass of its own adds the micro-batch's gradients (in the parameter type) into the fp32 main
  // gradients: read both, write the accumulator. Where gradients are sharded (ZeRO-2, ZeRO-3 per
  // micro-batch) the rank accumulates only its shard, 1/dp of this: not charged.
  const double held = c.dense_params + c.expert_params, trained = c.trained_dense + c.trained_expert;
  if (p.grad_accumulation_pass && !p.shards_gradients() && trained > 0) {
    const Time pass = cost.memory_bound(trained * (p.param_bytes() + 8.0));
    c.bwd += pass;
    if (split_wgrad) c.wgrad += pass;  // it follows the weight gradients
  }
  // ZeRO-3's copies on the compute stream: out of the all-gather buffer before the forward and
  // again before the backward, and the gradients into the reduce-scatter buffer after it.
  if (p.zero3_copy_passes && p.shards_weights() && held > 0) {
    const Time copy_out = cost.memory_bound(held * 2.0 * p.param_bytes());
    c.fwd += copy_out;
    const Time copy_in = cost.memory_bound(trained * (p.param_bytes() + p.grad_bytes()));
    c.bwd += copy_out + copy_in;
    if (split_wgrad) c.wgrad += copy_in;
  }
  return c;
}


Part layer_part(const model::ModelSpec& m, const std::vector<model::Op>& ops, bool moe, const ParallelPlan& p,
                cost::OpCostModel& cost, CollectiveTimer& timer) {
  const GroupLayout groups = group_layout(p);
  const double slowdown = cost.overlap_slowdown();
  Part c = ops_part(ops, true, p, cost);
  // LoRA's adapters: their compute on the stream (and again under full recompute), their
  // collectives exposed with the tensor-parallel ones.
  const AdapterTimes lora = adapter_times(ops, p, groups.tp, cost, timer);
  const bool full = p.recompute == model::Recompute::kFull;
  c.fwd += lora.fwd;
  c.bwd += lora.bwd;
  if (splits_backward(p.schedule)) c.wgrad += lora.wgrad;
  if (full) c.recompute += lora.fwd;
  c.hardware_flops += lora.flops * (full ? 4.0 / 3.0 : 1.0);
  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double act_bytes = tokens * m.hidden * p.param_bytes();
  // Under fp8 linears the sequence-parallel all-gathers carry the GEMM's 8-bit input: the
  // activations forward, the output gradients backward.
  const double gather_bytes = tokens * m.hidden * p.tp_gather_bytes();
  const bool mlp_half = !moe || p.etp() == p.tp || m.moe->shared_experts > 0;
  auto [tp_once, tp_bwd] = tensor_parallel(ops, p, act_bytes, gather_bytes, mlp_half, groups.tp, cost, timer);
  tp_once += lora.comm_fwd;
  tp_bwd += lora.comm_bwd;
  c.tp = tp_once * (full ? 2 : 1) + tp_bwd;
  // Context parallelism: K and V travel between the cp ranks beside the attention kernels.
  Time cp_f, cp_b;
  if (p.cp > 1) {
    Time attn_f, attn_b;
    for (const auto& op : ops) {
      if (op.kind == model::OpKind::kAttention) {
        attn_f += cost.forward(op);
        attn_b += cost.backward(op);
      }
    }
    const CpExchange x = cp_exchange(m, p, tokens, attn_f, attn_b, timer, slowdown);
    cp_f = x.fwd;
    // Full recompute repeats the forward's exchange before the backward.
    cp_b = x.bwd + (full ? x.fwd : Time());
    c.cp = cp_f + cp_b;
  }
  // Expert parallelism: dispatch and combine all-to-alls each way. Overlapped with another
  // micro-batch's compute (ep_overlap) only what exceeds the layer's own compute shows; a task
  // with no partner (pipeline warm-up and cool-down) exposes them all.
  Time ep_f, ep_b, a2a;
  if (moe && p.ep > 1) {
    const double local_tokens = p.sequence_parallel ? tokens / p.tp : tokens;
    const double bytes = local_tokens * m.hidden * p.param_bytes() *
                         dispatch_copies(*m.moe, p, groups.ep, timer.ranks_per_domain());
    a2a = timer.time(CollectiveKind::kAllToAll, bytes, groups.ep) * 2;
    ep_f = p.ep_overlap ? beside(c.fwd, a2a, slowdown) - c.fwd : a2a;
    // Under ZB-H1 the weight-gradient GEMMs run in a task of their own: the backward the partner
    // micro-batch's all-to-alls hide behind is the input-gradient part.
    const Time b = c.bwd - c.wgrad;
    ep_b = p.ep_overlap ? beside(b, a2a, slowdown) - b : a2a;
    c.alone_ep_f = a2a - ep_f;
    c.alone_ep_b = a2a - ep_b;
    if (full) {
      // The recomputed forward dispatches and combines again before the backward.
      ep_b += ep_f;
      c.alone_ep_b += c.alone_ep_f;
    }
    c.ep = ep_f + ep_b;
  }
  // The MoE layer's host time, a third in the forward and two thirds in the backward (which
  // launches the gradient kernels of each forward one; full recompute launches the forward's
  // again): the GPU waits for what outlasts the communication already exposed in that pass, during
  // which the host runs ahead.
  Time host_f, host_b;
  if (moe && p.moe_host_overhead > Time()) {
    const Time third = Time::ps(p.moe_host_overhead.ps() / 3);
    const Time rest = p.moe_host_overhead - third + (full ? third : Time());
    auto wait = [](Time host, Time exposed) { return host > exposed ? host - exposed : Time(); };
    const Time exposed_f = tp_once + cp_f, exposed_b = (c.tp - tp_once) + cp_b;
    host_f = wait(third, exposed_f + ep_f);
    host_b = wait(rest, exposed_b + ep_b);
    c.host = host_f + host_b;
    c.alone_host_f = wait(third, exposed_f + a2a) - host_f;
    c.alone_host_b = wait(rest, exposed_b + a2a) - host_b;
  }
  c.fwd += tp_once + cp_f + ep_f + host_f;
  c.bwd += c.recompute + (c.tp - tp_once) + cp_b + ep_b + host_b;
  return c;
}

LayerParts layer_parts(const model::ModelSpec& m, const ParallelPlan& p, cost::OpCostModel& cost, CollectiveTimer& timer) {
  const model::ShardContext ctx = shard_context(m, p);
  LayerParts lp;
  auto layer = [&](int l, bool moe) {
    const std::vector<model::Op> ops = model::layer_forward_ops(m, l, ctx);
    Part part = layer_part(m, ops, moe, p, cost, timer);
    part.saved_bytes = model::layer_activation_bytes(m, l, ctx, p.recompute) + adapter_saved_bytes(ops, p, p.recompute);
    return part;
  };
  if (const int l = dense_layer_example(m); l >= 0) lp.dense = layer(l, false);
  if (const int l = moe_layer_example(m); l >= 0) lp.moe = layer(l, true);
  lp.embedding = ops_part(model::embedding_forward_ops(m, ctx), false, p, cost);
  lp.head = ops_part(model::head_forward_ops(m, ctx), false, p, cost);
  return lp;
}

std::vector<Part> chunk_parts(const model::ModelSpec& m, const ParallelPlan& p, const LayerParts& lp, CollectiveTimer& timer,
                              double overlap_slowdown, double host_bw) {
  // One offloaded layer's stall each way. Copy engines move the bytes, so the compute beside them
  // does not slow (no overlap_slowdown).
  auto offload = [&](const Part& layer, int n, Time& fwd, Time& bwd) {
    if (n <= 0 || host_bw <= 0) return;
    const Time copy = Time::from_seconds(layer.saved_bytes / host_bw);
    fwd += (copy > layer.fwd ? copy - layer.fwd : Time()) * n;
    bwd += (copy > layer.bwd ? copy - layer.bwd : Time()) * n;
  };
  const GroupLayout groups = group_layout(p);
  std::vector<Part> chunks(static_cast<size_t>(p.pp) * p.virtual_stages);
  for (size_t g = 0; g < chunks.size(); ++g) {
    Part& c = chunks[g];
    const ChunkLayers cl = chunk_layers(m, p, static_cast<int>(g));
    const BlockCounts blocks = block_counts(m, cl);
    if (blocks.dense > 0) c.add(lp.dense, blocks.dense);
    if (blocks.moe > 0) c.add(lp.moe, blocks.moe);
    if (cl.embedding) c.add(lp.embedding);
    if (cl.head) c.add(lp.head);
    // The chunk's first layers are offloaded; dense layers come first.
    const int offloaded = std::min(p.activation_offload_layers, cl.count - 1);
    Time off_f, off_b;
    offload(lp.dense, std::min(offloaded, blocks.dense), off_f, off_b);
    offload(lp.moe, offloaded - std::min(offloaded, blocks.dense), off_f, off_b);
    c.offload = off_f + off_b;
    c.fwd += off_f;
    c.bwd += off_b;
    if (p.shards_weights()) {
      // ZeRO-3 gathers the chunk's parameters before its forward and again before its backward
      // and reduce-scatters its gradients, every micro-batch, prefetched behind compute.
      const Time gather = gather_params(timer, groups, c, p);
      const Time scatter = reduce_grads(timer, groups, CollectiveKind::kReduceScatter, c, p.grad_bytes());
      // FSDP shards a model in units: each layer, and the root holding what lies outside the
      // layers (embedding, final norm, head), gathered with the first layer at the start of the
      // forward and reduce-scattered after the first layer's backward at its end.
      Part edge;
      if (blocks.dense > 0 || blocks.moe > 0) edge.add(blocks.dense > 0 ? lp.dense : lp.moe);
      if (cl.embedding) edge.add(lp.embedding);
      if (cl.head) edge.add(lp.head);
      c.zero3_lead = gather_params(timer, groups, edge, p);
      c.zero3_tail = reduce_grads(timer, groups, CollectiveKind::kReduceScatter, edge, p.grad_bytes());
      const Time fwd = p.dp_overlap ? beside(c.fwd, gather, overlap_slowdown) : c.fwd + gather;
      const Time bwd = p.dp_overlap ? beside(c.bwd, gather + scatter, overlap_slowdown) : c.bwd + gather + scatter;
      c.dp = (fwd - c.fwd) + (bwd - c.bwd);
      c.fwd = fwd;
      c.bwd = bwd;
    } else if (p.shards_gradients()) {
      // ZeRO-2 keeps only its shard of the gradients, so every micro-batch's backward
      // reduce-scatters the chunk's gradients into it, bucket by bucket behind the backward
      // (DeepSpeed's stage 2, FSDP's SHARD_GRAD_OP).
      const Time scatter = reduce_grads(timer, groups, CollectiveKind::kReduceScatter, c, p.grad_bytes());
      const Time bwd = p.dp_overlap ? beside(c.bwd, scatter, overlap_slowdown) : c.bwd + scatter;
      c.dp = bwd - c.bwd;
      c.bwd = bwd;
    }
  }
  return chunks;
}

PipelineInput pipeline_input(const model::ModelSpec& m, const ParallelPlan& p, const std::vector<Part>& chunks,
                             CollectiveTimer& timer) {
  PipelineInput in;
  in.pp = p.pp;
  in.virtual_stages = p.virtual_stages;
  in.micro_batches = p.micro_batches();
  in.group = p.group();
  in.extra_warmup = p.extra_warmup();
  in.schedule = p.schedule;
  in.turn_apart = p.mirrored;
  for (const auto& c : chunks) {
    in.fwd.push_back(c.fwd);
    in.bwd.push_back(c.bwd);
    in.fwd_alone.push_back(c.fwd + c.alone_ep_f + c.alone_host_f);
    in.bwd_alone.push_back(c.bwd + c.alone_ep_b + c.alone_host_b);
    in.wgt.push_back(c.wgrad);
  }
  const double tokens = static_cast<double>(p.micro_batch) * m.seq_len / p.cp;
  const double whole = tokens * m.hidden * p.param_bytes();
  if (p.pp > 1 || p.mirrored) {
    const GroupLayout groups = group_layout(p);
    if (p.pp_scatter_gather && !p.sequence_parallel && p.tp > 1) {
      // Each tensor-parallel rank sends its 1/tp slice; the receivers all-gather the whole.
      in.p2p = timer.time(CollectiveKind::kSendRecv, whole / p.tp, groups.pp) +
               timer.time(CollectiveKind::kAllGather, whole, groups.tp);
    } else {
      in.p2p = timer.time(CollectiveKind::kSendRecv, whole / (p.sequence_parallel ? p.tp : 1), groups.pp);
    }
  }
  in.blocking_p2p = !p.pp_overlap();
  return in;
}

namespace {

// The model FLOPs of one step: the whole model's forward ops as one rank holding all of it would
// run them (model::forward_flops), forward and backward (twice the forward; LoRA skips the frozen
// weights' gradients), for every micro-batch of every replica. What a plan repeats on several
// ranks (K/V heads copied where tp exceeds them, MLA's down-projections on every tensor-parallel
// rank) is hardware work, counted in HFU, not model work: MFU does not move with the plan. Nor
// with the attention kernel: the causal attention counts as the work a flash kernel does (the
// scores below the diagonal), and the masked half an unfused kernel also computes is HFU.
double step_model_flops(const model::ModelSpec& m, const ParallelPlan& p) {
  ParallelPlan whole = p;
  whole.tp = whole.cp = whole.ep = 1;
  whole.expert_tp = 0;
  whole.sequence_parallel = false;
  whole.flash_attention = true;
  return model::forward_flops(m, shard_context(m, whole)) * (p.lora_rank > 0 ? 2.0 : 3.0) *
         static_cast<double>(p.micro_batches()) * p.dp;
}

}  // namespace

StepResult finish_step(const Experiment& e, const ParallelPlan& p, const std::vector<Part>& chunks,
                       const std::vector<StageTimes>& stages, cost::OpCostModel& cost, CollectiveTimer& timer) {
  const GroupLayout groups = group_layout(p);
  const int64_t m = p.micro_batches();
  StepResult r;
  Time end;
  const Time lead = p.shards_weights() && p.dp_overlap ? zero3_lead(chunks, stages) : Time();
  for (int s = 0; s < p.pp; ++s) {
    const StageTimes& st = stages[s];
    Part stage;  // the stage's chunks for one micro-batch
    std::vector<const Part*> local;
    Time alone_ep, alone_host;  // what its tasks without a partner add
    const StageOrder order(p.schedule, p.pp, p.virtual_stages, m, s, p.group(), p.extra_warmup());
    for (int v = 0; v < p.virtual_stages; ++v) {
      local.push_back(&chunks[static_cast<size_t>(global_chunk(p.schedule, p.pp, v, s))]);
      const Part& c = *local.back();
      stage.add(c);
      const int64_t nf = order.unpaired_forwards(v), nb = order.unpaired_backwards(v);
      alone_ep += c.alone_ep_f * nf + c.alone_ep_b * nb;
      alone_host += c.alone_host_f * nf + c.alone_host_b * nb;
    }
    const StageDp dp = !p.shards_weights() ? data_parallel(p, timer, groups, local, st, cost.overlap_slowdown())
                       : p.dp_overlap      ? zero3_edges(chunks, stages, s, lead)
                                           : StageDp{};  // without overlap the chunks carry it all
    const Time optimizer = cost.memory_bound(p.optimizer_bytes(stage.trained_dense, stage.trained_expert));
    const Time stage_done = st.end + dp.exposed + dp.param_gather_exposed + optimizer;
    if (s > 0 && stage_done <= end) continue;
    end = stage_done;
    r.slowest_stage = s;
    StepBreakdown& b = r.breakdown;
    b.tp_comm_s = stage.tp.seconds() * m;
    b.cp_comm_s = stage.cp.seconds() * m;
    b.ep_comm_s = stage.ep.seconds() * m + alone_ep.seconds();
    b.recompute_s = stage.recompute.seconds() * m;
    const double zero3_s = stage.dp.seconds() * m;
    b.offload_s = stage.offload.seconds() * m;
    b.host_s = stage.host.seconds() * m + alone_host.seconds();
    b.pp_comm_s = st.sends.seconds();
    b.compute_s = st.busy.seconds() - b.tp_comm_s - b.cp_comm_s - b.ep_comm_s - zero3_s - b.offload_s - b.host_s -
                  b.pp_comm_s;
    b.pp_bubble_s = (st.end - st.busy).seconds();
    b.dp_comm_s = (dp.exposed + dp.param_gather_exposed).seconds() + zero3_s;
    b.optimizer_s = optimizer.seconds();
  }
  r.step_time_s = end.seconds();
  Part all;
  for (const auto& c : chunks) all.add(c);
  const double replicas = static_cast<double>(p.tp) * p.cp * p.dp * m;
  r.model_flops = step_model_flops(e.model, p);
  const double peak = cost::matrix_peak(e.system.accel, p.precision) * static_cast<double>(e.system.count);
  r.mfu = r.model_flops / (r.step_time_s * peak);
  r.hfu = all.hardware_flops * replicas / (r.step_time_s * peak);
  r.tokens_per_s = static_cast<double>(p.global_batch) * e.model.seq_len / r.step_time_s;
  return r;
}

}  // namespace trnsim::train

// Forward ops of one rank under Megatron-style sharding. Conventions (docs/models.md): matmul FLOPs
// 2*m*n*k*batch; bytes = HBM reads of inputs and weights plus writes of outputs; the attention
// core counts causal work as executed (half the square with flash attention, which skips masked
// blocks; the full square without, where the unfused matmul computes it and masks afterwards).
#include <algorithm>
#include <string>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/model/ops.h"
#include "trnsim/model/ops_shard.h"

namespace trnsim::model {
namespace detail {

RankShare rank_share(const ModelSpec& m, const ShardContext& ctx) {
  auto fail = [](const std::string& key, const std::string& msg, const std::string& hint) {
    throw input_error("parallel plan: " + key, msg, hint);
  };
  const int64_t s = ctx.seq_len > 0 ? ctx.seq_len : m.seq_len;
  if (ctx.micro_batch < 1) fail("micro_batch", "must be at least 1", "set micro_batch >= 1");
  if (ctx.tp < 1 || ctx.cp < 1 || ctx.ep < 1) fail("tp/cp/ep", "parallel degrees must be at least 1", "use 1 for no parallelism");
  if (ctx.dtype_bytes < 1) fail("dtype_bytes", "must be at least 1", "use 2 for bf16");
  if (s % ctx.cp != 0) {
    fail("cp", "seq_len " + std::to_string(s) + " is not divisible by cp " + std::to_string(ctx.cp),
         "use a cp that divides the sequence length");
  }
  if (m.heads % ctx.tp != 0) {
    fail("tp", "heads (" + std::to_string(m.heads) + ") are not divisible by tp " + std::to_string(ctx.tp),
         "use a tp that divides the number of attention heads");
  }
  if (m.kv_heads % ctx.tp != 0 && ctx.tp % m.kv_heads != 0) {
    fail("tp", "kv_heads (" + std::to_string(m.kv_heads) + ") and tp " + std::to_string(ctx.tp) + " do not divide one another",
         "use a tp that divides kv_heads or is a multiple of it");
  }
  auto ffn_divides = [&](int64_t ffn, const std::string& what) {
    if (ffn % ctx.tp != 0) {
      fail("tp", what + " (" + std::to_string(ffn) + ") is not divisible by tp " + std::to_string(ctx.tp),
           "use a tp that divides the MLP width");
    }
  };
  ffn_divides(m.ffn_hidden, "ffn_hidden");
  if (m.moe) {
    ffn_divides(m.moe->expert_ffn_hidden, "moe.expert_ffn_hidden");
    if (m.moe->experts % ctx.ep != 0) {
      fail("ep", "experts (" + std::to_string(m.moe->experts) + ") are not divisible by ep " + std::to_string(ctx.ep),
           "use an ep that divides the number of experts");
    }
  } else if (ctx.ep != 1) {
    fail("ep", "expert parallelism needs a mixture-of-experts model", "set ep: 1 for a dense model");
  }
  if (ctx.sequence_parallel && (s / ctx.cp) % ctx.tp != 0) {
    fail("sequence_parallel", "the sequence on a rank (" + std::to_string(s / ctx.cp) + ") is not divisible by tp " +
                                  std::to_string(ctx.tp),
         "use a seq_len / cp that tp divides, or turn sequence parallelism off");
  }
  RankShare r;
  r.b = static_cast<double>(ctx.micro_batch);
  r.s_q = static_cast<double>(s / ctx.cp);
  r.s_kv = static_cast<double>(s);
  r.tokens = r.b * r.s_q;
  r.norm_tokens = ctx.sequence_parallel ? r.tokens / ctx.tp : r.tokens;
  r.tp = ctx.tp;
  r.etp = ctx.etp > 0 ? ctx.etp : ctx.tp;
  r.expert_tokens = r.tokens * r.etp / r.tp;
  r.heads = m.heads / ctx.tp;
  r.kv_heads = m.kv_heads >= ctx.tp ? m.kv_heads / ctx.tp : 1;
  r.d = ctx.dtype_bytes;
  return r;
}

}  // namespace detail

namespace {

using detail::elementwise_op;
using detail::matmul_op;
using detail::norm_op;
using detail::RankShare;

bool gated(const ModelSpec& m) { return m.activation == Activation::kSwiGlu; }

// The activation between the MLP matmuls, on `rows` x `width` outputs: SwiGLU silu(g)*u ~5 FLOPs,
// tanh-GELU ~8, squared ReLU 2.
Op activation_op(const ModelSpec& m, std::string name, double rows, double width, double d) {
  double flops = gated(m) ? 5 : m.activation == Activation::kGelu ? 8 : 2;
  return elementwise_op(std::move(name), OpKind::kElementwise, rows * width, flops, gated(m) ? 2 : 1, 1, d);
}

void add_attention(const ModelSpec& m, const RankShare& r, const ShardContext& ctx, std::vector<Op>& ops) {
  const double h = static_cast<double>(m.hidden), d = r.d, T = r.tokens;
  double d_qk = static_cast<double>(m.head_dim), d_v = d_qk;
  int kv_heads = r.kv_heads;
  if (!m.mla) {
    ops.push_back(matmul_op("qkv", T, (r.heads + 2.0 * kv_heads) * d_qk, h, 1, d));
    const double cols = r.heads + 2.0 * kv_heads;
    ops.back().parts = {r.heads / cols, kv_heads / cols, kv_heads / cols};
  } else {
    // MLA (DeepSeek-V2/V3): the down-projections to the latents are replicated on every TP rank,
    // the up-projections are column-parallel over heads.
    const MlaSpec& a = *m.mla;
    d_v = static_cast<double>(a.v_head_dim);
    kv_heads = r.heads;
    const double qr = static_cast<double>(a.q_lora_rank), kr = static_cast<double>(a.kv_lora_rank);
    if (a.q_lora_rank > 0) {
      ops.push_back(matmul_op("q_down", T, qr, h, 1, d));
      ops.push_back(norm_op(m, "q_norm", T, qr, d));
      ops.back().weight_params = qr;  // DeepSeek's latent norms are RMSNorms whatever the block norm is
      ops.push_back(matmul_op("q_up", T, r.heads * d_qk, qr, 1, d));
    } else {
      ops.push_back(matmul_op("q_proj", T, r.heads * d_qk, h, 1, d));
    }
    ops.push_back(matmul_op("kv_down", T, kr + static_cast<double>(a.qk_rope_head_dim), h, 1, d));
    ops.push_back(norm_op(m, "kv_norm", T, kr, d));
    ops.back().weight_params = kr;
    ops.push_back(matmul_op("kv_up", T, r.heads * (static_cast<double>(a.qk_nope_head_dim) + d_v), kr, 1, d));
  }
  Op attn;
  attn.name = "attn";
  attn.kind = OpKind::kAttention;
  attn.in_matmul_precision = false;
  attn.flash = ctx.flash_attention;
  attn.m = static_cast<int64_t>(r.s_q);
  attn.n = static_cast<int64_t>(r.s_kv);
  attn.k = static_cast<int64_t>(d_qk);
  attn.batch = static_cast<int64_t>(r.b) * r.heads;
  const double scores = r.b * r.heads * r.s_q * r.s_kv;
  const double causal = ctx.flash_attention ? 0.5 : 1.0;
  attn.flops = 2.0 * scores * (d_qk + d_v) * causal;
  attn.bytes = d * (T * r.heads * d_qk + r.b * r.s_kv * kv_heads * (d_qk + d_v) + T * r.heads * d_v);
  if (ctx.flash_attention) {
    attn.bytes += 4.0 * T * r.heads;  // fp32 log-sum-exp kept for the backward pass
  } else {
    // The unfused path, whose activations model/activations.cpp keeps (Korthikanti et al. 2022):
    // scores written and read by the (fused mask and) softmax, probabilities written and read by
    // the second matmul; a dropout between them reads them and writes its 1-byte mask and output.
    attn.bytes += (4.0 * d + (ctx.attention_dropout ? 2.0 * d + 1.0 : 0.0)) * scores;
  }
  ops.push_back(attn);
  ops.push_back(matmul_op("out_proj", T, h, r.heads * d_v, 1, d));
}

void add_dense_mlp(const ModelSpec& m, const RankShare& r, const std::string& prefix, double ffn, std::vector<Op>& ops) {
  const double h = static_cast<double>(m.hidden), f = ffn / r.tp;
  ops.push_back(matmul_op(prefix + "_up", r.tokens, f * (gated(m) ? 2 : 1), h, 1, r.d));
  if (gated(m)) ops.back().parts = {0.5, 0.5, 0};
  ops.push_back(activation_op(m, prefix + "_act", r.tokens, f, r.d));
  ops.push_back(matmul_op(prefix + "_down", r.tokens, h, f, 1, r.d));
}

// Experts are sharded over etp (tp, or 1: whole experts) and distributed over ep. With E experts,
// top_k routing and ep ranks each sending T tokens, a local expert sees T*top_k*ep/E tokens on
// average, so a rank computes T*top_k token-expert products whatever ep is; ep divides the
// weights. With etp = tp every tensor-parallel rank sees all the tokens; with etp = 1 each routes
// only its sequence-parallel share.
void add_moe(const ModelSpec& m, const RankShare& r, const ShardContext& ctx, std::vector<Op>& ops) {
  const MoeSpec& e = *m.moe;
  const double h = static_cast<double>(m.hidden), d = r.d, k = e.top_k;
  const double slots = r.expert_tokens * k;
  const double local_experts = static_cast<double>(e.experts / ctx.ep);
  const double per_expert = slots * ctx.ep / e.experts;
  const double f = static_cast<double>(e.expert_ffn_hidden) / r.etp;
  ops.push_back(matmul_op("router", r.norm_tokens, static_cast<double>(e.experts), h, 1, d));
  ops.back().in_matmul_precision = false;
  ops.push_back(elementwise_op("moe_permute", OpKind::kElementwise, slots * h, 0, 1, 1, d));
  ops.push_back(matmul_op("expert_up", per_expert, f * (gated(m) ? 2 : 1), h, local_experts, d));
  ops.push_back(activation_op(m, "expert_act", slots, f, d));
  ops.push_back(matmul_op("expert_down", per_expert, h, f, local_experts, d));
  // Weighted sum of each token's top_k expert outputs: reads T*top_k rows, writes T rows.
  Op combine = elementwise_op("moe_unpermute", OpKind::kElementwise, slots * h, 2, 1, 1.0 / k, d);
  ops.push_back(combine);
  if (e.shared_experts > 0) add_dense_mlp(m, r, "shared", static_cast<double>(e.shared_width()), ops);
}

// Logits over the vocabulary (column-parallel) and the vocab-parallel cross-entropy, whose fp32
// softmax is kept for the backward pass. Fused: one pass reads the logits and writes the softmax,
// the backward twice that. Unfused (Megatron-LM's VocabParallelCrossEntropy on logits.float()):
// the cast (unless the logits are fp32 already), max (read), subtract, exp and divide (each in
// place: read and write) and sum (read) over fp32 logits; the backward scales the softmax in place
// by the loss gradient and casts it back to the logits' type.
void add_logits_and_loss(const ModelSpec& m, const RankShare& r, const ShardContext& ctx, const std::string& prefix,
                         bool holds_weight, std::vector<Op>& ops) {
  const double cols = std::ceil(static_cast<double>(m.vocab) / r.tp);
  ops.push_back(matmul_op(prefix + "logits", r.tokens, cols, static_cast<double>(m.hidden), 1, r.d, holds_weight));
  ops.back().in_matmul_precision = false;
  const double elements = r.tokens * cols;
  Op loss = elementwise_op(prefix + "loss", OpKind::kLoss, elements, 5, 0, 0, r.d);
  if (ctx.fused_cross_entropy) {
    loss.bytes = elements * (r.d + 4.0);
  } else {
    const double cast = r.d >= 4 ? 0.0 : r.d + 4.0;
    loss.bytes = elements * (cast + 4 + 8 + 8 + 4 + 8);
    loss.bwd_bytes = elements * (8 + cast);
  }
  ops.push_back(loss);
}

}  // namespace

std::vector<Op> layer_forward_ops(const ModelSpec& m, int layer, const ShardContext& ctx) {
  if (layer < 0 || layer >= m.layers) {
    throw input_error("model " + m.name, "layer " + std::to_string(layer) + " does not exist",
                      "use a layer index in [0, " + std::to_string(m.layers) + ")");
  }
  const RankShare r = detail::rank_share(m, ctx);
  const double h = static_cast<double>(m.hidden);
  std::vector<Op> ops;
  ops.push_back(norm_op(m, "attn_norm", r.norm_tokens, h, r.d));
  add_attention(m, r, ctx, ops);
  ops.push_back(elementwise_op("attn_residual", OpKind::kElementwise, r.norm_tokens * h, 1, 2, 1, r.d));
  ops.push_back(norm_op(m, "mlp_norm", r.norm_tokens, h, r.d));
  if (m.is_moe_layer(layer)) {
    add_moe(m, r, ctx, ops);
  } else {
    add_dense_mlp(m, r, "mlp", static_cast<double>(m.ffn_hidden), ops);
  }
  ops.push_back(elementwise_op("mlp_residual", OpKind::kElementwise, r.norm_tokens * h, 1, 2, 1, r.d));
  return ops;
}

// Vocabulary-parallel embedding (Megatron): each TP rank holds vocab/tp rows, looks up the tokens
// that fall in its range and writes a full-size partial result that an all-reduce (or, under SP,
// a reduce-scatter) combines.
std::vector<Op> embedding_forward_ops(const ModelSpec& m, const ShardContext& ctx) {
  const RankShare r = detail::rank_share(m, ctx);
  const double h = static_cast<double>(m.hidden);
  const double rows = std::ceil(static_cast<double>(m.vocab) / r.tp);
  Op op;
  op.name = "embedding";
  op.kind = OpKind::kEmbedding;
  op.m = static_cast<int64_t>(r.tokens);
  op.n = m.hidden;
  op.bytes = r.d * (r.tokens * h / r.tp + r.tokens * h) + 4.0 * r.tokens;  // rows read, output, int32 ids
  op.weight_params = rows * h;
  return {op};
}

// The output layer is column-parallel over the vocabulary; with tied embeddings it reads the
// embedding's weights and holds none of its own (weight_params 0; a pipeline that puts the two on
// different stages keeps a copy on the last one). Each multi-token prediction module then looks up
// the next tokens' embeddings, normalises them and the hidden states, projects the two (2h -> h,
// column-parallel) into its block (layer_forward_ops of the last layer, not here), and after the
// block predicts through the shared head with a loss of its own.
std::vector<Op> head_forward_ops(const ModelSpec& m, const ShardContext& ctx) {
  const RankShare r = detail::rank_share(m, ctx);
  const double h = static_cast<double>(m.hidden);
  std::vector<Op> ops;
  ops.push_back(norm_op(m, "final_norm", r.norm_tokens, h, r.d));
  add_logits_and_loss(m, r, ctx, "", !m.tied_embeddings, ops);
  for (int depth = 0; depth < m.mtp_layers; ++depth) {
    Op lookup = embedding_forward_ops(m, ctx).front();
    lookup.name = "mtp_embedding";
    lookup.weight_params = 0;  // the shared input embedding
    ops.push_back(lookup);
    ops.push_back(norm_op(m, "mtp_norms", 2 * r.norm_tokens, h, r.d));
    ops.back().weight_params *= 2;
    ops.push_back(matmul_op("mtp_proj", r.tokens, h / r.tp, 2 * h, 1, r.d));
    ops.push_back(norm_op(m, "mtp_final_norm", r.norm_tokens, h, r.d));
    add_logits_and_loss(m, r, ctx, "mtp_", false, ops);
  }
  return ops;
}

void check_shard(const ModelSpec& m, const ShardContext& ctx) { (void)detail::rank_share(m, ctx); }

double forward_flops(const ModelSpec& m, const ShardContext& ctx) {
  auto sum = [](const std::vector<Op>& ops) {
    double f = 0;
    for (const Op& op : ops) f += op.flops;
    return f;
  };
  // Layers of a kind (dense FFN or MoE) run the same ops: one of each kind, times its count. An
  // MTP block is like the last layer.
  const int moe_layers = m.moe ? m.layers - m.moe->dense_layers : 0;
  const bool last_moe = moe_layers > 0;
  const int dense_blocks = m.layers - moe_layers + (last_moe ? 0 : m.mtp_layers);
  const int moe_blocks = moe_layers + (last_moe ? m.mtp_layers : 0);
  double total = sum(embedding_forward_ops(m, ctx)) + sum(head_forward_ops(m, ctx));
  if (dense_blocks > 0) total += dense_blocks * sum(layer_forward_ops(m, 0, ctx));
  if (moe_blocks > 0) total += moe_blocks * sum(layer_forward_ops(m, m.layers - 1, ctx));
  return total;
}

}  // namespace trnsim::model

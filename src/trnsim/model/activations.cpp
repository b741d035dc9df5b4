// Activation memory of one layer on one rank, after Korthikanti et al. 2022 ("Reducing Activation
// Recomputation in Large Transformer Models", arXiv:2205.05198, section 4): every tensor a backward
// pass reads, at dtype_bytes per element, dropout masks at one byte per element. For a GPT layer
// (MHA, GELU, ffn 4h, 2-byte activations) the terms below add up to the paper's
// s*b*h*(34 + 5*a*s/h). The generalisation to GQA, SwiGLU, MLA and MoE is in docs/models.md.
// Under fp8 the inputs of the linear layers are kept as the fp8 copies the forward GEMMs read
// (ShardContext::saved_gemm_input_bytes, `g` below).
#include "trnsim/model/ops.h"
#include "trnsim/model/ops_shard.h"

namespace trnsim::model {
namespace {

// Bytes per element of a saved linear-layer input.
double gemm_input(const detail::RankShare& s, const ShardContext& ctx) {
  return ctx.saved_gemm_input_bytes > 0 ? ctx.saved_gemm_input_bytes : s.d;
}
// The same for an input only the layer's weight gradient reads: none for frozen weights.
double wgrad_input(const detail::RankShare& s, const ShardContext& ctx) {
  return ctx.frozen_linears ? 0.0 : gemm_input(s, ctx);
}

double attention_bytes(const ModelSpec& m, const detail::RankShare& s, const ShardContext& ctx, Recompute r) {
  const double T = s.tokens, d = s.d, g = gemm_input(s, ctx);
  double d_qk = static_cast<double>(m.head_dim), d_v = d_qk, kv_heads = s.kv_heads, bytes = 0;
  if (m.mla) {
    // The latents come from replicated down-projections: every TP rank keeps them whole.
    const MlaSpec& a = *m.mla;
    d_v = static_cast<double>(a.v_head_dim);
    kv_heads = s.heads;
    const double qr = static_cast<double>(a.q_lora_rank), kr = static_cast<double>(a.kv_lora_rank);
    bytes += d * T * (2 * qr + 2 * kr + static_cast<double>(a.qk_rope_head_dim));
    if (ctx.frozen_linears) bytes -= d * T * (qr + kr);  // the normed latents: the up-projections' inputs
  }
  bytes += d * T * (s.heads * d_qk + kv_heads * (d_qk + d_v));  // Q, K, V: 6sbh in the paper
  // out-proj input (2sbh): flash attention's backward reads it as the attention output
  bytes += (ctx.flash_attention ? g : wgrad_input(s, ctx)) * T * s.heads * d_v;
  if (r == Recompute::kSelective) return bytes;                  // the attention core is recomputed
  if (ctx.flash_attention) return bytes + 4.0 * T * s.heads;     // fp32 log-sum-exp; no s*s matrix
  // softmax output (2), its dropout mask (1), dropout output (2): 5*a*s*s*b at 2 bytes; without
  // dropout the softmax output alone.
  return bytes + (ctx.attention_dropout ? 2 * d + 1 : d) * s.b * s.heads * s.s_q * s.s_kv;
}

// `split`: the tensor-parallel degree dividing the width (tp, or etp inside routed experts).
double mlp_bytes(const ModelSpec& m, const detail::RankShare& s, double g, double rows, double ffn, double split) {
  const double f = ffn / split;
  const double gate = m.activation == Activation::kSwiGlu ? 2 : 1;
  return s.d * rows * f * gate + g * rows * f;  // activation input (8sbh), down-proj input (8sbh)
}

// What Megatron-Core's recompute modules other than the attention core leave unsaved: each module
// keeps its input and drops what it computes from it.
double module_savings(const ModelSpec& m, int layer, const detail::RankShare& s, const ShardContext& ctx,
                      double outside) {
  const unsigned mods = ctx.recompute_modules;
  // Every linear input below feeds a weight gradient alone.
  const double T = s.tokens, h = static_cast<double>(m.hidden), g = wgrad_input(s, ctx);
  double saved = 0;
  if ((mods & kRecomputeMlaUpProj) && m.mla) {  // the up-projected Q, K and V
    saved += s.d * T * s.heads * (2.0 * static_cast<double>(m.head_dim) + static_cast<double>(m.mla->v_head_dim));
  }
  if (mods & kRecomputeLayerNorm) saved += outside * 2 * g * T * h;  // the two norm outputs
  if (!m.is_moe_layer(layer)) {
    if (mods & kRecomputeMlp) saved += mlp_bytes(m, s, g, T, static_cast<double>(m.ffn_hidden), s.tp);
    return saved;
  }
  const MoeSpec& e = *m.moe;
  if (mods & kRecomputeMoeAct) {  // the activation output, the down-projection's input
    saved += g * s.expert_tokens * e.top_k * static_cast<double>(e.expert_ffn_hidden) / s.etp;
  }
  if ((mods & kRecomputeSharedExperts) && e.shared_experts > 0) {
    saved += mlp_bytes(m, s, g, T, static_cast<double>(e.shared_width()), s.tp);
  }
  return saved;
}

}  // namespace

double layer_activation_bytes(const ModelSpec& m, int layer, const ShardContext& ctx, Recompute r) {
  const detail::RankShare s = detail::rank_share(m, ctx);
  // Every linear input below feeds a weight gradient alone.
  const double T = s.tokens, d = s.d, h = static_cast<double>(m.hidden), g = wgrad_input(s, ctx);
  // Width-h tensors outside the tensor-parallel regions: whole on every rank unless SP shards them.
  const double outside = ctx.sequence_parallel ? 1.0 / s.tp : 1.0;
  if (r == Recompute::kFull) return d * T * h * outside;  // the layer input only
  if (r == Recompute::kSelective && ctx.selective == SelectivePolicy::kAlternateMatmuls) {
    // The block input, the attention output and every other matmul's output (model/recompute.cpp).
    double saved = 0;
    recompute_shares(layer_forward_ops(m, layer, ctx), r, ctx.selective, 0, &saved, d);
    return d * T * h * outside + saved;
  }
  if (r == Recompute::kSelective && ctx.selective == SelectivePolicy::kUnfusedAttentionMlpAct) {
    // The unfused attention core as Megatron's selective policy drops it; the dense MLP's
    // activation output, the down projection's input.
    ShardContext plain = ctx;
    plain.selective = SelectivePolicy::kAttentionCore;
    const double kept = layer_activation_bytes(m, layer, plain, ctx.flash_attention ? Recompute::kNone : r);
    return m.is_moe_layer(layer) ? kept : kept - g * T * static_cast<double>(m.ffn_hidden) / s.tp;
  }
  if (r == Recompute::kSelective && ctx.selective == SelectivePolicy::kModules) {
    const Recompute core = (ctx.recompute_modules & kRecomputeCoreAttn) ? Recompute::kSelective : Recompute::kNone;
    ShardContext plain = ctx;
    plain.selective = SelectivePolicy::kAttentionCore;
    return layer_activation_bytes(m, layer, plain, core) - module_savings(m, layer, s, ctx, outside);
  }
  double bytes = outside * (2 * d * T * h   // inputs of the two norms: 4sbh
                            + g * T * h     // attention input (norm output): 2sbh
                            + g * T * h     // MLP input (norm output): 2sbh
                            + 2 * T * h);   // the two dropout masks after attention and MLP: 2sbh
  bytes += attention_bytes(m, s, ctx, r);
  if (!m.is_moe_layer(layer)) return bytes + mlp_bytes(m, s, g, T, static_cast<double>(m.ffn_hidden), s.tp);
  const MoeSpec& e = *m.moe;
  const double slots = s.expert_tokens * e.top_k;
  bytes += 4.0 * s.norm_tokens * e.experts;  // fp32 router probabilities
  bytes += g * slots * h;                    // permuted tokens: the expert up-projection input
  bytes += mlp_bytes(m, s, g, slots, static_cast<double>(e.expert_ffn_hidden), s.etp);
  if (e.shared_experts > 0) bytes += mlp_bytes(m, s, g, T, static_cast<double>(e.shared_width()), s.tp);
  return bytes;
}

}  // namespace trnsim::model

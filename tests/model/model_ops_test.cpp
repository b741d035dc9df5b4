// Per-rank ops: FLOPs against the 2N-per-token rule, sharding by tp / cp / ep, attention bytes
// with and without flash attention, and the Korthikanti et al. 2022 activation formula.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "model_test_util.h"
#include "trnsim/model/ops.h"

namespace trnsim::model {
namespace {

using testing::input_error_of;

double sum_flops(const std::vector<Op>& ops) {
  double f = 0;
  for (const Op& op : ops) f += op.flops;
  return f;
}

Op find_op(const std::vector<Op>& ops, const std::string& name) {
  for (const Op& op : ops) {
    if (op.name == name) return op;
  }
  ADD_FAILURE() << "no op " << name;
  return {};
}

double layer_flops(const ModelSpec& m, const ShardContext& ctx) {
  double f = 0;
  for (int l = 0; l < m.layers; ++l) f += sum_flops(layer_forward_ops(m, l, ctx));
  return f;
}

// Forward FLOPs per token = 2 * (parameters used in matmuls) + attention: 2*s*h per layer and token
// counted causally (flash), 4*s*h without masking savings. Elementwise work is the remainder.
TEST(ModelOps, DenseForwardFlopsAreTwoNPlusAttention) {
  for (const char* name : {"llama2-7b", "llama3-70b", "gpt3-175b"}) {
    ModelSpec m = load_model(name);
    ParamCounts p = count_parameters(m);
    const double n_matmul = static_cast<double>(p.total - m.vocab * m.hidden);  // the lookup is no matmul
    for (bool flash : {true, false}) {
      ShardContext ctx;
      ctx.micro_batch = 2;
      ctx.flash_attention = flash;
      const double s = static_cast<double>(m.seq_len), tokens = 2 * s;
      const double attn = m.layers * (flash ? 2.0 : 4.0) * s * m.heads * m.head_dim;
      const double expected = 2 * n_matmul + attn;
      EXPECT_NEAR(forward_flops(m, ctx) / tokens / expected, 1.0, 0.01) << name << " flash " << flash;
    }
  }
}

TEST(ModelOps, MatmulFlopsAndBytesFollowTheShape) {
  ModelSpec m = load_model("llama2-7b");
  ShardContext ctx;
  ctx.seq_len = 1024;
  const Op up = find_op(layer_forward_ops(m, 0, ctx), "mlp_up");
  EXPECT_EQ(up.m, 1024);
  EXPECT_EQ(up.k, 4096);
  EXPECT_EQ(up.n, 2 * 11008);  // gate and up projections side by side
  EXPECT_DOUBLE_EQ(up.flops, 2.0 * 1024 * 4096 * 2 * 11008);
  EXPECT_DOUBLE_EQ(up.bytes, 2.0 * (1024.0 * 4096 + 4096.0 * 2 * 11008 + 1024.0 * 2 * 11008));
}

TEST(ModelOps, TensorAndSequenceParallelDivideTheLayer) {
  ModelSpec m = load_model("llama2-70b");
  ShardContext one;
  one.seq_len = 2048;
  ShardContext tp = one;
  tp.tp = 8;
  tp.sequence_parallel = true;
  EXPECT_NEAR(layer_flops(m, tp) / layer_flops(m, one), 1.0 / 8, 1e-12);
  // Without SP the norms and residual adds run whole on every rank.
  tp.sequence_parallel = false;
  EXPECT_GT(layer_flops(m, tp), layer_flops(m, one) / 8);
  const Op qkv = find_op(layer_forward_ops(m, 0, tp), "qkv");
  EXPECT_EQ(qkv.n, (64 / 8 + 2 * 1) * 128);
  EXPECT_NEAR(find_op(layer_forward_ops(m, 0, tp), "attn").flops,
              find_op(layer_forward_ops(m, 0, one), "attn").flops / 8, 1e-3);
}

TEST(ModelOps, KvHeadsReplicatedWhenFewerThanTp) {
  ModelSpec m = load_model("llama3-8b");  // 8 kv heads
  ShardContext ctx;
  ctx.seq_len = 1024;
  ctx.tp = 16;
  const Op qkv = find_op(layer_forward_ops(m, 0, ctx), "qkv");
  EXPECT_EQ(qkv.n, (32 / 16 + 2) * 128);  // 2 query heads, one (replicated) k and v head
  EXPECT_DOUBLE_EQ(qkv.weight_params, 4096.0 * 4 * 128);
}

TEST(ModelOps, ContextParallelHalvesQueriesNotKeys) {
  ModelSpec m = load_model("llama3-8b");
  ShardContext one;
  ShardContext cp = one;
  cp.cp = 2;
  const Op a1 = find_op(layer_forward_ops(m, 0, one), "attn");
  const Op a2 = find_op(layer_forward_ops(m, 0, cp), "attn");
  EXPECT_EQ(a2.m, 4096);
  EXPECT_EQ(a2.n, 8192);  // attention sees the whole key length
  EXPECT_DOUBLE_EQ(a2.flops, a1.flops / 2);
  EXPECT_DOUBLE_EQ(layer_flops(m, cp), layer_flops(m, one) / 2);
}

TEST(ModelOps, FlashAttentionKeepsTheScoreMatrixOutOfHbm) {
  ModelSpec m = load_model("llama2-7b");
  ShardContext flash;
  flash.seq_len = 2048;
  ShardContext plain = flash;
  plain.flash_attention = false;
  const Op f = find_op(layer_forward_ops(m, 0, flash), "attn");
  const Op p = find_op(layer_forward_ops(m, 0, plain), "attn");
  EXPECT_EQ(f.kind, OpKind::kAttention);
  const double scores = 32.0 * 2048 * 2048;
  EXPECT_DOUBLE_EQ(p.flops, 4 * scores * 128);  // 4*b*s*s*heads*head_dim, the full square
  EXPECT_DOUBLE_EQ(f.flops, p.flops / 2);       // causal blocks skipped
  // Unfused: scores and probabilities each written and read, four two-byte passes per score.
  EXPECT_NEAR(p.bytes - f.bytes, 4 * 2 * scores - 4.0 * 2048 * 32, 1);
  // With attention dropout (Megatron-LM), its output written and read and its one-byte mask
  // written: 6 two-byte passes and the mask.
  plain.attention_dropout = true;
  const Op pd = find_op(layer_forward_ops(m, 0, plain), "attn");
  EXPECT_NEAR(pd.bytes - f.bytes, (6 * 2 + 1) * scores - 4.0 * 2048 * 32, 1);
  flash.attention_dropout = true;  // the flash kernel draws its mask on chip: no traffic
  EXPECT_DOUBLE_EQ(find_op(layer_forward_ops(m, 0, flash), "attn").bytes, f.bytes);
  EXPECT_DOUBLE_EQ(f.bytes, 2 * 4 * 2048.0 * 4096 + 4 * 2048.0 * 32);  // Q, K, V, O and the fp32 log-sum-exp
}

// The loss over tp-sharded logits: fused, one pass writing the fp32 softmax (backward twice that);
// Megatron-LM's unfused path casts to fp32 and runs max, subtract, exp, sum and divide as passes of
// their own (38 bytes per bf16 logit), its backward a scale in place and the cast back (14).
TEST(ModelOps, UnfusedCrossEntropyPaysEachPassOverTheLogits) {
  const ModelSpec m = load_model("llama3-8b");
  ShardContext fused;
  fused.seq_len = 4096;
  fused.tp = 2;
  ShardContext unfused = fused;
  unfused.fused_cross_entropy = false;
  const double logits = 4096.0 * std::ceil(m.vocab / 2.0);
  const Op f = find_op(head_forward_ops(m, fused), "loss");
  const Op u = find_op(head_forward_ops(m, unfused), "loss");
  EXPECT_DOUBLE_EQ(f.bytes, 6 * logits);
  EXPECT_DOUBLE_EQ(backward_bytes(f), 12 * logits);
  EXPECT_DOUBLE_EQ(u.bytes, 38 * logits);
  EXPECT_DOUBLE_EQ(backward_bytes(u), 14 * logits);
  EXPECT_DOUBLE_EQ(u.flops, f.flops);
  unfused.dtype_bytes = 4;  // fp32 logits: .float() is a no-op, no cast either way
  const Op u32 = find_op(head_forward_ops(m, unfused), "loss");
  EXPECT_DOUBLE_EQ(u32.bytes, 32 * logits);
  EXPECT_DOUBLE_EQ(backward_bytes(u32), 8 * logits);
}

TEST(ModelOps, OnlyTheBlockLinearsTakeThePlanPrecision) {
  const ModelSpec m = load_model("mixtral-8x7b");
  ShardContext ctx;
  ctx.seq_len = 4096;
  for (const Op& op : layer_forward_ops(m, 0, ctx)) {
    const bool sixteen = op.name == "attn" || op.name == "router";
    EXPECT_EQ(op.in_matmul_precision, !sixteen) << op.name;
  }
  EXPECT_FALSE(find_op(head_forward_ops(m, ctx), "logits").in_matmul_precision);
}

TEST(ModelOps, ExpertsFollowRoutingAndExpertParallelism) {
  ModelSpec m = load_model("mixtral-8x7b");
  ShardContext one;
  one.seq_len = 4096;
  ShardContext ep = one;
  ep.ep = 4;
  const auto ops1 = layer_forward_ops(m, 0, one), ops4 = layer_forward_ops(m, 0, ep);
  const Op up1 = find_op(ops1, "expert_up");
  const Op up4 = find_op(ops4, "expert_up");
  EXPECT_EQ(up1.batch, 8);
  EXPECT_EQ(up1.m, 4096 * 2 / 8);  // tokens * top_k / experts
  EXPECT_EQ(up4.batch, 2);
  EXPECT_EQ(up4.m, 4096 * 2 * 4 / 8);  // tokens from all 4 ep ranks
  EXPECT_DOUBLE_EQ(up4.flops, up1.flops);
  EXPECT_DOUBLE_EQ(up4.weight_params, up1.weight_params / 4);
  EXPECT_DOUBLE_EQ(up1.flops, 2.0 * 4096 * 2 * 4096 * 2 * 14336);
  // Tensor parallelism 4 with sequence parallelism: experts split four ways (etp = tp) or whole
  // experts on each rank for its quarter of the tokens (etp = 1). Same work, 4x the weights.
  ShardContext tp = one;
  tp.tp = 4;
  tp.sequence_parallel = true;
  ShardContext whole = tp;
  whole.etp = 1;
  const Op split = find_op(layer_forward_ops(m, 0, tp), "expert_up");
  const Op full = find_op(layer_forward_ops(m, 0, whole), "expert_up");
  EXPECT_EQ(split.m, 4096 * 2 / 8);
  EXPECT_EQ(full.m, 4096 / 4 * 2 / 8);
  EXPECT_EQ(full.n, split.n * 4);
  EXPECT_DOUBLE_EQ(full.flops, split.flops);
  EXPECT_DOUBLE_EQ(full.weight_params, split.weight_params * 4);
  // Activations: the experts' inner tensors are the same bytes; the permuted tokens (2 bytes x
  // tokens x top_k x hidden) are a quarter with whole experts.
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, tp, Recompute::kNone) - layer_activation_bytes(m, 0, whole, Recompute::kNone),
                   2.0 * 4096 * 2 * 4096 * 3 / 4);
  // Active-parameter rule: matmul FLOPs per token = 2 * active matmul parameters + attention.
  ModelSpec d = load_model("deepseek-v3");
  ShardContext c;
  c.seq_len = 4096;
  ParamCounts p = count_parameters(d);
  // The MTP module's block has its own attention; its head reads the shared output weights.
  const double attn = (d.layers + d.mtp_layers) * 2.0 * 4096 * d.heads * (192 + 128) / 2;
  const double expected = 2.0 * static_cast<double>(p.active - d.vocab * d.hidden) + attn +
                          d.mtp_layers * 2.0 * static_cast<double>(d.vocab * d.hidden);
  EXPECT_NEAR(forward_flops(d, c) / 4096 / expected, 1.0, 0.01);
}

TEST(ModelOps, ActivationMemoryFollowsKorthikanti) {
  ModelSpec m = load_model("gpt3-175b");  // MHA, GELU, ffn = 4h: the paper's layer
  const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  ShardContext ctx;
  ctx.flash_attention = false;
  const double sbh = s * b * h;
  // Without attention dropout the softmax output alone is kept: 2as/h instead of the paper's 5as/h.
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone), sbh * (34 + 2 * a * s / h));
  ctx.attention_dropout = true;  // the paper's layer has it
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone), sbh * (34 + 5 * a * s / h));
  ctx.tp = 8;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone), sbh * (10 + 24 / t + 5 * a * s / (h * t)));
  ctx.sequence_parallel = true;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone), sbh / t * (34 + 5 * a * s / h));
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kSelective), sbh / t * 34);
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kFull), 2 * sbh / t);
  ctx.flash_attention = true;  // no s*s term; only the fp32 log-sum-exp remains
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone), sbh / t * 34 + 4 * s * b * a / t);
  // fp8 keeps the four linear-layer inputs at 1 byte instead of 2: the two norm outputs and the
  // out-proj input (2sbh/t each) and the down-proj input (8sbh/t) halve, 7sbh/t fewer bytes.
  ShardContext fp8 = ctx;
  fp8.saved_gemm_input_bytes = 1;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, ctx, Recompute::kNone) - layer_activation_bytes(m, 0, fp8, Recompute::kNone),
                   7 * sbh / t);
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, fp8, Recompute::kFull), layer_activation_bytes(m, 0, ctx, Recompute::kFull));
}

TEST(ModelOps, ActivationMemoryOfGqaSwigluAndMoe) {
  ShardContext ctx;
  ctx.seq_len = 4096;
  // GQA stores smaller K and V than MHA would.
  ModelSpec gqa = load_model("llama2-70b");
  ModelSpec mha = gqa;
  mha.kv_heads = mha.heads;
  EXPECT_LT(layer_activation_bytes(gqa, 0, ctx, Recompute::kNone), layer_activation_bytes(mha, 0, ctx, Recompute::kNone));
  // A MoE layer keeps top_k copies of each token's expert activations.
  ModelSpec moe = load_model("mixtral-8x7b");
  ModelSpec dense = moe;
  dense.moe.reset();
  // Extra: the permuted tokens (T*top_k*h), fp32 router probabilities (T*E) and a second copy of
  // the SwiGLU expert activations (gate, up and down inputs: 3*T*f).
  const double T = 4096, h = 4096, f = 14336, d = 2;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(moe, 0, ctx, Recompute::kSelective) -
                       layer_activation_bytes(dense, 0, ctx, Recompute::kSelective),
                   d * T * 2 * h + 4 * T * 8 + d * T * 3 * f);
}

TEST(ModelOps, ShardingThatDoesNotDivideIsAnError) {
  ModelSpec m = load_model("llama2-7b");
  ShardContext ctx;
  ctx.tp = 3;
  std::string msg = input_error_of([&] { layer_forward_ops(m, 0, ctx); });
  EXPECT_NE(msg.find("tp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("heads"), std::string::npos) << msg;
  ctx.tp = 1;
  ctx.ep = 2;
  EXPECT_NE(input_error_of([&] { layer_forward_ops(m, 0, ctx); }).find("ep"), std::string::npos);
  ctx.ep = 1;
  EXPECT_NE(input_error_of([&] { layer_forward_ops(m, 32, ctx); }).find("layer 32"), std::string::npos);
}

// Recompute shares per op. Llama 3 8B's block issues seven matmuls (q, k, v, o, gate, up, down):
// torchtitan's op-level policy recomputes the 2nd, 4th and 6th (k, o, up), keeps the attention
// output and recomputes the norms, residuals and activation.
TEST(ModelOps, RecomputeSharesFollowThePolicy) {
  const ModelSpec m = load_model("llama3-8b");
  ShardContext ctx;
  const std::vector<Op> ops = layer_forward_ops(m, 0, ctx);
  auto shares = [&](Recompute r, SelectivePolicy p) {
    const std::vector<double> v = recompute_shares(ops, r, p, 0);
    std::map<std::string, double> by;
    for (size_t i = 0; i < ops.size(); ++i) by[ops[i].name] = v[i];
    return by;
  };
  for (const auto& [name, share] : shares(Recompute::kNone, SelectivePolicy::kAlternateMatmuls)) EXPECT_EQ(share, 0) << name;
  for (const auto& [name, share] : shares(Recompute::kFull, SelectivePolicy::kAttentionCore)) EXPECT_EQ(share, 1) << name;
  for (const auto& [name, share] : shares(Recompute::kSelective, SelectivePolicy::kAttentionCore)) {
    EXPECT_EQ(share, name == "attn" ? 1 : 0) << name;
  }
  auto alt = shares(Recompute::kSelective, SelectivePolicy::kAlternateMatmuls);
  EXPECT_DOUBLE_EQ(alt["qkv"], 8.0 / 48);  // k: 8 of the 32 + 8 + 8 heads' columns
  EXPECT_EQ(alt["attn"], 0);
  EXPECT_EQ(alt["out_proj"], 1);
  EXPECT_DOUBLE_EQ(alt["mlp_up"], 0.5);
  EXPECT_EQ(alt["mlp_down"], 0);
  for (const char* name : {"attn_norm", "mlp_norm", "mlp_act", "attn_residual", "mlp_residual"}) EXPECT_EQ(alt[name], 1) << name;
  // Memory: the block input plus q, v, gate, down outputs and the attention output with its LSE,
  // between full and attention-core recompute.
  double saved = 0;
  recompute_shares(ops, Recompute::kSelective, SelectivePolicy::kAlternateMatmuls, 0, &saved, 2);
  const double T = static_cast<double>(m.seq_len), h = static_cast<double>(m.hidden);
  const double expect = 2 * T * (32 * 128 + 8 * 128 + 14336 + 4096) + 2 * T * 32 * 128 + 4 * T * 32;
  EXPECT_DOUBLE_EQ(saved, expect);
  ShardContext alt_ctx = ctx;
  alt_ctx.selective = SelectivePolicy::kAlternateMatmuls;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, alt_ctx, Recompute::kSelective), 2 * T * h + expect);
  EXPECT_GT(layer_activation_bytes(m, 0, ctx, Recompute::kSelective), 2 * T * h + expect);
}

// NeuronX Distributed's selective checkpoint: the CoreAttention module, which its flash-attention
// path bypasses, and the dense MLP's activation, whose output (the down projection's input) is
// then not kept.
TEST(ModelOps, NxdSelectiveCheckpointRedoesTheUnfusedAttentionAndTheMlpActivation) {
  const ModelSpec m = load_model("llama3-8b");
  for (bool flash : {true, false}) {
    SCOPED_TRACE(flash ? "flash attention" : "unfused attention");
    ShardContext ctx;
    ctx.flash_attention = flash;
    const std::vector<Op> ops = layer_forward_ops(m, 0, ctx);
    const std::vector<double> v =
        recompute_shares(ops, Recompute::kSelective, SelectivePolicy::kUnfusedAttentionMlpAct, 0);
    std::set<std::string> redone;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (v[i] > 0) redone.insert(ops[i].name);
    }
    const std::set<std::string> expected = flash ? std::set<std::string>{"mlp_act"} : std::set<std::string>{"attn", "mlp_act"};
    EXPECT_EQ(redone, expected);
    ShardContext nxd = ctx;
    nxd.selective = SelectivePolicy::kUnfusedAttentionMlpAct;
    const double T = static_cast<double>(m.seq_len), mlp_out = 2 * T * static_cast<double>(m.ffn_hidden);
    // What the attention core keeps under flash attention stays; unfused, Megatron's policy drops it.
    const double core_kept = layer_activation_bytes(m, 0, ctx, flash ? Recompute::kNone : Recompute::kSelective);
    EXPECT_DOUBLE_EQ(layer_activation_bytes(m, 0, nxd, Recompute::kSelective), core_kept - mlp_out);
  }
}

// Megatron-Core's recompute modules: each listed module's ops are redone, and its outputs are no
// longer kept. DeepSeek-V3 (MLA, a dense first layer, MoE with a shared expert) has every module.
TEST(ModelOps, RecomputeModulesRedoTheirOpsAndDropTheirOutputs) {
  const ModelSpec m = load_model("deepseek-v3");
  ShardContext ctx;
  ctx.selective = SelectivePolicy::kModules;
  const int dense = 0, moe = m.moe->dense_layers;
  auto redone = [&](int layer, unsigned mods) {
    const std::vector<Op> ops = layer_forward_ops(m, layer, ctx);
    const std::vector<double> v = recompute_shares(ops, Recompute::kSelective, SelectivePolicy::kModules, mods);
    std::set<std::string> names;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (v[i] == 1) names.insert(ops[i].name);
    }
    return names;
  };
  using S = std::set<std::string>;
  EXPECT_EQ(redone(moe, kRecomputeCoreAttn), S{"attn"});
  EXPECT_EQ(redone(moe, kRecomputeMlaUpProj), (S{"q_up", "kv_up"}));
  EXPECT_EQ(redone(dense, kRecomputeMlp), (S{"mlp_up", "mlp_act", "mlp_down"}));
  EXPECT_EQ(redone(moe, kRecomputeMlp), S{});  // an MoE layer has no dense MLP
  EXPECT_EQ(redone(moe, kRecomputeMoeAct), S{"expert_act"});
  EXPECT_EQ(redone(moe, kRecomputeLayerNorm), (S{"attn_norm", "mlp_norm"}));
  EXPECT_EQ(redone(moe, kRecomputeSharedExperts), (S{"shared_up", "shared_act", "shared_down"}));

  // Memory: the core alone matches the attention-core policy; every other module keeps less.
  ShardContext core = ctx;
  core.recompute_modules = kRecomputeCoreAttn;
  ShardContext attention = ctx;
  attention.selective = SelectivePolicy::kAttentionCore;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, moe, core, Recompute::kSelective),
                   layer_activation_bytes(m, moe, attention, Recompute::kSelective));
  ShardContext none = ctx;
  none.recompute_modules = kRecomputeMoeAct;  // the core is kept when not listed
  ShardContext plain = ctx;
  plain.selective = SelectivePolicy::kAttentionCore;
  const double keep_all = layer_activation_bytes(m, moe, plain, Recompute::kNone);
  const double T = static_cast<double>(m.seq_len), h = static_cast<double>(m.hidden);
  const double slots = T * m.moe->top_k;
  EXPECT_DOUBLE_EQ(keep_all - layer_activation_bytes(m, moe, none, Recompute::kSelective), 2 * slots * m.moe->expert_ffn_hidden);
  ShardContext norms = ctx;
  norms.recompute_modules = kRecomputeLayerNorm;
  EXPECT_DOUBLE_EQ(keep_all - layer_activation_bytes(m, moe, norms, Recompute::kSelective), 2 * 2 * T * h);
  ShardContext up = ctx;
  up.recompute_modules = kRecomputeMlaUpProj;
  EXPECT_DOUBLE_EQ(keep_all - layer_activation_bytes(m, moe, up, Recompute::kSelective), 2 * T * m.heads * (2.0 * 192 + 128));
  ShardContext mlp = ctx;
  mlp.recompute_modules = kRecomputeMlp;
  const double dense_all = layer_activation_bytes(m, dense, plain, Recompute::kNone);
  EXPECT_DOUBLE_EQ(dense_all - layer_activation_bytes(m, dense, mlp, Recompute::kSelective), 2 * T * m.ffn_hidden * 3.0);
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, moe, mlp, Recompute::kSelective), keep_all);
}

}  // namespace
}  // namespace trnsim::model

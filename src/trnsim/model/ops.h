// The work of one transformer layer (and of the embedding and the head) on one rank, op by op:
// FLOPs, HBM bytes and matmul shapes, after tensor / sequence / context / expert sharding.
// Communication is not here: the parallel plan (train/) adds it around these ops.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/model/model_spec.h"

namespace trnsim::model {

enum class OpKind { kMatmul, kAttention, kElementwise, kNorm, kEmbedding, kLoss };

struct Op {
  std::string name;   // qkv, attn, out_proj, mlp_up, mlp_down, router, expert_up, ...
  OpKind kind = OpKind::kMatmul;
  // Matmul / attention shape on this rank: `batch` independent [m x k] @ [k x n] products.
  int64_t m = 0, n = 0, k = 0, batch = 1;
  double flops = 0;          // forward FLOPs on this rank
  double bytes = 0;          // forward HBM traffic on this rank (reads + writes)
  double bwd_bytes = 0;      // backward HBM traffic where it is not twice the forward's (0: twice)
  double weight_params = 0;  // parameters of this op held by this rank
  // False for matmul-like ops that stay 16-bit when the plan's matmuls are 8-bit: the attention
  // core, the MoE router and the output head (Transformer Engine, torchao float8 and AQT int8
  // quantize the transformer block's linear layers only; docs/models.md).
  bool in_matmul_precision = true;
  // Weights that are not trained (LoRA's base model): the backward pass computes the input
  // gradient only, no weight gradient.
  bool frozen = false;
  // The separate matmuls a framework issues for this op, as shares of its FLOPs in issue order:
  // q, k and v of a fused qkv projection, gate and up of a gated up-projection; {1}: one.
  std::array<double, 3> parts = {1, 0, 0};
  // Attention only: one fused flash kernel (scores stay on chip, causal blocks skipped), not the
  // unfused matmul / softmax / matmul path.
  bool flash = false;
};

// Backward HBM traffic of `op`: its own figure, else twice the forward's (the gradient pass reads
// the saved input and the output gradient and writes the input gradient).
inline double backward_bytes(const Op& op) { return op.bwd_bytes > 0 ? op.bwd_bytes : 2.0 * op.bytes; }

// A routed expert's grouped matmul or activation (its weights shard by expert parallelism).
inline bool is_routed_expert(const Op& op) { return op.name.rfind("expert", 0) == 0; }
// Weights of a linear layer that runs in the matmul precision: what fp8 training quantizes, and
// what fp8 parameters (ParallelPlan::fp8_params) hold in fp8.
inline bool quantized_weights(const Op& op) {
  return op.kind == OpKind::kMatmul && op.in_matmul_precision && op.weight_params > 0;
}

enum class Recompute { kNone, kSelective, kFull };

// What selective recompute recomputes. kAttentionCore: the attention core only (Megatron's
// --recompute-activations, Korthikanti et al. 2022). kAlternateMatmuls: torchtitan's op-level
// selective checkpointing, which inside each block saves the attention kernel's output and every
// other matmul's output, counting the separate matmuls in issue order, and recomputes all else.
// kModules: Megatron-Core's --recompute-modules, the listed parts of each block
// (ShardContext::recompute_modules, a set of RecomputeModule bits). kUnfusedAttentionMlpAct:
// NeuronX Distributed's selective checkpoint, which wraps its CoreAttention module (the unfused
// attention path; its NKI flash-attention kernel runs outside it, so nothing of the attention is
// recomputed under flash attention) and the dense MLP's activation (activation_mlp: the gate and
// up projections stay saved, the product the down projection reads is recomputed).
enum class SelectivePolicy { kAttentionCore, kAlternateMatmuls, kModules, kUnfusedAttentionMlpAct };

// Megatron-Core's recompute modules (TransformerConfig.recompute_modules). Each is recomputed from
// its input, which stays saved: the attention core; MLA's query and key-value up-projections; a
// dense layer's MLP; the routed experts' activation; the two pre-norms; the shared experts.
enum RecomputeModule : unsigned {
  kRecomputeCoreAttn = 1u << 0,
  kRecomputeMlaUpProj = 1u << 1,
  kRecomputeMlp = 1u << 2,
  kRecomputeMoeAct = 1u << 3,
  kRecomputeLayerNorm = 1u << 4,
  kRecomputeSharedExperts = 1u << 5,
};
// The module of a layer op (0: none of them).
unsigned recompute_module_of(const Op& op);

// How one rank's share of a layer is cut.
struct ShardContext {
  int64_t micro_batch = 1;
  int64_t seq_len = 0;   // full sequence length (context parallelism divides it); 0: the model's
  int tp = 1, cp = 1, ep = 1;
  int etp = 0;           // tensor parallelism inside routed experts: tp (0) or 1
  bool sequence_parallel = false;
  int dtype_bytes = 2;   // activations and weights in the matmul precision
  // Bytes per element of the linear layers' inputs kept for their backward: 1 under fp8 training
  // (Transformer Engine keeps the fp8 copy it cast for the forward GEMM); 0: dtype_bytes.
  int saved_gemm_input_bytes = 0;
  // The linear layers' weights are frozen (LoRA): a linear's input saved for its weight gradient
  // alone is not kept (Transformer Engine saves a linear's input only when its weight requires a
  // gradient, module/linear.py and layernorm_linear.py, since 2024).
  bool frozen_linears = false;
  bool flash_attention = true;
  bool attention_dropout = false;  // a dropout pass on the attention probabilities (unfused path)
  // The loss as one fused pass over the logits; false: Megatron-LM's vocab-parallel cross-entropy,
  // pass by pass in fp32 (cast, max, subtract, exp, sum, divide; backward scale and cast back).
  bool fused_cross_entropy = true;
  SelectivePolicy selective = SelectivePolicy::kAttentionCore;
  unsigned recompute_modules = 0;  // RecomputeModule bits, under SelectivePolicy::kModules
};

// Forward ops of layer `layer` (0-based) on one rank.
std::vector<Op> layer_forward_ops(const ModelSpec& m, int layer, const ShardContext& ctx);
// Input embedding lookup; output head (logits) and loss, with each multi-token prediction module's
// ops outside its block (its block is layer_forward_ops of the last layer).
std::vector<Op> embedding_forward_ops(const ModelSpec& m, const ShardContext& ctx);
std::vector<Op> head_forward_ops(const ModelSpec& m, const ShardContext& ctx);

// Forward FLOPs of the whole model (every layer, embedding and head) on one rank of a plan without
// pipeline parallelism: the sum of the ops above. Training (forward + backward) is about 3x this.
double forward_flops(const ModelSpec& m, const ShardContext& ctx);
// Checks that `ctx` cuts the model evenly (heads, widths, sequence over tp and cp); throws
// Error(kInput) naming the degree that does not divide it.
void check_shard(const ModelSpec& m, const ShardContext& ctx);


// The share of each op's forward that the backward pass runs again under `r` (0 or 1, or a
// fraction for a fused op whose parts are saved alternately). `modules`: the RecomputeModule bits
// kModules recomputes. With kAlternateMatmuls, `saved_bytes` (when given) receives the bytes the
// saved outputs keep, at `d` bytes per element; routed experts' grouped matmuls count as no matmul
// and are recomputed.
std::vector<double> recompute_shares(const std::vector<Op>& ops, Recompute r, SelectivePolicy policy,
                                     unsigned modules, double* saved_bytes = nullptr, double d = 2);

// Bytes of activations one layer keeps for the backward pass on one rank (the NxD / Megatron
// accounting s*b*h*(34 + 5*a*s/h), divided by the sharding), under a recompute policy.
double layer_activation_bytes(const ModelSpec& m, int layer, const ShardContext& ctx, Recompute r);

}  // namespace trnsim::model

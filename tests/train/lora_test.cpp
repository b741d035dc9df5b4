// LoRA fine-tuning: the adapters beside the targeted linear layers are what a rank trains, so
// they, not the frozen base, set the gradients, the optimizer state and the data-parallel traffic.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/lora.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/stage_layers.h"

namespace trnsim::train::testing {
namespace {

model::Op op_named(const std::vector<model::Op>& ops, const std::string& name) {
  for (const model::Op& op : ops) {
    if (op.name == name) return op;
  }
  ADD_FAILURE() << "no op " << name;
  return {};
}

// Each target names its linear layers, dense, MLA, shared and routed; nothing else carries an
// adapter.
TEST(Lora, TargetsNameTheirLinearLayers) {
  const Experiment dense = experiment(kP5, "llama3-8b", "global_batch: 8, tp: 1, dp: 8, precision: bf16, lora: {rank: 8}");
  const auto ops = model::layer_forward_ops(dense.model, 0, shard_context(dense.model, dense.plan));
  EXPECT_EQ(lora_target_of(op_named(ops, "qkv")), kLoraQkv);
  EXPECT_EQ(lora_target_of(op_named(ops, "out_proj")), kLoraProj);
  EXPECT_EQ(lora_target_of(op_named(ops, "mlp_up")), kLoraFc1);
  EXPECT_EQ(lora_target_of(op_named(ops, "mlp_down")), kLoraFc2);
  EXPECT_EQ(lora_target_of(op_named(ops, "attn")), 0u);
  EXPECT_EQ(lora_target_of(op_named(ops, "attn_norm")), 0u);
  const Experiment moe = experiment(p5(64), "deepseek-v3", "global_batch: 64, tp: 1, dp: 64, ep: 64, precision: bf16, lora: {rank: 8}");
  const auto mops = model::layer_forward_ops(moe.model, moe.model.layers - 1, shard_context(moe.model, moe.plan));
  for (const char* name : {"q_down", "q_up", "kv_down", "kv_up"}) EXPECT_EQ(lora_target_of(op_named(mops, name)), kLoraQkv);
  EXPECT_EQ(lora_target_of(op_named(mops, "shared_up")), kLoraFc1);
  EXPECT_EQ(lora_target_of(op_named(mops, "expert_down")), kLoraFc2);
  EXPECT_EQ(lora_target_of(op_named(mops, "router")), 0u);
}

// Tensor parallelism splits both adapter matrices, as Megatron's parallel adapters do: beside the
// column-parallel qkv, A's r outputs and B's 6144 outputs; beside the row-parallel output
// projection, A's 4096 inputs and B's 4096 outputs. MLA's replicated down-projections keep theirs
// whole.
TEST(Lora, AdaptersFollowTheTensorParallelSplit) {
  const Experiment e = experiment(kP5, "llama3-8b", "global_batch: 8, tp: 4, dp: 2, precision: bf16, lora: {rank: 16}");
  const auto ops = model::layer_forward_ops(e.model, 0, shard_context(e.model, e.plan));
  EXPECT_DOUBLE_EQ(e.plan.adapter_params(op_named(ops, "qkv")), 16.0 * (4096 / 4 + 6144 / 4));
  EXPECT_DOUBLE_EQ(e.plan.adapter_params(op_named(ops, "out_proj")), 16.0 * (4096 / 4 + 4096 / 4));
  EXPECT_DOUBLE_EQ(e.plan.adapter_params(op_named(ops, "mlp_up")), 0);  // not a default target
  EXPECT_DOUBLE_EQ(e.plan.trained_params(op_named(ops, "mlp_up")), 0);
  const Experiment mlp =
      experiment(kP5, "llama3-8b", "global_batch: 8, tp: 4, dp: 2, precision: bf16, lora: {rank: 16, targets: [linear_fc1, linear_fc2]}");
  EXPECT_DOUBLE_EQ(mlp.plan.adapter_params(op_named(ops, "qkv")), 0);
  EXPECT_DOUBLE_EQ(mlp.plan.adapter_params(op_named(ops, "mlp_up")), 16.0 * (4096 / 4 + 2 * 14336 / 4));
  EXPECT_DOUBLE_EQ(mlp.plan.adapter_params(op_named(ops, "mlp_down")), 16.0 * (14336 / 4 + 4096 / 4));
  // Without LoRA a rank trains the op's own weights and holds no adapter.
  const Experiment full = experiment(kP5, "llama3-8b", "global_batch: 8, tp: 4, dp: 2, precision: bf16");
  EXPECT_DOUBLE_EQ(full.plan.trained_params(op_named(ops, "qkv")), op_named(ops, "qkv").weight_params);
  EXPECT_DOUBLE_EQ(full.plan.adapter_params(op_named(ops, "qkv")), 0);
  const Experiment mla = experiment(p5(16), "deepseek-v3", "global_batch: 16, tp: 2, dp: 8, ep: 8, precision: bf16, lora: {rank: 8}");
  const auto mops = model::layer_forward_ops(mla.model, 0, shard_context(mla.model, mla.plan));
  EXPECT_EQ(linear_split(op_named(mops, "q_down")), LinearSplit::kReplicated);
  EXPECT_DOUBLE_EQ(mla.plan.adapter_params(op_named(mops, "q_down")), 8.0 * (7168 + 1536));
  EXPECT_DOUBLE_EQ(mla.plan.adapter_params(op_named(mops, "q_up")), 8.0 * (1536 / 2 + 128 * 192 / 2));
}

// Memory: the frozen base in the parameter type, the adapters beside it; fp32 gradients and
// Adam's fp32 master, m and v for the adapters alone, the optimizer sharded by ZeRO-1 over
// dp x cp; the adapters' saved inputs in place of the frozen linears'. Llama 2 70B, rank 16 on
// qkv (8192 -> 10240) and the output projection, 80 layers.
TEST(Lora, MemoryHoldsTheAdaptersTrainingState) {
  const std::string plan = "global_batch: 8, micro_batch: 1, tp: 1, dp: 4, cp: 2, zero: 1, precision: bf16";
  const Experiment base = experiment(kP5, "llama2-70b", plan);
  const Experiment lora = experiment(kP5, "llama2-70b", plan + ", lora: {rank: 16}");
  const MemoryBreakdown b = memory_per_rank(base.model, base.plan, base.system).per_rank;
  const MemoryBreakdown l = memory_per_rank(lora.model, lora.plan, lora.system).per_rank;
  const double adapters = 80.0 * 16 * ((8192 + 10240) + (8192 + 8192));
  EXPECT_DOUBLE_EQ(l.weights - b.weights, adapters * 2);
  EXPECT_DOUBLE_EQ(l.gradients, adapters * 4);
  EXPECT_DOUBLE_EQ(l.optimizer, adapters * 12 / 8);
  // Activations: a frozen linear keeps no input for a weight gradient; the adapters keep theirs.
  // At 2,048 tokens a rank (cp 2) the attention and MLP inputs and the down projection's input go,
  // the qkv adapter keeps its input, both keep B's, per layer.
  const double T = 2048, d = 2, per_layer = d * T * (-8192 - 8192 - 28672 + 8192 + 16 + 16);
  EXPECT_DOUBLE_EQ(l.activations - b.activations, 80 * per_layer);
  // Full recompute keeps the layer inputs alone, with or without adapters; the layer being
  // recomputed holds the same difference once.
  const MemoryBreakdown bf = memory_per_rank(base.model, experiment(kP5, "llama2-70b", plan + ", recompute: full").plan,
                                             base.system).per_rank;
  const Experiment lf = experiment(kP5, "llama2-70b", plan + ", recompute: full, lora: {rank: 16}");
  EXPECT_DOUBLE_EQ(memory_per_rank(lf.model, lf.plan, lf.system).per_rank.activations - bf.activations, per_layer);
}

// Routed experts' adapters shard with the experts: each of 64 expert ranks trains 1/64 of them,
// and their optimizer state splits over the expert data-parallel replicas.
TEST(Lora, ExpertAdaptersShardWithTheExperts) {
  const std::string plan = "global_batch: 64, tp: 1, dp: 64, ep: 64, zero: 0, precision: bf16, lora: {rank: 8, targets: [linear_fc1]}";
  const Experiment e = experiment(p5(64), "deepseek-v3", plan);
  const auto ops = model::layer_forward_ops(e.model, e.model.layers - 1, shard_context(e.model, e.plan));
  const model::Op up = op_named(ops, "expert_up");
  EXPECT_EQ(up.batch, 256 / 64);
  EXPECT_DOUBLE_EQ(e.plan.adapter_params(up), 8.0 * 4 * (7168 + 2 * 2048));
}

TEST(Lora, BadTargetsAreRefused) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16, lora: {rank: 8, targets: ";
  auto targets = [&](const std::string& list) { return [=] { experiment(kP5, "llama3-8b", plan + list + "}"); }; };
  expect_input_error(targets("[linear_qkv, q_proj]"), {"lora.targets", "unknown layer 'q_proj'", "linear_fc2"});
  expect_input_error(targets("[]"), {"lists no layer"});
  expect_input_error(targets("[linear_qkv, linear_qkv]"), {"'linear_qkv' twice"});
  expect_input_error(targets("linear_qkv"), {"targets"});
}

}  // namespace
}  // namespace trnsim::train::testing

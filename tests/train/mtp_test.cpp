// Multi-token prediction in a training step: the modules sit on the last pipeline chunk with the
// head, cost one block like the last layer plus their projection and second head, and their
// parameters and logits count in that stage's memory.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

// A small MoE model (one dense layer first) in the runs.yaml schema, with `mtp` modules.
std::string moe_model(int mtp) {
  return "{name: tiny-moe, layers: 8, hidden: 2048, heads: 16, kv_heads: 16, head_dim: 128, ffn_hidden: 8192, "
         "activation: swiglu, vocab: 65536, seq_len: 4096, norm: rmsnorm, tied_embeddings: false, "
         "moe: {experts: 16, top_k: 2, shared_experts: 1, expert_ffn_hidden: 1024, dense_layers: 1}, mtp_layers: " +
         std::to_string(mtp) + "}";
}

const char* kPlan = "global_batch: 32, micro_batch: 1, tp: 1, pp: 2, dp: 4, ep: 4, precision: bf16";

TEST(MultiTokenPrediction, ModulesSitOnTheHeadsChunk) {
  const Experiment e = experiment(p5(8), moe_model(1), kPlan);
  for (int g = 0; g < e.plan.pp; ++g) {
    const ChunkLayers c = chunk_layers(e.model, e.plan, g);
    EXPECT_EQ(c.mtp, c.head ? 1 : 0) << "chunk " << g;
  }
}

TEST(MultiTokenPrediction, AddsOneBlockAndAHeadToTheModelFlops) {
  const Experiment without = experiment(p5(8), moe_model(0), kPlan);
  const Experiment with = experiment(p5(8), moe_model(1), kPlan);
  const StepResult a = simulate_step(without), b = simulate_step(with);
  ASSERT_TRUE(a.fits && b.fits);
  // Forward FLOPs of one sequence on one rank without sharding: the module adds a block like the
  // last layer, its projection and its logits, and no more.
  model::ShardContext whole;
  const model::ModelSpec& m = with.model;
  double block = 0, extra = 0;
  for (const model::Op& op : model::layer_forward_ops(m, m.layers - 1, whole)) block += op.flops;
  for (const model::Op& op : model::head_forward_ops(m, whole)) {
    if (op.name.rfind("mtp_", 0) == 0) extra += op.flops;
  }
  EXPECT_GT(extra, 2.0 * 4096 * m.vocab * m.hidden);  // the second logits at least
  const double per_sequence = 3.0 * (block + extra);  // forward and backward
  EXPECT_NEAR(b.model_flops - a.model_flops, per_sequence * with.plan.global_batch, 1e-9 * b.model_flops);
  // The last stage does more work, so the step is longer.
  EXPECT_GT(b.step_time_s, a.step_time_s);
}

TEST(MultiTokenPrediction, TheLastStageHoldsTheModule) {
  const Experiment without = experiment(p5(8), moe_model(0), kPlan);
  const Experiment with = experiment(p5(8), moe_model(1), kPlan);
  const MemoryReport a = memory_per_rank(without.model, without.plan, without.system);
  const MemoryReport b = memory_per_rank(with.model, with.plan, with.system);
  // The last stage, now the fuller one, holds the module's weights and a second set of logits.
  EXPECT_GT(b.per_rank.weights, a.per_rank.weights);
  EXPECT_GT(b.per_rank.activations, a.per_rank.activations);
}

}  // namespace
}  // namespace trnsim::train::testing

// Memory per rank: ZeRO stages shard the terms they should, recompute shrinks activations, the
// pipeline schedule sets the micro-batches in flight, and an oversized plan does not fit.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

// Llama 3 70B on 64 H100s: tp 8 inside each node, dp 8 across nodes.
Experiment llama70b_on_64() {
  return experiment(p5(64), "llama3-70b",
                    "global_batch: 64, tp: 8, pp: 1, dp: 8, zero: 0, recompute: selective, precision: bf16");
}

MemoryBreakdown with_zero(Experiment e, int zero) {
  e.plan.zero = zero;
  return memory_per_rank(e.model, e.plan, e.system).per_rank;
}

TEST(TrainMemory, ZeroStagesShardTheirTerms) {
  const Experiment e = llama70b_on_64();
  const MemoryBreakdown z0 = with_zero(e, 0), z1 = with_zero(e, 1), z2 = with_zero(e, 2), z3 = with_zero(e, 3);
  const double dp = e.plan.dp;
  // ZeRO-1: optimizer state only.
  EXPECT_NEAR(z1.optimizer, z0.optimizer / dp, 1e-6 * z0.optimizer);
  EXPECT_DOUBLE_EQ(z1.gradients, z0.gradients);
  EXPECT_DOUBLE_EQ(z1.weights, z0.weights);
  // ZeRO-2: and gradients.
  EXPECT_DOUBLE_EQ(z2.optimizer, z1.optimizer);
  EXPECT_NEAR(z2.gradients, z0.gradients / dp, 1e-6 * z0.gradients);
  EXPECT_DOUBLE_EQ(z2.weights, z0.weights);
  // ZeRO-3: and weights, at the price of gathered-layer buffers.
  EXPECT_NEAR(z3.weights, z0.weights / dp, 1e-6 * z0.weights);
  EXPECT_DOUBLE_EQ(z3.gradients, z2.gradients);
  EXPECT_GT(z3.buffers, z2.buffers);
  // Activations do not depend on ZeRO.
  EXPECT_DOUBLE_EQ(z0.activations, z3.activations);
  EXPECT_GT(z0.total(), z1.total());
  EXPECT_GT(z1.total(), z2.total());
  EXPECT_GT(z2.total(), z3.total());
}

TEST(TrainMemory, BytesPerParameterFollowMixedPrecisionAdam) {
  Experiment e = llama70b_on_64();
  const MemoryBreakdown b = with_zero(e, 0);
  // bf16 weights, fp32 gradients, fp32 master + m + v.
  EXPECT_NEAR(b.gradients / b.weights, 2.0, 1e-9);
  EXPECT_NEAR(b.optimizer / b.weights, 6.0, 1e-9);
  // About 70.6B / 8 parameters per rank in bf16.
  EXPECT_GT(b.weights, 2 * 8.5e9);
  EXPECT_LT(b.weights, 2 * 9.0e9);
}

// Megatron-Bridge's recipes keep gradients in bf16 (grad_reduce_in_fp32: false): half the buffer.
// fp16 training keeps fp16 gradients whatever the key says.
TEST(TrainMemory, GradientsInTheParameterTypeHalveTheBuffer) {
  Experiment e = llama70b_on_64();
  e.plan.grad_reduce_in_fp32 = false;
  const MemoryBreakdown b = with_zero(e, 0);
  EXPECT_NEAR(b.gradients / b.weights, 1.0, 1e-9);
  EXPECT_NEAR(b.optimizer / b.weights, 6.0, 1e-9);
  e.plan.grad_reduce_in_fp32 = true;
  e.plan.precision = cost::Precision::kFp16;
  EXPECT_NEAR(with_zero(e, 0).gradients / b.weights, 1.0, 1e-9);
}

// Adam's moments in bf16 (DeepSeek-V3, Megatron-Core's precision-aware optimizer): 8 bytes of
// state per parameter instead of 12, and a cheaper optimizer step; read from the training block.
TEST(TrainMemory, Bf16MomentsShrinkTheOptimizerState) {
  const Experiment fp32 = llama70b_on_64();
  const Experiment bf16 = experiment(p5(64), "llama3-70b",
                                     "global_batch: 64, tp: 8, pp: 1, dp: 8, zero: 0, recompute: selective, "
                                     "precision: bf16, optimizer_moments: bf16");
  EXPECT_FALSE(fp32.plan.bf16_moments);
  ASSERT_TRUE(bf16.plan.bf16_moments);
  const MemoryBreakdown a = with_zero(fp32, 0), b = with_zero(bf16, 0);
  EXPECT_NEAR(b.optimizer / b.weights, 4.0, 1e-9);
  EXPECT_DOUBLE_EQ(b.gradients, a.gradients);
  // The optimizer step per parameter (fp32 gradients, so no cast): norm 4, Adam 20 against 28,
  // the copy to the bf16 weights 6, the gradients zeroed 4.
  EXPECT_NEAR(bf16.plan.optimizer_bytes(1e9, 0) / fp32.plan.optimizer_bytes(1e9, 0), 34.0 / 42.0, 1e-12);
  const std::string msg = input_error_of([] {
    experiment(p5(64), "llama3-70b", "global_batch: 64, tp: 8, dp: 8, precision: bf16, optimizer_moments: fp16");
  });
  EXPECT_NE(msg.find("optimizer_moments"), std::string::npos) << msg;
}

// fp8 parameters hold the linear layers' weights in 1 byte: beside a transposed copy on Hopper,
// whose 8-bit GEMMs read one layout only (as many bytes as 16-bit weights), alone on Blackwell.
// Embeddings, norms and the head stay 16-bit; ZeRO-3's shards and gathered layers follow.
TEST(TrainMemory, Fp8ParametersHoldLinearWeightsInOneByte) {
  const std::string plan = "global_batch: 64, tp: 8, dp: 8, recompute: selective, precision: fp8, zero: ";
  for (const char* system : {"{preset: p5.48xlarge, accelerator: h100-sxm, count: 64}",
                             "{preset: b200-hgx, accelerator: b200, count: 64}"}) {
    for (const char* zero : {"1", "3"}) {
      const Experiment e16 = experiment(system, "llama3-70b", plan + zero + ", fp8_params: false");
      const Experiment e8 = experiment(system, "llama3-70b", plan + zero + ", fp8_params: true");
      const MemoryBreakdown b16 = memory_per_rank(e16.model, e16.plan, e16.system).per_rank;
      const MemoryBreakdown b8 = memory_per_rank(e8.model, e8.plan, e8.system).per_rank;
      const LayerFigures f = layer_figures(e8.model, shard_context(e8.model, e8.plan), e8.plan);
      const double linear = f.dense_quantized[0], layers = e8.model.layers;
      EXPECT_GT(linear, 0.99 * f.dense_params[0]);  // norms are the rest
      EXPECT_LT(linear, f.dense_params[0]);
      const bool sharded = e8.plan.shards_weights(), transposed = e8.system.accel.fp8_transpose_copy;
      const double held = sharded ? 1.0 : (transposed ? 2.0 : 1.0);
      const double per_rank = layers * linear / (sharded ? e8.plan.dp : 1);
      EXPECT_NEAR(b16.weights - b8.weights, per_rank * (2.0 - held), 1e-6 * b16.weights) << system << zero;
      const double gathered = sharded ? 2.0 * linear * (2.0 - (transposed ? 2.0 : 1.0)) : 0.0;
      EXPECT_NEAR(b16.buffers - b8.buffers, gathered, 1e-6 * b16.buffers) << system << zero;
      EXPECT_EQ(b16.gradients, b8.gradients);
      EXPECT_EQ(b16.activations, b8.activations);
    }
  }
}

TEST(TrainMemory, RecomputeShrinksActivationsOnly) {
  Experiment e = llama70b_on_64();
  auto mem = [&](model::Recompute r) {
    e.plan.recompute = r;
    return memory_per_rank(e.model, e.plan, e.system).per_rank;
  };
  const MemoryBreakdown none = mem(model::Recompute::kNone), sel = mem(model::Recompute::kSelective),
                        full = mem(model::Recompute::kFull);
  EXPECT_GT(none.activations, sel.activations);
  EXPECT_GT(sel.activations, full.activations);
  EXPECT_DOUBLE_EQ(none.weights, full.weights);
  EXPECT_DOUBLE_EQ(none.optimizer, full.optimizer);
}

TEST(TrainMemory, OffloadedLayersLeaveOnlyTheLayerInTransit) {
  // 80 layers, pp 1: offloading 40 keeps 40 layers' activations plus the one in transit.
  Experiment e = llama70b_on_64();
  e.plan.recompute = model::Recompute::kNone;
  const MemoryBreakdown kept = memory_per_rank(e.model, e.plan, e.system).per_rank;
  e.plan.activation_offload_layers = 40;
  const MemoryBreakdown off = memory_per_rank(e.model, e.plan, e.system).per_rank;
  const double per_layer = model::layer_activation_bytes(e.model, 0, shard_context(e.model, e.plan), model::Recompute::kNone);
  EXPECT_NEAR(kept.activations - off.activations, 39 * per_layer, 1e-6 * kept.activations);
  EXPECT_DOUBLE_EQ(kept.weights, off.weights);
  EXPECT_DOUBLE_EQ(kept.optimizer, off.optimizer);
}

TEST(TrainMemory, GpipeHoldsEveryMicroBatch1F1BOnlyPp) {
  Experiment e = experiment(p5(32), "llama3-8b",
                            "global_batch: 64, tp: 8, pp: 4, dp: 1, pp_schedule: 1f1b, recompute: none, precision: bf16");
  const double one_f_one_b = memory_per_rank(e.model, e.plan, e.system).per_rank.activations;
  e.plan.schedule = PipelineSchedule::kGpipe;
  const double gpipe = memory_per_rank(e.model, e.plan, e.system).per_rank.activations;
  // 64 micro-batches in flight against 4.
  EXPECT_GT(gpipe, 8 * one_f_one_b);
}

TEST(TrainMemory, TrainiumRanksShareTheChip) {
  const Experiment e = experiment(kTrn2, "llama3-8b", "global_batch: 64, tp: 16, dp: 4, precision: bf16");
  const MemoryReport m = memory_per_rank(e.model, e.plan, e.system);
  EXPECT_EQ(m.ranks_per_accel, 4);  // LNC=2: 4 logical cores per Trainium2
  EXPECT_DOUBLE_EQ(m.capacity_per_accel(), static_cast<double>(e.system.accel.hbm_capacity.v));
  EXPECT_DOUBLE_EQ(m.per_accel(), 4 * m.per_rank.total());
}

TEST(TrainMemory, APlanThatDoesNotFitSaysSo) {
  // 70B parameters on one node without sharding: about 157 GB of weights, gradients and Adam per GPU.
  const Experiment e = experiment(kP5, "llama3-70b", "global_batch: 8, tp: 8, dp: 1, zero: 0, precision: bf16");
  const MemoryReport m = memory_per_rank(e.model, e.plan, e.system);
  EXPECT_FALSE(m.fits());
  EXPECT_GT(m.per_rank.total(), m.capacity_per_rank);
  EXPECT_NE(m.describe().find("weights"), std::string::npos);
  const StepResult r = simulate_step(e);
  EXPECT_FALSE(r.fits);
  EXPECT_EQ(r.step_time_s, 0);
  // Validation runs time it anyway.
  StepOptions opts;
  opts.ignore_memory = true;
  const StepResult forced = simulate_step(e, opts);
  EXPECT_FALSE(forced.fits);
  EXPECT_GT(forced.step_time_s, 0);
}

}  // namespace
}  // namespace trnsim::train::testing

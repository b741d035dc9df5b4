// ZB-H1 (pp_schedule: zb-h1) through the whole step: the backward splits into its input-gradient
// task and its weight-gradient GEMMs, which fill the 1F1B cool-down; the work is 1F1B's, the
// bubble smaller, and what the split takes away from overlaps shows.
#include <gtest/gtest.h>

#include <memory>

#include "train_test_util.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train::testing {
namespace {

const std::string kPlan = "global_batch: 64, micro_batch: 1, tp: 8, pp: 4, dp: 2, recompute: selective, precision: bf16";

Experiment with_schedule(const std::string& schedule, const std::string& extra = "") {
  return experiment(p5(64), "llama3-70b", kPlan + ", pp_schedule: " + schedule + extra);
}

TEST(ZeroBubble, RunsTheSameWorkAs1F1BWithASmallerBubble) {
  const Experiment zb = with_schedule("zb-h1"), plain = with_schedule("1f1b");
  EXPECT_EQ(zb.plan.schedule, PipelineSchedule::kZeroBubble);
  const StepResult a = simulate_step(zb), b = simulate_step(plain);
  ASSERT_TRUE(a.fits && b.fits);
  EXPECT_NEAR(a.breakdown.compute_s, b.breakdown.compute_s, 1e-9 * b.step_time_s);
  EXPECT_EQ(a.model_flops, b.model_flops);
  EXPECT_LT(a.breakdown.pp_bubble_s, 0.8 * b.breakdown.pp_bubble_s);
  EXPECT_LT(a.step_time_s, b.step_time_s);
  // Every stage holds as many micro-batches as 1F1B's first stage: no less memory than 1F1B.
  EXPECT_GE(a.memory.per_rank.total(), b.memory.per_rank.total());
}

TEST(ZeroBubble, TheWeightTaskIsTheWeightGradientGemms) {
  const Experiment zb = with_schedule("zb-h1");
  const auto cost = cost::make_cost_model(zb.system, cost::CostOptions{});
  const net::NetworkModel net(zb.system);
  NetworkTimer timer(net);
  const LayerParts lp = layer_parts(zb.model, zb.plan, *cost, timer);
  Time expected;
  for (const model::Op& op : model::layer_forward_ops(zb.model, 0, shard_context(zb.model, zb.plan))) {
    if (op.kind != model::OpKind::kMatmul || op.weight_params <= 0) continue;
    model::Op input_only = op;
    input_only.frozen = true;
    expected += cost->backward(op) - cost->backward(input_only);
  }
  EXPECT_GT(expected, Time());
  EXPECT_EQ(lp.dense.wgrad, expected);
  EXPECT_LT(lp.dense.wgrad, lp.dense.bwd);
  // Outside ZB-H1 nothing is split off.
  const Experiment plain = with_schedule("1f1b");
  EXPECT_EQ(layer_parts(plain.model, plain.plan, *cost, timer).dense.wgrad, Time());
}

TEST(ZeroBubble, WithoutWeightGradientsItIs1F1B) {
  // LoRA trains no base weights: the W tasks are empty and the order is 1F1B's.
  const std::string lora = ", lora: {rank: 16}";
  EXPECT_DOUBLE_EQ(simulate_step(with_schedule("zb-h1", lora)).step_time_s,
                   simulate_step(with_schedule("1f1b", lora)).step_time_s);
}

TEST(ZeroBubble, TensorParallelBulkOverlapLosesItsWeightGradients) {
  // The column-parallel dgrads' reduce-scatter hides behind the weight-gradient GEMM, which ZB-H1
  // moves to its own task: that reduce-scatter shows.
  const std::string overlap = ", sequence_parallel: true, tp_overlap: true";
  const StepResult zb = simulate_step(with_schedule("zb-h1", overlap)), plain = simulate_step(with_schedule("1f1b", overlap));
  EXPECT_GT(zb.breakdown.tp_comm_s, plain.breakdown.tp_comm_s);
  EXPECT_NEAR(simulate_step(with_schedule("zb-h1")).breakdown.tp_comm_s,
              simulate_step(with_schedule("1f1b")).breakdown.tp_comm_s, 1e-12);
}

TEST(ZeroBubble, OneStageIsNoPipelineAndBadNamesAreRefused) {
  EXPECT_EQ(experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 8, dp: 2, pp_schedule: zb-h1, precision: bf16")
                .plan.schedule,
            PipelineSchedule::kNone);
  const std::string msg = input_error_of([] { with_schedule("zb-h2"); });
  EXPECT_NE(msg.find("pp_schedule"), std::string::npos) << msg;
  EXPECT_NE(msg.find("zb-h1"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trnsim::train::testing

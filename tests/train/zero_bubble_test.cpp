// ZB-H1 (pp_schedule: zb-h1) through the whole step: the backward splits into its input-gradient
// task and its weight-gradient GEMMs, which fill the 1F1B cool-down; the work is 1F1B's, the
// bubble smaller, and what the split takes away from overlaps shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "train_test_util.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/lora_adapters.h"
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

TEST(ZeroBubble, UnderLoraTheWeightTaskIsTheAdapters) {
  // LoRA trains no base weights: the W tasks hold the adapters' weight-gradient GEMMs alone, a
  // sliver of the backward, so the step is nearly 1F1B's.
  const Experiment zb = with_schedule("zb-h1", ", lora: {rank: 16}");
  const auto cost = cost::make_cost_model(zb.system, cost::CostOptions{});
  const net::NetworkModel net(zb.system);
  NetworkTimer timer(net);
  const std::vector<model::Op> ops = model::layer_forward_ops(zb.model, 0, shard_context(zb.model, zb.plan));
  const AdapterTimes adapters = adapter_times(ops, zb.plan, group_layout(zb.plan).tp, *cost, timer);
  EXPECT_GT(adapters.wgrad, Time());
  EXPECT_EQ(layer_parts(zb.model, zb.plan, *cost, timer).dense.wgrad, adapters.wgrad);
  const double a = simulate_step(zb).step_time_s, b = simulate_step(with_schedule("1f1b", ", lora: {rank: 16}")).step_time_s;
  EXPECT_LE(a, b);
  EXPECT_GT(a, 0.99 * b);
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

// Under all-to-all overlap a backward hides its partner's all-to-alls behind its compute, slowed
// by overlap_slowdown while they run; under ZB-H1 that compute is B, the backward less its
// weight-gradient GEMMs. Checked exactly against the layer's parts.
TEST(ZeroBubble, OverlappedAllToAllsHideBehindTheInputGradientAlone) {
  double slowdown = 0;
  auto moe = [&](const std::string& schedule) {
    // DeepSeek-V3's experts over 64 GPUs of 8 servers: all-to-alls about as long as the compute.
    const Experiment e = experiment(p5(256), "deepseek-v3",
                                    "global_batch: 256, micro_batch: 1, tp: 1, pp: 4, dp: 64, ep: 64, ep_overlap: true, "
                                    "precision: bf16, pp_schedule: " + schedule);
    const auto cost = cost::make_cost_model(e.system, cost::CostOptions{});
    slowdown = cost->overlap_slowdown();
    const net::NetworkModel net(e.system);
    NetworkTimer timer(net);
    return layer_parts(e.model, e.plan, *cost, timer).moe;
  };
  const Part zb = moe("zb-h1"), plain = moe("1f1b");
  // The all-to-all time and the exposure each way, from what the part keeps.
  auto a2a = [](const Part& c) { return (c.alone_ep_f + c.alone_ep_b + c.ep).seconds() / 2; };
  auto ep_b = [&](const Part& c) { return a2a(c) - c.alone_ep_b.seconds(); };
  auto exposed_beside = [&](double compute, double comm) {
    return std::max(comm, compute + slowdown * std::min(compute, comm)) - compute;
  };
  ASSERT_NEAR(a2a(zb), a2a(plain), 1e-12);
  const double backward = plain.bwd.seconds() - ep_b(plain);  // the layer's compute, no recompute here
  EXPECT_NEAR(ep_b(plain), exposed_beside(backward, a2a(plain)), 1e-9);
  EXPECT_GT(zb.wgrad, Time());
  EXPECT_NEAR(ep_b(zb), exposed_beside(backward - zb.wgrad.seconds(), a2a(zb)), 1e-9);
  EXPECT_GT(std::abs(ep_b(zb) - ep_b(plain)), 1e-5);  // the split matters here
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

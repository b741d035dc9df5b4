// Expert-parallel communication: how many copies of a token the dispatch sends (per expert for
// the all-to-all dispatcher, per rank or per remote domain for the hierarchical one), and what
// overlapping the all-to-alls with compute hides.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/step.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train::testing {
namespace {

model::MoeSpec moe(int experts, int top_k) {
  model::MoeSpec m;
  m.experts = experts;
  m.top_k = top_k;
  m.expert_ffn_hidden = 1024;
  return m;
}

// C(experts - holding, k) / C(experts, k), written out independently of the code under test.
double miss(double experts, double holding, int k) {
  double m = 1;
  for (int i = 0; i < k; ++i) m *= (experts - holding - i) / (experts - i);
  return m;
}

ParallelPlan plan(int ep, ExpertDispatch d) {
  ParallelPlan p;
  p.ep = ep;
  p.ep_dispatch = d;
  return p;
}

TEST(ExpertDispatch, AllToAllSendsOneCopyPerExpert) {
  EXPECT_DOUBLE_EQ(dispatch_copies(moe(256, 8), plan(32, ExpertDispatch::kAllToAll), {32, 1}, 8), 8.0);
}

TEST(ExpertDispatch, InsideOneDomainEachRankGetsATokenOnce) {
  // One expert per rank: top_k distinct ranks, always.
  EXPECT_NEAR(dispatch_copies(moe(8, 2), plan(8, ExpertDispatch::kHierarchical), {8, 1}, 8), 2.0, 1e-12);
  // Two experts per rank: a rank is missed with probability (14/16)(13/15).
  EXPECT_NEAR(dispatch_copies(moe(16, 2), plan(8, ExpertDispatch::kHierarchical), {8, 1}, 8),
              8 * (1 - 14.0 / 16 * 13.0 / 15), 1e-12);
}

TEST(ExpertDispatch, AcrossDomainsOneCopyPerRemoteDomainHit) {
  // ep 32 over four 8-GPU servers; 64 experts per server, top-8 of 256.
  const double remote_hits = 3 * (1 - miss(256, 64, 8));
  const double copies = dispatch_copies(moe(256, 8), plan(32, ExpertDispatch::kHierarchical), {32, 1}, 8);
  EXPECT_NEAR(copies * 24.0 / 32.0, remote_hits, 1e-12);  // the scale-out share of the spread bytes
  EXPECT_LT(copies, 8.0);
  // A group strided past the domain has one member per domain: every hit domain is remote.
  const double strided = dispatch_copies(moe(256, 8), plan(4, ExpertDispatch::kHierarchical), {4, 8}, 8);
  EXPECT_NEAR(strided * 3.0 / 4.0, 3 * (1 - miss(256, 64, 8)), 1e-12);
}

std::string mixtral_plan(const std::string& extra) {
  // Eight experts over eight ranks that span both servers (tp 2 inside).
  return "global_batch: 64, tp: 2, dp: 8, ep: 8, precision: bf16, " + extra;
}

TEST(ExpertDispatch, DispatcherAndOverlapChangeTheExposedAllToAll) {
  auto step = [](const std::string& extra) {
    return simulate_step(experiment(p5(16), "mixtral-8x7b", mixtral_plan(extra)), {.ignore_memory = true});
  };
  const StepResult base = step("");
  const StepResult all = step("ep_dispatch: alltoall");
  const StepResult overlap = step("ep_overlap: true");
  EXPECT_GT(base.breakdown.ep_comm_s, 0);
  EXPECT_GT(all.breakdown.ep_comm_s, base.breakdown.ep_comm_s);
  EXPECT_LT(overlap.breakdown.ep_comm_s, base.breakdown.ep_comm_s);
  EXPECT_LT(overlap.step_time_s, base.step_time_s);
}

// Full recompute runs each MoE layer's forward again before its backward, dispatch and combine
// included: three passes of all-to-alls where selective recompute has two.
TEST(ExpertDispatch, FullRecomputeDispatchesAgain) {
  auto ep = [](const std::string& recompute) {
    const std::string plan = "global_batch: 16, tp: 2, dp: 8, ep: 8, precision: bf16, recompute: " + recompute;
    return simulate_step(experiment(p5(16), "mixtral-8x7b", plan), {.ignore_memory = true}).breakdown.ep_comm_s;
  };
  EXPECT_NEAR(ep("full") / ep("selective"), 1.5, 1e-9);
}

TEST(ExpertDispatch, OverlapNeedsAPartnerMicroBatch) {
  // One stage: the forward of micro-batch i + 1 runs beside the backward of micro-batch i, so the
  // first forward and the last backward expose their all-to-alls. With one micro-batch nothing
  // is hidden; with eight, all but those two tasks hide theirs.
  auto ep = [](int64_t global_batch, bool overlap) {
    const std::string plan = "global_batch: " + std::to_string(global_batch) +
                             ", tp: 2, dp: 8, ep: 8, precision: bf16, ep_overlap: " + (overlap ? "true" : "false");
    return simulate_step(experiment(p5(16), "mixtral-8x7b", plan), {.ignore_memory = true}).breakdown.ep_comm_s;
  };
  EXPECT_NEAR(ep(8, true), ep(8, false), 1e-12);
  const double alone = ep(8, false), paired_mb = (ep(64, true) - alone) / 7;
  EXPECT_LT(paired_mb, alone);
  EXPECT_NEAR(ep(128, true), alone + 15 * paired_mb, 1e-9);
}

TEST(ExpertDispatch, MegatronBridgeOverlapsWhereExpertsSpanServersUnderAnInterleavedPipeline) {
  // Its recipes overlap the expert all-to-alls where the expert group leaves the NVLink domain and
  // the pipeline is interleaved; a run's own ep_overlap wins; never beside full recompute.
  // Four 8-GPU servers, two pipeline stages of 16 ranks: ep 16 spans two servers, ep 8 one.
  auto overlap = [](int ep, const std::string& extra) {
    const std::string plan = "global_batch: 64, tp: 1, pp: 2, dp: 16, ep: " + std::to_string(ep) +
                             ", precision: bf16, framework: NeMo / Megatron-Bridge, " + extra;
    return experiment(p5(32), "deepseek-v3", plan).plan.ep_overlap;
  };
  const std::string interleaved = "pp_schedule: interleaved-1f1b, pp_virtual_stages: 2";
  EXPECT_TRUE(overlap(16, interleaved));
  EXPECT_FALSE(overlap(8, interleaved));
  EXPECT_FALSE(overlap(16, "pp_schedule: 1f1b"));
  EXPECT_FALSE(overlap(16, interleaved + ", ep_overlap: false"));
  EXPECT_TRUE(overlap(8, interleaved + ", ep_overlap: true"));
  EXPECT_FALSE(overlap(16, interleaved + ", recompute: full"));
}

TEST(ExpertDispatch, WholeExpertsFoldTheGroupOntoConsecutiveRanks) {
  // tp 2: with experts split over tp the ep 8 group strides by 2 and spans both servers; with
  // whole experts (expert_tp 1) it is ranks 0-7, one server, and no tensor-parallel traffic is
  // left in the MLP half (Mixtral has no shared expert).
  auto step = [](const std::string& extra) {
    return simulate_step(experiment(p5(16), "mixtral-8x7b", mixtral_plan("sequence_parallel: true, " + extra)),
                         {.ignore_memory = true});
  };
  const StepResult split = step("expert_tp: 2"), whole = step("expert_tp: 1");
  EXPECT_LT(whole.breakdown.ep_comm_s, split.breakdown.ep_comm_s / 2);
  EXPECT_LT(whole.breakdown.tp_comm_s, split.breakdown.tp_comm_s);
  // The same matmul work (element-wise permutes, repeated on every tensor rank when the experts
  // are split, differ by a few parts in 1e5).
  EXPECT_NEAR(whole.model_flops / split.model_flops, 1.0, 1e-4);
  const GroupLayout g = group_layout(experiment(p5(16), "mixtral-8x7b", mixtral_plan("expert_tp: 1")).plan);
  EXPECT_EQ(g.ep.stride, 1);
  EXPECT_EQ(g.expert_dp.size, 2);
  EXPECT_EQ(g.expert_dp.stride, 8);
}

TEST(ExpertDispatch, WholeExpertsHoldAndUpdateTpTimesTheExpertWeights) {
  // Without ZeRO each rank's optimizer runs over every parameter it holds: whole experts are 4x
  // the expert weights of experts split over tp 4 (Mixtral's experts are ~95% of its weights).
  auto optimizer = [](const std::string& etp) {
    return simulate_step(experiment(kP5, "mixtral-8x7b",
                                    "global_batch: 8, tp: 4, dp: 2, precision: bf16, zero: 0, expert_tp: " + etp),
                         {.ignore_memory = true})
        .breakdown.optimizer_s;
  };
  EXPECT_GT(optimizer("1"), 3 * optimizer("4"));
}

TEST(ExpertDispatch, MoeHostOverheadShowsWhereNoAllToAllHidesIt) {
  // No expert or tensor parallelism: nothing hides the host time, so all of it shows, once per
  // MoE layer and micro-batch (Mixtral: 32 MoE layers, 8 micro-batches here).
  const std::string plan = "global_batch: 64, tp: 1, dp: 8, ep: 1, precision: bf16, ";
  auto step = [&](const std::string& host, const std::string& model = "mixtral-8x7b", const std::string& p = "") {
    return simulate_step(experiment(kP5, model, (p.empty() ? plan : p) + "moe_host_overhead: " + host),
                         {.ignore_memory = true});
  };
  const StepResult base = step("0ms"), slow = step("3ms");
  EXPECT_EQ(base.breakdown.host_s, 0);
  EXPECT_NEAR(slow.breakdown.host_s, 8 * 32 * 3e-3, 1e-9);
  EXPECT_NEAR(slow.step_time_s, base.step_time_s + slow.breakdown.host_s, 1e-9 * base.step_time_s);
  EXPECT_NEAR(slow.breakdown.compute_s, base.breakdown.compute_s, 1e-9 * base.breakdown.compute_s);
  // A dense model has no MoE layer to pay it.
  EXPECT_EQ(step("3ms", "llama3-8b").breakdown.host_s, 0);
  // Exposed all-to-alls longer than the host time hide it: the host runs ahead while they run.
  const std::string ep8 = "global_batch: 8, tp: 1, dp: 8, ep: 8, precision: bf16, ";
  const StepResult a2a = step("0ms", "mixtral-8x7b", ep8), hidden = step("1us", "mixtral-8x7b", ep8);
  EXPECT_GT(a2a.breakdown.ep_comm_s, 8 * 32 * 1e-6);
  EXPECT_EQ(hidden.breakdown.host_s, 0);
  EXPECT_EQ(hidden.step_time_s, a2a.step_time_s);
}

TEST(ExpertDispatch, MoeHostOverheadFollowsTheFrameworkAndRefusesANegativeTime) {
  const std::string plan = mixtral_plan("zero: 1");
  const std::string bridge = ", framework: \"NeMo / Megatron-Bridge + Megatron-Core\"";
  const Time fitted = experiment(p5(16), "mixtral-8x7b", plan + bridge).plan.moe_host_overhead;
  EXPECT_GT(fitted, Time());  // configs/frameworks/megatron-bridge.yaml
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan).plan.moe_host_overhead, Time());
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan + bridge + ", moe_host_overhead: 0ms").plan.moe_host_overhead,
            Time());
  const std::string msg = input_error_of([&] { experiment(p5(16), "mixtral-8x7b", plan + ", moe_host_overhead: -1ms"); });
  EXPECT_NE(msg.find("moe_host_overhead"), std::string::npos) << msg;
}

TEST(ExpertDispatch, UnknownDispatcherNamesTheKey) {
  const std::string msg = input_error_of([] { experiment(p5(16), "mixtral-8x7b", mixtral_plan("ep_dispatch: magic")); });
  EXPECT_NE(msg.find("ep_dispatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hierarchical"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trnsim::train::testing

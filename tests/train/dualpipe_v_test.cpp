// DualPipeV (pp_schedule: dualpipe-v): ZB-V's V with DeepSeek's order, whose steady rounds run a
// forward of one chunk beside a backward of the other (partners, behind which expert all-to-alls
// hide) and whose warm-up and cool-down split some backwards into B and W to fill bubbles.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "pipeline_test_util.h"
#include "train_test_util.h"
#include "trnsim/plan/lean_pipeline.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

TEST(DualPipeV, OrderRunsEveryTaskOnceAndPairsTheSteadyRounds) {
  const int pp = 4;
  for (int64_t m : {int64_t{8}, int64_t{9}, int64_t{23}}) {
    for (int s = 0; s < pp; ++s) {
      SCOPED_TRACE(::testing::Message() << "m " << m << " stage " << s);
      const StageOrder order(PipelineSchedule::kDualPipeV, pp, 2, m, s);
      std::map<std::pair<int, int64_t>, int> state;  // 1 F, 2 B split, 3 done
      int64_t paired = 0, alone[2][2] = {{0, 0}, {0, 0}}, in_flight = 0, most = 0, weights = 0;
      int64_t last_f[2] = {-1, -1}, last_b[2] = {-1, -1};
      for (int64_t i = 0; i < order.size(); ++i) {
        const PipelineUnit u = order.at(i);
        ASSERT_LT(u.mb, m);
        int& st = state[std::pair{u.chunk, u.mb}];
        if (u.forward) {
          ASSERT_EQ(st, 0) << "task " << i;
          ASSERT_EQ(u.mb, last_f[u.chunk] + 1);  // micro-batches in order per chunk
          last_f[u.chunk] = u.mb;
          st = 1;
        } else if (u.weight) {
          ASSERT_EQ(st, 2) << "task " << i;
          ++weights;
          st = 3;
        } else {
          ASSERT_EQ(st, 1) << "task " << i;
          ASSERT_EQ(u.mb, last_b[u.chunk] + 1);
          last_b[u.chunk] = u.mb;
          st = u.whole ? 3 : 2;
        }
        in_flight += u.forward ? 1 : (u.weight || u.whole) ? -1 : 0;
        most = std::max(most, in_flight);
        if (u.paired) ++paired;
        if (!u.paired && !u.weight) ++alone[u.chunk][u.forward ? 0 : 1];
        EXPECT_FALSE(u.weight && u.paired);
      }
      EXPECT_EQ(static_cast<int64_t>(state.size()), 2 * m);
      for (const auto& [key, st] : state) EXPECT_EQ(st, 3);
      EXPECT_EQ(in_flight, 0);
      EXPECT_EQ(most, order.peak_in_flight());
      EXPECT_LE(most, 2 * pp + 1);
      EXPECT_EQ(weights, 2 * pp - s - 1);  // W split off in the warm-up and the cool-down
      // Two pairs per steady round (the last stage runs its first pair apart) and a pair in each
      // of the pp - s - 1 rounds after them.
      EXPECT_EQ(paired, 4 * (m - 2 * pp + s + 1) + 2 * (pp - s - 1) - (s == pp - 1 ? 2 : 0));
      for (int c = 0; c < 2; ++c) {
        EXPECT_EQ(order.unpaired_forwards(c), alone[c][0]);
        EXPECT_EQ(order.unpaired_backwards(c), alone[c][1]);
      }
    }
  }
}

TEST(DualPipeV, TasksFollowTheVAndTheLeanPipelineAgrees) {
  for (auto [pp, m] : {std::pair{4, int64_t{8}}, std::pair{4, int64_t{64}}, std::pair{8, int64_t{61}}}) {
    SCOPED_TRACE(::testing::Message() << "pp " << pp << " m " << m);
    const PipelineInput in = dualpipe_v_input(pp, m);
    const PipelineResult r = run_pipeline(in, true);
    int64_t expected = 0;
    for (int s = 0; s < pp; ++s) expected += StageOrder(in.schedule, pp, 2, m, s).size();
    ASSERT_EQ(static_cast<int64_t>(r.tasks.size()), expected);  // no task left waiting
    std::map<std::tuple<int, int64_t, bool>, Time> fwd_end, bwd_end;  // (chunk, mb) of F, B
    for (const PipelineTask& t : r.tasks) {
      EXPECT_EQ(t.stage, chunk_stage(in.schedule, pp, t.chunk));
      if (!t.weight) (t.forward ? fwd_end : bwd_end)[std::tuple{t.chunk, t.micro_batch, true}] = t.end;
    }
    for (const PipelineTask& t : r.tasks) {
      const auto gap = [&](int from) { return chunk_stage(in.schedule, pp, from) == t.stage ? Time() : in.p2p; };
      if (t.forward && t.chunk > 0) {
        EXPECT_GE(t.start, fwd_end.at(std::tuple{t.chunk - 1, t.micro_batch, true}) + gap(t.chunk - 1));
      }
      if (!t.forward && !t.weight && t.chunk < 2 * pp - 1) {
        EXPECT_GE(t.start, bwd_end.at(std::tuple{t.chunk + 1, t.micro_batch, true}) + gap(t.chunk + 1));
      }
      if (t.weight) EXPECT_GE(t.start, bwd_end.at(std::tuple{t.chunk, t.micro_batch, true}));
    }
    const auto lean = plan::lean_pipeline(in, true).stages;
    for (int s = 0; s < pp; ++s) {
      EXPECT_EQ(lean[s].busy, r.stages[s].busy);
      EXPECT_NEAR(lean[s].end.seconds(), r.stages[s].end.seconds(), 1e-3 * r.end.seconds());
    }
  }
}

// Through the whole step of an MoE model: the same work as ZB-V, with the steady rounds' expert
// all-to-alls hidden behind their partners.
TEST(DualPipeV, PairsHideExpertAllToAlls) {
  const std::string plan = "global_batch: 512, micro_batch: 1, tp: 1, pp: 4, dp: 16, ep: 8, recompute: selective, "
                           "precision: bf16, pp_schedule: ";
  const Experiment dual = experiment(p5(64), "mixtral-8x7b", plan + "dualpipe-v"),
                   zbv = experiment(p5(64), "mixtral-8x7b", plan + "zb-v");
  EXPECT_TRUE(dual.plan.ep_overlap);  // DualPipeV's default
  StepOptions o;
  o.ignore_memory = true;
  const StepResult a = simulate_step(dual, o), b = simulate_step(zbv, o);
  EXPECT_EQ(a.model_flops, b.model_flops);
  EXPECT_LT(a.breakdown.ep_comm_s, 0.8 * b.breakdown.ep_comm_s);
  EXPECT_LT(a.step_time_s, b.step_time_s);
  // Stated off, nothing hides.
  const Experiment off = experiment(p5(64), "mixtral-8x7b", plan + "dualpipe-v, ep_overlap: false");
  EXPECT_FALSE(off.plan.ep_overlap);
}

TEST(DualPipeV, TooFewMicroBatchesAreRefused) {
  expect_input_error(
      [] { experiment(p5(64), "llama3-70b", "global_batch: 14, tp: 8, pp: 4, dp: 2, precision: bf16, pp_schedule: dualpipe-v"); },
      {"pp_schedule", "at least 2 x pp = 8"});
}

}  // namespace
}  // namespace trnsim::train::testing

// ZB-V (pp_schedule: zb-v): two model chunks per stage in a V, stage s holding chunks s and
// 2 pp - 1 - s, run in the order of PyTorch's ScheduleZBVZeroBubble with each backward split
// into B and W. With equal task times u per chunk, the only bubble is the V's fill, (pp - 1) u:
// the last stage waits for the first chunks' forwards, and every stage keeps 1F1B's peak
// activation memory (Qi et al. 2024, "Pipeline Parallelism with Controllable Memory").
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "train_test_util.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

PipelineInput v_input(int pp, int64_t m, Time f, Time b, Time w) {
  PipelineInput in;
  in.pp = pp;
  in.virtual_stages = 2;
  in.micro_batches = m;
  in.schedule = PipelineSchedule::kZeroBubbleV;
  in.fwd.assign(static_cast<size_t>(2 * pp), f);
  in.bwd.assign(static_cast<size_t>(2 * pp), b + w);  // B and W together, as the step gives them
  in.wgt.assign(static_cast<size_t>(2 * pp), w);
  return in;
}

TEST(ZeroBubbleV, StageSHoldsChunksSAndTwoPpLessOneLessS) {
  const auto v = PipelineSchedule::kZeroBubbleV;
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(global_chunk(v, 4, 0, s), s);
    EXPECT_EQ(global_chunk(v, 4, 1, s), 7 - s);
    EXPECT_EQ(chunk_stage(v, 4, global_chunk(v, 4, 1, s)), s);
    EXPECT_EQ(chunk_stage(PipelineSchedule::kInterleaved, 4, global_chunk(PipelineSchedule::kInterleaved, 4, 1, s)), s);
  }
}

TEST(ZeroBubbleV, OrderRunsEveryTaskOnceWithin1F1BsPeakMemory) {
  const int pp = 4;
  // Fewer than 2 pp - 1 micro-batches are laid out for 2 pp - 1 and the missing ones skipped.
  for (int64_t m : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{8}, int64_t{21}}) {
    for (int s = 0; s < pp; ++s) {
      SCOPED_TRACE(::testing::Message() << "m " << m << " stage " << s);
      const StageOrder order(PipelineSchedule::kZeroBubbleV, pp, 2, m, s);
      ASSERT_EQ(order.size(), 6 * m);
      std::map<std::pair<int, int64_t>, int> state;  // (chunk, micro-batch): 1 F, 2 B, 3 W done
      int64_t in_flight = 0, most = 0;
      for (int64_t i = 0; i < order.size(); ++i) {
        const PipelineUnit u = order.at(i);
        ASSERT_TRUE(u.chunk == 0 || u.chunk == 1);
        ASSERT_LT(u.mb, m);
        const int next = u.forward ? 1 : u.weight ? 3 : 2;
        int& done = state[std::pair{u.chunk, u.mb}];
        ASSERT_EQ(done, next - 1) << "task " << i;
        done = next;
        in_flight += u.forward ? 1 : u.weight ? -1 : 0;
        most = std::max(most, in_flight);
        EXPECT_FALSE(u.paired);
      }
      EXPECT_EQ(in_flight, 0);
      // 2 pp chunks of half a stage each: 1F1B's first stage, on every stage.
      EXPECT_LE(most, 2 * pp);
      if (m >= 2 * pp) EXPECT_EQ(most, 2 * pp);
      EXPECT_EQ(order.unpaired_forwards(0), m);
      EXPECT_EQ(order.unpaired_backwards(1), m);
    }
  }
}

TEST(ZeroBubbleV, EqualTasksLeaveOnlyTheFill) {
  // u = 0.5 ms for each of F, B and W per chunk: a stage works 3 ms per micro-batch; 1F1B's bubble
  // (pp - 1) x 3 ms, ZB-H1's (pp - 1) x 1 ms, ZB-V's (pp - 1) x 0.5 ms.
  const Time u = Time::us(500);
  for (auto [pp, m] : {std::pair{2, int64_t{4}}, std::pair{4, int64_t{8}}, std::pair{4, int64_t{16}}, std::pair{8, int64_t{32}}}) {
    SCOPED_TRACE(::testing::Message() << "pp " << pp << " m " << m);
    const PipelineResult r = run_pipeline(v_input(pp, m, u, u, u), false);
    EXPECT_NEAR(r.end.seconds() * 1e3, m * 3.0 + (pp - 1) * 0.5, 1e-6);
    for (int s = 0; s < pp; ++s) EXPECT_NEAR(r.stages[s].busy.seconds() * 1e3, m * 3.0, 1e-6);
  }
}

TEST(ZeroBubbleV, TasksFollowTheVAndTheTurnSendsNothing) {
  const int pp = 4;
  const int64_t m = 8;
  PipelineInput in = v_input(pp, m, Time::us(300), Time::us(500), Time::us(250));
  in.p2p = Time::us(40);
  const PipelineResult r = run_pipeline(in, true);
  ASSERT_EQ(r.tasks.size(), static_cast<size_t>(6 * pp * m));
  std::map<std::tuple<int, int64_t, int>, PipelineTask> by;  // (chunk, mb, 0 F / 1 B / 2 W)
  for (const PipelineTask& t : r.tasks) {
    EXPECT_EQ(t.stage, chunk_stage(in.schedule, pp, t.chunk));
    by[std::tuple{t.chunk, t.micro_batch, t.forward ? 0 : t.weight ? 2 : 1}] = t;
  }
  auto end_of = [&](int g, int64_t mb, int kind) { return by.at(std::tuple{g, mb, kind}).end; };
  const int last = 2 * pp - 1;
  for (const auto& [key, t] : by) {
    const auto [g, mb, kind] = key;
    const auto gap = [&](int from) { return chunk_stage(in.schedule, pp, from) == t.stage ? Time() : in.p2p; };
    if (kind == 0 && g > 0) EXPECT_GE(t.start, end_of(g - 1, mb, 0) + gap(g - 1));
    if (kind == 1 && g < last) EXPECT_GE(t.start, end_of(g + 1, mb, 1) + gap(g + 1));
    if (kind == 1 && g == last) EXPECT_GE(t.start, end_of(g, mb, 0));
    if (kind == 2) EXPECT_GE(t.start, end_of(g, mb, 1));
  }
  // The turn (chunk pp - 1 to pp, both on the last stage) can start back to back.
  bool back_to_back = false;
  for (int64_t mb = 0; mb < m; ++mb) back_to_back |= by.at(std::tuple{pp, mb, 0}).start == end_of(pp - 1, mb, 0);
  EXPECT_TRUE(back_to_back);
}

// Through the whole step: the same work as 1F1B and ZB-H1, less bubble than either, and no more
// activation memory than 1F1B's first stage (both ends of the model on the first stage).
TEST(ZeroBubbleV, StepRunsTheSameWorkWithTheSmallestBubble) {
  const std::string plan = "global_batch: 64, micro_batch: 1, tp: 8, pp: 4, dp: 2, recompute: selective, precision: bf16";
  const StepResult v = simulate_step(experiment(p5(64), "llama3-70b", plan + ", pp_schedule: zb-v")),
                   h1 = simulate_step(experiment(p5(64), "llama3-70b", plan + ", pp_schedule: zb-h1")),
                   plain = simulate_step(experiment(p5(64), "llama3-70b", plan + ", pp_schedule: 1f1b"));
  ASSERT_TRUE(v.fits && h1.fits && plain.fits);
  EXPECT_NEAR(v.breakdown.compute_s, plain.breakdown.compute_s, 1e-3 * plain.step_time_s);
  EXPECT_EQ(v.model_flops, plain.model_flops);
  EXPECT_LT(v.breakdown.pp_bubble_s, h1.breakdown.pp_bubble_s);
  EXPECT_LT(v.step_time_s, h1.step_time_s);
  EXPECT_LT(h1.step_time_s, plain.step_time_s);
  EXPECT_NEAR(v.memory.per_rank.activations, plain.memory.per_rank.activations,
              0.05 * plain.memory.per_rank.activations);
}

TEST(ZeroBubbleV, VirtualStagesOtherThanTwoAreRefused) {
  const std::string plan = "global_batch: 64, tp: 8, pp: 4, dp: 2, precision: bf16, pp_schedule: zb-v";
  EXPECT_EQ(experiment(p5(64), "llama3-70b", plan).plan.virtual_stages, 2);
  EXPECT_EQ(experiment(p5(64), "llama3-70b", plan + ", pp_virtual_stages: 2").plan.virtual_stages, 2);
  const std::string msg = input_error_of([&] { experiment(p5(64), "llama3-70b", plan + ", pp_virtual_stages: 3"); });
  EXPECT_NE(msg.find("pp_virtual_stages"), std::string::npos) << msg;
  EXPECT_NE(msg.find("set pp_virtual_stages: 2"), std::string::npos) << msg;
  EXPECT_EQ(experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 8, dp: 2, pp_schedule: zb-v, precision: bf16")
                .plan.schedule,
            PipelineSchedule::kNone);
}

}  // namespace
}  // namespace trnsim::train::testing

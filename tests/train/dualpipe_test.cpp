// DualPipe (pp_schedule: dualpipe): DeepSeek's bidirectional pipeline. Ranks r and pp - 1 - r
// hold the same two model chunks and run DualPipeV's order of stage min(r, pp - 1 - r) on
// mirrored micro-batches, so the step is simulated as DualPipeV on pp / 2 stages with twice the
// data-parallel replicas, the V's turn crossing between the two middle ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "pipeline_test_util.h"
#include "train_test_util.h"
#include "trnsim/plan/lean_pipeline.h"
#include "trnsim/train/layout.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

const std::string kPlan = "global_batch: 64, micro_batch: 1, tp: 8, dp: 2, recompute: selective, zero: 1, "
                          "precision: bf16, ";

Experiment llama70(const std::string& pipeline) { return experiment(p5(64), "llama3-70b", kPlan + pipeline); }

TEST(DualPipe, FoldsIntoDualPipeVOnHalfTheStages) {
  const Experiment dual = llama70("pp: 4, pp_schedule: dualpipe");
  EXPECT_EQ(dual.plan.schedule, PipelineSchedule::kDualPipe);
  EXPECT_EQ(dual.plan.virtual_stages, 1);  // pp chunks, one per rank and direction
  EXPECT_EQ(dual.plan.micro_batches(), 32);
  const ParallelPlan f = simulated_plan(dual.plan);
  EXPECT_EQ(f.schedule, PipelineSchedule::kDualPipeV);
  EXPECT_EQ(f.pp, 2);
  EXPECT_EQ(f.dp, 4);
  EXPECT_EQ(f.virtual_stages, 2);
  EXPECT_TRUE(f.mirrored);
  EXPECT_EQ(f.micro_batches(), 16);  // each direction's half
  // Neighbouring ranks are a stage of the real numbering apart: tp x dp.
  EXPECT_EQ(group_layout(f).pp.stride, 8 * 2);
  EXPECT_EQ(simulated_plan(llama70("pp: 4, pp_schedule: 1f1b").plan).pp, 4);  // others as they are

  // Memory is DualPipeV's on the folded plan; the step that too, plus the turn's transfers.
  const Experiment v = experiment(p5(64), "llama3-70b",
                                  "global_batch: 64, micro_batch: 1, tp: 8, dp: 4, recompute: selective, zero: 1, "
                                  "precision: bf16, pp: 2, pp_schedule: dualpipe-v");
  StepOptions o;
  o.ignore_memory = true;
  const StepResult a = simulate_step(dual, o), b = simulate_step(v, o);
  EXPECT_EQ(a.memory.per_rank.total(), b.memory.per_rank.total());
  EXPECT_EQ(a.model_flops, b.model_flops);
  EXPECT_GT(a.step_time_s, b.step_time_s);
  EXPECT_LT(a.step_time_s, 1.01 * b.step_time_s);
}

// DeepSeek's comparison (deepseek-ai/DualPipe README): twice 1F1B's parameters per rank and
// pp + 1 stages' activations against 1F1B's pp.
TEST(DualPipe, HoldsTwiceTheParametersAndOneMoreStageOfActivations) {
  const int pp = 4;
  const Experiment two = llama70("pp: 4, pp_schedule: dualpipe");
  const MemoryReport dual = memory_per_rank(two.model, two.plan, two.system);
  const Experiment one = llama70("pp: 4, pp_schedule: 1f1b");
  const MemoryReport base = memory_per_rank(one.model, one.plan, one.system);
  // Rank 0: the embedding and 20 layers under 1F1B; both ends and 40 layers under DualPipe.
  EXPECT_NEAR(dual.per_rank.weights / base.per_rank.weights, 2.0, 0.05);
  EXPECT_NEAR(dual.per_rank.gradients / base.per_rank.gradients, 2.0, 0.05);
  // ZeRO-1 shards the optimizer over both copies of a stage: as 1F1B's per rank.
  EXPECT_NEAR(dual.per_rank.optimizer / base.per_rank.optimizer, 1.0, 0.05);
  // The head's logits come on top of the (pp + 1) / pp.
  EXPECT_GT(dual.per_rank.activations / base.per_rank.activations, (pp + 1.0) / pp);
  EXPECT_LT(dual.per_rank.activations / base.per_rank.activations, (pp + 1.0) / pp + 0.05);
}

// DualPipe folded: DualPipeV's input, with the V's turn a transfer between ranks or not.
PipelineInput folded_input(int pp, int64_t m, bool turn_apart) {
  PipelineInput in = dualpipe_v_input(pp, m);
  in.turn_apart = turn_apart;
  return in;
}

TEST(DualPipe, TheTurnCrossesBetweenTheMiddleRanks) {
  for (auto [pp, m] : {std::pair{1, int64_t{4}}, std::pair{2, int64_t{16}}, std::pair{4, int64_t{40}}}) {
    SCOPED_TRACE(::testing::Message() << "folded pp " << pp << " m " << m);
    const PipelineInput in = folded_input(pp, m, true);
    const PipelineResult r = run_pipeline(in, true), local = run_pipeline(folded_input(pp, m, false), false);
    EXPECT_GT(r.end, local.end);
    std::map<std::tuple<int, int64_t>, Time> fwd_end, bwd_end;
    for (const PipelineTask& t : r.tasks) {
      if (!t.weight) (t.forward ? fwd_end : bwd_end)[std::tuple{t.chunk, t.micro_batch}] = t.end;
    }
    int turns = 0;
    for (const PipelineTask& t : r.tasks) {
      // Every hop, the turn included, waits for the transfer from the neighbouring rank.
      if (t.forward && t.chunk > 0) {
        EXPECT_GE(t.start, fwd_end.at(std::tuple{t.chunk - 1, t.micro_batch}) + in.p2p);
        turns += t.chunk == pp;
      }
      if (!t.forward && !t.weight && t.chunk < 2 * pp - 1) {
        EXPECT_GE(t.start, bwd_end.at(std::tuple{t.chunk + 1, t.micro_batch}) + in.p2p);
      }
    }
    EXPECT_EQ(turns, m);
    const auto lean = plan::lean_pipeline(in, true).stages;
    for (int s = 0; s < pp; ++s) {
      EXPECT_EQ(lean[s].busy, r.stages[s].busy);
      EXPECT_NEAR(lean[s].end.seconds(), r.stages[s].end.seconds(), 1e-3 * r.end.seconds());
    }
  }
}

// The fold is exact: DualPipe run directly, rank by rank, as dualpipe.py orders it (rank r runs
// dualpipev.py's order of stage min(r, pp - 1 - r), its phases swapped on the second half; half
// the micro-batches enter at rank 0 and run chunk g on rank g, half at rank pp - 1 and run chunk g
// on rank pp - 1 - g), ends every rank when the folded DualPipeV ends its stage.
TEST(DualPipe, RunRankByRankItEndsAsItsFoldedV) {
  constexpr int64_t kNotYet = INT64_MAX;
  for (auto [ranks, m] : {std::pair{2, int64_t{4}}, std::pair{4, int64_t{8}}, std::pair{8, int64_t{40}}}) {
    SCOPED_TRACE(::testing::Message() << "pp " << ranks << " micro-batches " << m);
    const int half = ranks / 2;
    const int64_t per_way = m / 2;
    PipelineInput in = folded_input(half, per_way, true);
    for (int g = 0; g < ranks; ++g) in.fwd[g] += Time::us(37 * g);  // uneven chunks
    const PipelineResult folded = run_pipeline(in, false);
    // Direct: each task of (direction, micro-batch, chunk) ends at a time; ranks advance in order.
    std::vector<int64_t> f_end(2 * per_way * ranks, kNotYet), b_end(f_end.size(), kNotYet);
    auto slot = [&](int d, int64_t mb, int g) { return (static_cast<size_t>(d) * per_way + mb) * ranks + g; };
    std::vector<StageOrder> orders;
    for (int r = 0; r < ranks; ++r) {
      orders.emplace_back(PipelineSchedule::kDualPipeV, half, 2, per_way, std::min(r, ranks - 1 - r));
    }
    std::vector<int64_t> next(ranks, 0), free(ranks, 0);
    const int64_t hop = in.p2p.ps();
    for (bool progress = true; progress;) {
      progress = false;
      for (int r = 0; r < ranks; ++r) {
        while (next[r] < orders[r].size()) {
          const PipelineUnit u = orders[r].at(next[r]);
          const int d = u.chunk ^ (r >= half ? 1 : 0);
          const int g = d == 0 ? r : ranks - 1 - r;
          int64_t ready = 0;
          if (!u.weight && u.forward && g > 0) {
            ready = f_end[slot(d, u.mb, g - 1)] == kNotYet ? kNotYet : f_end[slot(d, u.mb, g - 1)] + hop;
          } else if (!u.weight && !u.forward) {
            ready = g == ranks - 1 ? f_end[slot(d, u.mb, g)]
                    : b_end[slot(d, u.mb, g + 1)] == kNotYet ? kNotYet : b_end[slot(d, u.mb, g + 1)] + hop;
          }
          if (ready == kNotYet) break;
          const int64_t end = std::max(ready, free[r]) + in.duration(u, g).ps();
          if (!u.weight) (u.forward ? f_end : b_end)[slot(d, u.mb, g)] = end;
          free[r] = end;
          ++next[r];
          progress = true;
        }
      }
    }
    for (int r = 0; r < ranks; ++r) {
      ASSERT_EQ(next[r], orders[r].size()) << "rank " << r << " stalled";
      EXPECT_EQ(Time::ps(free[r]), folded.stages[std::min(r, ranks - 1 - r)].end) << "rank " << r;
    }
  }
}

// Through the whole step of an MoE model: the all-to-alls hide behind the overlapped pairs (on by
// default) and the bubble shrinks, against 1F1B on the same ranks.
TEST(DualPipe, BeatsOneFOneBOnAnMoeModel) {
  const std::string plan = "global_batch: 512, micro_batch: 1, tp: 1, pp: 4, dp: 16, ep: 8, recompute: selective, "
                           "precision: bf16, pp_schedule: ";
  const Experiment dual = experiment(p5(64), "mixtral-8x7b", plan + "dualpipe"),
                   one = experiment(p5(64), "mixtral-8x7b", plan + "1f1b");
  EXPECT_TRUE(dual.plan.ep_overlap);
  StepOptions o;
  o.ignore_memory = true;
  const StepResult a = simulate_step(dual, o), b = simulate_step(one, o);
  EXPECT_EQ(a.model_flops, b.model_flops);
  EXPECT_LT(a.breakdown.ep_comm_s, 0.8 * b.breakdown.ep_comm_s);
  EXPECT_LT(a.breakdown.pp_bubble_s, 0.5 * b.breakdown.pp_bubble_s);
  EXPECT_LT(a.step_time_s, b.step_time_s);
}

TEST(DualPipe, BadPlansNameTheKeyAndTheFix) {
  struct Case {
    std::string system, training, key, text;
  };
  for (const Case& c : std::vector<Case>{
           {p5(24), "global_batch: 64, tp: 8, pp: 3, dp: 1, pp_schedule: dualpipe", "training.pp", "must be even"},
           {p5(64), "global_batch: 12, tp: 8, pp: 4, dp: 2, pp_schedule: dualpipe", "training.pp_schedule",
            "at least 2 x pp = 8"},
           {p5(64), "global_batch: 18, tp: 8, pp: 4, dp: 2, pp_schedule: dualpipe", "training.pp_schedule", "makes 9"},
           {p5(64), "global_batch: 64, tp: 8, pp: 4, dp: 2, pp_schedule: dualpipe, pp_virtual_stages: 2",
            "pp_virtual_stages", "pp_virtual_stages: 1"},
       }) {
    SCOPED_TRACE(c.training);
    const std::string msg = input_error_of([&] { experiment(c.system, "llama3-70b", c.training + ", precision: bf16"); });
    EXPECT_NE(msg.find(c.key), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.text), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace trnsim::train::testing

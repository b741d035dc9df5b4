// Interleaved 1F1B as Megatron-Core runs it. Micro-batch groups (pp_microbatch_group: Megatron-Core's
// microbatch_group_size_per_vp_stage, the N of Llama 3's pipeline): each group of N micro-batches
// runs through every model chunk before the next group starts; pp (the default) gives Megatron's
// classic interleaved order. Larger groups let a step run a micro-batch count that pp does not
// divide, at the price of N - pp more chunk-micro-batches held per extra chunk. With the expert
// all-to-all overlap the warm-up runs one forward more.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "train_test_util.h"
#include "trnsim/plan/lean_pipeline.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/pipeline.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

// Forwards and backwards of `order` in the order it runs them: (micro-batch, chunk) pairs.
std::pair<std::vector<std::pair<int64_t, int>>, std::vector<std::pair<int64_t, int>>> tasks(const StageOrder& order) {
  std::vector<std::pair<int64_t, int>> f, b;
  for (int64_t i = 0; i < order.size(); ++i) {
    const PipelineUnit u = order.at(i);
    (u.forward ? f : b).push_back({u.mb, u.chunk});
  }
  return {f, b};
}

// Megatron-Core's own example (schedules.py, forward_backward_pipelining_with_interleaving): PP 2,
// N 3, M 5, VP 2 gives micro-batches 0 1 2 0 1 2 3 4 3 4 on chunks 0 0 0 1 1 1 0 0 1 1; the
// backwards follow the same table with the chunks reversed.
TEST(MicrobatchGroup, FollowsMegatronsScheduleTable) {
  const std::vector<std::pair<int64_t, int>> table = {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1},
                                                      {2, 1}, {3, 0}, {4, 0}, {3, 1}, {4, 1}};
  for (int stage = 0; stage < 2; ++stage) {
    const StageOrder order(PipelineSchedule::kInterleaved, 2, 2, 5, stage, 3);
    const auto [f, b] = tasks(order);
    EXPECT_EQ(f, table);
    ASSERT_EQ(b.size(), table.size());
    for (size_t k = 0; k < table.size(); ++k) EXPECT_EQ(b[k], std::make_pair(table[k].first, 1 - table[k].second));
    // Warm-up: 2 (pp - s - 1) + (v - 1) N forwards, then the steady state's first pair.
    const int64_t warmup = 2 * (2 - stage - 1) + 3;
    int64_t first_backward = 0;
    while (order.at(first_backward).forward) ++first_backward;
    EXPECT_EQ(first_backward, warmup + 1);
    EXPECT_EQ(order.unpaired_forwards(0) + order.unpaired_forwards(1), 2 * (2 - stage - 1) + 3);
  }
}

// Groups of pp are the classic order; unset means pp.
TEST(MicrobatchGroup, GroupsOfPpAreTheDefault) {
  for (int stage : {0, 2, 3}) {
    const StageOrder a(PipelineSchedule::kInterleaved, 4, 3, 12, stage), b(PipelineSchedule::kInterleaved, 4, 3, 12, stage, 4);
    ASSERT_EQ(a.size(), b.size());
    for (int64_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a.at(i).mb, b.at(i).mb);
      EXPECT_EQ(a.at(i).chunk, b.at(i).chunk);
      EXPECT_EQ(a.at(i).forward, b.at(i).forward);
    }
    // Classic order: micro-batches 0..3 on chunk 0, then on chunks 1 and 2, then 4..7.
    const auto f = tasks(a).first;
    EXPECT_EQ(f[4], std::make_pair(int64_t{0}, 1));
    EXPECT_EQ(f[12], std::make_pair(int64_t{4}, 0));
  }
}

// The unpaired counts by chunk agree with the order itself when the last group is shorter.
TEST(MicrobatchGroup, UnpairedTasksByChunkMatchTheOrder) {
  for (auto [pp, v, m, n] : {std::tuple{4, 2, int64_t{10}, int64_t{5}}, std::tuple{4, 3, int64_t{13}, int64_t{9}},
                             std::tuple{2, 4, int64_t{7}, int64_t{5}}, std::tuple{4, 2, int64_t{4}, int64_t{4}}}) {
    for (int s = 0; s < pp; ++s) {
      SCOPED_TRACE(::testing::Message() << "pp " << pp << " v " << v << " m " << m << " n " << n << " stage " << s);
      const StageOrder order(PipelineSchedule::kInterleaved, pp, v, m, s, n);
      std::vector<int64_t> fwd(v, 0), bwd(v, 0);
      std::vector<int64_t> seen(static_cast<size_t>(m * v), 0);
      for (int64_t i = 0; i < order.size(); ++i) {
        const PipelineUnit u = order.at(i);
        ASSERT_LT(u.mb, m);
        if (u.forward) ++seen[static_cast<size_t>(u.mb * v + u.chunk)];
        if (!u.paired) ++(u.forward ? fwd : bwd)[u.chunk];
      }
      for (int64_t x : seen) EXPECT_EQ(x, 1);  // every chunk-micro-batch once
      for (int c = 0; c < v; ++c) {
        EXPECT_EQ(order.unpaired_forwards(c), fwd[c]) << "chunk " << c;
        EXPECT_EQ(order.unpaired_backwards(c), bwd[c]) << "chunk " << c;
      }
    }
  }
}

PipelineInput grouped(int pp, int v, int64_t m, int64_t n) {
  PipelineInput in;
  in.pp = pp;
  in.virtual_stages = v;
  in.micro_batches = m;
  in.group = n;
  in.schedule = PipelineSchedule::kInterleaved;
  for (int g = 0; g < pp * v; ++g) {
    in.fwd.push_back(Time::us(100 + 7 * g));
    in.bwd.push_back(Time::us(210 + 11 * (g % 3)));
  }
  in.p2p = Time::us(13);
  return in;
}

// With equal chunks and free transfers, groups of at least pp keep the interleaved bubble,
// (pp - 1)(f + b) / v, for micro-batch counts pp does not divide; the planner's lean pipeline
// runs them as the event pipeline does, and extrapolates long steps by whole groups.
TEST(MicrobatchGroup, KeepsTheInterleavedBubbleAndTheLeanPipelineAgrees) {
  const int pp = 4, v = 2;
  for (auto [m, n] : {std::pair{int64_t{10}, int64_t{5}}, std::pair{int64_t{14}, int64_t{5}}, std::pair{int64_t{12}, int64_t{6}}}) {
    SCOPED_TRACE(::testing::Message() << "m " << m << " n " << n);
    PipelineInput in = grouped(pp, v, m, n);
    in.fwd.assign(pp * v, Time::us(500));
    in.bwd.assign(pp * v, Time::us(1000));
    in.p2p = Time();
    const PipelineResult r = run_pipeline(in, false);
    EXPECT_NEAR(r.end.seconds() * 1e3, m * 3.0 + (pp - 1) * 3.0 / v, 1e-6);
  }
  for (auto [m, n] : {std::pair{int64_t{10}, int64_t{5}}, std::pair{int64_t{203}, int64_t{7}}, std::pair{int64_t{200}, int64_t{8}}}) {
    SCOPED_TRACE(::testing::Message() << "m " << m << " n " << n);
    const PipelineInput in = grouped(pp, v, m, n);
    const PipelineResult exact = run_pipeline(in, false);
    const plan::LeanPipelineResult all = plan::lean_pipeline(in, false), fast = plan::lean_pipeline(in, true);
    for (int s = 0; s < pp; ++s) {
      EXPECT_EQ(all.stages[s].end, exact.stages[s].end) << "stage " << s;
      EXPECT_EQ(all.stages[s].busy, exact.stages[s].busy) << "stage " << s;
      EXPECT_NEAR(fast.stages[s].end.seconds(), exact.stages[s].end.seconds(), 1e-3 * exact.end.seconds());
    }
  }
}

const std::string kPlan = "global_batch: 36, micro_batch: 1, tp: 8, pp: 4, dp: 2, recompute: selective, zero: 1, "
                          "precision: bf16, pp_schedule: interleaved-1f1b, pp_virtual_stages: 2";

// The first stage holds (v - 1)(N - pp) more chunk-micro-batches of activations than with groups
// of pp, and simulate runs the step (18 micro-batches: pp does not divide 18, groups of 6 do).
TEST(MicrobatchGroup, LargerGroupsHoldMoreActivations) {
  const Experiment four = experiment(p5(64), "llama3-70b", "global_batch: 32, micro_batch: 1, tp: 8, pp: 4, dp: 2, "
                                                           "precision: bf16, pp_schedule: interleaved-1f1b, "
                                                           "pp_virtual_stages: 2"),
                   eight = experiment(p5(64), "llama3-70b", "global_batch: 32, micro_batch: 1, tp: 8, pp: 4, dp: 2, "
                                                            "precision: bf16, pp_schedule: interleaved-1f1b, "
                                                            "pp_virtual_stages: 2, pp_microbatch_group: 8");
  EXPECT_EQ(four.plan.group(), 4);
  EXPECT_EQ(eight.plan.group(), 8);
  const double a = memory_per_rank(four.model, four.plan, four.system).per_rank.activations,
               b = memory_per_rank(eight.model, eight.plan, eight.system).per_rank.activations;
  // Stage 0 holds 2 (pp - 1) + (v - 1) N + 1 chunks: 11 against 15.
  EXPECT_NEAR(b / a, 15.0 / 11.0, 0.02);

  const Experiment five = experiment(p5(64), "llama3-70b", kPlan + ", pp_microbatch_group: 6");
  StepOptions o;
  o.ignore_memory = true;
  const StepResult r = simulate_step(five, o);
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_GT(r.breakdown.pp_bubble_s, 0);
}

TEST(MicrobatchGroup, BadGroupsNameTheKeyAndTheFix) {
  struct Case {
    std::string training, key, text;
  };
  for (const Case& c : std::vector<Case>{
           // 18 micro-batches on pp 4 with no group: the fix names the smallest that runs them.
           {kPlan, "training.pp_schedule", "set pp_microbatch_group: 6"},
           {kPlan + ", pp_microbatch_group: 3", "training.pp_microbatch_group", "set pp_microbatch_group: 6"},
           {kPlan + ", pp_microbatch_group: 19", "training.pp_microbatch_group", "is 19 with 18"},
           // Groups of 8 leave 2 micro-batches, fewer than pp.
           {kPlan + ", pp_microbatch_group: 8", "training.pp_microbatch_group", "at least pp"},
           {"global_batch: 40, tp: 8, pp: 4, dp: 2, precision: bf16, pp_schedule: 1f1b, pp_microbatch_group: 4",
            "pp_microbatch_group", "remove pp_microbatch_group"},
           {"global_batch: 40, tp: 8, pp: 4, dp: 2, precision: bf16, pp_microbatch_group: 0", "pp_microbatch_group",
            "out of range"},
       }) {
    SCOPED_TRACE(c.training);
    const std::string msg = input_error_of([&] { experiment(p5(64), "llama3-70b", c.training); });
    EXPECT_NE(msg.find(c.key), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.text), std::string::npos) << msg;
  }
}

// The planner interleaves micro-batch counts pp does not divide with the smallest group that runs
// them, and labels such plans with it.
TEST(MicrobatchGroup, ThePlannerGroupsWherePpDoesNotDivide) {
  const Experiment e = experiment(p5(64), "llama3-70b", "global_batch: 40, precision: bf16");
  const plan::SearchSpace space = plan::enumerate_plans(e);
  int grouped = 0;
  for (const ParallelPlan& p : space.plans) {
    if (p.schedule != PipelineSchedule::kInterleaved) continue;
    EXPECT_TRUE(groups_fit(p.micro_batches(), p.pp, p.group()));
    if (p.micro_batches() % p.pp == 0) {
      EXPECT_EQ(p.microbatch_group, 0);
      continue;
    }
    ++grouped;
    EXPECT_EQ(p.group(), smallest_group(p.micro_batches(), p.pp));
    EXPECT_NE(plan::plan_label(p).find(" group " + std::to_string(p.group())), std::string::npos);
  }
  EXPECT_GT(grouped, 0);
  EXPECT_EQ(smallest_group(18, 4), 6);
  EXPECT_EQ(smallest_group(20, 4), 4);
  EXPECT_EQ(smallest_group(22, 4), 6);  // 4 and 5 leave 2; 6 leaves 4
  EXPECT_EQ(smallest_group(3, 4), 0);
}

// Megatron-Core 0.14's all-to-all overlap adds a warm-up forward (schedules.py
// get_pp_rank_microbatches): one more task of each direction runs alone on every stage, and
// every stage holds one more chunk-micro-batch.
TEST(InterleavedEpOverlap, WarmsUpOneForwardMore) {
  for (int s = 0; s < 4; ++s) {
    const StageOrder plain(PipelineSchedule::kInterleaved, 4, 2, 8, s), more(PipelineSchedule::kInterleaved, 4, 2, 8, s, 0, 1);
    EXPECT_EQ(more.unpaired_forwards(0) + more.unpaired_forwards(1), plain.unpaired_forwards(0) + plain.unpaired_forwards(1) + 1);
    EXPECT_EQ(more.unpaired_backwards(0) + more.unpaired_backwards(1),
              plain.unpaired_backwards(0) + plain.unpaired_backwards(1) + 1);
  }
  const std::string moe = "global_batch: 192, micro_batch: 1, tp: 1, pp: 2, dp: 32, ep: 8, precision: bf16, "
                          "moe_host_overhead: 0ms, pp_schedule: interleaved-1f1b, pp_virtual_stages: 2, ep_overlap: ";
  const Experiment on = experiment(p5(64), "mixtral-8x7b", moe + "true"), off = experiment(p5(64), "mixtral-8x7b", moe + "false");
  EXPECT_EQ(on.plan.extra_warmup(), 1);
  EXPECT_EQ(off.plan.extra_warmup(), 0);
  // Every stage holds one chunk-micro-batch more, as groups of pp + 1 (v = 2) would also make it.
  const Experiment wider = experiment(p5(64), "mixtral-8x7b", moe + "false, pp_microbatch_group: 3");
  const double a = memory_per_rank(off.model, off.plan, off.system).per_rank.activations,
               b = memory_per_rank(on.model, on.plan, on.system).per_rank.activations,
               c = memory_per_rank(wider.model, wider.plan, wider.system).per_rank.activations;
  EXPECT_GT(b, a);
  EXPECT_EQ(b, c);
  // Not without interleaving.
  EXPECT_EQ(experiment(p5(64), "mixtral-8x7b",
                       "global_batch: 64, micro_batch: 1, tp: 1, pp: 2, dp: 32, ep: 8, precision: bf16, "
                       "pp_schedule: 1f1b, ep_overlap: true")
                .plan.extra_warmup(),
            0);
}

}  // namespace
}  // namespace trnsim::train::testing

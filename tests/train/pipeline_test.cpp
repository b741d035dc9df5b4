// Pipeline schedules on the event kernel: with equal chunk times and free transfers the step
// lengths are the textbook ones (Narayanan et al. 2021, Sec. 2.2): (m + pp - 1)(f + b) for GPipe
// and 1F1B, a bubble of (pp - 1)(f + b) / v for interleaved 1F1B with v chunks per stage, and for
// ZB-H1 with the backward split into B and W (Qi et al. 2024, Sec. 3) (pp - 1)(f + b_B - w).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "trnsim/train/pipeline.h"

namespace trnsim::train {
namespace {

const Time kF = Time::us(1000), kB = Time::us(2000);

// Equal chunks: a stage's whole forward is f and backward b, split over v chunks.
PipelineInput equal_chunks(PipelineSchedule s, int pp, int64_t m, int v = 1) {
  PipelineInput in;
  in.pp = pp;
  in.virtual_stages = v;
  in.micro_batches = m;
  in.schedule = s;
  in.fwd.assign(static_cast<size_t>(pp * v), Time::ps(kF.ps() / v));
  in.bwd.assign(static_cast<size_t>(pp * v), Time::ps(kB.ps() / v));
  return in;
}

double ms(Time t) { return t.seconds() * 1e3; }

TEST(TrainPipeline, OneFOneBStepIsMPlusPpMinusOneSlots) {
  for (auto [pp, m] : {std::pair{4, int64_t{8}}, std::pair{8, int64_t{8}}, std::pair{2, int64_t{5}}, std::pair{4, int64_t{2}}}) {
    const PipelineResult r = run_pipeline(equal_chunks(PipelineSchedule::kOneFOneB, pp, m), false);
    EXPECT_NEAR(ms(r.end), (m + pp - 1) * 3.0, 1e-6) << "pp " << pp << " m " << m;
  }
}

TEST(TrainPipeline, GpipeHasTheSameStepAs1F1B) {
  for (auto [pp, m] : {std::pair{4, int64_t{8}}, std::pair{8, int64_t{3}}}) {
    const PipelineResult g = run_pipeline(equal_chunks(PipelineSchedule::kGpipe, pp, m), false);
    const PipelineResult o = run_pipeline(equal_chunks(PipelineSchedule::kOneFOneB, pp, m), false);
    EXPECT_NEAR(ms(g.end), (m + pp - 1) * 3.0, 1e-6);
    EXPECT_EQ(g.end, o.end);
  }
}

TEST(TrainPipeline, InterleavingDividesTheBubbleByTheChunks) {
  const int pp = 4;
  const int64_t m = 8;
  for (int v : {2, 4}) {
    const PipelineResult r = run_pipeline(equal_chunks(PipelineSchedule::kInterleaved, pp, m, v), false);
    const double work = m * 3.0, bubble = (pp - 1) * 3.0 / v;
    EXPECT_NEAR(ms(r.end), work + bubble, 1e-6) << "v " << v;
    // Every stage does the same work; the rest of the step is bubble.
    for (int s = 0; s < pp; ++s) EXPECT_NEAR(ms(r.stages[s].busy), work, 1e-6);
  }
  const PipelineResult plain = run_pipeline(equal_chunks(PipelineSchedule::kOneFOneB, pp, m), false);
  const PipelineResult inter = run_pipeline(equal_chunks(PipelineSchedule::kInterleaved, pp, m, 2), false);
  EXPECT_LT(inter.end, plain.end);
}

TEST(TrainPipeline, ZeroBubbleH1CutsTheBubbleToFPlusBLessW) {
  // f 1 ms, b 2 ms of which w 1 ms: 1F1B's bubble (pp - 1) x 3 ms falls to (pp - 1) x 1 ms.
  for (auto [pp, m] : {std::pair{4, int64_t{8}}, std::pair{2, int64_t{4}}, std::pair{8, int64_t{16}}, std::pair{4, int64_t{4}}}) {
    PipelineInput in = equal_chunks(PipelineSchedule::kZeroBubble, pp, m);
    in.wgt.assign(static_cast<size_t>(pp), Time::us(1000));
    const PipelineResult r = run_pipeline(in, false);
    EXPECT_NEAR(ms(r.end), m * 3.0 + (pp - 1) * 1.0, 1e-6) << "pp " << pp << " m " << m;
    for (int s = 0; s < pp; ++s) EXPECT_NEAR(ms(r.stages[s].busy), m * 3.0, 1e-6);
  }
}

TEST(TrainPipeline, ZeroBubbleOrderHoldsAtMostPpMicroBatchesOnAnyStage) {
  const int pp = 4;
  for (int64_t m : {int64_t{2}, int64_t{4}, int64_t{9}}) {
    for (int s = 0; s < pp; ++s) {
      SCOPED_TRACE(testing::Message() << "m " << m << " stage " << s);
      const StageOrder order(PipelineSchedule::kZeroBubble, pp, 1, m, s);
      ASSERT_EQ(order.size(), 3 * m);
      std::vector<int> state(static_cast<size_t>(m), 0);  // 0 none, 1 F, 2 B, 3 W done
      int64_t in_flight = 0, most = 0, paired = 0;
      for (int64_t i = 0; i < order.size(); ++i) {
        const PipelineUnit u = order.at(i);
        const int next = u.forward ? 1 : u.weight ? 3 : 2;
        ASSERT_EQ(state[u.mb], next - 1) << "task " << i;  // F, then B, then W, each once
        state[u.mb] = next;
        in_flight += u.forward ? 1 : u.weight ? -1 : 0;
        most = std::max(most, in_flight);
        if (u.paired) ++paired;
        EXPECT_FALSE(u.weight && u.paired);
      }
      EXPECT_EQ(in_flight, 0);
      EXPECT_LE(most, pp);
      // F and B run in 1F1B's order: its warm-up forwards and cool-down backwards run alone.
      const int64_t alone = std::min<int64_t>(m, pp - s - 1);
      EXPECT_EQ(paired, 2 * (m - alone));
      EXPECT_EQ(order.unpaired_forwards(0), alone);
    }
  }
}

TEST(TrainPipeline, ZeroBubbleWeightTasksFollowTheirBackwardAndEndTheGradients) {
  const int pp = 4;
  const int64_t m = 8;
  PipelineInput in = equal_chunks(PipelineSchedule::kZeroBubble, pp, m);
  in.wgt.assign(static_cast<size_t>(pp), Time::us(800));
  in.p2p = Time::us(50);
  const PipelineResult r = run_pipeline(in, true);
  ASSERT_EQ(r.tasks.size(), static_cast<size_t>(3 * pp * m));
  for (const PipelineTask& t : r.tasks) {
    if (!t.weight) {
      if (!t.forward) EXPECT_EQ(t.end - t.start, kB - Time::us(800));  // B: the backward less W
      continue;
    }
    EXPECT_EQ(t.end - t.start, Time::us(800));
    for (const PipelineTask& b : r.tasks) {
      if (!b.forward && !b.weight && b.chunk == t.chunk && b.micro_batch == t.micro_batch) EXPECT_GE(t.start, b.end);
    }
  }
  // A stage's gradients are final when its last W ends: the window data-parallel reductions use.
  for (int s = 0; s < pp; ++s) {
    Time last_w;
    for (const PipelineTask& t : r.tasks) {
      if (t.stage == s && t.weight) last_w = max(last_w, t.end);
    }
    EXPECT_EQ(r.stages[s].chunks[0].last_bwd_end, last_w) << "stage " << s;
  }
}

TEST(TrainPipeline, OneStageHasNoBubble) {
  for (PipelineSchedule s : {PipelineSchedule::kNone, PipelineSchedule::kOneFOneB, PipelineSchedule::kGpipe}) {
    const PipelineResult r = run_pipeline(equal_chunks(s, 1, 6), false);
    EXPECT_NEAR(ms(r.end), 6 * 3.0, 1e-6);
    EXPECT_EQ(r.stages[0].busy, r.end);
  }
}

TEST(TrainPipeline, WarmUpForwardsAndCoolDownBackwardsRunAlone) {
  // 1F1B: stage s warms up with pp - s - 1 forwards and cools down with as many backwards; the
  // interleaved schedule adds (v - 1) x pp; one stage pairs all but the first forward and the last
  // backward; GPipe pairs none.
  struct Case {
    PipelineSchedule s;
    int pp, v, stage;
    int64_t m, alone;  // unpaired forwards (= backwards) over the stage's chunks
  };
  for (const Case& c : {Case{PipelineSchedule::kOneFOneB, 4, 1, 0, 8, 3}, Case{PipelineSchedule::kOneFOneB, 4, 1, 3, 8, 0},
                        Case{PipelineSchedule::kInterleaved, 4, 2, 0, 8, 10}, Case{PipelineSchedule::kInterleaved, 4, 2, 2, 8, 6},
                        Case{PipelineSchedule::kNone, 1, 1, 0, 6, 1}, Case{PipelineSchedule::kGpipe, 3, 1, 1, 5, 5},
                        Case{PipelineSchedule::kOneFOneB, 8, 1, 0, 2, 2}, Case{PipelineSchedule::kInterleaved, 4, 3, 1, 6, 12}}) {
    SCOPED_TRACE(testing::Message() << "pp " << c.pp << " v " << c.v << " stage " << c.stage);
    const StageOrder order(c.s, c.pp, c.v, c.m, c.stage);
    int64_t fwd = 0, bwd = 0, listed_fwd = 0, listed_bwd = 0;
    for (int k = 0; k < c.v; ++k) {
      fwd += order.unpaired_forwards(k);
      bwd += order.unpaired_backwards(k);
    }
    std::vector<int64_t> per_chunk_fwd(c.v, 0), per_chunk_bwd(c.v, 0);
    for (int64_t i = 0; i < order.size(); ++i) {
      const PipelineUnit u = order.at(i);
      if (u.paired) continue;
      ++(u.forward ? listed_fwd : listed_bwd);
      ++(u.forward ? per_chunk_fwd : per_chunk_bwd)[u.chunk];
    }
    for (int k = 0; k < c.v; ++k) {
      EXPECT_EQ(order.unpaired_forwards(k), per_chunk_fwd[k]) << "chunk " << k;
      EXPECT_EQ(order.unpaired_backwards(k), per_chunk_bwd[k]) << "chunk " << k;
    }
    EXPECT_EQ(fwd, c.alone);
    EXPECT_EQ(bwd, c.alone);
    EXPECT_EQ(listed_fwd, c.alone);
    EXPECT_EQ(listed_bwd, c.alone);
  }
}

TEST(TrainPipeline, TasksThatRunAloneTakeTheirAloneTimes) {
  // 1F1B, 4 stages, 8 micro-batches: stage 0 runs 3 forwards and 3 backwards alone.
  PipelineInput in = equal_chunks(PipelineSchedule::kOneFOneB, 4, 8);
  const PipelineResult paired = run_pipeline(in, false);
  in.fwd_alone.assign(4, kF + Time::us(100));
  in.bwd_alone.assign(4, kB + Time::us(200));
  const PipelineResult alone = run_pipeline(in, false);
  EXPECT_EQ(alone.stages[0].busy - paired.stages[0].busy, Time::us(3 * 300));
  EXPECT_EQ(alone.stages[3].busy, paired.stages[3].busy);
  EXPECT_GT(alone.end, paired.end);
}

TEST(TrainPipeline, TransfersBetweenStagesLengthenTheStep) {
  PipelineInput in = equal_chunks(PipelineSchedule::kOneFOneB, 4, 8);
  const Time free = run_pipeline(in, false).end;
  in.p2p = Time::us(100);
  const Time paid = run_pipeline(in, false).end;
  EXPECT_GT(paid, free);
  // At least the first forward's and the last backward's trips along the pipe are exposed.
  EXPECT_GE(paid - free, in.p2p * (2 * (in.pp - 1)));
}

TEST(TrainPipeline, BlockingSendsHoldTheSendingStage) {
  PipelineInput in = equal_chunks(PipelineSchedule::kOneFOneB, 4, 8);
  in.p2p = Time::us(100);
  const PipelineResult async = run_pipeline(in, true);
  in.blocking_p2p = true;
  const PipelineResult blocking = run_pipeline(in, true);
  for (int s = 0; s < in.pp; ++s) {
    // Every forward but the last stage's and every backward but the first stage's sends.
    const int64_t sends = in.micro_batches * ((s + 1 < in.pp ? 1 : 0) + (s > 0 ? 1 : 0));
    EXPECT_EQ(blocking.stages[s].sends, in.p2p * sends) << "stage " << s;
    EXPECT_EQ(blocking.stages[s].busy - async.stages[s].busy, in.p2p * sends) << "stage " << s;
    EXPECT_EQ(async.stages[s].sends, Time());
  }
  // In the steady state a middle stage's sends add to its cycle, where they travelled beside it.
  EXPECT_GT(blocking.end, async.end);
  // A receiver starts no earlier than its sender's task, which now includes the send.
  for (const PipelineTask& t : blocking.tasks) {
    if (!t.forward || t.chunk == 0) continue;
    for (const PipelineTask& u : blocking.tasks) {
      if (u.forward && u.chunk == t.chunk - 1 && u.micro_batch == t.micro_batch) {
        EXPECT_GE(t.start, u.end);
        EXPECT_EQ(u.end - u.start, kF + in.p2p);
      }
    }
  }
}

TEST(TrainPipeline, TasksRespectDependenciesAndStagesRunOneAtATime) {
  const int pp = 4, v = 2;
  const int64_t m = 8;
  PipelineInput in = equal_chunks(PipelineSchedule::kInterleaved, pp, m, v);
  in.p2p = Time::us(50);
  const PipelineResult r = run_pipeline(in, true);
  ASSERT_EQ(r.tasks.size(), static_cast<size_t>(2 * pp * v * m));
  std::set<std::tuple<int, int64_t, bool>> seen;
  std::vector<std::vector<PipelineTask>> by_stage(pp);
  auto end_of = [&](int chunk, int64_t mb, bool fwd) {
    for (const auto& t : r.tasks) {
      if (t.chunk == chunk && t.micro_batch == mb && t.forward == fwd) return t.end;
    }
    return Time::max();
  };
  const int last = pp * v - 1;
  for (const auto& t : r.tasks) {
    EXPECT_TRUE(seen.insert({t.chunk, t.micro_batch, t.forward}).second) << "task ran twice";
    EXPECT_EQ(t.chunk % pp, t.stage);
    by_stage[t.stage].push_back(t);
    if (t.forward && t.chunk > 0) EXPECT_GE(t.start, end_of(t.chunk - 1, t.micro_batch, true) + in.p2p);
    if (!t.forward && t.chunk < last) EXPECT_GE(t.start, end_of(t.chunk + 1, t.micro_batch, false) + in.p2p);
    if (!t.forward && t.chunk == last) EXPECT_GE(t.start, end_of(t.chunk, t.micro_batch, true));
  }
  for (auto& tasks : by_stage) {
    std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    for (size_t i = 1; i < tasks.size(); ++i) EXPECT_GE(tasks[i].start, tasks[i - 1].end);
  }
}

TEST(TrainPipeline, TheSlowestStageSetsThePace) {
  PipelineInput in = equal_chunks(PipelineSchedule::kOneFOneB, 4, 16);
  const Time even = run_pipeline(in, false).end;
  in.fwd[2] = kF * 2;
  in.bwd[2] = kB * 2;
  const PipelineResult r = run_pipeline(in, false);
  // Stage 2 alone needs 16 x 6 ms.
  EXPECT_GE(ms(r.end), 16 * 6.0);
  EXPECT_GT(r.end, even);
}

// Interleaved 1F1B with one round of micro-batches runs each chunk's backwards together, the last
// chunk first (Megatron's order): chunk v-1's last backward ends long before chunk 0's, which ends
// the stage. Plain 1F1B's one chunk ends with the stage.
TEST(TrainPipeline, ChunkWindowsFollowTheSchedule) {
  const int pp = 4, v = 3;
  const PipelineResult r = run_pipeline(equal_chunks(PipelineSchedule::kInterleaved, pp, pp, v), true);
  for (int s = 0; s < pp; ++s) {
    const StageTimes& st = r.stages[s];
    ASSERT_EQ(st.chunks.size(), static_cast<size_t>(v));
    EXPECT_EQ(st.chunks[0].last_bwd_end, st.end);
    for (int c = 1; c < v; ++c) {
      EXPECT_LT(st.chunks[c].last_bwd_end, st.chunks[c - 1].last_bwd_end);
      EXPECT_GT(st.chunks[c].first_fwd_start, st.chunks[c - 1].first_fwd_start);
    }
    // The windows are those of real tasks.
    for (int c = 0; c < v; ++c) {
      const ChunkWindow& w = st.chunks[c];
      EXPECT_EQ(w.last_bwd_end - w.last_bwd_start, Time::ps(kB.ps() / v));
      EXPECT_EQ(w.first_fwd_end - w.first_fwd_start, Time::ps(kF.ps() / v));
    }
  }
  const PipelineResult one = run_pipeline(equal_chunks(PipelineSchedule::kOneFOneB, pp, 8), false);
  for (const StageTimes& st : one.stages) EXPECT_EQ(st.chunks[0].last_bwd_end, st.end);
}

}  // namespace
}  // namespace trnsim::train

// Context parallelism's key-value exchange (train/context_parallel.h): a ring hides behind every
// attention block, PyTorch's all-gather behind the rank's own block only; repeated key-value heads
// carry every query head; torchtitan's framework file picks both; full recompute repeats the
// forward's exchange.
#include <gtest/gtest.h>

#include <vector>

#include "train_test_util.h"
#include "trnsim/train/context_parallel.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

// Collectives at 1 GB/s whatever the group, remembering the bytes of each call.
class RecordingTimer : public CollectiveTimer {
 public:
  Time time(net::CollectiveKind kind, double bytes, const net::Group& g) override {
    calls.push_back({kind, bytes});
    return g.size <= 1 ? Time() : Time::from_seconds(bytes / 1e9);
  }
  int64_t ranks_per_domain() const override { return 8; }
  std::vector<std::pair<net::CollectiveKind, double>> calls;
};

const std::string kPlan = "global_batch: 8, micro_batch: 1, tp: 8, cp: 4, dp: 2, precision: bf16";

TEST(ContextParallel, RingHidesBehindEveryBlockAllGatherBehindTheFirst) {
  const Experiment ring = experiment(p5(64), "llama3-8b", kPlan);
  const Experiment gather = experiment(p5(64), "llama3-8b", kPlan + ", cp_kv_exchange: allgather");
  ASSERT_EQ(ring.plan.cp_kv_exchange, CpKvExchange::kRing);  // the default
  ASSERT_EQ(gather.plan.cp_kv_exchange, CpKvExchange::kAllGather);
  const double tokens = 8192.0 / 4;
  // K and V of 8 kv heads over tp 8: one head each, 2 x 2048 x 128 x 2 bytes = 1 MiB per rank.
  const double kv = 2 * tokens * 1 * 128 * 2;
  const Time step = Time::from_seconds(kv / 1e9), attn_f = Time::us(5000), attn_b = Time::us(10000);
  RecordingTimer t;
  const CpExchange r = cp_exchange(ring.model, ring.plan, tokens, attn_f, attn_b, t, 0.0);
  EXPECT_EQ(r.fwd, Time());  // 3 transfers of 1 ms hide behind 5 ms of attention
  EXPECT_EQ(r.bwd, Time());
  ASSERT_FALSE(t.calls.empty());
  EXPECT_DOUBLE_EQ(t.calls.front().second, kv);
  // The all-gather (4 MiB, 4.2 ms) hides only behind the first of 4 blocks (1.25 ms forward,
  // 2.5 ms backward); the backward's dK and dV ring (3.1 ms) hides behind the other three.
  RecordingTimer g;
  const CpExchange a = cp_exchange(gather.model, gather.plan, tokens, attn_f, attn_b, g, 0.0);
  const Time all = Time::from_seconds(4 * kv / 1e9);
  EXPECT_EQ(a.fwd, all - Time::us(1250));
  EXPECT_EQ(a.bwd, all - Time::us(2500));
  // With little attention to hide behind, the ring shows too.
  RecordingTimer g2;
  const CpExchange tiny = cp_exchange(gather.model, gather.plan, tokens, Time::us(400), Time::us(800), g2, 0.0);
  EXPECT_EQ(tiny.bwd, (all - Time::us(200)) + (step * 3 - Time::us(600)));
}

TEST(ContextParallel, RepeatedKeyValueHeadsCarryEveryQueryHead) {
  const Experiment plain = experiment(p5(64), "llama3-8b", kPlan);
  const Experiment repeat = experiment(p5(64), "llama3-8b", kPlan + ", cp_repeat_kv: true");
  RecordingTimer a, b;
  cp_exchange(plain.model, plain.plan, 2048, Time::us(1), Time::us(1), a, 0.0);
  cp_exchange(repeat.model, repeat.plan, 2048, Time::us(1), Time::us(1), b, 0.0);
  EXPECT_DOUBLE_EQ(b.calls.front().second / a.calls.front().second, 32.0 / 8.0);  // Llama 3 8B: 32 heads, 8 kv
}

// Memory: the layer's K and V of other ranks, two shards on a ring, all cp under the all-gather.
TEST(ContextParallel, ExchangeBuffersCountInMemory) {
  const Experiment ring = experiment(p5(64), "llama3-8b", kPlan);
  const Experiment gather = experiment(p5(64), "llama3-8b", kPlan + ", cp_kv_exchange: allgather, cp_repeat_kv: true");
  const double kv = cp_kv_bytes(gather.model, gather.plan, 8192.0 / 4);
  EXPECT_DOUBLE_EQ(kv, 2.0 * 2048 * 4 * 128 * 2);  // 32 heads over tp 8, repeated
  const MemoryReport a = memory_per_rank(ring.model, ring.plan, ring.system);
  const MemoryReport b = memory_per_rank(gather.model, gather.plan, gather.system);
  EXPECT_NEAR(b.per_rank.buffers - a.per_rank.buffers, 4 * kv - 2 * kv / 4, 1.0);
  EXPECT_EQ(b.per_rank.activations, a.per_rank.activations);
}

// torchtitan's defaults (configs/frameworks/torchtitan.yaml): PyTorch's all-gather rotation and
// repeated heads; a run's own keys win. Through the whole step the exchange then shows, and full
// recompute pays the forward's part twice.
TEST(ContextParallel, TorchtitanAllGathersRepeatedHeads) {
  const std::string titan = kPlan + ", framework: torchtitan";
  const Experiment e = experiment(p5(64), "llama3-8b", titan);
  EXPECT_EQ(e.plan.cp_kv_exchange, CpKvExchange::kAllGather);
  EXPECT_TRUE(e.plan.cp_repeat_kv);
  const Experiment own = experiment(p5(64), "llama3-8b", titan + ", cp_kv_exchange: ring, cp_repeat_kv: false");
  EXPECT_EQ(own.plan.cp_kv_exchange, CpKvExchange::kRing);
  EXPECT_FALSE(own.plan.cp_repeat_kv);
  StepOptions o;
  o.ignore_memory = true;
  const double shown = simulate_step(e, o).breakdown.cp_comm_s, hidden = simulate_step(own, o).breakdown.cp_comm_s;
  EXPECT_GT(shown, hidden);
  const double full = simulate_step(experiment(p5(64), "llama3-8b", titan + ", recompute: full"), o).breakdown.cp_comm_s;
  EXPECT_GT(full, shown);
  const std::string msg = input_error_of([] { experiment(p5(64), "llama3-8b", kPlan + ", cp_kv_exchange: ulysses"); });
  EXPECT_NE(msg.find("cp_kv_exchange"), std::string::npos) << msg;
  EXPECT_NE(msg.find("allgather"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trnsim::train::testing

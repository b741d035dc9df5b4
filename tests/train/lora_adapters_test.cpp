// LoRA's adapters as work: their GEMMs and passes beside each targeted layer, the collectives
// Megatron's parallel adapters run on the tensor-parallel group, and what they keep for the
// backward pass.
#include <gtest/gtest.h>

#include <tuple>

#include "train_test_util.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/lora_adapters.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

using net::CollectiveKind;

model::Op op_named(const Experiment& e, const std::string& name) {
  for (const model::Op& op : model::layer_forward_ops(e.model, 0, shard_context(e.model, e.plan))) {
    if (op.name == name) return op;
  }
  ADD_FAILURE() << "no op " << name;
  return {};
}

// The collectives of one adapter as (kind, bytes, backward) triples, in order.
std::vector<std::tuple<CollectiveKind, double, bool>> comms(const AdapterWork& w) {
  std::vector<std::tuple<CollectiveKind, double, bool>> out;
  for (const AdapterComm& c : w.comms) out.emplace_back(c.kind, c.bytes, c.backward);
  return out;
}

const std::string kPlan = "global_batch: 8, micro_batch: 1, tp: 4, dp: 2, precision: fp8, lora: {rank: 16";

// Llama 2 70B at tp 4 with sequence parallelism and Transformer Engine's overlap, 4096 tokens:
// beside qkv (8192 -> 10240 / 4) A takes r / tp = 4 outputs and B 2560, and the adapter gathers
// its own input; beside the output projection (2048 -> 8192) A is reduced and B's output
// gathered whole, then split to the sequence shard.
TEST(LoraAdapters, ColumnAndRowAdaptersUnderSequenceParallelism) {
  const Experiment e = experiment(kP5, "llama2-70b", kPlan + "}, tp_overlap: true");
  const AdapterWork qkv = adapter_work(op_named(e, "qkv"), e.plan);
  ASSERT_EQ(qkv.ops.size(), 4u);  // no dropout: A, B, scale, sum
  EXPECT_EQ(qkv.ops[0].name, "lora_a");
  EXPECT_EQ(qkv.ops[0].m, 4096);
  EXPECT_EQ(qkv.ops[0].n, 4);
  EXPECT_EQ(qkv.ops[0].k, 8192);
  EXPECT_FALSE(qkv.ops[0].in_matmul_precision);  // 16-bit under an fp8 plan
  EXPECT_FALSE(qkv.ops[0].frozen);
  EXPECT_EQ(qkv.ops[1].n, 2560);
  EXPECT_EQ(qkv.ops[1].k, 16);
  const double d = 2, m = 4096;
  using V = std::vector<std::tuple<CollectiveKind, double, bool>>;
  EXPECT_EQ(comms(qkv), (V{{CollectiveKind::kAllGather, d * m * 16, false},
                           {CollectiveKind::kAllReduce, d * m * 16, true},
                           {CollectiveKind::kAllGather, d * m * 8192, false},
                           {CollectiveKind::kReduceScatter, d * m * 8192, true}}));
  // A's gathered input and B's input.
  EXPECT_DOUBLE_EQ(qkv.saved_bytes, d * m * 8192 + d * m * 16);
  const AdapterWork proj = adapter_work(op_named(e, "out_proj"), e.plan);
  EXPECT_EQ(proj.ops[0].k, 2048);
  EXPECT_EQ(proj.ops[0].n, 16);
  EXPECT_EQ(proj.ops[1].n, 2048);
  EXPECT_EQ(comms(proj), (V{{CollectiveKind::kAllReduce, d * m * 16, false},
                            {CollectiveKind::kAllReduce, d * m * 16, true},
                            {CollectiveKind::kAllGather, d * m * 8192, false},
                            {CollectiveKind::kAllGather, d * m * 8192, true}}));
  // Its input is the attention output, which flash attention keeps anyway.
  EXPECT_DOUBLE_EQ(proj.saved_bytes, d * m * 16);
  // lora.a2a: one all-to-all of the rank's 4096 x 2048 output each way instead.
  const Experiment a2a = experiment(kP5, "llama2-70b", kPlan + ", a2a: true}, tp_overlap: true");
  EXPECT_EQ(comms(adapter_work(op_named(a2a, "out_proj"), a2a.plan)),
            (V{{CollectiveKind::kAllReduce, d * m * 16, false},
               {CollectiveKind::kAllReduce, d * m * 16, true},
               {CollectiveKind::kAllToAll, d * m * 2048, false},
               {CollectiveKind::kAllToAll, d * m * 2048, true}}));
  // Nothing beside the MLP, which is not a default target.
  EXPECT_TRUE(adapter_work(op_named(e, "mlp_up"), e.plan).ops.empty());
}

// Without the overlap Transformer Engine hands the adapter the norm's output gathered; without
// sequence parallelism the input is whole and A's input gradient is all-reduced; at tp 1 there
// is nothing to communicate.
TEST(LoraAdapters, CollectivesFollowTheSharding) {
  const double d = 2, m = 4096;
  const Experiment plain = experiment(kP5, "llama2-70b", kPlan + "}, tp_overlap: false");
  EXPECT_EQ(adapter_work(op_named(plain, "qkv"), plain.plan).comms.size(), 2u);
  const Experiment no_sp = experiment(kP5, "llama2-70b", kPlan + "}, sequence_parallel: false");
  using V = std::vector<std::tuple<CollectiveKind, double, bool>>;
  EXPECT_EQ(comms(adapter_work(op_named(no_sp, "qkv"), no_sp.plan)),
            (V{{CollectiveKind::kAllGather, d * m * 16, false},
               {CollectiveKind::kAllReduce, d * m * 16, true},
               {CollectiveKind::kAllReduce, d * m * 8192, true}}));
  // B's output gathered forward; its gradient is split, no traffic.
  EXPECT_EQ(comms(adapter_work(op_named(no_sp, "out_proj"), no_sp.plan)),
            (V{{CollectiveKind::kAllReduce, d * m * 16, false},
               {CollectiveKind::kAllReduce, d * m * 16, true},
               {CollectiveKind::kAllGather, d * m * 8192, false}}));
  const Experiment tp1 = experiment(kP5, "llama2-70b", "global_batch: 8, tp: 1, dp: 8, precision: bf16, lora: {rank: 16}");
  EXPECT_TRUE(adapter_work(op_named(tp1, "qkv"), tp1.plan).comms.empty());
  EXPECT_EQ(adapter_work(op_named(tp1, "qkv"), tp1.plan).ops[0].n, 16);
}

// Dropout on the adapter's input: a pass of its own and a 1-byte mask per input element; the
// output projection's adapter then keeps its dropped input too.
TEST(LoraAdapters, DropoutAddsAPassAndItsMask) {
  const Experiment e = experiment(kP5, "llama2-70b", kPlan + ", dropout: 0.1}, tp_overlap: true");
  const AdapterWork qkv = adapter_work(op_named(e, "qkv"), e.plan);
  ASSERT_EQ(qkv.ops.size(), 5u);
  EXPECT_EQ(qkv.ops[0].name, "lora_dropout");
  const double d = 2, m = 4096, local = m / 4 * 8192;  // before the adapter's own gather
  EXPECT_DOUBLE_EQ(qkv.ops[0].bytes, local * (2 * d + 1));
  EXPECT_DOUBLE_EQ(qkv.saved_bytes, d * m * 8192 + d * m * 16 + local);
  const AdapterWork proj = adapter_work(op_named(e, "out_proj"), e.plan);
  EXPECT_DOUBLE_EQ(proj.saved_bytes, d * m * 2048 + d * m * 16 + m * 2048);
}

// In the step: the adapters' GEMMs take compute that grows with the rank, and their collectives
// show as tensor-parallel time; the all-to-all path exposes less than the gather.
TEST(LoraAdapters, TheStepPaysForTheAdapters) {
  auto step = [](const std::string& lora) {
    StepOptions o;
    o.ignore_memory = true;
    const std::string plan = "global_batch: 8, micro_batch: 1, tp: 4, dp: 2, precision: fp8, tp_overlap: true";
    return simulate_step(experiment(kP5, "llama2-70b", plan + ", lora: {" + lora + "}"), o).breakdown;
  };
  const StepBreakdown r16 = step("rank: 16"), r256 = step("rank: 256"), a2a = step("rank: 16, a2a: true"),
                      drop = step("rank: 16, dropout: 0.1");
  EXPECT_GT(r256.compute_s, r16.compute_s);
  EXPECT_GT(r256.tp_comm_s, r16.tp_comm_s);  // A's rank-r outputs are gathered and reduced
  EXPECT_LT(a2a.tp_comm_s, r16.tp_comm_s);
  EXPECT_DOUBLE_EQ(a2a.compute_s, r16.compute_s);
  EXPECT_GT(drop.compute_s, r16.compute_s);
  EXPECT_DOUBLE_EQ(drop.tp_comm_s, r16.tp_comm_s);
}

TEST(LoraAdapters, BadSettingsAreRefused) {
  auto with = [&](const std::string& keys) { return [=] { experiment(kP5, "llama2-70b", kPlan + ", " + keys + "}"); }; };
  expect_input_error(with("dropout: 1.5"), {"dropout", "1.5"});
  expect_input_error(with("dropout: -0.1"), {"dropout"});
  expect_input_error(with("a2a: sometimes"), {"a2a"});
  expect_input_error(with("dropout_position: post"), {"dropout_position"});
}

}  // namespace
}  // namespace trnsim::train::testing

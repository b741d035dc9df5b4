// The op profile: every op of one micro-batch on one rank, timed by the step's own cost model, so
// that its parts add up to the step's compute where nothing else runs on the compute stream.
#include <gtest/gtest.h>

#include <set>

#include "train_test_util.h"
#include "trnsim/train/op_profile.h"
#include "trnsim/train/stage_layers.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

TEST(TrainOpProfile, PartsAddUpToTheStepsCompute) {
  // No tensor or pipeline parallelism, no recompute: the compute stream runs only these ops.
  const Experiment e = experiment(kP5, "llama3-8b", "global_batch: 16, micro_batch: 1, tp: 1, dp: 8, precision: bf16");
  const std::vector<OpTiming> ops = op_profile(e);
  double embedding = 0, layer = 0, head = 0;
  size_t layer_ops = 0;
  for (const OpTiming& t : ops) {
    EXPECT_GT(t.fwd.seconds(), 0) << t.op.name;
    EXPECT_GT(t.bwd.seconds(), 0) << t.op.name;
    const double s = (t.fwd + t.bwd).seconds();
    if (t.part == "embedding") embedding += s;
    if (t.part == "layer") layer += s, ++layer_ops;
    if (t.part == "head") head += s;
    EXPECT_NE(t.part, "moe_layer");
  }
  EXPECT_EQ(layer_ops, model::layer_forward_ops(e.model, 0, shard_context(e.model, e.plan)).size());
  StepOptions so;
  so.ignore_memory = true;
  const StepResult r = simulate_step(e, so);
  const double per_micro_batch = embedding + e.model.layers * layer + head;
  EXPECT_NEAR(r.breakdown.compute_s, e.plan.micro_batches() * per_micro_batch, 1e-6 * r.breakdown.compute_s);
}

TEST(TrainOpProfile, MoeModelsShowBothLayerKinds) {
  const Experiment e = experiment(p5(64), "deepseek-v3", "global_batch: 64, tp: 8, pp: 1, dp: 8, ep: 8, precision: bf16");
  std::set<std::string> parts;
  for (const OpTiming& t : op_profile(e)) parts.insert(t.part);
  EXPECT_EQ(parts, (std::set<std::string>{"embedding", "layer", "moe_layer", "head"}));
}

}  // namespace
}  // namespace trnsim::train::testing

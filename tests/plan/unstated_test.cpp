// Runs that do not state their layout: the planner picks the fastest plan that fits among those
// keeping every stated key; runs that state their layout are left alone.
#include <gtest/gtest.h>

#include "../train/train_test_util.h"
#include "trnsim/plan/search_space.h"
#include "trnsim/plan/unstated.h"
#include "trnsim/train/memory.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {
namespace {

train::Experiment experiment(const std::string& training) {
  const std::string text = "system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 16}\nmodel: llama3-8b\ntraining: " +
                           training + "\n";
  return train::experiment_from_config(ConfigNode::parse_yaml(text, "unstated.yaml"), false);
}

TEST(UnstatedLayout, OnlyARunStatingNeitherTpNorDpIsPlanned) {
  EXPECT_TRUE(experiment("{global_batch: 64, precision: bf16}").unstated.layout);
  EXPECT_TRUE(experiment("{global_batch: 64, tp: null, dp: null, precision: bf16}").unstated.layout);
  EXPECT_FALSE(experiment("{global_batch: 64, tp: 8, precision: bf16}").unstated.layout);
  EXPECT_FALSE(experiment("{global_batch: 64, dp: 16, precision: bf16}").unstated.layout);
  const train::Experiment stated = experiment("{global_batch: 64, tp: 8, dp: 2, precision: bf16}");
  EXPECT_FALSE(plan_unstated_keys(stated).has_value());
}

TEST(UnstatedLayout, ThePlannedLayoutFitsKeepsTheStatedKeysAndBeatsTheDefaults) {
  const train::Experiment e = experiment("{global_batch: 64, pp: 1, recompute: full, precision: bf16}");
  ASSERT_TRUE(e.unstated.layout);
  EXPECT_TRUE(e.unstated.zero && e.unstated.micro_batch && e.unstated.sequence_parallel);
  EXPECT_FALSE(e.unstated.recompute);
  const auto planned = plan_unstated_keys(e);
  ASSERT_TRUE(planned.has_value());
  train::Experiment p = e;
  p.plan = *planned;
  EXPECT_EQ(p.plan.pp, 1);
  EXPECT_EQ(p.plan.recompute, model::Recompute::kFull);
  EXPECT_EQ(p.plan.global_batch, 64);
  EXPECT_NO_THROW(train::check_plan(p.plan, p.model, p.system, "test"));
  EXPECT_TRUE(train::memory_per_rank(p.model, p.plan, p.system).fits());
  train::StepOptions o;
  o.ignore_memory = true;
  EXPECT_LE(train::simulate_step(p, o).step_time_s, train::simulate_step(e, o).step_time_s * (1 + 1e-9));
}

// A validation run whose plan, as stated, does not fit: the keys it lists as assumed are free,
// the layout and every published key are kept.
train::Experiment run(const std::string& system, const std::string& assumed, const std::string& training) {
  const std::string text = "id: r\nassumed: [" + assumed + "]\nsystem: " + system + "\nmodel: llama3-8b\ntraining: " +
                           training + "\n";
  return train::experiment_from_config(ConfigNode::parse_yaml(text, "runs.yaml"), true);
}

TEST(UnstatedLayout, AssumedKeysOfARunThatDoesNotFitArePlanned) {
  const std::string system = "{preset: p5.48xlarge, accelerator: h100-sxm, count: 8}";
  const std::string training = "{global_batch: 16, micro_batch: 16, tp: 8, dp: 1, recompute: none, precision: bf16}";
  const train::Experiment stated = run(system, "", training);
  ASSERT_FALSE(train::memory_per_rank(stated.model, stated.plan, stated.system).fits());
  EXPECT_FALSE(plan_unstated_keys(stated).has_value());  // nothing assumed: scored as stated
  const train::Experiment e = run(system, "training.recompute, model.vocab", training);
  EXPECT_TRUE(e.unstated.recompute);
  EXPECT_FALSE(e.unstated.micro_batch || e.unstated.layout);
  const auto planned = plan_unstated_keys(e);
  ASSERT_TRUE(planned.has_value());
  EXPECT_EQ(planned->tp, 8);
  EXPECT_EQ(planned->dp, 1);
  EXPECT_EQ(planned->micro_batch, 16);
  EXPECT_TRUE(train::memory_per_rank(e.model, *planned, e.system).fits());
  EXPECT_TRUE(planned->recompute != model::Recompute::kNone || planned->activation_offload_layers > 0)
      << plan_label(*planned);
  // A run that fits as stated is left alone, assumed keys or not.
  const train::Experiment fits =
      run(system, "training.recompute", "{global_batch: 16, micro_batch: 1, tp: 8, dp: 1, recompute: full, precision: bf16}");
  ASSERT_TRUE(train::memory_per_rank(fits.model, fits.plan, fits.system).fits());
  EXPECT_FALSE(plan_unstated_keys(fits).has_value());
}

// An assumed training key must name a key of the run's training block: a typo would otherwise
// silently keep the key fixed.
TEST(UnstatedLayout, AnAssumedEntryMustNameATrainingKey) {
  const std::string system = "{preset: p5.48xlarge, accelerator: h100-sxm, count: 8}";
  const std::string training = "{global_batch: 16, micro_batch: 1, tp: 8, dp: 1, recompute: full, precision: bf16}";
  EXPECT_NO_THROW(run(system, "training.recompute, model.vocab", training));
  const std::string msg = train::testing::input_error_of([&] { run(system, "training.recompue", training); });
  EXPECT_NE(msg.find("runs.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("training.recompue"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(fix: "), std::string::npos) << msg;
}

// Where recompute is free, activation offload is searched too, on accelerators with a host link only.
TEST(UnstatedLayout, OffloadIsAChoiceOnlyWithAHostLink) {
  const std::string training = "{global_batch: 16, micro_batch: 16, tp: 8, dp: 1, recompute: none, precision: bf16}";
  auto offloads = [&](const std::string& system) {
    const train::Experiment e = run(system, "training.recompute", training);
    int with = 0;
    for (const auto& p : enumerate_plans(e, {.offload = true}).plans) with += p.activation_offload_layers > 0;
    const size_t kept = enumerate_plans(e).plans.size(), searched = enumerate_plans(e, {.offload = true}).plans.size();
    EXPECT_EQ(searched - kept, static_cast<size_t>(with));  // the rest are the kept plans, offload 0
    return with;
  };
  EXPECT_GT(offloads("{preset: p5.48xlarge, accelerator: h100-sxm, count: 8}"), 0);
  // Megatron-Core refuses CPU offloading with pipeline parallelism or recompute: never searched so.
  const train::Experiment e = run("{preset: p5.48xlarge, accelerator: h100-sxm, count: 8}", "training.recompute", training);
  for (const auto& p : enumerate_plans(e, {.offload = true}).plans) {
    if (p.activation_offload_layers > 0) EXPECT_TRUE(p.pp == 1 && p.recompute == model::Recompute::kNone) << plan_label(p);
  }
  EXPECT_EQ(offloads("{preset: trn2.48xlarge, accelerator: trn2, count: 2, neuron_cores: 8}"), 0);
}

}  // namespace
}  // namespace trnsim::plan

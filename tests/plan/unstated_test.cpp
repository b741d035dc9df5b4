// Runs that do not state their layout: the planner picks the fastest plan that fits among those
// keeping every stated key; runs that state their layout are left alone.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trnsim::plan

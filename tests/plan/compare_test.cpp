// compare on two small systems: the plan search, normalisation to the baseline, break-even
// prices, and the checks done before any simulation.
#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "trnsim/plan/compare.h"
#include "trnsim/train/experiment.h"

namespace trnsim::plan {
namespace {

train::Experiment small() {
  return train::load_experiment(std::string(TRNSIM_SOURCE_DIR) + "/tests/data/econ/small.yaml");
}

TEST(PlanCompare, SystemChoiceSyntax) {
  const SystemChoice a = parse_system_choice("trn2.48xlarge:1024");
  EXPECT_EQ(a.preset, "trn2.48xlarge");
  EXPECT_EQ(a.count, 1024);
  EXPECT_EQ(parse_system_choice("p5e.48xlarge").count, 0);
  EXPECT_THROW(parse_system_choice("p5.48xlarge:0"), Error);
  EXPECT_THROW(parse_system_choice("p5.48xlarge:x"), Error);
  EXPECT_THROW(parse_system_choice(":8"), Error);
}

TEST(PlanCompare, BestPlanIsNoSlowerThanTheGivenPlan) {
  const train::Experiment e = small();
  const train::StepResult given = train::simulate_step(e);
  const PlanChoice best = best_plan_for(e, e.system);
  EXPECT_GT(best.candidates, 4);
  EXPECT_GT(best.fitting, 0);
  EXPECT_LE(best.result.step_time_s, given.step_time_s * (1 + 1e-12));
  EXPECT_EQ(best.experiment.plan.global_batch, e.plan.global_batch);
  const auto& p = best.experiment.plan;
  EXPECT_EQ(static_cast<int64_t>(p.tp) * p.pp * p.dp, e.system.ranks());
}

TEST(PlanCompare, TwoSystemsNormalisedToTheBaselineWithBreakEven) {
  CompareOptions o;
  o.tokens = 1e9;
  o.prices = {{"p5.48xlarge", 4.0}, {"p5e.48xlarge:8", 5.0}};
  const auto rows = compare_systems(small(), {"p5.48xlarge:8", "p5e.48xlarge:8"}, o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0].rel_dollars, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].break_even_price, 4.0);
  EXPECT_DOUBLE_EQ(rows[1].price_per_accel_hour, 5.0);
  // H200 has more HBM bandwidth and the same peak: never slower.
  EXPECT_LE(rows[1].plan.result.step_time_s, rows[0].plan.result.step_time_s * 1.0001);
  // At its break-even price the second system costs exactly the baseline's dollars.
  const double be_dollars = rows[1].break_even_price * 8 * rows[1].run.time_to_train_s / 3600;
  EXPECT_NEAR(be_dollars / rows[0].run.dollars, 1.0, 1e-12);
  EXPECT_NEAR(rows[1].rel_dollars, rows[1].run.dollars / rows[0].run.dollars, 1e-12);
  EXPECT_NEAR(rows[1].rel_tokens_per_dollar * rows[1].rel_dollars, 1.0, 1e-12);
  EXPECT_NEAR(rows[0].run.steps, 1e9 / (32.0 * 4096), 1e-6);
  const auto j = compare_json(rows, o);
  EXPECT_EQ(j["systems"].size(), 2u);
  EXPECT_EQ(j["baseline"], "p5.48xlarge:8");
  EXPECT_NE(format_compare(rows, o).find("break-even"), std::string::npos);
}

TEST(PlanCompare, ChecksNamesAndPricesBeforeSimulating) {
  CompareOptions o;
  o.price.kind = econ::PriceKind::kReserved;
  EXPECT_THROW(compare_systems(small(), {"p5.48xlarge:8"}, o), Error);
  o.price.kind = econ::PriceKind::kOnDemand;
  EXPECT_THROW(compare_systems(small(), {"p5.48xlarge:8", "no-such-system:8"}, o), Error);
  EXPECT_THROW(compare_systems(small(), {"trn2-ultraserver:64"}, o), Error);  // no price file
  o.tokens = -1;
  EXPECT_THROW(compare_systems(small(), {"p5.48xlarge:8"}, o), Error);
}

}  // namespace
}  // namespace trnsim::plan

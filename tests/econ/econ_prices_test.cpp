// Prices and TCO arithmetic, run reports, and the errors for missing prices.
#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "trnsim/econ/prices.h"
#include "trnsim/train/experiment.h"

namespace trnsim::econ {
namespace {

std::string data(const std::string& f) { return std::string(TRNSIM_SOURCE_DIR) + "/tests/data/econ/" + f; }

train::Experiment small() { return train::load_experiment(data("small.yaml")); }

TEST(EconPrices, PresetFilesConvertInstancePricesPerAccelerator) {
  const auto p5 = find_price_table("p5.48xlarge");
  ASSERT_TRUE(p5);
  ASSERT_TRUE(p5->on_demand && p5->capacity_block);
  EXPECT_NEAR(p5->on_demand->usd_per_accel_hour, 98.32 / 8, 1e-12);
  EXPECT_NEAR(p5->capacity_block->usd_per_accel_hour, 39.33 / 8, 1e-12);
  EXPECT_FALSE(p5->reserved);
  EXPECT_FALSE(p5->on_demand->date.empty());
  EXPECT_FALSE(p5->on_demand->source.empty());
  const auto trn2 = find_price_table("trn2.48xlarge");
  ASSERT_TRUE(trn2 && trn2->on_demand);
  EXPECT_NEAR(trn2->on_demand->usd_per_accel_hour, 2.235, 1e-12);
  EXPECT_FALSE(find_price_table("trn2-ultraserver"));
  for (const char* f : {"trn1.32xlarge", "p5e.48xlarge", "p4d.24xlarge"}) EXPECT_TRUE(find_price_table(f)) << f;
}

TEST(EconPrices, MissingPriceNamesTheKeyAndTheFix) {
  const train::Experiment e = small();
  PriceOptions o;
  o.kind = PriceKind::kReserved;
  try {
    price_per_accel_hour(e, o, EnergyReport{});
    FAIL() << "no error";
  } catch (const Error& err) {
    const std::string m = err.what();
    EXPECT_EQ(err.kind(), ErrorKind::kInput);
    EXPECT_NE(m.find("'reserved'"), std::string::npos) << m;
    EXPECT_NE(m.find("--price p5.48xlarge="), std::string::npos) << m;
    EXPECT_NE(m.find("--prices"), std::string::npos) << m;
  }
  o.price_files = {data("prices_p5_reserved.yaml")};
  EXPECT_NEAR(price_per_accel_hour(e, o, EnergyReport{}), 5.0, 1e-12);
  o.price_per_accel_hour = 3.25;
  EXPECT_NEAR(price_per_accel_hour(e, o, EnergyReport{}), 3.25, 1e-12);
  EXPECT_THROW(load_price_table(data("prices_bad.yaml")), Error);
  EXPECT_THROW(parse_price_kind("spot"), Error);
  EXPECT_EQ(parse_price_kind("capacity-block"), PriceKind::kCapacityBlock);
}

TEST(EconPrices, TcoArithmetic) {
  // 40,000 USD over 5 years of 8,766 h, plus 1 kW at 0.08 USD/kWh.
  EXPECT_NEAR(tco_per_accel_hour(40000, 5, 0.08, 1000), 40000.0 / (5 * 8766) + 0.08, 1e-12);
  const train::Experiment e = small();
  EnergyReport en;
  en.avg_power_w = 8 * 1500.0;  // 1.5 kW per GPU at the wall
  PriceOptions o;
  o.kind = PriceKind::kTco;
  const double from_file = price_per_accel_hour(e, o, en);  // p5.48xlarge: 40,000 USD, 5 years, 0.08
  EXPECT_NEAR(from_file, 40000.0 / (5 * 8766) + 1.5 * 0.08, 1e-9);
  o.capex_per_accel = 10000;
  o.lifetime_years = 4;
  o.usd_per_kwh = 0.1;
  EXPECT_NEAR(price_per_accel_hour(e, o, en), 10000.0 / (4 * 8766) + 0.15, 1e-9);
}

TEST(EconRunReport, Arithmetic) {
  const train::Experiment e = small();
  const train::StepResult r = train::simulate_step(e);
  ASSERT_TRUE(r.fits);
  PriceOptions o;
  o.price_per_accel_hour = 4.0;
  const double tokens_per_step = 32.0 * 4096;
  const RunReport rr = run_report(e, r, 3 * tokens_per_step, o);
  EXPECT_NEAR(rr.steps, 3.0, 1e-12);
  EXPECT_NEAR(rr.time_to_train_s, 3 * r.step_time_s, 1e-12);
  EXPECT_NEAR(rr.dollars, 4.0 * 8 * 3 * r.step_time_s / 3600, 1e-9);
  const EnergyReport en = step_energy(e, r);
  EXPECT_NEAR(rr.mwh, 3 * en.joules_per_step / 3.6e9, 1e-12);
  EXPECT_NEAR(rr.tokens_per_joule, tokens_per_step / en.joules_per_step, 1e-9);
  EXPECT_NEAR(rr.tokens_per_dollar, 3 * tokens_per_step / rr.dollars, 1e-6);
  EXPECT_THROW(run_report(e, r, 0, o), Error);
}

}  // namespace
}  // namespace trnsim::econ

// trnsim compare through the built binary: a good run, and each bad input with its message and
// exit code. Skipped until cli/main.cpp dispatches 'compare'.
#include <gtest/gtest.h>

#include "../cli/cli_run.h"

namespace trnsim::testing {
namespace {

class EconCli : public ::testing::Test {
 protected:
  static std::string exp() { return source_path("tests/data/econ/small.yaml"); }
};

TEST_F(EconCli, ComparesTwoSystems) {
  const CliRun r = run_trnsim("compare " + exp() + " --systems p5.48xlarge:8,p5e.48xlarge:8 --tokens 1e9 --price-kind capacity-block --json", false);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"break_even_price_per_accel_hour\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"baseline\": \"p5.48xlarge:8\""), std::string::npos) << r.output;
  const CliRun t = run_trnsim("compare " + exp() + " --systems p5.48xlarge:8 --tokens 1e9 --price p5.48xlarge=3");
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("relative to the baseline"), std::string::npos) << t.output;
}

struct Bad {
  std::string args, message;
  int status;
};

TEST_F(EconCli, BadInputsNameTheKeyAndExitNonZero) {
  const std::vector<Bad> cases = {
      {"--systems p5.48xlarge:8 --price-kind reserved", "has no 'reserved' for system 'p5.48xlarge'", 2},
      {"--systems trn2-ultraserver:64", "has no 'on_demand' for system 'trn2-ultraserver'", 2},
      {"--systems p5.48xlarge:8,nope:8", "not a known system preset", 2},
      {"--systems p5.48xlarge:eight", "is not a positive accelerator count", 2},
      {"--systems p5.48xlarge:8 --tokens lots", "--tokens", 2},
      {"--systems p5.48xlarge:8 --price-kind spot", "is not a price kind", 2},
      {"--systems p5.48xlarge:8 --price p5.48xlarge", "is not SYSTEM=USD", 2},
      {"--systems p5.48xlarge:8 --prices " + source_path("tests/data/econ/prices_bad.yaml"), "usd_per_instance_hour", 2},
      {"", "needs --systems", 2},
  };
  for (const auto& c : cases) {
    const CliRun r = run_trnsim("compare " + exp() + " " + c.args);
    EXPECT_EQ(r.status, c.status) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("relative to the baseline"), std::string::npos) << "half-written report: " << r.output;
    EXPECT_EQ(count_lines(r.output), 1) << r.output;
  }
  const CliRun huge = run_trnsim("compare " + source_path("tests/data/econ/huge.yaml") + " --systems p5.48xlarge:8 --price p5.48xlarge=3");
  EXPECT_EQ(huge.status, 4) << huge.output;
  EXPECT_NE(huge.output.find("fits in memory"), std::string::npos) << huge.output;
}

}  // namespace
}  // namespace trnsim::testing

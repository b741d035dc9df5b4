// The built `trnsim collective` command: an nccl-tests style table with bus bandwidth, its JSON
// form, and one clear message for a bad operation, algorithm or system.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../train/split_run.h"
#include "cli_run.h"

namespace trnsim::testing {
namespace {

const std::string kSweep = "collective --system p5.48xlarge --op all_reduce --min-bytes 1M --max-bytes 64M";

TEST(CollectiveCli, PrintsATableWithBusBandwidth) {
  const SplitRun r = run_split(kSweep);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("busbw"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("algbw"), std::string::npos) << r.out;
  // 1M, 2M, ..., 64M: seven rows after the two header lines.
  EXPECT_EQ(count_lines(r.out), 2 + 7) << r.out;
  EXPECT_NE(r.out.find("1048576"), std::string::npos);
  EXPECT_NE(r.out.find("67108864"), std::string::npos);
}

TEST(CollectiveCli, JsonRowsGrowTowardsTheBusLimit) {
  const SplitRun r = run_split(kSweep + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["system"], "p5.48xlarge");
  EXPECT_EQ(j["op"], "all_reduce");
  EXPECT_EQ(j["ranks"], 8);
  ASSERT_EQ(j["rows"].size(), 7u);
  double last = 0;
  for (const auto& row : j["rows"]) {
    const double size = row["size"], time_us = row["time_us"], algbw = row["algbw_gbps"], busbw = row["busbw_gbps"];
    EXPECT_GT(time_us, 0);
    EXPECT_NEAR(algbw, size / (time_us * 1e-6) * 1e-9, 1e-3 * algbw);
    // All-reduce bus bandwidth = algbw x 2 (n - 1) / n (nccl-tests' PERFORMANCE.md).
    EXPECT_NEAR(busbw, algbw * 2 * 7 / 8, 1e-6 * busbw);
    EXPECT_GE(busbw, last);
    // NVLink 4 on H100 SXM: 450 GB/s per direction, more with NVLS in-switch reduction; never absurd.
    EXPECT_LT(busbw, 1000);
    last = busbw;
    EXPECT_FALSE(row["algorithm"].get<std::string>().empty());
  }
  EXPECT_GT(last, 100);
}

void expect_one_error_line(const SplitRun& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("trnsim: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("(fix: "), std::string::npos) << r.err;
  for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "missing '" << p << "' in: " << r.err;
}

TEST(CollectiveCli, BadOpAlgorithmOrSystemIsOneClearError) {
  expect_one_error_line(run_split("collective --system p5.48xlarge --op all_sum"), {"all_sum", "all_reduce"});
  expect_one_error_line(run_split("collective --system p5.48xlarge --algorithm zigzag --min-bytes 1M --max-bytes 2M"),
                        {"zigzag", "ring"});
  expect_one_error_line(run_split("collective --system p9.96xlarge"), {"p9.96xlarge", "p5.48xlarge"});
  expect_one_error_line(run_split("collective --op all_reduce"), {"--system"});
  expect_one_error_line(run_split("collective --system p5.48xlarge --min-bytes lots"), {"--min-bytes", "lots"});
  // Counts, groups and strides are whole numbers from 1; absent, the preset's and every rank.
  expect_one_error_line(run_split("collective --system p5.48xlarge --count 0"), {"--count 0", "[1, "});
  expect_one_error_line(run_split("collective --system p5.48xlarge --group 0"), {"--group 0", "[1, "});
  expect_one_error_line(run_split("collective --system p5.48xlarge --count 99999999999999999999"), {"--count"});
}

}  // namespace
}  // namespace trnsim::testing

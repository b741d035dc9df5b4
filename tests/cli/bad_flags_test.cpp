// Command lines and outputs that must not half-succeed: flags given values, options swallowed as
// another option's value, stage choices with no trace, figures that JSON cannot hold as text,
// measured steps of zero, repeated run ids, collectives that fail after their header, and
// numbers no report can use. Each is one error line with a non-zero exit and nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../train/split_run.h"
#include "cli_run.h"

namespace trnsim::testing {
namespace {

namespace fs = std::filesystem;

const std::string kExample = source_path("configs/examples/llama3-8b-trn2.yaml");

void expect_refused(const std::string& args, const std::string& part) {
  SCOPED_TRACE(args);
  const SplitRun r = run_split(args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(BadFlags, EachIsOneErrorLineAndNoOutput) {
  expect_refused("simulate " + kExample + " --json=no", "takes no value");
  expect_refused("simulate " + kExample + " --ignore-memory=false", "takes no value");
  expect_refused("simulate " + kExample + " --trace --json", "the next argument --json is an option");
  expect_refused("simulate " + kExample + " --trace-stages 0", "no --trace file");
  expect_refused("validate " + source_path("tests/data/train/runs_bad_measured.yaml"), "step_time_s");
  expect_refused("validate " + source_path("tests/data/train/runs_bad_reported.yaml"), "reported.metric");
  expect_refused("validate " + source_path("tests/data/train/runs_duplicate_ids.yaml"), "repeats the run id 'same'");
  expect_refused("collective --system p5.48xlarge --algorithm foo", "foo");
  // 8,960 chips in one torus: an all-to-all over all of them is ~80M flows, refused at once.
  expect_refused("collective --system tpu-v5p-pod --op all_to_all", "flows at once");
  expect_refused("compare " + kExample + " --systems trn2.48xlarge --pue 1e308", "--pue");
  expect_refused("compare " + kExample + " --systems trn2.48xlarge --tokens inf", "--tokens");
  expect_refused("compare " + kExample + " --systems trn2.48xlarge --price p5.48xlarge=5", "does not compare");
  expect_refused("kernel run rmsnorm --rows 128 --cols 128 --eps nan", "eps");
  expect_refused("kernel run rmsnorm --rows 128 --cols 128 --eps -1", "above 0");
  expect_refused("compare " + kExample + " --systems trn2.48xlarge:99999999999999999999", "more accelerators than any");
  expect_refused("collective --system p5.48xlarge --count 99999999999999", "--count");
  expect_refused("collective --system p5.48xlarge --max-bytes 1e30B", "too large a size");
  expect_refused("collective --system p5.48xlarge --max-bytes 1e18B", "1 PiB");
  expect_refused("sweep " + source_path("configs/examples/sweeps/trn2-links.yaml") + " --out ''", "--out was given an empty value");
  expect_refused("simulate " + kExample + " --trace=", "--trace was given an empty value");
}

// A run id that is not UTF-8 still gives JSON (the bytes replaced), and the trace is written
// only once the output is ready.
TEST(BadFlags, NonUtf8NamesStillGiveJson) {
  const fs::path trace = fs::temp_directory_path() / "trnsim_non_utf8_trace.json";
  fs::remove(trace);
  const SplitRun r = run_split("simulate " + source_path("tests/data/train/non_utf8_id.yaml") + " --json --trace '" +
                               trace.string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"step_time_s\""), std::string::npos);
  EXPECT_TRUE(fs::exists(trace));
  fs::remove(trace);
}

}  // namespace
}  // namespace trnsim::testing

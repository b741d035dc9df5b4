// The built `trnsim validate` command on a small runs file (tests/data/train/runs_small.yaml: two
// published runs with step times and one without): JSON scores, the unscored run, the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "../train/split_run.h"
#include "cli_run.h"

namespace trnsim::testing {
namespace {

namespace fs = std::filesystem;

const std::string kRuns = source_path("tests/data/train/runs_small.yaml");

TEST(ValidateCli, JsonScoresEachRunWithAStepTime) {
  const SplitRun r = run_split("validate " + kRuns + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("runs"));
  ASSERT_EQ(j["runs"].size(), 3u);
  std::vector<double> abs_errors;
  for (const auto& run : j["runs"]) {
    for (const char* key : {"id", "predicted_step_time_s", "measured_step_time_s", "error"}) {
      EXPECT_TRUE(run.contains(key)) << key;
    }
    EXPECT_GT(run["predicted_step_time_s"].get<double>(), 0) << run["id"];
    if (run["measured_step_time_s"].is_null()) continue;
    const double predicted = run["predicted_step_time_s"], measured = run["measured_step_time_s"];
    ASSERT_TRUE(run["error"].is_number()) << run["id"];
    EXPECT_NEAR(run["error"].get<double>(), (predicted - measured) / measured, 1e-9);
    abs_errors.push_back(std::fabs(run["error"].get<double>()));
  }
  ASSERT_EQ(abs_errors.size(), 2u);
  EXPECT_EQ(j["runs"][0]["id"], "nar21-gpt-1.7b-a100-32");
  EXPECT_DOUBLE_EQ(j["runs"][0]["measured_step_time_s"].get<double>(), 3.528);
  // Two scored runs: the median is their mean.
  EXPECT_NEAR(j["median_abs_error"].get<double>(), (abs_errors[0] + abs_errors[1]) / 2, 1e-12);
  EXPECT_NEAR(j["max_abs_error"].get<double>(), std::max(abs_errors[0], abs_errors[1]), 1e-12);
}

TEST(ValidateCli, ARunWithoutAStepTimeIsListedNotScored) {
  const SplitRun r = run_split("validate " + kRuns + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& run : j["runs"]) {
    if (run["id"] != "deepseek-v3-pretrain-h800-2048") continue;
    found = true;
    EXPECT_TRUE(run["measured_step_time_s"].is_null());
    EXPECT_TRUE(run["error"].is_null());
    EXPECT_GT(run["predicted_step_time_s"].get<double>(), 0);
  }
  EXPECT_TRUE(found);
  if (j.contains("scored")) EXPECT_EQ(j["scored"], 2);
}

TEST(ValidateCli, TextListsEveryRunAndTheSummary) {
  const SplitRun r = run_split("validate " + kRuns);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* id : {"nar21-gpt-1.7b-a100-32", "neuron-llama2-7b-trn1-256", "deepseek-v3-pretrain-h800-2048"}) {
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  }
  EXPECT_NE(r.out.find("scored 2 runs"), std::string::npos) << r.out;
}

TEST(ValidateCli, ReportIsMarkdown) {
  const fs::path report = scratch_path("validation.md");
  const SplitRun r = run_split("validate " + kRuns + " --report '" + report.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string md = read_text(report);
  EXPECT_EQ(md.rfind("# ", 0), 0u) << md.substr(0, 80);
  EXPECT_NE(md.find("| run |"), std::string::npos);
  EXPECT_NE(md.find("|---|"), std::string::npos);
  for (const char* id : {"nar21-gpt-1.7b-a100-32", "neuron-llama2-7b-trn1-256", "deepseek-v3-pretrain-h800-2048"}) {
    EXPECT_NE(md.find(id), std::string::npos) << id;
  }
  fs::remove(report);
}

TEST(ValidateCli, ARunWithoutALayoutIsScoredOnThePlannedOne) {
  const std::string runs = source_path("tests/data/train/runs_unstated.yaml");
  const SplitRun j = run_split("validate " + runs + " --json");
  ASSERT_EQ(j.status, 0) << j.err;
  const nlohmann::json out = nlohmann::json::parse(j.out);
  ASSERT_EQ(out["runs"].size(), 1u);
  const std::string planned = out["runs"][0].value("planned_layout", "");
  EXPECT_NE(planned.find("pp 1 "), std::string::npos) << planned;
  EXPECT_NE(planned.find("recompute full"), std::string::npos) << planned;
  const SplitRun text = run_split("validate " + runs);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(out["runs"][0].value("planned_because", ""), "layout not published");
  EXPECT_NE(text.out.find("layout not published, planned: " + planned), std::string::npos) << text.out;
  // Runs that state their layout and fit carry no planned one; DeepSeek-V3 on H800 states an
  // assumed layout that does not fit, so its assumed keys are planned with the layout kept.
  const nlohmann::json stated = nlohmann::json::parse(run_split("validate " + kRuns + " --json").out);
  for (const auto& run : stated["runs"]) {
    if (run["id"] != "deepseek-v3-pretrain-h800-2048") {
      EXPECT_FALSE(run.contains("planned_layout")) << run["id"];
      continue;
    }
    EXPECT_EQ(run.value("planned_because", ""), "does not fit as stated");
    EXPECT_TRUE(run["fits"].get<bool>());
    EXPECT_NE(run.value("planned_layout", "").find("tp 1 pp 16 dp 128 cp 1 ep 64"), std::string::npos) << run;
  }
}

TEST(ValidateCli, BadRunsFilesAreInputErrors) {
  // An experiment file is a map, not a list of runs.
  const SplitRun map = run_split("validate " + source_path("configs/examples/llama3-8b-trn2.yaml"));
  EXPECT_EQ(map.status, 2);
  EXPECT_EQ(count_lines(map.err), 1) << map.err;
  EXPECT_EQ(map.err.rfind("trnsim: error: ", 0), 0u) << map.err;
  EXPECT_NE(map.err.find("llama3-8b-trn2.yaml"), std::string::npos) << map.err;
  EXPECT_NE(map.err.find("(fix: "), std::string::npos) << map.err;
  const SplitRun missing = run_split("validate " + source_path("tests/data/train/no_such_runs.yaml"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("no_such_runs.yaml"), std::string::npos) << missing.err;
  EXPECT_EQ(run_split("validate").status, 2);
}

}  // namespace
}  // namespace trnsim::testing

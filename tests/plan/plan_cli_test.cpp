// The built `trnsim plan` command: JSON keys, and each bad input one error line with its exit
// code. Skipped until cli/main.cpp dispatches `plan`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../cli/cli_run.h"
#include "../train/split_run.h"

namespace trnsim::testing {
namespace {

std::string data(const std::string& name) { return source_path("tests/plan/data/" + name); }
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(PlanCli, JsonHasRankedPlansAndCounts) {
  const SplitRun r = run_split("plan " + data("small.yaml") + " --top 3 --json --threads 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["plans"].size(), 3u);
  for (const char* key : {"tp", "pp", "dp", "cp", "ep", "micro_batch", "recompute", "zero", "pp_virtual_stages",
                          "sequence_parallel", "step_time_s", "tokens_per_s", "mfu", "memory_per_chip_bytes",
                          "usd_per_step", "joules_per_step"}) {
    EXPECT_TRUE(j["plans"][0].contains(key)) << key;
  }
  EXPECT_GT(j["plans_evaluated"].get<int64_t>(), 100);
  EXPECT_GT(j["sim_wall_s"].get<double>(), 0);
  EXPECT_FALSE(j["pareto"].empty());
  // Searched plans carry the fast evaluator's time; the experiment's own, not searched, none.
  EXPECT_GT(j["plans"][0]["fast_step_time_s"].get<double>(), 0);
  if (!j["experiment_plan"].is_null()) EXPECT_TRUE(j["experiment_plan"]["fast_step_time_s"].is_null());
}

// --offload adds activation offload to the search: four times the offload-free plans at most, and
// each reported plan says how many layers it offloads.
TEST(PlanCli, OffloadWidensTheSearch) {
  auto legal = [](const std::string& extra) {
    const SplitRun r = run_split("plan " + data("small.yaml") + " --top 1 --json --threads 2" + extra);
    EXPECT_EQ(r.status, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["plans"][0].contains("activation_offload_layers"));
    return j["plans_legal"].get<int64_t>();
  };
  const int64_t without = legal(""), with = legal(" --offload");
  EXPECT_GT(with, without);
  EXPECT_LE(with, 4 * without);
}

// --zero-bubble adds ZB-H1 and ZB-V beside every pipeline's 1F1B (plan_search_test counts them).
TEST(PlanCli, ZeroBubbleWidensTheSearch) {
  auto legal = [](const std::string& extra) {
    const SplitRun r = run_split("plan " + data("small.yaml") + " --top 1 --json --threads 2" + extra);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["plans_legal"].get<int64_t>();
  };
  const int64_t without = legal(""), with = legal(" --zero-bubble");
  EXPECT_GT(with, without);
  EXPECT_LT(with, 3 * without);  // GPipe, interleaving and the unpipelined plans are not tripled
}

// --dualpipe adds DeepSeek's DualPipeV and DualPipe the same way, and both together add all four.
TEST(PlanCli, DualPipeWidensTheSearch) {
  auto legal = [](const std::string& extra) {
    const SplitRun r = run_split("plan " + data("small.yaml") + " --top 1 --json --threads 2" + extra);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["plans_legal"].get<int64_t>();
  };
  const int64_t without = legal(""), dual = legal(" --dualpipe"), zb = legal(" --zero-bubble");
  EXPECT_GT(dual, without);
  EXPECT_LT(dual, 3 * without);
  EXPECT_EQ(legal(" --dualpipe --zero-bubble"), dual + zb - without);
}

TEST(PlanCli, BadInputsAreOneLineWithTheirExitCodes) {
  SplitRun r = run_split("plan " + data("small.yaml") + " --objective speed");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, "--objective speed") && has(r.err, "time, cost, energy")) << r.err;
  r = run_split("plan " + data("no_legal.yaml"));
  EXPECT_EQ(r.status, 6);
  EXPECT_TRUE(has(r.err, "no parallel plan of the 64 ranks") && has(r.err, "(fix: ")) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  r = run_split("plan " + data("fits_nowhere.yaml"));
  EXPECT_EQ(r.status, 4);
  EXPECT_TRUE(has(r.err, "fits in memory") && has(r.err, "leanest")) << r.err;
  r = run_split("plan " + data("no_price.yaml") + " --objective cost");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, "on_demand")) << r.err;
}

}  // namespace
}  // namespace trnsim::testing

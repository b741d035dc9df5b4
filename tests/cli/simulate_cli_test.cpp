// The built `trnsim simulate` command: every example runs, --json has the documented keys, each
// bad input is one line on stderr naming the key or file and the fix with the right exit code, and
// --trace writes a Perfetto trace (and nothing when the run fails).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "../train/split_run.h"
#include "cli_run.h"

namespace trnsim::testing {
namespace {

namespace fs = std::filesystem;

std::string data(const std::string& name) { return source_path("tests/data/train/" + name); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// One line on stderr, "trnsim: error: ...", naming each of `parts`, with a fix; nothing half-printed.
void expect_one_error_line(const SplitRun& r, int status, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("trnsim: error: ", 0), 0u) << r.err;
  EXPECT_TRUE(contains(r.err, "(fix: ")) << r.err;
  for (const auto& p : parts) EXPECT_TRUE(contains(r.err, p)) << "missing '" << p << "' in: " << r.err;
}

TEST(SimulateCli, EveryExampleRuns) {
  int examples = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(TRNSIM_SOURCE_DIR) / "configs/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++examples;
    const SplitRun text = run_split("simulate '" + entry.path().string() + "'");
    EXPECT_EQ(text.status, 0) << entry.path() << "\n" << text.err;
    EXPECT_TRUE(contains(text.out, "step time")) << text.out;
    EXPECT_TRUE(text.err.empty()) << text.err;

    const SplitRun js = run_split("simulate '" + entry.path().string() + "' --json");
    ASSERT_EQ(js.status, 0) << entry.path() << "\n" << js.err;
    const nlohmann::json j = nlohmann::json::parse(js.out);
    for (const char* key : {"step_time_s", "tokens_per_s", "mfu", "hfu", "memory_per_chip_bytes",
                            "memory_capacity_bytes", "breakdown", "sim_wall_s"}) {
      EXPECT_TRUE(j.contains(key)) << entry.path() << " lacks " << key;
    }
    EXPECT_GT(j["step_time_s"].get<double>(), 0);
    EXPECT_GT(j["tokens_per_s"].get<double>(), 0);
    EXPECT_GT(j["mfu"].get<double>(), 0);
    EXPECT_LT(j["mfu"].get<double>(), 1);
    EXPECT_GE(j["hfu"].get<double>(), j["mfu"].get<double>());
    EXPECT_LE(j["memory_per_chip_bytes"].get<double>(), j["memory_capacity_bytes"].get<double>());
    EXPECT_TRUE(j["breakdown"].contains("compute_s"));
    EXPECT_TRUE(j["breakdown"].contains("pp_bubble_s"));
    // The plan as simulated, framework defaults applied, under the training keys' names.
    EXPECT_TRUE(j["plan"]["grad_reduce_in_fp32"].is_boolean()) << entry.path();
    EXPECT_TRUE(j["plan"]["tp_overlap"].is_boolean()) << entry.path();
  }
  EXPECT_GE(examples, 3);
}

TEST(SimulateCli, DegreesThatDoNotDivideAreInputErrors) {
  expect_one_error_line(run_split("simulate " + data("bad_degrees.yaml")), 2,
                        {"bad_degrees.yaml", "training.dp", "product is 64"});
  expect_one_error_line(run_split("simulate " + data("bad_heads.yaml")), 2,
                        {"bad_heads.yaml", "training.tp", "divides 32"});
  expect_one_error_line(run_split("simulate " + data("bad_layers.yaml")), 2,
                        {"bad_layers.yaml", "training.pp", "fewer pipeline stages"});
}

TEST(SimulateCli, APlanThatDoesNotFitHasItsOwnExitCode) {
  const SplitRun r = run_split("simulate " + data("no_fit.yaml"));
  expect_one_error_line(r, 4, {"no_fit.yaml", "does not fit", "optimizer", "ZeRO"});
  // The memory breakdown is still reported.
  EXPECT_TRUE(contains(r.out, "does not fit")) << r.out;
  const SplitRun js = run_split("simulate " + data("no_fit.yaml") + " --json");
  EXPECT_EQ(js.status, 4);
  const nlohmann::json j = nlohmann::json::parse(js.out);
  EXPECT_FALSE(j["fits"].get<bool>());
  EXPECT_GT(j["memory_per_chip_bytes"].get<double>(), j["memory_capacity_bytes"].get<double>());
}

TEST(SimulateCli, AbsurdSizesAreClearErrorsNotCrashes) {
  // Millions of micro-batches would exhaust the host's memory: an input error on global_batch.
  expect_one_error_line(run_split("simulate " + data("too_many_micro_batches.yaml")), 2,
                        {"too_many_micro_batches.yaml", "training.global_batch", "micro-batches per step", "1048576"});
  // A model past any memory: the breakdown prints its sizes instead of overflowing them.
  const SplitRun r = run_split("simulate " + data("absurd_model_no_fit.yaml"));
  expect_one_error_line(r, 4, {"absurd_model_no_fit.yaml", "does not fit", "TiB"});
  EXPECT_FALSE(contains(r.err, "-9223372036854775808")) << r.err;
  // Past the largest sizes a model may have: refused by key, before any arithmetic can wrap.
  expect_one_error_line(run_split("simulate " + data("absurd_model_too_wide.yaml")), 2,
                        {"absurd_model_too_wide.yaml", "model.hidden", "out of range", "1048576"});
}

TEST(SimulateCli, AContextLengthThatDoesNotFitPointsAtSeqLen) {
  // A config.json's max_position_embeddings is its context limit, not a training length.
  expect_one_error_line(run_split("simulate " + data("context_no_fit.yaml")), 4,
                        {"context_no_fit.yaml", "does not fit", "model.seq_len 40960", "max_position_embeddings",
                         "seq_len: 4096"});
  // Stated with `from:`, the training length replaces it, and the step fits.
  const SplitRun stated = run_split("simulate " + data("context_stated.yaml"));
  EXPECT_EQ(stated.status, 0) << stated.err;
}

TEST(SimulateCli, UnknownPresetsAreInputErrors) {
  expect_one_error_line(run_split("simulate " + data("unknown_model.yaml")), 2, {"model", "llama9-1t", "llama3-8b"});
  expect_one_error_line(run_split("simulate " + data("unknown_accelerator.yaml")), 2, {"accelerator", "h900", "h100-sxm"});
  expect_one_error_line(run_split("simulate " + data("unknown_system.yaml")), 2, {"system", "p9.96xlarge", "p5.48xlarge"});
}

TEST(SimulateCli, MalformedFilesNameFileAndLine) {
  expect_one_error_line(run_split("simulate " + data("malformed.yaml")), 2, {"malformed.yaml:", "YAML"});
  expect_one_error_line(run_split("simulate " + data("bad_config_json.yaml")), 2, {"malformed_config.json:4", "JSON"});
  expect_one_error_line(run_split("simulate " + data("no_such_file.yaml")), 2, {"no_such_file.yaml"});
}

TEST(SimulateCli, UnknownTrainingKeySuggestsTheClosest) {
  expect_one_error_line(run_split("simulate " + data("unknown_key.yaml")), 2,
                        {"unknown_key.yaml:", "training.micro_bach", "did you mean 'micro_batch'"});
}

TEST(SimulateCli, BadCommandLinesAreInputErrors) {
  EXPECT_EQ(run_split("simulate").status, 2);
  const std::string ex = source_path("configs/examples/llama3-70b-trn2-ultraserver.yaml");
  expect_one_error_line(run_split("simulate " + ex + " --trace-stages 0,9 --trace /dev/null"), 2, {"--trace-stages", "[0, 3]"});
  expect_one_error_line(run_split("simulate " + ex + " --no-such-flag"), 2, {"--no-such-flag"});
}

// --ops lists one micro-batch's ops per part, as a table and as the JSON "ops" array.
TEST(SimulateCli, OpsListsEveryOpOfAMicroBatch) {
  const std::string exp = source_path("configs/examples/gpt3-175b-h100-1024.yaml");
  const SplitRun text = run_split("simulate '" + exp + "' --ops");
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "ops of one micro-batch on one rank")) << text.out;
  for (const char* op : {"qkv", "attn", "mlp_down", "logits", "loss"}) EXPECT_TRUE(contains(text.out, op)) << op;
  const SplitRun js = run_split("simulate '" + exp + "' --json --ops");
  ASSERT_EQ(js.status, 0) << js.err;
  const nlohmann::json j = nlohmann::json::parse(js.out);
  ASSERT_TRUE(j["ops"].is_array());
  std::set<std::string> parts;
  for (const auto& row : j["ops"]) {
    parts.insert(row["part"].get<std::string>());
    EXPECT_GT(row["fwd_s"].get<double>(), 0) << row;
    EXPECT_GT(row["bwd_s"].get<double>(), 0) << row;
  }
  EXPECT_EQ(parts, (std::set<std::string>{"embedding", "layer", "head"}));
  EXPECT_FALSE(nlohmann::json::parse(run_split("simulate '" + exp + "' --json").out).contains("ops"));
}

TEST(SimulateCli, TraceHasOneTrackPerChosenStage) {
  const fs::path trace = scratch_path("trace.json");
  const std::string ex = source_path("configs/examples/llama3-70b-trn2-ultraserver.yaml");  // pp 4
  const SplitRun r = run_split("simulate " + ex + " --trace '" + trace.string() + "' --trace-stages 0,2");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json doc = nlohmann::json::parse(read_text(trace));
  ASSERT_TRUE(doc.contains("traceEvents"));
  std::set<int> named, used;
  int forwards = 0, backwards = 0;
  for (const auto& ev : doc["traceEvents"]) {
    if (ev["ph"] == "M" && ev["name"] == "thread_name") named.insert(ev["tid"].get<int>());
    if (ev["ph"] == "X") {
      used.insert(ev["tid"].get<int>());
      EXPECT_GE(ev["dur"].get<double>(), 0);
      const std::string name = ev["name"];
      (name[0] == 'F' ? forwards : backwards) += 1;
    }
  }
  EXPECT_EQ(named, (std::set<int>{0, 2}));
  EXPECT_EQ(used, (std::set<int>{0, 2}));
  // 1,024 sequences over dp 4: 256 micro-batches, each forward and backward on each traced stage.
  EXPECT_EQ(forwards, 2 * 256);
  EXPECT_EQ(backwards, 2 * 256);
  fs::remove(trace);
}

// DualPipe is simulated folded; its trace unfolds it: ranks r and pp - 1 - r run the same tasks at
// the same times, and every micro-batch's forward of model chunk g runs on rank g if it entered at
// rank 0 (the first half of the numbers) and on rank pp - 1 - g if it entered at rank pp - 1.
TEST(SimulateCli, DualPipeTraceHasEveryRankAndBothDirections) {
  const fs::path trace = scratch_path("trace_dualpipe.json");
  const SplitRun r = run_split("simulate " + data("dualpipe.yaml") + " --trace '" + trace.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json doc = nlohmann::json::parse(read_text(trace));
  const int pp = 4;
  const int64_t mbs = 16;
  std::set<int> named;
  std::map<std::pair<int, int64_t>, int> forward_rank;                 // (chunk, micro-batch) -> rank
  std::map<int, std::multiset<std::pair<double, double>>> spans;       // per rank: (start, end)
  for (const auto& ev : doc["traceEvents"]) {
    if (ev["ph"] == "M" && ev["name"] == "thread_name") named.insert(ev["tid"].get<int>());
    if (ev["ph"] != "X") continue;
    const int rank = ev["tid"].get<int>();
    const double ts = ev["ts"].get<double>();
    spans[rank].insert({ts, ts + ev["dur"].get<double>()});
    if (ev["name"].get<std::string>()[0] != 'F') continue;
    const auto key = std::pair{ev["args"]["chunk"].get<int>(), ev["args"]["micro_batch"].get<int64_t>()};
    EXPECT_TRUE(forward_rank.emplace(key, rank).second) << "chunk " << key.first << " mb " << key.second;
  }
  EXPECT_EQ(named, (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(static_cast<int64_t>(forward_rank.size()), pp * mbs);
  for (const auto& [key, rank] : forward_rank) {
    EXPECT_EQ(rank, key.second < mbs / 2 ? key.first : pp - 1 - key.first) << "chunk " << key.first << " mb "
                                                                           << key.second;
  }
  EXPECT_EQ(spans[0], spans[3]);
  EXPECT_EQ(spans[1], spans[2]);
  fs::remove(trace);
}

TEST(SimulateCli, TraceOfEveryStageByDefault) {
  const fs::path trace = scratch_path("trace_all.json");
  const SplitRun r = run_split("simulate " + source_path("configs/examples/gpt3-175b-h100-1024.yaml") + " --trace '" +
                               trace.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json doc = nlohmann::json::parse(read_text(trace));
  std::set<int> named;
  std::map<int, std::set<double>> task_ends;  // per stage
  std::vector<std::pair<int, double>> send_ends;
  for (const auto& ev : doc["traceEvents"]) {
    if (ev["ph"] == "M" && ev["name"] == "thread_name") named.insert(ev["tid"].get<int>());
    if (ev["ph"] != "X") continue;
    const std::pair<int, double> end{ev["tid"].get<int>(), ev["ts"].get<double>() + ev["dur"].get<double>()};
    if (ev["name"] == "send") {
      send_ends.push_back(end);
    } else {
      task_ends[end.first].insert(end.second);
    }
  }
  EXPECT_EQ(named.size(), 8u);  // pp 8
  // Megatron-LM waits for its pipeline sends: each is a slice closing the task that sent it.
  EXPECT_FALSE(send_ends.empty());
  for (const auto& [stage, end] : send_ends) {
    const std::set<double>& ends = task_ends[stage];
    const auto it = ends.lower_bound(end - 1e-3);  // microseconds, as printed
    EXPECT_TRUE(it != ends.end() && *it < end + 1e-3) << "stage " << stage << " send ending at " << end;
  }
  fs::remove(trace);
}

TEST(SimulateCli, AFailedRunLeavesNoTrace) {
  for (const char* bad : {"no_fit.yaml", "bad_degrees.yaml", "malformed.yaml"}) {
    const fs::path trace = scratch_path("failed_trace.json");
    const SplitRun r = run_split("simulate " + data(bad) + " --trace '" + trace.string() + "'");
    EXPECT_NE(r.status, 0);
    EXPECT_FALSE(fs::exists(trace)) << bad;
  }
}

}  // namespace
}  // namespace trnsim::testing

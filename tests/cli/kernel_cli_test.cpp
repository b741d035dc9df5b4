// The built `trnsim kernel` command: results, JSON, trace, and one clear message for each kind of
// bad input (exit codes: 2 input, 3 verify, 4 capacity, 5 runtime; nothing half-written).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_run.h"

namespace trnsim::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json run_json(const std::string& args) {
  CliRun r = run_trnsim(args + " --json", false);
  EXPECT_EQ(r.status, 0) << r.output;
  return nlohmann::json::parse(r.output);
}

fs::path temp_path(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("trnsim_cli_" + std::to_string(::getpid()) + "_" + name);
  fs::remove(p);
  return p;
}

TEST(KernelCli, JsonHasTheDocumentedKeysAndTheCheckPasses) {
  nlohmann::json j = run_json("kernel run gemm --chip trn2 --m 200 --n 300 --k 170");
  for (const char* key : {"time_s", "flops", "mfu", "instructions", "sim_wall_s", "engines", "hbm_read_bytes",
                          "hbm_bandwidth_utilization", "sbuf_peak_bytes_per_partition", "psum_peak_bytes_per_partition"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["time_s"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(j["flops"].get<double>(), 2.0 * 200 * 300 * 170);
  EXPECT_GT(j["engines"]["tensor"].get<double>(), 0);
  EXPECT_LE(j["engines"]["tensor"].get<double>(), 1.0);
  EXPECT_TRUE(j["passed"].get<bool>());
}

TEST(KernelCli, TimingModeGivesTheFunctionalModesTimes) {
  nlohmann::json f = run_json("kernel run softmax --rows 256 --cols 384");
  nlohmann::json t = run_json("kernel run softmax --rows 256 --cols 384 --mode timing");
  EXPECT_EQ(f["time_ps"], t["time_ps"]);
  EXPECT_EQ(f["instructions"], t["instructions"]);
  EXPECT_FALSE(t.contains("checks"));
}

TEST(KernelCli, TraceHasOneTrackPerEngineAndASlicePerInstruction) {
  const fs::path trace = temp_path("trace.json");
  CliRun r = run_trnsim("kernel run " + source_path("tests/data/asm/example_softmax.s") + " --trace " + trace.string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(trace);
  nlohmann::json doc = nlohmann::json::parse(in);
  std::set<std::string> tracks;
  int slices = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
    if (e["ph"] == "X") {
      ++slices;
      EXPECT_TRUE(e["args"].contains("instruction"));
    }
  }
  for (const char* t : {"tensor", "vector", "scalar", "gpsimd", "dma.q0", "dma.q1"}) EXPECT_TRUE(tracks.count(t)) << t;
  EXPECT_EQ(slices, 6);
  fs::remove(trace);
}

void expect_one_clear_error(const CliRun& r, int status, const std::string& fragment) {
  EXPECT_EQ(r.status, status) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("trnsim: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
}

TEST(KernelCli, MalformedAssemblyNamesFileLineAndColumn) {
  expect_one_clear_error(run_trnsim("kernel run " + source_path("tests/data/asm/bad_malformed_ap.s")), 2,
                         "bad_malformed_ap.s:");
}

TEST(KernelCli, IllegalInstructionIsAVerifyError) {
  expect_one_clear_error(run_trnsim("kernel run " + source_path("tests/data/asm/bad_k_too_big.s")), 3, "fix:");
}

TEST(KernelCli, IllegalKernelShapeSaysTheFix) {
  expect_one_clear_error(run_trnsim("kernel run gemm --m 0"), 2, "fix:");
}

TEST(KernelCli, UnknownKernelOptionIsAnError) {
  expect_one_clear_error(run_trnsim("kernel run gemm --mm 64"), 2, "mm");
}

TEST(KernelCli, CapacityOverflowInAssemblyIsACapacityError) {
  expect_one_clear_error(run_trnsim("kernel run " + source_path("tests/data/asm/bad_sbuf_overflow.s")), 4,
                         "over its capacity");
}

TEST(KernelCli, KernelShapeTooLargeForSbufSaysTheLimit) {
  expect_one_clear_error(run_trnsim("kernel run softmax --rows 128 --cols 1000000 --mode timing"), 2, "at most");
}

TEST(KernelCli, KernelTensorsPastHbmAreRefusedBeforeTheProgramIsBuilt) {
  // 10^11 rows would take minutes and host memory without bound to emit; the HBM check stops it first.
  expect_one_clear_error(run_trnsim("kernel run gemm --m 99999999999 --mode timing"), 4, "96.00 GiB of HBM");
}

TEST(KernelCli, UnknownChipListsThePresets) {
  expect_one_clear_error(run_trnsim("kernel run gemm --chip trn9"), 2, "trn2");
}

TEST(KernelCli, BadChipYamlNamesFileAndLine) {
  expect_one_clear_error(run_trnsim("kernel run gemm --chip " + source_path("tests/data/cli/bad_yaml_chip.yaml")), 2,
                         "bad_yaml_chip.yaml:");
}

TEST(KernelCli, DeadlockIsARuntimeErrorNamingTheBlockedInstruction) {
  expect_one_clear_error(run_trnsim("kernel run " + source_path("tests/data/cli/deadlock.s")), 5,
                         "semaphore 0 >= 1");
}

TEST(KernelCli, FailedRunLeavesNoTraceFile) {
  const fs::path trace = temp_path("never.json");
  CliRun r = run_trnsim("kernel run " + source_path("tests/data/cli/deadlock.s") + " --trace " + trace.string());
  EXPECT_EQ(r.status, 5) << r.output;
  EXPECT_FALSE(fs::exists(trace));
  EXPECT_FALSE(fs::exists(trace.string() + ".tmp"));
}

TEST(KernelCli, UnwritableTracePathIsAnInputError) {
  expect_one_clear_error(run_trnsim("kernel run gemm --m 64 --n 64 --k 64 --trace /nonexistent-dir/t.json"), 2,
                         "/nonexistent-dir/t.json");
}

TEST(KernelCli, ListShowsEveryKernel) {
  CliRun r = run_trnsim("kernel list");
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* k : {"gemm", "softmax", "rmsnorm", "layernorm", "gelu", "silu", "transpose"}) {
    EXPECT_NE(r.output.find(k), std::string::npos) << k;
  }
}

}  // namespace
}  // namespace trnsim::testing

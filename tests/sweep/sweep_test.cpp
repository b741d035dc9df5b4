// Sweeps through the library: the cross product, the CSV rows, invalid points, resuming after a
// kill, unknown keys, and the hardware keys reaching the models.
#include <gtest/gtest.h>

#include <fstream>

#include "sweep_test_util.h"
#include "trnsim/base/error.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/plan/sweep.h"
#include "trnsim/plan/sweep_csv.h"
#include "trnsim/plan/sweep_run.h"

namespace trnsim::plan {
namespace {

using trnsim::testing::read_text;
using trnsim::testing::rows_by_index;
using trnsim::testing::sweep_data;
using trnsim::testing::SweepScratch;
using trnsim::testing::text_lines;

SweepRunSummary run_quiet(const SweepSpec& spec, const std::string& out, int jobs = 2) {
  SweepRunOptions o;
  o.out = out;
  o.jobs = jobs;
  o.progress = nullptr;
  return run_sweep(spec, o);
}

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> f;
  EXPECT_TRUE(parse_csv_line(line, f));
  return f;
}

TEST(SweepSpecTest, CrossProductIsRowMajorWithRangesExpanded) {
  const SweepSpec spec = load_sweep(sweep_data("grid.yaml"));
  ASSERT_EQ(spec.parameters.size(), 3u);
  EXPECT_EQ(spec.parameters[2].values, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(spec.size(), 12);
  EXPECT_EQ(spec.point(0), (std::vector<std::string>{"100", "8", "1"}));
  EXPECT_EQ(spec.point(1), (std::vector<std::string>{"100", "8", "2"}));
  EXPECT_EQ(spec.point(2), (std::vector<std::string>{"100", "3", "1"}));
  EXPECT_EQ(spec.point(11), (std::vector<std::string>{"400", "4", "2"}));
}

TEST(SweepSpecTest, GeometricAndArithmeticRanges) {
  const ConfigNode root = ConfigNode::parse_yaml(
      "base: base-h100.yaml\n"
      "parameters:\n"
      "  training.micro_batch: {from: 1, to: 8, times: 2}\n"
      "  system.scale_out.bw_Gbps_per_accel: {from: 100, to: 400, step: 150}\n"
      "  system.scale_up.bw_GBps_per_accel_unidir: {from: 0.5, to: 1.5, step: 0.5}\n",
      sweep_data("ranges.yaml"));
  const SweepSpec spec = sweep_from_config(root, sweep_data("ranges.yaml"));
  EXPECT_EQ(spec.parameters[0].values, (std::vector<std::string>{"1", "2", "4", "8"}));
  EXPECT_EQ(spec.parameters[1].values, (std::vector<std::string>{"100", "250", "400"}));
  EXPECT_EQ(spec.parameters[2].values, (std::vector<std::string>{"0.5", "1", "1.5"}));
  const ConfigNode bad = ConfigNode::parse_yaml("base: base-h100.yaml\nparameters:\n  training.tp: {from: 1, to: 8}\n",
                                                sweep_data("bad.yaml"));
  EXPECT_THROW(sweep_from_config(bad, sweep_data("bad.yaml")), Error);
}

TEST(SweepRunTest, OneRowPerPointWithInvalidPointsAsRows) {
  const SweepScratch dir;
  const SweepSpec spec = load_sweep(sweep_data("grid.yaml"));
  const SweepRunSummary s = run_quiet(spec, (dir / "r.csv").string());
  EXPECT_EQ(s.points, 12);
  EXPECT_EQ(s.ran, 12);
  EXPECT_EQ(s.invalid, 4);
  const std::string text = read_text(dir / "r.csv");
  const auto lines = text_lines(text);
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(lines[0],
            "index,system.scale_out.bw_Gbps_per_accel,training.tp,training.micro_batch,step_time_s,tokens_per_s,mfu,"
            "memory_per_chip_bytes,fits,error");
  const auto rows = rows_by_index(text);
  ASSERT_EQ(rows.size(), 12u);
  for (const auto& [index, line] : rows) {
    const auto f = fields(line);
    ASSERT_EQ(f.size(), 10u) << line;
    EXPECT_EQ(std::vector<std::string>(f.begin() + 1, f.begin() + 4), spec.point(index));
    if (f[2] == "3") {  // tp 3: a row with its error, no numbers
      EXPECT_NE(f[9].find("tp"), std::string::npos) << line;
      EXPECT_EQ(f[4], "");
      EXPECT_EQ(f[8], "");
    } else {
      EXPECT_EQ(f[9], "") << line;
      EXPECT_EQ(f[8], "true");
      EXPECT_GT(std::stod(f[4]), 0);
      EXPECT_GT(std::stod(f[6]), 0);
      EXPECT_LT(std::stod(f[6]), 1);
    }
  }
  // The scale-out rate reaches the network model: a slower EFA does not make the step faster.
  const double slow = std::stod(fields(rows.at(0))[4]), fast = std::stod(fields(rows.at(6))[4]);
  EXPECT_GT(slow, fast);
}

TEST(SweepRunTest, ResumesAfterAKillWithoutLosingOrDuplicatingPoints) {
  const SweepScratch dir;
  const SweepSpec spec = load_sweep(sweep_data("grid.yaml"));
  run_quiet(spec, (dir / "full.csv").string(), 1);
  const auto full = rows_by_index(read_text(dir / "full.csv"));
  ASSERT_EQ(full.size(), 12u);

  // What a kill leaves: the header, five finished rows, and half of the sixth.
  std::string partial = csv_line(sweep_csv_columns(spec));
  for (long i : {0, 3, 4, 7, 9}) partial += full.at(i) + "\n";
  partial += full.at(10).substr(0, full.at(10).size() / 2);
  std::ofstream(dir / "r.csv", std::ios::binary) << partial;

  const ResultsFile before = read_results((dir / "r.csv").string(), spec);
  EXPECT_EQ(before.rows.size(), 5u);
  EXPECT_GT(before.torn_bytes, 0);

  const SweepRunSummary s = run_quiet(spec, (dir / "r.csv").string());
  EXPECT_EQ(s.resumed, 5);
  EXPECT_EQ(s.ran, 7);
  const std::string text = read_text(dir / "r.csv");
  EXPECT_EQ(text_lines(text).size(), 13u);
  EXPECT_EQ(rows_by_index(text), full);  // every point once, the same content as an uninterrupted run

  // A second rerun finds nothing to do.
  EXPECT_EQ(run_quiet(spec, (dir / "r.csv").string()).ran, 0);
  EXPECT_EQ(read_text(dir / "r.csv"), text);
}

TEST(SweepRunTest, RefusesTheResultsOfAnotherSweep) {
  const SweepScratch dir;
  const SweepSpec spec = load_sweep(sweep_data("grid.yaml"));
  std::ofstream(dir / "other.csv") << "index,training.tp,step_time_s\n0,8,1.0\n";
  EXPECT_THROW(run_quiet(spec, (dir / "other.csv").string()), Error);
  // Same columns, other values at an index: also another sweep.
  std::string text = csv_line(sweep_csv_columns(spec)) + "0,100,4,1,1,1,0.5,1,true,\n";
  std::ofstream(dir / "values.csv") << text;
  EXPECT_THROW(run_quiet(spec, (dir / "values.csv").string()), Error);
  EXPECT_EQ(read_text(dir / "values.csv"), text);
}

// A value with a line break is written on one line (the break a space) and read back as the same
// point, so a rerun resumes it instead of calling the file another sweep's.
TEST(SweepRunTest, ValuesWithLineBreaksResume) {
  const SweepScratch dir;
  std::ofstream(dir / "s.yaml") << "base:\n"
                                   "  system: {preset: p5.48xlarge, accelerator: h100-sxm, count: 8}\n"
                                   "  model: llama3-8b\n"
                                   "  training: {global_batch: 8, tp: 1, dp: 8, precision: bf16}\n"
                                   "parameters:\n"
                                   "  training.framework: [\"two\\nlines\", \"a, comma\"]\n";
  const SweepSpec spec = load_sweep((dir / "s.yaml").string());
  EXPECT_EQ(run_quiet(spec, (dir / "r.csv").string()).ran, 2);
  const std::string text = read_text(dir / "r.csv");
  EXPECT_EQ(text_lines(text).size(), 3u) << text;
  EXPECT_NE(text.find("two lines"), std::string::npos) << text;
  const SweepRunSummary again = run_quiet(spec, (dir / "r.csv").string());
  EXPECT_EQ(again.resumed, 2);
  EXPECT_EQ(again.ran, 0);
}

TEST(SweepKeysTest, UnknownKeyIsNamedWithTheClosestKnownOne) {
  try {
    load_sweep(sweep_data("unknown-key.yaml"));
    FAIL() << "an unknown key was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("'training.tpp'"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("training.tp'"), std::string::npos) << e.what();
  }
  auto message = [](const std::string& key) -> std::string {
    const std::string path = sweep_data("keys.yaml");
    const ConfigNode root = ConfigNode::parse_yaml("base: base-h100.yaml\nparameters:\n  " + key + ": [1]\n", path);
    try {
      check_sweep_keys(sweep_from_config(root, path));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message("system.scale_out.bw_Gbps_per_acel").find("did you mean 'system.scale_out.bw_Gbps_per_accel'"),
            std::string::npos);
  EXPECT_NE(message("trainig.tp").find("did you mean 'training.tp'"), std::string::npos);
  EXPECT_NE(message("accelerator.hbm_bandwith").find("did you mean 'accelerator.hbm_bandwidth'"), std::string::npos);
  EXPECT_NE(message("system.scaleout.latency").find("'system.scaleout.latency'"), std::string::npos);
  EXPECT_EQ(message("training.tp"), "");
  EXPECT_EQ(message("system.scale_up.hop_latency"), "");
}

TEST(SweepKeysTest, TrainiumHardwareKeysReachTheChipModel) {
  const SweepSpec spec = load_sweep(sweep_data("trn2-chip.yaml"));
  try {
    SweepSpec bad = spec;
    bad.parameters = {{"chip.sbuf.partition_byte", {"1"}}};
    check_sweep_keys(bad);
    FAIL() << "chip.sbuf.partition_byte was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'chip.sbuf.partition_bytes'"), std::string::npos) << e.what();
  }
  ASSERT_EQ(spec.size(), 4);
  const train::Experiment e = experiment_for_point(spec, 3);  // 4TB/s, 256KiB
  ASSERT_TRUE(e.system.accel.chip_override);
  EXPECT_EQ(e.system.accel.chip_override->sbuf.partition_bytes, 256 * 1024);
  EXPECT_DOUBLE_EQ(e.system.accel.hbm_bandwidth.bytes_per_s, 4e12);
  EXPECT_DOUBLE_EQ(e.system.accel.chip_override->hbm_bandwidth.bytes_per_s, 4e12);
  const PointResult small = run_point(spec, 0), big = run_point(spec, 3);
  ASSERT_EQ(small.error, "");
  ASSERT_EQ(big.error, "");
  EXPECT_GE(small.step_time_s, big.step_time_s);
}

TEST(SweepSpecTest, TheExampleSweepLoadsAndItsFirstPointRuns) {
  const SweepSpec spec = load_sweep(std::string(TRNSIM_SOURCE_DIR) + "/configs/examples/sweeps/trn2-links.yaml");
  EXPECT_EQ(spec.size(), 36);
  const PointResult p = run_point(spec, 0);
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(p.fits);
  EXPECT_GT(p.step_time_s, 0);
}

}  // namespace
}  // namespace trnsim::plan

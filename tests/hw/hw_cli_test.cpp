// The built `trnsim hw` command: exit codes and what it prints.
#include <gtest/gtest.h>

#include <string>

#include "../cli/cli_run.h"

namespace {

using trnsim::testing::count_lines;
using trnsim::testing::run_trnsim;
using trnsim::testing::CliRun;

TEST(HwCli, ShowTrn2PrintsSources) {
  CliRun r = run_trnsim("hw show trn2");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("NKI arch guide NC-v3 (nki/guides/architecture/trainium2_arch.rst)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("TensorE bf16 peak per core"), std::string::npos) << r.output;
}

TEST(HwCli, ShowJsonParses) {
  CliRun r = run_trnsim("hw show trn1 --json");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"core_bf16_tflops\""), std::string::npos) << r.output;
}

TEST(HwCli, UnknownChipIsOneClearMessage) {
  CliRun r = run_trnsim("hw show nosuchchip");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("chip 'nosuchchip'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trn2"), std::string::npos) << r.output;
}

TEST(HwCli, UnknownOptionIsAnError) {
  CliRun r = run_trnsim("hw show trn2 --jsn");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown option '--jsn'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--json"), std::string::npos) << r.output;
}

TEST(HwCli, ListNamesEveryPreset) {
  CliRun r = run_trnsim("hw list");
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* name : {"inf2", "trn1", "trn2", "trn3"}) EXPECT_NE(r.output.find(name), std::string::npos) << name;
}

}  // namespace

namespace {

TEST(HwCli, UnsourcedUserFileNeedsTheFlag) {
  std::string file = std::string("'") + TRNSIM_SOURCE_DIR + "/tests/data/hw/what_if_unsourced.yaml'";
  CliRun refused = run_trnsim("hw show " + file);
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("has no source"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--allow-unsourced"), std::string::npos) << refused.output;
  CliRun allowed = run_trnsim("hw show " + file + " --allow-unsourced");
  EXPECT_EQ(allowed.status, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("(unsourced)"), std::string::npos) << allowed.output;
}

}  // namespace

// `trnsim sweep` as a program: the unknown-key refusal and the MPI split and gather.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "../cli/cli_run.h"
#include "sweep_test_util.h"
#include "trnsim/plan/sweep_mpi.h"

namespace trnsim::plan {
namespace {

using trnsim::testing::read_text;
using trnsim::testing::rows_by_index;
using trnsim::testing::run_trnsim;
using trnsim::testing::sweep_data;
using trnsim::testing::SweepScratch;
using trnsim::testing::text_lines;

std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

TEST(SweepCliTest, UnknownKeyExitsWithTheKeyNamedAndWritesNothing) {
  const SweepScratch dir;
  const auto r = run_trnsim("sweep '" + sweep_data("unknown-key.yaml") + "' --out " + q(dir / "r.csv") + " --quiet");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown parameter key 'training.tpp'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'training.tp'"), std::string::npos) << r.output;
  EXPECT_EQ(text_lines(r.output).size(), 1u) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.csv"));
}

TEST(SweepCliTest, MpiRanksSplitThePointsAndRankZeroGathersThem) {
  if (!mpi_built()) GTEST_SKIP() << "built without MPI (scripts/setup.sh installs Open MPI)";
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun not found";
  const SweepScratch dir;
  const std::string sweep = "'" + sweep_data("grid.yaml") + "'";
  const auto single = run_trnsim("sweep " + sweep + " --out " + q(dir / "single.csv") + " --jobs 2 --quiet");
  ASSERT_EQ(single.status, 0) << single.output;

  const std::string mpirun = "mpirun --allow-run-as-root --oversubscribe -n 3 '" + std::string(TRNSIM_BINARY) + "' ";
  const std::string cmd = mpirun + "sweep " + sweep + " --out " + q(dir / "mpi.csv") + " --jobs 1";
  ASSERT_EQ(std::system(("cd " + q(dir.path()) + " && " + cmd + " > mpi.log 2>&1").c_str()), 0) << read_text(dir / "mpi.log");

  // Each rank wrote its own share, round-robin by index.
  for (int rank = 0; rank < 3; ++rank) {
    const auto part = rows_by_index(read_text(dir / ("mpi.csv.rank" + std::to_string(rank))));
    EXPECT_EQ(part.size(), 4u);
    for (const auto& [index, row] : part) EXPECT_EQ(index % 3, rank);
  }
  // The gathered file is sorted by index and holds what one process computes.
  const std::string gathered = read_text(dir / "mpi.csv");
  const auto lines = text_lines(gathered);
  ASSERT_EQ(lines.size(), 13u) << gathered;
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i].substr(0, lines[i].find(',')), std::to_string(i - 1));
  EXPECT_EQ(lines[0], text_lines(read_text(dir / "single.csv"))[0]);
  EXPECT_EQ(rows_by_index(gathered), rows_by_index(read_text(dir / "single.csv")));
}

}  // namespace
}  // namespace trnsim::plan

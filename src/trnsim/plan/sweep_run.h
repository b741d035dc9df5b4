// Running a sweep: the points not yet in the results file, on a pool of threads, each finished
// row appended at once; a share of the points when several processes (MPI ranks) split them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "trnsim/plan/sweep.h"

namespace trnsim::plan {

struct SweepRunOptions {
  std::string out;             // results file; with ranks > 1 this rank writes rank_part_path(out, rank)
  int jobs = 0;                // threads; <= 0: one per host core
  int rank = 0, ranks = 1;     // this process runs the points whose index % ranks == rank
  std::FILE* progress = stderr;  // null: no progress
};

struct SweepRunSummary {
  std::string file;     // the file this process wrote
  int64_t points = 0;   // points of this process's share
  int64_t resumed = 0;  // found already done in the file
  int64_t ran = 0;      // run now
  int64_t invalid = 0;  // rows with an error, of those run now
};

// Runs every point of this process's share that the results file does not hold yet. Throws
// trnsim::Error when the file is another sweep's or cannot be written.
SweepRunSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& opts);

// "results.csv" -> "results.csv.rank3".
std::string rank_part_path(const std::string& out, int rank);

}  // namespace trnsim::plan

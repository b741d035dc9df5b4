// trnsim sweep sweep.yaml [--out results.csv] [--jobs N] [--quiet]; under mpirun the ranks split
// the points and rank 0 gathers them (docs/sweeps.md).
#include <cstdio>
#include <filesystem>

#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/plan/sweep.h"
#include "trnsim/plan/sweep_csv.h"
#include "trnsim/plan/sweep_mpi.h"
#include "trnsim/plan/sweep_run.h"

namespace trnsim::cli {
namespace {

constexpr const char* kHelp =
    "usage: trnsim sweep <sweep.yaml> [--out results.csv] [--jobs N] [--quiet]\n"
    "  Simulates one training step at every point of the cross product of the sweep's parameters\n"
    "  and writes one CSV row per point (index first; rows in completion order). A rerun resumes:\n"
    "  points already in --out are skipped. --out defaults to <sweep name>.csv; --jobs to one\n"
    "  thread per core. Under 'mpirun -n N' the ranks split the points, each writes\n"
    "  <out>.rank<K>, and rank 0 writes <out> sorted by index. Format: docs/sweeps.md.\n"
    "  Exit codes: 0 done (invalid points are rows with an error), 2 bad sweep file or --out\n"
    "  belongs to another sweep, 5 the results cannot be written.\n";

void print_summary(const plan::SweepRunSummary& s, const std::string& label) {
  std::fprintf(stderr, "%ssweep: %lld points in %s (%lld already there, %lld run now, %lld invalid)\n", label.c_str(),
               static_cast<long long>(s.points), s.file.c_str(), static_cast<long long>(s.resumed),
               static_cast<long long>(s.ran), static_cast<long long>(s.invalid));
}

int run_with_mpi(const plan::MpiSession& mpi, const std::string& sweep_path, plan::SweepRunOptions ro) {
  ro.rank = mpi.rank();
  ro.ranks = mpi.size();
  const std::string label = "rank " + std::to_string(mpi.rank()) + ": ";
  plan::SweepSpec spec;
  plan::SweepRunSummary summary;
  std::string rows;
  ErrorKind kind = ErrorKind::kInput;
  std::string error;
  bool loaded = false;
  try {
    spec = plan::load_sweep(sweep_path);
    loaded = true;
    summary = plan::run_sweep(spec, ro);
    for (const auto& row : plan::read_results(summary.file, spec).rows) rows += row;
  } catch (const Error& e) {
    kind = e.kind();
    error = e.what();
  }
  // Every rank learns whether all succeeded, so that none waits for a gather that will not come.
  if (!mpi.all(error.empty())) {
    // Every rank reads the same sweep file: rank 0 alone reports an error in it.
    if (!error.empty() && (mpi.rank() == 0 || loaded)) {
      std::fprintf(stderr, "trnsim: error: %s%s\n", label.c_str(), error.c_str());
    }
    return exit_code_for(error.empty() ? ErrorKind::kRuntime : kind);
  }
  if (ro.progress) print_summary(summary, label);
  const std::vector<std::string> parts = mpi.gather(rows);
  if (mpi.rank() != 0) return 0;
  std::vector<std::string> all;
  for (const auto& part : parts) {
    for (size_t start = 0; start < part.size();) {
      const size_t end = part.find('\n', start);
      all.push_back(part.substr(start, end + 1 - start));
      start = end + 1;
    }
  }
  plan::write_results_file(ro.out, plan::sorted_results(spec, all));
  if (ro.progress) {
    std::fprintf(stderr, "sweep: gathered %zu rows from %d ranks into %s\n", all.size(), mpi.size(), ro.out.c_str());
  }
  return 0;
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kHelp)) return *rc;
  Options opts("sweep", args, {"quiet"});
  const bool quiet = opts.flag("quiet");
  const auto out = opts.take("out");
  const int64_t jobs = opts.take_int("jobs", 0, 0, 4096);
  opts.finish();
  if (opts.positional().size() != 1) {
    throw input_error("trnsim sweep", "needs exactly one sweep file", "e.g. trnsim sweep configs/examples/sweeps/trn2-links.yaml");
  }
  const std::string& path = opts.positional()[0];
  plan::SweepRunOptions ro;
  ro.out = out ? *out : std::filesystem::path(path).stem().string() + ".csv";
  ro.jobs = static_cast<int>(jobs);
  ro.progress = quiet ? nullptr : stderr;

  if (const auto mpi = plan::start_mpi_if_launched()) return run_with_mpi(*mpi, path, ro);
  const plan::SweepSpec spec = plan::load_sweep(path);
  const plan::SweepRunSummary summary = plan::run_sweep(spec, ro);
  if (!quiet) print_summary(summary, "");
  return 0;
}

}  // namespace trnsim::cli

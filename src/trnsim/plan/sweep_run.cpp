#include "trnsim/plan/sweep_run.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/plan/sweep_csv.h"
#include "trnsim/plan/sweep_progress.h"

namespace trnsim::plan {

std::string rank_part_path(const std::string& out, int rank) { return out + ".rank" + std::to_string(rank); }

SweepRunSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& opts) {
  SweepRunSummary s;
  s.file = opts.ranks > 1 ? rank_part_path(opts.out, opts.rank) : opts.out;
  const ResultsFile existing = read_results(s.file, spec);
  const std::unordered_set<int64_t> done(existing.indices.begin(), existing.indices.end());
  std::vector<int64_t> todo;
  for (int64_t i = opts.rank; i < spec.size(); i += opts.ranks) {
    ++s.points;
    if (done.count(i)) ++s.resumed;
    else todo.push_back(i);
  }
  if (s.resumed != static_cast<int64_t>(done.size())) {
    throw input_error(s.file, "holds points that are not rank " + std::to_string(opts.rank) + " of " +
                                  std::to_string(opts.ranks) + "'s share",
                      "resume with the same number of ranks, or delete the part files");
  }
  ResultsWriter writer(s.file, spec, existing);
  const std::string label = opts.ranks > 1 ? "rank " + std::to_string(opts.rank) + ": " : "";
  SweepProgress progress(opts.progress, s.points, s.resumed, label);

  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = static_cast<int>(std::min<int64_t>(opts.jobs > 0 ? opts.jobs : hw, std::max<size_t>(1, todo.size())));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex mu;  // progress, counters and the first failure
  auto work = [&] {
    for (size_t k = next++; k < todo.size() && !failed; k = next++) {
      const PointResult p = run_point(spec, todo[k]);
      try {
        writer.append(format_row(p));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
        failed = true;
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      ++s.ran;
      s.invalid += !p.error.empty();
      progress.tick(!p.error.empty());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  progress.finish();
  return s;
}

}  // namespace trnsim::plan

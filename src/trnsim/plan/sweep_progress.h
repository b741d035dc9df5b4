// Progress of a sweep on a stream (stderr): a bar redrawn in place when the stream is a terminal,
// otherwise a plain line every few seconds and at the end, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace trnsim::plan {

class SweepProgress {
 public:
  // `total`: points this process runs, `done`: those already in the results file. `label`
  // prefixes each line ("rank 2: " under MPI). A null stream shows nothing.
  SweepProgress(std::FILE* stream, int64_t total, int64_t done, std::string label);
  // One more point finished (`error`: it was invalid). Not thread-safe: callers serialise.
  void tick(bool error);
  void finish();

 private:
  void show(bool final);
  std::FILE* stream_;
  bool tty_;
  int64_t total_, done_, resumed_, errors_ = 0;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace trnsim::plan

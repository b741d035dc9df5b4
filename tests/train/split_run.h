// Runs the built trnsim command with stdout and stderr kept apart, for the simulate, validate and
// collective command tests (which check that an error is exactly one line on stderr).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace trnsim::testing {

struct SplitRun {
  int status = -1;
  std::string out, err;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in the temp directory unique to this test process, removed first.
inline std::filesystem::path scratch_path(const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() / ("trnsim_train_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove(p);
  return p;
}

inline SplitRun run_split(const std::string& args) {
  const auto out = scratch_path("stdout.txt"), err = scratch_path("stderr.txt");
  const std::string cmd = std::string("'") + TRNSIM_BINARY + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int raw = std::system(cmd.c_str());
  SplitRun r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace trnsim::testing

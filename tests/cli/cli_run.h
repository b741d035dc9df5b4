// Runs the built trnsim command (TRNSIM_BINARY, set by CMake) and captures its exit status and output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace trnsim::testing {

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr together
};

inline CliRun run_trnsim(const std::string& args, bool with_stderr = true) {
  CliRun r;
  std::string cmd = std::string("'") + TRNSIM_BINARY + "' " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

inline std::string source_path(const std::string& rel) { return std::string("'") + TRNSIM_SOURCE_DIR + "/" + rel + "'"; }

}  // namespace trnsim::testing

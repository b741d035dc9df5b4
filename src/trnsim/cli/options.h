// A small command-line option reader shared by the subcommands: --key value, --flag, positional
// arguments; every option not taken by the command is an error naming it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trnsim::cli {

// A subcommand called bare or with --help / -h: prints `help` (to stderr when bare, stdout when
// asked) and returns the exit code (2 bare, 0 asked); otherwise nullopt.
std::optional<int> help_exit(const std::vector<std::string>& args, const char* help);

class Options {
 public:
  // `flags`: options that take no value. Every other --key takes the next argument as its value.
  Options(const std::string& command, const std::vector<std::string>& args, const std::vector<std::string>& flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool flag(const std::string& name);
  std::optional<std::string> take(const std::string& name);
  std::string take(const std::string& name, const std::string& dflt);
  int64_t take_int(const std::string& name, int64_t dflt, int64_t lo, int64_t hi);
  // The options nobody took, in the order given (for passing through, e.g. kernel shapes).
  std::vector<std::pair<std::string, std::string>> rest();
  // Throws if any option was not taken.
  void finish() const;

 private:
  std::string command_;
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> opts_;  // name, value ("" for flags)
  std::vector<bool> taken_;
};

}  // namespace trnsim::cli

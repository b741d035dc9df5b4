#include "trnsim/cli/options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "trnsim/base/error.h"

namespace trnsim::cli {

std::optional<int> help_exit(const std::vector<std::string>& args, const char* help) {
  if (!args.empty() && args[0] != "--help" && args[0] != "-h") return std::nullopt;
  std::fputs(help, args.empty() ? stderr : stdout);
  return args.empty() ? 2 : 0;
}

Options::Options(const std::string& command, const std::vector<std::string>& args,
                 const std::vector<std::string>& flags)
    : command_(command) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const bool is_flag = [&] {
      const std::string bare = name.substr(0, name.find('='));
      return std::find(flags.begin(), flags.end(), bare) != flags.end();
    }();
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      if (is_flag) {
        throw input_error(command_, "option --" + name + " takes no value, and was given '" + value + "'",
                          "write --" + name + " to turn it on, or leave it out");
      }
    } else if (!is_flag) {
      // The next argument is the value, unless it is itself an option (a value was left out).
      if (i + 1 >= args.size() || (args[i + 1].rfind("--", 0) == 0 && args[i + 1].size() > 2)) {
        throw input_error(command_, "option --" + name + " needs a value" +
                                        (i + 1 < args.size() ? ", and the next argument " + args[i + 1] + " is an option" : ""),
                          "write --" + name + " <value>; run 'trnsim " + command_ + " --help' for the options");
      }
      value = args[++i];
    }
    if (!is_flag && value.empty()) {
      throw input_error(command_, "option --" + name + " was given an empty value",
                        "write --" + name + " <value>, or leave the option out for its default");
    }
    opts_.emplace_back(name, value);
  }
  taken_.assign(opts_.size(), false);
}

bool Options::flag(const std::string& name) {
  bool found = false;
  for (size_t i = 0; i < opts_.size(); ++i) {
    if (opts_[i].first == name) {
      taken_[i] = true;
      found = true;
    }
  }
  return found;
}

std::optional<std::string> Options::take(const std::string& name) {
  std::optional<std::string> v;
  for (size_t i = 0; i < opts_.size(); ++i) {
    if (opts_[i].first == name) {
      taken_[i] = true;
      v = opts_[i].second;
    }
  }
  return v;
}

std::string Options::take(const std::string& name, const std::string& dflt) {
  auto v = take(name);
  return v ? *v : dflt;
}

int64_t Options::take_int(const std::string& name, int64_t dflt, int64_t lo, int64_t hi) {
  auto v = take(name);
  if (!v) return dflt;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || x < lo || x > hi) {
    throw input_error(command_, "--" + name + " " + *v + " is not a valid value",
                      "use a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return x;
}

std::vector<std::pair<std::string, std::string>> Options::rest() {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < opts_.size(); ++i) {
    if (!taken_[i]) {
      out.push_back(opts_[i]);
      taken_[i] = true;
    }
  }
  return out;
}

void Options::finish() const {
  for (size_t i = 0; i < opts_.size(); ++i) {
    if (!taken_[i]) {
      throw input_error(command_, "unknown option --" + opts_[i].first, "run 'trnsim " + command_ + " --help' for the options");
    }
  }
}

}  // namespace trnsim::cli

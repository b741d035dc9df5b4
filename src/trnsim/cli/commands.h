// One function per subcommand; each lives in its own cmd_<name>.cpp.
#pragma once

#include <string>
#include <vector>

namespace trnsim::cli {

int run_hw(const std::vector<std::string>& args);
int run_kernel(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_validate(const std::vector<std::string>& args);
int run_collective(const std::vector<std::string>& args);
int run_compare(const std::vector<std::string>& args);
int run_plan(const std::vector<std::string>& args);
int run_sweep(const std::vector<std::string>& args);

}  // namespace trnsim::cli

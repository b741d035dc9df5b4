#include "trnsim/cli/commands.h"
#include "trnsim/base/error.h"

namespace trnsim::cli {
// Placeholder until the chip loader lands (this session).
int run_hw(const std::vector<std::string>&) {
  throw input_error("trnsim hw", "is not built yet");
}
}  // namespace trnsim::cli

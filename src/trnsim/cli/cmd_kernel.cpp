#include "trnsim/cli/commands.h"
#include "trnsim/base/error.h"

namespace trnsim::cli {
// Placeholder until the kernel runner lands (this session).
int run_kernel(const std::vector<std::string>&) {
  throw input_error("trnsim kernel", "is not built yet");
}
}  // namespace trnsim::cli

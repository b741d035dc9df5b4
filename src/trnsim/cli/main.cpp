// The trnsim command: dispatches to one file per subcommand and maps errors to exit codes.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"

namespace {

void usage() {
  std::fputs(
      "usage: trnsim <command> [options]\n"
      "commands:\n"
      "  hw show <chip|file.yaml> [--json]     print a chip preset with the source of every figure\n"
      "  hw list                               list the chip presets\n"
      "  kernel run <kernel|file.s> [options]  run a kernel on one NeuronCore (see 'trnsim kernel --help')\n"
      "  kernel list                           list the built-in kernels\n"
      "  simulate <experiment.yaml> [--json]   one training step: time, tokens/s, MFU, memory, breakdown\n"
      "  validate <runs.yaml> [--json]         score predicted step times against published runs\n"
      "  collective --system <preset> [...]    collective timings like nccl-tests (see 'trnsim collective --help')\n"
      "  compare <exp.yaml> --systems A,B      time, dollars and energy of a token budget per system (see 'trnsim compare --help')\n"
      "  plan <exp.yaml> [--objective time|cost|energy] [--top K] [--json]   search parallel plans\n"
      "  sweep <sweep.yaml> [--out r.csv]      one step at every point of a parameter sweep, resumable, MPI-aware\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage();
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "hw") return trnsim::cli::run_hw(args);
    if (cmd == "kernel") return trnsim::cli::run_kernel(args);
    if (cmd == "simulate") return trnsim::cli::run_simulate(args);
    if (cmd == "validate") return trnsim::cli::run_validate(args);
    if (cmd == "collective") return trnsim::cli::run_collective(args);
    if (cmd == "compare") return trnsim::cli::run_compare(args);
    if (cmd == "plan") return trnsim::cli::run_plan(args);
    if (cmd == "sweep") return trnsim::cli::run_sweep(args);
    std::fprintf(stderr, "trnsim: unknown command '%s'\n", cmd.c_str());
    usage();
    return 2;
  } catch (const trnsim::Error& e) {
    std::fprintf(stderr, "trnsim: error: %s\n", e.what());
    return trnsim::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trnsim: internal error: %s\n", e.what());
    return 70;
  }
}

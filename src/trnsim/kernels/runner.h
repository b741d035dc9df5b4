// Running a library kernel on the simulator and checking its outputs against its reference.
#pragma once

#include <cstdint>
#include <string>

#include "trnsim/core/simulator.h"
#include "trnsim/kernels/kernel.h"

namespace trnsim::kernels {

struct OutputCheck {
  std::string tensor;
  int64_t elements = 0;
  int64_t mismatches = 0;   // elements outside the tolerance
  double max_abs_error = 0;
  std::string first_mismatch;  // "c[3, 17]: got 1.5, want 1.25" (empty when none)
};

struct KernelRun {
  core::RunResult result;
  std::vector<OutputCheck> checks;  // functional mode only
  bool ok() const {
    for (const auto& c : checks) {
      if (c.mismatches) return false;
    }
    return true;
  }
};

// Timing mode touches no data and checks nothing. Functional mode fills the inputs from `seed`,
// runs, and compares every output with the kernel's reference under its tolerance.
// `opts` also chooses rounding, tracing and how many cores share HBM.
KernelRun run_kernel(const BuiltKernel& kernel, const hw::ChipSpec& chip, const core::SimOptions& opts);
inline KernelRun run_kernel(const BuiltKernel& kernel, const hw::ChipSpec& chip, core::Mode mode, uint64_t seed = 1) {
  core::SimOptions opts;
  opts.mode = mode;
  opts.seed = seed;
  return run_kernel(kernel, chip, opts);
}

}  // namespace trnsim::kernels

// Runs a built kernel on the core simulator: fills its inputs with seeded random values, runs it,
// and in functional mode checks every output against the kernel's reference and tolerance.
#pragma once

#include <string>
#include <vector>

#include "trnsim/core/simulator.h"
#include "trnsim/kernels/kernel.h"

namespace trnsim::kernels {

struct OutputCheck {
  std::string tensor;
  double max_abs_error = 0;
  double max_rel_error = 0;  // over elements whose reference magnitude is above 1e-6
  Tolerance tolerance;
  int64_t failures = 0;      // elements outside tolerance (NaN counts as outside)
  bool passed() const { return failures == 0; }
};

struct KernelRun {
  core::RunResult result;
  std::vector<OutputCheck> checks;  // empty in timing mode
  bool passed() const {
    for (const auto& c : checks) {
      if (!c.passed()) return false;
    }
    return true;
  }
};

KernelRun run_kernel(const BuiltKernel& kernel, const hw::ChipSpec& chip, const core::SimOptions& opts);

// Compares `got` with `want` element by element under `tol`.
OutputCheck compare_output(const std::string& tensor, const std::vector<float>& got,
                           const std::vector<float>& want, const Tolerance& tol);

}  // namespace trnsim::kernels

#include "trnsim/kernels/kernel_run.h"

#include <cmath>

#include "trnsim/base/error.h"

namespace trnsim::kernels {

OutputCheck compare_output(const std::string& tensor, const std::vector<float>& got,
                           const std::vector<float>& want, const Tolerance& tol) {
  OutputCheck c;
  c.tensor = tensor;
  c.tolerance = tol;
  if (got.size() != want.size()) {
    c.failures = static_cast<int64_t>(std::max(got.size(), want.size()));
    return c;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    const double err = std::fabs(g - w);
    if (!(err <= tol.abs + tol.rel * std::fabs(w))) ++c.failures;  // NaN fails
    if (std::isfinite(err)) {
      c.max_abs_error = std::max(c.max_abs_error, err);
      if (std::fabs(w) > 1e-6) c.max_rel_error = std::max(c.max_rel_error, err / std::fabs(w));
    }
  }
  return c;
}

KernelRun run_kernel(const BuiltKernel& kernel, const hw::ChipSpec& chip, const core::SimOptions& opts) {
  KernelRun run;
  const isa::Program& prog = kernel.program;
  if (opts.mode == core::Mode::kTiming) {
    run.result = core::simulate(chip, prog, opts, nullptr);
    return run;
  }
  core::HbmImage hbm(prog, true);
  TensorMap inputs = random_inputs(prog, opts.seed);
  for (int t = 0; t < hbm.count(); ++t) {
    auto it = inputs.find(hbm.info(t).name);
    if (it != inputs.end()) hbm.write_f32(t, it->second);
  }
  run.result = core::simulate(chip, prog, opts, &hbm);
  if (!kernel.reference) return run;
  const TensorMap want = kernel.reference(inputs);
  for (int t = 0; t < hbm.count(); ++t) {
    const isa::HbmTensor& info = hbm.info(t);
    if (info.role != isa::TensorRole::kOutput) continue;
    auto w = want.find(info.name);
    if (w == want.end()) continue;
    auto tol = kernel.tolerance.find(info.name);
    if (tol == kernel.tolerance.end()) tol = kernel.tolerance.find("*");
    const Tolerance t_used = tol != kernel.tolerance.end() ? tol->second : Tolerance{};
    run.checks.push_back(compare_output(info.name, hbm.read_f32(t), w->second, t_used));
  }
  return run;
}

}  // namespace trnsim::kernels

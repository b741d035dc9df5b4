#include "trnsim/kernels/runner.h"

#include <cmath>
#include <sstream>

#include "trnsim/numerics/convert.h"

namespace trnsim::kernels {

TensorMap random_inputs(const isa::Program& program, uint64_t seed, float range) {
  Rng rng(seed);
  TensorMap m;
  for (const auto& t : program.tensors) {
    if (t.role != isa::TensorRole::kInput) continue;
    std::vector<float> v(static_cast<size_t>(t.elems()));
    for (auto& x : v) x = numerics::quantize(t.dtype, (2.0f * rng.next_float() - 1.0f) * range);
    m[t.name] = std::move(v);
  }
  return m;
}

namespace {

OutputCheck compare(const isa::HbmTensor& t, const std::vector<float>& got, const std::vector<float>& want,
                    const Tolerance& tol) {
  OutputCheck c;
  c.tensor = t.name;
  c.elements = static_cast<int64_t>(got.size());
  const int64_t cols = t.shape.empty() ? 1 : t.shape.back();
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    c.max_abs_error = std::max(c.max_abs_error, std::isnan(err) ? INFINITY : err);
    if (!(err <= tol.abs + tol.rel * std::fabs(want[i]))) {
      if (c.mismatches++ == 0) {
        std::ostringstream s;
        s << t.name << "[" << static_cast<int64_t>(i) / cols << ", " << static_cast<int64_t>(i) % cols
          << "]: got " << got[i] << ", want " << want[i];
        c.first_mismatch = s.str();
      }
    }
  }
  if (got.size() != want.size()) {
    c.mismatches += 1;
    c.first_mismatch = t.name + ": reference has " + std::to_string(want.size()) + " elements, output " +
                       std::to_string(got.size());
  }
  return c;
}

}  // namespace

KernelRun run_kernel(const BuiltKernel& kernel, const hw::ChipSpec& chip, const core::SimOptions& opts) {
  KernelRun run;
  const uint64_t seed = opts.seed;
  const bool functional = opts.mode == core::Mode::kFunctional;
  core::HbmImage hbm(kernel.program, functional);
  TensorMap inputs;
  if (functional) {
    inputs = random_inputs(kernel.program, seed);
    for (const auto& [name, values] : inputs) hbm.write_f32(kernel.program.find_tensor(name), values);
  }
  run.result = core::simulate(chip, kernel.program, opts, functional ? &hbm : nullptr);
  if (!functional) return run;
  const TensorMap want = kernel.reference(inputs);
  for (size_t i = 0; i < kernel.program.tensors.size(); ++i) {
    const auto& t = kernel.program.tensors[i];
    if (t.role != isa::TensorRole::kOutput) continue;
    auto tol = kernel.tolerance.find(t.name);
    run.checks.push_back(compare(t, hbm.read_f32(static_cast<int>(i)), want.at(t.name),
                                 tol == kernel.tolerance.end() ? Tolerance{} : tol->second));
  }
  return run;
}

}  // namespace trnsim::kernels

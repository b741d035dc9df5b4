#include "trnsim/train/validation.h"

#include <algorithm>
#include <cmath>

#include "trnsim/train/step.h"

namespace trnsim::train {

void summarize(const std::vector<RunScore>& runs, double& median, double& max, int& scored) {
  std::vector<double> errs;
  for (const auto& r : runs) {
    if (r.error) errs.push_back(std::fabs(*r.error));
  }
  scored = static_cast<int>(errs.size());
  median = max = 0;
  if (errs.empty()) return;
  std::sort(errs.begin(), errs.end());
  const size_t n = errs.size();
  median = n % 2 ? errs[n / 2] : 0.5 * (errs[n / 2 - 1] + errs[n / 2]);
  max = errs.back();
}

ValidationReport validate_runs(const std::vector<Experiment>& runs) {
  ValidationReport rep;
  StepOptions opts;
  opts.ignore_memory = true;  // these runs ran; a failed memory check is reported, not fatal
  for (const auto& e : runs) {
    const StepResult r = simulate_step(e, opts);
    RunScore s;
    s.id = e.id;
    s.accelerator = e.system.accel.name;
    s.count = e.system.count;
    s.predicted_step_time_s = r.step_time_s;
    s.fits = r.fits;
    s.mfu = r.mfu;
    if (e.measured && e.measured->step_time_s) {
      s.measured_step_time_s = e.measured->step_time_s;
      s.error = (r.step_time_s - *e.measured->step_time_s) / *e.measured->step_time_s;
    }
    rep.runs.push_back(s);
  }
  summarize(rep.runs, rep.median_abs_error, rep.max_abs_error, rep.scored);
  return rep;
}

}  // namespace trnsim::train

// Scoring predicted step times against published runs (validation/runs.yaml).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trnsim/train/experiment.h"

namespace trnsim::train {

struct RunScore {
  std::string id, accelerator;
  int64_t count = 0;
  double predicted_step_time_s = 0;
  std::optional<double> measured_step_time_s;
  std::optional<double> error;  // (predicted - measured) / measured; none when not scored
  bool fits = true;             // our memory check; a published run that "does not fit" is flagged
  double mfu = 0;
  // The planner's plan (plan/unstated.h) and why the run needed one, for a run that does not
  // state its layout or does not fit as it states it (set by the caller).
  std::string planned, planned_because;
};

struct ValidationReport {
  std::vector<RunScore> runs;
  double median_abs_error = 0, max_abs_error = 0;
  int scored = 0;
};

ValidationReport validate_runs(const std::vector<Experiment>& runs);
// Median and max absolute error over the scored runs of `runs`.
void summarize(const std::vector<RunScore>& runs, double& median, double& max, int& scored);

}  // namespace trnsim::train

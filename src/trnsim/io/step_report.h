// Results of a training-step simulation for people (text), tools (JSON) and Perfetto (trace).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace trnsim::io {

// A plan's degrees and options, with the key names of a `training:` block.
nlohmann::json plan_json(const train::ParallelPlan& p);
nlohmann::json step_result_json(const train::Experiment& e, const train::StepResult& r);
std::string format_step_summary(const train::Experiment& e, const train::StepResult& r);
// One track per pipeline stage in `stages` (empty: all), one slice per forward / backward chunk.
std::string step_trace_json(const train::Experiment& e, const train::StepResult& r, const std::vector<int>& stages);

}  // namespace trnsim::io

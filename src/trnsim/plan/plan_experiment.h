// An experiment file read as the planner's starting point: like train::load_experiment, but the
// training block need not hold a legal plan (only global_batch and precision are kept; every
// degree is searched), so `training: {global_batch: 1024, precision: bf16}` is enough.
#pragma once

#include <string>

#include "trnsim/train/experiment.h"

namespace trnsim::plan {

train::Experiment load_plan_experiment(const std::string& path);

}  // namespace trnsim::plan

// Published runs that leave their parallel layout unstated (neither tp nor dp): the fastest plan
// that fits in memory among those keeping every key the run states. A tuned production run used a
// layout that fit and ran well, so the planner's best is the closest stand-in; the defaults of
// train::plan_from_config (tp 1 or 2, ZeRO-1, no recompute) need not even fit (docs/validation.md).
#pragma once

#include <optional>

#include "trnsim/train/experiment.h"

namespace trnsim::plan {

// The plan with `e`'s unstated keys chosen; none when its layout is stated or no plan keeping its
// stated keys fits.
std::optional<train::ParallelPlan> plan_unstated_keys(const train::Experiment& e);

}  // namespace trnsim::plan

// Published runs that leave their parallel layout unstated (neither tp nor dp): the fastest plan
// that fits in memory among those keeping every key the run states. A tuned production run used a
// layout that fit and ran well, so the planner's best is the closest stand-in; the defaults of
// train::plan_from_config (tp 1 or 2, ZeRO-1, no recompute) need not even fit (docs/validation.md).
#pragma once

#include "trnsim/train/experiment.h"

namespace trnsim::plan {

// `e` with its unstated keys planned and `planned` set to the plan's label; `e` unchanged when its
// layout is stated or no plan keeping its stated keys fits.
train::Experiment with_unstated_keys_planned(const train::Experiment& e);

}  // namespace trnsim::plan

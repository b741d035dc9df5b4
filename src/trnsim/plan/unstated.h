// Published runs whose plan is partly unpublished: the fastest plan that fits in memory among those
// keeping every published key (train::Unstated). A run that states neither tp nor dp is always
// planned: a tuned production run used a layout that fit and ran well, so the planner's best is
// the closest stand-in, and the defaults of train::plan_from_config (tp 1 or 2, ZeRO-1, no
// recompute) need not even fit. A run that states its layout is planned only when it does not
// fit as stated, over the keys it leaves null or lists as assumed (docs/training.md).
#pragma once

#include <optional>

#include "trnsim/train/experiment.h"

namespace trnsim::plan {

// The plan with `e`'s unstated keys chosen; none when nothing needs planning or no plan keeping
// its published keys fits.
std::optional<train::ParallelPlan> plan_unstated_keys(const train::Experiment& e);

}  // namespace trnsim::plan

// What a plan search minimises, and the money and energy figures of a plan (econ/).
#pragma once

#include <optional>
#include <string>

#include "trnsim/econ/econ.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace trnsim::plan {

enum class Objective { kTime, kCost, kEnergy };

// "time", "cost" or "energy"; anything else throws Error(kInput) listing the three.
Objective parse_objective(const std::string& text);
std::string_view objective_name(Objective o);

struct EconOptions {
  econ::PriceOptions price;
  econ::EnergyOptions energy;
};

struct PlanEcon {
  std::optional<double> joules_per_step, avg_power_w;        // empty: no energy table
  std::optional<double> usd_per_accel_hour, usd_per_step;    // empty: no price
  std::string missing;  // why a figure is empty (the econ layer's message)
};

// Energy and money of a step of `e` (its plan) with result `r`. Never throws for a missing table
// or price: the figure is left empty and `missing` says why.
PlanEcon plan_econ(const train::Experiment& e, const train::StepResult& r, const EconOptions& o);

// Throws the econ layer's Error(kInput) (naming the missing price or table and the key to set)
// when `objective` cannot be computed for experiments on e's system.
void check_objective(const train::Experiment& e, Objective objective, const EconOptions& o);

// The figure minimised: seconds, dollars or joules per step.
double objective_score(Objective objective, const train::StepResult& r, const PlanEcon& econ);

}  // namespace trnsim::plan

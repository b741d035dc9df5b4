#include "trnsim/plan/objective.h"

#include <limits>

#include "trnsim/base/error.h"

namespace trnsim::plan {

Objective parse_objective(const std::string& text) {
  if (text == "time") return Objective::kTime;
  if (text == "cost") return Objective::kCost;
  if (text == "energy") return Objective::kEnergy;
  throw input_error("--objective " + text, "is not an objective", "use one of: time, cost, energy");
}

std::string_view objective_name(Objective o) {
  switch (o) {
    case Objective::kTime: return "time";
    case Objective::kCost: return "cost";
    case Objective::kEnergy: return "energy";
  }
  return "?";
}

PlanEcon plan_econ(const train::Experiment& e, const train::StepResult& r, const EconOptions& o) {
  PlanEcon out;
  econ::EnergyReport energy;
  try {
    energy = econ::step_energy(e, r, o.energy);
    out.joules_per_step = energy.joules_per_step;
    out.avg_power_w = energy.avg_power_w;
  } catch (const Error& err) {
    out.missing = err.what();
    return out;  // TCO prices need the energy; on-demand ones do not, but keep one reason
  }
  try {
    const double price = econ::price_per_accel_hour(e, o.price, energy);
    out.usd_per_accel_hour = price;
    out.usd_per_step = price * static_cast<double>(e.system.count) * r.step_time_s / 3600.0;
  } catch (const Error& err) {
    out.missing = err.what();
  }
  return out;
}

void check_objective(const train::Experiment& e, Objective objective, const EconOptions& o) {
  if (objective == Objective::kTime) return;
  // A synthetic one-second step: enough for the econ layer to find (or miss) its table and price.
  train::StepResult r;
  r.step_time_s = 1;
  r.tokens_per_s = 1;
  r.breakdown.compute_s = 0.5;
  const econ::EnergyReport energy = econ::step_energy(e, r, o.energy);
  if (objective == Objective::kCost) econ::price_per_accel_hour(e, o.price, energy);
}

double objective_score(Objective objective, const train::StepResult& r, const PlanEcon& econ) {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  switch (objective) {
    case Objective::kTime: return r.step_time_s;
    case Objective::kCost: return econ.usd_per_step.value_or(kNone);
    case Objective::kEnergy: return econ.joules_per_step.value_or(kNone);
  }
  return kNone;
}

}  // namespace trnsim::plan

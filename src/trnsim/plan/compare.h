// The same model and token budget on several systems, each with its best plan: time, money and
// energy side by side, normalised to the first system (the baseline), and the break-even price
// of each system against the baseline.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trnsim/econ/econ.h"

namespace trnsim::plan {

using econ::EnergyOptions;
using econ::EnergyReport;
using econ::PriceOptions;
using econ::RunReport;

// "preset" or "preset:count" (count = accelerators, e.g. trn2.48xlarge:1024, p5e.48xlarge:512).
struct SystemChoice {
  std::string text, preset;
  int64_t count = 0;  // 0: the preset's default
};
SystemChoice parse_system_choice(const std::string& text);

struct PlanChoice {
  train::Experiment experiment;  // the base experiment on the system with the chosen plan
  train::StepResult result;
  int64_t candidates = 0;        // legal plans the planner considered
  int64_t fitting = 0;           // of those, plans that fit in memory
};
// The fastest plan the planner (planner.h) finds for the base experiment's model, global batch
// and precision on `system`. Throws Error(kInput) naming the system when no plan is legal or fits.
PlanChoice best_plan_for(const train::Experiment& base, const hw::SystemSpec& system);

struct CompareOptions {
  double tokens = 1e12;
  PriceOptions price;                        // kind, files, TCO overrides
  std::map<std::string, double> prices;      // per system preset (or choice text): USD per accel-hour
  EnergyOptions energy;
};

struct CompareRow {
  SystemChoice system;
  PlanChoice plan;
  EnergyReport energy;
  double price_per_accel_hour = 0;
  RunReport run;
  double break_even_price = 0;  // USD per accel-hour at which this system costs what the baseline does
  // Relative to the baseline (first row): >1 is better for speed, tokens/J, tokens/$; ratios of
  // the raw figure for time, dollars and MWh.
  double rel_step_time = 1, rel_tokens_per_s = 1, rel_time_to_train = 1, rel_dollars = 1, rel_mwh = 1;
  double rel_tokens_per_joule = 1, rel_tokens_per_dollar = 1;
};

// Checks every system name and price before simulating anything, then searches each.
std::vector<CompareRow> compare_systems(const train::Experiment& base, const std::vector<std::string>& systems,
                                        const CompareOptions& o);

nlohmann::json compare_json(const std::vector<CompareRow>& rows, const CompareOptions& o);
std::string format_compare(const std::vector<CompareRow>& rows, const CompareOptions& o);

}  // namespace trnsim::plan

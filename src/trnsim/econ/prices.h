// Price files (configs/prices/<system>.yaml): what an accelerator-hour of a system preset costs,
// per kind (on-demand, reserved, capacity block), each dated and sourced, and the TCO inputs
// (capital cost per accelerator, lifetime, energy price). Absent kinds are simply not written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trnsim/econ/econ.h"

namespace trnsim::econ {

struct PricePoint {
  double usd_per_accel_hour = 0;
  std::string date, source, note;
};

struct PriceTable {
  std::string system;  // the system preset it prices
  std::string path;    // where it was read from
  int accels_per_instance = 1;
  std::optional<PricePoint> on_demand, reserved, capacity_block;
  std::optional<double> capex_per_accel, lifetime_years, usd_per_kwh;  // TCO inputs
};

// A price file (throws Error(kInput) on bad keys or values).
PriceTable load_price_table(const std::string& path);
// configs/prices/<system>.yaml, or the first of `extra_files` whose `system:` is `system`;
// nullopt when there is none.
std::optional<PriceTable> find_price_table(const std::string& system, const std::vector<std::string>& extra_files = {});

const char* to_string(PriceKind k);
// "on-demand", "reserved", "capacity-block", "tco"; throws naming the choices.
PriceKind parse_price_kind(const std::string& text);
// The key of a price kind in a price file (on_demand, reserved, capacity_block, tco).
const char* price_key(PriceKind k);

// Hours in a year of continuous use (365.25 x 24): the TCO amortisation base.
inline constexpr double kHoursPerYear = 8766.0;
// TCO dollars per accelerator-hour: capex / (lifetime x hours) + wall power per accelerator x
// energy price.
double tco_per_accel_hour(double capex_per_accel, double lifetime_years, double usd_per_kwh, double wall_w_per_accel);

// Throws the error price_per_accel_hour() would (missing price or TCO input) without simulating
// anything: compare checks every system before its long searches.
void check_price_available(const std::string& system, const PriceOptions& o);

}  // namespace trnsim::econ

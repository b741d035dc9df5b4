#include "trnsim/econ/prices.h"

#include <filesystem>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::econ {
namespace {

std::optional<PricePoint> read_point(ConfigReader& r, const std::string& key, int per_instance) {
  if (r.absent(key)) return std::nullopt;
  ConfigReader c = r.child(key);
  PricePoint p;
  const bool instance = c.has("usd_per_instance_hour");
  if (instance == c.has("usd_per_accel_hour")) {
    throw input_error(r.self().location() + " " + key, "needs exactly one of usd_per_instance_hour and usd_per_accel_hour",
                      "write the price as published, e.g. {usd_per_instance_hour: 98.32, date: ..., source: ...}");
  }
  p.usd_per_accel_hour = instance ? c.number("usd_per_instance_hour", 0, 1e6) / per_instance : c.number("usd_per_accel_hour", 0, 1e5);
  p.date = c.str("date");
  p.source = c.str("source");
  p.note = c.str("note", "");
  c.finish();
  return p;
}

std::string prices_dir() { return hw::config_dir() + "/prices"; }

[[noreturn]] void missing(const std::string& system, const std::string& key, const std::string& flag) {
  throw input_error("configs/prices/" + system + ".yaml", "has no '" + key + "' for system '" + system + "'",
                    "pass " + flag + ", or add '" + key + ": {...}' to configs/prices/" + system +
                        ".yaml or to a file given with --prices (docs/econ.md gives the schema)");
}

}  // namespace

PriceTable load_price_table(const std::string& path) {
  const ConfigNode root = ConfigNode::load_yaml_file(path);
  ConfigReader r(root);
  PriceTable t;
  t.path = path;
  t.system = r.str("system");
  t.accels_per_instance = static_cast<int>(r.integer("accels_per_instance", 1, 1 << 20));
  t.on_demand = read_point(r, "on_demand", t.accels_per_instance);
  t.reserved = read_point(r, "reserved", t.accels_per_instance);
  t.capacity_block = read_point(r, "capacity_block", t.accels_per_instance);
  if (!r.absent("tco")) {
    ConfigReader c = r.child("tco");
    c.require_sources(true);
    if (!c.absent("capex_per_accel")) t.capex_per_accel = c.number("capex_per_accel", 0, 1e8);
    if (!c.absent("lifetime_years")) t.lifetime_years = c.number("lifetime_years", 0.1, 50);
    if (!c.absent("usd_per_kwh")) t.usd_per_kwh = c.number("usd_per_kwh", 0, 10);
    c.finish();
  }
  r.finish();
  return t;
}

std::optional<PriceTable> find_price_table(const std::string& system, const std::vector<std::string>& extra_files) {
  for (const auto& f : extra_files) {
    PriceTable t = load_price_table(f);
    if (t.system == system) return t;
  }
  const std::string path = prices_dir() + "/" + system + ".yaml";
  if (!std::filesystem::exists(path)) return std::nullopt;
  PriceTable t = load_price_table(path);
  if (t.system != system) throw input_error(path, "declares system '" + t.system + "'", "set 'system: " + system + "' to match the file name");
  return t;
}

const char* to_string(PriceKind k) {
  switch (k) {
    case PriceKind::kReserved: return "reserved";
    case PriceKind::kCapacityBlock: return "capacity-block";
    case PriceKind::kTco: return "tco";
    case PriceKind::kOnDemand: break;
  }
  return "on-demand";
}

const char* price_key(PriceKind k) {
  switch (k) {
    case PriceKind::kReserved: return "reserved";
    case PriceKind::kCapacityBlock: return "capacity_block";
    case PriceKind::kTco: return "tco";
    case PriceKind::kOnDemand: break;
  }
  return "on_demand";
}

PriceKind parse_price_kind(const std::string& text) {
  for (PriceKind k : {PriceKind::kOnDemand, PriceKind::kReserved, PriceKind::kCapacityBlock, PriceKind::kTco}) {
    if (text == to_string(k)) return k;
  }
  throw input_error("--price-kind " + text, "is not a price kind", "use on-demand, reserved, capacity-block or tco");
}

double tco_per_accel_hour(double capex, double lifetime_years, double usd_per_kwh, double wall_w_per_accel) {
  if (lifetime_years <= 0) throw input_error("tco.lifetime_years", "must be positive", "give the years the hardware is used, e.g. 5");
  return capex / (lifetime_years * kHoursPerYear) + wall_w_per_accel / 1000.0 * usd_per_kwh;
}

void check_price_available(const std::string& system, const PriceOptions& o) {
  if (o.price_per_accel_hour) return;
  const auto t = find_price_table(system, o.price_files);
  const std::string flag = "--price " + system + "=USD_PER_ACCEL_HOUR";
  if (o.kind != PriceKind::kTco) {
    const auto& point = o.kind == PriceKind::kOnDemand ? (t ? t->on_demand : std::nullopt)
                        : o.kind == PriceKind::kReserved ? (t ? t->reserved : std::nullopt)
                                                          : (t ? t->capacity_block : std::nullopt);
    if (!point) missing(system, price_key(o.kind), flag);
    return;
  }
  if (!o.capex_per_accel && !(t && t->capex_per_accel)) missing(system, "tco.capex_per_accel", "--capex USD");
  if (!o.lifetime_years && !(t && t->lifetime_years)) missing(system, "tco.lifetime_years", "--lifetime YEARS");
  if (!o.usd_per_kwh && !(t && t->usd_per_kwh)) missing(system, "tco.usd_per_kwh", "--usd-per-kwh USD");
}

double price_per_accel_hour(const train::Experiment& e, const PriceOptions& o, const EnergyReport& energy) {
  if (o.price_per_accel_hour) {
    if (*o.price_per_accel_hour < 0) throw input_error("--price", "is negative", "give dollars per accelerator-hour");
    return *o.price_per_accel_hour;
  }
  check_price_available(e.system.name, o);
  const auto t = find_price_table(e.system.name, o.price_files);
  switch (o.kind) {
    case PriceKind::kOnDemand: return t->on_demand->usd_per_accel_hour;
    case PriceKind::kReserved: return t->reserved->usd_per_accel_hour;
    case PriceKind::kCapacityBlock: return t->capacity_block->usd_per_accel_hour;
    case PriceKind::kTco: break;
  }
  const double capex = o.capex_per_accel ? *o.capex_per_accel : *t->capex_per_accel;
  const double life = o.lifetime_years ? *o.lifetime_years : *t->lifetime_years;
  const double kwh = o.usd_per_kwh ? *o.usd_per_kwh : *t->usd_per_kwh;
  const double wall_w = energy.avg_power_w / static_cast<double>(std::max<int64_t>(1, e.system.count));
  return tco_per_accel_hour(capex, life, kwh, wall_w);
}

RunReport run_report(const train::Experiment& e, const train::StepResult& r, double tokens, const PriceOptions& p,
                     const EnergyOptions& eo) {
  if (!(tokens > 0)) throw input_error("--tokens", "the token budget must be positive", "e.g. --tokens 1e12");
  const double tokens_per_step = static_cast<double>(e.plan.global_batch) * e.model.seq_len;
  const EnergyReport energy = step_energy(e, r, eo);
  const double price = price_per_accel_hour(e, p, energy);
  RunReport out;
  out.tokens = tokens;
  out.steps = tokens / tokens_per_step;
  out.time_to_train_s = out.steps * r.step_time_s;
  out.dollars = price * static_cast<double>(e.system.count) * out.time_to_train_s / 3600.0;
  const double joules = energy.joules_per_step * out.steps;
  out.mwh = joules / 3.6e9;
  out.tokens_per_joule = tokens / joules;
  out.tokens_per_dollar = out.dollars > 0 ? tokens / out.dollars : 0.0;
  return out;
}

}  // namespace trnsim::econ

#include "trnsim/plan/compare.h"
#include "trnsim/plan/planner.h"
#include "trnsim/plan/search_space.h"

#include <cerrno>
#include <cmath>
#include <cstdio>

#include "trnsim/base/error.h"
#include "trnsim/econ/prices.h"

namespace trnsim::plan {

PlanChoice best_plan_for(const train::Experiment& base, const hw::SystemSpec& system) {
  train::Experiment e = base;
  e.system = system;
  PlanOptions o;
  o.objective = Objective::kTime;
  o.top = 1;
  const PlanSearchResult found = search_plans(e, o);
  if (found.status != SearchStatus::kOk || found.plans.empty()) {
    // Nothing fitting is a capacity outcome (exit code 4), no legal plan a bad input.
    throw Error(found.status == SearchStatus::kNothingFits ? ErrorKind::kCapacity : ErrorKind::kInput,
                "system '" + system.name + "' (" + std::to_string(system.count) + " x " + system.accel.name + ")",
                found.message.empty() ? "has no plan that fits" : found.message,
                found.hint.empty() ? "use more accelerators or a smaller global batch" : found.hint);
  }
  PlanChoice best;
  best.experiment = e;
  best.experiment.plan = found.plans.front().plan;
  best.result = found.plans.front().result;
  best.candidates = found.legal;
  best.fitting = found.fitting;
  return best;
}
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// The price override for a system: by its choice text first, then by preset name.
std::optional<double> override_for(const CompareOptions& o, const SystemChoice& c) {
  if (auto it = o.prices.find(c.text); it != o.prices.end()) return it->second;
  if (auto it = o.prices.find(c.preset); it != o.prices.end()) return it->second;
  return std::nullopt;
}

}  // namespace

SystemChoice parse_system_choice(const std::string& text) {
  SystemChoice c;
  c.text = text;
  const size_t colon = text.find(':');
  c.preset = text.substr(0, colon);
  if (c.preset.empty()) throw input_error("--systems " + text, "names no system preset", "e.g. trn2.48xlarge:1024,p5e.48xlarge:1024");
  if (colon != std::string::npos) {
    const std::string n = text.substr(colon + 1);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0' || v <= 0) {
      throw input_error("--systems " + text, "'" + n + "' is not a positive accelerator count", "write preset:count, e.g. p5e.48xlarge:512");
    }
    if (errno == ERANGE || v > hw::kMaxAccelerators) {
      throw input_error("--systems " + text, "'" + n + "' is more accelerators than any system (2^40)",
                        "write the real count, e.g. p5e.48xlarge:512");
    }
    c.count = v;
  }
  return c;
}

std::vector<CompareRow> compare_systems(const train::Experiment& base, const std::vector<std::string>& systems,
                                        const CompareOptions& o) {
  if (systems.empty()) throw input_error("--systems", "names no system", "e.g. --systems trn2.48xlarge:1024,p5e.48xlarge:1024");
  if (!(o.tokens > 0) || !std::isfinite(o.tokens)) throw input_error("--tokens", "the token budget must be a positive number", "e.g. --tokens 1e12");
  // Everything that can be checked without simulating is checked first: names, counts, prices.
  std::vector<CompareRow> rows;
  std::vector<hw::SystemSpec> specs;
  for (const auto& text : systems) {
    CompareRow row;
    row.system = parse_system_choice(text);
    specs.push_back(hw::load_system(row.system.preset, row.system.count));
    PriceOptions po = o.price;
    if (auto v = override_for(o, row.system)) po.price_per_accel_hour = v;
    econ::check_price_available(row.system.preset, po);
    (void)econ::energy_model_for(specs.back().accel);
    rows.push_back(std::move(row));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    CompareRow& row = rows[i];
    row.plan = best_plan_for(base, specs[i]);
    const train::Experiment& e = row.plan.experiment;
    PriceOptions po = o.price;
    if (auto v = override_for(o, row.system)) po.price_per_accel_hour = v;
    row.energy = econ::step_energy(e, row.plan.result, o.energy);
    row.price_per_accel_hour = econ::price_per_accel_hour(e, po, row.energy);
    po.price_per_accel_hour = row.price_per_accel_hour;
    row.run = econ::run_report(e, row.plan.result, o.tokens, po, o.energy);
  }
  const CompareRow& b = rows.front();
  for (CompareRow& row : rows) {
    const double accel_hours = static_cast<double>(row.plan.experiment.system.count) * row.run.time_to_train_s / 3600.0;
    row.break_even_price = b.run.dollars / accel_hours;
    row.rel_step_time = row.plan.result.step_time_s / b.plan.result.step_time_s;
    row.rel_tokens_per_s = row.plan.result.tokens_per_s / b.plan.result.tokens_per_s;
    row.rel_time_to_train = row.run.time_to_train_s / b.run.time_to_train_s;
    row.rel_dollars = b.run.dollars > 0 ? row.run.dollars / b.run.dollars : 0;
    row.rel_mwh = row.run.mwh / b.run.mwh;
    row.rel_tokens_per_joule = row.run.tokens_per_joule / b.run.tokens_per_joule;
    row.rel_tokens_per_dollar = b.run.tokens_per_dollar > 0 ? row.run.tokens_per_dollar / b.run.tokens_per_dollar : 0;
  }
  return rows;
}

nlohmann::json compare_json(const std::vector<CompareRow>& rows, const CompareOptions& o) {
  nlohmann::json out;
  out["tokens"] = o.tokens;
  out["price_kind"] = to_string(o.price.kind);
  out["baseline"] = rows.empty() ? "" : rows.front().system.text;
  auto& list = out["systems"] = nlohmann::json::array();
  for (const auto& r : rows) {
    const train::ParallelPlan& p = r.plan.experiment.plan;
    nlohmann::json j;
    j["system"] = r.system.text;
    j["accelerators"] = r.plan.experiment.system.count;
    j["plan"] = {{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}, {"micro_batch", p.micro_batch},
                 {"recompute", std::string(train::recompute_name(p.recompute))}, {"zero", p.zero},
                 {"candidates", r.plan.candidates}, {"fitting", r.plan.fitting}};
    j["step_time_s"] = r.plan.result.step_time_s;
    j["tokens_per_s"] = r.plan.result.tokens_per_s;
    j["mfu"] = r.plan.result.mfu;
    j["steps"] = r.run.steps;
    j["time_to_train_s"] = r.run.time_to_train_s;
    j["price_per_accel_hour"] = r.price_per_accel_hour;
    j["dollars"] = r.run.dollars;
    j["mwh"] = r.run.mwh;
    j["avg_power_w"] = r.energy.avg_power_w;
    j["accel_power_w"] = r.energy.accel_power_w;
    j["joules_per_token"] = r.energy.joules_per_token;
    j["tokens_per_joule"] = r.run.tokens_per_joule;
    j["tokens_per_dollar"] = r.run.tokens_per_dollar;
    j["break_even_price_per_accel_hour"] = r.break_even_price;
    j["relative"] = {{"step_time", r.rel_step_time}, {"tokens_per_s", r.rel_tokens_per_s},
                     {"time_to_train", r.rel_time_to_train}, {"dollars", r.rel_dollars}, {"mwh", r.rel_mwh},
                     {"tokens_per_joule", r.rel_tokens_per_joule}, {"tokens_per_dollar", r.rel_tokens_per_dollar}};
    list.push_back(std::move(j));
  }
  return out;
}

std::string format_compare(const std::vector<CompareRow>& rows, const CompareOptions& o) {
  std::string s = "compare: " + fmt("%.3g", o.tokens) + " tokens, " + to_string(o.price.kind) +
                  " prices, baseline " + (rows.empty() ? "" : rows.front().system.text) + "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-24s %9s %9s %9s %10s %10s %10s %9s %10s %11s\n", "system", "step s", "Mtok/s",
                "days", "$/acc-h", "$", "MWh", "tok/J", "tok/$", "break-even");
  s += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-24s %9.3f %9.3f %9.2f %10.3f %10.4g %10.4g %9.3f %10.4g %11.3f\n",
                  r.system.text.c_str(), r.plan.result.step_time_s, r.plan.result.tokens_per_s / 1e6,
                  r.run.time_to_train_s / 86400.0, r.price_per_accel_hour, r.run.dollars, r.run.mwh,
                  r.run.tokens_per_joule, r.run.tokens_per_dollar, r.break_even_price);
    s += line;
  }
  s += "best plans (the planner's, by step time):\n";
  for (const auto& r : rows) s += "  " + r.system.text + ": " + plan_label(r.plan.experiment.plan) + "\n";
  s += "relative to the baseline (time, $, MWh: lower is better; tokens/s, tokens/J, tokens/$: higher is better)\n";
  std::snprintf(line, sizeof line, "%-24s %9s %9s %9s %9s %9s %9s %9s\n", "system", "step", "tok/s", "time", "$", "MWh",
                "tok/J", "tok/$");
  s += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-24s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", r.system.text.c_str(),
                  r.rel_step_time, r.rel_tokens_per_s, r.rel_time_to_train, r.rel_dollars, r.rel_mwh,
                  r.rel_tokens_per_joule, r.rel_tokens_per_dollar);
    s += line;
  }
  s += "break-even: the USD per accelerator-hour at which a system's run costs what the baseline's does\n";
  return s;
}

}  // namespace trnsim::plan

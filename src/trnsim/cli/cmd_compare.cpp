// trnsim compare exp.yaml --systems A[:count],B[:count],... [--tokens 1e12]
//   [--price-kind on-demand|reserved|capacity-block|tco] [--price A=USD,...] [--prices file.yaml,...]
//   [--pue X] [--capex USD] [--lifetime YEARS] [--usd-per-kwh USD] [--json]
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "trnsim/io/json_text.h"
#include "trnsim/base/error.h"
#include "trnsim/cli/commands.h"
#include "trnsim/cli/options.h"
#include "trnsim/plan/compare.h"
#include "trnsim/econ/prices.h"

namespace trnsim::cli {
namespace {

constexpr const char* kHelp =
    "usage: trnsim compare <experiment.yaml> --systems A[:count],B[:count],... [options]\n"
    "  Trains the experiment's model on each system (a preset of configs/systems/, optionally with\n"
    "  an accelerator count: trn2.48xlarge:1024) with the best plan of a small search, for a token\n"
    "  budget, and reports time, dollars and energy, each relative to the first system, and the\n"
    "  break-even price per accelerator-hour of each system against the first.\n"
    "  --tokens N             token budget (default 1e12)\n"
    "  --price-kind K         on-demand (default), reserved, capacity-block, or tco\n"
    "  --price S=USD,...      USD per accelerator-hour for system S (preset name or A:count as given)\n"
    "  --prices f.yaml,...    price files (configs/prices/ schema) used before configs/prices/\n"
    "  --pue X                power usage effectiveness (default: the energy table's)\n"
    "  --capex USD --lifetime YEARS --usd-per-kwh USD   TCO inputs (default: the price files')\n"
    "  --json                 machine-readable output\n"
    "  Exit codes: 0 done, 2 bad input (unknown system, missing price, bad number), 4 no plan fits.\n";

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t at = text.find(sep, pos);
    out.push_back(text.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) break;
    pos = at + 1;
  }
  return out;
}

double number(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 0) || !std::isfinite(v) || v > 1e30) {
    throw input_error(flag + " " + text, "'" + text + "' is not a non-negative number up to 1e30", "e.g. " + flag + " 1e12");
  }
  return v;
}

}  // namespace

int run_compare(const std::vector<std::string>& args) {
  if (auto rc = help_exit(args, kHelp)) return *rc;
  Options opts("compare", args, {"json"});
  const bool json = opts.flag("json");
  const auto systems = opts.take("systems");
  plan::CompareOptions co;
  if (auto t = opts.take("tokens")) co.tokens = number("--tokens", *t);
  if (auto k = opts.take("price-kind")) co.price.kind = econ::parse_price_kind(*k);
  if (auto p = opts.take("price")) {
    for (const auto& item : split(*p, ',')) {
      const size_t eq = item.rfind('=');
      if (eq == std::string::npos || eq == 0) {
        throw input_error("--price " + *p, "'" + item + "' is not SYSTEM=USD", "e.g. --price trn2.48xlarge=2.2,p5e.48xlarge=5.4");
      }
      co.prices[item.substr(0, eq)] = number("--price", item.substr(eq + 1));
    }
  }
  if (auto f = opts.take("prices")) co.price.price_files = split(*f, ',');
  if (auto v = opts.take("pue")) {
    co.energy.pue = number("--pue", *v);
    if (*co.energy.pue < 1 || *co.energy.pue > 10) {
      throw input_error("--pue " + *v, "is outside 1 to 10 (facility energy over IT energy)", "e.g. --pue 1.15");
    }
  }
  if (auto v = opts.take("capex")) co.price.capex_per_accel = number("--capex", *v);
  if (auto v = opts.take("lifetime")) co.price.lifetime_years = number("--lifetime", *v);
  if (auto v = opts.take("usd-per-kwh")) co.price.usd_per_kwh = number("--usd-per-kwh", *v);
  opts.finish();
  if (opts.positional().size() != 1) {
    throw input_error("trnsim compare", "needs exactly one experiment file",
                      "e.g. trnsim compare configs/examples/llama3-70b-trn2-ultraserver.yaml --systems trn2.48xlarge:1024,p5e.48xlarge:1024");
  }
  if (!systems) throw input_error("trnsim compare", "needs --systems", "give e.g. --systems trn2.48xlarge:1024,p5e.48xlarge:1024");
  // A price for a system the comparison leaves out would be silently unused.
  for (const auto& [system, usd] : co.prices) {
    bool named = false;
    for (const auto& item : split(*systems, ',')) named = named || item.substr(0, item.find(':')) == system;
    if (!named) {
      throw input_error("--price " + system + "=" + std::to_string(usd), "names a system that --systems does not compare",
                        "price one of the compared systems, or add it to --systems");
    }
  }
  const train::Experiment e = train::load_experiment(opts.positional()[0]);
  // Everything is computed before anything is printed: an error leaves no half-written report.
  const auto rows = plan::compare_systems(e, split(*systems, ','), co);
  if (json) std::printf("%s\n", io::json_text(plan::compare_json(rows, co)).c_str());
  else std::fputs(plan::format_compare(rows, co).c_str(), stdout);
  return 0;
}

}  // namespace trnsim::cli

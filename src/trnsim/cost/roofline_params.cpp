#include "trnsim/cost/roofline_params.h"
#include "trnsim/base/text.h"
#include "trnsim/base/presets.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>
#include <system_error>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::cost {
namespace fs = std::filesystem;
namespace {

std::string cost_dir() { return hw::config_dir() + "/cost"; }

// Reads figure `key` into `field`; in a derived preset (one with `base`) a figure it does not
// write keeps its base's value.
void read_figure(ConfigReader& at, const char* key, double lo, double hi, double& field, bool derived) {
  if (!derived || at.has(key)) field = at.number(key, lo, hi);
}

AttentionCurve read_attention(ConfigReader at, AttentionCurve c, bool derived) {
  read_figure(at, "fwd_max", 0.01, 1.0, c.fwd_max, derived);
  read_figure(at, "bwd_max", 0.01, 1.0, c.bwd_max, derived);
  read_figure(at, "seq_half", 1, 1e7, c.seq_half, derived);
  read_figure(at, "head_dim_half", 1, 1e4, c.head_dim_half, derived);
  at.finish();
  return c;
}

std::string preset_path(const std::string& name_or_path) {
  if (looks_like_path(name_or_path)) return name_or_path;
  const auto presets = list_roofline_presets();
  if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
    throw input_error("cost calibration '" + name_or_path + "'", "is not a known roofline preset",
                      presets.empty() ? "no presets in " + cost_dir() + "; set TRNSIM_CONFIG_DIR"
                                      : "use one of: " + join(presets) + ", or a path to a .yaml file");
  }
  return cost_dir() + "/" + name_or_path + ".yaml";
}

// `as_base`: read as another preset's base, which may not have a base of its own (so no chain
// or loop of bases is followed).
RooflineParams read_params(const ConfigNode& root, bool as_base) {
  auto log = std::make_shared<std::vector<ParamInfo>>();
  ConfigReader r(root, log);
  RooflineParams p;
  const bool derived = !r.absent("base");
  if (derived) {
    // A preset for a variant of a part (another power limit, say) names the preset it departs
    // from and writes only the figures that differ.
    const std::string base = r.str("base");
    if (as_base) {
      throw input_error(root.location(), "is a base preset that names a base of its own ('" + base + "')",
                        "a base preset must not have a 'base' key: point the derived preset at a full one");
    }
    p = read_params(ConfigNode::load_yaml_file(preset_path(base)), true);
    p.base = base;
  }
  p.name = r.str("name");
  const std::string model = r.choice("model", {"roofline", "neuron"});
  if (model != "roofline") {
    throw input_error(root.location(), "is a '" + model + "' calibration, not a roofline one",
                      "pick a roofline preset: " + join(list_roofline_presets()));
  }
  p.accelerators = r.str_list("accelerators");
  r.require_sources(true);
  if (!derived || !r.absent("matmul")) {
    ConfigReader mm = r.child("matmul");
    read_figure(mm, "eff_max", 0.01, 1.0, p.matmul_eff_max, derived);
    if (!derived) p.matmul_eff_max_fp8 = p.matmul_eff_max;
    if (!mm.absent("eff_max_fp8")) p.matmul_eff_max_fp8 = mm.number("eff_max_fp8", 0.01, 1.0);
    read_figure(mm, "mn_half", 1, 1e6, p.mn_half, derived);
    read_figure(mm, "k_half", 1, 1e6, p.k_half, derived);
    if (!derived) p.mn_half_fp8 = p.mn_half, p.k_half_fp8 = p.k_half;
    if (!mm.absent("mn_half_fp8")) p.mn_half_fp8 = mm.number("mn_half_fp8", 1, 1e6);
    if (!mm.absent("k_half_fp8")) p.k_half_fp8 = mm.number("k_half_fp8", 1, 1e6);
    mm.finish();
  }
  if (!derived || !r.absent("attention")) p.attention = read_attention(r.child("attention"), p.attention, derived);
  if (!r.absent("attention_flash2"))
    p.attention_flash2 = read_attention(r.child("attention_flash2"), p.attention_flash2.value_or(AttentionCurve{}),
                                        derived && p.attention_flash2.has_value());
  if (!r.absent("sustained_fraction")) p.sustained_fraction = r.number("sustained_fraction", 0.05, 1.0);
  if (!r.absent("overlap_slowdown")) p.overlap_slowdown = r.number("overlap_slowdown", 0.0, 0.9);
  read_figure(r, "mem_eff", 0.05, 1.0, p.mem_eff, derived);
  read_figure(r, "vector_peak_fraction", 1e-4, 1.0, p.vector_peak_fraction, derived);
  if (!derived || r.has("op_overhead")) p.op_overhead = r.time("op_overhead");
  r.finish();
  // name, model, base and accelerators are identifiers, not figures: only figures carry sources.
  // A derived preset's own figures replace its base's.
  for (const auto& info : *log) {
    if (info.path == "name" || info.path == "model" || info.path == "base" || info.path == "accelerators") continue;
    auto same = [&](const ParamInfo& q) { return q.path == info.path; };
    p.params.erase(std::remove_if(p.params.begin(), p.params.end(), same), p.params.end());
    p.params.push_back(info);
  }
  return p;
}

}  // namespace

double saturation(double x, double half) { return x <= 0 ? 0.0 : 1.0 - std::exp(-x / half); }

double matmul_efficiency(const RooflineParams& p, double m, double n, double k, bool fp8) {
  const double mn_half = fp8 ? p.mn_half_fp8 : p.mn_half, k_half = fp8 ? p.k_half_fp8 : p.k_half;
  return (fp8 ? p.matmul_eff_max_fp8 : p.matmul_eff_max) * saturation(m, mn_half) * saturation(n, mn_half) *
         saturation(k, k_half);
}

double attention_efficiency(const AttentionCurve& c, double sq, double skv, double head_dim, bool backward) {
  const double peak = backward ? c.bwd_max : c.fwd_max;
  return peak * saturation(std::min(sq, skv), c.seq_half) * saturation(head_dim, c.head_dim_half);
}

RooflineParams load_roofline_params(const std::string& name_or_path) {
  return read_params(ConfigNode::load_yaml_file(preset_path(name_or_path)), false);
}

std::vector<std::string> list_roofline_presets() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(cost_dir()), ec)) {
    if (entry.path().extension() != ".yaml") continue;
    const ConfigNode root = ConfigNode::load_yaml_file(entry.path().string());
    const ConfigNode* model = root.find("model");
    if (model && model->is_scalar() && model->scalar() == "roofline") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string roofline_preset_for(const std::string& accelerator) {
  return preset_for_accelerator("cost", list_roofline_presets(), accelerator);
}

RooflineParams roofline_params_for(const std::string& accelerator) {
  const std::string best = roofline_preset_for(accelerator);
  if (best.empty()) {
    throw input_error("accelerator '" + accelerator + "'", "has no roofline calibration",
                      "add its name to the 'accelerators' list of one of " + cost_dir() + "/{" +
                          join(list_roofline_presets()) + "}.yaml, or set the cost model's calibration");
  }
  return load_roofline_params(best);
}

}  // namespace trnsim::cost

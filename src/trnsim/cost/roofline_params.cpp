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

AttentionCurve read_attention(ConfigReader at) {
  AttentionCurve c;
  c.fwd_max = at.number("fwd_max", 0.01, 1.0);
  c.bwd_max = at.number("bwd_max", 0.01, 1.0);
  c.seq_half = at.number("seq_half", 1, 1e7);
  c.head_dim_half = at.number("head_dim_half", 1, 1e4);
  at.finish();
  return c;
}

RooflineParams read_params(const ConfigNode& root) {
  auto log = std::make_shared<std::vector<ParamInfo>>();
  ConfigReader r(root, log);
  RooflineParams p;
  p.name = r.str("name");
  const std::string model = r.choice("model", {"roofline", "neuron"});
  if (model != "roofline") {
    throw input_error(root.location(), "is a '" + model + "' calibration, not a roofline one",
                      "pick a roofline preset: " + join(list_roofline_presets()));
  }
  p.accelerators = r.str_list("accelerators");
  r.require_sources(true);
  ConfigReader mm = r.child("matmul");
  p.matmul_eff_max = mm.number("eff_max", 0.01, 1.0);
  p.matmul_eff_max_fp8 = mm.has("eff_max_fp8") ? mm.number("eff_max_fp8", 0.01, 1.0) : p.matmul_eff_max;
  p.mn_half = mm.number("mn_half", 1, 1e6);
  p.k_half = mm.number("k_half", 1, 1e6);
  p.mn_half_fp8 = mm.has("mn_half_fp8") ? mm.number("mn_half_fp8", 1, 1e6) : p.mn_half;
  p.k_half_fp8 = mm.has("k_half_fp8") ? mm.number("k_half_fp8", 1, 1e6) : p.k_half;
  mm.finish();
  p.attention = read_attention(r.child("attention"));
  if (!r.absent("attention_flash2")) p.attention_flash2 = read_attention(r.child("attention_flash2"));
  if (!r.absent("sustained_fraction")) p.sustained_fraction = r.number("sustained_fraction", 0.05, 1.0);
  if (!r.absent("overlap_slowdown")) p.overlap_slowdown = r.number("overlap_slowdown", 0.0, 0.9);
  p.mem_eff = r.number("mem_eff", 0.05, 1.0);
  p.vector_peak_fraction = r.number("vector_peak_fraction", 1e-4, 1.0);
  p.op_overhead = r.time("op_overhead");
  r.finish();
  // name, model and accelerators are identifiers, not figures: only figures carry sources.
  for (const auto& info : *log) {
    if (info.path != "name" && info.path != "model" && info.path != "accelerators") p.params.push_back(info);
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
  std::string path = name_or_path;
  if (!looks_like_path(name_or_path)) {
    const auto presets = list_roofline_presets();
    if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
      throw input_error("cost calibration '" + name_or_path + "'", "is not a known roofline preset",
                        presets.empty() ? "no presets in " + cost_dir() + "; set TRNSIM_CONFIG_DIR"
                                        : "use one of: " + join(presets) + ", or a path to a .yaml file");
    }
    path = cost_dir() + "/" + name_or_path + ".yaml";
  }
  return read_params(ConfigNode::load_yaml_file(path));
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

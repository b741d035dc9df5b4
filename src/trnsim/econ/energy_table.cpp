#include "trnsim/econ/energy_table.h"
#include "trnsim/base/text.h"
#include "trnsim/base/presets.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <system_error>

#include "trnsim/base/error.h"
#include "trnsim/hw/chip_loader.h"

namespace trnsim::econ {
namespace fs = std::filesystem;
namespace {

std::string energy_dir() { return hw::config_dir() + "/energy"; }

EnergyTable read_table(const ConfigNode& root) {
  auto log = std::make_shared<std::vector<ParamInfo>>();
  ConfigReader r(root, log);
  EnergyTable t;
  t.name = r.str("name");
  t.accelerators = r.str_list("accelerators");
  r.require_sources(true);
  ConfigReader g = r.child("gemm");
  g.require_sources(true);
  t.gemm_eff_bf16 = g.number("efficiency_bf16", 0.05, 1.0);
  t.gemm_eff_fp8 = g.number("efficiency_fp8", 0.05, 1.0);
  t.gemm_eff_fp32 = g.number("efficiency_fp32", 0.05, 1.0);
  t.gemm_hbm_bytes_per_flop = g.number("hbm_bytes_per_flop", 0, 1.0);
  g.finish();
  t.j_per_hbm_byte = r.number("hbm_pj_per_byte", 0, 1e4) * 1e-12;
  t.j_per_scale_up_byte = r.number("scale_up_pj_per_byte", 0, 1e5) * 1e-12;
  t.j_per_scale_out_byte = r.number("scale_out_pj_per_byte", 0, 1e6) * 1e-12;
  t.host_w_per_node = r.number("host_w_per_node", 0, 1e6);
  t.accels_per_node = static_cast<int>(r.integer("accels_per_node", 1, 1 << 20));
  t.pue = r.number("pue", 1.0, 5.0);
  r.finish();
  for (const auto& info : *log) {
    if (info.path != "name" && info.path != "accelerators") t.params.push_back(info);
  }
  return t;
}

}  // namespace

std::vector<std::string> list_energy_presets() { return preset_names("energy"); }

EnergyTable load_energy_table(const std::string& name_or_path) {
  std::string path = name_or_path;
  if (!looks_like_path(name_or_path)) {
    const auto presets = list_energy_presets();
    if (std::find(presets.begin(), presets.end(), name_or_path) == presets.end()) {
      throw input_error("energy table '" + name_or_path + "'", "is not a known energy preset",
                        "use one of: " + join(presets) + ", or a .yaml path");
    }
    path = energy_dir() + "/" + name_or_path + ".yaml";
  }
  return read_table(ConfigNode::load_yaml_file(path));
}

EnergyTable energy_table_for(const std::string& accelerator) {
  const std::string best = preset_for_accelerator("energy", list_energy_presets(), accelerator);
  if (best.empty()) {
    throw input_error("accelerator '" + accelerator + "'", "has no energy table",
                      "add configs/energy/<family>.yaml listing it under 'accelerators' (presets: " +
                          join(list_energy_presets()) + "; docs/econ.md gives the schema)");
  }
  return load_energy_table(best);
}

double EnergyModel::j_per_flop(cost::Precision p) const {
  switch (p) {
    case cost::Precision::kFp8: return j_per_flop_fp8;
    case cost::Precision::kInt8: return j_per_flop_int8;
    case cost::Precision::kFp32: return j_per_flop_fp32;
    case cost::Precision::kBf16:
    case cost::Precision::kFp16: break;
  }
  return j_per_flop_bf16;
}

double EnergyModel::sustained_flops(cost::Precision p) const {
  switch (p) {
    case cost::Precision::kFp8:
      return table.gemm_eff_fp8 * (accel.peak_fp8_flops > 0 ? accel.peak_fp8_flops : accel.peak_bf16_flops);
    case cost::Precision::kInt8:  // 8-bit matmuls run at the fp8 fraction of their own peak
      return table.gemm_eff_fp8 * (accel.peak_int8_ops > 0 ? accel.peak_int8_ops : accel.peak_bf16_flops);
    case cost::Precision::kFp32: return table.gemm_eff_fp32 * accel.peak_fp32_flops;
    case cost::Precision::kFp16:
      return table.gemm_eff_bf16 * (accel.peak_fp16_flops > 0 ? accel.peak_fp16_flops : accel.peak_bf16_flops);
    case cost::Precision::kBf16: break;
  }
  return table.gemm_eff_bf16 * accel.peak_bf16_flops;
}

EnergyModel energy_model(const EnergyTable& t, const hw::AcceleratorSpec& accel) {
  EnergyModel m;
  m.table = t;
  m.accel = accel;
  m.static_w = accel.idle_w;
  m.board_w = accel.tdp_w;
  // At the sustained GEMM rate R the board draws tdp: idle + R x (J/FLOP + bytes/FLOP x J/byte).
  auto derive = [&](cost::Precision p, const char* which) {
    const double rate = m.sustained_flops(p);
    if (rate <= 0) return 0.0;
    const double hbm_w = rate * t.gemm_hbm_bytes_per_flop * t.j_per_hbm_byte;
    const double dynamic_w = accel.tdp_w - accel.idle_w - hbm_w;
    if (dynamic_w <= 0) {
      throw input_error("energy table '" + t.name + "' for " + accel.name,
                        std::string("the HBM power of a saturated ") + which + " GEMM (" + std::to_string(hbm_w) +
                            " W) leaves no compute power below tdp_w - idle_w",
                        "check hbm_pj_per_byte and gemm.hbm_bytes_per_flop against the accelerator's tdp_w and idle_w");
    }
    return dynamic_w / rate;
  };
  m.j_per_flop_bf16 = derive(cost::Precision::kBf16, "bf16");
  m.j_per_flop_fp8 = derive(cost::Precision::kFp8, "fp8");
  m.j_per_flop_int8 = derive(cost::Precision::kInt8, "int8");
  m.j_per_flop_fp32 = derive(cost::Precision::kFp32, "fp32");
  return m;
}

EnergyModel energy_model_for(const hw::AcceleratorSpec& accel) { return energy_model(energy_table_for(accel.name), accel); }

}  // namespace trnsim::econ

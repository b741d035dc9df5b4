// Energy tables (configs/energy/<family>.yaml): what each action of a training step costs in
// joules on one accelerator family, and the power around the accelerators (hosts, network, PUE).
// Energy per FLOP is derived, not fitted: a chip running a dense GEMM at its sustained rate draws
// its board power (the accelerator preset's tdp_w), an idle one its idle_w, so
//   J/FLOP = (tdp_w - idle_w - HBM power at the GEMM's traffic) / sustained FLOP rate.
// docs/econ.md gives the formulas and every figure's source.
#pragma once

#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::econ {

struct EnergyTable {
  std::string name;                       // family preset (trn2, h100 ...)
  std::vector<std::string> accelerators;  // accelerator name prefixes it covers
  // Calibration inputs: the sustained dense-GEMM rate as a fraction of the accelerator's dense
  // peak, per precision, and the HBM traffic such a GEMM makes per FLOP.
  double gemm_eff_bf16 = 0.8, gemm_eff_fp8 = 0.7, gemm_eff_fp32 = 0.8;
  double gemm_hbm_bytes_per_flop = 0;
  // Dynamic energy per action, joules.
  double j_per_hbm_byte = 0, j_per_scale_up_byte = 0, j_per_scale_out_byte = 0;
  // Power around the accelerators.
  double host_w_per_node = 0;  // CPUs, memory, NICs, switches, fans of one host
  int accels_per_node = 0;     // accelerators per host (instance)
  double pue = 1.0;
  std::vector<ParamInfo> params;
};

// The table with its accelerator's board figures (tdp_w, idle_w, peaks) and the derived J/FLOP.
struct EnergyModel {
  EnergyTable table;
  hw::AcceleratorSpec accel;
  double static_w = 0;       // idle power of one accelerator (accel.idle_w)
  double board_w = 0;        // GEMM-saturated board power the calibration reproduces (accel.tdp_w)
  double j_per_flop_bf16 = 0, j_per_flop_fp8 = 0, j_per_flop_int8 = 0, j_per_flop_fp32 = 0;

  double j_per_flop(cost::Precision p) const;
  // The sustained dense-GEMM rate (FLOP/s) of one accelerator in precision p.
  double sustained_flops(cost::Precision p) const;
};

// `name_or_path`: a preset in config_dir()/energy or a .yaml path. Throws Error(kInput).
EnergyTable load_energy_table(const std::string& name_or_path);
// The preset whose `accelerators` list has the longest prefix of the accelerator's name (case and
// punctuation ignored). Throws naming the presets and the file to add when none does.
EnergyTable energy_table_for(const std::string& accelerator);
std::vector<std::string> list_energy_presets();

// Derives J/FLOP per precision from the table and the accelerator's tdp_w / idle_w / peaks.
// Throws Error(kInput) when the HBM power alone exceeds tdp_w - idle_w.
EnergyModel energy_model(const EnergyTable& t, const hw::AcceleratorSpec& accel);
EnergyModel energy_model_for(const hw::AcceleratorSpec& accel);

}  // namespace trnsim::econ

#include <algorithm>
#include <cmath>

#include "trnsim/base/error.h"
#include "trnsim/econ/econ.h"

namespace trnsim::econ {

EnergyReport energy_from_actions(const ActionCounts& a, const EnergyModel& m, const EnergyOptions& o) {
  if (a.step_s <= 0 || a.accelerators <= 0) {
    throw input_error("energy", "needs a step time and at least one accelerator",
                      "count the actions of a step that ran (StepResult with step_time_s > 0)");
  }
  const EnergyTable& t = m.table;
  EnergyReport e;
  e.pue = o.pue.value_or(t.pue);
  if (e.pue < 1.0) throw input_error("--pue", "PUE " + std::to_string(e.pue) + " is below 1", "give a PUE of at least 1 (1.1-1.6 is typical)");
  const double accels = static_cast<double>(a.accelerators);
  const double hosts = std::ceil(accels / std::max(1, t.accels_per_node));
  e.static_j = m.static_w * a.step_s * accels;
  e.compute_j = a.matmul_flops * m.j_per_flop(a.precision);
  e.memory_j = a.hbm_bytes * t.j_per_hbm_byte;
  e.network_j = a.scale_up_bytes * t.j_per_scale_up_byte + a.scale_out_bytes * t.j_per_scale_out_byte;
  e.host_j = t.host_w_per_node * hosts * a.step_s;
  e.it_joules_per_step = e.static_j + e.compute_j + e.memory_j + e.network_j + e.host_j;
  e.joules_per_step = e.it_joules_per_step * e.pue;
  e.avg_power_w = e.joules_per_step / a.step_s;
  e.accel_power_w = (e.static_j + e.compute_j + e.memory_j + e.network_j) / (a.step_s * accels);
  // Every accelerator at its compute-bound draw: the calibration point, board power.
  const double rate = m.sustained_flops(a.precision);
  const double saturated_w = m.static_w + rate * (m.j_per_flop(a.precision) + t.gemm_hbm_bytes_per_flop * t.j_per_hbm_byte);
  e.peak_power_w = (saturated_w * accels + t.host_w_per_node * hosts) * e.pue;
  e.joules_per_token = a.tokens > 0 ? e.joules_per_step / a.tokens : 0.0;
  return e;
}

EnergyReport step_energy(const train::Experiment& e, const train::StepResult& r, const EnergyOptions& o) {
  return energy_from_actions(count_actions(e, r), energy_model_for(e.system.accel), o);
}

}  // namespace trnsim::econ

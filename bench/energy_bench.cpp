// trnsim_energy_bench: the energy model's calibration targets. A GEMM-saturated accelerator (a
// synthetic step at its sustained dense-GEMM rate, with that GEMM's HBM traffic) must draw its
// table board power (tdp_w) within 5%, an idle one its idle power within 5%. Prints the derived
// energy per FLOP and exits 1 when a target is missed.
#include <cmath>
#include <cstdio>

#include "trnsim/base/error.h"
#include "trnsim/econ/econ.h"
#include "trnsim/hw/system_spec.h"

using namespace trnsim;

namespace {

econ::ActionCounts synthetic(const econ::EnergyModel& m, bool busy) {
  econ::ActionCounts a;
  a.accelerators = 1;
  a.nodes = 1;
  a.step_s = 1.0;
  a.busy_s = busy ? 1.0 : 0.0;
  a.precision = cost::Precision::kBf16;
  a.matmul_flops = busy ? m.sustained_flops(a.precision) : 0.0;
  a.hbm_bytes = a.matmul_flops * m.table.gemm_hbm_bytes_per_flop;
  return a;
}

}  // namespace

int main() {
  int failures = 0;
  std::printf("%-10s %12s %9s %9s %9s %7s %9s %9s %7s\n", "accel", "GEMM TF/s", "pJ/FLOP", "busy W", "tdp W", "err",
              "idle W", "table W", "err");
  try {
    for (const char* name : {"trn2", "h100-sxm", "h200", "trn1", "a100-80g", "b200"}) {
      const hw::AcceleratorSpec accel = hw::load_accelerator(name);
      const econ::EnergyModel m = econ::energy_model_for(accel);
      const double busy = econ::energy_from_actions(synthetic(m, true), m).accel_power_w;
      const double idle = econ::energy_from_actions(synthetic(m, false), m).accel_power_w;
      const double eb = busy / accel.tdp_w - 1, ei = accel.idle_w > 0 ? idle / accel.idle_w - 1 : 0;
      std::printf("%-10s %12.1f %9.3f %9.1f %9.1f %6.2f%% %9.1f %9.1f %6.2f%%\n", name,
                  m.sustained_flops(cost::Precision::kBf16) / 1e12, m.j_per_flop_bf16 * 1e12, busy, accel.tdp_w, 100 * eb,
                  idle, accel.idle_w, 100 * ei);
      if (std::abs(eb) > 0.05 || std::abs(ei) > 0.05) ++failures;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "trnsim_energy_bench: error: %s\n", e.what());
    return 2;
  }
  std::printf("%s\n", failures ? "FAIL: a target is missed" : "all within 5% of board and idle power");
  return failures ? 1 : 0;
}

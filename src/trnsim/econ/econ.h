// Energy and money of a training step and of a whole run: post-processing of a simulated step.
// The step simulation counts actions (FLOPs, HBM bytes, scale-up and scale-out bytes, busy and
// idle time); energy tables (configs/energy/) turn them into joules, prices (configs/prices/)
// and TCO inputs into dollars. docs/econ.md has the formulas and every figure's source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/econ/energy_table.h"
#include "trnsim/train/experiment.h"
#include "trnsim/train/step.h"

namespace trnsim::econ {

// What one step of the whole job does.
struct ActionCounts {
  double matmul_flops = 0;     // hardware FLOPs (recompute included)
  double hbm_bytes = 0;        // HBM reads + writes
  double scale_up_bytes = 0;   // bytes sent over scale-up links (NVLink, NeuronLink, ICI)
  double scale_out_bytes = 0;  // bytes sent over NICs
  double step_s = 0;
  double busy_s = 0;           // per accelerator: time its compute engines are busy in a step
  int64_t accelerators = 0;
  int64_t nodes = 0;           // scale-up domains (ceil(accelerators / per_node))
  double tokens = 0;           // tokens the step trains (global_batch x seq_len)
  cost::Precision precision = cost::Precision::kBf16;  // the matmul precision
  // By kind, bytes sent (already inside scale_up_bytes + scale_out_bytes).
  double tp_bytes = 0, cp_bytes = 0, ep_bytes = 0, pp_bytes = 0, dp_bytes = 0;
};
ActionCounts count_actions(const train::Experiment& e, const train::StepResult& r);

struct EnergyReport {
  double joules_per_step = 0;     // at the wall: IT energy x PUE
  double it_joules_per_step = 0;  // accelerators, hosts and network, before PUE
  double avg_power_w = 0;         // whole job, at the wall
  double peak_power_w = 0;        // whole job, every accelerator at its compute-bound draw
  double joules_per_token = 0;
  // IT energy by part
  double compute_j = 0, memory_j = 0, network_j = 0, static_j = 0, host_j = 0;
  double accel_power_w = 0;       // average board power of one accelerator (no host, no PUE)
  double pue = 1;
};

struct EnergyOptions {
  std::optional<double> pue;  // default: the energy table's
};
EnergyReport step_energy(const train::Experiment& e, const train::StepResult& r, const EnergyOptions& o = {});
// The same from action counts and an energy model (synthetic steps, benchmarks, what-ifs).
EnergyReport energy_from_actions(const ActionCounts& a, const EnergyModel& m, const EnergyOptions& o = {});

enum class PriceKind { kOnDemand, kReserved, kCapacityBlock, kTco };

struct PriceOptions {
  PriceKind kind = PriceKind::kOnDemand;
  std::optional<double> price_per_accel_hour;  // overrides the preset
  // TCO mode: capital cost per accelerator (with its share of host and network), lifetime,
  // energy price; PUE comes from the energy options.
  std::optional<double> capex_per_accel, lifetime_years, usd_per_kwh;
  // Extra price files (configs/prices/ schema); one whose `system:` names the experiment's system
  // preset is used before configs/prices/<system>.yaml.
  std::vector<std::string> price_files;
};

// The dollars per accelerator-hour that apply (throws Error(kInput) naming the missing price and
// the key to set when the preset has none).
double price_per_accel_hour(const train::Experiment& e, const PriceOptions& o, const EnergyReport& energy);

struct RunReport {
  double tokens = 0;
  double steps = 0;
  double time_to_train_s = 0;
  double dollars = 0;
  double mwh = 0;
  double tokens_per_joule = 0;
  double tokens_per_dollar = 0;
};
RunReport run_report(const train::Experiment& e, const train::StepResult& r, double tokens, const PriceOptions& p,
                     const EnergyOptions& eo = {});

}  // namespace trnsim::econ

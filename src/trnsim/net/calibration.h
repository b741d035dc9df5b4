// Achievable fractions of link bandwidth and default latencies (sources in docs/network.md).
#pragma once

#include <string>

#include "trnsim/base/units.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::net {

struct Calibration {
  double scale_up_efficiency = 1;   // effective / line rate, one direction
  double scale_out_efficiency = 1;
  bool nvls = false;                // switch-resident reduction (NVLink SHARP) available
  double nvls_overhead = 1;         // NVLS bytes multiplier on top of scale_up_efficiency
  Time hop_latency, scale_out_latency;
};

Calibration calibration_for(const hw::SystemSpec& system);

// Message-size crossovers of the Neuron runtime's intra-node algorithms (RTINTRA), bytes per rank.
inline constexpr double kNeuronMeshMax = 1e6;   // mesh below 1 MB
inline constexpr double kNeuronRdhMax = 56e6;   // RDH 1-56 MB, ring / KangaRing above

}  // namespace trnsim::net

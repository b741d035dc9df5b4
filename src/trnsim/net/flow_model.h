// Flow-level network model: flows share links max-min fairly (progressive filling), rates are
// recomputed whenever a flow finishes, and each flow's finish adds the latency of its path.
// A flow with several equal-cost paths is split evenly over them and finishes with its last part.
#pragma once

#include <vector>

#include "trnsim/net/topology.h"

namespace trnsim::net {

struct Flow {
  int src = 0, dst = 0;  // accelerator indices in the topology
  double bytes = 0;
};

struct FlowTiming {
  std::vector<double> finish;  // seconds, per flow, from a common start
  double makespan = 0;         // the latest finish
  double max_latency = 0;      // the longest path latency of any flow
};

// Routes every flow on `topo` and runs the fluid model.
FlowTiming simulate_flows(const Topology& topo, const std::vector<Flow>& flows);

// The same with routes given: paths[i] are flow i's equal-cost paths.
FlowTiming simulate_routed(const Topology& topo, const std::vector<double>& bytes,
                           const std::vector<std::vector<Path>>& paths);

}  // namespace trnsim::net

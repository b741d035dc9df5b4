// Which algorithms apply to a group on a fabric, which one the libraries pick by message size
// (NCCL on NVSwitch, the Neuron runtime on NeuronLink; crossovers and sources in docs/network.md),
// and the nccl-tests bus factors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/net/calibration.h"
#include "trnsim/net/collective.h"
#include "trnsim/net/topology.h"

namespace trnsim::net {

enum class Fabric { kNvSwitch, kNeuron, kTpuTorus };

struct GroupShape {
  int64_t n = 1, stride = 1;
  bool single_domain = true;
  int64_t members_per_domain = 1, domains = 1;
  // When the group's members inside one domain form a regular grid of a torus domain (every
  // accelerator, or every stride-th along the fastest dimensions), the grid's shape; else empty.
  std::vector<int> torus_grid;
  Fabric fabric = Fabric::kNvSwitch;
  bool nvls = false;
};

Fabric fabric_of(const hw::SystemSpec& s, const Calibration& c);
// The grid `members` accelerators at `stride` (from any first member) form on a torus of `dims`
// (row-major, the last dimension fastest): dimensions the stride skips drop out, the one it cuts
// shrinks. Empty when they form no whole grid.
std::vector<int> torus_grid(const std::vector<int>& dims, int64_t members, int64_t stride);
// The in-domain part of a group that spans domains.
GroupShape sub_shape(const GroupShape& sh);

std::vector<std::string> applicable_algorithms(CollectiveKind kind, const GroupShape& sh);
std::string select_algorithm(CollectiveKind kind, double bytes, const GroupShape& sh);
// Between domains in a hierarchical collective, by bytes per rank of the inter-domain part.
std::string inter_algorithm(double bytes);
double bus_factor(CollectiveKind kind, int64_t n);

// Orders each group's members along rings of physical neighbours on a torus and returns how many
// rings each group runs at once, each with an equal share of the data: one, in snake order; or,
// with `disjoint_cycles` where every group spans all the chips of a 2-D torus, one per edge-
// disjoint Hamiltonian cycle (the Neuron runtime's rings over a whole instance, RTINTRA), the
// groups then listed once per cycle.
int order_as_rings(const Topology& t, std::vector<std::vector<int>>& groups, bool disjoint_cycles);

}  // namespace trnsim::net

// The network as a graph: accelerators, switches and NICs joined by directed links, each with a
// bandwidth (bytes/s, one direction) and a latency. Builders make the scale-up domains
// (NVSwitch/NVL72/NeuronSwitch: one non-blocking switch; NeuronLink / ICI tori with wraparound
// links) and a scale-out fat tree joining several domains through per-accelerator NICs.
// Routing: dimension-order (shortest direction) inside a torus; elsewhere every equal-cost
// shortest path (up-down in a fat tree), over which a flow is spread evenly.
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/base/units.h"

namespace trnsim::net {

enum class NodeKind { kAccel, kSwitch, kNic };

struct Link {
  int from = 0, to = 0;
  double bw = 0;  // bytes per second, this direction
  Time latency;
};

using Path = std::vector<int>;  // link ids, in order

class Topology {
 public:
  int add_node(NodeKind kind);
  int add_link(int from, int to, double bw, Time latency);
  void add_duplex(int a, int b, double bw, Time latency);
  // An accelerator: a node plus a loopback link (its memory) used by flows between ranks on the
  // same chip. `domain` groups accelerators of one scale-up domain.
  int add_accel(int domain, double local_bw);

  int num_nodes() const { return static_cast<int>(kinds_.size()); }
  int num_links() const { return static_cast<int>(links_.size()); }
  int num_accels() const { return static_cast<int>(accels_.size()); }
  int accel_node(int accel) const { return accels_[accel]; }
  int accel_domain(int accel) const { return domain_[accel]; }
  const Link& link(int id) const { return links_[id]; }
  NodeKind kind(int node) const { return kinds_[node]; }

  // Declares that the accelerators [first, first + prod(dims)) form a torus (row-major
  // coordinates) whose neighbour links are `plus[a][d]` / `minus[a][d]` (local accel index a).
  void set_torus(int first, std::vector<int> dims, std::vector<std::vector<int>> plus,
                 std::vector<std::vector<int>> minus);
  const std::vector<int>& torus_dims() const { return torus_dims_; }
  // Coordinates of an accelerator within its torus domain (empty when not in a torus).
  std::vector<int> coords(int accel) const;
  // Its row-major index within its torus domain (-1 when not in a torus).
  int torus_position(int accel) const { return torus_base_[accel] < 0 ? -1 : accel - torus_base_[accel]; }

  // Equal-cost paths from accelerator a to accelerator b (at most `max_paths`).
  std::vector<Path> paths(int a, int b, int max_paths = 8) const;

 private:
  std::vector<Path> torus_paths(int a, int b) const;
  std::vector<Path> shortest_paths(int a, int b, int max_paths) const;

  std::vector<NodeKind> kinds_;
  std::vector<Link> links_;
  std::vector<std::vector<int>> out_;  // node -> outgoing link ids
  std::vector<std::vector<int>> in_;   // node -> incoming link ids (loopbacks excluded)
  std::vector<int> accels_, domain_, loopback_;
  // Every torus domain has the same shape; the tables hold each domain's accelerators in turn.
  std::vector<int> torus_dims_;
  std::vector<int> torus_base_;                 // accel -> first accel of its torus, or -1
  std::vector<std::vector<int>> plus_, minus_;  // accel -> per-dimension link
};

// Builders. Bandwidths are per direction and already scaled by the achievable fraction.
// One non-blocking switch joining `n` accelerators, each with `bw` to and from the switch; the
// per-hop latency is split evenly over the two links of accel -> switch -> accel.
void add_switch_domain(Topology& t, int domain, int n, double bw, Time hop_latency, double local_bw);
// A torus of shape `dims` with wraparound; each accelerator's `bw_per_accel` (one direction, all
// links together) is split evenly over its 2 x dims links.
void add_torus_domain(Topology& t, int domain, const std::vector<int>& dims, double bw_per_accel,
                      Time hop_latency, double local_bw);
// Joins every accelerator (accel i of each domain has its NIC) by a fat tree: non-blocking (one
// switch) or rail-optimised (NIC i of every domain on rail switch i, rails joined by `spines`
// spine switches with enough uplink for full bisection). `latency` is end to end.
void add_fat_tree(Topology& t, int per_domain, double nic_bw, Time latency, bool rail_optimized, int spines = 4);

}  // namespace trnsim::net

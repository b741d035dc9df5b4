// Collective algorithms as schedules: phases of concurrent flows on a topology, each phase run
// `repeat` times (one step of a ring stands for all its steps, by symmetry).
//
// `groups` are the concurrently running groups the model simulates, each its members'
// accelerator indices in group order; `n` is the group's real size, which may exceed the
// members listed (a representative ring over a few domains stands for one over many).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/net/collective.h"
#include "trnsim/net/flow_model.h"

namespace trnsim::net {

struct Phase {
  const Topology* topo = nullptr;
  std::vector<Flow> flows;
  int64_t repeat = 1;
  int64_t extra_latency_steps = 0;  // pipeline fill: steps that cost only the path latency
};

using Schedule = std::vector<Phase>;
using Groups = std::vector<std::vector<int>>;

double schedule_seconds(const Schedule& s);

// Each returns an empty schedule when the algorithm does not apply to `kind`.
Schedule ring_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g, bool bidir);
Schedule mesh_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g);
Schedule rhd_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g);
// The Neuron runtime's RDH where each chip holds `local` consecutive members of a group (RTINTRA):
// a reduce-scatter first reduces within the chip, each local rank keeping a 1/local share, then
// halves recursively across chips among the members with the same local index; an all-gather
// doubles across chips first, then broadcasts within the chip. On a torus the chips pair as a
// hypercube's (each exchange between direct neighbours), each local rank on its own axis.
Schedule chip_rhd_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g,
                           int64_t local);
Schedule tree_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g);
// Switch-resident reduction (NVLink SHARP): each GPU sends and receives the buffer once;
// `overhead` >= 1 scales the bytes for what multicast and in-switch reduction cost on top.
Schedule nvls_schedule(const Topology& t, CollectiveKind kind, double bytes, int64_t n, const Groups& g, double overhead);
// Dimension by dimension over a whole torus domain (each group: every accel of the torus, in
// row-major order).
Schedule torus_schedule(const Topology& t, CollectiveKind kind, double bytes, const Groups& g,
                        const std::vector<int>& grid);

void append(Schedule& to, const Schedule& from);

}  // namespace trnsim::net

// Collective communication over a system's network: topology, routing, flow-level link sharing and
// the algorithms real libraries use (NCCL, the Neuron runtime), chosen by message size per fabric.
//
// Groups are symmetric: a group is `size` ranks {first + i * stride}, and every other group of the
// same shape runs the same collective at the same time (data-parallel groups side by side, say),
// sharing the links they have in common. That is what lets a step of a 500,000-chip job cost no
// more than a few representative collectives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::net {

enum class CollectiveKind { kAllReduce, kReduceScatter, kAllGather, kAllToAll, kSendRecv, kBroadcast };

struct Group {
  int64_t size = 1;
  int64_t stride = 1;  // distance in rank numbering between consecutive members
};

struct CollectiveResult {
  Time time;
  std::string algorithm;  // ring, bidir-ring, mesh, rhd, tree, torus, hierarchical ...
  double algbw = 0;       // bytes / time (nccl-tests definition)
  double busbw = 0;       // algbw x the nccl-tests bus factor of the collective
};

class NetworkModel {
 public:
  explicit NetworkModel(const hw::SystemSpec& system);
  ~NetworkModel();
  // `bytes` is the message size per rank as nccl-tests counts it (all-gather: the gathered output).
  CollectiveResult collective(CollectiveKind kind, int64_t bytes, const Group& group) const;
  // Same, with the algorithm forced (for tests and the collective command); an unknown or
  // inapplicable name throws Error(kInput) listing the valid ones.
  CollectiveResult collective(CollectiveKind kind, int64_t bytes, const Group& group, const std::string& algorithm) const;
  std::vector<std::string> algorithms(CollectiveKind kind, const Group& group) const;
  // Ranks in one scale-up domain (a server, a rack, an UltraServer, a TPU slice).
  int64_t ranks_per_domain() const;

 private:
  struct Impl;
  Impl* impl_;
};

std::string_view collective_name(CollectiveKind k);
// The inverse of collective_name; an unknown name throws Error(kInput) listing the valid ones.
CollectiveKind parse_collective_kind(const std::string& name);

}  // namespace trnsim::net

#include "trnsim/net/selection.h"

#include <algorithm>
#include <set>

#include "trnsim/base/error.h"
#include "trnsim/net/torus_cycles.h"

namespace trnsim::net {

using K = CollectiveKind;

std::string_view collective_name(CollectiveKind k) {
  switch (k) {
    case K::kAllReduce: return "all_reduce";
    case K::kReduceScatter: return "reduce_scatter";
    case K::kAllGather: return "all_gather";
    case K::kAllToAll: return "all_to_all";
    case K::kSendRecv: return "sendrecv";
    case K::kBroadcast: return "broadcast";
  }
  return "?";
}

CollectiveKind parse_collective_kind(const std::string& name) {
  for (K k : {K::kAllReduce, K::kReduceScatter, K::kAllGather, K::kAllToAll, K::kSendRecv, K::kBroadcast})
    if (collective_name(k) == name) return k;
  throw input_error("--op", "unknown collective '" + name + "'",
                    "use all_reduce, reduce_scatter, all_gather, all_to_all, sendrecv or broadcast");
}

Fabric fabric_of(const hw::SystemSpec& s, const Calibration&) {
  if (s.accel.family == hw::AcceleratorFamily::kTrainium) return Fabric::kNeuron;
  if (s.accel.family == hw::AcceleratorFamily::kTpu) return Fabric::kTpuTorus;
  return Fabric::kNvSwitch;
}

std::vector<int> torus_grid(const std::vector<int>& dims, int64_t members, int64_t stride) {
  if (dims.empty() || stride < 1) return {};
  std::vector<int> grid(dims.begin(), dims.end());
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0 && stride > 1; --d) {
    if (stride % dims[d] == 0) {
      stride /= dims[d];
      grid[d] = 1;
    } else if (dims[d] % stride == 0) {
      grid[d] = static_cast<int>(dims[d] / stride);
      stride = 1;
    } else {
      return {};
    }
  }
  int64_t size = 1;
  for (int g : grid) size *= g;
  if (stride != 1 || size != members || members < 2) return {};
  return grid;
}

GroupShape sub_shape(const GroupShape& sh) {
  GroupShape s = sh;
  s.n = sh.members_per_domain;
  s.single_domain = true;
  s.domains = 1;
  return s;
}

std::vector<std::string> applicable_algorithms(CollectiveKind kind, const GroupShape& sh) {
  bool reduce_or_gather = kind == K::kAllReduce || kind == K::kReduceScatter || kind == K::kAllGather;
  std::vector<std::string> out;
  if (!sh.single_domain) {
    if (reduce_or_gather || kind == K::kBroadcast) out.push_back("hierarchical");
    if (kind == K::kAllToAll || kind == K::kSendRecv) out.push_back("mesh");
    return out;
  }
  if (kind != K::kAllToAll && kind != K::kSendRecv) out.insert(out.end(), {"ring", "bidir-ring"});
  out.push_back("mesh");
  if (reduce_or_gather) out.push_back("rhd");
  if (kind == K::kAllReduce || kind == K::kBroadcast) out.push_back("tree");
  if (reduce_or_gather && !sh.torus_grid.empty()) out.push_back("torus");
  if (kind == K::kAllReduce && sh.nvls) out.push_back("nvls");
  return out;
}

std::string select_algorithm(CollectiveKind kind, double bytes, const GroupShape& sh) {
  if (!sh.single_domain) return kind == K::kAllToAll || kind == K::kSendRecv ? "mesh" : "hierarchical";
  if (kind == K::kAllToAll || kind == K::kSendRecv) return "mesh";
  if (kind == K::kBroadcast) return "ring";  // NCCL broadcasts along a pipelined ring
  switch (sh.fabric) {
    case Fabric::kNvSwitch:
      // NCCL >= 2.17 on Hopper NVSwitch runs all-reduce as NVLS; the others stay on rings.
      return kind == K::kAllReduce && sh.nvls ? "nvls" : "ring";
    case Fabric::kNeuron:
      if (bytes < kNeuronMeshMax) return "mesh";
      if (bytes <= kNeuronRdhMax) return "rhd";
      return "bidir-ring";  // ring / KangaRing: both directions of the physical ring
    case Fabric::kTpuTorus:
      return sh.torus_grid.empty() ? "bidir-ring" : "torus";
  }
  return "ring";
}

std::string inter_algorithm(double bytes) { return bytes <= kNeuronRdhMax ? "rhd" : "ring"; }

double bus_factor(CollectiveKind kind, int64_t n) {
  double f = static_cast<double>(n - 1) / static_cast<double>(n);
  switch (kind) {
    case K::kAllReduce: return 2 * f;
    case K::kReduceScatter:
    case K::kAllGather:
    case K::kAllToAll: return f;
    default: return 1;
  }
}

int order_as_rings(const Topology& t, std::vector<std::vector<int>>& groups, bool disjoint_cycles) {
  const std::vector<int>& dims = t.torus_dims();
  std::vector<std::vector<int>> cycles;
  if (disjoint_cycles) cycles = disjoint_hamiltonian_cycles(dims);
  auto spans_torus = [&](const std::vector<int>& g) {
    std::set<int> chips;
    for (int a : g) chips.insert(t.torus_position(a));
    return !cycles.empty() && chips.size() == cycles.front().size();
  };
  if (!groups.empty() && std::all_of(groups.begin(), groups.end(), spans_torus)) {
    std::vector<std::vector<int>> out;
    for (const auto& cycle : cycles) {
      std::vector<size_t> place(cycle.size());
      for (size_t i = 0; i < cycle.size(); ++i) place[static_cast<size_t>(cycle[i])] = i;
      auto at = [&](int accel) { return place[static_cast<size_t>(t.torus_position(accel))]; };
      for (auto g : groups) {
        std::stable_sort(g.begin(), g.end(), [&](int a, int b) { return at(a) < at(b); });
        out.push_back(std::move(g));
      }
    }
    groups = std::move(out);
    return static_cast<int>(cycles.size());
  }
  auto snake = [&](int accel) {
    std::vector<int> c = t.coords(accel);
    if (c.empty()) return int64_t{accel};
    // Boustrophedon: odd rows of the slower dimension run backwards, so neighbours in the order
    // are neighbours on the torus and the wraparound closes the ring.
    int64_t idx = 0;
    bool reverse = false;
    for (size_t d = 0; d < c.size(); ++d) {
      int v = reverse ? dims[d] - 1 - c[d] : c[d];
      idx = idx * dims[d] + v;
      reverse = (v % 2) == 1;
    }
    return idx;
  };
  for (auto& g : groups)
    std::stable_sort(g.begin(), g.end(), [&](int a, int b) { return snake(a) < snake(b); });
  return 1;
}

}  // namespace trnsim::net

#include "trnsim/net/algorithms.h"

#include <algorithm>
#include <bit>

namespace trnsim::net {
namespace {

using K = CollectiveKind;

Phase phase(const Topology& t, int64_t repeat = 1) {
  Phase p;
  p.topo = &t;
  p.repeat = repeat;
  return p;
}

int64_t floor_log2(int64_t n) { return n <= 1 ? 0 : 63 - std::countl_zero(static_cast<uint64_t>(n)); }

// Flows from member i to member i + offset (cyclic) of every group, `bytes` each.
void shift_flows(Phase& p, const Groups& g, int offset, double bytes, bool cyclic = true) {
  for (const auto& m : g) {
    int k = static_cast<int>(m.size());
    for (int i = 0; i < k; ++i) {
      int j = i + offset;
      if (!cyclic && (j < 0 || j >= k)) continue;
      p.flows.push_back({m[i], m[((j % k) + k) % k], bytes});
    }
  }
}

void all_pairs(Phase& p, const Groups& g, double bytes) {
  for (const auto& m : g)
    for (size_t i = 0; i < m.size(); ++i)
      for (size_t j = 0; j < m.size(); ++j)
        if (i != j) p.flows.push_back({m[i], m[j], bytes});
}

// A recursive-halving group of `chips` (distinct, ascending) on a torus with `dims`, reordered so
// that members whose list positions differ in one bit are direct neighbours: the position's digit
// along each torus dimension in Gray code (the 4x4 torus seen as a 4-D hypercube, RTINTRA).
// `rotate` turns the position's bits, so groups with different rotations exchange along different
// axes at each step. Left as given unless the chips are consecutive and a power of two in number.
std::vector<int> hypercube_order(const std::vector<int>& chips, const std::vector<int>& dims, int rotate) {
  const auto n = static_cast<int64_t>(chips.size());
  if (dims.empty() || n < 2 || (n & (n - 1)) != 0 || chips.back() - chips.front() != n - 1) return chips;
  const int bits = static_cast<int>(floor_log2(n)), r = rotate % bits;
  std::vector<int> out(chips.size());
  for (int64_t j = 0; j < n; ++j) {
    const int64_t turned = ((j << r) | (j >> (bits - r))) & (n - 1);
    int64_t rest = turned, place = 1, pos = 0;
    for (int d : dims) {
      const int64_t range = std::min<int64_t>(d, n / place);
      if (range <= 1) break;
      const int64_t digit = rest % range;
      pos += (digit ^ (digit >> 1)) * place;
      rest /= range;
      place *= range;
    }
    pos += rest * place;
    out[static_cast<size_t>(j)] = chips[static_cast<size_t>(pos)];
  }
  return out;
}

}  // namespace

double schedule_seconds(const Schedule& s) {
  double total = 0;
  for (const Phase& p : s) {
    FlowTiming ft = simulate_flows(*p.topo, p.flows);
    total += static_cast<double>(p.repeat) * ft.makespan + static_cast<double>(p.extra_latency_steps) * ft.max_latency;
  }
  return total;
}

void append(Schedule& to, const Schedule& from) { to.insert(to.end(), from.begin(), from.end()); }

Schedule ring_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g, bool bidir) {
  if (kind == K::kAllToAll || kind == K::kSendRecv) return {};
  if (kind == K::kBroadcast) {
    // A pipelined chain: the message streams through, the chain's length adds only latency.
    Phase p = phase(t);
    shift_flows(p, g, 1, bytes, false);
    p.extra_latency_steps = n - 2;
    return {p};
  }
  int64_t steps = kind == K::kAllReduce ? 2 * (n - 1) : n - 1;
  double chunk = bytes / static_cast<double>(n);
  Phase p = phase(t, steps);
  if (bidir) {
    shift_flows(p, g, 1, chunk / 2);
    shift_flows(p, g, -1, chunk / 2);
  } else {
    shift_flows(p, g, 1, chunk);
  }
  return {p};
}

Schedule mesh_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g) {
  Phase p = phase(t);
  switch (kind) {
    case K::kAllReduce: {
      all_pairs(p, g, bytes / static_cast<double>(n));
      return {p, p};  // reduce-scatter, then all-gather
    }
    case K::kReduceScatter:
    case K::kAllGather:
    case K::kAllToAll:
      all_pairs(p, g, bytes / static_cast<double>(n));
      return {p};
    case K::kBroadcast:
      for (const auto& m : g)
        for (size_t j = 1; j < m.size(); ++j) p.flows.push_back({m[0], m[j], bytes});
      return {p};
    case K::kSendRecv:
      shift_flows(p, g, 1, bytes, false);
      return {p};
  }
  return {};
}

Schedule rhd_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g) {
  if (kind != K::kAllReduce && kind != K::kReduceScatter && kind != K::kAllGather) return {};
  int64_t levels = floor_log2(n), p2 = int64_t{1} << levels;
  auto exchange = [&](int64_t dist, double amount) {
    Phase p = phase(t);
    for (const auto& m : g) {
      int k = static_cast<int>(m.size());
      for (int i = 0; i < k; ++i) {
        // A representative (k < n) pairs neighbours: on a non-blocking fabric every distance
        // loads the NICs alike.
        int j = k < n ? (i ^ 1) : static_cast<int>(i ^ dist);
        if (i < p2 && j < k && j < p2) p.flows.push_back({m[i], m[j], amount});
      }
    }
    return p;
  };
  auto fold = [&]() {  // ranks beyond the largest power of two hand their data to a partner
    Phase p = phase(t);
    for (const auto& m : g)
      for (int64_t i = p2; i < static_cast<int64_t>(m.size()); ++i) p.flows.push_back({m[i], m[i - p2], bytes});
    return p;
  };
  Schedule s;
  bool folded = p2 < n && static_cast<int64_t>(g.front().size()) == n;
  if (folded && kind != K::kAllGather) s.push_back(fold());
  if (kind != K::kAllGather)
    for (int64_t l = 0; l < levels; ++l) s.push_back(exchange(p2 >> (l + 1), bytes / static_cast<double>(int64_t{2} << l)));
  if (kind != K::kReduceScatter)
    for (int64_t l = levels - 1; l >= 0; --l) s.push_back(exchange(p2 >> (l + 1), bytes / static_cast<double>(int64_t{2} << l)));
  if (folded && kind != K::kReduceScatter) s.push_back(fold());
  return s;
}

Schedule chip_rhd_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g, int64_t local) {
  if (kind != K::kAllReduce && kind != K::kReduceScatter && kind != K::kAllGather) return {};
  if (local < 1 || n % local != 0) local = 1;
  Groups on_chip, across;
  for (size_t k = 0; k < g.size(); ++k) {
    const auto& m = g[k];
    for (size_t c = 0; local > 1 && c + static_cast<size_t>(local) <= m.size(); c += static_cast<size_t>(local))
      on_chip.emplace_back(m.begin() + static_cast<std::ptrdiff_t>(c), m.begin() + static_cast<std::ptrdiff_t>(c + local));
    // Each local rank, and each of the groups of this shape that share the chips, starts on its
    // own axis.
    for (int64_t r = 0; r < local; ++r) {
      std::vector<int> same_index;
      for (size_t i = static_cast<size_t>(r); i < m.size(); i += static_cast<size_t>(local)) same_index.push_back(m[i]);
      across.push_back(hypercube_order(same_index, t.torus_dims(), static_cast<int>(k + static_cast<size_t>(r))));
    }
  }
  Schedule s;
  if (local > 1 && kind != K::kAllGather) append(s, mesh_schedule(t, K::kReduceScatter, bytes, local, on_chip));
  if (n > local) append(s, rhd_schedule(t, kind, bytes / static_cast<double>(local), n / local, across));
  if (local > 1 && kind != K::kReduceScatter) append(s, mesh_schedule(t, K::kAllGather, bytes, local, on_chip));
  return s;
}

Schedule tree_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g) {
  if (kind != K::kAllReduce && kind != K::kBroadcast) return {};
  int64_t depth = floor_log2(n);
  Phase p = phase(t);
  for (const auto& m : g) {
    int k = static_cast<int>(m.size());
    for (int i = 1; i < k; ++i) {
      int parent = (i - 1) / 2;
      if (kind == K::kBroadcast) {
        p.flows.push_back({m[parent], m[i], bytes});
        continue;
      }
      // Two trees, each with half the data, the second mirrored so that the first one's
      // leaves are its inner nodes; reduction up and broadcast down run pipelined together.
      for (int tree = 0; tree < 2; ++tree) {
        int a = tree == 0 ? i : k - 1 - i, b = tree == 0 ? parent : k - 1 - parent;
        p.flows.push_back({m[a], m[b], bytes / 2});
        p.flows.push_back({m[b], m[a], bytes / 2});
      }
    }
  }
  p.extra_latency_steps = kind == K::kAllReduce ? 2 * depth - 1 : depth - 1;
  return {p};
}

Schedule nvls_schedule(const Topology& t, K kind, double bytes, int64_t n, const Groups& g, double overhead) {
  if (kind != K::kAllReduce || n < 2) return {};
  Phase p = phase(t);
  all_pairs(p, g, bytes * overhead / static_cast<double>(n - 1));
  return {p};
}

Schedule torus_schedule(const Topology& t, K kind, double bytes, const Groups& g, const std::vector<int>& grid) {
  if (kind != K::kAllReduce && kind != K::kReduceScatter && kind != K::kAllGather) return {};
  if (grid.empty()) return {};
  // Members in rank order walk the grid row-major; their neighbours along a grid dimension may
  // be several torus hops apart (a strided group), which routing accounts for.
  const std::vector<int>& dims = grid;
  int nd = static_cast<int>(dims.size());
  std::vector<int> stride(nd, 1);
  for (int d = nd - 2; d >= 0; --d) stride[d] = stride[d + 1] * dims[d + 1];
  // One bidirectional ring step along dimension d, `chunk` per rank.
  auto dim_phase = [&](int d, double chunk) {
    Phase p = phase(t, dims[d] - 1);
    for (const auto& m : g) {
      for (size_t i = 0; i < m.size(); ++i) {
        int c = static_cast<int>(i / stride[d]) % dims[d];
        int up = static_cast<int>(i) + (((c + 1) % dims[d]) - c) * stride[d];
        int down = static_cast<int>(i) + (((c + dims[d] - 1) % dims[d]) - c) * stride[d];
        p.flows.push_back({m[i], m[up], chunk / 2});
        p.flows.push_back({m[i], m[down], chunk / 2});
      }
    }
    return p;
  };
  // One share of the data per dimension order (rotations of 0, 1, ...): while one share runs
  // along dimension 0 another runs along dimension 1, so every link of the torus is busy.
  std::vector<int> used;
  for (int d = 0; d < nd; ++d)
    if (dims[d] >= 2) used.push_back(d);
  int orders = std::max<int>(1, static_cast<int>(used.size()));
  std::vector<Schedule> per_order;
  for (int r = 0; r < orders; ++r) {
    Schedule rs, ag;
    double cur = bytes / orders;
    for (size_t k = 0; k < used.size(); ++k) {
      int d = used[(r + k) % used.size()];
      cur /= dims[d];
      rs.push_back(dim_phase(d, cur));
      ag.insert(ag.begin(), dim_phase(d, cur));
    }
    Schedule s;
    if (kind != K::kAllGather) append(s, rs);
    if (kind != K::kReduceScatter) append(s, ag);
    per_order.push_back(std::move(s));
  }
  // Merge the orders phase by phase; a phase of r steps becomes one transfer of r chunks plus
  // r - 1 latency-only steps, which costs the same.
  Schedule s(per_order.front().size(), phase(t));
  for (size_t i = 0; i < s.size(); ++i) {
    int64_t steps = 1;
    for (const Schedule& o : per_order) {
      steps = std::max(steps, o[i].repeat);
      for (Flow f : o[i].flows) {
        f.bytes *= static_cast<double>(o[i].repeat);
        s[i].flows.push_back(f);
      }
    }
    s[i].extra_latency_steps = steps - 1;
  }
  return s;
}

}  // namespace trnsim::net

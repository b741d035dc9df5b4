#include "trnsim/net/topology.h"

#include <algorithm>
#include <deque>

namespace trnsim::net {

int Topology::add_node(NodeKind kind) {
  kinds_.push_back(kind);
  out_.emplace_back();
  in_.emplace_back();
  return num_nodes() - 1;
}

int Topology::add_link(int from, int to, double bw, Time latency) {
  links_.push_back({from, to, bw, latency});
  out_[from].push_back(num_links() - 1);
  in_[to].push_back(num_links() - 1);
  return num_links() - 1;
}

void Topology::add_duplex(int a, int b, double bw, Time latency) {
  add_link(a, b, bw, latency);
  add_link(b, a, bw, latency);
}

int Topology::add_accel(int domain, double local_bw) {
  int node = add_node(NodeKind::kAccel);
  accels_.push_back(node);
  domain_.push_back(domain);
  // The loopback is not in out_: routing never passes through it.
  links_.push_back({node, node, local_bw, Time()});
  loopback_.push_back(num_links() - 1);
  torus_base_.push_back(-1);
  plus_.emplace_back();
  minus_.emplace_back();
  return num_accels() - 1;
}

void Topology::set_torus(int first, std::vector<int> dims, std::vector<std::vector<int>> plus,
                         std::vector<std::vector<int>> minus) {
  torus_dims_ = std::move(dims);
  for (size_t i = 0; i < plus.size(); ++i) {
    torus_base_[first + i] = first;
    plus_[first + i] = std::move(plus[i]);
    minus_[first + i] = std::move(minus[i]);
  }
}

std::vector<int> Topology::coords(int accel) const {
  int local = torus_position(accel);
  if (local < 0) return {};
  std::vector<int> c(torus_dims_.size());
  for (int d = static_cast<int>(torus_dims_.size()) - 1; d >= 0; --d) {
    c[d] = local % torus_dims_[d];
    local /= torus_dims_[d];
  }
  return c;
}

std::vector<Path> Topology::paths(int a, int b, int max_paths) const {
  if (a == b) return {Path{loopback_[a]}};
  if (torus_base_[a] >= 0 && torus_base_[a] == torus_base_[b]) return torus_paths(a, b);
  return shortest_paths(a, b, max_paths);
}

// Dimension order, shortest direction; a tie (distance exactly half the ring) splits the flow
// over both directions, as the wraparound makes them equal.
std::vector<Path> Topology::torus_paths(int a, int b) const {
  std::vector<int> ca = coords(a), cb = coords(b);
  std::vector<Path> out{Path{}};
  int base = torus_base_[a];
  auto index = [&](const std::vector<int>& c) {
    int i = 0;
    for (size_t d = 0; d < c.size(); ++d) i = i * torus_dims_[d] + c[d];
    return base + i;
  };
  std::vector<std::vector<int>> cur{ca};
  for (size_t d = 0; d < torus_dims_.size(); ++d) {
    int n = torus_dims_[d];
    int fwd = ((cb[d] - ca[d]) % n + n) % n;
    if (fwd == 0) continue;
    std::vector<int> dirs;
    if (2 * fwd < n) dirs = {+1};
    else if (2 * fwd > n) dirs = {-1};
    else dirs = {+1, -1};
    std::vector<Path> next;
    std::vector<std::vector<int>> next_cur;
    for (size_t p = 0; p < out.size(); ++p) {
      for (int dir : dirs) {
        Path path = out[p];
        std::vector<int> c = cur[p];
        int steps = dir > 0 ? fwd : n - fwd;
        for (int s = 0; s < steps; ++s) {
          int here = index(c);
          path.push_back(dir > 0 ? plus_[here][d] : minus_[here][d]);
          c[d] = ((c[d] + dir) % n + n) % n;
        }
        next.push_back(std::move(path));
        next_cur.push_back(std::move(c));
      }
    }
    out = std::move(next);
    cur = std::move(next_cur);
  }
  return out;
}

// Breadth-first distances, then every shortest path enumerated backwards (up-down routes in a
// fat tree are exactly the shortest ones). Accelerators other than the endpoints are not transit
// nodes, except inside their own domain's switch fabric.
std::vector<Path> Topology::shortest_paths(int a, int b, int max_paths) const {
  int src = accels_[a], dst = accels_[b];
  std::vector<int> dist(num_nodes(), -1);
  std::deque<int> queue{src};
  dist[src] = 0;
  while (!queue.empty()) {
    int u = queue.front();
    queue.pop_front();
    if (u == dst) break;
    if (u != src && kinds_[u] == NodeKind::kAccel) continue;
    for (int l : out_[u]) {
      int v = links_[l].to;
      if (dist[v] < 0) {
        dist[v] = dist[u] + 1;
        queue.push_back(v);
      }
    }
  }
  if (dist[dst] < 0) return {};
  std::vector<Path> out;
  Path rev;
  auto walk = [&](auto&& self, int v) -> void {
    if (static_cast<int>(out.size()) >= max_paths) return;
    if (v == src) {
      out.emplace_back(rev.rbegin(), rev.rend());
      return;
    }
    for (int l : in_[v]) {
      int u = links_[l].from;
      if (dist[u] < 0 || dist[v] != dist[u] + 1) continue;  // not on a shortest path
      if (u != src && kinds_[u] == NodeKind::kAccel) continue;
      rev.push_back(l);
      self(self, u);
      rev.pop_back();
    }
  };
  walk(walk, dst);
  return out;
}

void add_switch_domain(Topology& t, int domain, int n, double bw, Time hop_latency, double local_bw) {
  int sw = t.add_node(NodeKind::kSwitch);
  Time half = Time::ps(hop_latency.ps() / 2);
  for (int i = 0; i < n; ++i) {
    int a = t.add_accel(domain, local_bw);
    t.add_duplex(t.accel_node(a), sw, bw, half);
  }
}

void add_torus_domain(Topology& t, int domain, const std::vector<int>& dims, double bw_per_accel,
                      Time hop_latency, double local_bw) {
  int n = 1;
  for (int d : dims) n *= d;
  int first = t.num_accels();
  for (int i = 0; i < n; ++i) t.add_accel(domain, local_bw);
  double bw = bw_per_accel / (2.0 * static_cast<double>(dims.size()));
  std::vector<std::vector<int>> plus(n, std::vector<int>(dims.size())), minus = plus;
  for (int i = 0; i < n; ++i) {
    int stride = 1;
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      int c = (i / stride) % dims[d];
      int j = i + (((c + 1) % dims[d]) - c) * stride;
      // Both directions are separate links even in a ring of two (two cables, as on Trn2).
      plus[i][d] = t.add_link(t.accel_node(first + i), t.accel_node(first + j), bw, hop_latency);
      minus[j][d] = t.add_link(t.accel_node(first + j), t.accel_node(first + i), bw, hop_latency);
      stride *= dims[d];
    }
  }
  t.set_torus(first, dims, std::move(plus), std::move(minus));
}

void add_fat_tree(Topology& t, int per_domain, double nic_bw, Time latency, bool rail_optimized, int spines) {
  int accels = t.num_accels();
  int domains = accels / per_domain;
  // End to end: accel-NIC, NIC-switch (and switch-spine) links; latency goes on the NIC links.
  Time edge = Time::ps(latency.ps() / 4);
  std::vector<int> nics(accels);
  for (int a = 0; a < accels; ++a) {
    nics[a] = t.add_node(NodeKind::kNic);
    t.add_duplex(t.accel_node(a), nics[a], nic_bw, edge);
  }
  if (!rail_optimized) {
    int sw = t.add_node(NodeKind::kSwitch);
    for (int a = 0; a < accels; ++a) t.add_duplex(nics[a], sw, nic_bw, edge);
    return;
  }
  std::vector<int> rails(per_domain), spine(spines);
  for (auto& r : rails) r = t.add_node(NodeKind::kSwitch);
  for (auto& s : spine) s = t.add_node(NodeKind::kSwitch);
  for (int a = 0; a < accels; ++a) t.add_duplex(nics[a], rails[a % per_domain], nic_bw, edge);
  double up = nic_bw * domains / spines;
  for (int r : rails)
    for (int s : spine) t.add_duplex(r, s, up, Time());
}

}  // namespace trnsim::net

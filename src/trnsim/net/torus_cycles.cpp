#include "trnsim/net/torus_cycles.h"

#include <algorithm>
#include <set>
#include <utility>

namespace trnsim::net {
namespace {

using Edge = std::pair<int, int>;  // (smaller, larger) accelerator index

Edge edge(int a, int b) { return {std::min(a, b), std::max(a, b)}; }

// The visit order of `edges` from vertex 0 when they form one cycle through all `nodes`; empty
// otherwise (a vertex without exactly two links, or several shorter cycles).
std::vector<int> as_one_cycle(int nodes, const std::set<Edge>& edges) {
  std::vector<std::vector<int>> adj(static_cast<size_t>(nodes));
  for (const auto& [a, b] : edges) {
    adj[static_cast<size_t>(a)].push_back(b);
    adj[static_cast<size_t>(b)].push_back(a);
  }
  for (const auto& a : adj)
    if (a.size() != 2) return {};
  std::vector<int> order{0};
  int prev = 0, cur = adj[0][0];
  while (cur != 0) {
    order.push_back(cur);
    const auto& next = adj[static_cast<size_t>(cur)];
    int step = next[0] == prev ? next[1] : next[0];
    prev = cur;
    cur = step;
  }
  if (static_cast<int>(order.size()) != nodes) return {};
  return order;
}

// The staircase on m rows of n: the first cycle runs along each row r from column r (mod n) the
// long way round to column r + 1, then down one link to row r + 1, which it enters at its own
// turn column r + 1; the second cycle takes every other link (the one row link per row the first
// skips, and each column but for the one link the first crosses there). On a square torus both
// close (Kotzig's theorem: a product of two cycles splits into two Hamiltonian cycles); on other
// shapes they are checked and dropped when they do not.
std::vector<std::vector<int>> staircase(int m, int n) {
  auto id = [&](int r, int c) { return ((r % m + m) % m) * n + ((c % n + n) % n); };
  std::set<Edge> first, second;
  for (int r = 0; r < m; ++r) {
    const int turn = r % n;
    for (int c = 0; c < n; ++c)
      if (c != turn) first.insert(edge(id(r, c), id(r, c + 1)));
    first.insert(edge(id(r, turn + 1), id(r + 1, turn + 1)));
  }
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) {
      for (Edge e : {edge(id(r, c), id(r, c + 1)), edge(id(r, c), id(r + 1, c))})
        if (!first.count(e)) second.insert(e);
    }
  }
  std::vector<int> a = as_one_cycle(m * n, first), b = as_one_cycle(m * n, second);
  if (a.empty() || b.empty()) return {};
  return {a, b};
}

}  // namespace

std::vector<std::vector<int>> disjoint_hamiltonian_cycles(const std::vector<int>& dims) {
  if (dims.size() != 2 || dims[0] < 3 || dims[1] < 3) return {};
  const int m = dims[0], n = dims[1];
  std::vector<std::vector<int>> cycles = staircase(m, n);
  if (!cycles.empty()) return cycles;
  // The same construction along the other dimension, indices mapped back to row-major.
  cycles = staircase(n, m);
  for (auto& cycle : cycles)
    for (int& v : cycle) v = (v % m) * n + v / m;
  return cycles;
}

}  // namespace trnsim::net

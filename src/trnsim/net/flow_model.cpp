#include "trnsim/net/flow_model.h"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <utility>

namespace trnsim::net {
namespace {

struct Sub {
  int flow;
  const Path* path;
  double left;
  double rate = 0;
};

// Max-min fair rates for the active parts (progressive filling): repeatedly saturate the link
// with the smallest fair share, fix the rate of every part crossing it, and give the rest of the
// capacity to the others. Fixing parts at the smallest share never lowers another link's share,
// so a min-heap with stale entries re-pushed on pop finds each bottleneck in order.
class FairShare {
 public:
  explicit FairShare(const Topology& topo)
      : topo_(topo), cap_(topo.num_links(), 0.0), count_(topo.num_links(), 0), on_link_(topo.num_links()) {}

  void solve(std::vector<Sub*>& active) {
    for (int l : touched_) on_link_[l].clear();
    touched_.clear();
    for (Sub* s : active) {
      s->rate = -1;
      for (int l : *s->path) {
        if (on_link_[l].empty()) {
          touched_.push_back(l);
          cap_[l] = topo_.link(l).bw;
          count_[l] = 0;
        }
        on_link_[l].push_back(s);
        ++count_[l];
      }
    }
    using Entry = std::pair<double, int>;  // (share, link)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    for (int l : touched_) heap.push({cap_[l] / count_[l], l});
    while (!heap.empty()) {
      const auto [share, l] = heap.top();
      heap.pop();
      if (count_[l] == 0) continue;
      const double now = cap_[l] / count_[l];
      if (now != share) {  // stale: the link's share rose since it was pushed
        heap.push({now, l});
        continue;
      }
      for (Sub* s : on_link_[l]) {
        if (s->rate >= 0) continue;
        s->rate = share;
        for (int m : *s->path) {
          cap_[m] -= share;
          --count_[m];
        }
      }
    }
  }

 private:
  const Topology& topo_;
  std::vector<double> cap_;
  std::vector<int> count_;
  std::vector<std::vector<Sub*>> on_link_;
  std::vector<int> touched_;
};

}  // namespace

FlowTiming simulate_routed(const Topology& topo, const std::vector<double>& bytes,
                           const std::vector<std::vector<Path>>& paths) {
  FlowTiming out;
  out.finish.assign(bytes.size(), 0.0);
  std::vector<Sub> subs;
  std::vector<double> latency(bytes.size(), 0.0);
  for (size_t f = 0; f < bytes.size(); ++f) {
    const auto& ps = paths[f];
    for (const Path& p : ps) {
      double lat = 0;
      for (int l : p) lat += topo.link(l).latency.seconds();
      latency[f] = std::max(latency[f], lat);
      if (bytes[f] > 0) subs.push_back({static_cast<int>(f), &p, bytes[f] / ps.size()});
    }
  }
  std::vector<Sub*> active;
  for (Sub& s : subs) active.push_back(&s);
  FairShare fair(topo);
  double now = 0;
  while (!active.empty()) {
    fair.solve(active);
    double dt = std::numeric_limits<double>::infinity();
    for (Sub* s : active) dt = std::min(dt, s->left / s->rate);
    now += dt;
    // Parts within a relative hair of finishing finish together (symmetric flows end at once).
    std::vector<Sub*> still;
    for (Sub* s : active) {
      s->left -= s->rate * dt;
      if (s->left <= 1e-9 * bytes[s->flow]) out.finish[s->flow] = std::max(out.finish[s->flow], now);
      else still.push_back(s);
    }
    active.swap(still);
  }
  for (size_t f = 0; f < bytes.size(); ++f) {
    out.finish[f] += latency[f];
    out.max_latency = std::max(out.max_latency, latency[f]);
    out.makespan = std::max(out.makespan, out.finish[f]);
  }
  return out;
}

FlowTiming simulate_flows(const Topology& topo, const std::vector<Flow>& flows) {
  std::vector<double> bytes;
  std::vector<std::vector<Path>> paths;
  std::map<std::pair<int, int>, size_t> seen;
  std::vector<std::vector<Path>> unique;
  bytes.reserve(flows.size());
  for (const Flow& f : flows) {
    auto [it, fresh] = seen.try_emplace({f.src, f.dst}, unique.size());
    if (fresh) unique.push_back(topo.paths(f.src, f.dst));
    bytes.push_back(f.bytes);
  }
  for (const Flow& f : flows) paths.push_back(unique[seen.at({f.src, f.dst})]);
  return simulate_routed(topo, bytes, paths);
}

}  // namespace trnsim::net

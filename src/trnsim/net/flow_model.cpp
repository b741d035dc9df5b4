#include "trnsim/net/flow_model.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace trnsim::net {
namespace {

struct Sub {
  int flow;
  const Path* path;
  double left;
  double rate = 0;
};

// Max-min fair rates for the active parts: repeatedly saturate the link with the smallest fair
// share, fix the rate of every part crossing it, and give the rest of the capacity to the others.
void fair_rates(const Topology& topo, std::vector<Sub*>& active, std::vector<double>& cap,
                std::vector<int>& count, std::vector<int>& touched) {
  touched.clear();
  for (Sub* s : active) {
    s->rate = -1;
    for (int l : *s->path) {
      if (count[l] == 0) {
        touched.push_back(l);
        cap[l] = topo.link(l).bw;
      }
      ++count[l];
    }
  }
  size_t unfixed = active.size();
  while (unfixed > 0) {
    int best = -1;
    double share = std::numeric_limits<double>::infinity();
    for (int l : touched) {
      if (count[l] > 0 && cap[l] / count[l] < share) {
        share = cap[l] / count[l];
        best = l;
      }
    }
    if (best < 0) break;
    for (Sub* s : active) {
      if (s->rate >= 0) continue;
      if (std::find(s->path->begin(), s->path->end(), best) == s->path->end()) continue;
      s->rate = share;
      --unfixed;
      for (int l : *s->path) {
        cap[l] -= share;
        --count[l];
      }
    }
  }
  for (int l : touched) count[l] = 0;
}

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
  std::vector<double> cap(topo.num_links(), 0.0);
  std::vector<int> count(topo.num_links(), 0), touched;
  double now = 0;
  while (!active.empty()) {
    fair_rates(topo, active, cap, count, touched);
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

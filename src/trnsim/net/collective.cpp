#include "trnsim/net/collective.h"

#include <algorithm>
#include <memory>

#include "trnsim/base/error.h"
#include "trnsim/net/algorithms.h"
#include "trnsim/net/calibration.h"
#include "trnsim/net/selection.h"

namespace trnsim::net {
namespace {

using K = CollectiveKind;
constexpr int kMaxRepDomains = 4;  // domains simulated for a group that spans more (by symmetry)

bool is_torus(hw::ScaleUpKind k) {
  return k == hw::ScaleUpKind::kTorus2d || k == hw::ScaleUpKind::kTorus3d ||
         k == hw::ScaleUpKind::kNeuronLinkTorus2d || k == hw::ScaleUpKind::kNeuronLinkTorus3d;
}

void add_domain(Topology& t, int domain, const hw::SystemSpec& s, const Calibration& c) {
  double bw = s.scale_up.bw_per_accel_unidir.bytes_per_s * c.scale_up_efficiency;
  double local = s.accel.hbm_bandwidth.bytes_per_s > 0 ? s.accel.hbm_bandwidth.bytes_per_s / 2 : 1e13;
  if (is_torus(s.scale_up.kind)) add_torus_domain(t, domain, s.scale_up.torus_dims, bw, c.hop_latency, local);
  else add_switch_domain(t, domain, s.per_node, bw, c.hop_latency, local);
}

void check_system(const hw::SystemSpec& s) {
  std::string where = "system '" + s.name + "'";
  if (s.per_node < 1) throw input_error(where, "per_node must be at least 1", "set per_node to the accelerators in one scale-up domain");
  if (s.scale_up.bw_per_accel_unidir.bytes_per_s <= 0)
    throw input_error(where, "scale_up bandwidth must be positive", "set scale_up.bw_per_accel_unidir, e.g. 450GB/s");
  if (is_torus(s.scale_up.kind)) {
    int64_t prod = 1;
    for (int d : s.scale_up.torus_dims) prod *= d;
    if (s.scale_up.torus_dims.empty() || prod != s.per_node)
      throw input_error(where, "torus_dims do not multiply to per_node (" + std::to_string(s.per_node) + ")",
                        "give the domain's shape, e.g. torus_dims [4, 4] for 16 chips");
  }
}

}  // namespace

struct NetworkModel::Impl {
  hw::SystemSpec sys;
  Calibration cal;
  int rpa = 1;              // ranks per accelerator
  int64_t per_domain = 1;   // ranks per domain
  int64_t domains = 1;
  Topology dom, cluster;
  int rep_domains = 1;

  Impl(const hw::SystemSpec& s) : sys(s), cal(calibration_for(s)) {
    check_system(s);
    if (s.accel.family == hw::AcceleratorFamily::kTrainium)
      rpa = std::max(1, s.ranks_per_accel());
    per_domain = s.ranks_per_domain();
    domains = std::max<int64_t>(1, s.count / s.per_node);
    add_domain(dom, 0, s, cal);
    rep_domains = static_cast<int>(std::min<int64_t>(domains, kMaxRepDomains));
    if (rep_domains >= 2) {
      for (int k = 0; k < rep_domains; ++k) add_domain(cluster, k, s, cal);
      add_fat_tree(cluster, s.per_node, s.scale_out.bw_per_accel.bytes_per_s * cal.scale_out_efficiency,
                   cal.scale_out_latency, s.scale_out.rail_optimized);
    }
  }

  // The groups of shape (n, stride) lying wholly in domain 0, as accelerator indices.
  Groups domain_groups(int64_t n, int64_t stride, int domain_offset = 0) const {
    Groups g;
    for (int64_t base = 0; base < per_domain; ++base) {
      if ((base / stride) % n != 0) continue;  // not the first member of its group
      if (base + (n - 1) * stride >= per_domain) continue;
      std::vector<int> m;
      for (int64_t i = 0; i < n; ++i) m.push_back(static_cast<int>((base + i * stride) / rpa) + domain_offset);
      g.push_back(std::move(m));
    }
    return g;
  }

  GroupShape shape(const Group& group) const {
    GroupShape sh;
    sh.n = group.size;
    sh.stride = group.stride;
    if (group.size < 1 || group.stride < 1)
      throw input_error("collective group", "size and stride must be at least 1", "e.g. size 8, stride 1");
    if ((group.size - 1) * group.stride >= per_domain * domains)
      throw input_error("collective group", "spans " + std::to_string((group.size - 1) * group.stride + 1) +
                                                " ranks but the system has " + std::to_string(per_domain * domains),
                        "shrink the group or its stride, or use a larger system");
    sh.single_domain = (group.size - 1) * group.stride < per_domain;
    sh.members_per_domain = sh.single_domain ? group.size
                                             : std::min<int64_t>(group.size, (per_domain + group.stride - 1) / group.stride);
    sh.domains = (group.size + sh.members_per_domain - 1) / sh.members_per_domain;
    if (is_torus(sys.scale_up.kind) && group.stride % rpa == 0)
      sh.torus_grid = torus_grid(sys.scale_up.torus_dims, sh.members_per_domain, group.stride / rpa);
    sh.fabric = fabric_of(sys, cal);
    sh.nvls = cal.nvls;
    return sh;
  }

  Schedule intra(K kind, double bytes, int64_t n, int64_t stride, const std::string& algo, const Topology& t,
                 int domain_offset) const {
    Groups g = domain_groups(n, stride, domain_offset);
    if (algo == "ring" || algo == "bidir-ring") {
      // A broadcast streams along one chain; reductions and gathers split over the runtime's rings.
      const int rings = is_torus(sys.scale_up.kind)
                            ? order_as_rings(t, g, kind != K::kBroadcast && fabric_of(sys, cal) == Fabric::kNeuron)
                            : 1;
      return ring_schedule(t, kind, bytes / rings, n, g, algo == "bidir-ring");
    }
    if (algo == "mesh") return mesh_schedule(t, kind, bytes, n, g);
    // Consecutive members sharing a chip (logical NeuronCores) reduce on the chip first.
    if (algo == "rhd") return chip_rhd_schedule(t, kind, bytes, n, g, stride < rpa ? std::min<int64_t>(n, rpa / stride) : 1);
    if (algo == "tree") return tree_schedule(t, kind, bytes, n, g);
    if (algo == "nvls") return nvls_schedule(t, kind, bytes, n, g, cal.nvls_overhead);
    if (algo == "torus") return torus_schedule(t, kind, bytes, g, torus_grid(sys.scale_up.torus_dims, n, stride / rpa));
    return {};
  }

  // Every rank of a domain talks to its counterparts in the other domains (all groups of the
  // shape run together); `rep_domains` of them stand for all `d`.
  Schedule inter(K kind, double bytes, int64_t d) const {
    Groups g;
    for (int64_t p = 0; p < per_domain; ++p) {
      std::vector<int> m;
      for (int k = 0; k < rep_domains; ++k) m.push_back(static_cast<int>(k * sys.per_node + p / rpa));
      g.push_back(std::move(m));
    }
    if (kind == K::kBroadcast) return ring_schedule(cluster, kind, bytes, d, g, false);
    if (inter_algorithm(bytes) == "rhd") return rhd_schedule(cluster, kind, bytes, d, g);
    return ring_schedule(cluster, kind, bytes, d, g, false);
  }

  Schedule hierarchical(K kind, double bytes, const GroupShape& sh) const {
    int64_t m = sh.members_per_domain;
    Schedule s;
    auto local = [&](K k) {
      if (m > 1) append(s, intra(k, bytes, m, sh.stride, select_algorithm(k, bytes, sub_shape(sh)), dom, 0));
    };
    double inter_bytes = bytes / static_cast<double>(m);
    switch (kind) {
      case K::kAllReduce:
        local(K::kReduceScatter);
        append(s, inter(K::kAllReduce, inter_bytes, sh.domains));
        local(K::kAllGather);
        break;
      case K::kReduceScatter:
        local(K::kReduceScatter);
        append(s, inter(K::kReduceScatter, inter_bytes, sh.domains));
        break;
      case K::kAllGather:  // across domains first, as the Neuron runtime does (RTINTER)
        append(s, inter(K::kAllGather, inter_bytes, sh.domains));
        local(K::kAllGather);
        break;
      case K::kBroadcast:
        append(s, inter(K::kBroadcast, inter_bytes, sh.domains));
        local(K::kAllGather);
        break;
      default:
        break;
    }
    return s;
  }

  // All-to-all and send/recv across domains: direct flows on the representative cluster.
  Schedule spanning_direct(K kind, double bytes, const GroupShape& sh) const {
    int64_t m = sh.members_per_domain, n = sh.n;
    Phase p;
    p.topo = &cluster;
    for (int k = 0; k < rep_domains; ++k) {
      Groups g = domain_groups(m, sh.stride, k * sys.per_node);
      for (const auto& mem : g) {
        for (size_t i = 0; i < mem.size(); ++i) {
          int next_domain_peer = mem[i] + ((k + 1) % rep_domains - k) * sys.per_node;
          if (kind == K::kAllToAll) {
            for (size_t j = 0; j < mem.size(); ++j)
              if (i != j) p.flows.push_back({mem[i], mem[j], bytes / static_cast<double>(n)});
            p.flows.push_back({mem[i], next_domain_peer, bytes * static_cast<double>(n - m) / static_cast<double>(n)});
          } else if (i + 1 < mem.size()) {
            p.flows.push_back({mem[i], mem[i + 1], bytes});
          } else if (k + 1 < rep_domains) {
            p.flows.push_back({mem[i], mem[0] + sys.per_node, bytes});
          }
        }
      }
    }
    return {p};
  }

  Schedule schedule(K kind, double bytes, const GroupShape& sh, const std::string& algo) const {
    if (sh.single_domain) return intra(kind, bytes, sh.n, sh.stride, algo, dom, 0);
    if (algo == "hierarchical") return hierarchical(kind, bytes, sh);
    if (algo == "mesh" && (kind == K::kAllToAll || kind == K::kSendRecv)) return spanning_direct(kind, bytes, sh);
    return {};
  }
};

NetworkModel::NetworkModel(const hw::SystemSpec& system) : impl_(new Impl(system)) {}
NetworkModel::~NetworkModel() { delete impl_; }

int64_t NetworkModel::ranks_per_domain() const { return impl_->per_domain; }

std::vector<std::string> NetworkModel::algorithms(CollectiveKind kind, const Group& group) const {
  return applicable_algorithms(kind, impl_->shape(group));
}

CollectiveResult NetworkModel::collective(CollectiveKind kind, int64_t bytes, const Group& group) const {
  GroupShape sh = impl_->shape(group);
  return collective(kind, bytes, group, select_algorithm(kind, static_cast<double>(bytes), sh));
}

// Most all-to-all flows the flow model solves at once.
constexpr int64_t kMaxDirectFlows = int64_t{1} << 18;

CollectiveResult NetworkModel::collective(CollectiveKind kind, int64_t bytes, const Group& group,
                                          const std::string& algorithm) const {
  GroupShape sh = impl_->shape(group);
  if (bytes < 0) throw input_error("collective", "negative message size", "give bytes >= 0");
  CollectiveResult r;
  r.algorithm = algorithm;
  if (sh.n == 1 || bytes == 0) {
    r.algorithm = "none";
    return r;
  }
  std::vector<std::string> valid = applicable_algorithms(kind, sh);
  if (std::find(valid.begin(), valid.end(), algorithm) == valid.end()) {
    std::string list;
    for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
    throw input_error("collective " + std::string(collective_name(kind)),
                      "algorithm '" + algorithm + "' does not apply to this group on system '" + impl_->sys.name + "'",
                      "valid algorithms: " + list);
  }
  // A direct all-to-all is one flow per pair of members, for every group of a domain at once (the
  // groups share its links): past a quarter of a million flows the max-min solver takes minutes
  // (8,960 TPU v5p chips in groups of 64: 0.57M flows, a minute per message size).
  const int64_t flows = impl_->per_domain / std::max<int64_t>(1, sh.members_per_domain) * sh.members_per_domain *
                        (sh.members_per_domain - 1);
  if (kind == CollectiveKind::kAllToAll && flows > kMaxDirectFlows) {
    throw input_error("collective all_to_all",
                      "in groups of " + std::to_string(sh.members_per_domain) + " over a domain of " +
                          std::to_string(impl_->per_domain) + " ranks would simulate " + std::to_string(flows) +
                          " flows at once, more than the " + std::to_string(kMaxDirectFlows) + " the flow model solves in seconds",
                      "use smaller groups (--group), or a smaller system");
  }
  double seconds = schedule_seconds(impl_->schedule(kind, static_cast<double>(bytes), sh, algorithm));
  // Each rank's collective engine moves at most its measured bus bandwidth, whatever the links.
  const double engine = impl_->sys.accel.collective_engine_bw.bytes_per_s;
  if (engine > 0) seconds = std::max(seconds, static_cast<double>(bytes) * bus_factor(kind, sh.n) / engine);
  r.time = Time::from_seconds(seconds);
  r.algbw = static_cast<double>(bytes) / seconds;
  r.busbw = r.algbw * bus_factor(kind, sh.n);
  return r;
}

}  // namespace trnsim::net

#include <gtest/gtest.h>

#include "trnsim/net/algorithms.h"
#include "trnsim/net/flow_model.h"
#include "trnsim/net/topology.h"

namespace trnsim::net {
namespace {

TEST(NetFlowModel, TwoFlowsShareALinkHalfAndHalf) {
  Topology t;
  add_switch_domain(t, 0, 3, 100e9, Time(), 1e13);
  // Both flows enter accel 2: its downlink is shared.
  FlowTiming r = simulate_flows(t, {{0, 2, 1e9}, {1, 2, 1e9}});
  EXPECT_NEAR(r.finish[0], 2e9 / 100e9, 1e-12);
  EXPECT_NEAR(r.finish[1], 2e9 / 100e9, 1e-12);
  // Alone, a flow runs at the full rate.
  EXPECT_NEAR(simulate_flows(t, {{0, 2, 1e9}}).finish[0], 1e9 / 100e9, 1e-12);
}

TEST(NetFlowModel, MaxMinWithABottleneckAndRecomputation) {
  // Links: a -> b at 10, b -> c at 100. Flow 0 a->c, flows 1 and 2 b->c.
  Topology t;
  int a = t.add_accel(0, 1e13), b = t.add_accel(0, 1e13), c = t.add_accel(0, 1e13);
  int ab = t.add_link(t.accel_node(a), t.accel_node(b), 10, Time());
  int bc = t.add_link(t.accel_node(b), t.accel_node(c), 100, Time());
  // Flow 0 is held to 10 by a->b; flows 1 and 2 split the remaining 90: 45 each.
  FlowTiming r = simulate_routed(t, {100, 90, 45}, {{{ab, bc}}, {{bc}}, {{bc}}});
  EXPECT_NEAR(r.finish[2], 1.0, 1e-9);  // 45 bytes at 45
  // After flow 2 ends flow 1 has 45 left and gets 90: done at 1.5.
  EXPECT_NEAR(r.finish[1], 1.5, 1e-9);
  EXPECT_NEAR(r.finish[0], 10.0, 1e-9);  // never above 10
}

TEST(NetFlowModel, LatencyAddedPerHop) {
  Topology t;
  add_torus_domain(t, 0, {8}, 200, Time::us(2), 1e13);  // 2 links of 100 each direction... per 1-D ring
  FlowTiming near = simulate_flows(t, {{0, 1, 100}});
  FlowTiming far = simulate_flows(t, {{0, 3, 100}});
  EXPECT_NEAR(near.finish[0], 1.0 + 2e-6, 1e-9);
  EXPECT_NEAR(far.finish[0], 1.0 + 3 * 2e-6, 1e-9);
}

TEST(NetFlowModel, TorusTieSplitsOverBothDirections) {
  Topology t;
  add_torus_domain(t, 0, {4}, 200, Time(), 1e13);
  // Distance 2 in a ring of 4: half each way, so twice the rate of one link.
  EXPECT_NEAR(simulate_flows(t, {{0, 2, 200}}).finish[0], 1.0, 1e-9);
  EXPECT_EQ(t.paths(0, 2).size(), 2u);
}

TEST(NetFlowModel, RingAllReduceOnIdealSwitchMatchesFormula) {
  const int n = 8;
  const double bw = 100e9, bytes = 64e6;
  const Time lat = Time::us(3);
  Topology t;
  add_switch_domain(t, 0, n, bw, lat, 1e13);
  Groups g{{0, 1, 2, 3, 4, 5, 6, 7}};
  double got = schedule_seconds(ring_schedule(t, CollectiveKind::kAllReduce, bytes, n, g, false));
  double steps = 2.0 * (n - 1);
  double want = 2.0 * (n - 1) / n * bytes / bw + steps * lat.seconds();
  EXPECT_NEAR(got, want, want * 1e-9);
}

TEST(NetFlowModel, FatTreeSpreadsOverSpines) {
  Topology t;
  add_switch_domain(t, 0, 2, 1e12, Time(), 1e13);
  add_switch_domain(t, 1, 2, 1e12, Time(), 1e13);
  add_fat_tree(t, 2, 50e9, Time::us(4), /*rail_optimized=*/true, /*spines=*/4);
  // Cross-rail (accel 0 -> accel 3): NIC, rail 0, one of 4 spines, rail 1, NIC.
  EXPECT_EQ(t.paths(0, 3).size(), 4u);
  // Same rail (0 -> 2) goes no higher than the rail switch.
  EXPECT_EQ(t.paths(0, 2).size(), 1u);
  EXPECT_EQ(t.paths(0, 2).front().size(), 4u);
  EXPECT_NEAR(simulate_flows(t, {{0, 2, 50e9}}).finish[0], 1.0 + 4e-6, 1e-9);
}

}  // namespace
}  // namespace trnsim::net

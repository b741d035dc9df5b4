#include <gtest/gtest.h>

#include <set>

#include "net_test_systems.h"
#include "trnsim/base/error.h"
#include "trnsim/net/collective.h"
#include "trnsim/net/selection.h"

namespace trnsim::net {
namespace {

using testing::h100_nodes;
using testing::trn2_nodes;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kMiB = int64_t{1} << 20;

// Pinned figure: nccl-tests all_reduce_perf on 8 x H100 SXM peaks at busbw ~480 GB/s with NVLS
// (algbw ~275 GB/s); with NCCL_ALGO=Ring busbw ~370 GB/s of the 450 GB/s line rate.
// Source: S. Jeaugey (NVIDIA), https://github.com/NVIDIA/nccl-tests/issues/212
TEST(NetCollective, H100NodeLargeAllReduceBusbwMatchesNcclTests) {
  NetworkModel net(h100_nodes(1));
  CollectiveResult r = net.collective(CollectiveKind::kAllReduce, 8 * kGiB, {8, 1});
  EXPECT_EQ(r.algorithm, "nvls");
  EXPECT_NEAR(r.busbw / 1e9, 480, 48);
  CollectiveResult ring = net.collective(CollectiveKind::kAllReduce, 8 * kGiB, {8, 1}, "ring");
  EXPECT_NEAR(ring.busbw / 1e9, 370, 37);
}

TEST(NetCollective, BusbwFollowsNcclTestsDefinitions) {
  NetworkModel net(h100_nodes(1));
  CollectiveResult r = net.collective(CollectiveKind::kAllGather, kGiB, {8, 1});
  EXPECT_NEAR(r.algbw, static_cast<double>(kGiB) / r.time.seconds(), r.algbw * 1e-6);
  EXPECT_NEAR(r.busbw, r.algbw * 7 / 8, r.busbw * 1e-9);
  // A ring all-gather moves (n-1)/n of the data per link: busbw close to the ring's 370 GB/s.
  EXPECT_NEAR(r.busbw / 1e9, 370, 20);
}

TEST(NetCollective, SmallMessagesAreLatencyBound) {
  NetworkModel net(h100_nodes(1));
  CollectiveResult r = net.collective(CollectiveKind::kAllReduce, 8, {8, 1}, "ring");
  // 14 steps of 1 us each, nothing else to speak of.
  EXPECT_NEAR(r.time.us(), 14.0, 0.5);
}

TEST(NetCollective, Trn2TorusAllReduceUsesBothDimensions) {
  NetworkModel net(trn2_nodes(1));
  // One rank per chip (stride 4 over LNC=2 ranks): the whole 4 x 4 torus.
  Group g{16, 4};
  auto names = net.algorithms(CollectiveKind::kAllReduce, g);
  ASSERT_NE(std::find(names.begin(), names.end(), "torus"), names.end());
  CollectiveResult torus = net.collective(CollectiveKind::kAllReduce, kGiB, g, "torus");
  CollectiveResult one_way = net.collective(CollectiveKind::kAllReduce, kGiB, g, "ring");
  // A one-way ring over the runtime's two disjoint Hamiltonian cycles uses 2 of each chip's 4
  // outgoing links; the torus algorithm drives all 4. Per chip 4 links x 128 GB/s x 0.8 = 409.6
  // GB/s, shared by the 4 groups of this shape (one per logical core of the chip, all running at
  // once): busbw ~102 GB/s vs ~51 for the one-way ring.
  EXPECT_NEAR(torus.busbw / 1e9, 102.4, 10);
  EXPECT_NEAR(one_way.busbw / 1e9, 51.2, 5);
  EXPECT_GT(torus.busbw, 1.8 * one_way.busbw);
  // A group that is only one row of the torus cannot use the torus algorithm.
  auto row = net.algorithms(CollectiveKind::kAllReduce, {4, 4});
  EXPECT_EQ(std::find(row.begin(), row.end(), "torus"), row.end());
}

TEST(NetCollective, StridedGroupsFormingAGridUseTheTorus) {
  EXPECT_EQ(torus_grid({16, 16}, 128, 2), (std::vector<int>{16, 8}));
  EXPECT_EQ(torus_grid({16, 16}, 16, 16), (std::vector<int>{16, 1}));
  EXPECT_EQ(torus_grid({4, 4, 4}, 16, 4), (std::vector<int>{4, 4, 1}));
  EXPECT_TRUE(torus_grid({16, 16}, 128, 3).empty());  // the stride cuts no dimension evenly
  EXPECT_TRUE(torus_grid({16, 16}, 64, 2).empty());   // half the grid only
  // Every other chip of a 16 x 16 TPU torus (data parallelism beside tp = 2): a 16 x 8 grid
  // whose neighbours along the fast dimension are two hops apart.
  NetworkModel net(testing::tpu_pod());
  const Group g{128, 2};
  EXPECT_EQ(net.collective(CollectiveKind::kReduceScatter, kGiB, g).algorithm, "torus");
  EXPECT_GT(net.collective(CollectiveKind::kReduceScatter, kGiB, g, "torus").busbw,
            1.5 * net.collective(CollectiveKind::kReduceScatter, kGiB, g, "bidir-ring").busbw);
  // On a trn2 torus the runtime's own choice stands, but the torus is on offer.
  NetworkModel trn(trn2_nodes(1));
  auto names = trn.algorithms(CollectiveKind::kReduceScatter, {8, 8});
  EXPECT_NE(std::find(names.begin(), names.end(), "torus"), names.end());
}

TEST(NetCollective, NeuronSelectionFollowsRuntimeCrossovers) {
  NetworkModel net(trn2_nodes(1));
  Group g{16, 4};
  auto pick = [&](int64_t bytes) { return net.collective(CollectiveKind::kAllReduce, bytes, g).algorithm; };
  EXPECT_EQ(pick(512 * 1024), "mesh");        // < 1 MB
  EXPECT_EQ(pick(4 * kMiB), "rhd");           // 1-56 MB
  EXPECT_EQ(pick(50'000'000), "rhd");
  EXPECT_EQ(pick(64 * kMiB), "bidir-ring");   // > 56 MB: ring / KangaRing
  // Across nodes: hierarchical.
  NetworkModel four(trn2_nodes(4));
  EXPECT_EQ(four.collective(CollectiveKind::kAllReduce, 64 * kMiB, {64, 4}).algorithm, "hierarchical");
}

// Above 56 MB the runtime's ring runs over the instance's two edge-disjoint Hamiltonian cycles
// (RTINTRA), so one rank per chip over all 16 chips drives every NeuronLink both ways and the
// ring that takes over from RDH is no slower per byte (it was half as fast on one cycle).
TEST(NetCollective, NeuronRingOverTheWholeTorusRunsTwoCycles) {
  NetworkModel net(trn2_nodes(1));
  const Group chips{16, 4};
  const CollectiveResult rhd = net.collective(CollectiveKind::kAllReduce, 32 * kMiB, chips);
  const CollectiveResult ring = net.collective(CollectiveKind::kAllReduce, 64 * kMiB, chips);
  ASSERT_EQ(rhd.algorithm, "rhd");
  ASSERT_EQ(ring.algorithm, "bidir-ring");
  EXPECT_GT(ring.busbw, 0.9 * rhd.busbw);
  // Closed form: each of the 4 concurrent groups (one per logical core) sends a quarter of every
  // chunk on each of its chip's 4 links (2 cycles, both ways), and the 4 groups share each link
  // (128 GB/s x 0.8 = 102.4): 4 links x 102.4 / 4 groups = 102.4 GB/s of bus bandwidth, as the
  // torus algorithm gets (above), where one cycle gave half.
  EXPECT_NEAR(net.collective(CollectiveKind::kAllReduce, kGiB, chips).busbw / 1e9, 102.4, 3);
  // A group on one row of the torus (4 chips) keeps its single ring, both ways over the row's 2
  // links per chip, each shared by the 4 groups of that row (one per logical core): 2 x 102.4 / 4.
  EXPECT_NEAR(net.collective(CollectiveKind::kReduceScatter, kGiB, {4, 4}).busbw / 1e9, 51.2, 2);
}

// The runtime's RDH reduces among a chip's logical cores first and exchanges across chips as a
// hypercube of direct neighbours (RTINTRA), so in its 1-56 MB range it keeps up with the ring
// that takes over above: a tensor-parallel group of 16 logical cores (4 chips) at 50 MB takes no
// longer than 1.5x the ring's 64 MiB (with every rank exchanging across chips, 32 MiB took 2.9x).
TEST(NetCollective, NeuronRdhReducesOnTheChipFirst) {
  NetworkModel net(trn2_nodes(1));
  const Group tp{16, 1};
  for (auto kind : {CollectiveKind::kReduceScatter, CollectiveKind::kAllGather, CollectiveKind::kAllReduce}) {
    const CollectiveResult rhd = net.collective(kind, 50'000'000, tp);
    const CollectiveResult ring = net.collective(kind, 64 * kMiB, tp);
    ASSERT_EQ(rhd.algorithm, "rhd");
    ASSERT_EQ(ring.algorithm, "bidir-ring");
    EXPECT_LT(rhd.time.seconds(), 1.5 * ring.time.seconds()) << collective_name(kind);
    EXPECT_GT(rhd.busbw, 0.5 * ring.busbw) << collective_name(kind);
  }
}

// A measured collective-engine rate caps every rank's bus bandwidth, on any algorithm; without
// one the links alone set it.
TEST(NetCollective, CollectiveEngineRateCapsBusBandwidth) {
  hw::SystemSpec s = trn2_nodes(1);
  const double links_only = NetworkModel(s).collective(CollectiveKind::kAllGather, 256 * kMiB, {16, 4}).busbw;
  s.accel.collective_engine_bw = parse_bandwidth("20GB/s");
  NetworkModel capped(s);
  ASSERT_GT(links_only, 40e9);
  for (auto kind : {CollectiveKind::kAllGather, CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter}) {
    EXPECT_NEAR(capped.collective(kind, 256 * kMiB, {16, 4}).busbw / 1e9, 20, 0.2);
  }
  // Below the cap (small, latency-bound messages) nothing changes.
  EXPECT_EQ(capped.collective(CollectiveKind::kAllReduce, 4096, {16, 4}).time,
            NetworkModel(trn2_nodes(1)).collective(CollectiveKind::kAllReduce, 4096, {16, 4}).time);
}

TEST(NetCollective, NvSwitchSelection) {
  NetworkModel net(h100_nodes(1));
  EXPECT_EQ(net.collective(CollectiveKind::kAllReduce, kMiB, {8, 1}).algorithm, "nvls");
  EXPECT_EQ(net.collective(CollectiveKind::kReduceScatter, kMiB, {8, 1}).algorithm, "ring");
  EXPECT_EQ(net.collective(CollectiveKind::kAllToAll, kMiB, {8, 1}).algorithm, "mesh");
  hw::SystemSpec a100 = h100_nodes(1);
  a100.accel.name = "a100-80g";
  EXPECT_EQ(NetworkModel(a100).collective(CollectiveKind::kAllReduce, kMiB, {8, 1}).algorithm, "ring");
}

TEST(NetCollective, HierarchicalAllReduceAcrossFourNodesIsNicBound) {
  NetworkModel net(h100_nodes(4));
  // Data-parallel across 4 nodes, one GPU per node (stride 8); all 8 such groups run together.
  CollectiveResult r = net.collective(CollectiveKind::kAllReduce, 4 * kGiB, {4, 8});
  EXPECT_EQ(r.algorithm, "hierarchical");
  // Bus bandwidth is held by the 400 Gb/s NIC (50 GB/s x 0.9), far below NVLink.
  EXPECT_NEAR(r.busbw / 1e9, 45, 4.5);
  // The whole 32-GPU group: intra reduce-scatter leaves 1/8 per GPU for the NICs, so the NIC
  // still bounds it: busbw = 2(n-1)/n x bytes / t, close to 8 x 45 x 31/32 / (3/4 x 8/... ) <= NVLink.
  CollectiveResult all = net.collective(CollectiveKind::kAllReduce, 4 * kGiB, {32, 1});
  EXPECT_EQ(all.algorithm, "hierarchical");
  EXPECT_LT(all.busbw, 370e9);
  EXPECT_GT(all.busbw, r.busbw);
  // Doubling the NIC rate makes it faster.
  hw::SystemSpec fast = h100_nodes(4);
  fast.scale_out.bw_per_accel = parse_bandwidth("800Gbps");
  EXPECT_LT(NetworkModel(fast).collective(CollectiveKind::kAllReduce, 4 * kGiB, {4, 8}).time, r.time);
}

TEST(NetCollective, EveryAlgorithmRunsEveryOp) {
  NetworkModel net(trn2_nodes(2));
  for (auto kind : {CollectiveKind::kAllReduce, CollectiveKind::kReduceScatter, CollectiveKind::kAllGather,
                    CollectiveKind::kAllToAll, CollectiveKind::kSendRecv, CollectiveKind::kBroadcast}) {
    for (Group g : {Group{16, 4}, Group{8, 1}, Group{6, 1}, Group{2, 64}, Group{32, 4}}) {
      for (const auto& a : net.algorithms(kind, g)) {
        CollectiveResult r = net.collective(kind, 8 * kMiB, g, a);
        EXPECT_GT(r.time.ps(), 0) << collective_name(kind) << " " << a << " n=" << g.size;
        EXPECT_GT(r.busbw, 0);
      }
    }
  }
}

TEST(NetCollective, BadAlgorithmNameListsValidOnes) {
  NetworkModel net(h100_nodes(1));
  try {
    net.collective(CollectiveKind::kAllReduce, kMiB, {8, 1}, "butterfly");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(e.message().find("butterfly"), std::string::npos);
    EXPECT_NE(e.hint().find("ring"), std::string::npos);
    EXPECT_NE(e.hint().find("nvls"), std::string::npos);
  }
  EXPECT_THROW(net.collective(CollectiveKind::kAllReduce, kMiB, {16, 1}), Error);  // larger than the system
  EXPECT_THROW(parse_collective_kind("allreduce"), Error);
}

}  // namespace
}  // namespace trnsim::net

// Accelerator and system presets load with a source for every figure, and carry the figures the
// cluster layers rely on.
#include <gtest/gtest.h>

#include <algorithm>

#include "trnsim/base/config.h"
#include "trnsim/base/error.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::hw {
namespace {

TEST(SystemPresets, ListsAllFifteenAccelerators) {
  std::vector<std::string> want = {"a100-40g", "a100-80g", "b200",    "gb200",   "h100-hbm2e-500w",
                                   "h100-sxm", "h200",     "h800",    "tpu-v4",  "tpu-v5e",
                                   "tpu-v5p",  "tpu-v6e",  "trn1",    "trn2",    "trn3"};
  EXPECT_EQ(list_accelerator_presets(), want);
}

TEST(SystemPresets, EveryAcceleratorLoadsWithSourcedFigures) {
  for (const auto& name : list_accelerator_presets()) {
    SCOPED_TRACE(name);
    AcceleratorSpec a = load_accelerator(name);
    EXPECT_EQ(a.name, name);
    EXPECT_GT(a.peak_bf16_flops, 0);
    EXPECT_GT(a.peak_fp32_flops, 0);
    EXPECT_GT(a.hbm_capacity.v, 0);
    EXPECT_GT(a.hbm_bandwidth.bytes_per_s, 0);
    EXPECT_LE(a.idle_w, a.tdp_w);
    EXPECT_FALSE(a.default_system.empty());
    int figures = 0;
    for (const auto& p : a.params) {
      if (p.source.empty()) continue;
      ++figures;
      // An unpublished figure must say it is our estimate.
      if (p.source.find("none published") != std::string::npos) EXPECT_TRUE(p.note.starts_with("estimate")) << p.path;
    }
    // GPUs with an 8-bit rate say whether their fp8 GEMMs need a transposed weight copy.
    const bool layouts = std::any_of(a.params.begin(), a.params.end(),
                                     [](const auto& p) { return p.path.ends_with("fp8_transpose_copy"); });
    if (a.family == AcceleratorFamily::kGpu && a.peak_fp8_flops > 0) EXPECT_TRUE(layouts);
    // Every figure, plus the optional int8 rate, collective-engine rate, host link and fp8
    // layouts where a preset states them.
    const int expected = (a.family == AcceleratorFamily::kTrainium ? 10 : 8) + (a.peak_int8_ops > 0 ? 1 : 0) +
                         (a.collective_engine_bw.bytes_per_s > 0 ? 1 : 0) + (a.host_link_bw.bytes_per_s > 0 ? 1 : 0) +
                         (layouts ? 1 : 0);
    EXPECT_EQ(figures, expected);
  }
}

TEST(SystemPresets, TrainiumRanksFollowLogicalCores) {
  EXPECT_EQ(load_system("trn1.32xlarge").ranks(), 32);  // 16 chips x 2 NeuronCores, LNC=1
  EXPECT_EQ(load_system("trn2.48xlarge").ranks(), 64);  // 16 chips x 8 cores / LNC 2
  SystemSpec us = load_system("trn2-ultraserver", 128);
  EXPECT_EQ(us.ranks_per_accel(), 4);
  EXPECT_EQ(us.ranks(), 512);
  EXPECT_EQ(load_system("p5.48xlarge", 64).ranks(), 64);
}

TEST(SystemPresets, H800KeepsH100ComputeWithLessNvlink) {
  AcceleratorSpec h800 = load_accelerator("h800"), h100 = load_accelerator("h100-sxm");
  EXPECT_EQ(h800.peak_bf16_flops, h100.peak_bf16_flops);
  EXPECT_EQ(load_system("h800-hgx").scale_up.bw_per_accel_unidir.gb_per_s(), 200);
  EXPECT_EQ(load_system("p5.48xlarge").scale_up.bw_per_accel_unidir.gb_per_s(), 450);
}

TEST(SystemPresets, EverySystemLoadsAtItsDefaultSize) {
  std::vector<std::string> names = list_system_presets();
  EXPECT_EQ(names.size(), 17u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    SystemSpec s = load_system(name);
    EXPECT_EQ(s.name, name);
    EXPECT_EQ(s.count, s.per_node);
    EXPECT_GT(s.scale_up.bw_per_accel_unidir.bytes_per_s, 0);
    EXPECT_GT(s.scale_out.bw_per_accel.bytes_per_s, 0);
    EXPECT_GT(s.scale_up.hop_latency, Time());
    EXPECT_GT(s.scale_out.latency, Time());
    for (const auto& p : s.params) {
      if (p.path.ends_with("source") || p.path.ends_with("note")) continue;
      bool figure = p.path.starts_with("scale_") || p.path == "per_node" || p.path == "price_per_accel_hour";
      if (figure) EXPECT_FALSE(p.source.empty()) << p.path;
    }
    // Every accelerator's default system exists and uses that accelerator.
    EXPECT_EQ(load_system(load_accelerator(s.accel.name).default_system).accel.name, s.accel.name);
  }
}

TEST(SystemPresets, TorusShapesAndFabrics) {
  SystemSpec us = load_system("trn2-ultraserver");
  EXPECT_EQ(us.scale_up.kind, ScaleUpKind::kNeuronLinkTorus3d);
  EXPECT_EQ(us.scale_up.torus_dims, (std::vector<int>{4, 4, 4}));
  EXPECT_EQ(us.scale_out.kind, ScaleOutKind::kEfa);
  EXPECT_EQ(us.scale_out.latency, Time::us(15));
  EXPECT_EQ(load_system("trn2.48xlarge").scale_up.torus_dims, (std::vector<int>{4, 4}));
  EXPECT_EQ(load_system("tpu-v5p-pod").scale_up.torus_dims, (std::vector<int>{16, 20, 28}));
  EXPECT_EQ(load_system("trn3-ultraserver-144").scale_up.kind, ScaleUpKind::kNeuronSwitch);
  EXPECT_TRUE(load_system("b200-hgx").scale_out.rail_optimized);
  EXPECT_EQ(load_system("p5.48xlarge").scale_out.bw_per_accel.bytes_per_s, 400e9 / 8);
  EXPECT_GT(load_system("p5.48xlarge").price_per_accel_hour, 0);
  EXPECT_EQ(load_system("trn1n.32xlarge").price_per_accel_hour, 0);  // no sourced price
}

TEST(SystemPresets, BadNamesAndSizes) {
  try {
    load_system("p9.96xlarge");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a known system preset"), std::string::npos);
    EXPECT_NE(e.hint().find("p5.48xlarge"), std::string::npos);
  }
  try {
    load_system("p5.48xlarge", 12);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("count 12 is not a multiple of per_node 8"), std::string::npos);
    EXPECT_NE(e.hint().find("8 or 16"), std::string::npos);
  }
  EXPECT_EQ(load_system("p5.48xlarge", 4).count, 4);  // one partial node
  EXPECT_THROW(load_accelerator("h300"), Error);
}

// The collective-engine rate is a Trainium figure: a GPU preset naming it is refused, naming the key.
TEST(SystemPresets, CollectiveEngineRateIsTrainiumOnly) {
  const ConfigNode gpu = ConfigNode::parse_yaml(
      "name: x\nfamily: gpu\npeak_bf16_tflops: 100\npeak_fp16_tflops: 100\npeak_fp8_tflops: 0\n"
      "peak_fp32_tflops: 10\nhbm_capacity: 80GB\nhbm_bandwidth: 2TB/s\ntdp_w: 500\nidle_w: 50\n"
      "collective_engine_bw: 50GB/s\n",
      "gpu.yaml");
  try {
    accelerator_from_config(gpu, false);
    FAIL() << "a GPU preset with collective_engine_bw loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("collective_engine_bw"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Trainium"), std::string::npos) << e.what();
  }
}

// Whether fp8 GEMMs need a transposed weight copy is a yes or no; anything else names the key.
TEST(SystemPresets, Fp8TransposeCopyIsABoolean) {
  const std::string base =
      "name: x\nfamily: gpu\npeak_bf16_tflops: 100\npeak_fp16_tflops: 100\npeak_fp8_tflops: 200\n"
      "peak_fp32_tflops: 10\nhbm_capacity: 80GB\nhbm_bandwidth: 2TB/s\ntdp_w: 500\nidle_w: 50\n";
  EXPECT_TRUE(accelerator_from_config(ConfigNode::parse_yaml(base + "fp8_transpose_copy: true\n", "g.yaml"), false)
                  .fp8_transpose_copy);
  EXPECT_FALSE(accelerator_from_config(ConfigNode::parse_yaml(base, "g.yaml"), false).fp8_transpose_copy);
  try {
    accelerator_from_config(ConfigNode::parse_yaml(base + "fp8_transpose_copy: sometimes\n", "g.yaml"), false);
    FAIL() << "fp8_transpose_copy: sometimes loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fp8_transpose_copy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trnsim::hw

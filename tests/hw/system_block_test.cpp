// The `system:` block of an experiment (schema of validation/runs.yaml): nulls and missing keys
// come from a preset, and every kind of bad block names the key and the fix.
#include <gtest/gtest.h>

#include <fstream>

#include "trnsim/base/error.h"
#include "trnsim/hw/system_spec.h"

namespace trnsim::hw {
namespace {

const std::string kBlocks = std::string(TRNSIM_SOURCE_DIR) + "/tests/data/systems/runs_blocks.yaml";

std::string shape(const std::vector<int>& dims) {
  std::string s;
  for (int d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

TEST(SystemBlock, RunsBlocksLoadWithDefaultsFilled) {
  ConfigNode root = ConfigNode::load_yaml_file(kBlocks);
  ASSERT_EQ(root.items().size(), 8u);
  for (const auto& entry : root.items()) {
    SCOPED_TRACE(entry.find("id")->scalar());
    SystemSpec s = system_from_config(*entry.find("system"));
    const ConfigNode& want = *entry.find("expect");
    EXPECT_EQ(s.name, want.find("preset")->scalar());
    EXPECT_EQ(s.ranks(), std::stoll(want.find("ranks")->scalar()));
    EXPECT_DOUBLE_EQ(s.scale_up.bw_per_accel_unidir.gb_per_s(), std::stod(want.find("up_GBps")->scalar()));
    EXPECT_DOUBLE_EQ(s.scale_out.bw_per_accel.bytes_per_s * 8 / 1e9, std::stod(want.find("out_Gbps")->scalar()));
    EXPECT_EQ(s.scale_out.latency, Time::us(std::stoll(want.find("out_latency_us")->scalar())));
    EXPECT_EQ(shape(s.scale_up.torus_dims), want.find("dims")->scalar());
  }
}

SystemSpec from_text(const std::string& yaml) { return system_from_config(ConfigNode::parse_yaml(yaml, "block.yaml")); }

// The full text of the Error a block raises ("" if it loads).
std::string error_of(const std::string& yaml) {
  try {
    from_text(yaml);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return std::string(e.what()) + " | " + e.hint();
  }
  return "";
}

TEST(SystemBlock, AcceleratorAloneTakesItsDefaultSystem) {
  SystemSpec s = from_text("accelerator: h100-sxm\ncount: 16\n");
  EXPECT_EQ(s.name, "p5.48xlarge");
  EXPECT_EQ(s.per_node, 8);
  EXPECT_EQ(s.scale_out.kind, ScaleOutKind::kEfa);
  EXPECT_EQ(s.accel.name, "h100-sxm");
  EXPECT_EQ(from_text("accelerator: trn2\n").name, "trn2.48xlarge");
  EXPECT_EQ(from_text("accelerator: trn1\n").ranks(), 32);
  EXPECT_EQ(from_text("accelerator: tpu-v5p\ncount: 512\n").name, "tpu-v5p-pod");
}

TEST(SystemBlock, OtherAcceleratorOnAPresetDropsItsPrice) {
  SystemSpec s = from_text("preset: p5.48xlarge\naccelerator: h800\ncount: 8\n");
  EXPECT_EQ(s.accel.name, "h800");
  EXPECT_EQ(s.price_per_accel_hour, 0);
  EXPECT_GT(from_text("preset: p5.48xlarge\n").price_per_accel_hour, 0);
}

TEST(SystemBlock, ExplicitTorusShapeIsChecked) {
  EXPECT_EQ(from_text("accelerator: trn2\nscale_up: {torus_dims: [2, 8]}\n").scale_up.torus_dims,
            (std::vector<int>{2, 8}));
  std::string e = error_of("accelerator: trn2\nscale_up: {torus_dims: 4x8}\n");
  EXPECT_NE(e.find("torus_dims 4x8 does not fit a 2-D torus of per_node 16"), std::string::npos) << e;
  EXPECT_NE(e.find("e.g. 4x4"), std::string::npos) << e;
  e = error_of("accelerator: h100-sxm\nscale_up: {torus_dims: 2x4}\n");
  EXPECT_NE(e.find("does not apply to scale_up kind nvswitch"), std::string::npos) << e;
}

TEST(SystemBlock, BadBlocksSayWhatToFix) {
  std::string e = error_of("accelerator: h300\ncount: 8\n");
  EXPECT_NE(e.find("accelerator 'h300'"), std::string::npos) << e;
  EXPECT_NE(e.find("h100-sxm"), std::string::npos) << e;

  e = error_of("accelerator: h100-sxm\nscale_up: {kind: nvlink}\n");
  EXPECT_NE(e.find("'nvlink' is not a valid choice"), std::string::npos) << e;
  EXPECT_NE(e.find("nvswitch, nvl72, torus-2d, torus-3d, neuronlink-torus-2d, neuronlink-torus-3d, neuronswitch"),
            std::string::npos) << e;
  e = error_of("accelerator: h100-sxm\nscale_out: {kind: ethernet}\n");
  EXPECT_NE(e.find("ib-fat-tree, roce, efa, ici, dcn"), std::string::npos) << e;

  e = error_of("accelerator: h100-sxm\ncount: 20\nper_node: 8\n");
  EXPECT_NE(e.find("block.yaml:2 key 'count'"), std::string::npos) << e;
  EXPECT_NE(e.find("count 20 is not a multiple of per_node 8"), std::string::npos) << e;

  e = error_of("accelerator: trn1\ncount: 256\nneuron_cores: 256\n");
  EXPECT_NE(e.find("neuron_cores 256 does not match count 256 x 2"), std::string::npos) << e;
  EXPECT_NE(e.find("set neuron_cores: 512"), std::string::npos) << e;
  e = error_of("accelerator: trn2\ncount: 32\nneuron_cores: 64\n");
  EXPECT_NE(e.find("set neuron_cores: 128"), std::string::npos) << e;
  e = error_of("accelerator: h100-sxm\nneuron_cores: 8\n");
  EXPECT_NE(e.find("Trainium accelerators only"), std::string::npos) << e;

  e = error_of("accelerator: h100-sxm\nper_nodes: 8\n");
  EXPECT_NE(e.find("unknown key 'per_nodes'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'per_node'"), std::string::npos) << e;
  e = error_of("accelerator: h100-sxm\nscale_up: {kind: nvswitch, bw_GBps: 450}\n");
  EXPECT_NE(e.find("unknown key 'bw_GBps'"), std::string::npos) << e;

  e = error_of("accelerator: h100-sxm\nscale_out: {bw_Gbps_per_accel: 0}\n");
  EXPECT_NE(e.find("must be positive"), std::string::npos) << e;
  e = error_of("count: 8\n");
  EXPECT_NE(e.find("names neither an accelerator nor a preset"), std::string::npos) << e;
  e = error_of("preset: p9\n");
  EXPECT_NE(e.find("not a known system preset"), std::string::npos) << e;
}

TEST(SystemBlock, AcceleratorWithoutDefaultSystemIsNamed) {
  std::string path = ::testing::TempDir() + "/system_block_custom_accel.yaml";
  std::ofstream(path) << "name: x1\nfamily: gpu\npeak_bf16_tflops: 100\npeak_fp16_tflops: 100\n"
                         "peak_fp8_tflops: 0\npeak_fp32_tflops: 25\nhbm_capacity: 16GB\nhbm_bandwidth: 1TB/s\n"
                         "tdp_w: 300\nidle_w: 30\n";
  EXPECT_EQ(load_accelerator(path).peak_fp32_flops, 25e12);
  std::string e = error_of("accelerator: " + path + "\ncount: 8\n");
  EXPECT_NE(e.find("accelerator 'x1' has no default system"), std::string::npos) << e;
  EXPECT_NE(e.find("preset:"), std::string::npos) << e;
  SystemSpec s = from_text("preset: p5.48xlarge\naccelerator: " + path + "\n");
  EXPECT_EQ(s.accel.name, "x1");
}

}  // namespace
}  // namespace trnsim::hw

namespace trnsim::hw {
namespace {

TEST(SystemBlock, AJobOnPartOfATorusRunsOnASliceOfIt) {
  const SystemSpec s = load_system("tpu-v5p-pod", 1024);
  EXPECT_EQ(s.per_node, 1024);
  ASSERT_EQ(s.scale_up.torus_dims.size(), 3u);
  int64_t product = 1;
  for (int d : s.scale_up.torus_dims) product *= d;
  EXPECT_EQ(product, 1024);
  EXPECT_EQ(s.scale_up.torus_dims.front(), 16);  // 16 x 8 x 8: the most nearly cubic shape
}

}  // namespace
}  // namespace trnsim::hw

// Roofline presets with a `base`: a variant of a part writes only the figures that differ and
// takes the rest, with their sources, from the preset it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "trnsim/base/error.h"
#include "trnsim/cost/roofline_params.h"

namespace trnsim::cost {
namespace {

std::string preset_file(const std::string& stem) {
  const auto dir = std::filesystem::temp_directory_path() / ("trnsim_cost_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / (stem + ".yaml")).string();
}

std::string write_preset(const std::string& stem, const std::string& text) {
  const std::string path = preset_file(stem);
  std::ofstream(path) << text;
  return path;
}

const ParamInfo* find(const RooflineParams& p, const std::string& path) {
  for (const auto& info : p.params)
    if (info.path == path) return &info;
  return nullptr;
}

TEST(CostRooflineBase, TheShippedVariantDepartsFromH100OnlyWhereItSays) {
  const RooflineParams base = load_roofline_params("h100");
  const RooflineParams v = roofline_params_for("h100-hbm2e-500w");
  EXPECT_EQ(v.name, "h100-hbm2e-500w");
  EXPECT_EQ(v.base, "h100");
  EXPECT_EQ(roofline_params_for("h100-sxm").name, "h100");  // the longer prefix wins only for the variant
  EXPECT_LT(v.sustained_fraction, base.sustained_fraction);
  EXPECT_EQ(v.matmul_eff_max, base.matmul_eff_max);
  EXPECT_EQ(v.matmul_eff_max_fp8, base.matmul_eff_max_fp8);
  EXPECT_EQ(v.mn_half_fp8, base.mn_half_fp8);
  EXPECT_EQ(v.attention.fwd_max, base.attention.fwd_max);
  ASSERT_TRUE(v.attention_flash2.has_value());
  EXPECT_EQ(v.attention_flash2->bwd_max, base.attention_flash2->bwd_max);
  EXPECT_EQ(v.overlap_slowdown, base.overlap_slowdown);
  EXPECT_EQ(v.mem_eff, base.mem_eff);
  EXPECT_EQ(v.op_overhead, base.op_overhead);
  // Every figure listed once, the variant's own source on the one it sets.
  EXPECT_EQ(v.params.size(), base.params.size());
  ASSERT_NE(find(v, "sustained_fraction"), nullptr);
  EXPECT_NE(find(v, "sustained_fraction")->source.find("torchtitan"), std::string::npos);
  EXPECT_EQ(find(v, "matmul.eff_max")->source, find(base, "matmul.eff_max")->source);
}

TEST(CostRooflineBase, NestedFiguresOverrideOneByOne) {
  const RooflineParams base = load_roofline_params("h100");
  const RooflineParams v = load_roofline_params(write_preset(
      "variant", "name: v\nmodel: roofline\nbase: h100\naccelerators: [v]\n"
                 "matmul:\n  eff_max: {value: 0.5, source: test}\nattention:\n  seq_half: {value: 99, source: test}\n"));
  EXPECT_EQ(v.matmul_eff_max, 0.5);
  EXPECT_EQ(v.matmul_eff_max_fp8, base.matmul_eff_max_fp8);  // not derived from the new eff_max
  EXPECT_EQ(v.k_half, base.k_half);
  EXPECT_EQ(v.attention.seq_half, 99);
  EXPECT_EQ(v.attention.fwd_max, base.attention.fwd_max);
  EXPECT_EQ(v.sustained_fraction, base.sustained_fraction);
}

TEST(CostRooflineBase, BadBasesAreRefusedNamingTheFix) {
  struct Case {
    const char* stem;
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"unknown_base", "name: x\nmodel: roofline\nbase: h99\naccelerators: [x]\n", "h99"},
      {"chained", "name: x\nmodel: roofline\nbase: h100-hbm2e-500w\naccelerators: [x]\n", "base of its own"},
      // A loop of bases (here a file that is its own base) stops at the first step.
      {"loop", "name: x\nmodel: roofline\nbase: LOOP\naccelerators: [x]\n", "base of its own"},
      {"bad_key", "name: x\nmodel: roofline\nbase: h100\naccelerators: [x]\nsustained: {value: 0.5, source: s}\n",
       "sustained"},
      {"no_source", "name: x\nmodel: roofline\nbase: h100\naccelerators: [x]\nmem_eff: 0.5\n", "source"},
  };
  for (const auto& c : cases) {
    try {
      std::string text = c.text;
      if (const size_t at = text.find("LOOP"); at != std::string::npos) text.replace(at, 4, preset_file(c.stem));
      load_roofline_params(write_preset(c.stem, text));
      ADD_FAILURE() << c.stem << ": expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << c.stem;
      EXPECT_NE((e.message() + " " + e.hint() + " " + e.where()).find(c.expect), std::string::npos)
          << c.stem << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace trnsim::cost

// The Hopper calibration against this project's own kernel measurements on one H100 SXM
// (bench/gpu/measure_ops.py; data in bench/gpu/h100-sxm-2026-11-23.json; docs/cost.md [14]).
#include <gtest/gtest.h>

#include <string>

#include "trnsim/base/config.h"
#include "trnsim/base/error.h"
#include "trnsim/cost/roofline_params.h"
#include "../hw/hw_test_util.h"
#include "cost_test_util.h"

namespace trnsim::cost {
namespace {

// The H100 SXM peaks (NVIDIA datasheet), as the cost tests' system has them.
const double kBf16Peak = testing::h100().accel.peak_bf16_flops, kFp8Peak = testing::h100().accel.peak_fp8_flops;

// The model's GEMM rate in TFLOP/s: the curve times the sustained fraction, which the
// measurement (taken under load, at power-held clocks) includes.
double gemm_tflops(const RooflineParams& p, double m, double n, double k, bool fp8) {
  const double rate = (fp8 ? kFp8Peak : kBf16Peak) * matmul_efficiency(p, m, n, k, fp8) * p.sustained_fraction;
  const double flops = 2.0 * m * n * k;
  return flops / (p.op_overhead.seconds() + flops / rate) / 1e12;
}

struct GemmPoint {
  double m, n, k, bf16, fp8;  // measured TFLOP/s; fp8 one third fast, two thirds split accumulation
};

// Rows of the measurement file (its `gemm` and `gemm_models` sections).
const GemmPoint kGemms[] = {
    {4096, 4096, 4096, 757, 1274},  {8192, 8192, 8192, 689, 1303},  {8192, 2560, 8192, 707, 1337},
    {4096, 8192, 512, 587, 805},    {4096, 16384, 512, 559, 836},   {4096, 7168, 2048, 641, 1139},
    {4096, 1536, 7168, 677, 1303},  {4096, 2048, 2048, 674, 1140},
};

TEST(MeasuredH100, GemmCurveWithinFifteenPercentOfTheMeasurement) {
  const RooflineParams p = roofline_params_for("h100");
  for (const GemmPoint& g : kGemms) {
    EXPECT_NEAR(gemm_tflops(p, g.m, g.n, g.k, false) / g.bf16, 1.0, 0.15) << g.m << "x" << g.n << "x" << g.k;
    EXPECT_NEAR(gemm_tflops(p, g.m, g.n, g.k, true) / g.fp8, 1.0, 0.15) << g.m << "x" << g.n << "x" << g.k << " fp8";
  }
}

// An 8-bit GEMM saturates later in K than a 16-bit one: at K = 512 it runs at 0.62 of the
// 8192^3 rate, a 16-bit one at 0.85 (measured). Sharing the 16-bit halves would give 0.86.
TEST(MeasuredH100, EightBitGemmsSaturateLaterInK) {
  const RooflineParams p = roofline_params_for("h100");
  auto ratio = [&](bool fp8) { return gemm_tflops(p, 4096, 8192, 512, fp8) / gemm_tflops(p, 8192, 8192, 8192, fp8); };
  EXPECT_NEAR(ratio(true), 805.0 / 1303.0, 0.08);
  EXPECT_NEAR(ratio(false), 587.0 / 689.0, 0.08);
  EXPECT_GT(p.k_half_fp8, p.k_half);
}

// cuDNN causal attention, 16 heads over 16,384 tokens, head dim 128 (isolated kernels: the
// curve before the sustained fraction). {sequence, forward, backward TFLOP/s}.
TEST(MeasuredH100, AttentionCurveWithinFifteenPercentOfTheMeasurement) {
  const AttentionCurve c = roofline_params_for("h100").attention;
  const double points[][3] = {{2048, 523, 383}, {4096, 581, 434}, {8192, 616, 503}};
  for (const auto& pt : points) {
    EXPECT_NEAR(attention_efficiency(c, pt[0], pt[0], 128, false) * kBf16Peak / 1e12 / pt[1], 1.0, 0.15) << pt[0];
    EXPECT_NEAR(attention_efficiency(c, pt[0], pt[0], 128, true) * kBf16Peak / 1e12 / pt[2], 1.0, 0.15) << pt[0];
  }
}

// PyTorch SDPA's FlashAttention-2 backend, causal, the same shapes (the `attention_flash2` curve).
// The FlashAttention-3 paper's non-causal FlashAttention-2 figures it replaced ran 13% to 97% faster.
TEST(MeasuredH100, FlashAttention2CurveWithinFifteenPercentOfTheMeasurement) {
  const RooflineParams p = roofline_params_for("h100");
  ASSERT_TRUE(p.attention_flash2.has_value());
  const double points[][3] = {{2048, 283, 211}, {4096, 289, 255}, {8192, 309, 277}};
  for (const auto& pt : points) {
    EXPECT_NEAR(attention_efficiency(*p.attention_flash2, pt[0], pt[0], 128, false) * kBf16Peak / 1e12 / pt[1], 1.0, 0.15)
        << pt[0];
    EXPECT_NEAR(attention_efficiency(*p.attention_flash2, pt[0], pt[0], 128, true) * kBf16Peak / 1e12 / pt[2], 1.0, 0.15)
        << pt[0];
  }
}

TEST(MeasuredH100, EightBitHalvesDefaultToTheSixteenBitOnes) {
  const RooflineParams b200 = roofline_params_for("b200");  // sets no 8-bit halves
  EXPECT_EQ(b200.mn_half_fp8, b200.mn_half);
  EXPECT_EQ(b200.k_half_fp8, b200.k_half);
  EXPECT_DOUBLE_EQ(matmul_efficiency(b200, 4096, 4096, 512, true) / b200.matmul_eff_max_fp8,
            matmul_efficiency(b200, 4096, 4096, 512, false) / b200.matmul_eff_max);
}

TEST(MeasuredH100, RefusesANonPositiveHalf) {
  const std::string text = hw::testing::read_text(config_dir() + "/cost/h100.yaml");
  const std::string path =
      hw::testing::write_temp(hw::testing::replace_once(text, "k_half_fp8: {value: 440", "k_half_fp8: {value: 0"), "bad");
  try {
    load_roofline_params(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("k_half_fp8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trnsim::cost

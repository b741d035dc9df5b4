// iota, affine_select, bn_stats / bn_aggr, random, dropout, stochastic rounding, no-op sync.
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "functional_test_util.h"

namespace trnsim::core::testing {
namespace {

TEST(FunctionalIndex, IotaTwoDimsInt32AndFloat) {
  Core c;
  AccessPattern dst = sb(DType::kI32, 0, 3, 0, 1);
  dst.num_free = 2;
  dst.free = {isa::FreeDim{2, 4}, isa::FreeDim{4, 1}, isa::FreeDim{}, isa::FreeDim{}};
  isa::AffineExpr e;
  e.base = 100000001;  // not representable in fp32: i32 must be exact
  e.channel_multiplier = 10;
  e.coef = {1000, 1, 0, 0};
  c.run(isa::Iota{dst, e});
  for (int p = 0; p < 3; ++p)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 4; ++b) {
        int32_t v;
        std::memcpy(&v, c.sbuf.at(p, (a * 4 + b) * 4), 4);
        EXPECT_EQ(v, 100000001 + 10 * p + 1000 * a + b);
      }
  const auto fdst = sb(DType::kBF16, 0, 2, 512, 3);
  isa::AffineExpr f;
  f.base = -1;
  f.channel_multiplier = 257;
  f.coef = {2, 0, 0, 0};
  c.run(isa::Iota{fdst, f});
  EXPECT_EQ(c.get(fdst), (std::vector<float>{-1, 1, 3, 256, 258, 260}));  // 257 ties to 256 in bf16
}

TEST(FunctionalIndex, AffineSelectCausalMask) {
  Core c;
  const int n = 8;
  const auto src = sb(DType::kF32, 0, n, 0, n);
  const auto v = ramp(n * n, 17);
  c.set(src, v);
  isa::AffineExpr e;  // keep where p - j >= 0 (row p sees columns j <= p)
  e.channel_multiplier = 1;
  e.coef = {-1, 0, 0, 0};
  const auto dst = sb(DType::kF32, 0, n, 256, n);
  c.run(isa::AffineSelect{dst, src, e, isa::AluOp::kIsGe, -30000.0f});
  const auto got = c.get(dst);
  for (int p = 0; p < n; ++p)
    for (int j = 0; j < n; ++j) EXPECT_EQ(got[p * n + j], j <= p ? v[p * n + j] : -30000.0f);
}

TEST(FunctionalStats, BnStatsThenAggrMatchesTwoPass) {
  Core c;
  const int groups = 3, len = 40, rows = 4;
  const auto x = ramp(rows * groups * len, 18, -2.0f, 5.0f);
  const auto stats = sb(DType::kF32, 0, rows, 4096, groups * 3);
  for (int g = 0; g < groups; ++g) {
    AccessPattern src = sb(DType::kF32, 0, rows, g * len * 4, len);
    std::vector<float> part(rows * len);
    for (int p = 0; p < rows; ++p)
      for (int i = 0; i < len; ++i) part[p * len + i] = x[p * groups * len + g * len + i];
    c.set(src, part);
    c.run(isa::BnStats{sb(DType::kF32, 0, rows, 4096 + g * 12, 3), src});
  }
  const auto st = c.get(stats);
  EXPECT_EQ(st[0], static_cast<float>(len));  // layout {count, mean, M2}
  const auto out = sb(DType::kF32, 0, rows, 8192, 2);
  c.run(isa::BnAggr{out, stats});
  const auto got = c.get(out);
  for (int p = 0; p < rows; ++p) {
    double mean = 0, var = 0;
    for (int i = 0; i < groups * len; ++i) mean += x[p * groups * len + i];
    mean /= groups * len;
    for (int i = 0; i < groups * len; ++i) var += std::pow(x[p * groups * len + i] - mean, 2);
    var /= groups * len;
    EXPECT_NEAR(got[p * 2], mean, 1e-6 * (1 + std::fabs(mean)));
    EXPECT_NEAR(got[p * 2 + 1], var, 1e-6 * var);
  }
}

std::vector<float> run_random_and_dropout(uint64_t seed, std::vector<float>* dropped) {
  Core c({}, seed);
  const auto r = sb(DType::kF32, 0, 4, 0, 256);
  c.run(isa::Random{r});
  const auto src = sb(DType::kF32, 0, 4, 2048, 256);
  c.set(src, std::vector<float>(1024, 2.0f));
  const auto dst = sb(DType::kBF16, 0, 4, 8192, 256);
  c.run(isa::Dropout{dst, src, 0.25f});
  *dropped = c.get(dst);
  return c.get(r);
}

TEST(FunctionalRandom, RandomAndDropoutReproducibleAndDistributed) {
  std::vector<float> d1, d2, d3;
  const auto r1 = run_random_and_dropout(5, &d1);
  const auto r2 = run_random_and_dropout(5, &d2);
  const auto r3 = run_random_and_dropout(6, &d3);
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(d1, d2);
  EXPECT_NE(r1, r3);
  double mean = 0;
  for (float v : r1) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LT(v, 1.0f);
    mean += v;
  }
  EXPECT_NEAR(mean / r1.size(), 0.5, 0.05);
  int zeros = 0;
  for (float v : d1) {
    EXPECT_TRUE(v == 0.0f || v == 2.0f);  // survivors are not rescaled
    zeros += v == 0.0f;
  }
  EXPECT_NEAR(zeros / 1024.0, 0.25, 0.05);
}

TEST(FunctionalRounding, StochasticRoundingIsUnbiasedAndSeeded) {
  auto run = [](uint64_t seed) {
    Core c({}, seed);
    c.state.rounding = numerics::Rounding::kStochastic;
    const float x = 1.0f + 0x1p-9f;  // a quarter of the way from 1 to the next bf16 (1 + 2^-7)
    const auto src = sb(DType::kF32, 0, 8, 0, 512);
    c.set(src, std::vector<float>(4096, x));
    const auto dst = sb(DType::kBF16, 0, 8, 4096, 512);
    c.run(isa::TensorCopy{dst, src});
    return c.get(dst);
  };
  const auto a = run(1), b = run(1);
  EXPECT_EQ(a, b);
  int up = 0;
  for (float v : a) {
    ASSERT_TRUE(v == 1.0f || v == 1.0f + 0x1p-7f);
    up += v != 1.0f;
  }
  EXPECT_NEAR(up / 4096.0, 0.25, 0.03);  // nearest-even would give 0
}

TEST(FunctionalRandom, NarrowDestinationStaysBelowOne) {
  Core c({}, 3);
  const auto r = sb(DType::kFP8E5M2, 0, 16, 0, 512);
  c.run(isa::Random{r});
  for (float v : c.get(r)) ASSERT_LT(v, 1.0f);
}

TEST(FunctionalSync, SemaphoresAndBarrierTouchNothing) {
  Core c;
  const auto t = sb(DType::kF32, 0, 2, 0, 4);
  const auto v = ramp(8, 19);
  c.set(t, v);
  c.run(isa::SemSignal{0, 1});
  c.run(isa::SemWait{0, 1});
  c.run(isa::Barrier{});
  EXPECT_EQ(c.get(t), v);
}

}  // namespace
}  // namespace trnsim::core::testing

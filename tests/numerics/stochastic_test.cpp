// Stochastic rounding: unbiased in expectation, exact values fixed, at most one ulp, reproducible.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

#include "format_under_test.h"
#include "trnsim/base/error.h"
#include "trnsim/base/rng.h"

namespace trnsim::numerics {
namespace {

using testref::FormatUnderTest;

struct Neighbours {
  testref::Entry lo, hi;
};
Neighbours neighbours(const std::vector<testref::Entry>& t, double ax) {
  const size_t i = testref::lower_index(t, ax);
  return {t[i], t[i + 1]};
}

TEST(NumericsStochastic, FractionRoundedUpMatchesDistance) {
  constexpr int kDraws = 200000;
  for (const auto& f : testref::kFormats) {
    const auto t = testref::positive_table(f.spec);
    const double max = t[t.size() - 2].value;
    const double min_sub = t[1].value;
    // Normal range, binade edges, subnormal range, below the smallest subnormal, above max finite.
    const std::vector<double> xs = {1.0 + 0.3 * std::ldexp(1.0, -f.spec.man_bits),
                                    3.14159,      -2.71828,      0.1,
                                    min_sub * 2.75, min_sub * 0.37, -min_sub * 0.9,
                                    max * 0.999,  max + (t.back().value - max) * 0.25};
    Rng rng(1234);
    for (double xd : xs) {
      const float x = static_cast<float>(xd);
      const double ax = std::fabs(static_cast<double>(x));
      const Neighbours nb = neighbours(t, ax);
      ASSERT_LT(nb.lo.value, ax) << f.spec.name << " test value must be inexact: " << x;
      const double p = (ax - nb.lo.value) / (nb.hi.value - nb.lo.value);
      const uint32_t sign = std::signbit(x) ? f.spec.sign_bit() : 0u;
      int ups = 0;
      for (int i = 0; i < kDraws; ++i) {
        const uint32_t got = f.encode(x, Rounding::kStochastic, rng.next_u32());
        ASSERT_TRUE(got == (sign | nb.lo.bits) || got == (sign | nb.hi.bits))
            << f.spec.name << " x=" << x << " got 0x" << std::hex << got;
        ups += got == (sign | nb.hi.bits);
      }
      // 6 standard deviations of a binomial proportion: a false alarm is ~1e-9 per check.
      const double tol = 6.0 * std::sqrt(p * (1 - p) / kDraws) + 1e-6;
      EXPECT_NEAR(static_cast<double>(ups) / kDraws, p, tol) << f.spec.name << " x=" << x;
    }
  }
}

// bf16 keeps the top 16 bits of a normal fp32 significand's fraction, so the probability is a
// multiple of 2^-16 and sweeping the top 16 random bits must round up exactly p * 2^16 times.
TEST(NumericsStochastic, Bf16ProbabilityIsExact) {
  for (uint32_t low : {1u, 0x7fffu, 0x8000u, 0x8001u, 0xfffeu, 0x1234u}) {
    const float x = std::bit_cast<float>(0x3fc00000u | low);  // 1.5 plus `low` below bf16 precision
    uint32_t ups = 0;
    for (uint32_t k = 0; k < 65536; ++k) ups += f32_to_bf16(x, Rounding::kStochastic, k << 16) != 0x3fc0;
    EXPECT_EQ(ups, low);
  }
}

TEST(NumericsStochastic, ExactValuesNeverMove) {
  Rng rng(99);
  for (const auto& f : testref::kFormats) {
    const auto t = testref::positive_table(f.spec);
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      for (int k = 0; k < 8; ++k) {
        const uint32_t r = k == 0 ? 0xffffffffu : rng.next_u32();
        EXPECT_EQ(f.encode(static_cast<float>(t[i].value), Rounding::kStochastic, r), t[i].bits) << f.spec.name;
        EXPECT_EQ(f.encode(-static_cast<float>(t[i].value), Rounding::kStochastic, r), t[i].bits | f.spec.sign_bit());
      }
    }
    EXPECT_EQ(f.encode(INFINITY, Rounding::kStochastic, 0xffffffffu), f.spec.inf_bits());
    EXPECT_TRUE(f.spec.is_nan(f.encode(NAN, Rounding::kStochastic, 0xffffffffu)));
  }
}

TEST(NumericsStochastic, NeverMovesMoreThanOneUlp) {
  constexpr int kSamples = 1 << 19;
  for (const auto& f : testref::kFormats) {
    const auto t = testref::positive_table(f.spec);
    Rng rng(7 + static_cast<uint64_t>(f.dtype));
    int failures = 0;
    for (int i = 0; i < kSamples; ++i) {
      const float x = std::bit_cast<float>(rng.next_u32());
      if (!std::isfinite(x)) continue;
      const uint32_t got = f.encode(x, Rounding::kStochastic, rng.next_u32());
      const double ax = std::fabs(static_cast<double>(x));
      const uint32_t sign = std::signbit(x) ? f.spec.sign_bit() : 0u;
      bool ok;
      if (ax >= t.back().value) {
        ok = got == (sign | f.spec.inf_bits());  // beyond max + 1 ulp there is only inf
      } else {
        const Neighbours nb = neighbours(t, ax);
        ok = got == (sign | nb.lo.bits) || got == (sign | nb.hi.bits);
      }
      if (!ok && ++failures <= 5) ADD_FAILURE() << f.spec.name << " x=" << x << " got 0x" << std::hex << got;
    }
    EXPECT_EQ(failures, 0) << f.spec.name;
  }
}

TEST(NumericsStochastic, ReproducibleForTheSameRandomBits) {
  std::vector<float> src(4096);
  Rng data(5);
  for (auto& v : src) v = static_cast<float>(data.next_double() * 600.0 - 300.0);
  for (DType t : {DType::kBF16, DType::kF16, DType::kFP8E4M3, DType::kFP8E5M2, DType::kI32}) {
    std::vector<uint8_t> a(src.size() * dtype_size(t)), b(a.size()), c(a.size());
    Rng r1(42), r2(42), r3(43);
    store_f32(t, src.data(), a.data(), src.size(), Rounding::kStochastic, &r1);
    store_f32(t, src.data(), b.data(), src.size(), Rounding::kStochastic, &r2);
    store_f32(t, src.data(), c.data(), src.size(), Rounding::kStochastic, &r3);
    EXPECT_EQ(a, b) << dtype_name(t);
    EXPECT_NE(a, c) << dtype_name(t) << ": a different seed should change some roundings";
  }
}

TEST(NumericsStochastic, NullRngIsAnError) {
  float x = 1.0f;
  uint8_t out[2];
  EXPECT_THROW(store_f32(DType::kBF16, &x, out, 1, Rounding::kStochastic, nullptr), Error);
}

}  // namespace
}  // namespace trnsim::numerics

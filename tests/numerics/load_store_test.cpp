// The DType-generic and bulk entry points agree with the per-format scalar conversions.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "format_under_test.h"
#include "trnsim/base/rng.h"

namespace trnsim::numerics {
namespace {

constexpr DType kAllTypes[] = {DType::kF32, DType::kBF16, DType::kF16, DType::kFP8E4M3, DType::kFP8E5M2, DType::kI32};

std::vector<float> mixed_values(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0: v[i] = std::bit_cast<float>(rng.next_u32()); break;  // anything, NaN and inf included
      case 1: v[i] = static_cast<float>(rng.next_double() * 1000.0 - 500.0); break;
      case 2: v[i] = static_cast<float>(std::ldexp(rng.next_double() - 0.5, -int(rng.next_u32() % 30))); break;
      default: v[i] = static_cast<float>(int(rng.next_u32() % 64) - 32); break;
    }
  }
  return v;
}

bool same_bits_or_both_nan(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

TEST(NumericsBulk, StoreF32EqualsScalarStore) {
  const auto src = mixed_values(10007, 11);
  for (DType t : kAllTypes) {
    for (Rounding r : {Rounding::kNearestEven, Rounding::kStochastic}) {
      const size_t w = static_cast<size_t>(dtype_size(t));
      std::vector<uint8_t> bulk(src.size() * w + 1), scalar(bulk.size());
      Rng bulk_rng(77), scalar_rng(77);
      // Offset by one byte: unaligned destinations must work.
      store_f32(t, src.data(), bulk.data() + 1, src.size(), r, &bulk_rng);
      for (size_t i = 0; i < src.size(); ++i) {
        // Documented contract: one next_u32() per element in order, none for f32.
        const uint32_t rb = (r == Rounding::kStochastic && t != DType::kF32) ? scalar_rng.next_u32() : 0u;
        store(t, scalar.data() + 1 + i * w, src[i], r, rb);
      }
      EXPECT_EQ(bulk, scalar) << dtype_name(t) << " rounding " << int(r);
    }
  }
}

TEST(NumericsBulk, LoadF32EqualsScalarLoad) {
  Rng rng(3);
  std::vector<uint8_t> raw(4 * 70001 + 1);
  for (auto& b : raw) b = static_cast<uint8_t>(rng.next_u32());
  for (DType t : kAllTypes) {
    const size_t w = static_cast<size_t>(dtype_size(t));
    const size_t n = (raw.size() - 1) / w;
    std::vector<float> bulk(n);
    load_f32(t, raw.data() + 1, bulk.data(), n);
    int failures = 0;
    for (size_t i = 0; i < n; ++i) failures += !same_bits_or_both_nan(bulk[i], load(t, raw.data() + 1 + i * w));
    EXPECT_EQ(failures, 0) << dtype_name(t);
  }
}

TEST(NumericsBulk, GenericMatchesPerFormatFunctions) {
  for (const auto& f : testref::kFormats) {
    for (uint32_t b = 0; b < (1u << f.spec.width()); b += (f.spec.width() == 16 ? 7 : 1)) {
      uint8_t buf[2];
      std::memcpy(buf, &b, 2);  // little-endian host, like the chip's memories
      EXPECT_TRUE(same_bits_or_both_nan(load(f.dtype, buf), f.decode(b))) << f.spec.name << " " << b;
    }
    const auto vals = mixed_values(4001, 21);
    for (float v : vals) {
      uint8_t buf[2] = {0, 0};
      store(f.dtype, buf, v, Rounding::kStochastic, 0x9abcdef0u);
      uint32_t got = 0;
      std::memcpy(&got, buf, f.spec.width() / 8);
      EXPECT_EQ(got, f.encode(v, Rounding::kStochastic, 0x9abcdef0u)) << f.spec.name;
      EXPECT_TRUE(same_bits_or_both_nan(quantize(f.dtype, v), f.decode(f.encode(v, Rounding::kNearestEven, 0))));
    }
  }
}

TEST(NumericsI32, ConvertsByValueWithSaturation) {
  auto to_i32 = [](float v, Rounding r = Rounding::kNearestEven, uint32_t rb = 0) {
    uint8_t buf[4];
    store(DType::kI32, buf, v, r, rb);
    int32_t out;
    std::memcpy(&out, buf, 4);
    return out;
  };
  EXPECT_EQ(to_i32(2.5f), 2);  // ties to even
  EXPECT_EQ(to_i32(3.5f), 4);
  EXPECT_EQ(to_i32(-2.5f), -2);
  EXPECT_EQ(to_i32(-2.6f), -3);
  EXPECT_EQ(to_i32(1e10f), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(to_i32(-1e10f), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(to_i32(INFINITY), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(to_i32(-INFINITY), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(to_i32(2147483520.0f), 2147483520);  // largest float below 2^31 is exact
  EXPECT_EQ(to_i32(NAN), 0);
  EXPECT_EQ(to_i32(0.25f, Rounding::kStochastic, 0xbfffffffu), 0);  // 0.25 + 0.749.. < 1
  EXPECT_EQ(to_i32(0.25f, Rounding::kStochastic, 0xc0000000u), 1);  // 0.25 + 0.75 = 1
  EXPECT_EQ(to_i32(7.0f, Rounding::kStochastic, 0xffffffffu), 7);
  uint8_t buf[4];
  const int32_t big = 16777217;  // 2^24 + 1: not a float, loads as the nearest-even float
  std::memcpy(buf, &big, 4);
  EXPECT_EQ(load(DType::kI32, buf), 16777216.0f);
  EXPECT_EQ(quantize(DType::kI32, 2.5f), 2.0f);
}

TEST(NumericsF32, StoreAndLoadAreBitExact) {
  for (float v : {1.0f, -0.0f, std::nanf("0x2a"), INFINITY, 1e-45f}) {
    uint8_t buf[4];
    store(DType::kF32, buf, v, Rounding::kStochastic, 0xffffffffu);
    EXPECT_EQ(std::bit_cast<uint32_t>(load(DType::kF32, buf)), std::bit_cast<uint32_t>(v));
  }
}

}  // namespace
}  // namespace trnsim::numerics

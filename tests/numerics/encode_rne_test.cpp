// Round-to-nearest-even encode of every format against the table-search reference.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <vector>

#include "format_under_test.h"
#include "trnsim/base/rng.h"

namespace trnsim::numerics {
namespace {

using testref::FormatUnderTest;

// Returns the number of mismatches (and reports the first few) so huge loops stay quiet and fast.
class RneChecker {
 public:
  explicit RneChecker(const FormatUnderTest& f) : f_(f), table_(testref::positive_table(f.spec)) {}
  const std::vector<testref::Entry>& table() const { return table_; }

  void check(float x) {
    const uint32_t got = f_.encode(x, Rounding::kNearestEven, 0);
    const uint32_t want = testref::encode_rne(f_.spec, table_, x);
    const bool ok = f_.spec.is_nan(want) ? f_.spec.is_nan(got) && f_.spec.sign(got) == f_.spec.sign(want)
                                         : got == want;
    if (!ok && ++failures_ <= 10) {
      ADD_FAILURE() << f_.spec.name << ": x=" << x << " (0x" << std::hex << std::bit_cast<uint32_t>(x)
                    << ") got 0x" << got << " want 0x" << want;
    }
  }
  void check_both_signs(float x) {
    check(x);
    check(-x);
  }
  int failures() const { return failures_; }

 private:
  const FormatUnderTest& f_;
  std::vector<testref::Entry> table_;
  int failures_ = 0;
};

TEST(NumericsEncodeRne, EveryRepresentableValueIsExact) {
  for (const auto& f : testref::kFormats) {
    RneChecker c(f);
    for (const auto& e : c.table()) {
      if (e.bits == f.spec.inf_bits()) continue;
      c.check_both_signs(static_cast<float>(e.value));
      EXPECT_EQ(f.encode(static_cast<float>(e.value), Rounding::kNearestEven, 0), e.bits) << f.spec.name;
    }
    EXPECT_EQ(c.failures(), 0) << f.spec.name;
  }
}

TEST(NumericsEncodeRne, MidpointsTieToEvenAndNeighboursOfMidpoints) {
  for (const auto& f : testref::kFormats) {
    RneChecker c(f);
    const auto& t = c.table();
    for (size_t i = 0; i + 1 < t.size(); ++i) {
      const double mid = (t[i].value + t[i + 1].value) / 2;
      const float m = static_cast<float>(mid);
      ASSERT_EQ(static_cast<double>(m), mid) << f.spec.name << ": midpoint must be exact in fp32";
      c.check_both_signs(m);
      c.check_both_signs(std::nextafter(m, 0.0f));
      c.check_both_signs(std::nextafter(m, INFINITY));
      // Ties go to the neighbour with an even mantissa, explicitly (not only via the reference).
      const uint32_t even = (t[i].bits & 1u) == 0 ? t[i].bits : t[i + 1].bits;
      EXPECT_EQ(f.encode(m, Rounding::kNearestEven, 0), even) << f.spec.name << " mid " << mid;
    }
    EXPECT_EQ(c.failures(), 0) << f.spec.name;
  }
}

TEST(NumericsEncodeRne, OverflowEdgesAndSpecials) {
  for (const auto& f : testref::kFormats) {
    RneChecker c(f);
    const auto& t = c.table();
    const double max = t[t.size() - 2].value;
    const double inf_virtual = t.back().value;
    const double half_ulp = (inf_virtual - max) / 2;
    for (double v : {max, max + half_ulp, inf_virtual, 2 * inf_virtual}) {
      const float x = static_cast<float>(v);
      c.check_both_signs(x);
      c.check_both_signs(std::nextafter(x, 0.0f));
      c.check_both_signs(std::nextafter(x, INFINITY));
    }
    for (float x : {0.0f, FLT_MIN, FLT_TRUE_MIN, FLT_MAX, INFINITY, NAN, std::nanf("0x12345")}) c.check_both_signs(x);
    EXPECT_EQ(c.failures(), 0) << f.spec.name;
    // Documented: RNE overflow gives inf (max + half an ulp is a tie, and inf is the even side).
    const uint32_t inf = f.spec.inf_bits();
    EXPECT_EQ(f.encode(static_cast<float>(max + half_ulp), Rounding::kNearestEven, 0), inf) << f.spec.name;
    EXPECT_EQ(f.encode(std::nextafter(static_cast<float>(max + half_ulp), 0.0f), Rounding::kNearestEven, 0),
              t[t.size() - 2].bits)
        << f.spec.name;
    EXPECT_EQ(f.encode(-INFINITY, Rounding::kNearestEven, 0), inf | f.spec.sign_bit()) << f.spec.name;
    EXPECT_EQ(f.encode(-0.0f, Rounding::kNearestEven, 0), f.spec.sign_bit()) << f.spec.name;
    EXPECT_TRUE(f.spec.is_nan(f.encode(NAN, Rounding::kNearestEven, 0))) << f.spec.name;
  }
}

TEST(NumericsEncodeRne, RandomFp32BitPatterns) {
  constexpr int kSamples = 1 << 21;
  for (const auto& f : testref::kFormats) {
    RneChecker c(f);
    Rng rng(0x5eed0000u + static_cast<uint64_t>(f.dtype));
    for (int i = 0; i < kSamples; ++i) c.check(std::bit_cast<float>(rng.next_u32()));
    // Also sample densely inside the format's own range, where nearly all interesting rounding is.
    const double top = std::log2(c.table().back().value) + 1;
    const double bottom = std::log2(c.table()[1].value) - 2;
    for (int i = 0; i < kSamples; ++i) {
      const double mag = std::exp2(bottom + rng.next_double() * (top - bottom));
      c.check_both_signs(static_cast<float>(mag));
    }
    EXPECT_EQ(c.failures(), 0) << f.spec.name;
  }
}

TEST(NumericsEncodeRne, NanIsCanonicalQuietWithSign) {
  const float payload_nan = std::nanf("0x1234");
  EXPECT_EQ(f32_to_bf16(payload_nan), 0x7fc0);
  EXPECT_EQ(f32_to_bf16(-payload_nan), 0xffc0);
  EXPECT_EQ(f32_to_f16(payload_nan), 0x7e00);
  EXPECT_EQ(f32_to_fp8e4m3(payload_nan, Rounding::kStochastic, 123), 0x7c);
  EXPECT_EQ(f32_to_fp8e5m2(-payload_nan), 0xfe);
  EXPECT_EQ(f32_to_fp8e4m3(248.0f), 0x78);  // documented e4m3 overflow threshold
  EXPECT_EQ(f32_to_fp8e4m3(247.99f), 0x77);
}

}  // namespace
}  // namespace trnsim::numerics

// Every bit pattern of every narrow format decodes to the value the format definition gives.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "fp_reference.h"
#include "trnsim/numerics/convert.h"

namespace trnsim::numerics {
namespace {

void expect_decode_matches(const testref::Spec& s, uint32_t b, float got) {
  const double want = testref::decode(s, b);
  if (s.is_nan(b)) {
    EXPECT_TRUE(std::isnan(got)) << s.name << " bits " << b;
    EXPECT_EQ(std::signbit(got), s.sign(b)) << s.name << " NaN keeps its sign, bits " << b;
    return;
  }
  // Bitwise, so -0 vs +0 and the sign of inf are checked too.
  EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(static_cast<float>(want)))
      << s.name << " bits " << b << " want " << want << " got " << got;
  EXPECT_EQ(static_cast<double>(got), want) << s.name << " bits " << b;  // float holds it exactly
}

TEST(NumericsDecode, Bf16AllPatterns) {
  for (uint32_t b = 0; b < 65536; ++b) expect_decode_matches(testref::kBf16, b, bf16_to_f32(uint16_t(b)));
}

TEST(NumericsDecode, F16AllPatterns) {
  for (uint32_t b = 0; b < 65536; ++b) expect_decode_matches(testref::kF16, b, f16_to_f32(uint16_t(b)));
}

TEST(NumericsDecode, Fp8E4M3AllPatterns) {
  for (uint32_t b = 0; b < 256; ++b) expect_decode_matches(testref::kE4M3, b, fp8e4m3_to_f32(uint8_t(b)));
}

TEST(NumericsDecode, Fp8E5M2AllPatterns) {
  for (uint32_t b = 0; b < 256; ++b) expect_decode_matches(testref::kE5M2, b, fp8e5m2_to_f32(uint8_t(b)));
}

TEST(NumericsDecode, DocumentedLandmarks) {
  EXPECT_EQ(fp8e4m3_to_f32(0x77), 240.0f);   // max finite of the IEEE-like e4m3
  EXPECT_TRUE(std::isinf(fp8e4m3_to_f32(0x78)));
  EXPECT_TRUE(std::isnan(fp8e4m3_to_f32(0x7f)));
  EXPECT_EQ(fp8e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(fp8e5m2_to_f32(0x7b), 57344.0f);
  EXPECT_EQ(fp8e5m2_to_f32(0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(bf16_to_f32(0x0001), std::ldexp(1.0f, -133));  // bf16 subnormals are kept
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
}

}  // namespace
}  // namespace trnsim::numerics

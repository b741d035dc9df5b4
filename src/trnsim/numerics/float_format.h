// Internal: the one encoder/decoder behind every narrow float format. Each format is described by
// its exponent and mantissa widths; all of them are IEEE-like (all-ones exponent = inf/NaN), which is
// what docs/numerics.md decides for the chip. Header-only so the bulk loops inline it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace trnsim::numerics::detail {

template <int kExpBits, int kManBits>
struct FloatFormat {
  static constexpr int kBias = (1 << (kExpBits - 1)) - 1;
  static constexpr int kSignShift = kExpBits + kManBits;
  static constexpr uint32_t kInf = ((1u << kExpBits) - 1) << kManBits;
  static constexpr uint32_t kQuietNan = kInf | (1u << (kManBits - 1));
  static constexpr uint32_t kAbsMask = (1u << kSignShift) - 1;

  // fp32 -> format. The value is split into whole target quanta (`kept`) and a 32-bit fraction of
  // one quantum; rounding up is `fraction + addend >= 2^32`. RNE uses 2^31 - 1 + (kept & 1) as the
  // addend (ties go to the even neighbour); SR uses the caller's random bits, so the chance of rounding
  // up is exactly fraction / 2^32 and an exact value (fraction 0) never moves.
  static constexpr uint32_t encode(float x, bool stochastic, uint32_t rbits) {
    const uint32_t bits = std::bit_cast<uint32_t>(x);
    const uint32_t a = bits & 0x7fffffffu;
    const uint32_t sign = (bits >> 31) << kSignShift;
    const int e_biased = std::max(static_cast<int>(a >> 23), 1);  // fp32 subnormals share exponent 1
    const int e = e_biased - 127;
    const uint64_t sig = (a & 0x7fffffu) | (a >= 0x800000u ? 0x800000u : 0u);
    // Bits of `sig` below one target quantum. Values under the target's normal range lose more bits;
    // 56 is enough to flush the whole 24-bit significand out of both `kept` and the fraction.
    const int shift = std::min(23 - kManBits + std::max(0, 1 - kBias - e), 56);
    const uint64_t kept = sig >> shift;
    const uint64_t frac = ((sig << 32) >> shift) & 0xffffffffu;
    const uint64_t addend = stochastic ? rbits : 0x7fffffffu + (kept & 1u);
    const uint64_t up = (frac + addend) >> 32;
    // kept includes the implicit bit, so adding it to (biased exponent - 1) << M yields the encoding,
    // and a mantissa carry walks into the exponent (and from max finite into inf) by itself.
    const uint64_t base = static_cast<uint64_t>(std::max(e + kBias - 1, 0)) << kManBits;
    const uint32_t enc = static_cast<uint32_t>(std::min<uint64_t>(base + kept + up, kInf));
    return sign | (a > 0x7f800000u ? kQuietNan : enc);
  }

  // format -> fp32, exact. Placing the bits in fp32 position and scaling by 2^(127 - bias) is exact
  // for normals and subnormals alike; the all-ones exponent is patched to inf/NaN.
  static constexpr float decode(uint32_t bits) {
    const uint32_t a = bits & kAbsMask;
    const uint32_t sign = ((bits >> kSignShift) & 1u) << 31;
    constexpr float kScale = std::bit_cast<float>(static_cast<uint32_t>(254 - kBias) << 23);
    const float mag = std::bit_cast<float>(a << (23 - kManBits)) * kScale;
    const uint32_t special = 0x7f800000u | ((a & ((1u << kManBits) - 1)) << (23 - kManBits)) |
                             (a > kInf ? 0x400000u : 0u);
    const uint32_t out = a >= kInf ? special : std::bit_cast<uint32_t>(mag);
    return std::bit_cast<float>(sign | out);
  }
};

using Bf16Format = FloatFormat<8, 7>;
using F16Format = FloatFormat<5, 10>;
using Fp8E4M3Format = FloatFormat<4, 3>;
using Fp8E5M2Format = FloatFormat<5, 2>;

}  // namespace trnsim::numerics::detail

// Test-only reference model of the narrow float formats, written from the format definitions and
// deliberately sharing nothing with src/trnsim/numerics: decode by formula in double, encode by
// searching a sorted table of every finite value.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace trnsim::numerics::testref {

struct Spec {
  const char* name;
  int exp_bits;
  int man_bits;
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  int width() const { return 1 + exp_bits + man_bits; }
  uint32_t exp_field(uint32_t b) const { return (b >> man_bits) & ((1u << exp_bits) - 1); }
  uint32_t man_field(uint32_t b) const { return b & ((1u << man_bits) - 1); }
  bool sign(uint32_t b) const { return (b >> (width() - 1)) & 1u; }
  bool is_nan(uint32_t b) const { return exp_field(b) == (1u << exp_bits) - 1 && man_field(b) != 0; }
  uint32_t inf_bits() const { return ((1u << exp_bits) - 1) << man_bits; }
  uint32_t sign_bit() const { return 1u << (width() - 1); }
};

inline constexpr Spec kBf16{"bf16", 8, 7};
inline constexpr Spec kF16{"f16", 5, 10};
inline constexpr Spec kE4M3{"fp8e4m3", 4, 3};
inline constexpr Spec kE5M2{"fp8e5m2", 5, 2};

// sign * 2^(e - bias) * (1 + m / 2^M) for normals, sign * 2^(1 - bias) * (m / 2^M) for subnormals.
inline double decode(const Spec& s, uint32_t b) {
  const double sign = s.sign(b) ? -1.0 : 1.0;
  const int e = static_cast<int>(s.exp_field(b));
  const double m = static_cast<double>(s.man_field(b)) / std::ldexp(1.0, s.man_bits);
  if (e == (1 << s.exp_bits) - 1) return m == 0.0 ? sign * INFINITY : NAN;
  if (e == 0) return sign * std::ldexp(m, 1 - s.bias());
  return sign * std::ldexp(1.0 + m, e - s.bias());
}

struct Entry {
  double value;
  uint32_t bits;
};

// Every non-negative finite value in increasing order, then a virtual entry at 2^(emax+1) that stands
// for +inf: IEEE overflow is "round as if the exponent range were unbounded, then overflow".
inline std::vector<Entry> positive_table(const Spec& s) {
  std::vector<Entry> t;
  for (uint32_t b = 0; b < s.inf_bits(); ++b) t.push_back({decode(s, b), b});
  std::sort(t.begin(), t.end(), [](const Entry& a, const Entry& b) { return a.value < b.value; });
  t.push_back({std::ldexp(1.0, (1 << s.exp_bits) - 1 - s.bias()), s.inf_bits()});
  return t;
}

// Neighbours lo <= |x| <= hi in the table (index of lo; hi is the next one). |x| must be finite.
inline size_t lower_index(const std::vector<Entry>& t, double ax) {
  auto it = std::upper_bound(t.begin(), t.end(), ax, [](double v, const Entry& e) { return v < e.value; });
  return static_cast<size_t>(it - t.begin()) - 1;
}

// Reference round-to-nearest-even encode. Returns the bit pattern; NaN input returns the sign with
// some NaN (callers compare NaN-ness, not payload).
inline uint32_t encode_rne(const Spec& s, const std::vector<Entry>& t, float x) {
  const uint32_t sign = std::signbit(x) ? s.sign_bit() : 0u;
  if (std::isnan(x)) return sign | s.inf_bits() | 1u;
  const double ax = std::fabs(static_cast<double>(x));
  if (ax >= t.back().value) return sign | s.inf_bits();
  const size_t i = lower_index(t, ax);
  const Entry& lo = t[i];
  if (lo.value == ax) return sign | lo.bits;
  const Entry& hi = t[i + 1];
  const double dlo = ax - lo.value, dhi = hi.value - ax;
  if (dlo < dhi) return sign | lo.bits;
  if (dhi < dlo) return sign | hi.bits;
  return sign | ((lo.bits & 1u) == 0 ? lo.bits : hi.bits);
}

}  // namespace trnsim::numerics::testref

#include "trnsim/numerics/convert.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "trnsim/base/error.h"
#include "trnsim/numerics/float_format.h"

namespace trnsim::numerics {

namespace {

using detail::Bf16Format;
using detail::F16Format;
using detail::Fp8E4M3Format;
using detail::Fp8E5M2Format;

// 8-bit decodes are a table lookup: 256 entries, built at compile time from the same exact decoder.
template <typename Format>
constexpr std::array<float, 256> make_fp8_table() {
  std::array<float, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) t[i] = Format::decode(i);
  return t;
}
constexpr auto kE4M3Table = make_fp8_table<Fp8E4M3Format>();
constexpr auto kE5M2Table = make_fp8_table<Fp8E5M2Format>();

template <typename T>
T read_unaligned(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void write_unaligned(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// float -> int32 by value: NaN gives 0, out-of-range values saturate, the rest round (RNE or SR)
// to an integer. Done in double, where the fraction of any float is exact.
int32_t f32_to_i32(float v, Rounding r, uint32_t rbits) {
  if (std::isnan(v)) return 0;
  const double d = v;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  const double lo = std::floor(d);
  const double frac = d - lo;  // exact, in [0, 1)
  bool up;
  if (r == Rounding::kStochastic) {
    const uint64_t frac32 = static_cast<uint64_t>(std::ldexp(frac, 32));  // exact: <= 23 fraction bits
    up = ((frac32 + rbits) >> 32) != 0;
  } else {
    up = frac > 0.5 || (frac == 0.5 && std::fmod(lo, 2.0) != 0.0);
  }
  return static_cast<int32_t>(lo + (up ? 1.0 : 0.0));
}

// Separate loops per rounding mode: the nearest-even one has no RNG call, so the compiler can
// vectorise it.
template <typename Format, typename Bits>
void store_run(const float* src, uint8_t* dst, size_t n, bool stochastic, Rng* rng) {
  if (stochastic) {
    for (size_t i = 0; i < n; ++i)
      write_unaligned(dst + i * sizeof(Bits), static_cast<Bits>(Format::encode(src[i], true, rng->next_u32())));
  } else {
    for (size_t i = 0; i < n; ++i)
      write_unaligned(dst + i * sizeof(Bits), static_cast<Bits>(Format::encode(src[i], false, 0u)));
  }
}

template <typename Format>
void load_run16(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = Format::decode(read_unaligned<uint16_t>(src + 2 * i));
}

// bf16 is the top half of fp32: a shift, plus the quiet bit for NaNs (as Bf16Format::decode).
// Written as a plain loop over whole words so the compiler vectorises it: the hottest conversion.
void load_run_bf16(const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint16_t b;
    std::memcpy(&b, src + 2 * i, 2);
    uint32_t f = static_cast<uint32_t>(b) << 16;
    f |= (b & 0x7fffu) > 0x7f80u ? 0x400000u : 0u;
    std::memcpy(dst + i, &f, 4);
  }
}

void load_run8(const std::array<float, 256>& table, const uint8_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

}  // namespace

uint16_t f32_to_bf16(float x, Rounding r, uint32_t rbits) {
  return static_cast<uint16_t>(Bf16Format::encode(x, r == Rounding::kStochastic, rbits));
}
float bf16_to_f32(uint16_t bits) { return Bf16Format::decode(bits); }

uint16_t f32_to_f16(float x, Rounding r, uint32_t rbits) {
  return static_cast<uint16_t>(F16Format::encode(x, r == Rounding::kStochastic, rbits));
}
float f16_to_f32(uint16_t bits) { return F16Format::decode(bits); }

uint8_t f32_to_fp8e4m3(float x, Rounding r, uint32_t rbits) {
  return static_cast<uint8_t>(Fp8E4M3Format::encode(x, r == Rounding::kStochastic, rbits));
}
float fp8e4m3_to_f32(uint8_t bits) { return kE4M3Table[bits]; }

uint8_t f32_to_fp8e5m2(float x, Rounding r, uint32_t rbits) {
  return static_cast<uint8_t>(Fp8E5M2Format::encode(x, r == Rounding::kStochastic, rbits));
}
float fp8e5m2_to_f32(uint8_t bits) { return kE5M2Table[bits]; }

float load(DType t, const uint8_t* p) {
  switch (t) {
    case DType::kF32: return read_unaligned<float>(p);
    case DType::kBF16: return bf16_to_f32(read_unaligned<uint16_t>(p));
    case DType::kF16: return f16_to_f32(read_unaligned<uint16_t>(p));
    case DType::kFP8E4M3: return kE4M3Table[*p];
    case DType::kFP8E5M2: return kE5M2Table[*p];
    case DType::kI32: return static_cast<float>(read_unaligned<int32_t>(p));
  }
  return 0.0f;
}

void store(DType t, uint8_t* p, float v, Rounding r, uint32_t rbits) {
  switch (t) {
    case DType::kF32: write_unaligned(p, v); return;
    case DType::kBF16: write_unaligned(p, f32_to_bf16(v, r, rbits)); return;
    case DType::kF16: write_unaligned(p, f32_to_f16(v, r, rbits)); return;
    case DType::kFP8E4M3: *p = f32_to_fp8e4m3(v, r, rbits); return;
    case DType::kFP8E5M2: *p = f32_to_fp8e5m2(v, r, rbits); return;
    case DType::kI32: write_unaligned(p, f32_to_i32(v, r, rbits)); return;
  }
}

void load_f32(DType t, const uint8_t* src, float* dst, size_t n) {
  switch (t) {
    case DType::kF32: std::memcpy(dst, src, n * sizeof(float)); return;
    case DType::kBF16: load_run_bf16(src, dst, n); return;
    case DType::kF16: load_run16<F16Format>(src, dst, n); return;
    case DType::kFP8E4M3: load_run8(kE4M3Table, src, dst, n); return;
    case DType::kFP8E5M2: load_run8(kE5M2Table, src, dst, n); return;
    case DType::kI32:
      for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(read_unaligned<int32_t>(src + 4 * i));
      return;
  }
}

void store_f32(DType t, const float* src, uint8_t* dst, size_t n, Rounding r, Rng* rng) {
  const bool stochastic = r == Rounding::kStochastic;
  if (stochastic && rng == nullptr && t != DType::kF32 && n > 0) {
    throw Error(ErrorKind::kRuntime, "numerics::store_f32",
                "stochastic rounding to " + std::string(dtype_name(t)) + " needs a random source",
                "pass the component's Rng, or use Rounding::kNearestEven");
  }
  switch (t) {
    case DType::kF32: std::memcpy(dst, src, n * sizeof(float)); return;
    case DType::kBF16: store_run<Bf16Format, uint16_t>(src, dst, n, stochastic, rng); return;
    case DType::kF16: store_run<F16Format, uint16_t>(src, dst, n, stochastic, rng); return;
    case DType::kFP8E4M3: store_run<Fp8E4M3Format, uint8_t>(src, dst, n, stochastic, rng); return;
    case DType::kFP8E5M2: store_run<Fp8E5M2Format, uint8_t>(src, dst, n, stochastic, rng); return;
    case DType::kI32:
      for (size_t i = 0; i < n; ++i)
        write_unaligned(dst + 4 * i, f32_to_i32(src[i], r, stochastic ? rng->next_u32() : 0u));
      return;
  }
}

float quantize(DType t, float v) {
  uint8_t buf[4];
  store(t, buf, v);
  return load(t, buf);
}

}  // namespace trnsim::numerics

// Element types of the chip and their sizes. Conversions live in numerics/convert.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trnsim::numerics {

enum class DType : uint8_t {
  kF32,      // IEEE binary32
  kBF16,     // bfloat16: 1-8-7
  kF16,      // IEEE binary16: 1-5-10
  kFP8E4M3,  // float8 e4m3 (see docs/numerics.md for its inf/NaN/saturation rules)
  kFP8E5M2,  // float8 e5m2: IEEE-like, with inf and NaN
  kI32,      // two's complement int32 (iota, indices)
};

inline constexpr int dtype_size(DType t) {
  switch (t) {
    case DType::kF32: case DType::kI32: return 4;
    case DType::kBF16: case DType::kF16: return 2;
    case DType::kFP8E4M3: case DType::kFP8E5M2: return 1;
  }
  return 0;
}

inline constexpr bool is_float(DType t) { return t != DType::kI32; }
inline constexpr bool is_fp8(DType t) { return t == DType::kFP8E4M3 || t == DType::kFP8E5M2; }

// Canonical names: f32, bf16, f16, fp8e4m3, fp8e5m2, i32.
std::string_view dtype_name(DType t);
// Accepts the canonical names and common aliases (float32, bfloat16, fp16, float8_e4m3 ...).
std::optional<DType> parse_dtype(std::string_view name);

enum class Rounding : uint8_t { kNearestEven, kStochastic };

}  // namespace trnsim::numerics

// Conversions between fp32 and the chip's narrow formats, with round-to-nearest-even or
// stochastic rounding. Behaviour at the edges (overflow, inf, NaN, subnormals) is documented in
// docs/numerics.md and tested over every bit pattern in tests/numerics/.
//
// Stochastic rounding: `rbits` is 32 uniformly random bits supplied by the caller (so the caller
// owns the seeded RNG and results are reproducible). A value between two representable neighbours
// lo < x < hi rounds up with probability (x - lo) / (hi - lo).
#pragma once

#include <cstddef>
#include <cstdint>

#include "trnsim/base/rng.h"
#include "trnsim/numerics/dtype.h"

namespace trnsim::numerics {

uint16_t f32_to_bf16(float x, Rounding r = Rounding::kNearestEven, uint32_t rbits = 0);
float bf16_to_f32(uint16_t bits);
uint16_t f32_to_f16(float x, Rounding r = Rounding::kNearestEven, uint32_t rbits = 0);
float f16_to_f32(uint16_t bits);
uint8_t f32_to_fp8e4m3(float x, Rounding r = Rounding::kNearestEven, uint32_t rbits = 0);
float fp8e4m3_to_f32(uint8_t bits);
uint8_t f32_to_fp8e5m2(float x, Rounding r = Rounding::kNearestEven, uint32_t rbits = 0);
float fp8e5m2_to_f32(uint8_t bits);

// One element of type `t` at `p` (unaligned access is fine). i32 converts by value.
float load(DType t, const uint8_t* p);
void store(DType t, uint8_t* p, float v, Rounding r = Rounding::kNearestEven, uint32_t rbits = 0);

// Bulk forms for the simulator's hot paths: contiguous runs of `n` elements.
void load_f32(DType t, const uint8_t* src, float* dst, size_t n);
// `rng` is used only for stochastic rounding and may be null for nearest-even.
void store_f32(DType t, const float* src, uint8_t* dst, size_t n, Rounding r = Rounding::kNearestEven,
               Rng* rng = nullptr);

// Round a float to the nearest value representable in `t` (as fp32): store then load.
float quantize(DType t, float v);

}  // namespace trnsim::numerics

// Test helper: the four narrow formats as (reference spec, implementation) pairs, so one test body
// covers all of them.
#pragma once

#include <cstdint>

#include "fp_reference.h"
#include "trnsim/numerics/convert.h"

namespace trnsim::numerics::testref {

struct FormatUnderTest {
  Spec spec;
  DType dtype;
  uint32_t (*encode)(float, Rounding, uint32_t);
  float (*decode)(uint32_t);
};

inline const FormatUnderTest kFormats[] = {
    {kBf16, DType::kBF16, [](float x, Rounding r, uint32_t rb) -> uint32_t { return f32_to_bf16(x, r, rb); },
     [](uint32_t b) { return bf16_to_f32(static_cast<uint16_t>(b)); }},
    {kF16, DType::kF16, [](float x, Rounding r, uint32_t rb) -> uint32_t { return f32_to_f16(x, r, rb); },
     [](uint32_t b) { return f16_to_f32(static_cast<uint16_t>(b)); }},
    {kE4M3, DType::kFP8E4M3,
     [](float x, Rounding r, uint32_t rb) -> uint32_t { return f32_to_fp8e4m3(x, r, rb); },
     [](uint32_t b) { return fp8e4m3_to_f32(static_cast<uint8_t>(b)); }},
    {kE5M2, DType::kFP8E5M2,
     [](float x, Rounding r, uint32_t rb) -> uint32_t { return f32_to_fp8e5m2(x, r, rb); },
     [](uint32_t b) { return fp8e5m2_to_f32(static_cast<uint8_t>(b)); }},
};

}  // namespace trnsim::numerics::testref

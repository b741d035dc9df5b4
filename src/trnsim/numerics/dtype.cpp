#include "trnsim/numerics/dtype.h"

namespace trnsim::numerics {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kBF16: return "bf16";
    case DType::kF16: return "f16";
    case DType::kFP8E4M3: return "fp8e4m3";
    case DType::kFP8E5M2: return "fp8e5m2";
    case DType::kI32: return "i32";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view n) {
  if (n == "f32" || n == "fp32" || n == "float32") return DType::kF32;
  if (n == "bf16" || n == "bfloat16") return DType::kBF16;
  if (n == "f16" || n == "fp16" || n == "float16") return DType::kF16;
  if (n == "fp8e4m3" || n == "fp8" || n == "float8_e4m3" || n == "e4m3") return DType::kFP8E4M3;
  if (n == "fp8e5m2" || n == "float8_e5m2" || n == "e5m2") return DType::kFP8E5M2;
  if (n == "i32" || n == "int32") return DType::kI32;
  return std::nullopt;
}

}  // namespace trnsim::numerics

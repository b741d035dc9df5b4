// Scalar-engine activation: dst = f(src * scale + bias), optionally with the per-partition sum.
#include <cmath>

#include "trnsim/core/functional_ap.h"

namespace trnsim::core::detail {
namespace {

float apply(isa::ActFunc f, float x) {
  using isa::ActFunc;
  switch (f) {
    case ActFunc::kIdentity:
    case ActFunc::kCopy: return x;
    case ActFunc::kExp: return std::exp(x);
    case ActFunc::kGeluTanh: {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const float k = 0.7978845608028654f;
      return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
    }
    case ActFunc::kGeluErf: return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f));
    case ActFunc::kSilu: return x / (1.0f + std::exp(-x));
    case ActFunc::kRelu: return x > 0.0f ? x : 0.0f;
    case ActFunc::kTanh: return std::tanh(x);
    case ActFunc::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case ActFunc::kRsqrt: return 1.0f / std::sqrt(x);
    case ActFunc::kSqrt: return std::sqrt(x);
    case ActFunc::kSquare: return x * x;
    case ActFunc::kReciprocal: return 1.0f / x;
    case ActFunc::kLog: return std::log(x);
    case ActFunc::kAbs: return std::fabs(x);
  }
  return x;
}

}  // namespace

// activation_reduce sums the fp32 results, before they are rounded to the dst dtype (the engine
// accumulates internally in fp32), and rounds the sums when writing reduce_dst.
void exec_activation(const isa::Activation& in, CoreState& s) {
  const int64_t rows = in.src.partitions, cols = in.src.free_elems();
  std::vector<float> v = read_tile(in.src, s);
  const std::vector<float> scale = read_scalar(in.scale, rows, s);
  std::vector<float> bias(static_cast<size_t>(rows), 0.0f);
  if (in.bias) {
    isa::ScalarOperand b{true, 0.0f, *in.bias};
    bias = read_scalar(b, rows, s);
  }
  std::vector<float> sums(static_cast<size_t>(rows), 0.0f);
  for (int64_t p = 0; p < rows; ++p) {
    float* row = v.data() + p * cols;
    float acc = 0.0f;
    for (int64_t i = 0; i < cols; ++i) {
      row[i] = apply(in.func, row[i] * scale[p] + bias[p]);
      acc += row[i];
    }
    sums[p] = acc;
  }
  write_tile(in.dst, s, v.data());
  if (in.reduce_dst) write_tile(*in.reduce_dst, s, sums.data());
}

}  // namespace trnsim::core::detail

// Activation and Vector-engine ALU instructions against fp32 references computed here.
// Tolerances: exact where the op is one IEEE operation followed by a single rounding; 2e-6
// relative for transcendental functions (libm vs the reference formula).
#include <cmath>

#include <gtest/gtest.h>

#include "functional_test_util.h"

namespace trnsim::core::testing {
namespace {

using isa::ActFunc;
using isa::AluOp;

double act_ref(ActFunc f, double x) {
  switch (f) {
    case ActFunc::kIdentity: case ActFunc::kCopy: return x;
    case ActFunc::kExp: return std::exp(x);
    case ActFunc::kGeluTanh: return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case ActFunc::kGeluErf: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case ActFunc::kSilu: return x / (1 + std::exp(-x));
    case ActFunc::kRelu: return x > 0 ? x : 0;
    case ActFunc::kTanh: return std::tanh(x);
    case ActFunc::kSigmoid: return 1 / (1 + std::exp(-x));
    case ActFunc::kRsqrt: return 1 / std::sqrt(x);
    case ActFunc::kSqrt: return std::sqrt(x);
    case ActFunc::kSquare: return x * x;
    case ActFunc::kReciprocal: return 1 / x;
    case ActFunc::kLog: return std::log(x);
    case ActFunc::kAbs: return std::fabs(x);
  }
  return 0;
}

TEST(FunctionalActivation, EveryFunctionWithPerPartitionScaleAndBias) {
  const ActFunc all[] = {ActFunc::kIdentity, ActFunc::kCopy, ActFunc::kExp, ActFunc::kGeluTanh,
                         ActFunc::kGeluErf, ActFunc::kSilu, ActFunc::kRelu, ActFunc::kTanh,
                         ActFunc::kSigmoid, ActFunc::kRsqrt, ActFunc::kSqrt, ActFunc::kSquare,
                         ActFunc::kReciprocal, ActFunc::kLog, ActFunc::kAbs};
  for (ActFunc f : all) {
    Core c;
    const bool positive = f == ActFunc::kRsqrt || f == ActFunc::kSqrt || f == ActFunc::kLog;
    const auto src = sb(DType::kF32, 0, 4, 0, 16);
    const auto x = ramp(64, 12, positive ? 0.5f : -3.0f, 3.0f);
    c.set(src, x);
    const auto scale = sb(DType::kF32, 0, 4, 512, 1), bias = sb(DType::kF32, 0, 4, 520, 1);
    const std::vector<float> sv = {1.0f, 0.5f, 2.0f, 0.25f}, bv = {0.0f, 0.25f, 0.5f, 1.0f};
    c.set(scale, sv);
    c.set(bias, bv);
    isa::Activation a;
    a.dst = sb(DType::kF32, 0, 4, 1024, 16);
    a.src = src;
    a.func = f;
    a.scale = isa::ScalarOperand{true, 0.0f, scale};
    a.bias = bias;
    a.reduce_dst = sb(DType::kF32, 0, 4, 2048, 1);
    c.run(a);
    const auto got = c.get(a.dst), sums = c.get(*a.reduce_dst);
    for (int p = 0; p < 4; ++p) {
      double sum = 0;
      for (int i = 0; i < 16; ++i) {
        const double want = act_ref(f, static_cast<double>(x[p * 16 + i] * sv[p] + bv[p]));
        sum += want;
        ASSERT_NEAR(got[p * 16 + i], want, 2e-6 * std::fabs(want) + 1e-7) << isa::act_func_name(f);
      }
      EXPECT_NEAR(sums[p], sum, 1e-5 * (std::fabs(sum) + 16)) << isa::act_func_name(f);
    }
  }
}

TEST(FunctionalActivation, ImmediateScaleAndBf16Output) {
  Core c;
  const auto src = sb(DType::kBF16, 0, 2, 0, 8);
  const auto x = quantized(DType::kBF16, ramp(16, 13));
  c.set(src, x);
  isa::Activation a;
  a.dst = sb(DType::kBF16, 0, 2, 256, 8);
  a.src = src;
  a.func = ActFunc::kExp;
  a.scale = isa::ScalarOperand{false, 0.3f, {}};
  c.run(a);
  const auto got = c.get(a.dst);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(got[i], numerics::quantize(DType::kBF16, std::exp(x[i] * 0.3f)));
}

TEST(FunctionalAlu, TensorTensorEveryOp) {
  const AluOp ops[] = {AluOp::kBypass, AluOp::kAdd, AluOp::kSubtract, AluOp::kMultiply, AluOp::kDivide,
                       AluOp::kMax, AluOp::kMin, AluOp::kPow, AluOp::kAbsMax, AluOp::kIsEqual,
                       AluOp::kNotEqual, AluOp::kIsGe, AluOp::kIsGt, AluOp::kIsLe, AluOp::kIsLt};
  const std::vector<float> a = {1.5f, -2.0f, 3.0f, 0.5f, 2.0f, 2.0f};
  const std::vector<float> b = {2.0f, 3.0f, -4.0f, 0.5f, 3.0f, 2.0f};
  for (AluOp op : ops) {
    Core c;
    const auto ta = sb(DType::kF32, 0, 2, 0, 3), tb = ps(DType::kF32, 0, 2, 0, 3);
    c.set(ta, a);
    c.set(tb, b);
    const auto dst = sb(DType::kF32, 0, 2, 64, 3);
    c.run(isa::TensorTensor{dst, ta, tb, op});
    const auto got = c.get(dst);
    for (int i = 0; i < 6; ++i) {
      float want = 0;
      switch (op) {
        case AluOp::kBypass: want = a[i]; break;
        case AluOp::kAdd: want = a[i] + b[i]; break;
        case AluOp::kSubtract: want = a[i] - b[i]; break;
        case AluOp::kMultiply: want = a[i] * b[i]; break;
        case AluOp::kDivide: want = a[i] / b[i]; break;
        case AluOp::kMax: want = std::max(a[i], b[i]); break;
        case AluOp::kMin: want = std::min(a[i], b[i]); break;
        case AluOp::kPow: want = std::pow(a[i], b[i]); break;
        case AluOp::kAbsMax: want = std::max(std::fabs(a[i]), std::fabs(b[i])); break;
        case AluOp::kIsEqual: want = a[i] == b[i]; break;
        case AluOp::kNotEqual: want = a[i] != b[i]; break;
        case AluOp::kIsGe: want = a[i] >= b[i]; break;
        case AluOp::kIsGt: want = a[i] > b[i]; break;
        case AluOp::kIsLe: want = a[i] <= b[i]; break;
        case AluOp::kIsLt: want = a[i] < b[i]; break;
      }
      EXPECT_EQ(got[i], want) << isa::alu_op_name(op) << " element " << i;
    }
  }
}

TEST(FunctionalAlu, TensorScalarTwoOpsPerPartitionAndImmediate) {
  Core c;
  const auto src = sb(DType::kBF16, 0, 3, 0, 5);
  const auto x = quantized(DType::kBF16, ramp(15, 14, -4.0f, 4.0f));
  c.set(src, x);
  const auto col = sb(DType::kF32, 0, 3, 100, 1);
  c.set(col, {1.0f, -2.0f, 0.5f});
  const auto dst = sb(DType::kBF16, 0, 3, 200, 5);
  c.run(isa::TensorScalar{dst, src, AluOp::kSubtract, isa::ScalarOperand{true, 0, col}, AluOp::kMax,
                          isa::ScalarOperand{false, 0.25f, {}}});
  const auto got = c.get(dst);
  const float s0[3] = {1.0f, -2.0f, 0.5f};
  for (int p = 0; p < 3; ++p)
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(got[p * 5 + i], numerics::quantize(DType::kBF16, std::max(x[p * 5 + i] - s0[p], 0.25f)));
}

TEST(FunctionalAlu, ScalarTensorTensor) {
  Core c;
  const auto a = sb(DType::kF32, 0, 2, 0, 4), b = sb(DType::kF32, 0, 2, 64, 4);
  const auto av = ramp(8, 15), bv = ramp(8, 16);
  c.set(a, av);
  c.set(b, bv);
  const auto dst = sb(DType::kF32, 0, 2, 128, 4);
  c.run(isa::ScalarTensorTensor{dst, a, b, AluOp::kMultiply, isa::ScalarOperand{false, 3.0f, {}}, AluOp::kAdd});
  const auto got = c.get(dst);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], av[i] * 3.0f + bv[i]);
}

TEST(FunctionalAlu, TensorReduceOpsAndNegate) {
  Core c;
  AccessPattern src = sb(DType::kF32, 0, 2, 0, 1);
  src.num_free = 2;
  src.free = {isa::FreeDim{2, 4}, isa::FreeDim{3, 1}, isa::FreeDim{}, isa::FreeDim{}};  // skips cols 3
  c.set(sb(DType::kF32, 0, 2, 0, 8), {1, -5, 2, 99, 3, 4, 0.5f, 99, -1, 2, 3, 99, 4, -6, 1, 99});
  const auto dst = sb(DType::kF32, 0, 2, 256, 1);
  auto reduce = [&](AluOp op, bool neg) {
    c.run(isa::TensorReduce{dst, src, op, neg});
    return c.get(dst);
  };
  EXPECT_EQ(reduce(AluOp::kAdd, false), (std::vector<float>{5.5f, 3.0f}));
  EXPECT_EQ(reduce(AluOp::kMax, false), (std::vector<float>{4.0f, 4.0f}));
  EXPECT_EQ(reduce(AluOp::kMin, true), (std::vector<float>{5.0f, 6.0f}));
  EXPECT_EQ(reduce(AluOp::kMultiply, false), (std::vector<float>{-60.0f, 144.0f}));
  EXPECT_EQ(reduce(AluOp::kAbsMax, false), (std::vector<float>{5.0f, 6.0f}));
}

TEST(FunctionalAlu, Reciprocal) {
  Core c;
  const auto src = sb(DType::kF32, 0, 2, 0, 3);
  c.set(src, {2.0f, -4.0f, 3.0f, 0.5f, 10.0f, 0.0f});
  const auto dst = sb(DType::kBF16, 0, 2, 64, 3);
  c.run(isa::Reciprocal{dst, src});
  const auto got = c.get(dst);
  EXPECT_EQ(got[0], 0.5f);
  EXPECT_EQ(got[1], -0.25f);
  EXPECT_EQ(got[2], numerics::quantize(DType::kBF16, 1.0f / 3.0f));
  EXPECT_TRUE(std::isinf(got[5]));
}

}  // namespace
}  // namespace trnsim::core::testing

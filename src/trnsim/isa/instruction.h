// The NeuronCore-class instruction set: one struct per instruction, held in a std::variant.
// Semantics and text syntax are documented in docs/isa.md; the verifier (isa/verifier.h) enforces
// the rules there. Each instruction runs on one engine (or DMA queue) and may wait on semaphores
// before it starts and increment one when it completes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "trnsim/isa/access_pattern.h"

namespace trnsim::isa {

enum class EngineKind : uint8_t { kTensor, kVector, kScalar, kGpSimd, kDma };
inline constexpr int kNumComputeEngines = 4;

// Where an instruction runs: a compute engine, or DMA queue `queue` of the core.
struct EngineId {
  EngineKind kind = EngineKind::kVector;
  int32_t queue = 0;  // DMA only
  bool operator==(const EngineId&) const = default;
};

enum class ActFunc : uint8_t {
  kIdentity, kCopy, kExp, kGeluTanh, kGeluErf, kSilu, kRelu, kTanh, kSigmoid, kRsqrt, kSqrt,
  kSquare, kReciprocal, kLog, kAbs,
};

// Element-wise ALU operations of Vector / Scalar / GpSimd. Comparisons give 1.0 or 0.0.
enum class AluOp : uint8_t {
  kBypass, kAdd, kSubtract, kMultiply, kDivide, kMax, kMin, kPow, kAbsMax,
  kIsEqual, kNotEqual, kIsGe, kIsGt, kIsLe, kIsLt,
};

// A scalar operand: an immediate, or a per-partition column ([P, 1] access pattern).
struct ScalarOperand {
  bool is_ap = false;
  float imm = 0.0f;
  AccessPattern ap{};
  bool operator==(const ScalarOperand&) const = default;
};

// index value of element (p, i0..i3) = base + channel_multiplier * p + sum(coef[k] * i_k)
struct AffineExpr {
  int64_t base = 0;
  int64_t channel_multiplier = 0;
  std::array<int64_t, kMaxFreeDims> coef{};
  bool operator==(const AffineExpr&) const = default;
};

struct DmaCopy { AccessPattern dst, src; };              // copy with cast when dtypes differ
struct DmaTranspose { AccessPattern dst, src; };         // dst[j, i] = src[i, j] (2-D)
struct Matmul {                                          // dst[M,N] (+)= stationary[K,M]^T @ moving[K,N]
  AccessPattern dst, stationary, moving;
  bool accumulate = false;  // false: overwrite the PSUM tile (start of a group); true: add to it
  // fp8 double-row mode: each partition holds two K rows, so K = 2 x partitions. The stationary's
  // free pattern is [2, M] and the moving's [2, N] (row pair outermost): element (p, r, i) is
  // K index r * partitions + p.
  bool double_row = false;
};
struct Transpose { AccessPattern dst, src; };            // nc_transpose on Tensor (via PSUM) or Vector
struct Activation {                                      // dst = f(src * scale + bias)
  AccessPattern dst, src;
  ActFunc func = ActFunc::kIdentity;
  ScalarOperand scale{false, 1.0f, {}};
  std::optional<AccessPattern> bias;                     // per-partition [P, 1]
  std::optional<AccessPattern> reduce_dst;               // activation_reduce: per-partition sum of dst
};
struct TensorTensor { AccessPattern dst, a, b; AluOp op = AluOp::kAdd; };
struct TensorScalar {                                    // dst = (src op0 s0) op1 s1
  AccessPattern dst, src;
  AluOp op0 = AluOp::kMultiply;
  ScalarOperand s0;
  AluOp op1 = AluOp::kBypass;
  ScalarOperand s1;
};
struct ScalarTensorTensor {                              // dst = (a op0 scalar) op1 b
  AccessPattern dst, a, b;
  AluOp op0 = AluOp::kMultiply;
  ScalarOperand scalar;
  AluOp op1 = AluOp::kAdd;
};
struct TensorReduce {                                    // dst[p] = reduce over all free elements
  AccessPattern dst, src;
  AluOp op = AluOp::kAdd;
  bool negate = false;
};
struct TensorCopy { AccessPattern dst, src; };
struct Memset { AccessPattern dst; float value = 0.0f; };
struct Iota { AccessPattern dst; AffineExpr expr; };
struct AffineSelect {                                    // dst = expr(p, i) cmp 0 ? src : fill
  AccessPattern dst, src;
  AffineExpr expr;
  AluOp cmp = AluOp::kIsGe;
  float fill = 0.0f;
};
struct BnStats { AccessPattern dst, src; };              // dst[p] = {count, mean, M2} of src[p, :]
struct BnAggr { AccessPattern dst, src; };               // src[p] = k groups of 3 -> dst[p] = {mean, var}
struct Reciprocal { AccessPattern dst, src; };
struct Random { AccessPattern dst; };                    // uniform [0, 1)
struct Dropout { AccessPattern dst, src; float prob = 0.0f; };
struct SemSignal { int32_t sem = 0; int32_t add = 1; };
struct SemWait { int32_t sem = 0; int64_t value = 0; };
struct Barrier {};                                       // every engine and queue of the core meets here

using Body = std::variant<DmaCopy, DmaTranspose, Matmul, Transpose, Activation, TensorTensor,
                          TensorScalar, ScalarTensorTensor, TensorReduce, TensorCopy, Memset, Iota,
                          AffineSelect, BnStats, BnAggr, Reciprocal, Random, Dropout, SemSignal,
                          SemWait, Barrier>;

struct Wait {
  int32_t sem = 0;
  int64_t value = 0;  // start only when the semaphore's count is >= value
  bool operator==(const Wait&) const = default;
};

struct Instruction {
  EngineId engine;
  Body body;
  std::vector<Wait> waits;  // all must hold before the instruction starts
  int32_t signal = -1;      // semaphore incremented by 1 on completion, or -1
  int32_t line = 0;         // source line in assembly (0 if built in code)
};

// The text mnemonic of an instruction (activation_reduce for an Activation with reduce_dst).
std::string_view mnemonic(const Instruction& inst);
std::string_view engine_name(EngineKind k);
std::string_view act_func_name(ActFunc f);
std::string_view alu_op_name(AluOp op);
std::optional<ActFunc> parse_act_func(std::string_view s);
std::optional<AluOp> parse_alu_op(std::string_view s);

}  // namespace trnsim::isa

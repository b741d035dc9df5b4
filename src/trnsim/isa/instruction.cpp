#include "trnsim/isa/instruction.h"

#include <array>

namespace trnsim::isa {
namespace {

constexpr std::array<std::string_view, 15> kActNames = {
    "identity", "copy", "exp", "gelu_tanh", "gelu_erf", "silu", "relu", "tanh",
    "sigmoid", "rsqrt", "sqrt", "square", "reciprocal", "log", "abs"};
constexpr std::array<std::string_view, 15> kAluNames = {
    "bypass", "add", "subtract", "multiply", "divide", "max", "min", "pow", "abs_max",
    "is_equal", "not_equal", "is_ge", "is_gt", "is_le", "is_lt"};

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace

std::string_view mnemonic(const Instruction& inst) {
  return std::visit(
      Overloaded{
          [](const DmaCopy&) -> std::string_view { return "dma_copy"; },
          [](const DmaTranspose&) -> std::string_view { return "dma_transpose"; },
          [](const Matmul&) -> std::string_view { return "nc_matmul"; },
          [](const Transpose&) -> std::string_view { return "nc_transpose"; },
          [](const Activation& a) -> std::string_view {
            return a.reduce_dst ? "activation_reduce" : "activation";
          },
          [](const TensorTensor&) -> std::string_view { return "tensor_tensor"; },
          [](const TensorScalar&) -> std::string_view { return "tensor_scalar"; },
          [](const ScalarTensorTensor&) -> std::string_view { return "scalar_tensor_tensor"; },
          [](const TensorReduce&) -> std::string_view { return "tensor_reduce"; },
          [](const TensorCopy&) -> std::string_view { return "tensor_copy"; },
          [](const Memset&) -> std::string_view { return "memset"; },
          [](const Iota&) -> std::string_view { return "iota"; },
          [](const AffineSelect&) -> std::string_view { return "affine_select"; },
          [](const BnStats&) -> std::string_view { return "bn_stats"; },
          [](const BnAggr&) -> std::string_view { return "bn_aggr"; },
          [](const Reciprocal&) -> std::string_view { return "reciprocal"; },
          [](const Random&) -> std::string_view { return "random"; },
          [](const Dropout&) -> std::string_view { return "dropout"; },
          [](const SemSignal&) -> std::string_view { return "sem_signal"; },
          [](const SemWait&) -> std::string_view { return "sem_wait"; },
          [](const Barrier&) -> std::string_view { return "barrier"; },
      },
      inst.body);
}

std::string_view engine_name(EngineKind k) {
  switch (k) {
    case EngineKind::kTensor: return "tensor";
    case EngineKind::kVector: return "vector";
    case EngineKind::kScalar: return "scalar";
    case EngineKind::kGpSimd: return "gpsimd";
    case EngineKind::kDma: return "dma";
  }
  return "?";
}

std::string_view act_func_name(ActFunc f) { return kActNames[static_cast<size_t>(f)]; }
std::string_view alu_op_name(AluOp op) { return kAluNames[static_cast<size_t>(op)]; }

std::optional<ActFunc> parse_act_func(std::string_view s) {
  for (size_t i = 0; i < kActNames.size(); ++i) {
    if (kActNames[i] == s) return static_cast<ActFunc>(i);
  }
  return std::nullopt;
}

std::optional<AluOp> parse_alu_op(std::string_view s) {
  for (size_t i = 0; i < kAluNames.size(); ++i) {
    if (kAluNames[i] == s) return static_cast<AluOp>(i);
  }
  return std::nullopt;
}

}  // namespace trnsim::isa

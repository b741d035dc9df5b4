// Dispatch of functional execution and the access-pattern walking every family shares.
#include "trnsim/core/functional.h"

#include <cmath>
#include <type_traits>
#include <variant>

#include "trnsim/core/functional_ap.h"
#include "trnsim/numerics/convert.h"

namespace trnsim::core {
namespace detail {

uint8_t* row_base(const AccessPattern& ap, CoreState& state, int64_t p) {
  switch (ap.space) {
    case isa::MemSpace::kSbuf:
      return state.sbuf.at(ap.partition_start + static_cast<int>(p), ap.offset);
    case isa::MemSpace::kPsum:
      return state.psum.at(ap.partition_start + static_cast<int>(p), ap.offset);
    case isa::MemSpace::kHbm:
      break;
  }
  return state.hbm.bytes(ap.tensor).data() + ap.offset +
         p * ap.partition_stride * numerics::dtype_size(ap.dtype);
}

void read_row(const AccessPattern& ap, CoreState& state, int64_t p, float* out) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  for_each_run(ap, state, p, [&](const uint8_t* ptr, int64_t n, int64_t stride) {
    if (stride == es) {
      numerics::load_f32(ap.dtype, ptr, out, static_cast<size_t>(n));
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = numerics::load(ap.dtype, ptr + i * stride);
    }
    out += n;
  });
}

void write_row(const AccessPattern& ap, CoreState& state, int64_t p, const float* in) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  const bool sr = state.rounding == numerics::Rounding::kStochastic;
  for_each_run(ap, state, p, [&](uint8_t* ptr, int64_t n, int64_t stride) {
    if (stride == es) {
      numerics::store_f32(ap.dtype, in, ptr, static_cast<size_t>(n), state.rounding,
                          sr ? &state.rng : nullptr);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        numerics::store(ap.dtype, ptr + i * stride, in[i], state.rounding,
                        sr ? state.rng.next_u32() : 0u);
      }
    }
    in += n;
  });
}

std::vector<float> read_tile(const AccessPattern& ap, CoreState& state) {
  const int64_t f = ap.free_elems();
  std::vector<float> out(static_cast<size_t>(f * ap.partitions));
  for (int64_t p = 0; p < ap.partitions; ++p) read_row(ap, state, p, out.data() + p * f);
  return out;
}

void write_tile(const AccessPattern& ap, CoreState& state, const float* in) {
  const int64_t f = ap.free_elems();
  for (int64_t p = 0; p < ap.partitions; ++p) write_row(ap, state, p, in + p * f);
}

std::vector<float> read_scalar(const isa::ScalarOperand& s, int64_t partitions, CoreState& state) {
  if (!s.is_ap) return std::vector<float>(static_cast<size_t>(partitions), s.imm);
  std::vector<float> col(static_cast<size_t>(partitions));
  // A [P, 1] column: the first element of each row.
  std::vector<float> row(static_cast<size_t>(s.ap.free_elems()));
  for (int64_t p = 0; p < partitions; ++p) {
    read_row(s.ap, state, p, row.data());
    col[p] = row[0];
  }
  return col;
}

std::vector<int64_t> free_indices(const AccessPattern& ap) {
  const int64_t n = ap.free_elems();
  std::vector<int64_t> idx(static_cast<size_t>(n * isa::kMaxFreeDims), 0);
  std::array<int64_t, isa::kMaxFreeDims> i{};
  for (int64_t e = 0; e < n; ++e) {
    for (int k = 0; k < ap.num_free; ++k) idx[e * isa::kMaxFreeDims + k] = i[k];
    for (int k = ap.num_free - 1; k >= 0; --k) {  // odometer increment, innermost first
      if (++i[k] < ap.free[k].size) break;
      i[k] = 0;
    }
  }
  return idx;
}

float alu(isa::AluOp op, float a, float b) {
  using isa::AluOp;
  switch (op) {
    case AluOp::kBypass: return a;
    case AluOp::kAdd: return a + b;
    case AluOp::kSubtract: return a - b;
    case AluOp::kMultiply: return a * b;
    case AluOp::kDivide: return a / b;
    case AluOp::kMax: return std::fmax(a, b);
    case AluOp::kMin: return std::fmin(a, b);
    case AluOp::kPow: return std::pow(a, b);
    case AluOp::kAbsMax: return std::fmax(std::fabs(a), std::fabs(b));
    case AluOp::kIsEqual: return a == b ? 1.0f : 0.0f;
    case AluOp::kNotEqual: return a != b ? 1.0f : 0.0f;
    case AluOp::kIsGe: return a >= b ? 1.0f : 0.0f;
    case AluOp::kIsGt: return a > b ? 1.0f : 0.0f;
    case AluOp::kIsLe: return a <= b ? 1.0f : 0.0f;
    case AluOp::kIsLt: return a < b ? 1.0f : 0.0f;
  }
  return a;
}

}  // namespace detail

void execute(const isa::Instruction& inst, CoreState& state) {
  using namespace detail;
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, isa::DmaCopy>) exec_dma_copy(b, state);
        else if constexpr (std::is_same_v<T, isa::DmaTranspose>) exec_transpose(b.dst, b.src, state);
        else if constexpr (std::is_same_v<T, isa::Matmul>) exec_matmul(b, state);
        else if constexpr (std::is_same_v<T, isa::Transpose>) exec_transpose(b.dst, b.src, state);
        else if constexpr (std::is_same_v<T, isa::Activation>) exec_activation(b, state);
        else if constexpr (std::is_same_v<T, isa::TensorTensor>) exec_tensor_tensor(b, state);
        else if constexpr (std::is_same_v<T, isa::TensorScalar>) exec_tensor_scalar(b, state);
        else if constexpr (std::is_same_v<T, isa::ScalarTensorTensor>) exec_scalar_tensor_tensor(b, state);
        else if constexpr (std::is_same_v<T, isa::TensorReduce>) exec_tensor_reduce(b, state);
        else if constexpr (std::is_same_v<T, isa::TensorCopy>) exec_tensor_copy(b, state);
        else if constexpr (std::is_same_v<T, isa::Memset>) exec_memset(b, state);
        else if constexpr (std::is_same_v<T, isa::Iota>) exec_iota(b, state);
        else if constexpr (std::is_same_v<T, isa::AffineSelect>) exec_affine_select(b, state);
        else if constexpr (std::is_same_v<T, isa::BnStats>) exec_bn_stats(b, state);
        else if constexpr (std::is_same_v<T, isa::BnAggr>) exec_bn_aggr(b, state);
        else if constexpr (std::is_same_v<T, isa::Reciprocal>) exec_reciprocal(b, state);
        else if constexpr (std::is_same_v<T, isa::Random>) exec_random(b, state);
        else if constexpr (std::is_same_v<T, isa::Dropout>) exec_dropout(b, state);
        // SemSignal, SemWait, Barrier: ordering only, no data effect.
      },
      inst.body);
}

}  // namespace trnsim::core

// Internal to core/functional*.cpp: walking access patterns, and the per-family entry points.
//
// Every instruction works on "tiles": an access pattern read into (or written from) a row-major
// fp32 matrix of partitions x free_elems. Reading converts from the pattern's dtype; writing
// rounds to it with the state's rounding mode (stochastic rounding draws 32 bits per element from
// state.rng, in row-major element order, so results are reproducible for a given seed).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "trnsim/core/functional.h"
#include "trnsim/isa/instruction.h"

namespace trnsim::core::detail {

using isa::AccessPattern;

// Base address of row `p` (0-based within the pattern) of `ap`.
uint8_t* row_base(const AccessPattern& ap, CoreState& state, int64_t p);

// Calls fn(ptr, n, byte_stride) for each innermost run of row `p`, in element order. When the
// whole free pattern is dense the row is one run with byte_stride == element size.
template <class Fn>
void for_each_run(const AccessPattern& ap, CoreState& state, int64_t p, Fn&& fn) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  uint8_t* base = row_base(ap, state, p);
  if (ap.contiguous()) {
    fn(base, ap.free_elems(), es);
    return;
  }
  // Pad to 4 dims (outer dims of size 1) so one nested loop covers every pattern.
  std::array<isa::FreeDim, isa::kMaxFreeDims> d{};
  const int pad = isa::kMaxFreeDims - ap.num_free;
  for (int i = 0; i < ap.num_free; ++i) d[pad + i] = ap.free[i];
  const int64_t inner_stride = d[3].stride * es;
  for (int64_t i0 = 0; i0 < d[0].size; ++i0) {
    for (int64_t i1 = 0; i1 < d[1].size; ++i1) {
      for (int64_t i2 = 0; i2 < d[2].size; ++i2) {
        const int64_t off = (i0 * d[0].stride + i1 * d[1].stride + i2 * d[2].stride) * es;
        fn(base + off, d[3].size, inner_stride);
      }
    }
  }
}

// Row `p` of `ap` as fp32 into out[0 .. free_elems).
void read_row(const AccessPattern& ap, CoreState& state, int64_t p, float* out);
// Rounds in[0 .. free_elems) to the dtype of `ap` and stores it as row `p`.
void write_row(const AccessPattern& ap, CoreState& state, int64_t p, const float* in);

// The whole pattern as a row-major partitions x free_elems matrix.
std::vector<float> read_tile(const AccessPattern& ap, CoreState& state);
void write_tile(const AccessPattern& ap, CoreState& state, const float* in);

// A scalar operand resolved per partition: the immediate repeated, or the [P, 1] column.
std::vector<float> read_scalar(const isa::ScalarOperand& s, int64_t partitions, CoreState& state);

// Free-axis multi-index of every element of `ap` in element order (for iota / affine_select):
// returns idx[e * 4 + k] = index along dimension k (dimension 0 outermost, unused dims 0).
std::vector<int64_t> free_indices(const AccessPattern& ap);

// ALU semantics shared by the vector-engine families (comparisons give 1.0 / 0.0).
float alu(isa::AluOp op, float a, float b);

// Instruction families, one file each.
void exec_dma_copy(const isa::DmaCopy& in, CoreState& s);
void exec_transpose(const AccessPattern& dst, const AccessPattern& src, CoreState& s);
void exec_matmul(const isa::Matmul& in, CoreState& s);
void exec_activation(const isa::Activation& in, CoreState& s);
void exec_tensor_tensor(const isa::TensorTensor& in, CoreState& s);
void exec_tensor_scalar(const isa::TensorScalar& in, CoreState& s);
void exec_scalar_tensor_tensor(const isa::ScalarTensorTensor& in, CoreState& s);
void exec_tensor_reduce(const isa::TensorReduce& in, CoreState& s);
void exec_tensor_copy(const isa::TensorCopy& in, CoreState& s);
void exec_memset(const isa::Memset& in, CoreState& s);
void exec_iota(const isa::Iota& in, CoreState& s);
void exec_affine_select(const isa::AffineSelect& in, CoreState& s);
void exec_reciprocal(const isa::Reciprocal& in, CoreState& s);
void exec_bn_stats(const isa::BnStats& in, CoreState& s);
void exec_bn_aggr(const isa::BnAggr& in, CoreState& s);
void exec_random(const isa::Random& in, CoreState& s);
void exec_dropout(const isa::Dropout& in, CoreState& s);

}  // namespace trnsim::core::detail

// Index-driven GpSimd instructions: iota and affine_select. The partition index p of an affine
// expression is the row within the access pattern (0 at partition_start), and the free indices
// are the multi-index i0..i3 of the pattern's free dimensions (dimension 0 outermost).
#include <cstring>
#include <limits>

#include "trnsim/core/functional_ap.h"

namespace trnsim::core::detail {
namespace {

// Evaluates `e` for row p and every element of the free pattern of `ap`, in element order.
std::vector<int64_t> affine_values(const isa::AffineExpr& e, const AccessPattern& ap, int64_t p,
                                   const std::vector<int64_t>& idx) {
  const int64_t n = ap.free_elems();
  std::vector<int64_t> out(static_cast<size_t>(n));
  const int64_t row = e.base + e.channel_multiplier * p;
  for (int64_t j = 0; j < n; ++j) {
    int64_t v = row;
    for (int k = 0; k < isa::kMaxFreeDims; ++k) v += e.coef[k] * idx[j * isa::kMaxFreeDims + k];
    out[j] = v;
  }
  return out;
}

bool compare(isa::AluOp op, int64_t v) {
  using isa::AluOp;
  switch (op) {
    case AluOp::kIsEqual: return v == 0;
    case AluOp::kNotEqual: return v != 0;
    case AluOp::kIsGe: return v >= 0;
    case AluOp::kIsGt: return v > 0;
    case AluOp::kIsLe: return v <= 0;
    case AluOp::kIsLt: return v < 0;
    default: return alu(op, static_cast<float>(v), 0.0f) != 0.0f;
  }
}

// i32 destinations get the exact integer (saturated to int32), not a value rounded through fp32.
void write_i32_row(const AccessPattern& ap, CoreState& s, int64_t p, const std::vector<int64_t>& v) {
  size_t j = 0;
  for_each_run(ap, s, p, [&](uint8_t* ptr, int64_t n, int64_t stride) {
    for (int64_t i = 0; i < n; ++i, ++j) {
      const int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
      const int32_t x = static_cast<int32_t>(v[j] < lo ? lo : (v[j] > hi ? hi : v[j]));
      std::memcpy(ptr + i * stride, &x, sizeof x);
    }
  });
}

}  // namespace

void exec_iota(const isa::Iota& in, CoreState& s) {
  const std::vector<int64_t> idx = free_indices(in.dst);
  std::vector<float> row(static_cast<size_t>(in.dst.free_elems()));
  for (int64_t p = 0; p < in.dst.partitions; ++p) {
    const std::vector<int64_t> v = affine_values(in.expr, in.dst, p, idx);
    if (in.dst.dtype == numerics::DType::kI32) {
      write_i32_row(in.dst, s, p, v);
      continue;
    }
    for (size_t j = 0; j < v.size(); ++j) row[j] = static_cast<float>(v[j]);
    write_row(in.dst, s, p, row.data());
  }
}

void exec_affine_select(const isa::AffineSelect& in, CoreState& s) {
  const int64_t cols = in.src.free_elems();
  std::vector<float> v = read_tile(in.src, s);
  const std::vector<int64_t> idx = free_indices(in.dst);
  for (int64_t p = 0; p < in.src.partitions; ++p) {
    const std::vector<int64_t> e = affine_values(in.expr, in.dst, p, idx);
    float* row = v.data() + p * cols;
    for (int64_t j = 0; j < cols; ++j) {
      if (!compare(in.cmp, e[j])) row[j] = in.fill;
    }
  }
  write_tile(in.dst, s, v.data());
}

}  // namespace trnsim::core::detail

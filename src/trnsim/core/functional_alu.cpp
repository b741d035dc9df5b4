// Vector / GpSimd element-wise and reduction instructions: tensor_tensor, tensor_scalar,
// scalar_tensor_tensor, tensor_reduce, reciprocal, memset. All compute in fp32 and round once,
// on the write to the destination. Whole source tiles are read before the destination is written,
// so a destination may overlap its sources.
#include <cmath>

#include "trnsim/core/functional_ap.h"

namespace trnsim::core::detail {

void exec_tensor_tensor(const isa::TensorTensor& in, CoreState& s) {
  std::vector<float> a = read_tile(in.a, s);
  const std::vector<float> b = read_tile(in.b, s);
  for (size_t i = 0; i < a.size(); ++i) a[i] = alu(in.op, a[i], b[i]);
  write_tile(in.dst, s, a.data());
}

void exec_tensor_scalar(const isa::TensorScalar& in, CoreState& s) {
  const int64_t rows = in.src.partitions, cols = in.src.free_elems();
  std::vector<float> v = read_tile(in.src, s);
  const std::vector<float> s0 = read_scalar(in.s0, rows, s);
  const std::vector<float> s1 = read_scalar(in.s1, rows, s);
  for (int64_t p = 0; p < rows; ++p) {
    float* row = v.data() + p * cols;
    for (int64_t i = 0; i < cols; ++i) row[i] = alu(in.op1, alu(in.op0, row[i], s0[p]), s1[p]);
  }
  write_tile(in.dst, s, v.data());
}

void exec_scalar_tensor_tensor(const isa::ScalarTensorTensor& in, CoreState& s) {
  const int64_t rows = in.a.partitions, cols = in.a.free_elems();
  std::vector<float> a = read_tile(in.a, s);
  const std::vector<float> b = read_tile(in.b, s);
  const std::vector<float> sc = read_scalar(in.scalar, rows, s);
  for (int64_t p = 0; p < rows; ++p) {
    for (int64_t i = p * cols; i < (p + 1) * cols; ++i) a[i] = alu(in.op1, alu(in.op0, a[i], sc[p]), b[i]);
  }
  write_tile(in.dst, s, a.data());
}

// Folds left to right from the first element, so every AluOp is a valid reduction (add, max,
// min, multiply, abs_max, ...); an empty row cannot occur in a verified program.
void exec_tensor_reduce(const isa::TensorReduce& in, CoreState& s) {
  const int64_t rows = in.src.partitions, cols = in.src.free_elems();
  const std::vector<float> v = read_tile(in.src, s);
  std::vector<float> out(static_cast<size_t>(rows));
  for (int64_t p = 0; p < rows; ++p) {
    const float* row = v.data() + p * cols;
    float acc = in.op == isa::AluOp::kAbsMax ? std::fabs(row[0]) : row[0];
    for (int64_t i = 1; i < cols; ++i) acc = alu(in.op, acc, row[i]);
    out[p] = in.negate ? -acc : acc;
  }
  write_tile(in.dst, s, out.data());
}

void exec_reciprocal(const isa::Reciprocal& in, CoreState& s) {
  std::vector<float> v = read_tile(in.src, s);
  for (float& x : v) x = 1.0f / x;
  write_tile(in.dst, s, v.data());
}

void exec_memset(const isa::Memset& in, CoreState& s) {
  const std::vector<float> row(static_cast<size_t>(in.dst.free_elems()), in.value);
  for (int64_t p = 0; p < in.dst.partitions; ++p) write_row(in.dst, s, p, row.data());
}

}  // namespace trnsim::core::detail

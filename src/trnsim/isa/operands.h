// Visiting the operands (access patterns) of an instruction, for checks and statistics.
#pragma once

#include <variant>

#include "trnsim/isa/instruction.h"

namespace trnsim::isa {

enum class Access : uint8_t { kRead, kWrite };

// Calls fn(const AccessPattern&, Access) for every access pattern `inst` reads or writes.
template <typename Fn>
void for_each_operand(const Instruction& inst, Fn&& fn) {
  auto scalar = [&](const ScalarOperand& s) {
    if (s.is_ap) fn(s.ap, Access::kRead);
  };
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, DmaCopy> || std::is_same_v<T, DmaTranspose> ||
                      std::is_same_v<T, Transpose> || std::is_same_v<T, TensorCopy> ||
                      std::is_same_v<T, BnStats> || std::is_same_v<T, BnAggr> ||
                      std::is_same_v<T, Reciprocal> || std::is_same_v<T, Dropout> ||
                      std::is_same_v<T, TensorReduce> || std::is_same_v<T, AffineSelect>) {
          fn(b.src, Access::kRead);
          fn(b.dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, Matmul>) {
          fn(b.stationary, Access::kRead);
          fn(b.moving, Access::kRead);
          if (b.accumulate) fn(b.dst, Access::kRead);
          fn(b.dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, Activation>) {
          fn(b.src, Access::kRead);
          scalar(b.scale);
          if (b.bias) fn(*b.bias, Access::kRead);
          fn(b.dst, Access::kWrite);
          if (b.reduce_dst) fn(*b.reduce_dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, TensorTensor>) {
          fn(b.a, Access::kRead);
          fn(b.b, Access::kRead);
          fn(b.dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, TensorScalar>) {
          fn(b.src, Access::kRead);
          scalar(b.s0);
          scalar(b.s1);
          fn(b.dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, ScalarTensorTensor>) {
          fn(b.a, Access::kRead);
          scalar(b.scalar);
          fn(b.b, Access::kRead);
          fn(b.dst, Access::kWrite);
        } else if constexpr (std::is_same_v<T, Memset> || std::is_same_v<T, Iota> ||
                             std::is_same_v<T, Random>) {
          fn(b.dst, Access::kWrite);
        }
      },
      inst.body);
}

// Lowest and one-past-highest byte an access pattern touches, relative to its partition / tensor
// start (partition_stride included for HBM).
struct ByteExtent {
  int64_t lo = 0, hi = 0;
};
inline ByteExtent byte_extent(const AccessPattern& ap) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  int64_t lo = 0, hi = 0;
  auto span = [&](int64_t size, int64_t stride) {
    if (size <= 0) return;
    const int64_t d = (size - 1) * stride;
    if (d < 0) lo += d; else hi += d;
  };
  for (int i = 0; i < ap.num_free; ++i) span(ap.free[i].size, ap.free[i].stride);
  if (ap.space == MemSpace::kHbm) span(ap.partitions, ap.partition_stride);
  return {ap.offset + lo * es, ap.offset + (hi + 1) * es};
}

}  // namespace trnsim::isa

// Data movement: dma_copy, tensor_copy, dma_transpose and nc_transpose.
//
// Moves between patterns of the same dtype copy bytes (bit-exact, NaN payloads included, and no
// random bits drawn); a dtype change goes through fp32 and rounds on the write. Sources are read
// completely before the destination is written, so overlapping patterns behave like memmove.
#include <cstring>

#include "trnsim/core/functional_ap.h"

namespace trnsim::core::detail {
namespace {

// Elements of `ap` in pattern order (row-major over partitions x free) as packed bytes.
std::vector<uint8_t> gather_bytes(const AccessPattern& ap, CoreState& s) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  std::vector<uint8_t> out(static_cast<size_t>(ap.elems() * es));
  uint8_t* o = out.data();
  for (int64_t p = 0; p < ap.partitions; ++p) {
    for_each_run(ap, s, p, [&](const uint8_t* ptr, int64_t n, int64_t stride) {
      if (stride == es) {
        std::memcpy(o, ptr, static_cast<size_t>(n * es));
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(o + i * es, ptr + i * stride, static_cast<size_t>(es));
      }
      o += n * es;
    });
  }
  return out;
}

void scatter_bytes(const AccessPattern& ap, CoreState& s, const uint8_t* in) {
  const int64_t es = numerics::dtype_size(ap.dtype);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    for_each_run(ap, s, p, [&](uint8_t* ptr, int64_t n, int64_t stride) {
      if (stride == es) {
        std::memcpy(ptr, in, static_cast<size_t>(n * es));
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(ptr + i * stride, in + i * es, static_cast<size_t>(es));
      }
      in += n * es;
    });
  }
}

// Element-order copy: dst and src hold the same number of elements, shapes may differ.
void copy_elements(const AccessPattern& dst, const AccessPattern& src, CoreState& s) {
  if (dst.dtype == src.dtype) {
    const std::vector<uint8_t> bytes = gather_bytes(src, s);
    scatter_bytes(dst, s, bytes.data());
    return;
  }
  const std::vector<float> values = read_tile(src, s);
  write_tile(dst, s, values.data());
}

template <class T>
std::vector<T> transposed(const std::vector<T>& in, int64_t rows, int64_t cols, int64_t elem) {
  std::vector<T> out(in.size());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      std::memcpy(&out[(j * rows + i) * elem], &in[(i * cols + j) * elem], sizeof(T) * elem);
    }
  }
  return out;
}

}  // namespace

void exec_dma_copy(const isa::DmaCopy& in, CoreState& s) { copy_elements(in.dst, in.src, s); }

void exec_tensor_copy(const isa::TensorCopy& in, CoreState& s) { copy_elements(in.dst, in.src, s); }

// src [rows = partitions, cols = free elements] -> dst [partitions = cols, free = rows].
void exec_transpose(const AccessPattern& dst, const AccessPattern& src, CoreState& s) {
  const int64_t rows = src.partitions, cols = src.free_elems();
  if (dst.dtype == src.dtype) {
    const int64_t es = numerics::dtype_size(src.dtype);
    const std::vector<uint8_t> t = transposed(gather_bytes(src, s), rows, cols, es);
    scatter_bytes(dst, s, t.data());
    return;
  }
  const std::vector<float> t = transposed(read_tile(src, s), rows, cols, 1);
  write_tile(dst, s, t.data());
}

}  // namespace trnsim::core::detail

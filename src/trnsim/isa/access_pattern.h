// Access patterns: how an instruction addresses a tensor in HBM, SBUF or PSUM.
//
// On-chip (SBUF / PSUM): a partition range [partition_start, partition_start + partitions) and,
// inside every partition, a free pattern of up to 4 dimensions starting at byte `offset`:
// element (i0, i1, i2, i3) lives at offset + (i0*s0 + i1*s1 + i2*s2 + i3*s3) * dtype_size.
// Dimension 0 is the outermost, strides are in elements and may be negative or zero.
//
// HBM: a named tensor of the program plus a byte `offset` into it. The partition dimension becomes
// an ordinary dimension with stride `partition_stride` (in elements), so an HBM pattern addresses
// partitions x free elements in the same order as an on-chip one.
#pragma once

#include <array>
#include <cstdint>

#include "trnsim/numerics/dtype.h"

namespace trnsim::isa {

using numerics::DType;

enum class MemSpace : uint8_t { kHbm, kSbuf, kPsum };

struct FreeDim {
  int64_t size = 1;
  int64_t stride = 1;  // in elements
  bool operator==(const FreeDim&) const = default;
};

inline constexpr int kMaxFreeDims = 4;

struct AccessPattern {
  MemSpace space = MemSpace::kSbuf;
  DType dtype = DType::kF32;
  int32_t tensor = -1;           // HBM only: index into Program::tensors
  int64_t offset = 0;            // bytes: within each partition (on-chip) or into the tensor (HBM)
  int32_t partition_start = 0;   // on-chip only
  int32_t partitions = 1;        // partition count (on-chip) or rows (HBM)
  int64_t partition_stride = 0;  // HBM only: elements between rows
  int32_t num_free = 1;
  std::array<FreeDim, kMaxFreeDims> free{};

  // Elements per partition: the product of the free sizes.
  int64_t free_elems() const {
    int64_t n = 1;
    for (int i = 0; i < num_free; ++i) n *= free[i].size;
    return n;
  }
  int64_t elems() const { return free_elems() * partitions; }
  int64_t bytes() const { return elems() * numerics::dtype_size(dtype); }
  // True when the free pattern walks memory contiguously (innermost stride 1, dims nested densely).
  bool contiguous() const {
    int64_t expect = 1;
    for (int i = num_free - 1; i >= 0; --i) {
      if (free[i].size == 1) continue;
      if (free[i].stride != expect) return false;
      expect *= free[i].size;
    }
    return true;
  }
  bool operator==(const AccessPattern&) const = default;
};

// A 2-D on-chip pattern: partitions [p0, p0+np), `n` contiguous elements from byte `offset`.
inline AccessPattern onchip(MemSpace space, DType t, int32_t p0, int32_t np, int64_t offset, int64_t n) {
  AccessPattern ap;
  ap.space = space;
  ap.dtype = t;
  ap.partition_start = p0;
  ap.partitions = np;
  ap.offset = offset;
  ap.num_free = 1;
  ap.free[0] = {n, 1};
  return ap;
}

}  // namespace trnsim::isa

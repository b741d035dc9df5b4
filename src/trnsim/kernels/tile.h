// Handles a kernel author holds: HBM tensors of the program and on-chip tiles in SBUF / PSUM.
// Both turn into isa::AccessPattern views; nothing here emits instructions (kernels/builder.h does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/isa/access_pattern.h"

namespace trnsim::kernels {

using isa::AccessPattern;
using isa::DType;
using isa::MemSpace;

// A tensor in HBM seen as a 2-D row-major matrix: the leading dimensions fold into rows, the last
// one is the columns (a 1-D tensor is one row).
struct HbmTensor {
  int32_t id = -1;  // index into isa::Program::tensors
  std::string name;
  DType dtype = DType::kBF16;
  int64_t rows = 0, cols = 0;

  // Rows [r0, r0+nr) -> partitions, columns [c0, c0+nc) -> one contiguous free dimension.
  AccessPattern rows_view(int64_t r0, int64_t nr, int64_t c0, int64_t nc) const;
  // The transposed view of the same block: columns -> partitions (stride 1 element), rows -> free
  // (stride cols). A DMA of it is element-strided; prefer dma_transpose of rows_view.
  AccessPattern cols_view(int64_t r0, int64_t nr, int64_t c0, int64_t nc) const;
  // The tensor as a flat array: `parts` partitions of `per_part` consecutive elements, from
  // element `elem0` (elementwise kernels spread a tensor over all partitions this way).
  AccessPattern flat_view(int64_t elem0, int32_t parts, int64_t per_part) const;
  // A [parts, n] view where every partition reads the same elements (a row broadcast:
  // gamma / beta of a norm).
  AccessPattern broadcast_row(int32_t parts, int64_t c0, int64_t n) const;
};

// A tile on chip: partitions [partition_start, +partitions) x `cols` elements from byte `offset`.
struct Tile {
  MemSpace space = MemSpace::kSbuf;
  DType dtype = DType::kF32;
  int32_t partition_start = 0, partitions = 0;
  int64_t offset = 0;  // bytes within each partition
  int64_t cols = 0;    // elements per partition
  int32_t alloc = -1;  // allocation id (for release); views share their parent's
  std::string name;

  AccessPattern ap() const { return ap(0, partitions, 0, cols); }
  // Partitions [p0, p0+np) (relative to the tile) x columns [c0, c0+nc).
  AccessPattern ap(int32_t p0, int32_t np, int64_t c0, int64_t nc) const;
  // Column c of the first `np` partitions: a per-partition scalar operand.
  AccessPattern col(int64_t c, int32_t np) const { return ap(0, np, c, 1); }
  // A sub-tile sharing storage: columns [c0, c0+nc), same partitions.
  Tile sub(int64_t c0, int64_t nc) const;
  int64_t bytes_per_partition() const { return cols * numerics::dtype_size(dtype); }
};

// Slices an access pattern's partition range (partitions of on-chip patterns, rows of HBM ones).
AccessPattern slice_partitions(const AccessPattern& ap, int32_t p0, int32_t np);
// Slices free dimension 0 of a pattern to [i0, i0+n).
AccessPattern slice_free0(const AccessPattern& ap, int64_t i0, int64_t n);

}  // namespace trnsim::kernels

#include "trnsim/kernels/tile.h"

namespace trnsim::kernels {
namespace {

AccessPattern hbm_pattern(const HbmTensor& t, int64_t elem0) {
  AccessPattern ap;
  ap.space = MemSpace::kHbm;
  ap.dtype = t.dtype;
  ap.tensor = t.id;
  ap.offset = elem0 * numerics::dtype_size(t.dtype);
  return ap;
}

}  // namespace

AccessPattern HbmTensor::rows_view(int64_t r0, int64_t nr, int64_t c0, int64_t nc) const {
  AccessPattern ap = hbm_pattern(*this, r0 * cols + c0);
  ap.partitions = static_cast<int32_t>(nr);
  ap.partition_stride = cols;
  ap.num_free = 1;
  ap.free[0] = {nc, 1};
  return ap;
}

AccessPattern HbmTensor::cols_view(int64_t r0, int64_t nr, int64_t c0, int64_t nc) const {
  AccessPattern ap = hbm_pattern(*this, r0 * cols + c0);
  ap.partitions = static_cast<int32_t>(nc);
  ap.partition_stride = 1;
  ap.num_free = 1;
  ap.free[0] = {nr, cols};
  return ap;
}

AccessPattern HbmTensor::flat_view(int64_t elem0, int32_t parts, int64_t per_part) const {
  AccessPattern ap = hbm_pattern(*this, elem0);
  ap.partitions = parts;
  ap.partition_stride = per_part;
  ap.num_free = 1;
  ap.free[0] = {per_part, 1};
  return ap;
}

AccessPattern HbmTensor::broadcast_row(int32_t parts, int64_t c0, int64_t n) const {
  AccessPattern ap = hbm_pattern(*this, c0);
  ap.partitions = parts;
  ap.partition_stride = 0;
  ap.num_free = 1;
  ap.free[0] = {n, 1};
  return ap;
}

AccessPattern Tile::ap(int32_t p0, int32_t np, int64_t c0, int64_t nc) const {
  return isa::onchip(space, dtype, partition_start + p0, np, offset + c0 * numerics::dtype_size(dtype), nc);
}

Tile Tile::sub(int64_t c0, int64_t nc) const {
  Tile t = *this;
  t.offset = offset + c0 * numerics::dtype_size(dtype);
  t.cols = nc;
  return t;
}

AccessPattern slice_partitions(const AccessPattern& ap, int32_t p0, int32_t np) {
  AccessPattern s = ap;
  s.partitions = np;
  if (ap.space == MemSpace::kHbm) {
    s.offset += static_cast<int64_t>(p0) * ap.partition_stride * numerics::dtype_size(ap.dtype);
  } else {
    s.partition_start += p0;
  }
  return s;
}

AccessPattern slice_free0(const AccessPattern& ap, int64_t i0, int64_t n) {
  AccessPattern s = ap;
  s.offset += i0 * ap.free[0].stride * numerics::dtype_size(ap.dtype);
  s.free[0].size = n;
  return s;
}

}  // namespace trnsim::kernels

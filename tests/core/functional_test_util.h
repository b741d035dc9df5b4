// Test helpers for the functional-execution tests: a small core (SBUF, PSUM, HBM, RNG) and an
// independent, element-by-element access-pattern walker used to fill and read tiles.
#pragma once

#include <cstdint>
#include <vector>

#include "trnsim/core/functional.h"
#include "trnsim/core/memory.h"
#include "trnsim/isa/program.h"
#include "trnsim/numerics/convert.h"

namespace trnsim::core::testing {

using isa::AccessPattern;
using isa::MemSpace;
using numerics::DType;

inline isa::Program make_program(std::vector<isa::HbmTensor> tensors) {
  isa::Program p;
  p.name = "functional_test";
  p.tensors = std::move(tensors);
  return p;
}

struct Core {
  explicit Core(std::vector<isa::HbmTensor> tensors = {}, uint64_t seed = 7)
      : program(make_program(std::move(tensors))), hbm(program, true), rng(seed) {}

  isa::Program program;
  OnChipMemory sbuf{128, 64 * 1024, true};
  OnChipMemory psum{128, 16 * 1024, true};
  HbmImage hbm;
  Rng rng;
  CoreState state{sbuf, psum, hbm, rng};

  void run(isa::Body body) {
    isa::Instruction inst;
    inst.body = std::move(body);
    execute(inst, state);
  }

  // Address of element (row p, flat free index e) of `ap`, computed from the definition.
  uint8_t* addr(const AccessPattern& ap, int64_t p, int64_t e) {
    const int64_t es = numerics::dtype_size(ap.dtype);
    int64_t off = 0;
    for (int k = ap.num_free - 1; k >= 0; --k) {
      off += (e % ap.free[k].size) * ap.free[k].stride;
      e /= ap.free[k].size;
    }
    if (ap.space == MemSpace::kHbm) {
      return hbm.bytes(ap.tensor).data() + ap.offset + (p * ap.partition_stride + off) * es;
    }
    OnChipMemory& mem = ap.space == MemSpace::kSbuf ? sbuf : psum;
    return mem.at(ap.partition_start + static_cast<int>(p), ap.offset + off * es);
  }

  // Row-major partitions x free_elems values, stored with round-to-nearest-even.
  void set(const AccessPattern& ap, const std::vector<float>& v) {
    const int64_t f = ap.free_elems();
    for (int64_t p = 0; p < ap.partitions; ++p) {
      for (int64_t e = 0; e < f; ++e) numerics::store(ap.dtype, addr(ap, p, e), v[p * f + e]);
    }
  }
  std::vector<float> get(const AccessPattern& ap) {
    const int64_t f = ap.free_elems();
    std::vector<float> v(static_cast<size_t>(f * ap.partitions));
    for (int64_t p = 0; p < ap.partitions; ++p) {
      for (int64_t e = 0; e < f; ++e) v[p * f + e] = numerics::load(ap.dtype, addr(ap, p, e));
    }
    return v;
  }
};

inline AccessPattern sb(DType t, int32_t p0, int32_t np, int64_t offset, int64_t n) {
  return isa::onchip(MemSpace::kSbuf, t, p0, np, offset, n);
}
inline AccessPattern ps(DType t, int32_t p0, int32_t np, int64_t offset, int64_t n) {
  return isa::onchip(MemSpace::kPsum, t, p0, np, offset, n);
}
inline AccessPattern hbm_ap(int32_t tensor, DType t, int32_t rows, int64_t row_stride, int64_t offset,
                            int64_t n) {
  AccessPattern ap;
  ap.space = MemSpace::kHbm;
  ap.dtype = t;
  ap.tensor = tensor;
  ap.offset = offset;
  ap.partitions = rows;
  ap.partition_stride = row_stride;
  ap.free[0] = {n, 1};
  return ap;
}

// Deterministic pseudo-random values in [lo, hi).
inline std::vector<float> ramp(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = lo + (hi - lo) * r.next_float();
  return v;
}

inline std::vector<float> quantized(DType t, std::vector<float> v) {
  for (auto& x : v) x = numerics::quantize(t, x);
  return v;
}

}  // namespace trnsim::core::testing

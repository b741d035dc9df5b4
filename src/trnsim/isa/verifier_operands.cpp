// Rules on each operand by itself: structure, memory for the engine, dtype, partitions and start
// rules, bounds, free-size limits. Sources: hardware-facts.md 1.3 (NA2) and 3.2 (NISA).
#include <algorithm>

#include "trnsim/base/units.h"
#include "trnsim/isa/verifier_context.h"

namespace trnsim::isa::detail {
namespace {

using Wide = __int128;  // byte arithmetic on user-given sizes and strides must not overflow

const char* space_name(MemSpace s) {
  switch (s) {
    case MemSpace::kHbm: return "HBM";
    case MemSpace::kSbuf: return "SBUF";
    case MemSpace::kPsum: return "PSUM";
  }
  return "?";
}

// The decimal digits of `v`, whole (a 128-bit byte count may exceed any 64-bit type).
std::string str(Wide v) {
  if (v < 0) return "-" + str(-v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  return digits;
}

// Byte range [lo, hi) the pattern touches within a partition (on-chip) or the tensor (HBM).
void extent(const AccessPattern& ap, Wide& lo, Wide& hi) {
  Wide esize = numerics::dtype_size(ap.dtype);
  lo = ap.offset;
  hi = ap.offset;
  auto dim = [&](int64_t size, int64_t stride) {
    Wide span = static_cast<Wide>(size - 1) * stride * esize;
    (span > 0 ? hi : lo) += span;
  };
  if (ap.space == MemSpace::kHbm) dim(ap.partitions, ap.partition_stride);
  for (int i = 0; i < ap.num_free; ++i) dim(ap.free[i].size, ap.free[i].stride);
  hi += esize;
}

bool check_space(const VerifyContext& c, const Operand& op) {
  const AccessPattern& ap = *op.ap;
  EngineKind e = c.inst.engine.kind;
  std::string what = c.name(op.role, ap);
  if (e == EngineKind::kTensor) {
    if (op.write && ap.space != MemSpace::kPsum) {
      c.fail("TensorE writes only PSUM, but " + what + " is in " + space_name(ap.space),
             "write the result to psum[...] and evict it to SBUF with a vector or scalar tensor_copy");
      return false;
    }
    if (!op.write && ap.space != MemSpace::kSbuf) {
      c.fail("TensorE reads only SBUF, but " + what + " is in " + space_name(ap.space),
             "copy the operand into sbuf[...] first (tensor_copy on vector/scalar, or dma_copy from HBM)");
      return false;
    }
    return true;
  }
  if (e == EngineKind::kDma) {
    if (ap.space == MemSpace::kPsum) {
      c.fail("DMA cannot access PSUM, but " + what + " is in PSUM",
             "evict PSUM to SBUF with a vector or scalar tensor_copy, then DMA from SBUF");
      return false;
    }
    return true;
  }
  if (ap.space == MemSpace::kHbm) {
    c.fail(std::string(engine_name(e)) + " cannot access HBM (" + what + "); only DMA queues move HBM data",
           "load it into SBUF with a dma_copy on a dma.qN queue first");
    return false;
  }
  if (e == EngineKind::kGpSimd && ap.space == MemSpace::kPsum) {
    c.fail("GpSimd cannot access PSUM, but " + what + " is in PSUM",
           "run this on vector (or scalar), or copy the data to SBUF first");
    return false;
  }
  return true;
}

void check_dtype(const VerifyContext& c, const Operand& op) {
  DType t = op.ap->dtype;
  std::string what = c.name(op.role, *op.ap);
  if (t == DType::kI32 && !op.i32_ok) {
    c.fail(c.mnemonic + " does not take i32 for " + op.role + " (" + what + ")",
           "use a float type (f32, bf16, f16) for this operand");
  } else if (numerics::is_fp8(t) && !op.fp8_ok) {
    c.fail(c.mnemonic + " cannot read fp8 " + op.role + " (" + what +
               "); fp8 is read only by nc_matmul, dma_copy and copies",
           "convert it to bf16 first (tensor_copy) or use a bf16/f32 operand");
  }
}

bool start_ok(int32_t p0, int32_t np, int32_t parts) {
  int32_t q = std::max(1, parts / 4);  // 32 on a 128-partition array
  if (np > 2 * q) return p0 == 0;
  if (np > q) return p0 == 0 || p0 == 2 * q;
  return p0 >= 0 && p0 % q == 0 && p0 <= 3 * q;
}

std::string start_rule(int32_t np, int32_t parts) {
  int32_t q = std::max(1, parts / 4);
  if (np > 2 * q) return "an access of more than " + std::to_string(2 * q) + " partitions must start at 0";
  if (np > q) {
    return "an access of " + std::to_string(q + 1) + "-" + std::to_string(2 * q) +
           " partitions must start at 0 or " + std::to_string(2 * q);
  }
  return "an access of at most " + std::to_string(q) + " partitions must start at 0, " +
         std::to_string(q) + ", " + std::to_string(2 * q) + " or " + std::to_string(3 * q);
}

void check_onchip(const VerifyContext& c, const Operand& op) {
  const AccessPattern& ap = *op.ap;
  const hw::OnChipMemorySpec& mem = ap.space == MemSpace::kSbuf ? c.chip.sbuf : c.chip.psum;
  const char* sp = space_name(ap.space);
  std::string what = c.name(op.role, ap);
  EngineKind e = c.inst.engine.kind;
  // The matmul rule reports K beyond the PE rows more precisely than the partition count would.
  bool matmul_k = std::holds_alternative<Matmul>(c.inst.body) && !op.write;
  if (matmul_k && ap.partitions > c.chip.tensor.rows) {
    // reported by the matmul rule
  } else if (ap.partition_start < 0 || ap.partitions > mem.partitions ||
      static_cast<int64_t>(ap.partition_start) + ap.partitions > mem.partitions) {
    c.fail(what + " uses partitions [" + std::to_string(ap.partition_start) + ", " +
               std::to_string(static_cast<int64_t>(ap.partition_start) + ap.partitions) + ") but " + sp +
               " has " + std::to_string(mem.partitions) + " (1.." + std::to_string(mem.partitions) + " per access)",
           "split the access into tiles of at most " + std::to_string(mem.partitions) + " partitions within [0, " +
               std::to_string(mem.partitions) + ")");
  } else if (e != EngineKind::kDma && !start_ok(ap.partition_start, ap.partitions, mem.partitions)) {
    c.fail(what + " starts at partition " + std::to_string(ap.partition_start) + " with " +
               std::to_string(ap.partitions) + " partitions; " + start_rule(ap.partitions, mem.partitions),
           "move the tile to a legal start partition or split it (engines access partitions in quadrants of 32)");
  }
  Wide lo = 0, hi = 0;
  extent(ap, lo, hi);
  if (lo < 0) {
    c.fail(ErrorKind::kCapacity, what + " reaches " + str(-lo) + " bytes before the start of the " + sp + " partition",
           "raise the byte offset or use non-negative strides so the access stays within the partition");
  } else if (hi > mem.partition_bytes) {
    c.fail(ErrorKind::kCapacity,
           what + " ends at byte " + str(hi) + " of the " + sp + " partition, " + str(hi - mem.partition_bytes) +
               " bytes over its capacity of " + std::to_string(mem.partition_bytes) + " bytes (" +
               format_bytes(mem.partition_bytes) + " per partition)",
           "lower the byte offset or the free size so the access ends within " +
               std::to_string(mem.partition_bytes) + " bytes");
  }
  if (e == EngineKind::kVector || e == EngineKind::kScalar || e == EngineKind::kGpSimd) {
    int64_t n = free_elems_saturated(ap);
    if (ap.space == MemSpace::kSbuf && n > 65536) {
      c.fail(what + " has " + std::to_string(n) + " elements per partition; an engine instruction takes at most 65536 "
                 "(64K) per partition in SBUF",
             "split the free dimension over several instructions");
    } else if (ap.space == MemSpace::kPsum && e != EngineKind::kGpSimd && n > 4096) {
      c.fail(what + " has " + std::to_string(n) + " elements per partition; a Vector/Scalar instruction takes at most "
                 "4096 (4K) per partition in PSUM",
             "split the free dimension over several instructions");
    }
  }
}

void check_hbm(const VerifyContext& c, const Operand& op) {
  const AccessPattern& ap = *op.ap;
  const HbmTensor& t = c.program.tensors[ap.tensor];
  std::string what = c.name(op.role, ap);
  Wide lo = 0, hi = 0;
  extent(ap, lo, hi);
  if (lo < 0) {
    c.fail(ErrorKind::kCapacity, what + " reaches " + str(-lo) + " bytes before the start of tensor '" + t.name + "'",
           "raise the byte offset or use non-negative strides");
  } else if (hi > t.bytes()) {
    c.fail(ErrorKind::kCapacity,
           what + " touches bytes [" + str(lo) + ", " + str(hi) + ") of tensor '" + t.name + "', " +
               str(hi - t.bytes()) + " bytes past its end (the tensor is " + std::to_string(t.bytes()) + " bytes)",
           "fix the offset, row count/stride or free pattern so the access stays inside '" + t.name + "'");
  }
}

}  // namespace

int64_t free_elems_saturated(const AccessPattern& ap) {
  Wide n = 1;
  for (int i = 0; i < ap.num_free && i < kMaxFreeDims; ++i) {
    n *= ap.free[i].size;
    if (n > (Wide{1} << 62)) return int64_t{1} << 62;
  }
  return static_cast<int64_t>(n);
}

bool same_shape(const AccessPattern& a, const AccessPattern& b) {
  return a.partitions == b.partitions && free_elems_saturated(a) == free_elems_saturated(b);
}

std::string shape_text(const AccessPattern& ap) {
  return "[" + std::to_string(ap.partitions) + " x " + std::to_string(free_elems_saturated(ap)) + "]";
}

bool check_operand(const VerifyContext& c, const Operand& op) {
  const AccessPattern& ap = *op.ap;
  std::string what = std::string(op.role);
  if (ap.num_free < 1 || ap.num_free > kMaxFreeDims) {
    c.fail(what + " has " + std::to_string(ap.num_free) + " free dimensions", "use 1 to 4 free dimensions");
    return false;
  }
  for (int i = 0; i < ap.num_free; ++i) {
    if (ap.free[i].size < 1) {
      c.fail(what + " free dimension " + std::to_string(i) + " has size " + std::to_string(ap.free[i].size),
             "every dimension size must be at least 1");
      return false;
    }
  }
  if (ap.partitions < 1) {
    c.fail(what + " has " + std::to_string(ap.partitions) + " partitions/rows", "use at least 1");
    return false;
  }
  if (ap.space == MemSpace::kHbm &&
      (ap.tensor < 0 || ap.tensor >= static_cast<int32_t>(c.program.tensors.size()))) {
    c.fail(what + " names HBM tensor #" + std::to_string(ap.tensor) + ", which is not declared",
           "declare the tensor in the program (input/output/scratch)");
    return false;
  }
  bool ok = check_space(c, op);
  check_dtype(c, op);
  if (ap.space == MemSpace::kHbm) check_hbm(c, op);
  else check_onchip(c, op);
  return ok;
}

}  // namespace trnsim::isa::detail

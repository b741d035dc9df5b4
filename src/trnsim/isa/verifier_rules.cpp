// Rules between the operands of one instruction and its own limits: matmul (hardware-facts.md
// 3.2/3.3), transposes, reductions, statistics, DMA directions, semaphores.
#include "trnsim/isa/verifier_context.h"

namespace trnsim::isa::detail {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

void same(const VerifyContext& c, const char* ra, const AccessPattern& a, const char* rb, const AccessPattern& b) {
  if (!same_shape(a, b)) {
    c.fail(std::string(ra) + " is " + shape_text(a) + " but " + rb + " is " + shape_text(b) +
               " (partitions x elements per partition); they must match",
           "give " + std::string(ra) + " and " + rb + " the same partition count and free size");
  }
}

void column(const VerifyContext& c, const char* role, const AccessPattern& col, const AccessPattern& data) {
  if (col.partitions != data.partitions || free_elems_saturated(col) != 1) {
    c.fail(std::string(role) + " must be a per-partition column [" + std::to_string(data.partitions) +
               " x 1], but it is " + shape_text(col),
           "use one element per partition, over the same partitions as the data");
  }
}

void scalar(const VerifyContext& c, const char* role, const ScalarOperand& s, const AccessPattern& data) {
  if (s.is_ap) column(c, role, s.ap, data);
}

// Reports why a double_row matmul is illegal on this chip, if it is.
bool double_row_legal(const VerifyContext& c, const Matmul& m) {
  if (!c.chip.tensor.fp8_double_row) {
    c.fail("double_row=true but chip '" + c.chip.name + "' has no fp8 double-row mode",
           "remove double_row and split K into chunks of " + std::to_string(c.chip.tensor.rows));
    return false;
  }
  if (!numerics::is_fp8(m.stationary.dtype) || !numerics::is_fp8(m.moving.dtype)) {
    c.fail("double_row=true needs fp8 stationary and moving, but they are " +
               std::string(numerics::dtype_name(m.stationary.dtype)) + " and " +
               std::string(numerics::dtype_name(m.moving.dtype)),
           "cast both operands to fp8e4m3/fp8e5m2, or remove double_row");
    return false;
  }
  if (m.stationary.free[0].size != 2 || m.moving.free[0].size != 2 || m.stationary.num_free < 2 ||
      m.moving.num_free < 2) {
    c.fail("double_row=true needs stationary and moving free patterns whose outer dimension is the row pair "
           "(size 2), e.g. (2:128,128:1)",
           "lay each operand out as [P, 2, M] / [P, 2, N] with the two K rows of a partition outermost");
    return false;
  }
  return true;
}

void matmul(const VerifyContext& c, const Matmul& m) {
  const hw::TensorEngineSpec& te = c.chip.tensor;
  // Double-row operands hold two K rows per partition: free pattern [2, M] / [2, N].
  const int64_t rows = m.double_row ? 2 : 1;
  int64_t k = m.stationary.partitions * rows, mm = free_elems_saturated(m.stationary) / rows,
          n = free_elems_saturated(m.moving) / rows;

  if (m.moving.partitions != m.stationary.partitions) {
    c.fail("stationary has " + std::to_string(m.stationary.partitions) + " partitions but moving has " +
               std::to_string(m.moving.partitions) + "; both span the contraction dimension K",
           "use the same partitions for stationary and moving");
  }
  if (m.double_row && !double_row_legal(c, m)) return;  // the shape rules assume a legal layout
  int64_t kmax = rows * te.rows;
  if (k > kmax) {
    c.fail("K = " + std::to_string(k) + " contraction partitions exceeds the " + std::to_string(kmax) +
               " rows of the PE array" + (m.double_row ? " (double-row)" : ""),
           "split K into chunks of " + std::to_string(kmax) + " and accumulate them into the same PSUM tile with "
           "accumulate=true");
  }
  if (mm > te.cols) {
    c.fail("M = " + std::to_string(mm) + " (stationary free size) exceeds the " + std::to_string(te.cols) +
               " columns of the PE array",
           "split M into tiles of " + std::to_string(te.cols) + " with one nc_matmul each");
  }
  if (n > te.moving_fmax) {
    c.fail("N = " + std::to_string(n) + " (moving free size) exceeds moving_fmax " + std::to_string(te.moving_fmax),
           "split N into chunks of " + std::to_string(te.moving_fmax) + ", each into its own PSUM tile");
  }
  if (m.dst.partitions != mm || free_elems_saturated(m.dst) != n) {
    c.fail("dst is " + shape_text(m.dst) + " but stationary^T @ moving is [" + std::to_string(mm) + " x " +
               std::to_string(n) + "] (M x N)",
           "make dst M partitions by N elements per partition");
  }
  if (m.dst.dtype != DType::kF32) {
    c.fail("matmul accumulates in fp32 PSUM, but dst is " + std::string(numerics::dtype_name(m.dst.dtype)),
           "write dst as f32 and cast when evicting PSUM (tensor_copy / activation)");
  }
  int64_t bank = c.chip.psum.bank_bytes();
  if (bank > 0 && m.dst.contiguous()) {
    int64_t lo = m.dst.offset, hi = m.dst.offset + free_elems_saturated(m.dst) * numerics::dtype_size(m.dst.dtype);
    if (lo >= 0 && hi > lo && lo / bank != (hi - 1) / bank) {
      c.fail("dst spans bytes [" + std::to_string(lo) + ", " + std::to_string(hi) +
                 ") of the partition, crossing a PSUM bank boundary at byte " + std::to_string((lo / bank + 1) * bank) +
                 " (banks are " + std::to_string(bank) + " bytes)",
             "start dst at a multiple of " + std::to_string(bank) + " bytes and keep N x 4 <= " + std::to_string(bank));
    }
  } else if (bank > 0) {
    c.fail("matmul dst must be contiguous in PSUM", "write dst as one dimension (N:1)");
  }
}

void transpose(const VerifyContext& c, const Transpose& t) {
  int64_t p = t.src.partitions, f = free_elems_saturated(t.src);
  bool on_tensor = c.inst.engine.kind == EngineKind::kTensor;
  int64_t pmax = on_tensor ? c.chip.tensor.rows : 32, fmax = on_tensor ? c.chip.tensor.cols : 32;
  if (p > pmax || f > fmax) {
    c.fail("nc_transpose on " + std::string(engine_name(c.inst.engine.kind)) + " takes at most " +
               std::to_string(pmax) + " x " + std::to_string(fmax) + ", but src is " + shape_text(t.src),
           on_tensor ? "split the transpose into 128 x 128 blocks" : "split into 32 x 32 blocks or run it on tensor");
  }
  if (t.dst.partitions != f || free_elems_saturated(t.dst) != p) {
    c.fail("dst is " + shape_text(t.dst) + " but the transpose of src " + shape_text(t.src) + " is [" +
               std::to_string(f) + " x " + std::to_string(p) + "]",
           "make dst src-free-size partitions by src-partitions elements");
  }
  if (on_tensor && t.dst.dtype != DType::kF32 && t.dst.dtype != t.src.dtype) {
    c.fail("a TensorE transpose writes f32 or the source dtype to PSUM, not " +
               std::string(numerics::dtype_name(t.dst.dtype)),
           "make dst f32 or " + std::string(numerics::dtype_name(t.src.dtype)));
  }
}

void dma(const VerifyContext& c, const AccessPattern& dst, const AccessPattern& src) {
  if (dst.space == MemSpace::kHbm && src.space == MemSpace::kHbm) {
    c.fail("DMA moves HBM<->SBUF or SBUF<->SBUF, not HBM->HBM", "stage the data through an SBUF tile");
  }
}

void dma_copy(const VerifyContext& c, const DmaCopy& d) {
  dma(c, d.dst, d.src);
  if (d.dst.elems() != d.src.elems()) {
    c.fail("dst has " + std::to_string(d.dst.elems()) + " elements but src has " + std::to_string(d.src.elems()),
           "make both sides move the same number of elements");
  }
}

void dma_transpose(const VerifyContext& c, const DmaTranspose& d) {
  if (!c.chip.dma.has_transpose) {
    c.fail("chip '" + c.chip.name + "' has no DMA transpose", "transpose on tensor (nc_transpose) instead");
  }
  if (d.dst.space != MemSpace::kSbuf) {
    c.fail("dma_transpose writes SBUF (HBM->SBUF or SBUF->SBUF), but dst is in HBM", "transpose into an SBUF tile");
  }
  for (const AccessPattern* ap : {&d.dst, &d.src}) {
    int sz = numerics::dtype_size(ap->dtype);
    if (sz != 2 && sz != 4) {
      c.fail("dma_transpose moves 2- or 4-byte elements, not " + std::string(numerics::dtype_name(ap->dtype)),
             "transpose as bf16/f16/f32 and cast afterwards");
      return;
    }
  }
  if (d.dst.dtype != d.src.dtype) {
    c.fail("dma_transpose does not cast: dst is " + std::string(numerics::dtype_name(d.dst.dtype)) + ", src " +
               std::string(numerics::dtype_name(d.src.dtype)),
           "use the same dtype on both sides");
  }
  int64_t p = d.src.partitions, f = free_elems_saturated(d.src);
  if (d.dst.partitions != f || free_elems_saturated(d.dst) != p) {
    c.fail("dst is " + shape_text(d.dst) + " but the transpose of src " + shape_text(d.src) + " is [" +
               std::to_string(f) + " x " + std::to_string(p) + "]",
           "make dst src-columns partitions by src-rows elements");
  }
}

}  // namespace

void check_body(const VerifyContext& c) {
  std::visit(
      Overloaded{
          [&](const DmaCopy& b) { dma_copy(c, b); },
          [&](const DmaTranspose& b) { dma_transpose(c, b); },
          [&](const Matmul& b) { matmul(c, b); },
          [&](const Transpose& b) { transpose(c, b); },
          [&](const Activation& b) {
            same(c, "dst", b.dst, "src", b.src);
            scalar(c, "scale", b.scale, b.src);
            if (b.bias) column(c, "bias", *b.bias, b.src);
            if (b.reduce_dst) column(c, "reduce", *b.reduce_dst, b.src);
          },
          [&](const TensorTensor& b) {
            same(c, "dst", b.dst, "a", b.a);
            same(c, "dst", b.dst, "b", b.b);
            if (b.a.space == MemSpace::kPsum && b.b.space == MemSpace::kPsum) {
              c.fail("tensor_tensor inputs a and b are both in PSUM", "copy one of them to SBUF first");
            }
          },
          [&](const TensorScalar& b) {
            same(c, "dst", b.dst, "src", b.src);
            scalar(c, "s0", b.s0, b.src);
            scalar(c, "s1", b.s1, b.src);
          },
          [&](const ScalarTensorTensor& b) {
            same(c, "dst", b.dst, "a", b.a);
            same(c, "dst", b.dst, "b", b.b);
            scalar(c, "scalar", b.scalar, b.a);
          },
          [&](const TensorReduce& b) { column(c, "dst", b.dst, b.src); },
          [&](const TensorCopy& b) { same(c, "dst", b.dst, "src", b.src); },
          [](const Memset&) {},
          [](const Iota&) {},
          [&](const AffineSelect& b) { same(c, "dst", b.dst, "src", b.src); },
          [&](const BnStats& b) {
            if (free_elems_saturated(b.src) > 512) {
              c.fail("bn_stats takes at most 512 elements per partition (bn_stats_fmax), src has " +
                         std::to_string(free_elems_saturated(b.src)),
                     "split src into chunks of 512 and combine them with bn_aggr");
            }
            if (b.dst.partitions != b.src.partitions || free_elems_saturated(b.dst) != 3) {
              c.fail("bn_stats dst must be [" + std::to_string(b.src.partitions) + " x 3] (count, mean, M2), but it is " +
                         shape_text(b.dst),
                     "give dst 3 elements per partition over src's partitions");
            }
          },
          [&](const BnAggr& b) {
            int64_t n = free_elems_saturated(b.src);
            if (n % 3 != 0) {
              c.fail("bn_aggr src must hold groups of 3 (bn_stats outputs), but it has " + std::to_string(n) +
                         " elements per partition",
                     "concatenate whole bn_stats outputs");
            }
            if (b.dst.partitions != b.src.partitions || free_elems_saturated(b.dst) != 2) {
              c.fail("bn_aggr dst must be [" + std::to_string(b.src.partitions) + " x 2] (mean, var), but it is " +
                         shape_text(b.dst),
                     "give dst 2 elements per partition over src's partitions");
            }
          },
          [&](const Reciprocal& b) { same(c, "dst", b.dst, "src", b.src); },
          [](const Random&) {},
          [&](const Dropout& b) {
            same(c, "dst", b.dst, "src", b.src);
            if (!(b.prob >= 0.0f && b.prob < 1.0f)) {
              c.fail("dropout prob must be in [0, 1)", "use a probability such as 0.1");
            }
          },
          [](const SemSignal&) {},
          [&](const SemWait& b) {
            if (b.value < 0) c.fail("sem_wait value is negative", "wait for a count of 0 or more");
          },
          [](const Barrier&) {},
      },
      c.inst.body);
}

}  // namespace trnsim::isa::detail

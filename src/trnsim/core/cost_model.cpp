#include "trnsim/core/cost_model.h"

#include <algorithm>
#include <cmath>

namespace trnsim::core {
namespace {

using isa::AccessPattern;
using isa::AluOp;
using isa::EngineKind;
using isa::MemSpace;
using numerics::DType;

bool is_16bit_float(DType t) { return t == DType::kBF16 || t == DType::kF16; }

// Innermost free stride beyond 16 bytes halves the SBUF interface bandwidth (NA2).
bool strided(const AccessPattern& ap) {
  const auto& d = ap.free[ap.num_free - 1];
  return d.size > 1 && std::abs(d.stride) * numerics::dtype_size(ap.dtype) > 16;
}

// A fast 16-bit SBUF-to-SBUF stream: eligible for Vector perf mode and the 1x tensor_tensor rate.
bool fast16(const AccessPattern& a) {
  return a.space == MemSpace::kSbuf && is_16bit_float(a.dtype) && a.contiguous();
}

struct CycleRule {
  int64_t min_ii;
  int64_t overhead;
};

int64_t elementwise(int64_t n, const CycleRule& r) { return std::max(r.min_ii, n) + r.overhead; }

}  // namespace

Frequency engine_clock(const hw::ChipSpec& chip, EngineKind kind) {
  switch (kind) {
    case EngineKind::kTensor: return chip.tensor.clock;
    case EngineKind::kVector: return chip.vector.clock;
    case EngineKind::kScalar: return chip.scalar.clock;
    case EngineKind::kGpSimd: return chip.gpsimd.clock;
    case EngineKind::kDma: break;
  }
  return chip.vector.clock;
}

const AccessPattern* stationary_of(const isa::Instruction& inst) {
  if (const auto* m = std::get_if<isa::Matmul>(&inst.body)) return &m->stationary;
  if (inst.engine.kind == EngineKind::kTensor) {
    if (const auto* t = std::get_if<isa::Transpose>(&inst.body)) return &t->src;
  }
  return nullptr;
}

int64_t stationary_load_cycles(const hw::ChipSpec& chip, const isa::Instruction& inst) {
  const AccessPattern* s = stationary_of(inst);
  if (!s) return 0;
  return static_cast<int64_t>(std::ceil(static_cast<double>(s->free_elems()) * chip.tensor.ls_cycles_per_col));
}

double matmul_flops(const isa::Instruction& inst) {
  const auto* m = std::get_if<isa::Matmul>(&inst.body);
  if (!m) return 0;
  // Double-row mode packs two K rows per partition: K = 2P, and each operand's free size is 2x.
  const double rows = m->double_row ? 2.0 : 1.0;
  return 2.0 * m->moving.partitions * rows * (m->stationary.free_elems() / rows) * (m->moving.free_elems() / rows);
}

int64_t compute_cycles(const hw::ChipSpec& chip, const isa::Instruction& inst) {
  const EngineKind kind = inst.engine.kind;
  CycleRule rule{64, 0};
  switch (kind) {
    case EngineKind::kVector: rule = {chip.vector.min_ii_cycles, chip.vector.static_overhead_cycles}; break;
    case EngineKind::kScalar: rule = {chip.scalar.min_ii_cycles, chip.scalar.static_overhead_cycles}; break;
    case EngineKind::kGpSimd: rule = {chip.gpsimd.min_ii_cycles, 0}; break;
    case EngineKind::kTensor: rule = {chip.tensor.min_ii_cycles, 0}; break;
    case EngineKind::kDma: return 0;
  }
  const double perf = kind == EngineKind::kVector ? std::max(1.0, chip.vector.perf_mode_factor) : 1.0;
  auto penalty = [](std::initializer_list<const AccessPattern*> aps) {
    for (const auto* ap : aps) {
      if (ap && strided(*ap)) return 2;
    }
    return 1;
  };

  return std::visit(
      [&](const auto& b) -> int64_t {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, isa::Matmul>) {
          // avg II = max(min(64, N_stat), N_mov); fp32 operands x4 (NISA-OLD, NA2).
          const int64_t rows = b.double_row ? 2 : 1;  // fp8 double-row: K = 2P at the bf16 rate (NA3)
          const int64_t n_mov = b.moving.free_elems() / rows;
          const int64_t n_stat = b.stationary.free_elems() / rows;
          int64_t ii = std::max(std::min<int64_t>(chip.tensor.min_ii_cycles, n_stat), n_mov);
          if (b.moving.dtype == DType::kF32 || b.stationary.dtype == DType::kF32) ii *= chip.tensor.fp32_ii_factor;
          return ii;
        } else if constexpr (std::is_same_v<T, isa::Transpose>) {
          if (kind == EngineKind::kTensor) {
            // back-to-back TensorE transpose: max(P, min(64, F)) (NISA-OLD).
            int64_t f = b.src.free_elems();
            int64_t c = std::max<int64_t>(b.src.partitions, std::min<int64_t>(chip.tensor.transpose_ii_cycles, f));
            if (b.src.dtype == DType::kF32) c = c * chip.tensor.fp32_ii_factor / 2;  // NA3: 2x faster fp32 transpose
            return c;
          }
          return elementwise(b.src.free_elems(), rule);
        } else if constexpr (std::is_same_v<T, isa::Activation>) {
          int64_t c = elementwise(b.src.free_elems() * penalty({&b.src, &b.dst}), rule);
          if (b.reduce_dst) c += chip.scalar.accumulate_readout_cycles;
          return c;
        } else if constexpr (std::is_same_v<T, isa::TensorTensor>) {
          const int64_t n = b.a.free_elems();
          const bool one_psum = b.a.space == MemSpace::kPsum || b.b.space == MemSpace::kPsum;
          const bool fast_op = b.op == AluOp::kAdd || b.op == AluOp::kMultiply || b.op == AluOp::kSubtract;
          const bool all16 = fast16(b.a) && fast16(b.b) && fast16(b.dst) && fast_op;
          return elementwise((one_psum || all16 ? n : 2 * n) * penalty({&b.a, &b.b, &b.dst}), rule);
        } else if constexpr (std::is_same_v<T, isa::TensorScalar> || std::is_same_v<T, isa::TensorCopy>) {
          int64_t n = b.src.free_elems() * penalty({&b.src, &b.dst});
          if (perf > 1.0 && fast16(b.src) && fast16(b.dst)) n = static_cast<int64_t>(std::ceil(n / perf));
          return elementwise(n, rule);
        } else if constexpr (std::is_same_v<T, isa::ScalarTensorTensor>) {
          const int64_t n = b.a.free_elems();
          const bool fast = fast16(b.a) && fast16(b.b) && fast16(b.dst) && n % 2 == 0;
          return elementwise((fast ? n : 2 * n) * penalty({&b.a, &b.b, &b.dst}), rule);
        } else if constexpr (std::is_same_v<T, isa::TensorReduce>) {
          int64_t n = b.src.free_elems();
          if (is_16bit_float(b.src.dtype) && is_16bit_float(b.dst.dtype) && (b.op == AluOp::kAdd || b.op == AluOp::kMax)) n /= 2;
          return elementwise(n * penalty({&b.src}), rule);
        } else if constexpr (std::is_same_v<T, isa::Memset>) {
          int64_t n = b.dst.free_elems();
          if (b.value == 0.0f && is_16bit_float(b.dst.dtype)) n /= 2;
          return elementwise(n, rule);
        } else if constexpr (std::is_same_v<T, isa::Iota> || std::is_same_v<T, isa::AffineSelect>) {
          return chip.gpsimd.start_cycles + b.dst.free_elems();
        } else if constexpr (std::is_same_v<T, isa::BnStats> || std::is_same_v<T, isa::Dropout>) {
          return elementwise(b.src.free_elems(), rule);
        } else if constexpr (std::is_same_v<T, isa::BnAggr>) {
          return elementwise(13 * b.src.free_elems() / 3, rule);
        } else if constexpr (std::is_same_v<T, isa::Reciprocal>) {
          return elementwise(8 * b.src.free_elems(), rule);
        } else if constexpr (std::is_same_v<T, isa::Random>) {
          return elementwise(b.dst.free_elems(), rule);
        } else {
          // semaphore ops and barriers: one cycle of sequencer work.
          return 1;
        }
      },
      inst.body);
}

DmaCost dma_cost(const hw::ChipSpec& chip, const isa::Instruction& inst) {
  DmaCost c;
  const AccessPattern* src = nullptr;
  const AccessPattern* dst = nullptr;
  if (const auto* d = std::get_if<isa::DmaCopy>(&inst.body)) {
    src = &d->src;
    dst = &d->dst;
  } else if (const auto* t = std::get_if<isa::DmaTranspose>(&inst.body)) {
    src = &t->src;
    dst = &t->dst;
    c.efficiency = src->space == MemSpace::kHbm ? chip.dma.transpose_hbm_efficiency
                                                : chip.dma.transpose_sbuf_efficiency;
  } else {
    return c;  // semaphore ops / barriers on a DMA queue
  }
  c.bytes = std::max(src->bytes(), dst->bytes());
  if (src->space == MemSpace::kHbm) c.hbm_read = src->bytes();
  if (dst->space == MemSpace::kHbm) c.hbm_write = dst->bytes();
  if (c.efficiency <= 0) c.efficiency = 1.0;
  return c;
}

}  // namespace trnsim::core

#include "trnsim/kernels/builder.h"

#include <algorithm>

#include "trnsim/base/error.h"
#include "trnsim/base/units.h"

namespace trnsim::kernels {
namespace {

constexpr int64_t kSbufAlign = 64;
constexpr int64_t kMinDmaPieceFloor = 4 * 1024;

}  // namespace

KernelBuilder::KernelBuilder(const hw::ChipSpec& chip, std::string name)
    : chip_(chip),
      sbuf_alloc_(MemSpace::kSbuf, chip.sbuf.partition_bytes, kSbufAlign),
      psum_alloc_(MemSpace::kPsum, chip.psum.partition_bytes, chip.psum.bank_bytes()),
      deps_(isa::kNumComputeEngines + chip.dma.queues_per_core),
      counts_(isa::kNumComputeEngines + chip.dma.queues_per_core, 0) {
  program_.name = std::move(name);
}

HbmTensor KernelBuilder::add_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                                    isa::TensorRole role) {
  if (program_.find_tensor(name) >= 0) {
    throw input_error("kernel " + program_.name, "tensor '" + name + "' is declared twice", "give each tensor its own name");
  }
  // Bytes in double: shapes past any HBM must not overflow before the check refuses them, and
  // must be refused before the kernel emits instructions for them.
  double bytes = numerics::dtype_size(dtype);
  for (int64_t d : shape) {
    if (d <= 0) throw input_error("kernel " + program_.name + ": tensor " + name, "has a dimension <= 0", "use positive sizes");
    bytes *= static_cast<double>(d);
  }
  hbm_bytes_ += bytes;
  if (chip_.hbm_capacity.v > 0 && hbm_bytes_ > static_cast<double>(chip_.hbm_capacity.v)) {
    throw Error(ErrorKind::kCapacity, "kernel " + program_.name + ": tensor " + name,
                "brings the HBM tensors to " + format_bytes(hbm_bytes_) + ", more than the " +
                    format_bytes(chip_.hbm_capacity.v) + " of HBM on a " + chip_.name + " chip",
                "use smaller shapes or split the work into several kernels");
  }
  HbmTensor h;
  h.id = static_cast<int32_t>(program_.tensors.size());
  h.name = name;
  h.dtype = dtype;
  h.cols = shape.empty() ? 1 : shape.back();
  h.rows = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) h.rows *= shape[i];
  program_.tensors.push_back({name, dtype, std::move(shape), role});
  return h;
}

HbmTensor KernelBuilder::input(const std::string& n, DType t, std::vector<int64_t> s) {
  return add_tensor(n, t, std::move(s), isa::TensorRole::kInput);
}
HbmTensor KernelBuilder::output(const std::string& n, DType t, std::vector<int64_t> s) {
  return add_tensor(n, t, std::move(s), isa::TensorRole::kOutput);
}
HbmTensor KernelBuilder::scratch(const std::string& n, DType t, std::vector<int64_t> s) {
  return add_tensor(n, t, std::move(s), isa::TensorRole::kScratch);
}

Tile KernelBuilder::tile(MemSpace space, const std::string& name, DType dtype, int32_t partitions, int64_t cols) {
  const bool sbuf = space == MemSpace::kSbuf;
  const int32_t limit = sbuf ? chip_.sbuf.partitions : chip_.psum.partitions;
  if (partitions < 1 || partitions > limit) {
    throw input_error("tile " + name, "asks for " + std::to_string(partitions) + " partitions",
                      "use 1.." + std::to_string(limit));
  }
  Tile t;
  t.space = space;
  t.dtype = dtype;
  t.partitions = partitions;
  t.cols = cols;
  t.name = name;
  t.offset = (sbuf ? sbuf_alloc_ : psum_alloc_).allocate(cols * numerics::dtype_size(dtype), name);
  t.alloc = next_alloc_++;
  return t;
}

Tile KernelBuilder::sbuf(const std::string& name, DType dtype, int32_t partitions, int64_t cols) {
  return tile(MemSpace::kSbuf, name, dtype, partitions, cols);
}

Tile KernelBuilder::psum(const std::string& name, int32_t partitions, int64_t cols, DType dtype) {
  return tile(MemSpace::kPsum, name, dtype, partitions, cols);
}

void KernelBuilder::release(const Tile& t) {
  (t.space == MemSpace::kPsum ? psum_alloc_ : sbuf_alloc_).release(t.offset);
}

int KernelBuilder::stream_of(EngineId e) const {
  switch (e.kind) {
    case EngineKind::kTensor: return 0;
    case EngineKind::kVector: return 1;
    case EngineKind::kScalar: return 2;
    case EngineKind::kGpSimd: return 3;
    case EngineKind::kDma: break;
  }
  if (e.queue < 0 || e.queue >= chip_.dma.queues_per_core) {
    throw input_error("kernel " + program_.name, "DMA queue " + std::to_string(e.queue) + " does not exist",
                      "use queues 0.." + std::to_string(chip_.dma.queues_per_core - 1));
  }
  return isa::kNumComputeEngines + e.queue;
}

void KernelBuilder::emit(EngineId e, isa::Body body, const std::vector<const AccessPattern*>& reads,
                         const std::vector<const AccessPattern*>& writes) {
  if (program_.instructions.size() >= static_cast<size_t>(kMaxInstructions)) {
    throw input_error("kernel " + program_.name,
                      "needs more than " + std::to_string(kMaxInstructions) +
                          " instructions (each holds about 1 KiB of host memory while it is simulated)",
                      "use smaller shapes or split the work into several kernels");
  }
  const int s = stream_of(e);
  std::vector<Access> acc;
  acc.reserve(reads.size() + writes.size());
  for (const auto* ap : reads) {
    if (ap) acc.push_back({region_of(*ap, program_.tensors), false});
  }
  for (const auto* ap : writes) {
    if (ap) acc.push_back({region_of(*ap, program_.tensors), true});
  }
  const int64_t ordinal = ++counts_[s];
  isa::Instruction inst;
  inst.engine = e;
  inst.body = std::move(body);
  inst.waits = deps_.add(s, ordinal, acc);
  inst.signal = s;
  program_.instructions.push_back(std::move(inst));
}

EngineId KernelBuilder::next_queue(const DmaQueues& q) {
  const int count = q.count > 0 ? q.count : dma_queues();
  const int qi = q.first + (next_queue_++ % count);
  return EngineId{EngineKind::kDma, qi};
}

int KernelBuilder::pieces_for(const AccessPattern& dst, int32_t partitions, const DmaQueues& q) const {
  if (!q.split) return 1;
  const int count = q.count > 0 ? q.count : chip_.dma.queues_per_core;
  if (q.spread) return std::clamp(partitions, 1, count);
  // A queue prepares a transfer's descriptors while the previous one moves data (hardware-facts
  // 1.4), so pieces whose data phase is shorter than the fixed cost leave the queue overhead-bound:
  // split only into pieces of at least fixed_cost x queue bandwidth.
  const auto min_piece = std::max<int64_t>(
      kMinDmaPieceFloor, static_cast<int64_t>(chip_.dma.fixed_cost.seconds() * chip_.dma.queue_bandwidth.bytes_per_s));
  const int64_t by_size = std::max<int64_t>(1, dst.bytes() / min_piece);
  return static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(by_size, partitions), 1, count));
}

void KernelBuilder::dma_pieces(const AccessPattern& dst, const AccessPattern& src, DmaQueues q, bool splittable,
                               const SliceFn& slice_src, const MakeDmaFn& make) {
  int pieces = splittable ? pieces_for(dst, dst.partitions, q) : 1;
  const int32_t group = (dst.partitions + pieces - 1) / pieces;
  pieces = (dst.partitions + group - 1) / group;
  for (int i = 0; i < pieces; ++i) {
    const int32_t p0 = i * group, np = std::min(group, dst.partitions - p0);
    AccessPattern d = pieces == 1 ? dst : slice_partitions(dst, p0, np);
    AccessPattern s = pieces == 1 ? src : slice_src(src, p0, np);
    emit(next_queue(q), make(d, s), {&s}, {&d});
  }
}

void KernelBuilder::dma_copy(const AccessPattern& dst, const AccessPattern& src, DmaQueues q) {
  dma_pieces(dst, src, q, dst.partitions == src.partitions, slice_partitions,
             [](const AccessPattern& d, const AccessPattern& s) -> isa::Body { return isa::DmaCopy{d, s}; });
}

void KernelBuilder::dma_transpose(const AccessPattern& dst, const AccessPattern& src, DmaQueues q) {
  // dst partition j comes from src column j: split dst partitions and src free dim 0 together.
  dma_pieces(dst, src, q, src.num_free == 1 && src.free[0].size == dst.partitions, slice_free0,
             [](const AccessPattern& d, const AccessPattern& s) -> isa::Body { return isa::DmaTranspose{d, s}; });
}

void KernelBuilder::matmul(const AccessPattern& dst, const AccessPattern& stationary, const AccessPattern& moving,
                           bool accumulate, bool double_row) {
  emit(on(EngineKind::kTensor), isa::Matmul{dst, stationary, moving, accumulate, double_row},
       {&stationary, &moving}, {&dst});
}

void KernelBuilder::transpose(const AccessPattern& dst, const AccessPattern& src, EngineId e) {
  emit(e, isa::Transpose{dst, src}, {&src}, {&dst});
}

void KernelBuilder::activation(const AccessPattern& dst, const AccessPattern& src, ActFunc f,
                               std::optional<AccessPattern> bias, ScalarOperand scale, EngineId e) {
  isa::Activation a{dst, src, f, scale, bias, std::nullopt};
  const AccessPattern* sc = scale.is_ap ? &a.scale.ap : nullptr;
  const AccessPattern* bi = a.bias ? &*a.bias : nullptr;
  emit(e, a, {&a.src, sc, bi}, {&a.dst});
}

void KernelBuilder::activation_reduce(const AccessPattern& dst, const AccessPattern& src, ActFunc f,
                                      const AccessPattern& reduce_dst, std::optional<AccessPattern> bias,
                                      ScalarOperand scale, EngineId e) {
  isa::Activation a{dst, src, f, scale, bias, reduce_dst};
  const AccessPattern* sc = scale.is_ap ? &a.scale.ap : nullptr;
  const AccessPattern* bi = a.bias ? &*a.bias : nullptr;
  emit(e, a, {&a.src, sc, bi}, {&a.dst, &*a.reduce_dst});
}

void KernelBuilder::tensor_tensor(const AccessPattern& dst, const AccessPattern& a, const AccessPattern& b,
                                  AluOp op, EngineId e) {
  emit(e, isa::TensorTensor{dst, a, b, op}, {&a, &b}, {&dst});
}

void KernelBuilder::tensor_scalar(const AccessPattern& dst, const AccessPattern& src, AluOp op0, ScalarOperand s0,
                                  AluOp op1, ScalarOperand s1, EngineId e) {
  emit(e, isa::TensorScalar{dst, src, op0, s0, op1, s1},
       {&src, s0.is_ap ? &s0.ap : nullptr, s1.is_ap ? &s1.ap : nullptr}, {&dst});
}

void KernelBuilder::scalar_tensor_tensor(const AccessPattern& dst, const AccessPattern& a, AluOp op0,
                                         ScalarOperand scalar, AluOp op1, const AccessPattern& b, EngineId e) {
  emit(e, isa::ScalarTensorTensor{dst, a, b, op0, scalar, op1}, {&a, &b, scalar.is_ap ? &scalar.ap : nullptr},
       {&dst});
}

void KernelBuilder::tensor_reduce(const AccessPattern& dst, const AccessPattern& src, AluOp op, bool negate,
                                  EngineId e) {
  emit(e, isa::TensorReduce{dst, src, op, negate}, {&src}, {&dst});
}

void KernelBuilder::tensor_copy(const AccessPattern& dst, const AccessPattern& src, EngineId e) {
  emit(e, isa::TensorCopy{dst, src}, {&src}, {&dst});
}

void KernelBuilder::memset(const AccessPattern& dst, float value, EngineId e) {
  emit(e, isa::Memset{dst, value}, {}, {&dst});
}

void KernelBuilder::iota(const AccessPattern& dst, const isa::AffineExpr& expr, EngineId e) {
  emit(e, isa::Iota{dst, expr}, {}, {&dst});
}

void KernelBuilder::affine_select(const AccessPattern& dst, const AccessPattern& src, const isa::AffineExpr& expr,
                                  AluOp cmp, float fill, EngineId e) {
  emit(e, isa::AffineSelect{dst, src, expr, cmp, fill}, {&src}, {&dst});
}

void KernelBuilder::bn_stats(const AccessPattern& dst, const AccessPattern& src, EngineId e) {
  emit(e, isa::BnStats{dst, src}, {&src}, {&dst});
}

void KernelBuilder::bn_aggr(const AccessPattern& dst, const AccessPattern& src, EngineId e) {
  emit(e, isa::BnAggr{dst, src}, {&src}, {&dst});
}

void KernelBuilder::reciprocal(const AccessPattern& dst, const AccessPattern& src, EngineId e) {
  emit(e, isa::Reciprocal{dst, src}, {&src}, {&dst});
}

void KernelBuilder::random(const AccessPattern& dst, EngineId e) { emit(e, isa::Random{dst}, {}, {&dst}); }

void KernelBuilder::dropout(const AccessPattern& dst, const AccessPattern& src, float prob, EngineId e) {
  emit(e, isa::Dropout{dst, src, prob}, {&src}, {&dst});
}

int32_t KernelBuilder::new_semaphore() {
  return static_cast<int32_t>(counts_.size()) + user_sems_++;
}

void KernelBuilder::sem_signal(int32_t sem, int32_t add, EngineId e) { emit(e, isa::SemSignal{sem, add}, {}, {}); }

void KernelBuilder::sem_wait(int32_t sem, int64_t value, EngineId e) {
  emit(e, isa::SemWait{sem, value}, {}, {});
  deps_.note_wait(stream_of(e), sem, value);
}

void KernelBuilder::barrier(EngineId e) { emit(e, isa::Barrier{}, {}, {}); }

isa::Program KernelBuilder::finish() {
  program_.num_semaphores = static_cast<int32_t>(counts_.size()) + user_sems_;
  return std::move(program_);
}

}  // namespace trnsim::kernels

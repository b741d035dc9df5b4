// The kernel-builder API: declare HBM tensors, allocate tiles in SBUF / PSUM, emit one call per
// instruction, and get an isa::Program whose semaphores are inserted automatically.
//
// Streams and semaphores: compute engines are streams 0..3 (tensor, vector, scalar, gpsimd), DMA
// queue q is stream 4+q; semaphore i belongs to stream i and counts its completed instructions
// (every instruction signals its stream's semaphore). Semaphores from new_semaphore() come after.
// See docs/kernels.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"
#include "trnsim/kernels/allocator.h"
#include "trnsim/kernels/dep_tracker.h"
#include "trnsim/kernels/tile.h"

namespace trnsim::kernels {

using isa::ActFunc;
using isa::AluOp;
using isa::EngineId;
using isa::EngineKind;
using isa::ScalarOperand;

inline ScalarOperand imm(float v) { return ScalarOperand{false, v, {}}; }
inline ScalarOperand per_partition(const AccessPattern& ap) { return ScalarOperand{true, 0.0f, ap}; }
inline EngineId on(EngineKind k) { return EngineId{k, 0}; }

// Which DMA queues a transfer may use: [first, first+count); count 0 means all queues.
struct DmaQueues {
  int first = 0;
  int count = 0;
  bool split = true;   // split large transfers by partition groups over the queues
  bool spread = false;  // split over every queue whatever the size: lowest latency (a kernel's tail)
};

// Most instructions one kernel may emit: a bound on the host memory a run takes (about 1 KiB per
// instruction), far above the library's kernels at their largest realistic shapes.
constexpr int64_t kMaxInstructions = int64_t{1} << 23;

class KernelBuilder {
 public:
  KernelBuilder(const hw::ChipSpec& chip, std::string name);

  const hw::ChipSpec& chip() const { return chip_; }
  int dma_queues() const { return chip_.dma.queues_per_core; }

  // --- HBM tensors -------------------------------------------------------------------------
  HbmTensor input(const std::string& name, DType dtype, std::vector<int64_t> shape);
  HbmTensor output(const std::string& name, DType dtype, std::vector<int64_t> shape);
  HbmTensor scratch(const std::string& name, DType dtype, std::vector<int64_t> shape);

  // --- tiles -------------------------------------------------------------------------------
  // `partitions` x `cols` elements; PSUM tiles start on a bank boundary and take whole banks.
  Tile sbuf(const std::string& name, DType dtype, int32_t partitions, int64_t cols);
  Tile psum(const std::string& name, int32_t partitions, int64_t cols, DType dtype = DType::kF32);
  void release(const Tile& t);
  int64_t sbuf_free() const { return sbuf_alloc_.free_bytes(); }
  int64_t psum_free() const { return psum_alloc_.free_bytes(); }

  // --- DMA ---------------------------------------------------------------------------------
  void dma_copy(const AccessPattern& dst, const AccessPattern& src, DmaQueues q = {});
  void dma_transpose(const AccessPattern& dst, const AccessPattern& src, DmaQueues q = {});

  // --- TensorE -----------------------------------------------------------------------------
  void matmul(const AccessPattern& dst, const AccessPattern& stationary, const AccessPattern& moving,
              bool accumulate, bool double_row = false);
  void transpose(const AccessPattern& dst, const AccessPattern& src, EngineId e = on(EngineKind::kTensor));

  // --- Vector / Scalar / GpSimd ------------------------------------------------------------
  void activation(const AccessPattern& dst, const AccessPattern& src, ActFunc f,
                  std::optional<AccessPattern> bias = {}, ScalarOperand scale = imm(1.0f),
                  EngineId e = on(EngineKind::kScalar));
  void activation_reduce(const AccessPattern& dst, const AccessPattern& src, ActFunc f,
                         const AccessPattern& reduce_dst, std::optional<AccessPattern> bias = {},
                         ScalarOperand scale = imm(1.0f), EngineId e = on(EngineKind::kScalar));
  void tensor_tensor(const AccessPattern& dst, const AccessPattern& a, const AccessPattern& b, AluOp op,
                     EngineId e = on(EngineKind::kVector));
  void tensor_scalar(const AccessPattern& dst, const AccessPattern& src, AluOp op0, ScalarOperand s0,
                     AluOp op1 = AluOp::kBypass, ScalarOperand s1 = imm(0.0f),
                     EngineId e = on(EngineKind::kVector));
  void scalar_tensor_tensor(const AccessPattern& dst, const AccessPattern& a, AluOp op0, ScalarOperand scalar,
                            AluOp op1, const AccessPattern& b, EngineId e = on(EngineKind::kVector));
  void tensor_reduce(const AccessPattern& dst, const AccessPattern& src, AluOp op, bool negate = false,
                     EngineId e = on(EngineKind::kVector));
  void tensor_copy(const AccessPattern& dst, const AccessPattern& src, EngineId e = on(EngineKind::kVector));
  void memset(const AccessPattern& dst, float value, EngineId e = on(EngineKind::kVector));
  void iota(const AccessPattern& dst, const isa::AffineExpr& expr, EngineId e = on(EngineKind::kGpSimd));
  void affine_select(const AccessPattern& dst, const AccessPattern& src, const isa::AffineExpr& expr, AluOp cmp,
                     float fill, EngineId e = on(EngineKind::kGpSimd));
  void bn_stats(const AccessPattern& dst, const AccessPattern& src, EngineId e = on(EngineKind::kVector));
  void bn_aggr(const AccessPattern& dst, const AccessPattern& src, EngineId e = on(EngineKind::kVector));
  void reciprocal(const AccessPattern& dst, const AccessPattern& src, EngineId e = on(EngineKind::kVector));
  void random(const AccessPattern& dst, EngineId e = on(EngineKind::kGpSimd));
  void dropout(const AccessPattern& dst, const AccessPattern& src, float prob, EngineId e = on(EngineKind::kVector));

  // --- explicit synchronisation ------------------------------------------------------------
  int32_t new_semaphore();
  void sem_signal(int32_t sem, int32_t add = 1, EngineId e = on(EngineKind::kGpSimd));
  void sem_wait(int32_t sem, int64_t value, EngineId e = on(EngineKind::kGpSimd));
  void barrier(EngineId e = on(EngineKind::kGpSimd));

  // The stream (and semaphore) index of an engine.
  int stream_of(EngineId e) const;
  // Instructions emitted so far on a stream.
  int64_t count_on(EngineId e) const { return counts_[stream_of(e)]; }
  const isa::Program& program() const { return program_; }
  size_t live_dependency_records() const { return deps_.live_records(); }

  isa::Program finish();

 private:
  Tile tile(MemSpace space, const std::string& name, DType dtype, int32_t partitions, int64_t cols);
  HbmTensor add_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape, isa::TensorRole role);
  void emit(EngineId e, isa::Body body, const std::vector<const AccessPattern*>& reads,
            const std::vector<const AccessPattern*>& writes);
  EngineId next_queue(const DmaQueues& q);
  // One DMA split by partition groups over the queues (when `splittable`): dst by partitions,
  // src by `slice_src`, each piece made by `make`.
  using SliceFn = std::function<AccessPattern(const AccessPattern&, int32_t, int32_t)>;
  using MakeDmaFn = std::function<isa::Body(const AccessPattern&, const AccessPattern&)>;
  void dma_pieces(const AccessPattern& dst, const AccessPattern& src, DmaQueues q, bool splittable,
                  const SliceFn& slice_src, const MakeDmaFn& make);
  int pieces_for(const AccessPattern& dst, int32_t partitions, const DmaQueues& q) const;

  const hw::ChipSpec& chip_;
  isa::Program program_;
  double hbm_bytes_ = 0;  // the declared HBM tensors, checked against the chip as they are added
  OnChipAllocator sbuf_alloc_, psum_alloc_;
  DepTracker deps_;
  std::vector<int64_t> counts_;
  int next_queue_ = 0;
  int32_t next_alloc_ = 0;
  int32_t user_sems_ = 0;
};

}  // namespace trnsim::kernels

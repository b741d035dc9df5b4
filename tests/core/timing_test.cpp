// Timing-mode behaviour of the core simulator: costs, overlap, semaphores, DMA, deadlock.
#include <gtest/gtest.h>

#include "../common/trn2_like_chip.h"
#include "trnsim/base/error.h"
#include "trnsim/core/simulator.h"

namespace trnsim::core {
namespace {

using isa::AccessPattern;
using isa::EngineKind;
using isa::Instruction;
using isa::MemSpace;
using numerics::DType;

Instruction on(EngineKind k, isa::Body body, int queue = 0) {
  Instruction i;
  i.engine = {k, queue};
  i.body = std::move(body);
  return i;
}

isa::Matmul mm(int64_t stat_offset, int64_t n) {
  isa::Matmul m;
  m.stationary = isa::onchip(MemSpace::kSbuf, DType::kBF16, 0, 128, stat_offset, 128);
  m.moving = isa::onchip(MemSpace::kSbuf, DType::kBF16, 0, 128, 4096, n);
  m.dst = isa::onchip(MemSpace::kPsum, DType::kF32, 0, 128, 0, n);
  return m;
}

RunResult time_it(const isa::Program& p, SimOptions o = {}) {
  o.mode = Mode::kTiming;
  return simulate(testing::trn2_like_chip(), p, o, nullptr);
}

TEST(CoreTiming, MatmulCostIsMovingSizeAtTensorClockPlusFirstStationaryLoad) {
  isa::Program p;
  p.instructions.push_back(on(EngineKind::kTensor, mm(0, 512)));
  RunResult r = time_it(p);
  // 32 cycles of exposed LoadStationary + 512 cycles of MultiplyMoving at 2.4 GHz, each rounded up
  // to a whole picosecond.
  EXPECT_EQ(r.time, Frequency{2400000000}.cycles(32) + Frequency{2400000000}.cycles(512));
  EXPECT_DOUBLE_EQ(r.matmul_flops, 2.0 * 128 * 128 * 512);
}

TEST(CoreTiming, BackToBackMatmulsHideTheNextStationaryLoad) {
  isa::Program p;
  for (int i = 0; i < 10; ++i) p.instructions.push_back(on(EngineKind::kTensor, mm(i * 256, 512)));
  RunResult r = time_it(p);
  EXPECT_EQ(r.time, Frequency{2400000000}.cycles(32) + Frequency{2400000000}.cycles(512) * 10);
  EXPECT_GT(r.mfu, 0.99 * 10 * 512 / (32.0 + 10 * 512));
  EXPECT_LT(r.mfu, 1.0);
}

TEST(CoreTiming, SmallMatmulsPayTheMinimumInitiationInterval) {
  isa::Program p;
  p.instructions.push_back(on(EngineKind::kTensor, mm(0, 16)));
  p.instructions.push_back(on(EngineKind::kTensor, mm(0, 16)));
  EXPECT_EQ(time_it(p).time, Frequency{2400000000}.cycles(32) + Frequency{2400000000}.cycles(64) * 2);
}

isa::DmaCopy load(int64_t rows, int64_t cols) {
  isa::DmaCopy d;
  d.src.space = MemSpace::kHbm;
  d.src.dtype = DType::kBF16;
  d.src.tensor = 0;
  d.src.partitions = static_cast<int32_t>(rows);
  d.src.partition_stride = cols;
  d.src.free[0] = {cols, 1};
  d.dst = isa::onchip(MemSpace::kSbuf, DType::kBF16, 0, static_cast<int32_t>(rows), 0, cols);
  return d;
}

isa::Program with_input(int64_t rows, int64_t cols) {
  isa::Program p;
  p.tensors.push_back({"x", DType::kBF16, {rows, cols}, isa::TensorRole::kInput});
  return p;
}

TEST(CoreTiming, DmaCostsFixedLatencyPlusBytesOverQueueBandwidth) {
  isa::Program p = with_input(8, 2048);
  p.instructions.push_back(on(EngineKind::kDma, load(8, 2048)));
  RunResult r = time_it(p);
  const int64_t bytes = 8 * 2048 * 2;
  EXPECT_EQ(r.time, Time::ns(1300) + Bandwidth{23e9}.transfer(bytes));
  EXPECT_EQ(r.hbm_read_bytes, bytes);
}

TEST(CoreTiming, QueuedTransfersHideTheFixedCostBehindData) {
  isa::Program p = with_input(8, 2048);
  for (int i = 0; i < 4; ++i) p.instructions.push_back(on(EngineKind::kDma, load(8, 2048)));
  const Time data = Bandwidth{23e9}.transfer(8 * 2048 * 2);
  ASSERT_GT(data, Time::ns(1300));
  EXPECT_EQ(time_it(p).time, Time::ns(1300) + data * 4);
}

TEST(CoreTiming, QueuesRunInParallelUntilHbmIsShared) {
  isa::Program p = with_input(128, 4096);
  for (int q = 0; q < 16; ++q) p.instructions.push_back(on(EngineKind::kDma, load(8, 4096), q));
  const Time one = Time::ns(1300) + Bandwidth{23e9}.transfer(8 * 4096 * 2);
  EXPECT_EQ(time_it(p).time, one);
  SimOptions eight;
  eight.active_cores = 8;  // 2.9 TB/s / 8 = 362.5 GB/s < 16 x 23 GB/s
  EXPECT_GT(time_it(p, eight).time, one);
}

TEST(CoreTiming, SemaphoreOrdersEnginesAndEnginesOverlapOtherwise) {
  isa::Program p = with_input(128, 512);
  p.num_semaphores = 1;
  Instruction d = on(EngineKind::kDma, load(128, 512));
  d.signal = 0;
  p.instructions.push_back(d);
  isa::TensorCopy c;
  c.src = isa::onchip(MemSpace::kSbuf, DType::kF32, 0, 128, 0, 512);
  c.dst = isa::onchip(MemSpace::kSbuf, DType::kF32, 0, 128, 8192, 512);
  Instruction v = on(EngineKind::kVector, c);
  v.waits.push_back({0, 1});
  p.instructions.push_back(v);
  RunResult r = time_it(p);
  const Time dma = Time::ns(1300) + Bandwidth{23e9}.transfer(128 * 512 * 2);
  EXPECT_EQ(r.time, dma + Frequency{960000000}.cycles(512));

  p.instructions[1].waits.clear();  // no dependency: both start at 0
  EXPECT_EQ(time_it(p).time, dma);
}

TEST(CoreTiming, BarrierWaitsForEveryStream) {
  isa::Program p = with_input(8, 2048);
  p.instructions.push_back(on(EngineKind::kDma, load(8, 2048)));
  p.instructions.push_back(on(EngineKind::kTensor, isa::Barrier{}));
  p.instructions.push_back(on(EngineKind::kTensor, mm(0, 512)));
  RunResult r = time_it(p);
  const Time dma = Time::ns(1300) + Bandwidth{23e9}.transfer(8 * 2048 * 2);
  EXPECT_EQ(r.time, dma + Frequency{2400000000}.cycles(1) + Frequency{2400000000}.cycles(32) +
                        Frequency{2400000000}.cycles(512));
}

TEST(CoreTiming, DeadlockIsAnErrorNamingTheBlockedInstruction) {
  isa::Program p;
  p.num_semaphores = 1;
  Instruction t = on(EngineKind::kTensor, mm(0, 512));
  t.waits.push_back({0, 1});
  p.instructions.push_back(t);
  try {
    time_it(p);
    FAIL() << "expected a deadlock error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRuntime);
    EXPECT_NE(std::string(e.what()).find("tensor: instruction #0 (nc_matmul)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("semaphore 0 >= 1"), std::string::npos) << e.what();
  }
}

TEST(CoreTiming, SameProgramSameResult) {
  isa::Program p = with_input(128, 4096);
  for (int q = 0; q < 16; ++q) p.instructions.push_back(on(EngineKind::kDma, load(8, 4096), q));
  for (int i = 0; i < 5; ++i) p.instructions.push_back(on(EngineKind::kTensor, mm(i * 256, 512)));
  SimOptions o;
  o.record_trace = true;
  RunResult a = time_it(p, o), b = time_it(p, o);
  ASSERT_EQ(a.trace.size(), b.trace.size());
  for (size_t i = 0; i < a.trace.size(); ++i) {
    EXPECT_EQ(a.trace[i].start, b.trace[i].start);
    EXPECT_EQ(a.trace[i].end, b.trace[i].end);
  }
  EXPECT_EQ(a.time, b.time);
}

}  // namespace
}  // namespace trnsim::core

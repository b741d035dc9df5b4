#include "trnsim/kernels/builder.h"

#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "test_chip.h"

namespace trnsim::kernels {
namespace {

using isa::Wait;
constexpr int kTensor = 0, kVector = 1, kScalar = 2, kDma0 = 4;

const isa::Instruction& last(const KernelBuilder& b) { return b.program().instructions.back(); }

class KernelsBuilderTest : public ::testing::Test {
 protected:
  hw::ChipSpec chip_ = testing::test_chip();
};

TEST_F(KernelsBuilderTest, EveryInstructionSignalsItsStream) {
  KernelBuilder b(chip_, "t");
  Tile t = b.sbuf("t", DType::kF32, 128, 16);
  b.memset(t.ap(), 0.0f);
  b.activation(t.ap(), t.ap(), ActFunc::kExp);
  b.matmul(b.psum("p", 128, 16).ap(), t.ap(0, 128, 0, 16), t.ap(), false);
  const auto& ins = b.program().instructions;
  EXPECT_EQ(ins[0].signal, kVector);
  EXPECT_EQ(ins[1].signal, kScalar);
  EXPECT_EQ(ins[2].signal, kTensor);
  EXPECT_EQ(b.finish().num_semaphores, 4 + chip_.dma.queues_per_core);
}

TEST_F(KernelsBuilderTest, ReadAfterWriteAcrossStreamsWaits) {
  KernelBuilder b(chip_, "t");
  const HbmTensor x = b.input("x", DType::kF32, {4, 16});
  Tile t = b.sbuf("t", DType::kF32, 4, 16);
  b.dma_copy(t.ap(), x.rows_view(0, 4, 0, 16));
  const int q = last(b).engine.queue;
  b.tensor_copy(t.ap(), t.ap());  // reads what the DMA wrote
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kDma0 + q, 1}}));
}

TEST_F(KernelsBuilderTest, WriteAfterReadWaitsForTheReader) {
  KernelBuilder b(chip_, "t");
  Tile t = b.sbuf("t", DType::kF32, 4, 16);
  Tile u = b.sbuf("u", DType::kF32, 4, 16);
  b.tensor_copy(u.ap(), t.ap());                   // vector reads t
  b.tensor_copy(u.ap(), t.ap());                   // vector #2
  b.activation(t.ap(), u.ap(0, 4, 0, 16), ActFunc::kCopy);  // scalar writes t, reads u (RAW)
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kVector, 2}}));  // only the largest per stream
}

TEST_F(KernelsBuilderTest, WriteAfterWriteWaits) {
  KernelBuilder b(chip_, "t");
  Tile t = b.sbuf("t", DType::kF32, 4, 16);
  b.memset(t.ap(), 1.0f);
  b.memset(t.ap(), 2.0f, on(EngineKind::kGpSimd));
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kVector, 1}}));
}

TEST_F(KernelsBuilderTest, SameStreamAndReadReadNeedNoWait) {
  KernelBuilder b(chip_, "t");
  Tile t = b.sbuf("t", DType::kF32, 4, 16), u = b.sbuf("u", DType::kF32, 4, 16), v = b.sbuf("v", DType::kF32, 4, 16);
  b.memset(t.ap(), 1.0f);
  b.tensor_copy(u.ap(), t.ap());  // same stream as the memset
  EXPECT_TRUE(last(b).waits.empty());
  b.activation(v.ap(), u.ap(), ActFunc::kCopy);  // RAW on u
  b.activation(v.ap(), t.ap(), ActFunc::kCopy);  // t was read by vector only after its write: no new wait
  EXPECT_TRUE(last(b).waits.empty());
}

TEST_F(KernelsBuilderTest, DisjointPsumBanksAndBufferHalvesAreIndependent) {
  KernelBuilder b(chip_, "t");
  Tile s = b.sbuf("s", DType::kBF16, 128, 640);
  Tile acc = b.psum("acc", 128, 1024);  // banks 0 and 1
  Tile o = b.sbuf("o", DType::kF32, 128, 1024);
  b.matmul(acc.ap(0, 128, 0, 512), s.ap(0, 128, 0, 128), s.ap(0, 128, 128, 512), false);    // tensor #1 bank 0
  b.tensor_copy(o.ap(0, 128, 0, 512), acc.ap(0, 128, 0, 512));                            // vector #1
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kTensor, 1}}));
  b.matmul(acc.ap(0, 128, 512, 512), s.ap(0, 128, 0, 128), s.ap(0, 128, 128, 512), false);  // tensor #2 bank 1
  EXPECT_TRUE(last(b).waits.empty()) << "bank 1 does not depend on the eviction of bank 0";
  b.tensor_copy(o.ap(0, 128, 512, 512), acc.ap(0, 128, 512, 512));                         // vector #2
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kTensor, 2}}));
  b.matmul(acc.ap(0, 128, 0, 512), s.ap(0, 128, 0, 128), s.ap(0, 128, 128, 512), false);    // bank 0 again
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kVector, 1}}));  // WAR on the first eviction only
}

TEST_F(KernelsBuilderTest, DisjointPartitionsAreIndependent) {
  KernelBuilder b(chip_, "t");
  Tile t = b.sbuf("t", DType::kF32, 128, 16);
  b.memset(t.ap(0, 64, 0, 16), 0.0f);
  b.memset(t.ap(64, 64, 0, 16), 0.0f, on(EngineKind::kGpSimd));
  EXPECT_TRUE(last(b).waits.empty());
}

TEST_F(KernelsBuilderTest, HbmColumnBlocksAreIndependentButOverlapWaits) {
  KernelBuilder b(chip_, "t");
  const HbmTensor y = b.output("y", DType::kF32, {128, 1024});
  Tile t = b.sbuf("t", DType::kF32, 128, 512);
  b.dma_copy(y.rows_view(0, 128, 0, 512), t.ap(), DmaQueues{0, 1, false});
  b.dma_copy(y.rows_view(0, 128, 512, 512), t.ap(), DmaQueues{1, 1, false});
  EXPECT_TRUE(last(b).waits.empty()) << "column blocks of a row-major tensor do not overlap";
  b.dma_copy(t.ap(), y.rows_view(0, 128, 256, 512), DmaQueues{2, 1, false});  // reads both blocks
  EXPECT_EQ(last(b).waits, (std::vector<Wait>{{kDma0 + 0, 1}, {kDma0 + 1, 1}}));
}

TEST_F(KernelsBuilderTest, TransposedHbmViewCoversItsBox) {
  KernelBuilder b(chip_, "t");
  const HbmTensor x = b.input("x", DType::kBF16, {256, 300});
  const Region r = region_of(x.cols_view(10, 20, 100, 50), b.program().tensors);
  EXPECT_EQ(r.r0, 10);
  EXPECT_EQ(r.r1, 30);
  EXPECT_EQ(r.b0, 200);
  EXPECT_EQ(r.b1, 300);
}

TEST_F(KernelsBuilderTest, LargeDmaSplitsOverQueuesSmallDoesNot) {
  KernelBuilder b(chip_, "t");
  const HbmTensor x = b.input("x", DType::kBF16, {128, 4096});
  Tile t = b.sbuf("t", DType::kBF16, 128, 4096);
  b.dma_copy(t.ap(), x.rows_view(0, 128, 0, 4096));
  ASSERT_EQ(b.program().instructions.size(), 16u);
  std::vector<bool> seen(16, false);
  int64_t bytes = 0;
  for (const auto& in : b.program().instructions) {
    ASSERT_EQ(in.engine.kind, EngineKind::kDma);
    EXPECT_FALSE(seen[in.engine.queue]);
    seen[in.engine.queue] = true;
    const auto& c = std::get<isa::DmaCopy>(in.body);
    EXPECT_EQ(c.dst.partitions, 8);
    EXPECT_EQ(c.src.offset, c.dst.partition_start * 4096 * 2);
    bytes += c.dst.bytes();
  }
  EXPECT_EQ(bytes, 128 * 4096 * 2);
  b.dma_copy(t.ap(0, 128, 0, 16), x.rows_view(0, 128, 0, 16));  // 4 KiB: one transfer
  EXPECT_EQ(b.program().instructions.size(), 17u);
}

TEST_F(KernelsBuilderTest, SbufOverflowNamesTheTileAndWhatIsFree) {
  KernelBuilder b(chip_, "t");
  b.sbuf("big", DType::kF32, 128, 40 * 1024);  // 160 KiB of 192
  try {
    b.sbuf("too_much", DType::kF32, 128, 16 * 1024);
    FAIL() << "expected a capacity error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCapacity);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("too_much"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SBUF"), std::string::npos) << msg;
    EXPECT_NE(msg.find("free"), std::string::npos) << msg;
  }
}

TEST_F(KernelsBuilderTest, PsumIsBankAlignedAndReleasable) {
  KernelBuilder b(chip_, "t");
  Tile a = b.psum("a", 128, 100);
  Tile c = b.psum("c", 128, 600);  // > one bank: two banks
  EXPECT_EQ(a.offset, 0);
  EXPECT_EQ(c.offset, 2048);
  std::vector<Tile> rest;
  for (int i = 0; i < 5; ++i) rest.push_back(b.psum("r" + std::to_string(i), 128, 512));
  EXPECT_THROW(b.psum("ninth", 128, 1), Error);
  b.release(a);
  EXPECT_EQ(b.psum("again", 128, 512).offset, 0);
}

TEST_F(KernelsBuilderTest, ReleasedSbufIsReused) {
  KernelBuilder b(chip_, "t");
  Tile a = b.sbuf("a", DType::kF32, 128, 1000);
  Tile c = b.sbuf("c", DType::kF32, 128, 1000);
  b.release(a);
  b.release(c);
  EXPECT_EQ(b.sbuf_free(), chip_.sbuf.partition_bytes);
  EXPECT_EQ(b.sbuf("d", DType::kF32, 128, 48 * 1024).offset, 0);
}

TEST_F(KernelsBuilderTest, LongProgramsKeepFewLiveRecords) {
  KernelBuilder b(chip_, "t");
  std::vector<Tile> bufs;
  for (int i = 0; i < 4; ++i) bufs.push_back(b.sbuf("b" + std::to_string(i), DType::kBF16, 128, 512));
  Tile acc = b.psum("acc", 128, 2048);
  const HbmTensor x = b.input("x", DType::kBF16, {128, 512 * 64});
  for (int i = 0; i < 25000; ++i) {
    const Tile& t = bufs[i % 4];
    b.dma_copy(t.ap(), x.rows_view(0, 128, (i % 64) * 512, 512), DmaQueues{i % 16, 1, false});
    b.matmul(acc.ap(0, 128, (i % 4) * 512, 512), t.ap(0, 128, 0, 128), t.ap(), i % 8 != 0);
    b.tensor_copy(t.ap(0, 128, 0, 128), acc.ap(0, 128, (i % 4) * 512, 128));
    b.activation(t.ap(0, 128, 128, 128), t.ap(0, 128, 0, 128), ActFunc::kExp);
  }
  EXPECT_EQ(b.program().instructions.size(), 100000u);
  EXPECT_LT(b.live_dependency_records(), 200u);
}

TEST_F(KernelsBuilderTest, ExplicitSemaphoresComeAfterStreamSemaphores) {
  KernelBuilder b(chip_, "t");
  const int32_t s = b.new_semaphore();
  EXPECT_EQ(s, 4 + chip_.dma.queues_per_core);
  b.sem_signal(s, 1, on(EngineKind::kVector));
  b.sem_wait(s, 1, on(EngineKind::kScalar));
  b.barrier();
  EXPECT_EQ(b.finish().num_semaphores, s + 1);
}

}  // namespace
}  // namespace trnsim::kernels

// Data movement: dma_copy (HBM <-> SBUF, casts, partition_stride, strided and 3-D/4-D patterns),
// dma_transpose, nc_transpose, tensor_copy, memset, and the HbmImage fill/read API.
#include <gtest/gtest.h>

#include "functional_test_util.h"
#include "trnsim/base/error.h"

namespace trnsim::core::testing {
namespace {

isa::HbmTensor tensor(const char* name, DType t, std::vector<int64_t> shape) {
  return isa::HbmTensor{name, t, std::move(shape), isa::TensorRole::kInput};
}

TEST(FunctionalDma, HbmToSbufWithPartitionStrideAndCast) {
  Core c({tensor("x", DType::kF32, {4, 10})});
  const auto x = ramp(40, 5, -100.0f, 100.0f);
  c.hbm.write_f32(0, x);
  // rows 0..3, columns 2..7 of the 4 x 10 tensor, into bf16 SBUF partitions 3..6
  const auto src = hbm_ap(0, DType::kF32, 4, 10, 2 * 4, 6);
  const auto dst = sb(DType::kBF16, 3, 4, 64, 6);
  c.run(isa::DmaCopy{dst, src});
  const auto got = c.get(dst);
  for (int r = 0; r < 4; ++r) {
    for (int j = 0; j < 6; ++j) EXPECT_EQ(got[r * 6 + j], numerics::quantize(DType::kBF16, x[r * 10 + 2 + j]));
  }
}

TEST(FunctionalDma, SbufToHbmRoundTripIsExact) {
  Core c({tensor("y", DType::kBF16, {8, 16})});
  const auto v = quantized(DType::kBF16, ramp(128, 6));
  const auto tile = sb(DType::kBF16, 0, 8, 0, 16);
  c.set(tile, v);
  c.run(isa::DmaCopy{hbm_ap(0, DType::kBF16, 8, 16, 0, 16), tile});
  EXPECT_EQ(c.hbm.read_f32(0), v);
}

TEST(FunctionalDma, FourDimensionalStridedPattern) {
  Core c;
  // src: free dims [2][3][2][2] with strides (24, 8, 1, 3) — a permuted, gappy walk.
  AccessPattern src = sb(DType::kF32, 0, 2, 0, 1);
  src.num_free = 4;
  src.free = {isa::FreeDim{2, 24}, isa::FreeDim{3, 8}, isa::FreeDim{2, 1}, isa::FreeDim{2, 3}};
  const auto raw = sb(DType::kF32, 0, 2, 0, 48);
  const auto vals = ramp(96, 8);
  c.set(raw, vals);
  const auto dst = sb(DType::kF32, 0, 2, 1024, 24);
  c.run(isa::DmaCopy{dst, src});
  const auto got = c.get(dst);
  for (int p = 0; p < 2; ++p) {
    int e = 0;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 3; ++b)
        for (int d = 0; d < 2; ++d)
          for (int f = 0; f < 2; ++f, ++e) EXPECT_EQ(got[p * 24 + e], vals[p * 48 + a * 24 + b * 8 + d + f * 3]);
  }
}

TEST(FunctionalDma, ThreeDimensionalDestinationAndNegativeStride) {
  Core c;
  const auto src = sb(DType::kF32, 0, 1, 0, 12);
  c.set(src, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  AccessPattern dst = sb(DType::kF32, 0, 1, 256 + 11 * 4, 1);
  dst.num_free = 3;
  dst.free = {isa::FreeDim{2, -6}, isa::FreeDim{3, -2}, isa::FreeDim{2, -1}};  // reversed order
  c.run(isa::DmaCopy{dst, src});
  std::vector<float> want(12);
  for (int i = 0; i < 12; ++i) want[i] = static_cast<float>(11 - i);
  EXPECT_EQ(c.get(sb(DType::kF32, 0, 1, 256, 12)), want);
}

TEST(FunctionalDma, CastToFp8AndBack) {
  Core c;
  const auto src = sb(DType::kF32, 0, 2, 0, 4);
  const std::vector<float> v = {0.1f, -3.3f, 100.0f, 1.0f, 0.0f, -0.5f, 7.7f, 2.2f};
  c.set(src, v);
  const auto f8 = sb(DType::kFP8E4M3, 0, 2, 512, 4);
  c.run(isa::DmaCopy{f8, src});
  EXPECT_EQ(c.get(f8), quantized(DType::kFP8E4M3, v));
}

TEST(FunctionalDma, TransposeHbmToSbuf) {
  Core c({tensor("a", DType::kBF16, {3, 5})});
  const auto v = quantized(DType::kBF16, ramp(15, 9));
  c.hbm.write_f32(0, v);
  const auto dst = sb(DType::kF32, 0, 5, 0, 3);
  c.run(isa::DmaTranspose{dst, hbm_ap(0, DType::kBF16, 3, 5, 0, 5)});
  const auto got = c.get(dst);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_EQ(got[j * 3 + i], v[i * 5 + j]);
}

TEST(FunctionalTranspose, NcTransposeSbufToPsum) {
  Core c;
  const auto src = sb(DType::kBF16, 0, 32, 0, 20);
  const auto v = quantized(DType::kBF16, ramp(640, 10));
  c.set(src, v);
  const auto dst = ps(DType::kF32, 0, 20, 0, 32);
  c.run(isa::Transpose{dst, src});
  const auto got = c.get(dst);
  for (int i = 0; i < 32; ++i)
    for (int j = 0; j < 20; ++j) ASSERT_EQ(got[j * 32 + i], v[i * 20 + j]);
}

TEST(FunctionalCopy, TensorCopyRoundsToBf16AndOverlapsSafely) {
  Core c;
  const auto src = sb(DType::kF32, 0, 4, 0, 8);
  const auto v = ramp(32, 11);
  c.set(src, v);
  const auto dst = sb(DType::kBF16, 0, 4, 1000, 8);
  c.run(isa::TensorCopy{dst, src});
  EXPECT_EQ(c.get(dst), quantized(DType::kBF16, v));
  // shift partitions up by one over the same bytes: must behave like memmove
  c.run(isa::TensorCopy{sb(DType::kF32, 1, 4, 0, 8), src});
  const auto moved = c.get(sb(DType::kF32, 1, 4, 0, 8));
  EXPECT_EQ(moved, v);
}

TEST(FunctionalCopy, MemsetFillsOnlyThePattern) {
  Core c;
  const auto all = sb(DType::kBF16, 0, 2, 0, 8);
  c.set(all, std::vector<float>(16, 5.0f));
  AccessPattern every_other = sb(DType::kBF16, 0, 2, 0, 4);
  every_other.free[0].stride = 2;
  c.run(isa::Memset{every_other, 1.0f / 3.0f});
  const auto got = c.get(all);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(got[i], i % 2 == 0 ? numerics::quantize(DType::kBF16, 1.0f / 3.0f) : 5.0f);
}

TEST(FunctionalMemory, HbmImageRejectsWrongSizeAndUnallocated) {
  const isa::Program p = make_program({tensor("t", DType::kF32, {2, 2})});
  HbmImage image(p, true);
  EXPECT_THROW(image.write_f32(0, {1.0f}), Error);
  EXPECT_THROW(image.write_f32(3, {1, 2, 3, 4}), Error);
  HbmImage sizes_only(p, false);
  EXPECT_FALSE(sizes_only.allocated());
  EXPECT_THROW(sizes_only.read_f32(0), Error);
  OnChipMemory m(4, 16, false);
  EXPECT_FALSE(m.allocated());
  EXPECT_EQ(m.partition_bytes(), 16);
}

}  // namespace
}  // namespace trnsim::core::testing

// nc_matmul against a double-precision reference: fp32 accumulation of K products of exactly
// representable inputs stays within K * 2^-23 of the exact sum (relative to sum |a*b|).
#include <cmath>

#include <gtest/gtest.h>

#include "functional_test_util.h"

namespace trnsim::core::testing {
namespace {

struct Shape {
  int k, m, n;
};

// dst[m][n] = init[m][n] + sum_k s[k][m] * mov[k][n] in double; `mag` = sum of |terms|.
void reference(const std::vector<float>& s, const std::vector<float>& mov, const std::vector<float>& init,
               Shape sh, std::vector<double>& out, std::vector<double>& mag) {
  out.assign(static_cast<size_t>(sh.m * sh.n), 0.0);
  mag.assign(out.size(), 0.0);
  for (int i = 0; i < sh.m; ++i) {
    for (int j = 0; j < sh.n; ++j) {
      double acc = init.empty() ? 0.0 : init[i * sh.n + j], a = std::fabs(acc);
      for (int k = 0; k < sh.k; ++k) {
        const double t = static_cast<double>(s[k * sh.m + i]) * mov[k * sh.n + j];
        acc += t;
        a += std::fabs(t);
      }
      out[i * sh.n + j] = acc;
      mag[i * sh.n + j] = a;
    }
  }
}

void check_matmul(Shape sh, DType in_t, bool accumulate) {
  Core c;
  const auto st = sb(in_t, 0, sh.k, 0, sh.m);
  const auto mv = sb(in_t, 0, sh.k, 4096, sh.n);
  const auto dst = ps(DType::kF32, 0, sh.m, 0, sh.n);
  const auto sv = quantized(in_t, ramp(static_cast<size_t>(sh.k * sh.m), 1));
  const auto mvv = quantized(in_t, ramp(static_cast<size_t>(sh.k * sh.n), 2));
  const auto init = ramp(static_cast<size_t>(sh.m * sh.n), 3);
  c.set(st, sv);
  c.set(mv, mvv);
  c.set(dst, init);
  c.run(isa::Matmul{dst, st, mv, accumulate, false});
  std::vector<double> ref, mag;
  reference(sv, mvv, accumulate ? init : std::vector<float>{}, sh, ref, mag);
  const auto got = c.get(dst);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], ref[i], (sh.k + 1) * 0x1p-23 * mag[i] + 1e-30) << "element " << i;
  }
}

TEST(FunctionalMatmul, FullTileBf16Overwrite) { check_matmul({128, 128, 512}, DType::kBF16, false); }
TEST(FunctionalMatmul, FullTileBf16Accumulate) { check_matmul({128, 128, 512}, DType::kBF16, true); }
TEST(FunctionalMatmul, OddShapesF32) { check_matmul({3, 5, 37}, DType::kF32, false); }
TEST(FunctionalMatmul, OddShapesAccumulate) { check_matmul({77, 33, 129}, DType::kF32, true); }
TEST(FunctionalMatmul, SingleElement) { check_matmul({1, 1, 1}, DType::kBF16, false); }

TEST(FunctionalMatmul, AccumulationGroupSumsInstructions) {
  Core c;
  const auto st = sb(DType::kBF16, 0, 2, 0, 2);
  const auto mv = sb(DType::kBF16, 0, 2, 64, 2);
  const auto dst = ps(DType::kF32, 0, 2, 0, 2);
  c.set(dst, {100, 100, 100, 100});  // stale PSUM data the first matmul must overwrite
  c.set(st, {1, 2, 3, 4});           // s[k][m]
  c.set(mv, {1, 0, 0, 1});           // identity
  c.run(isa::Matmul{dst, st, mv, false, false});
  EXPECT_EQ(c.get(dst), (std::vector<float>{1, 3, 2, 4}));  // S^T
  c.run(isa::Matmul{dst, st, mv, true, false});
  EXPECT_EQ(c.get(dst), (std::vector<float>{2, 6, 4, 8}));
}

TEST(FunctionalMatmul, Bf16DestinationIsRounded) {
  Core c;
  const auto st = sb(DType::kF32, 0, 2, 0, 1);
  const auto mv = sb(DType::kF32, 0, 2, 64, 1);
  const auto dst = ps(DType::kBF16, 0, 1, 0, 1);
  c.set(st, {1.0f, 1.0f});
  c.set(mv, {1.0f, 0x1p-9f});  // 1 + 2^-9 is not a bf16: rounds to 1
  c.run(isa::Matmul{dst, st, mv, false, false});
  EXPECT_EQ(c.get(dst)[0], 1.0f);
}

TEST(FunctionalMatmul, StridedMovingAndPartitionOffset) {
  Core c;
  auto st = sb(DType::kF32, 10, 2, 0, 2);
  auto mv = sb(DType::kF32, 10, 2, 256, 3);
  mv.free[0].stride = 2;  // every other element
  const auto dst = ps(DType::kF32, 5, 2, 128, 3);
  c.set(st, {1, 2, 3, 4});
  c.set(mv, {1, 2, 3, 4, 5, 6});
  c.run(isa::Matmul{dst, st, mv, false, false});
  // dst[m][n] = s[0][m]*mv[0][n] + s[1][m]*mv[1][n]
  EXPECT_EQ(c.get(dst), (std::vector<float>{1 + 12, 2 + 15, 3 + 18, 2 + 16, 4 + 20, 6 + 24}));
}

}  // namespace
}  // namespace trnsim::core::testing

// fp8 double-row matmul: K = 2 x partitions, operands laid out [P, 2, M] / [P, 2, N].
#include <gtest/gtest.h>

#include <cmath>

#include "functional_test_util.h"

namespace trnsim::core::testing {
namespace {

AccessPattern pair_tile(MemSpace space, DType t, int32_t parts, int64_t offset, int64_t n) {
  AccessPattern ap = isa::onchip(space, t, 0, parts, offset, 2 * n);
  ap.num_free = 2;
  ap.free[0] = {2, n};
  ap.free[1] = {n, 1};
  return ap;
}

TEST(FunctionalDoubleRow, ContractsOverBothRowsOfEveryPartition) {
  Core core;
  const int32_t p = 96;
  const int64_t m = 40, n = 70;
  const AccessPattern st = pair_tile(MemSpace::kSbuf, DType::kFP8E4M3, p, 0, m);
  const AccessPattern mv = pair_tile(MemSpace::kSbuf, DType::kFP8E4M3, p, 1024, n);
  const std::vector<float> sv = quantized(DType::kFP8E4M3, ramp(p * 2 * m, 1));
  const std::vector<float> mvv = quantized(DType::kFP8E4M3, ramp(p * 2 * n, 2));
  core.set(st, sv);
  core.set(mv, mvv);
  isa::Matmul mm;
  mm.stationary = st;
  mm.moving = mv;
  mm.dst = isa::onchip(MemSpace::kPsum, DType::kF32, 0, static_cast<int32_t>(m), 0, n);
  mm.double_row = true;
  core.run(mm);
  const std::vector<float> got = core.get(mm.dst);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double want = 0;
      for (int32_t k = 0; k < p; ++k) {
        for (int r = 0; r < 2; ++r) want += double(sv[(k * 2 + r) * m + i]) * mvv[(k * 2 + r) * n + j];
      }
      ASSERT_NEAR(got[i * n + j], want, 1e-4 * (1 + std::fabs(want))) << i << "," << j;
    }
  }
}

}  // namespace
}  // namespace trnsim::core::testing

#include <gtest/gtest.h>

#include "trnsim/base/error.h"
#include "trnsim/isa/verifier.h"
#include "trnsim/kernels/kernel.h"
#include "trnsim/kernels/runner.h"
#include "test_chip.h"

namespace trnsim::kernels {
namespace {

KernelParams params(std::initializer_list<std::pair<const char*, std::string>> kv) {
  KernelParams p;
  for (const auto& [k, v] : kv) p.set_text(std::string(k) + "=" + v);
  return p;
}

// Every wait names a stream semaphore and an instruction emitted earlier on that stream, so the
// program can never wait for the future (a deadlock) whatever the timing.
void expect_waits_point_backwards(const isa::Program& p) {
  std::vector<int64_t> count(p.num_semaphores, 0);
  for (const auto& in : p.instructions) {
    for (const auto& w : in.waits) {
      ASSERT_GE(w.sem, 0);
      ASSERT_LT(w.sem, p.num_semaphores);
      EXPECT_LE(w.value, count[w.sem]) << "waits for an instruction not yet emitted";
    }
    if (in.signal >= 0) ++count[in.signal];
  }
}

void expect_correct(const std::string& name, const KernelParams& p, const hw::ChipSpec& chip) {
  const BuiltKernel k = build_kernel(name, p, chip);
  expect_waits_point_backwards(k.program);
  EXPECT_NO_THROW(isa::verify(k.program, chip)) << name;
  const KernelRun run = run_kernel(k, chip, core::Mode::kFunctional, 7);
  ASSERT_FALSE(run.checks.empty());
  for (const auto& c : run.checks) {
    EXPECT_EQ(c.mismatches, 0) << name << ": " << c.mismatches << " of " << c.elements << " wrong, first "
                               << c.first_mismatch << ", max abs error " << c.max_abs_error;
  }
}

class KernelsLibraryTest : public ::testing::Test {
 protected:
  hw::ChipSpec chip_ = testing::test_chip();
};

TEST_F(KernelsLibraryTest, GemmOddShapeBf16) {
  expect_correct("gemm", params({{"m", "200"}, {"n", "300"}, {"k", "170"}}), chip_);
}

TEST_F(KernelsLibraryTest, GemmMultiPanelF32Out) {
  expect_correct("gemm", params({{"m", "130"}, {"n", "2100"}, {"k", "260"}, {"out_dtype", "f32"}}), chip_);
}

TEST_F(KernelsLibraryTest, GemmFp8UsesTensorTransposes) {
  const BuiltKernel k = build_kernel("gemm", params({{"m", "200"}, {"n", "300"}, {"k", "170"}, {"dtype", "fp8e4m3"}}), chip_);
  EXPECT_NE(k.notes.find("TensorE transpose"), std::string::npos) << k.notes;
  expect_correct("gemm", params({{"m", "200"}, {"n", "300"}, {"k", "170"}, {"dtype", "fp8e4m3"}}), chip_);
}

int64_t count_matmuls(const isa::Program& p, bool double_row) {
  int64_t n = 0;
  for (const auto& in : p.instructions) {
    if (const auto* m = std::get_if<isa::Matmul>(&in.body)) n += m->double_row == double_row;
  }
  return n;
}

// fp8 on a chip with double-row mode: K = 256 per matmul. K = 520 = 2 x 256 + 8 and K = 397 =
// 256 + 2 x 70 + 1 cover a full pair, an uneven tail split over both row pairs, and single rows.
TEST_F(KernelsLibraryTest, GemmFp8DoubleRowOddShapes) {
  const auto p = params({{"m", "200"}, {"n", "300"}, {"k", "520"}, {"dtype", "fp8e4m3"}});
  const BuiltKernel k = build_kernel("gemm", p, chip_);
  EXPECT_NE(k.notes.find("double_row"), std::string::npos) << k.notes;
  // 2 row blocks x 1 column chunk (300 <= 512) x (2 double-row + 1 single) k-tiles.
  EXPECT_EQ(count_matmuls(k.program, true), 2 * 1 * 2);
  EXPECT_EQ(count_matmuls(k.program, false), 2 * 1 * 1);
  double issued = 0;
  for (const auto& in : k.program.instructions) {
    if (const auto* m = std::get_if<isa::Matmul>(&in.body)) {
      const double rows = m->double_row ? 2 : 1;
      issued += 2.0 * m->moving.partitions * rows * (m->stationary.free_elems() / rows) * (m->moving.free_elems() / rows);
    }
  }
  EXPECT_DOUBLE_EQ(issued, k.flops) << "no padding rows";
  expect_correct("gemm", p, chip_);
  expect_correct("gemm", params({{"m", "130"}, {"n", "700"}, {"k", "397"}, {"dtype", "fp8e4m3"}, {"out_dtype", "f32"}}),
                 chip_);
}

TEST_F(KernelsLibraryTest, GemmFp8WithoutDoubleRowOnTrn1LikeChip) {
  hw::ChipSpec trn1 = testing::test_chip(false);
  trn1.tensor.fp8_double_row = false;
  const auto p = params({{"m", "200"}, {"n", "300"}, {"k", "520"}, {"dtype", "fp8e4m3"}});
  const BuiltKernel k = build_kernel("gemm", p, trn1);
  EXPECT_EQ(k.notes.find("double_row"), std::string::npos) << k.notes;
  EXPECT_EQ(count_matmuls(k.program, true), 0);
  EXPECT_EQ(count_matmuls(k.program, false), 2 * 1 * 5);
  expect_correct("gemm", p, trn1);
}

TEST_F(KernelsLibraryTest, GemmWithoutDmaTranspose) {
  expect_correct("gemm", params({{"m", "260"}, {"n", "100"}, {"k", "300"}}), testing::test_chip(false));
}

TEST_F(KernelsLibraryTest, GemmCountsFlopsAndBytes) {
  const BuiltKernel k = build_kernel("gemm", params({{"m", "200"}, {"n", "300"}, {"k", "170"}}), chip_);
  EXPECT_DOUBLE_EQ(k.flops, 2.0 * 200 * 300 * 170);
  EXPECT_EQ(k.min_hbm_bytes, (200 * 170 + 170 * 300) * 2 + 200 * 300 * 2);
  double issued = 0;
  for (const auto& in : k.program.instructions) {
    if (const auto* m = std::get_if<isa::Matmul>(&in.body)) {
      issued += 2.0 * m->moving.partitions * m->stationary.free_elems() * m->moving.free_elems();
    }
  }
  EXPECT_DOUBLE_EQ(issued, k.flops) << "edge tiles must not compute padding";
}

TEST_F(KernelsLibraryTest, SoftmaxOddShape) {
  expect_correct("softmax", params({{"rows", "130"}, {"cols", "77"}}), chip_);
  expect_correct("softmax", params({{"rows", "300"}, {"cols", "515"}, {"dtype", "f32"}}), chip_);
}

TEST_F(KernelsLibraryTest, Norms) {
  expect_correct("rmsnorm", params({{"rows", "130"}, {"cols", "77"}}), chip_);
  expect_correct("layernorm", params({{"rows", "130"}, {"cols", "600"}}), chip_);
  expect_correct("layernorm", params({{"rows", "300"}, {"cols", "1030"}, {"dtype", "f16"}}), chip_);
  expect_correct("rmsnorm", params({{"rows", "700"}, {"cols", "515"}}), chip_);
  expect_correct("layernorm", params({{"rows", "7"}, {"cols", "33"}, {"dtype", "f32"}}), chip_);
}

TEST_F(KernelsLibraryTest, Elementwise) {
  expect_correct("gelu", params({{"rows", "130"}, {"cols", "77"}}), chip_);
  expect_correct("silu", params({{"rows", "3"}, {"cols", "5000"}, {"dtype", "f32"}}), chip_);
}

TEST_F(KernelsLibraryTest, TransposeBothMethods) {
  expect_correct("transpose", params({{"rows", "200"}, {"cols", "130"}}), chip_);
  expect_correct("transpose", params({{"rows", "200"}, {"cols", "130"}, {"method", "pe"}}), chip_);
  expect_correct("transpose", params({{"rows", "70"}, {"cols", "300"}, {"dtype", "fp8e4m3"}}), chip_);
}

TEST_F(KernelsLibraryTest, ElementwiseAndSoftmaxByteCounts) {
  EXPECT_EQ(build_kernel("softmax", params({{"rows", "130"}, {"cols", "77"}}), chip_).min_hbm_bytes, 2 * 130 * 77 * 2);
  EXPECT_EQ(build_kernel("gelu", params({{"rows", "10"}, {"cols", "10"}, {"dtype", "f32"}}), chip_).min_hbm_bytes, 800);
  EXPECT_EQ(build_kernel("layernorm", params({{"rows", "4"}, {"cols", "8"}}), chip_).min_hbm_bytes, (64 + 16) * 2);
}

// Causal with a partial last query tile and a diagonal inside a key block; full attention over
// several key blocks (the running max and the rescaling of o between blocks).
TEST_F(KernelsLibraryTest, AttentionFwdCausalAndFull) {
  expect_correct("attention_fwd", params({{"seq", "1300"}, {"head_dim", "96"}}), chip_);
  expect_correct("attention_fwd", params({{"seq", "1100"}, {"head_dim", "64"}, {"causal", "0"}}), chip_);
}

// Causal skips the blocks above the diagonal: about half the work of full attention.
TEST_F(KernelsLibraryTest, AttentionFwdCausalSkipsBlocks) {
  const BuiltKernel causal = build_kernel("attention_fwd", params({{"seq", "2048"}}), chip_);
  const BuiltKernel full = build_kernel("attention_fwd", params({{"seq", "2048"}, {"causal", "0"}}), chip_);
  EXPECT_NEAR(causal.flops / full.flops, 0.5, 0.01);
  const double tc = run_kernel(causal, chip_, core::Mode::kTiming, 1).result.time.seconds();
  const double tf = run_kernel(full, chip_, core::Mode::kTiming, 1).result.time.seconds();
  EXPECT_LT(tc, 0.75 * tf);
}

// The backward against a double-precision reference: causal with a partial tile (the diagonal
// mask on recomputed p), and full attention.
TEST_F(KernelsLibraryTest, AttentionBwdCausalAndFull) {
  expect_correct("attention_bwd", params({{"seq", "300"}, {"head_dim", "64"}}), chip_);
  expect_correct("attention_bwd", params({{"seq", "260"}, {"head_dim", "128"}, {"causal", "0"}}), chip_);
}

TEST_F(KernelsLibraryTest, AttentionFwdRejectsWhatDoesNotFit) {
  for (const auto& kv : {std::pair<const char*, const char*>{"head_dim", "256"}, {"seq", "1000000"}, {"causal", "2"}}) {
    try {
      build_kernel("attention_fwd", params({{kv.first, kv.second}}), chip_);
      FAIL() << kv.first;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(kv.first), std::string::npos) << e.what();
    }
  }
}

TEST_F(KernelsLibraryTest, UnknownOptionNamesItAndListsValidOnes) {
  try {
    build_kernel("gemm", params({{"mm", "3"}}), chip_);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'mm'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("m, n, k, dtype, out_dtype"), std::string::npos) << msg;
  }
}

TEST_F(KernelsLibraryTest, BadValuesAndKernelsAreInputErrors) {
  EXPECT_THROW(build_kernel("gemm", params({{"m", "abc"}}), chip_), Error);
  EXPECT_THROW(build_kernel("gemm", params({{"m", "0"}}), chip_), Error);
  EXPECT_THROW(build_kernel("gemm", params({{"out_dtype", "fp8e4m3"}}), chip_), Error);
  EXPECT_THROW(build_kernel("softmax", params({{"cols", "1000000"}}), chip_), Error);
  EXPECT_THROW(build_kernel("gemm", params({{"k", "100000"}}), chip_), Error);
  try {
    build_kernel("nosuch", {}, chip_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("softmax"), std::string::npos);
  }
}

TEST_F(KernelsLibraryTest, EveryRegisteredKernelBuildsWithDefaults) {
  for (const auto& info : kernel_registry()) {
    const BuiltKernel k = build_kernel(info.name, {}, chip_);
    EXPECT_FALSE(k.program.instructions.empty()) << info.name;
    EXPECT_TRUE(k.reference) << info.name;
    expect_waits_point_backwards(k.program);
    EXPECT_NO_THROW(isa::verify(k.program, chip_)) << info.name;
  }
}

}  // namespace
}  // namespace trnsim::kernels

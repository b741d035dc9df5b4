#include <gtest/gtest.h>

#include "cost_test_util.h"
#include "trnsim/base/error.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/cost/roofline_params.h"

namespace trnsim::cost {
namespace {
using testing::h100;
using testing::matmul;

double tflops(OpCostModel& m, const model::Op& op) { return op.flops / m.forward(op).seconds() / 1e12; }

TEST(CostRoofline, PicksCalibrationByAcceleratorName) {
  EXPECT_EQ(roofline_params_for("H100-SXM").name, "h100");
  EXPECT_EQ(roofline_params_for("h200").name, "h100");
  EXPECT_EQ(roofline_params_for("a100-80g").name, "a100");
  EXPECT_EQ(roofline_params_for("gb200").name, "b200");
  EXPECT_EQ(roofline_params_for("tpu-v5p").name, "tpu-v5p");
  EXPECT_EQ(roofline_params_for("tpu-v5e").name, "tpu-v5e");
  EXPECT_EQ(roofline_params_for("tpu-v6e").name, "tpu-v6e");
  EXPECT_THROW(roofline_params_for("mi300x"), Error);
  EXPECT_EQ(make_cost_model(h100(), {})->name(), "roofline/h100/bf16");
}

TEST(CostRoofline, EveryPresetLoadsWithSources) {
  const auto presets = list_roofline_presets();
  EXPECT_GE(presets.size(), 7u);
  for (const auto& name : presets) {
    RooflineParams p = load_roofline_params(name);
    EXPECT_FALSE(p.params.empty()) << name;
    for (const auto& info : p.params) EXPECT_FALSE(info.source.empty()) << name << " " << info.path;
  }
  EXPECT_THROW(load_roofline_params("trainium"), Error);  // a neuron calibration
}

TEST(CostRoofline, ElementwiseIsBytesOverBandwidth) {
  auto model = make_cost_model(h100(), {});
  const RooflineParams p = roofline_params_for("h100");
  const double bytes = 1e9;
  const double want = p.op_overhead.seconds() + bytes / (3.35e12 * p.mem_eff);
  EXPECT_NEAR(model->forward(testing::elementwise(bytes, 1e8)).seconds(), want, 1e-9);
  EXPECT_NEAR(model->memory_bound(bytes).seconds(), want, 1e-9);
  // Backward reads the output gradient and the input and writes the input gradient.
  EXPECT_NEAR(model->backward(testing::elementwise(bytes)).seconds(), p.op_overhead.seconds() + 2 * (want - p.op_overhead.seconds()), 1e-9);
}

TEST(CostRoofline, LargeGemmApproachesEffMaxTimesPeak) {
  auto model = make_cost_model(h100(), {});
  const RooflineParams p = roofline_params_for("h100");
  const model::Op op = matmul(16384, 16384, 16384);
  const double compute_s = model->forward(op).seconds() - p.op_overhead.seconds();
  EXPECT_NEAR(op.flops / compute_s, p.matmul_eff_max * p.sustained_fraction * 989e12, 1e-3 * 989e12);
}

TEST(CostRoofline, SmallGemmsAreSlowerPerFlop) {
  auto model = make_cost_model(h100(), {});
  const double t256 = tflops(*model, matmul(256, 256, 256));
  const double t1024 = tflops(*model, matmul(1024, 1024, 1024));
  const double t4096 = tflops(*model, matmul(4096, 4096, 4096));
  EXPECT_LT(t256, t1024);
  EXPECT_LT(t1024, t4096);
  EXPECT_LT(t256, 0.1 * t4096);
  // A skinny K is slower per FLOP than a square of the same work.
  EXPECT_LT(tflops(*model, matmul(8192, 8192, 128)), tflops(*model, matmul(2048, 2048, 2048)));
}

// The backward GEMMs run at their own shapes: the input gradient (m x k, inner n) and the weight
// gradient (k x n, inner m), each as fast as a forward GEMM of that shape would be.
TEST(CostRoofline, BackwardGemmsRunAtTheirOwnShapes) {
  auto model = make_cost_model(h100(), {});
  struct Shape { int64_t m, n, k; };
  for (const Shape s : {Shape{4096, 16384, 512}, Shape{4096, 576, 7168}, Shape{512, 8192, 8192}}) {
    const model::Op op = matmul(s.m, s.n, s.k);
    const double dgrad = model->forward(matmul(s.m, s.k, s.n)).seconds();
    const double wgrad = model->forward(matmul(s.k, s.n, s.m)).seconds();
    EXPECT_NEAR(model->backward(op).seconds() / (dgrad + wgrad), 1.0, 1e-6) << s.m << "x" << s.n << "x" << s.k;
    model::Op frozen = op;
    frozen.frozen = true;
    EXPECT_NEAR(model->backward(frozen).seconds() / dgrad, 1.0, 1e-6) << s.m << "x" << s.n << "x" << s.k;
  }
  // A short inner dimension in the forward (MLA's key/value up-projection, K = 512) is long in both
  // gradients: the backward is under twice the forward. A narrow output (n = 576) becomes the input
  // gradient's inner dimension: over twice.
  EXPECT_LT(model->backward(matmul(4096, 16384, 512)).seconds(), 1.9 * model->forward(matmul(4096, 16384, 512)).seconds());
  EXPECT_GT(model->backward(matmul(4096, 576, 7168)).seconds(), 2.03 * model->forward(matmul(4096, 576, 7168)).seconds());
}

// Published H100 SXM bf16 GEMM throughputs (TFLOP/s): XLA's measured default perf table (sm_90,
// xla/service/gpu/model/matmul_interpolator_data.h) and the MAMF table of ml-engineering. The
// curve (before the in-step sustained fraction) stays within 15% of each (the fit's RMS error
// over 72 shapes is 9%).
TEST(CostRoofline, H100MatchesPublishedGemmThroughput) {
  auto model = make_cost_model(h100(), {});
  const double sustained = roofline_params_for("h100").sustained_fraction;
  struct Point { int64_t b, m, n, k; double tflops; };
  const Point points[] = {
      {1, 4096, 4096, 4096, 783.3}, {2, 4096, 2048, 4096, 783.2}, {2, 4096, 4096, 2048, 763.0},
      {4, 1024, 2048, 2048, 712.7}, {1, 2048, 2048, 2048, 632.0}, {1, 1024, 2048, 2048, 524.3},
      {1, 2048, 2048, 13312, 794.5},  // MAMF best shape: 80.3% of 989
  };
  for (const Point& pt : points) {
    const double got = tflops(*model, matmul(pt.m, pt.n, pt.k, pt.b)) / sustained;
    EXPECT_NEAR(got / pt.tflops, 1.0, 0.15) << pt.b << "x" << pt.m << "x" << pt.n << "x" << pt.k << ": " << got;
  }
}

TEST(CostRoofline, BackwardIsTwiceMatmulAndFlashConventionForAttention) {
  auto model = make_cost_model(h100(), {});
  const model::Op mm = matmul(8192, 8192, 8192);
  EXPECT_NEAR(model->backward(mm).seconds() / model->forward(mm).seconds(), 2.0, 1e-6);
  // Frozen weights (LoRA's base model): the input gradient only, one forward's worth.
  model::Op frozen = mm;
  frozen.frozen = true;
  EXPECT_NEAR(model->backward(frozen).seconds() / model->forward(mm).seconds(), 1.0, 1e-6);
  const RooflineParams p = roofline_params_for("h100");
  const model::Op attn = testing::attention(8192, 128, 64);
  const double fwd = model->forward(attn).seconds() - p.op_overhead.seconds();
  const double bwd = model->backward(attn).seconds() - p.op_overhead.seconds();
  EXPECT_NEAR(bwd / fwd, 2.5 * p.attention.fwd_max / p.attention.bwd_max, 1e-3);
  // Flash attention at long sequences runs near its calibrated fraction of peak.
  EXPECT_NEAR(attn.flops / fwd / 989e12, attention_efficiency(p.attention, 8192, 8192, 128, false) * p.sustained_fraction,
              1e-3);
  EXPECT_GT(attention_efficiency(p.attention, 8192, 8192, 128, false), 0.9 * p.attention.fwd_max);
}

TEST(CostRoofline, Flash2AttentionRunsOnItsOwnCurve) {
  CostOptions fa2;
  fa2.attention = AttentionKernel::kFlash2;
  auto fused = make_cost_model(h100(), {});
  auto flash2 = make_cost_model(h100(), fa2);
  EXPECT_EQ(flash2->name(), "roofline/h100/bf16/flash2");
  const RooflineParams p = roofline_params_for("h100");
  ASSERT_TRUE(p.attention_flash2.has_value());
  const model::Op attn = testing::attention(8192, 128, 64);
  const double oh = p.op_overhead.seconds();
  for (bool bwd : {false, true}) {
    const double t_fused = (bwd ? fused->backward(attn) : fused->forward(attn)).seconds() - oh;
    const double t_fa2 = (bwd ? flash2->backward(attn) : flash2->forward(attn)).seconds() - oh;
    EXPECT_NEAR(t_fa2 / t_fused,
                attention_efficiency(p.attention, 8192, 8192, 128, bwd) /
                    attention_efficiency(*p.attention_flash2, 8192, 8192, 128, bwd),
                1e-6);
    // FlashAttention-2 reaches about 60% of the fused kernels' rate on Hopper (FlashAttention-3 paper).
    EXPECT_GT(t_fa2 / t_fused, 1.3);
  }
  // Matmuls do not depend on the attention kernel.
  EXPECT_EQ(flash2->forward(matmul(4096, 4096, 4096)), fused->forward(matmul(4096, 4096, 4096)));
}

TEST(CostRoofline, Flash2NeedsACalibration) {
  CostOptions fa2;
  fa2.attention = AttentionKernel::kFlash2;
  fa2.calibration = "tpu-v5p";  // a preset with no attention_flash2 block
  try {
    make_cost_model(h100(), fa2);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("use attention_kernel: fused"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_cost_model(testing::trn2_system(), fa2), Error);
}

TEST(CostRoofline, Fp8UsesTheFp8Peak) {
  CostOptions fp8;
  fp8.precision = Precision::kFp8;
  auto bf = make_cost_model(h100(), {});
  auto f8 = make_cost_model(h100(), fp8);
  const model::Op op = matmul(16384, 16384, 16384);
  const RooflineParams p = roofline_params_for("h100");
  // fp8 also pays a cast of its operands: read 2 and write 1 byte per element of A and B.
  const double bw = h100().accel.hbm_bandwidth.bytes_per_s * p.mem_eff;
  const double cast = p.op_overhead.seconds() + 2.0 * 16384.0 * 16384.0 * 3.0 / bw;
  const double ratio = (bf->forward(op) - p.op_overhead).seconds() /
                       ((f8->forward(op) - p.op_overhead).seconds() - cast);
  EXPECT_NEAR(ratio, 1979.0 * p.matmul_eff_max_fp8 / (989.0 * p.matmul_eff_max), 1e-3);
  // An accelerator without an fp8 peak falls back to bf16.
  auto a100 = make_cost_model(testing::gpu_system("a100-80g", 312e12, 0, 2.0e12), fp8);
  EXPECT_GT(a100->forward(op).seconds(), op.flops / 312e12);
}

// Transformer Engine, torchao and AQT quantize the block's linear layers only: the attention core,
// the router and the output head run in 16 bits whatever the plan's precision.
TEST(CostRoofline, SixteenBitOpsIgnoreTheFp8Peak) {
  CostOptions fp8;
  fp8.precision = Precision::kFp8;
  auto bf = make_cost_model(h100(), {});
  auto f8 = make_cost_model(h100(), fp8);
  model::Op head = matmul(8192, 16384, 8192);
  head.in_matmul_precision = false;
  EXPECT_EQ(f8->forward(head), bf->forward(head));
  EXPECT_EQ(f8->backward(head), bf->backward(head));
  EXPECT_LT(f8->forward(matmul(8192, 16384, 8192)), bf->forward(head));
  model::Op attn;
  attn.kind = model::OpKind::kAttention;
  attn.m = attn.n = 8192;
  attn.k = 128;
  attn.batch = 32;
  attn.flops = 4.0 * 8192 * 8192 * 128 * 32 * 0.5;
  attn.bytes = 1e8;
  attn.in_matmul_precision = false;
  EXPECT_EQ(f8->forward(attn), bf->forward(attn));
}

TEST(CostRoofline, TpuAndUnknownNames) {
  auto tpu = make_cost_model(testing::gpu_system("tpu-v5p", 459e12, 0, 2.76e12), {});
  EXPECT_EQ(tpu->name(), "roofline/tpu-v5p/bf16");
  EXPECT_GT(tpu->forward(matmul(8192, 8192, 8192)).seconds(), 2.0 * 8192.0 * 8192 * 8192 / 459e12);
  CostOptions bad;
  bad.model = "magic";
  EXPECT_THROW(make_cost_model(h100(), bad), Error);
  EXPECT_THROW(make_cost_model(testing::gpu_system("mystery-gpu", 1e15, 0, 1e12), {}), Error);
}

}  // namespace
}  // namespace trnsim::cost

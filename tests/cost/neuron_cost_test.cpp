#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cost_test_util.h"
#include "trnsim/base/error.h"
#include "trnsim/cost/neuron_cost.h"
#include "trnsim/hw/chip_loader.h"
#include "trnsim/kernels/kernel.h"
#include "trnsim/kernels/runner.h"

namespace trnsim::cost {
namespace {
using testing::matmul;
using testing::trn2_system;

std::unique_ptr<NeuronCostModel> make_trn2(const CostOptions& opts = {}) {
  const hw::SystemSpec s = trn2_system();
  return std::make_unique<NeuronCostModel>(s.accel, hw::load_chip("trn2"), load_neuron_params(), opts);
}

TEST(CostNeuron, ChosenForTrainium) {
  EXPECT_EQ(make_cost_model(trn2_system(), {})->name(), "neuron/trn2/lnc2/bf16");
  hw::SystemSpec no_chip = trn2_system();
  no_chip.accel.chip.clear();
  EXPECT_THROW(make_cost_model(no_chip, {}), Error);
}

// A 4096^3 matmul on one logical core (2 physical cores, N split in halves) runs at the chip
// simulator's gemm MFU (~0.9+) of the logical core's TensorE peak.
TEST(CostNeuron, SquareGemmRunsAtSimulatorMfu) {
  auto model = make_trn2();
  const NeuronParams p = load_neuron_params();
  const model::Op op = matmul(4096, 4096, 4096);
  const double busy = (model->forward(op) - p.op_overhead).seconds();
  const double mfu = op.flops / busy / model->logical_core_peak();
  EXPECT_GT(mfu, 0.85);
  EXPECT_LE(mfu, 1.0);
  EXPECT_EQ(model->simulations(), 1);
}

TEST(CostNeuron, CachesPerShapeAndTilesDeepK) {
  auto model = make_trn2();
  const Time a = model->forward(matmul(2048, 1024, 2048));
  const int64_t sims = model->simulations();
  model::Op same = matmul(2048, 1024, 2048);
  same.name = "other_op_same_shape";
  EXPECT_EQ(model->forward(same), a);
  EXPECT_EQ(model->simulations(), sims);
  EXPECT_GE(model->cache_hits(), 1);
  // K = 4 x block_k: one block simulated, counted four times.
  const Time k8 = model->gemm_time(1024, 1024, 8192);
  const int64_t before = model->simulations();
  EXPECT_EQ(model->gemm_time(1024, 1024, 32768).ps(), 4 * k8.ps());
  EXPECT_EQ(model->simulations(), before);
  // Batched products cost batch x one product.
  const NeuronParams p = load_neuron_params();
  EXPECT_EQ((model->forward(matmul(1024, 1024, 8192, 3)) - p.op_overhead).ps(), 3 * k8.ps());
}

TEST(CostNeuron, PersistentCacheServesALaterModel) {
  const std::string file = (std::filesystem::temp_directory_path() / "trnsim_cost_cache_test.tsv").string();
  std::remove(file.c_str());
  CostOptions opts;
  opts.cache_file = file;
  const model::Op op = matmul(1024, 2048, 1024);
  Time first;
  {
    auto model = make_trn2(opts);
    first = model->forward(op);
    EXPECT_EQ(model->simulations(), 1);
  }
  auto again = make_trn2(opts);
  EXPECT_EQ(again->forward(op), first);
  EXPECT_EQ(again->simulations(), 0);
  std::remove(file.c_str());
}

// One llama3-70b-like layer (hidden 8192, ffn 28672, 64 heads of 128, 8 kv heads, seq 8192,
// micro-batch 1, tp 8), forward and backward, for all 80 layers: a few dozen simulations at most.
TEST(CostNeuron, TrainingStepNeedsFewSimulations) {
  auto model = make_trn2();
  const int64_t tokens = 8192, h = 8192, tp = 8;
  const model::Op ops[] = {
      matmul(tokens, (h + 2 * 1024) / tp, h),  // qkv
      matmul(tokens, h, h / tp),               // out_proj
      matmul(tokens, 2 * 28672 / tp, h),       // mlp_up (gate + up)
      matmul(tokens, h, 28672 / tp),           // mlp_down
      testing::attention(8192, 128, 64 / tp),
      testing::elementwise(2.0 * tokens * h * 2),
  };
  Time total;
  for (int layer = 0; layer < 80; ++layer) {
    for (const auto& op : ops) total += model->forward(op) + model->backward(op);
  }
  EXPECT_LE(model->simulations(), 36);
  EXPECT_GT(total.seconds(), 0.0);
  // Backward of a matmul simulates dgrad and wgrad: about twice the forward.
  const double ratio = model->backward(ops[2]).seconds() / model->forward(ops[2]).seconds();
  EXPECT_GT(ratio, 1.7);
  EXPECT_LT(ratio, 2.5);
}

model::Op flash_attention(int64_t seq, int64_t heads) {
  model::Op op;
  op.name = "attn";
  op.kind = model::OpKind::kAttention;
  op.in_matmul_precision = false;
  op.flash = true;
  op.m = op.n = seq;
  op.k = 128;
  op.batch = heads;
  op.flops = 2.0 * heads * static_cast<double>(seq) * seq * 256 * 0.5;
  op.bytes = 2.0 * 4 * seq * 128 * heads;
  return op;
}

// Flash attention is the attention_fwd / attention_bwd kernels of one head, simulated once per
// (sequence, head size) and scaled by the heads; it is bound by ScalarE and VectorE, so it runs
// well below the matmul rate; the two physical cores of a logical core take half the heads each.
TEST(CostNeuron, FlashAttentionIsTheSimulatedKernel) {
  auto model = make_trn2();
  const NeuronParams p = load_neuron_params();
  const model::Op four = flash_attention(2048, 4), eight = flash_attention(2048, 8);
  const double f4 = (model->forward(four) - p.op_overhead).seconds();
  const double b4 = (model->backward(four) - p.op_overhead).seconds();
  EXPECT_EQ(model->simulations(), 2);
  EXPECT_NEAR((model->forward(eight) - p.op_overhead).seconds(), 2 * f4, 1e-3 * f4);
  EXPECT_EQ(model->simulations(), 2);  // the same head: cached
  const hw::ChipSpec chip = hw::load_chip("trn2");
  kernels::KernelParams kp;
  kp.set("seq", 2048).set("head_dim", 128);
  const kernels::BuiltKernel k = kernels::build_kernel("attention_fwd", kp, chip);
  core::SimOptions so;
  so.mode = core::Mode::kTiming;
  so.active_cores = chip.cores_per_chip;
  const double head = kernels::run_kernel(k, chip, so).result.time.seconds();
  EXPECT_NEAR(f4, head * four.flops / k.flops / 2, 1e-3 * f4);  // 4 heads over 2 physical cores
  const double rate = four.flops / f4 / model->logical_core_peak();
  EXPECT_GT(rate, 0.1);
  EXPECT_LT(rate, 0.6);
  EXPECT_GT(b4, f4);
  // The unfused path keeps its roofline and needs no simulation.
  model::Op unfused = four;
  unfused.flash = false;
  model->forward(unfused);
  EXPECT_EQ(model->simulations(), 2);
}

TEST(CostNeuron, StreamingOpsUseTheCoreShareOfHbm) {
  auto model = make_trn2();
  const hw::ChipSpec chip = hw::load_chip("trn2");
  const NeuronParams p = load_neuron_params();
  const double bytes = 1e9;
  const double share = std::min(chip.hbm_bandwidth.bytes_per_s * 2 / chip.cores_per_chip,
                                2.0 * chip.dma.queues_per_core * chip.dma.queue_bandwidth.bytes_per_s);
  EXPECT_NEAR(model->memory_bound(bytes).seconds(), p.op_overhead.seconds() + bytes / (share * p.mem_eff), 1e-9);
}

}  // namespace
}  // namespace trnsim::cost

namespace trnsim::cost {
namespace {
TEST(CostNeuron, CalibrationFiguresCarrySources) {
  const NeuronParams p = load_neuron_params();
  EXPECT_EQ(p.params.size(), 6u);
  for (const auto& info : p.params) EXPECT_FALSE(info.source.empty()) << info.path;
  EXPECT_THROW(load_neuron_params("h100"), Error);
}
}  // namespace
}  // namespace trnsim::cost

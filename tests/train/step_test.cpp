// One training step end to end: the breakdown adds up, scaling behaves, and steps at the largest
// published scales (4,096 chips; Project Rainier's 524,288 Trainium2 chips) simulate.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "train_test_util.h"
#include "trnsim/train/step.h"
#include "trnsim/train/step_parts.h"

namespace trnsim::train::testing {
namespace {

void expect_sane(const Experiment& e, const StepResult& r) {
  ASSERT_TRUE(r.fits) << r.memory.describe();
  EXPECT_TRUE(std::isfinite(r.step_time_s));
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_GT(r.mfu, 0.01);
  EXPECT_LT(r.mfu, 1.0);
  EXPECT_GE(r.hfu, r.mfu);
  EXPECT_LT(r.hfu, 1.0);
  EXPECT_NEAR(r.tokens_per_s * r.step_time_s, static_cast<double>(e.plan.global_batch) * e.model.seq_len,
              1e-6 * r.tokens_per_s * r.step_time_s);
  // The slowest stage's breakdown is the whole step.
  const StepBreakdown& b = r.breakdown;
  EXPECT_GT(b.compute_s, 0);
  EXPECT_LE(b.recompute_s, b.compute_s);
  const double sum = b.compute_s + b.tp_comm_s + b.cp_comm_s + b.ep_comm_s + b.pp_bubble_s + b.dp_comm_s +
                     b.offload_s + b.host_s + b.optimizer_s;
  EXPECT_NEAR(sum, r.step_time_s, 1e-6 * r.step_time_s);
  for (double part :
       {b.tp_comm_s, b.cp_comm_s, b.ep_comm_s, b.pp_bubble_s, b.dp_comm_s, b.offload_s, b.host_s, b.optimizer_s}) {
    EXPECT_GE(part, 0);
  }
  EXPECT_GE(r.slowest_stage, 0);
  EXPECT_LT(r.slowest_stage, e.plan.pp);
}

// The layer parts of `e` as the step simulation builds them, with the models that timed them.
struct PartsOf {
  explicit PartsOf(const Experiment& e)
      : cost(cost::make_cost_model(e.system, cost::CostOptions{})), net(e.system), timer(net),
        lp(layer_parts(e.model, e.plan, *cost, timer)) {}
  std::unique_ptr<cost::OpCostModel> cost;
  const net::NetworkModel net;
  NetworkTimer timer;
  const LayerParts lp;
};

TEST(TrainStep, ASmallStepIsSane) {
  const Experiment e = experiment(kTrn2, "llama3-8b",
                                  "global_batch: 64, micro_batch: 1, tp: 16, dp: 4, recompute: selective, precision: bf16");
  const StepResult r = simulate_step(e);
  expect_sane(e, r);
  EXPECT_EQ(r.breakdown.pp_bubble_s, 0);  // no pipeline
  EXPECT_GT(r.breakdown.tp_comm_s, 0);
  EXPECT_GT(r.breakdown.recompute_s, 0);
  // 6 x parameters x tokens, roughly (attention adds a little).
  const double tokens = 64.0 * 8192;
  EXPECT_GT(r.model_flops, 6 * 8.0e9 * tokens);
  EXPECT_LT(r.model_flops, 6 * 8.0e9 * tokens * 1.5);
}

TEST(TrainStep, MoreDataParallelismAtAFixedBatchIsFaster) {
  double last = 0;
  for (int nodes : {1, 2, 4, 8}) {
    const Experiment e = experiment(p5(8 * nodes), "llama3-8b",
                                    "global_batch: 64, tp: 8, dp: " + std::to_string(nodes) + ", precision: bf16");
    const StepResult r = simulate_step(e);
    expect_sane(e, r);
    if (last > 0) {
      EXPECT_LT(r.step_time_s, last) << nodes << " nodes";
    }
    last = r.step_time_s;
  }
}

TEST(TrainStep, ThePipelineBubbleShrinksWithMoreMicroBatches) {
  auto bubble_share = [](int64_t global_batch) {
    const Experiment e = experiment(p5(32), "llama3-8b",
                                    "global_batch: " + std::to_string(global_batch) +
                                        ", tp: 8, pp: 4, dp: 1, recompute: full, precision: bf16");
    const StepResult r = simulate_step(e);
    expect_sane(e, r);
    return r.breakdown.pp_bubble_s / r.step_time_s;
  };
  const double few = bubble_share(4), many = bubble_share(64);
  EXPECT_GT(few, 0);
  EXPECT_LT(many, few);
}

// Data-parallel synchronisation on fixed figures: chunks of equal work, collectives at 10 GB/s
// whatever the group, and a cost model whose only say is the overlap slowdown.
class FlatTimer : public CollectiveTimer {
 public:
  Time time(net::CollectiveKind, double bytes, const net::Group& g) override {
    return g.size <= 1 ? Time() : Time::from_seconds(bytes / 10e9);
  }
  int64_t ranks_per_domain() const override { return 8; }
};
class SlowdownOnly : public cost::OpCostModel {
 public:
  explicit SlowdownOnly(double s) : s_(s) {}
  Time forward(const model::Op&) override { return Time(); }
  Time backward(const model::Op&) override { return Time(); }
  Time memory_bound(double) override { return Time(); }
  double overlap_slowdown() const override { return s_; }
  std::string name() const override { return "slowdown-only"; }

 private:
  double s_;
};

// dp_comm of Llama 3 70B over pp 8 and dp 8 (no ZeRO) with one round of micro-batches, split into
// v chunks per stage: 1 ms forward and 2 ms backward per stage and micro-batch, 50 M parameters per
// stage (200 MB of fp32 gradients, 20 ms to all-reduce at 10 GB/s: more than the last micro-batch's
// backward, less than the stage's whole backward).
double dp_comm(int v, double slowdown, const std::string& extra = "") {
  const Experiment e = experiment(p5(512), "llama3-70b",
                                  "global_batch: 64, micro_batch: 1, tp: 8, pp: 8, dp: 8, zero: 0, precision: bf16, "
                                  "pp_schedule: interleaved-1f1b, pp_virtual_stages: " + std::to_string(v) + extra);
  const ParallelPlan& p = e.plan;
  std::vector<Part> chunks(static_cast<size_t>(p.pp) * v);
  for (Part& c : chunks) {
    c.fwd = Time::us(1000 / v);
    c.bwd = Time::us(2000 / v);
    c.dense_params = c.trained_dense = 50e6 / v;
  }
  FlatTimer timer;
  SlowdownOnly cost(slowdown);
  const PipelineResult pipe = run_pipeline(pipeline_input(e.model, p, chunks, timer), false);
  return finish_step(e, p, chunks, pipe.stages, cost, timer).breakdown.dp_comm_s;
}

constexpr double kReduceS = 200e6 / 10e9;

// Interleaving runs each chunk's backwards together, so the early chunks' gradient reductions
// hide behind the later chunks' backwards (Megatron starts a chunk's buckets when its last
// backward ends). Without interleaving only the last micro-batch's backward hides them.
TEST(TrainStep, InterleavedChunksHideTheirGradientReductions) {
  const double plain = dp_comm(1, 0), two = dp_comm(2, 0), four = dp_comm(4, 0);
  EXPECT_NEAR(plain, kReduceS - 0.002, 1e-9);
  EXPECT_LT(two, 0.7 * plain);
  EXPECT_LT(four, 0.5 * plain);
  // The last chunk's reduction (less than one 40M-parameter bucket) starts with its backward.
  EXPECT_GE(four, kReduceS / 4 - 0.0005);
}

// Without dp_overlap (Megatron-LM's local DDP before September 2023) the whole reduction follows
// the last backward, and nothing computes beside it to slow down.
TEST(TrainStep, WithoutDpOverlapTheWholeReductionShows) {
  for (int v : {1, 4}) {
    EXPECT_NEAR(dp_comm(v, 0, ", dp_overlap: false"), kReduceS, 1e-9) << "v " << v;
    EXPECT_NEAR(dp_comm(v, 0.2, ", dp_overlap: false"), kReduceS, 1e-9) << "v " << v;
  }
}

// Gradients reduced in bf16 move half the bytes of fp32 ones.
TEST(TrainStep, Bf16GradientReductionsMoveHalfTheBytes) {
  const double fp32 = dp_comm(1, 0, ", dp_overlap: false"), bf16 = dp_comm(1, 0, ", dp_overlap: false, grad_reduce_in_fp32: false");
  EXPECT_GT(bf16, 0.4 * fp32);
  EXPECT_LT(bf16, 0.6 * fp32);
}

// Offloaded activations stall the compute by what their copies outlast it: a layer's saved
// activations over the host link against the layer's own forward and backward.
TEST(TrainStep, OffloadStallsWhereTheCopyOutlastsTheCompute) {
  Experiment e = experiment(kP5, "llama3-8b", "global_batch: 8, tp: 8, dp: 1, precision: bf16");
  const StepResult base = simulate_step(e);
  e.plan.activation_offload_layers = 16;
  const StepResult slow = simulate_step(e);  // PCIe Gen5, 64 GB/s each way
  expect_sane(e, slow);
  EXPECT_GT(slow.breakdown.offload_s, 0);
  EXPECT_NEAR(slow.step_time_s, base.step_time_s + slow.breakdown.offload_s, 1e-9 * base.step_time_s);
  // By hand: 8 micro-batches x 16 layers x (copy - forward) and (copy - backward) where positive.
  PartsOf parts(e);
  const LayerParts& lp = parts.lp;
  const double copy = lp.dense.saved_bytes / e.system.accel.host_link_bw.bytes_per_s;
  const double stall = std::max(0.0, copy - lp.dense.fwd.seconds()) + std::max(0.0, copy - lp.dense.bwd.seconds());
  EXPECT_GT(copy, lp.dense.fwd.seconds());
  EXPECT_NEAR(slow.breakdown.offload_s, 8 * 16 * stall, 1e-6 * slow.breakdown.offload_s);
  // A link fast enough to hide every copy costs nothing.
  e.system.accel.host_link_bw.bytes_per_s = 1e15;
  const StepResult fast = simulate_step(e);
  EXPECT_EQ(fast.breakdown.offload_s, 0);
  EXPECT_NEAR(fast.step_time_s, base.step_time_s, 1e-9 * base.step_time_s);
}

// FSDP without prefetch: every gather and scatter of every chunk sits on the critical path.
TEST(TrainStep, WithoutDpOverlapZero3GathersShow) {
  auto step = [](const char* overlap) {
    const Experiment e = experiment(p5(16), "llama3-8b",
                                    std::string("global_batch: 32, tp: 1, dp: 16, zero: 3, precision: bf16, dp_overlap: ") + overlap);
    const StepResult r = simulate_step(e);
    expect_sane(e, r);
    return r;
  };
  const StepResult on = step("true"), off = step("false");
  EXPECT_GT(off.breakdown.dp_comm_s, on.breakdown.dp_comm_s);
  EXPECT_GT(off.step_time_s, on.step_time_s);
  EXPECT_NEAR(off.breakdown.compute_s, on.breakdown.compute_s, 1e-9);
}

// FSDP with prefetch still waits for its first unit (the first layer with the root's embedding,
// norm and head) before the first forward, and reduce-scatters it after the last backward.
TEST(TrainStep, Zero3FirstGatherAndLastScatterAreExposed) {
  const Experiment e =
      experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 1, dp: 16, zero: 3, precision: bf16, dp_overlap: true");
  const StepResult r = simulate_step(e);
  expect_sane(e, r);
  PartsOf parts(e);
  const LayerParts& lp = parts.lp;
  const std::vector<Part> chunks = chunk_parts(e.model, e.plan, lp, parts.timer, parts.cost->overlap_slowdown(), 0);
  ASSERT_EQ(chunks.size(), 1u);
  const double unit = lp.dense.dense_params + lp.embedding.dense_params + lp.head.dense_params;
  EXPECT_GT(lp.embedding.dense_params, 0.5e9);  // 128,256 x 4,096, untied
  EXPECT_GT(lp.head.dense_params, 0.5e9);
  const net::Group dp = group_layout(e.plan).dense_dp;
  const Time gather = parts.timer.time(net::CollectiveKind::kAllGather, unit * 2, dp);
  const Time scatter = parts.timer.time(net::CollectiveKind::kReduceScatter, unit * e.plan.grad_bytes(), dp);
  EXPECT_EQ(chunks[0].zero3_lead, gather);
  EXPECT_EQ(chunks[0].zero3_tail, scatter);
  // One micro-batch, no pipeline: both edges add to what the chunk's overlap leaves exposed.
  EXPECT_NEAR(r.breakdown.dp_comm_s, (chunks[0].dp + gather + scatter).seconds(), 1e-9);
}

// Under fp8 parameters the data-parallel gathers move each linear layer's weights in 1 byte, the
// embedding, norms and head in 2.
TEST(TrainStep, Fp8ParametersGatherLinearWeightsInOneByte) {
  const Experiment e =
      experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 1, dp: 16, zero: 3, precision: fp8, fp8_params: true");
  PartsOf parts(e);
  const LayerParts& lp = parts.lp;
  EXPECT_GT(lp.dense.dense_quantized, 0.99 * lp.dense.dense_params);
  EXPECT_EQ(lp.embedding.dense_quantized, 0);
  EXPECT_EQ(lp.head.dense_quantized, 0);
  const std::vector<Part> chunks = chunk_parts(e.model, e.plan, lp, parts.timer, parts.cost->overlap_slowdown(), 0);
  const double unit = lp.dense.dense_params + lp.embedding.dense_params + lp.head.dense_params;
  const net::Group dp = group_layout(e.plan).dense_dp;
  EXPECT_EQ(chunks[0].zero3_lead,
            parts.timer.time(net::CollectiveKind::kAllGather, unit * 2 - lp.dense.dense_quantized, dp));
  // Gradients are reduced as before.
  EXPECT_EQ(chunks[0].zero3_tail,
            parts.timer.time(net::CollectiveKind::kReduceScatter, unit * e.plan.grad_bytes(), dp));
  Experiment wide = e;
  wide.plan.fp8_params = false;
  expect_sane(e, simulate_step(e));
  EXPECT_LT(simulate_step(e).breakdown.dp_comm_s, simulate_step(wide).breakdown.dp_comm_s);
}

// Under a pipeline, torchtitan's FSDP2 keeps a stage's parameters gathered for the whole step and
// reduce-scatters its gradients once: it holds and moves what ZeRO-1 does, where per-micro-batch
// ZeRO-3 holds shards and gathers twice per micro-batch.
TEST(TrainStep, Zero3GatheredOncePerStepUnderAPipeline) {
  const std::string plan = "global_batch: 64, tp: 8, pp: 4, dp: 2, pp_schedule: interleaved-1f1b, precision: bf16";
  const Experiment titan = experiment(p5(64), "llama3-70b", plan + ", zero: 3, framework: torchtitan");
  EXPECT_TRUE(titan.plan.zero3_gather_once);
  EXPECT_TRUE(titan.plan.zero3_once_per_step());
  EXPECT_EQ(titan.plan.virtual_stages, 2);  // torchtitan's chunks per stage when none are given
  const std::string same = plan + ", pp_virtual_stages: 2";
  const Experiment each = experiment(p5(64), "llama3-70b", same + ", zero: 3");
  const Experiment once = experiment(p5(64), "llama3-70b", same + ", zero: 3, zero3_gather_once: true");
  const Experiment zero1 = experiment(p5(64), "llama3-70b", same + ", zero: 1");
  EXPECT_FALSE(each.plan.zero3_gather_once);
  const StepResult r_each = simulate_step(each), r_once = simulate_step(once), r_zero1 = simulate_step(zero1);
  expect_sane(once, r_once);
  EXPECT_DOUBLE_EQ(r_once.memory.per_rank.weights, r_zero1.memory.per_rank.weights);
  EXPECT_DOUBLE_EQ(r_once.memory.per_rank.gradients, r_zero1.memory.per_rank.gradients);
  EXPECT_GT(r_once.memory.per_rank.weights, r_each.memory.per_rank.weights);
  EXPECT_LT(r_once.breakdown.dp_comm_s, r_each.breakdown.dp_comm_s);
  // Its reduce-scatter waits for the whole last backward; ZeRO-1's buckets start inside it.
  EXPECT_GE(r_once.breakdown.dp_comm_s, r_zero1.breakdown.dp_comm_s);
  // Without a pipeline the flag changes nothing: FSDP reshards after each forward.
  const std::string flat = "global_batch: 64, tp: 8, dp: 8, zero: 3, precision: bf16";
  EXPECT_DOUBLE_EQ(simulate_step(experiment(p5(64), "llama3-70b", flat + ", zero3_gather_once: true")).step_time_s,
                   simulate_step(experiment(p5(64), "llama3-70b", flat)).step_time_s);
}

// NeuronX Distributed adds every micro-batch's gradients into fp32 main gradients by a pass of
// their own: per micro-batch, each part's parameters read in bf16 and the accumulator read and
// written, as memory-bound passes on the compute stream.
TEST(TrainStep, GradientAccumulationPassCostsAMemoryPassPerMicroBatch) {
  const std::string system = "{preset: trn1.32xlarge, accelerator: trn1, count: 16, neuron_cores: 32}";
  const std::string plan = "global_batch: 16, tp: 8, dp: 4, recompute: selective, precision: bf16";
  const Experiment nxd = experiment(system, "llama2-7b", plan + ", framework: NeuronX Distributed");
  const Experiment off = experiment(system, "llama2-7b", plan + ", framework: NeuronX Distributed, grad_accumulation_pass: false");
  EXPECT_TRUE(nxd.plan.grad_accumulation_pass);
  EXPECT_FALSE(off.plan.grad_accumulation_pass);
  EXPECT_FALSE(experiment(system, "llama2-7b", plan).plan.grad_accumulation_pass);
  const StepResult with = simulate_step(nxd), without = simulate_step(off);
  expect_sane(nxd, with);
  PartsOf parts(off);
  const LayerParts& lp = parts.lp;
  auto pass = [&](const Part& part) { return parts.cost->memory_bound(part.dense_params * (2 + 8)).seconds(); };
  const double per_micro_batch = off.model.layers * pass(lp.dense) + pass(lp.embedding) + pass(lp.head);
  EXPECT_NEAR(with.breakdown.compute_s - without.breakdown.compute_s, 4 * per_micro_batch, 1e-6 * with.step_time_s);
}

// FSDP2 under a pipeline accumulates unsharded gradients, so the pass costs there; without a
// pipeline it reduce-scatters every micro-batch and accumulates shards only: nothing charged.
TEST(TrainStep, GradientAccumulationPassOnlyWhereGradientsAreWhole) {
  const std::string piped = "global_batch: 64, micro_batch: 1, tp: 8, pp: 4, dp: 2, zero: 3, pp_schedule: 1f1b, precision: bf16";
  const Experiment titan = experiment(p5(64), "llama3-70b", piped + ", framework: torchtitan");
  EXPECT_TRUE(titan.plan.grad_accumulation_pass);
  const Experiment off = experiment(p5(64), "llama3-70b", piped + ", framework: torchtitan, grad_accumulation_pass: false");
  EXPECT_GT(simulate_step(titan).breakdown.compute_s, simulate_step(off).breakdown.compute_s);
  const std::string flat = "global_batch: 64, tp: 8, dp: 8, zero: 3, precision: bf16";
  EXPECT_DOUBLE_EQ(simulate_step(experiment(p5(64), "llama3-70b", flat + ", grad_accumulation_pass: true")).step_time_s,
                   simulate_step(experiment(p5(64), "llama3-70b", flat)).step_time_s);
}

// FSDP2 copies each unit's parameters out of the all-gather buffer before its forward and its
// backward, and its gradients into the reduce-scatter buffer, on the compute stream: memory-bound
// passes per micro-batch, checked exactly. Gathered once under a pipeline, they are not charged.
TEST(TrainStep, Fsdp2CopiesCostMemoryPassesPerMicroBatch) {
  const std::string plan = "global_batch: 32, tp: 1, dp: 16, zero: 3, precision: bf16, framework: torchtitan";
  const Experiment on = experiment(p5(16), "llama3-8b", plan);
  const Experiment off = experiment(p5(16), "llama3-8b", plan + ", zero3_copy_passes: false");
  EXPECT_TRUE(on.plan.zero3_copy_passes);
  EXPECT_FALSE(experiment(p5(16), "llama3-8b", "global_batch: 32, tp: 1, dp: 16, zero: 3, precision: bf16").plan.zero3_copy_passes);
  const StepResult with = simulate_step(on), without = simulate_step(off);
  expect_sane(on, with);
  PartsOf parts(off);
  auto copies = [&](const Part& part) {
    const double n = part.dense_params;
    return 2 * parts.cost->memory_bound(n * 2 * 2).seconds() + parts.cost->memory_bound(n * (2 + off.plan.grad_bytes())).seconds();
  };
  const double per_micro_batch = off.model.layers * copies(parts.lp.dense) + copies(parts.lp.embedding) + copies(parts.lp.head);
  EXPECT_NEAR(with.breakdown.compute_s - without.breakdown.compute_s, 2 * per_micro_batch, 1e-6 * with.step_time_s);
  const std::string piped = "global_batch: 64, micro_batch: 1, tp: 8, pp: 4, dp: 2, zero: 3, pp_schedule: 1f1b, precision: bf16, framework: torchtitan";
  EXPECT_DOUBLE_EQ(simulate_step(experiment(p5(64), "llama3-70b", piped)).step_time_s,
                   simulate_step(experiment(p5(64), "llama3-70b", piped + ", zero3_copy_passes: false")).step_time_s);
}

// While communication hides behind compute the compute slows by the cost model's overlap_slowdown:
// the hidden part of the reduction costs that fraction of itself.
TEST(TrainStep, HiddenCommunicationSlowsTheComputeItHidesBehind) {
  for (int v : {1, 4}) {
    const double exposed = dp_comm(v, 0);
    EXPECT_NEAR(dp_comm(v, 0.2), exposed + 0.2 * (kReduceS - exposed), 1e-9) << "v " << v;
  }
}

// LoRA freezes the base weights: no weight-gradient GEMMs, and gradient reduction and optimizer
// over the adapters alone. Model FLOPs are 2x the forward instead of 3x; the backward of the
// linears costs one forward, attention's backward stays as it is.
TEST(TrainStep, LoraSkipsTheFrozenWeightsGradients) {
  auto step = [](const std::string& extra) {
    const Experiment e =
        experiment(kP5, "llama3-8b", "global_batch: 16, tp: 1, dp: 8, precision: bf16, dp_overlap: false" + extra);
    const StepResult r = simulate_step(e, {.ignore_memory = true});
    return r;
  };
  const StepResult full = step(""), lora = step(", lora: {rank: 16}");
  EXPECT_NEAR(lora.model_flops / full.model_flops, 2.0 / 3.0, 1e-9);
  // The adapters' gradients: rank 16 beside qkv (4096 -> 6144) and the output projection (4096 ->
  // 4096) of 32 layers, 9.4M of the model's 8.0G parameters. A bandwidth-bound all-reduce scales
  // with its bytes, less a latency floor.
  EXPECT_GT(lora.breakdown.dp_comm_s, 0);
  EXPECT_LT(lora.breakdown.dp_comm_s, full.breakdown.dp_comm_s * 0.01);
  // The optimizer's passes over them, plus a memory-bound pass's fixed cost.
  const double share = 16.0 * 32 * (4096 + 6144 + 4096 + 4096) / 8.03e9;
  EXPECT_GT(lora.breakdown.optimizer_s, share * full.breakdown.optimizer_s);
  EXPECT_LT(lora.breakdown.optimizer_s, 1.5 * share * full.breakdown.optimizer_s);
  const double ratio = lora.breakdown.compute_s / full.breakdown.compute_s;
  // Linears alone would give 2/3; attention's backward is unchanged, and the adapters' GEMMs and
  // passes add a little.
  EXPECT_GT(ratio, 0.62);
  EXPECT_LT(ratio, 0.82);
}

// Overlapped tensor-parallel collectives hide behind the GEMMs they feed or drain, which then run
// in tp pieces along the tokens (Transformer Engine's ring-exchange overlap, XLA's collective
// matmul): large GEMMs hide most of the traffic, but each piece of a split GEMM runs less
// efficiently than the whole, so on a fabric fast enough to need no hiding the split costs time.
TEST(TrainStep, TpOverlapHidesMostOfTheTensorParallelTime) {
  auto step = [](const std::string& system, int seq, const char* overlap) {
    Experiment e = experiment(system, "llama3-70b",
                              std::string("global_batch: 8, tp: 8, dp: 8, sequence_parallel: true, recompute: full, "
                                          "precision: bf16, tp_overlap: ") + overlap);
    e.model.seq_len = seq;
    const StepResult r = simulate_step(e);
    expect_sane(e, r);
    return r;
  };
  const StepResult off = step(p5(64), 8192, "false"), on = step(p5(64), 8192, "true");
  EXPECT_GT(on.breakdown.tp_comm_s, 0);
  EXPECT_LT(on.breakdown.tp_comm_s, 0.5 * off.breakdown.tp_comm_s);
  EXPECT_LT(on.step_time_s, off.step_time_s);
  EXPECT_NEAR(on.breakdown.compute_s, off.breakdown.compute_s, 1e-9);
  // 1,024 tokens (pieces of 128) on NVLink a thousand times faster: nothing left to hide, and the
  // split GEMMs are slower than whole ones.
  const std::string fast =
      "{preset: p5.48xlarge, accelerator: h100-sxm, count: 64, scale_up: {kind: nvswitch, bw_GBps_per_accel_unidir: 450000}}";
  const StepResult fast_off = step(fast, 1024, "false"), fast_on = step(fast, 1024, "true");
  EXPECT_GT(fast_on.breakdown.tp_comm_s, fast_off.breakdown.tp_comm_s);
}

// The column-parallel linears' backward hides its reduce-scatter behind their weight-gradient
// GEMMs (Transformer Engine's bulk overlap): LoRA's frozen base weights have none, so it shows.
TEST(TrainStep, FrozenWeightsLeaveTheBulkReduceScatterExposed) {
  auto tp_comm = [](const std::string& extra) {
    const Experiment e = experiment(p5(64), "llama3-70b",
                                    "global_batch: 8, tp: 8, dp: 8, sequence_parallel: true, recompute: full, "
                                    "precision: bf16, tp_overlap: true" + extra);
    return simulate_step(e, {.ignore_memory = true}).breakdown.tp_comm_s;
  };
  EXPECT_GT(tp_comm(", lora: {rank: 16}"), 1.2 * tp_comm(""));
}

// Under fp8 linears the sequence-parallel all-gathers carry the 8-bit GEMM inputs (Transformer
// Engine's fp8 userbuffers, torchao's float8 tensor-parallel styles); the reduce-scatters stay
// 16-bit. Without overlap a layer exposes two of each per pass: checked exactly.
TEST(TrainStep, Fp8TensorParallelGathersMoveOneBytePerElement) {
  for (const char* precision : {"bf16", "fp8"}) {
    const Experiment e = experiment(p5(64), "llama3-70b",
                                    std::string("global_batch: 8, micro_batch: 1, tp: 8, dp: 8, sequence_parallel: true, "
                                                "recompute: none, tp_overlap: false, precision: ") + precision);
    PartsOf parts(e);
    const double elements = static_cast<double>(e.model.seq_len) * e.model.hidden;
    const net::Group tp = group_layout(e.plan).tp;
    const double gather_bytes = std::string(precision) == "fp8" ? elements : 2 * elements;
    const Time ag = parts.timer.time(net::CollectiveKind::kAllGather, gather_bytes, tp);
    const Time rs = parts.timer.time(net::CollectiveKind::kReduceScatter, 2 * elements, tp);
    EXPECT_EQ(parts.lp.dense.tp, (ag + rs) * 4) << precision;
  }
}

TEST(TrainStep, TraceHasEveryTaskWhenAsked) {
  const Experiment e = experiment(p5(16), "llama3-8b",
                                  "global_batch: 8, tp: 8, pp: 2, dp: 1, recompute: full, precision: bf16");
  EXPECT_TRUE(simulate_step(e).trace.empty());
  StepOptions opts;
  opts.keep_trace = true;
  const StepResult r = simulate_step(e, opts);
  EXPECT_EQ(r.trace.size(), 2u * 2 * 8);  // forward and backward, 2 stages, 8 micro-batches
}

// Llama 3 70B on 4,096 Trainium2 chips (64 Trn2 UltraServers, 16,384 logical NeuronCores): the
// two-UltraServer NxD Training plan of configs/examples/ with 32x the data parallelism.
const char* k70bOn4096 =
    "id: llama3-70b-trn2-4096\n"
    "system: {preset: trn2-ultraserver, accelerator: trn2, count: 4096, neuron_cores: 16384}\n"
    "model: llama3-70b\n"
    "training: {global_batch: 1024, micro_batch: 1, tp: 32, pp: 4, dp: 128, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n";

TEST(TrainStep, Llama70bOn4096ChipsSimulates) {
  const Experiment e = experiment(k70bOn4096);
  EXPECT_EQ(e.system.ranks(), 16384);
  const StepResult r = simulate_step(e);
  expect_sane(e, r);
  EXPECT_GT(r.breakdown.pp_bubble_s, 0);
  EXPECT_GT(r.breakdown.dp_comm_s, 0);
  // 1,024 x 8,192 tokens in a step of well under a minute and over a second.
  EXPECT_GT(r.step_time_s, 1);
  EXPECT_LT(r.step_time_s, 60);
}

// Llama 3 405B at Project Rainier's scale: 524,288 Trainium2 chips in Trn2 UltraServers,
// 2,097,152 logical NeuronCores = tp 64 x pp 16 x dp 2048.
const char* k405bOnRainier =
    "id: llama3-405b-rainier\n"
    "system: {preset: trn2-ultraserver, accelerator: trn2, count: 524288, neuron_cores: 2097152}\n"
    "model: llama3-405b\n"
    "training: {global_batch: 32768, micro_batch: 1, tp: 64, pp: 16, dp: 2048, sequence_parallel: true,\n"
    "           pp_schedule: 1f1b, recompute: selective, zero: 1, precision: bf16}\n";

TEST(TrainStep, Llama405bAtRainierScaleSimulates) {
  const Experiment e = experiment(k405bOnRainier);
  EXPECT_EQ(e.system.ranks(), int64_t{2097152});
  EXPECT_EQ(e.plan.micro_batches(), 16);
  const StepResult r = simulate_step(e);
  expect_sane(e, r);
  EXPECT_GT(r.breakdown.pp_bubble_s, 0);
  // 32,768 x 8,192 tokens: over a second, under a few minutes.
  EXPECT_GT(r.step_time_s, 1);
  EXPECT_LT(r.step_time_s, 300);
  // About 6 x 405B x 268M tokens of model FLOPs.
  const double tokens = 32768.0 * 8192;
  EXPECT_GT(r.model_flops, 6 * 4.0e11 * tokens);
  EXPECT_LT(r.model_flops, 6 * 4.0e11 * tokens * 1.5);
}


// Model FLOPs are the model's, not the plan's: K/V heads copied where tp exceeds them (Llama 3 8B
// has 8) and MLA's down-projections on every tensor-parallel rank are hardware work (HFU), so
// MFU's numerator does not move with tp, cp, pipelining or the attention kernel.
TEST(TrainStep, ModelFlopsDoNotDependOnThePlan) {
  StepOptions o;
  o.ignore_memory = true;
  const std::string batch = "global_batch: 64, micro_batch: 1, precision: bf16, ";
  const StepResult t4 = simulate_step(experiment(p5(16), "llama3-8b", batch + "tp: 4, dp: 4"), o);
  const StepResult t16 = simulate_step(experiment(p5(16), "llama3-8b", batch + "tp: 16, dp: 1"), o);
  const StepResult pp = simulate_step(experiment(p5(16), "llama3-8b", batch + "tp: 4, pp: 2, dp: 2"), o);
  const StepResult cp = simulate_step(experiment(p5(16), "llama3-8b", batch + "tp: 4, cp: 2, dp: 2"), o);
  EXPECT_NEAR(t16.model_flops / t4.model_flops, 1.0, 1e-12);
  EXPECT_NEAR(pp.model_flops / t4.model_flops, 1.0, 1e-12);
  EXPECT_NEAR(cp.model_flops / t4.model_flops, 1.0, 1e-12);
  // tp 16 copies each K/V head to two ranks: more hardware FLOPs than model FLOPs.
  EXPECT_GT(t16.hfu * t16.step_time_s, 1.01 * t16.mfu * t16.step_time_s);
  EXPECT_NEAR(t4.hfu / t4.mfu, 1.0, 1e-12);
  // Nor with the attention kernel: the unfused path's masked half of the square is HFU only.
  const StepResult unfused = simulate_step(experiment(p5(16), "llama3-8b", batch + "tp: 4, dp: 4, flash_attention: false"), o);
  EXPECT_NEAR(unfused.model_flops / t4.model_flops, 1.0, 1e-12);
  EXPECT_GT(unfused.hfu * unfused.step_time_s, 1.02 * unfused.mfu * unfused.step_time_s);
}

}  // namespace
}  // namespace trnsim::train::testing

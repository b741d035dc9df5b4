// The parallel plan: defaults for null or missing training keys, and check_plan's refusals, each
// naming the key and the fix.
#include <gtest/gtest.h>

#include "train_test_util.h"
#include "trnsim/train/plan.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

TEST(TrainPlan, NullKeysTakeTheFrameworkDefaults) {
  const Experiment e = experiment(kTrn2, "llama3-8b",
                                  "global_batch: 1024, micro_batch: null, tp: null, pp: null, dp: null, cp: null, "
                                  "ep: null, sequence_parallel: null, pp_schedule: null, pp_virtual_stages: null, "
                                  "recompute: null, zero: null, flash_attention: null, precision: bf16");
  const ParallelPlan& p = e.plan;
  EXPECT_EQ(p.micro_batch, 1);
  EXPECT_EQ(p.pp, 1);
  EXPECT_EQ(p.cp, 1);
  EXPECT_EQ(p.ep, 1);
  // 1,024 sequences feed 64 data-parallel ranks, so no tensor parallelism is needed.
  EXPECT_EQ(p.tp, 1);
  EXPECT_EQ(p.dp, 64);
  EXPECT_FALSE(p.sequence_parallel);
  EXPECT_EQ(p.schedule, PipelineSchedule::kNone);
  EXPECT_EQ(p.virtual_stages, 1);
  EXPECT_EQ(p.recompute, model::Recompute::kNone);
  EXPECT_EQ(p.zero, 1);
  EXPECT_TRUE(p.flash_attention);
  EXPECT_EQ(p.precision, cost::Precision::kBf16);
  EXPECT_EQ(p.micro_batches(), 16);
}

TEST(TrainPlan, MissingKeysAreTheSameAsNull) {
  const Experiment a = experiment(kTrn2, "llama3-8b", "global_batch: 1024, precision: bf16");
  const Experiment b = experiment(kTrn2, "llama3-8b", "global_batch: 1024, tp: null, dp: null, precision: bf16");
  EXPECT_EQ(a.plan.tp, b.plan.tp);
  EXPECT_EQ(a.plan.dp, b.plan.dp);
  EXPECT_EQ(a.plan.zero, b.plan.zero);
}

TEST(TrainPlan, DefaultTpIsTheSmallestThatLeavesADpTheBatchCanFeed) {
  // 32 sequences cannot feed 64 data-parallel ranks: tp 2 leaves dp 32.
  const Experiment e = experiment(kTrn2, "llama3-8b", "global_batch: 32, precision: bf16");
  EXPECT_EQ(e.plan.tp, 2);
  EXPECT_EQ(e.plan.dp, 32);
  EXPECT_TRUE(e.plan.sequence_parallel);  // tp > 1 divides the 8,192-token sequence
}

TEST(TrainPlan, DpDefaultsToTheRanksLeftAndPipelinesTo1F1B) {
  const Experiment e = experiment(kTrn2, "llama3-8b", "global_batch: 64, tp: 8, pp: 2, precision: bf16");
  EXPECT_EQ(e.plan.dp, 4);
  EXPECT_EQ(e.plan.schedule, PipelineSchedule::kOneFOneB);
  EXPECT_TRUE(e.plan.sequence_parallel);
  EXPECT_EQ(e.plan.zero, 1);
}

// torchtitan splits a pipelined rank's batch into one micro-batch per stage when none is given
// (configs/frameworks/torchtitan.yaml); others, and explicit keys, keep theirs.
TEST(TrainPlan, TorchtitanPipelinesTakeOneMicroBatchPerStage) {
  const std::string plan = "global_batch: 64, tp: 2, pp: 4, dp: 2, pp_schedule: 1f1b, precision: bf16";
  const Experiment titan = experiment(p5(16), "llama3-8b", plan + ", framework: torchtitan + FSDP2");
  EXPECT_EQ(titan.plan.micro_batch, 8);  // 32 sequences per data-parallel rank over 4 stages
  EXPECT_EQ(titan.plan.micro_batches(), 4);
  EXPECT_EQ(experiment(p5(16), "llama3-8b", plan + ", framework: torchtitan, micro_batch: 2").plan.micro_batch, 2);
  EXPECT_EQ(experiment(p5(16), "llama3-8b", plan + ", framework: Megatron-Core r0.8.0").plan.micro_batch, 1);
  // Without a pipeline, or with a batch the stages do not divide, one sequence per micro-batch.
  EXPECT_EQ(experiment(p5(16), "llama3-8b", "global_batch: 64, tp: 8, dp: 2, precision: bf16, framework: torchtitan")
                .plan.micro_batch,
            1);
  EXPECT_EQ(experiment(p5(16), "llama3-8b",
                       "global_batch: 6, tp: 2, pp: 4, dp: 2, pp_schedule: 1f1b, precision: bf16, framework: torchtitan")
                .plan.micro_batch,
            1);
}

TEST(TrainPlan, OneDataParallelRankMeansNoZero) {
  const Experiment e = experiment(kP5, "llama3-8b", "global_batch: 8, tp: 8, precision: bf16");
  EXPECT_EQ(e.plan.dp, 1);
  EXPECT_EQ(e.plan.zero, 0);
  EXPECT_EQ(e.plan.schedule, PipelineSchedule::kNone);
}

TEST(TrainPlan, VirtualStagesOnlyApplyToTheInterleavedSchedule) {
  const Experiment e = experiment(p5(16), "llama3-8b",
                                  "global_batch: 16, tp: 8, pp: 2, pp_schedule: 1f1b, pp_virtual_stages: 4, precision: bf16");
  EXPECT_EQ(e.plan.virtual_stages, 1);
}

// check_plan failures: each message names training.<key> and says the fix.
void expect_refused(const std::string& system, const std::string& model, const std::string& training,
                    const std::string& key, const std::string& fix) {
  expect_input_error([&] { experiment(system, model, training); }, {"'training." + key + "'", "(fix: ", fix});
}

TEST(TrainPlan, AttentionKernelFollowsTheFramework) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16";
  // torchtitan runs PyTorch SDPA, which is FlashAttention-2 on Hopper (configs/frameworks/torchtitan.yaml).
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: torchtitan + FSDP2").plan.attention_kernel,
            cost::AttentionKernel::kFlash2);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-Core r0.8").plan.attention_kernel,
            cost::AttentionKernel::kFused);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan).plan.attention_kernel, cost::AttentionKernel::kFused);
  // Meta's 2024 PyTorch stack predates FlashAttention-3 (configs/frameworks/meta-pytorch.yaml).
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: \"Meta internal (PyTorch, NCCLX)\"").plan.attention_kernel,
            cost::AttentionKernel::kFlash2);
  // On B200 torchtitan asks SDPA for cuDNN first: the fused kernel.
  const std::string b200 = "{preset: b200-hgx, accelerator: b200, count: 8}";
  EXPECT_EQ(experiment(b200, "llama3-8b", plan + ", framework: torchtitan").plan.attention_kernel,
            cost::AttentionKernel::kFused);
  // An explicit key overrides the framework's.
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: torchtitan, attention_kernel: fused").plan.attention_kernel,
            cost::AttentionKernel::kFused);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", attention_kernel: flash2").plan.attention_kernel,
            cost::AttentionKernel::kFlash2);
}

TEST(TrainPlan, FrameworkOverlapsApplyWhereTheyCan) {
  const std::string plan = "global_batch: 8, tp: 8, dp: 1, precision: bf16";
  // NVIDIA's recipes turn Transformer Engine's userbuffers overlap on (configs/frameworks/).
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + ", framework: NeMo 24.07").plan.tp_overlap);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-Core r0.8.0").plan.tp_overlap);
  // Megatron-LM of 2021 had none; nor does a run that names no framework.
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-LM (2021)").plan.tp_overlap);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan).plan.tp_overlap);
  // Without sequence parallelism the pieces cannot be pipelined: the default stays off, no error.
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", sequence_parallel: false, framework: NeMo").plan.tp_overlap);
  // An explicit key overrides the framework's.
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", tp_overlap: false, framework: NeMo").plan.tp_overlap);
}

// Megatron-Bridge's fp8 recipes hold the weights in fp8 (configs/frameworks/); other frameworks
// and 16-bit plans do not, and a 16-bit plan that asks for fp8 weights is told to be fp8.
TEST(TrainPlan, Fp8ParametersFollowTheFrameworkForFp8PlansOnly) {
  const std::string plan = "global_batch: 8, tp: 8, dp: 1, precision: ";
  const std::string bridge = ", framework: NeMo / Megatron-Bridge + Megatron-Core";
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + "fp8" + bridge).plan.fp8_params);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + "bf16" + bridge).plan.fp8_params);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + "fp8, framework: NeMo 24.07").plan.fp8_params);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + "fp8, fp8_params: false" + bridge).plan.fp8_params);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + "fp8, fp8_params: true").plan.fp8_params);
  const std::string msg = input_error_of([&] { experiment(kP5, "llama3-8b", plan + "bf16, fp8_params: true"); });
  EXPECT_NE(msg.find("training.fp8_params"), std::string::npos) << msg;
  EXPECT_NE(msg.find("precision: fp8"), std::string::npos) << msg;
}

// Megatron waits for its pipeline sends except under the interleaved schedule (overlap_p2p_comm),
// and Megatron-LM of 2021 always, sending tensor-parallel slices (configs/frameworks/).
TEST(TrainPlan, PipelineSendsFollowTheFrameworkAndTheSchedule) {
  const std::string p5x8 = "{preset: p5.48xlarge, accelerator: h100-sxm, count: 64}";
  const std::string plan = "global_batch: 64, tp: 8, pp: 4, dp: 2, precision: bf16";
  const std::string interleaved = plan + ", pp_schedule: interleaved-1f1b, pp_virtual_stages: 2";
  const std::string bridge = ", framework: NeMo / Megatron-Bridge + Megatron-Core";
  EXPECT_FALSE(experiment(p5x8, "llama3-70b", plan + bridge).plan.pp_overlap());
  EXPECT_TRUE(experiment(p5x8, "llama3-70b", interleaved + bridge).plan.pp_overlap());
  EXPECT_FALSE(experiment(p5x8, "llama3-70b", interleaved + ", framework: Megatron-LM (2021)").plan.pp_overlap());
  EXPECT_TRUE(experiment(p5x8, "llama3-70b", plan + ", framework: Megatron-LM (2021)").plan.pp_scatter_gather);
  EXPECT_FALSE(experiment(p5x8, "llama3-70b", plan + bridge).plan.pp_scatter_gather);
  // A run naming no framework overlaps; explicit keys override the framework.
  EXPECT_TRUE(experiment(p5x8, "llama3-70b", plan).plan.pp_overlap());
  EXPECT_TRUE(experiment(p5x8, "llama3-70b", plan + bridge + ", pp_overlap: true").plan.pp_overlap());
  EXPECT_FALSE(experiment(p5x8, "llama3-70b", interleaved + ", pp_overlap: false").plan.pp_overlap());
  // Blocking sends cost stage time, reported as pp_comm_s.
  const StepResult async = simulate_step(experiment(p5x8, "llama3-70b", plan + bridge + ", pp_overlap: true"));
  const StepResult blocking = simulate_step(experiment(p5x8, "llama3-70b", plan + bridge));
  EXPECT_EQ(async.breakdown.pp_comm_s, 0.0);
  EXPECT_GT(blocking.breakdown.pp_comm_s, 0.0);
  EXPECT_GT(blocking.step_time_s, async.step_time_s);
  EXPECT_NEAR(blocking.breakdown.compute_s, async.breakdown.compute_s, 1e-9);
}

// The new switches take true or false, and their messages name the key.
TEST(TrainPlan, GradientAndGatherSwitchesMustBeBooleans) {
  for (const char* key : {"grad_accumulation_pass", "zero3_gather_once", "zero3_copy_passes", "fp8_params"}) {
    const std::string msg = input_error_of([&] {
      experiment(kTrn2, "llama3-8b", std::string("global_batch: 64, tp: 8, dp: 8, precision: bf16, ") + key + ": often");
    });
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
  }
}

// NeuronX Distributed reduces gradients in its optimizer step, after the backward.
TEST(TrainPlan, GradientOverlapFollowsTheFramework) {
  const std::string plan = "global_batch: 64, tp: 8, dp: 8, precision: bf16";
  EXPECT_FALSE(experiment(kTrn2, "llama3-8b", plan + ", framework: NeuronX Distributed").plan.dp_overlap);
  EXPECT_TRUE(experiment(kTrn2, "llama3-8b", plan).plan.dp_overlap);
  // Megatron-LM's local DDP of 2021-2022 all-reduces after the backward too.
  EXPECT_FALSE(experiment(kTrn2, "llama3-8b", plan + ", framework: Megatron-LM (2021)").plan.dp_overlap);
  EXPECT_TRUE(experiment(kTrn2, "llama3-8b", plan + ", framework: NxD, dp_overlap: true").plan.dp_overlap);
  const StepResult hidden = simulate_step(experiment(kTrn2, "llama3-8b", plan));
  const StepResult exposed = simulate_step(experiment(kTrn2, "llama3-8b", plan + ", framework: NxD"));
  EXPECT_GT(exposed.breakdown.dp_comm_s, hidden.breakdown.dp_comm_s);
}

TEST(TrainPlan, GradientPrecisionFollowsTheFramework) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16";
  // Megatron-Bridge's performance recipes reduce in bf16; Megatron-Core and NeMo keep fp32.
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", framework: NeMo / Megatron-Bridge + Megatron-Core")
                   .plan.grad_reduce_in_fp32);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + ", framework: NeMo 24.07").plan.grad_reduce_in_fp32);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan).plan.grad_reduce_in_fp32);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-Bridge, grad_reduce_in_fp32: true")
                  .plan.grad_reduce_in_fp32);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", grad_reduce_in_fp32: false").plan.grad_bytes(), 2);
  expect_refused(kP5, "llama3-8b", plan + ", grad_reduce_in_fp32: maybe", "grad_reduce_in_fp32", "true or false");
}

// Megatron's mixed-precision optimizer step, per parameter: bf16 with fp32 gradients 38 bytes on
// the shard (norm 4, Adam 28, master to model weights 6, no cast) and 4 to zero the buffer; fp16
// casts its 2-byte gradients (6) and unscales them (8); fp32 has no master copy.
TEST(TrainPlan, OptimizerBytesFollowTheMixedPrecisionRecipe) {
  ParallelPlan p;
  p.precision = cost::Precision::kBf16;
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(1e9, 0), 42e9);
  p.precision = cost::Precision::kFp16;
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(1e9, 0), 54e9);
  p.precision = cost::Precision::kFp32;
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(1e9, 0), 36e9);
  p.precision = cost::Precision::kBf16;
  p.grad_reduce_in_fp32 = false;  // bf16 gradients: cast 6, zero 2
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(1e9, 0), 46e9);
  p.grad_reduce_in_fp32 = true;
  p.dp = 8;
  p.zero = 1;  // the shard's update, the whole buffer zeroed
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(8e9, 0), 38e9 + 32e9);
  p.zero = 2;
  EXPECT_DOUBLE_EQ(p.optimizer_bytes(8e9, 0), 42e9);
}

// torchtitan's selective mode is its op-level policy; others recompute the attention core.
TEST(TrainPlan, SelectiveRecomputeFollowsTheFramework) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, recompute: selective, precision: bf16";
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: torchtitan").plan.selective_policy,
            model::SelectivePolicy::kAlternateMatmuls);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-Core").plan.selective_policy,
            model::SelectivePolicy::kAttentionCore);
  EXPECT_EQ(experiment(kP5, "llama3-8b", plan + ", framework: torchtitan, selective_recompute: attention").plan.selective_policy,
            model::SelectivePolicy::kAttentionCore);
  EXPECT_EQ(experiment(kTrn2, "llama3-8b",
                       "global_batch: 64, tp: 8, dp: 8, recompute: selective, precision: bf16, framework: NxD")
                .plan.selective_policy,
            model::SelectivePolicy::kUnfusedAttentionMlpAct);
  expect_refused(kP5, "llama3-8b", plan + ", selective_recompute: some", "selective_recompute", "attention, alternate_matmuls");
}

// Attention dropout: the model's rate, else Megatron-LM's default of 0.1, else none. It slows only
// the unfused attention path.
TEST(TrainPlan, AttentionDropoutFollowsTheModelThenTheFramework) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16, flash_attention: false";
  const std::string megatron = plan + ", framework: Megatron-LM (2021)";
  EXPECT_TRUE(experiment(kP5, "llama3-8b", megatron).plan.attention_dropout);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", framework: NeuronX Distributed").plan.attention_dropout);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan).plan.attention_dropout);
  const std::string no_dropout =
      "{name: m, layers: 2, hidden: 1024, heads: 8, ffn_hidden: 4096, activation: gelu, vocab: 32000, "
      "seq_len: 2048, norm: layernorm, attention_dropout: 0.0}";
  const Experiment own = experiment(kP5, no_dropout, megatron);
  EXPECT_FALSE(own.plan.attention_dropout);
  std::string dropout = no_dropout;
  dropout.replace(dropout.find("0.0}"), 3, "0.1");
  EXPECT_GT(simulate_step(experiment(kP5, dropout, megatron)).step_time_s, simulate_step(own).step_time_s);
}

// The loss kernel: the training key, else the framework's (Megatron-LM and Megatron-Core releases
// run the unfused vocab-parallel cross-entropy), else fused. Unfused costs more step time.
TEST(TrainPlan, CrossEntropyFollowsTheKeyThenTheFramework) {
  const std::string plan = "global_batch: 8, tp: 1, dp: 8, precision: bf16";
  const std::string small =
      "{name: m, layers: 2, hidden: 1024, heads: 8, ffn_hidden: 4096, activation: gelu, vocab: 131072, "
      "seq_len: 2048, norm: layernorm}";
  const Experiment megatron = experiment(kP5, small, plan + ", framework: Megatron-Core r0.8.0");
  EXPECT_FALSE(megatron.plan.fused_cross_entropy);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", framework: Megatron-LM (2021)").plan.fused_cross_entropy);
  EXPECT_TRUE(experiment(kP5, "llama3-8b", plan + ", framework: NeMo 24.09 / Megatron-Core").plan.fused_cross_entropy);
  const Experiment fused = experiment(kP5, small, plan + ", framework: Megatron-Core r0.8.0, cross_entropy: fused");
  EXPECT_TRUE(fused.plan.fused_cross_entropy);
  EXPECT_FALSE(experiment(kP5, "llama3-8b", plan + ", cross_entropy: unfused").plan.fused_cross_entropy);
  EXPECT_GT(simulate_step(megatron).step_time_s, simulate_step(fused).step_time_s);
  expect_refused(kP5, "llama3-8b", plan + ", cross_entropy: partial", "cross_entropy", "fused, unfused");
}

// Megatron-Core's --recompute-modules: a list implies selective recompute of those modules; the
// step pays their forwards again and keeps less memory.
TEST(TrainPlan, RecomputeModulesListMegatronModules) {
  const std::string plan = "global_batch: 16, tp: 1, dp: 8, precision: bf16";
  const Experiment e = experiment(kP5, "llama3-8b", plan + ", recompute_modules: [mlp, layernorm]");
  EXPECT_EQ(e.plan.recompute, model::Recompute::kSelective);
  EXPECT_EQ(e.plan.selective_policy, model::SelectivePolicy::kModules);
  EXPECT_EQ(recompute_module_names(e.plan.recompute_modules), (std::vector<std::string>{"mlp", "layernorm"}));
  EXPECT_EQ(e.plan.recompute_modules, model::kRecomputeMlp | model::kRecomputeLayerNorm);  // names match the bits
  const StepResult none = simulate_step(experiment(kP5, "llama3-8b", plan));
  const StepResult mods = simulate_step(e);
  const StepResult full = simulate_step(experiment(kP5, "llama3-8b", plan + ", recompute: full"));
  EXPECT_GT(mods.breakdown.recompute_s, 0);
  EXPECT_LT(mods.breakdown.recompute_s, full.breakdown.recompute_s);
  EXPECT_LT(mods.memory.per_rank.activations, none.memory.per_rank.activations);
  EXPECT_GT(mods.memory.per_rank.activations, full.memory.per_rank.activations);
  const std::string bad = plan + ", recompute_modules: ";
  expect_refused(kP5, "llama3-8b", bad + "[mlp, attn]", "recompute_modules", "core_attn, mla_up_proj");
  expect_refused(kP5, "llama3-8b", bad + "[moe]", "recompute_modules", "moe_act");
  expect_refused(kP5, "llama3-8b", bad + "[]", "recompute_modules", "list modules");
  expect_refused(kP5, "llama3-8b", bad + "[mlp, mlp]", "recompute_modules", "list each module once");
  expect_refused(kP5, "llama3-8b", bad + "[mlp], recompute: full", "recompute", "recompute: selective");
  expect_refused(kP5, "llama3-8b", bad + "[mlp], selective_recompute: attention", "selective_recompute", "remove");
  expect_refused(kP5, "llama3-8b", plan + ", recompute: selective, selective_recompute: modules", "selective_recompute",
                 "recompute_modules");
}

TEST(TrainPlan, ActivationOffloadNeedsAHostLinkAndLayersLeftOnTheAccelerator) {
  // llama3-8b has 32 layers: pp 2 leaves 16 per chunk.
  const std::string plan = "global_batch: 16, tp: 4, pp: 2, dp: 2, precision: bf16, activation_offload_layers: ";
  EXPECT_EQ(experiment(p5(16), "llama3-8b", plan + "15").plan.activation_offload_layers, 15);
  EXPECT_EQ(experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 8, dp: 2, precision: bf16").plan.activation_offload_layers, 0);
  expect_refused(p5(16), "llama3-8b", plan + "16", "activation_offload_layers", "offload at most 15 layers per chunk");
  expect_refused(p5(16), "llama3-8b", plan + "-1", "activation_offload_layers", "");
  // Trainium presets state no host link.
  expect_refused(kTrn2, "llama3-8b", "global_batch: 64, tp: 16, dp: 4, precision: bf16, activation_offload_layers: 4",
                 "activation_offload_layers", "set host_link_bw in its preset");
}

TEST(TrainPlan, ExpertTensorParallelismFollowsTheFrameworkForMoeModels) {
  const std::string plan = "global_batch: 16, tp: 2, dp: 8, ep: 8, precision: bf16";
  // Megatron-Core keeps tp inside the experts; Megatron-Bridge's MoE recipes set 1.
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan).plan.etp(), 2);
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan + ", framework: Megatron-Bridge").plan.etp(), 1);
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan + ", framework: Megatron-Bridge, expert_tp: 2").plan.etp(), 2);
  // Without sequence parallelism the framework's choice cannot apply; dense models keep tp.
  EXPECT_EQ(experiment(p5(16), "mixtral-8x7b", plan + ", sequence_parallel: false, framework: NeMo").plan.etp(), 2);
  EXPECT_EQ(experiment(p5(16), "llama3-8b", "global_batch: 16, tp: 2, dp: 8, precision: bf16, framework: NeMo").plan.etp(),
            2);
}

TEST(TrainPlanCheck, ExpertTpIsOneOrTpWithSequenceParallelism) {
  const std::string plan = "global_batch: 16, tp: 4, dp: 4, ep: 4, precision: bf16, ";
  expect_refused(p5(16), "mixtral-8x7b", plan + "expert_tp: 2", "expert_tp", "use expert_tp: 1 or expert_tp: 4");
  expect_refused(p5(16), "mixtral-8x7b", plan + "expert_tp: 1, sequence_parallel: false", "expert_tp",
                 "set sequence_parallel: true, or expert_tp: 4");
  expect_refused(p5(16), "llama3-8b", "global_batch: 16, tp: 4, dp: 4, precision: bf16, expert_tp: 1", "expert_tp",
                 "remove expert_tp for a dense model");
  // Whole experts fold over all 16 ranks of the stage: ep 16 fits, as it cannot with expert_tp 4.
  EXPECT_NO_THROW(experiment(p5(16), "deepseek-v3", "global_batch: 16, tp: 4, dp: 4, ep: 16, precision: bf16, expert_tp: 1"));
  expect_refused(p5(16), "deepseek-v3", "global_batch: 16, tp: 4, dp: 4, ep: 16, precision: bf16", "ep",
                 "use an ep that divides 4");
}

TEST(TrainPlanCheck, AttentionKernelMustBeKnownAndCalibrated) {
  const std::string msg = input_error_of(
      [] { experiment(kP5, "llama3-8b", "global_batch: 8, dp: 8, precision: bf16, attention_kernel: flash3"); });
  EXPECT_NE(msg.find("attention_kernel"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fused, flash2"), std::string::npos) << msg;
  expect_refused(kTrn2, "llama3-8b", "global_batch: 64, dp: 64, precision: bf16, attention_kernel: flash2",
                 "attention_kernel", "use attention_kernel: fused");
  expect_refused("{preset: b200-hgx, accelerator: b200, count: 8}", "llama3-8b",
                 "global_batch: 8, dp: 8, precision: bf16, attention_kernel: flash2", "attention_kernel",
                 "use attention_kernel: fused");
}

TEST(TrainPlanCheck, DegreesMustMultiplyToTheRankCount) {
  // One trn2.48xlarge has 64 logical NeuronCores; 8 x 2 x 3 = 48.
  expect_refused(kTrn2, "llama3-8b", "global_batch: 48, tp: 8, pp: 2, dp: 3, precision: bf16", "dp",
                 "choose degrees whose product is 64 (logical NeuronCores)");
  expect_refused(kP5, "llama3-8b", "global_batch: 64, tp: 4, dp: 4, precision: bf16", "dp",
                 "choose degrees whose product is 8");
}

TEST(TrainPlanCheck, TpMustDivideTheHeads) {
  // Llama 3 8B has 32 heads.
  expect_refused(p5(24), "llama3-8b", "global_batch: 24, tp: 3, dp: 8, precision: bf16", "tp",
                 "use a tp that divides 32");
}

TEST(TrainPlanCheck, TpOverlapNeedsSequenceParallelism) {
  expect_refused(kP5, "llama3-8b", "global_batch: 8, tp: 8, dp: 1, sequence_parallel: false, tp_overlap: true, precision: bf16",
                 "tp_overlap", "set sequence_parallel: true, or tp_overlap: false");
}

TEST(TrainPlanCheck, PipelineChunksMustNotExceedTheLayers) {
  // 16 stages x 4 virtual stages = 64 chunks for 32 layers.
  expect_refused(p5(16), "llama3-8b",
                 "global_batch: 64, tp: 1, pp: 16, dp: 1, pp_schedule: interleaved-1f1b, pp_virtual_stages: 4, "
                 "precision: bf16",
                 "pp", "use fewer pipeline stages or virtual stages");
  expect_refused(p5(64), "llama3-8b", "global_batch: 64, tp: 1, pp: 64, dp: 1, precision: bf16", "pp",
                 "use fewer pipeline stages");
}

TEST(TrainPlanCheck, GlobalBatchMustBeAMultipleOfMicroBatchTimesDp) {
  expect_refused(kP5, "llama3-8b", "global_batch: 12, tp: 1, dp: 8, precision: bf16", "global_batch",
                 "make global_batch a multiple of 8");
  expect_refused(kP5, "llama3-8b", "global_batch: 8, micro_batch: 2, tp: 1, dp: 8, precision: bf16", "global_batch",
                 "make global_batch a multiple of 16");
}

TEST(TrainPlanCheck, InterleavedNeedsMicroBatchesAMultipleOfPp) {
  // 6 sequences over dp 2 = 3 micro-batches for 4 stages.
  expect_refused(kP5, "llama3-8b",
                 "global_batch: 6, tp: 1, pp: 4, dp: 2, pp_schedule: interleaved-1f1b, pp_virtual_stages: 2, "
                 "precision: bf16",
                 "pp_schedule", "use pp_schedule: 1f1b");
  // The same batch is fine for plain 1F1B.
  EXPECT_NO_THROW(experiment(kP5, "llama3-8b", "global_batch: 6, tp: 1, pp: 4, dp: 2, pp_schedule: 1f1b, precision: bf16"));
}

TEST(TrainPlanCheck, CpMustDivideTheSequence) {
  expect_refused(p5(24), "llama3-8b", "global_batch: 8, tp: 8, cp: 3, dp: 1, precision: bf16", "cp",
                 "use a cp that divides 8192");
}

TEST(TrainPlanCheck, ExpertParallelismNeedsExpertsItDivides) {
  expect_refused(kP5, "llama3-8b", "global_batch: 8, tp: 1, dp: 8, ep: 2, precision: bf16", "ep", "set ep: 1");
  // Mixtral 8x7B has 8 experts.
  expect_refused(p5(24), "mixtral-8x7b", "global_batch: 24, tp: 1, dp: 24, ep: 3, precision: bf16", "ep",
                 "use an ep that divides 8");
  expect_refused(p5(16), "mixtral-8x7b", "global_batch: 16, tp: 4, dp: 4, ep: 8, precision: bf16", "ep",
                 "use an ep that divides 4");
  EXPECT_NO_THROW(experiment(kP5, "mixtral-8x7b", "global_batch: 8, tp: 1, dp: 8, ep: 8, precision: bf16"));
}

TEST(TrainPlanCheck, MessagesNameTheFile) {
  const std::string msg = input_error_of([] { experiment(kP5, "llama3-8b", "global_batch: 12, dp: 8, tp: 1, precision: bf16"); });
  EXPECT_NE(msg.find("exp.yaml"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trnsim::train::testing

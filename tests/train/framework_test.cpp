// Framework files (configs/frameworks/): the shipped ones load and match by the run's framework
// text; malformed ones are refused naming the file, the key and the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "train_test_util.h"
#include "trnsim/train/framework.h"
#include "trnsim/train/step.h"

namespace trnsim::train::testing {
namespace {

TEST(TrainFramework, MatchesTheRunsFrameworkText) {
  ASSERT_TRUE(framework_for("torchtitan + torch.compile (FSDP2)").has_value());
  EXPECT_EQ(framework_for("torchtitan + torch.compile (FSDP2)")->name, "torchtitan");
  EXPECT_EQ(framework_for("NVIDIA NeMo + Megatron-Core + Transformer Engine")->name, "nemo-megatron-core");
  EXPECT_EQ(framework_for("MaxText (JAX) commit f586e43")->name, "maxtext");
  EXPECT_EQ(framework_for("Meta internal (PyTorch, NCCLX)")->name, "meta-pytorch");
  // The longest match wins: a Megatron-Bridge run names Megatron-Core and NeMo too.
  EXPECT_EQ(framework_for("NeMo / Megatron-Bridge + Megatron-Core")->name, "megatron-bridge");
  EXPECT_EQ(framework_for("Megatron-LM (2021)")->name, "megatron-lm");
  // A Megatron-Core release run through Megatron-LM's scripts, not a NeMo container's.
  EXPECT_EQ(framework_for("Megatron-Core r0.8.0")->name, "megatron-core-release");
  EXPECT_EQ(framework_for("NeMo 24.09 / Megatron-Core")->name, "nemo-megatron-core");
  EXPECT_EQ(framework_for("NeuronX Distributed (torch-neuronx 2.5.1)")->name, "neuronx-distributed");
  EXPECT_FALSE(framework_for("").has_value());
}

// The attention kernel goes by the run's roofline preset; a preset for a variant of a part (the
// 500 W HBM2e H100, whose preset names h100 as its base) runs what the part runs.
TEST(TrainFramework, AttentionKernelFollowsThePresetOrItsBase) {
  const auto titan = framework_for("torchtitan");
  ASSERT_TRUE(titan.has_value());
  EXPECT_EQ(titan->attention_on("h100-sxm"), cost::AttentionKernel::kFlash2);
  EXPECT_EQ(titan->attention_on("h100-hbm2e-500w"), cost::AttentionKernel::kFlash2);
  EXPECT_EQ(titan->attention_on("b200"), cost::AttentionKernel::kFused);
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("trnsim_fw_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

TEST(TrainFramework, MalformedFilesAreRefusedNamingTheFileAndKey) {
  struct Case {
    const char* file;
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"unknown_key.yaml", "name: x\nmatch: [x]\ntp_overlapp: {value: true, source: s}\n", "tp_overlapp"},
      {"no_source.yaml", "name: x\nmatch: [x]\ntp_overlap: true\n", "source"},
      {"bad_kernel.yaml", "name: x\nmatch: [x]\nattention_kernel:\n  h100: {value: flash3, source: s}\n", "fused, flash2"},
      {"match_not_list.yaml", "name: x\nmatch: x\n", "match"},
      {"bad_cross_entropy.yaml", "name: x\nmatch: [x]\ncross_entropy: {value: partly, source: s}\n", "fused, unfused"},
      {"bad_ep_overlap.yaml", "name: x\nmatch: [x]\nep_overlap: {value: sometimes, source: s}\n",
       "interleaved-across-domains"},
      {"bad_pp_overlap.yaml", "name: x\nmatch: [x]\npp_overlap: {value: sometimes, source: s}\n",
       "always, interleaved, never"},
      {"bad_gather_once.yaml", "name: x\nmatch: [x]\nzero3_gather_once: {value: often, source: s}\n",
       "zero3_gather_once"},
      {"bad_copy_passes.yaml", "name: x\nmatch: [x]\nzero3_copy_passes: {value: yes please, source: s}\n",
       "zero3_copy_passes"},
      {"bad_grad_pass.yaml", "name: x\nmatch: [x]\ngrad_accumulation_pass: {value: 2, source: s}\n",
       "grad_accumulation_pass"},
      {"bad_fp8_params.yaml", "name: x\nmatch: [x]\nfp8_params: {value: maybe, source: s}\n", "fp8_params"},
      {"bad_micro_batches.yaml", "name: x\nmatch: [x]\npp_micro_batches: {value: half, source: s}\n",
       "one_sequence, stages"},
      {"bad_chunks.yaml", "name: x\nmatch: [x]\npp_virtual_stages: {value: 0, source: s}\n", "pp_virtual_stages"},
      {"bad_cp.yaml", "name: x\nmatch: [x]\ncp_kv_exchange: {value: ulysses, source: s}\n", "ring, allgather"},
      {"bad_layout.yaml", "name: x\nmatch: [x]\npp_layout: {value: Et|tL, source: s}\n", "layer_per_chunk_ends_alone"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.file, c.text);
    const std::string msg = input_error_of([&] { load_framework(path); });
    EXPECT_NE(msg.find(c.file), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
    std::filesystem::remove(path);
  }
}

// Meta's pipeline (Llama 3 report Sec. 3.3.2): one layer per chunk, the embedding and the head each
// alone, where the run gives no depth or layout and layers + 2 fill the stages.
TEST(TrainFramework, MetaCutsOneLayerPerChunkWithTheEndsAlone) {
  const std::string plan = "global_batch: 2048, tp: 8, pp: 16, dp: 64, pp_schedule: interleaved-1f1b, precision: bf16, "
                           "framework: 'Meta internal (PyTorch, NCCLX)'";
  const Experiment e = experiment(p5(8192), "llama3-405b", plan);  // 126 layers
  EXPECT_EQ(e.plan.virtual_stages, 8);
  ASSERT_EQ(e.plan.layout.size(), 128u);
  EXPECT_TRUE(e.plan.layout.front().embedding);
  EXPECT_EQ(e.plan.layout.front().count, 0);
  EXPECT_TRUE(e.plan.layout.back().head);
  EXPECT_EQ(e.plan.layout.back().count, 0);
  for (size_t g = 1; g + 1 < e.plan.layout.size(); ++g) EXPECT_EQ(e.plan.layout[g].count, 1) << g;
  // Stated depths stay, and so does the default where the chunks cannot be filled so.
  EXPECT_EQ(experiment(p5(8192), "llama3-405b", plan + ", pp_virtual_stages: 3").plan.layout.size(), 0u);
  const Experiment odd = experiment(p5(96), "llama3-405b",
                                    "global_batch: 24, tp: 8, pp: 12, dp: 1, pp_schedule: interleaved-1f1b, "
                                    "precision: bf16, framework: 'Meta internal (PyTorch, NCCLX)'");
  EXPECT_TRUE(odd.plan.layout.empty());  // 126 + 2 chunks do not fill 12 stages evenly
  EXPECT_EQ(odd.plan.virtual_stages, 126 / 24);  // two layers per chunk, rounded down
  StepOptions o;
  o.ignore_memory = true;
  EXPECT_GT(simulate_step(e, o).step_time_s, 0);
}

}  // namespace
}  // namespace trnsim::train::testing

// Framework files (configs/frameworks/): the shipped ones load and match by the run's framework
// text; malformed ones are refused naming the file, the key and the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "train_test_util.h"
#include "trnsim/train/framework.h"

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
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.file, c.text);
    const std::string msg = input_error_of([&] { load_framework(path); });
    EXPECT_NE(msg.find(c.file), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace trnsim::train::testing

// What a training framework does where the run schema has no key for it, read from
// configs/frameworks/<name>.yaml: a run's free-text `training.framework` selects the file whose
// `match` strings it contains (compared as letters and digits only, case ignored: "Megatron-Core
// r0.8" contains "megatron-core"). Explicit training keys override these defaults.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trnsim/base/presets.h"
#include "trnsim/base/text.h"
#include "trnsim/cost/op_cost.h"
#include "trnsim/model/ops.h"
#include "trnsim/train/plan.h"

namespace trnsim::train {

struct FrameworkDefaults {
  std::string name;
  std::vector<std::string> match;
  // The attention kernel per roofline cost preset (configs/cost/<preset>.yaml); presets not
  // listed run the fused kernel.
  std::map<std::string, cost::AttentionKernel> attention_kernel;
  // Tensor-parallel communication pipelined with the GEMMs (ParallelPlan::tp_overlap); unset: off.
  std::optional<bool> tp_overlap;
  // Tensor parallelism inside the routed experts of MoE layers (ParallelPlan::expert_tp: 1 or
  // tp); unset: tp, Megatron-Core's default.
  std::optional<int> expert_tp;
  // Data-parallel gradient reduction overlapped with the backward pass (ParallelPlan::dp_overlap);
  // unset: on.
  std::optional<bool> dp_overlap;
  // Gradients accumulated and reduced in fp32 (ParallelPlan::grad_reduce_in_fp32); unset: on.
  std::optional<bool> grad_reduce_in_fp32;
  // Gradients accumulated by a pass of their own per micro-batch (ParallelPlan::grad_accumulation_pass);
  // unset: off.
  std::optional<bool> grad_accumulation_pass;
  // ZeRO-3 under a pipeline gathers once per step (ParallelPlan::zero3_gather_once); unset: off.
  std::optional<bool> zero3_gather_once;
  // ZeRO-3's copies in and out of its communication buffers (ParallelPlan::zero3_copy_passes); unset: off.
  std::optional<bool> zero3_copy_passes;
  // fp8 plans hold their linear layers' weights in fp8 (ParallelPlan::fp8_params); unset: off.
  std::optional<bool> fp8_params;
  // Model chunks per pipeline stage of an interleaved schedule whose run does not give them
  // (ParallelPlan::virtual_stages); unset: two layers per chunk.
  std::optional<int> pp_virtual_stages;
  // Interleaved schedules whose run gives neither virtual stages nor a layout cut one layer per model
  // chunk, with the embedding and the head each in a chunk of its own (key pp_layout:
  // layer_per_chunk_ends_alone; Llama 3's pipeline), where the layers and those two chunks fill
  // the stages evenly; unset: pp_virtual_stages.
  std::optional<bool> pp_layer_per_chunk;
  // Context parallelism's key-value exchange (ParallelPlan::cp_kv_exchange) and whether it carries
  // repeated key-value heads (ParallelPlan::cp_repeat_kv); unset: ring, off.
  std::optional<CpKvExchange> cp_kv_exchange;
  std::optional<bool> cp_repeat_kv;
  // Under a pipeline, a run that does not give micro_batch splits each data-parallel rank's batch
  // into as many micro-batches as pipeline stages (key pp_micro_batches: stages); unset, or
  // `one_sequence`: one sequence per micro-batch.
  std::optional<bool> pp_micro_batches_per_stage;
  // What `recompute: selective` recomputes (ParallelPlan::selective_policy); unset: the attention core.
  std::optional<model::SelectivePolicy> selective_recompute;
  // When expert all-to-alls overlap another micro-batch's compute (ParallelPlan::ep_overlap_rule);
  // unset: never.
  std::optional<EpOverlapRule> ep_overlap;
  // Dropout probability on the attention probabilities where the model does not give one
  // (ModelSpec::attention_dropout); unset: none.
  std::optional<double> attention_dropout;
  // The loss as one fused pass (ParallelPlan::fused_cross_entropy, key cross_entropy: fused |
  // unfused); unset: fused.
  std::optional<bool> fused_cross_entropy;
  // When pipeline sends overlap compute (ParallelPlan::pp_overlap()); unset: always.
  std::optional<PpOverlapRule> pp_overlap;
  // Stage outputs sent as tensor-parallel slices and all-gathered (ParallelPlan::pp_scatter_gather);
  // unset: off.
  std::optional<bool> pp_scatter_gather;
  // Host time per MoE layer and micro-batch, forward and backward (ParallelPlan::moe_host_overhead);
  // unset: none.
  std::optional<Time> moe_host_overhead;

  // The attention kernel on `accelerator`: the entry for its roofline preset, else fused.
  cost::AttentionKernel attention_on(const std::string& accelerator) const;
};

// One framework file. Throws Error(kInput) naming the file and key when it is malformed (unknown
// key, a figure without a source, an unknown kernel).
FrameworkDefaults load_framework(const std::string& path);

// Of `candidates` (each a list of match strings), the index of the one with a string that
// `framework` contains, compared as letters and digits only with case ignored, the longest such
// string winning; -1 when none does. Framework and release files are chosen this way.
int longest_match(const std::string& framework, const std::vector<std::vector<std::string>>& candidates);

// The file of config_dir()/<subdir> (each loaded by `load`, with a `match` list) that `framework`
// matches by longest_match; none when none does.
template <typename File>
std::optional<File> matching_file(const std::string& framework, const std::string& subdir,
                                  File (*load)(const std::string&)) {
  if (normalise_name(framework).empty()) return std::nullopt;
  std::vector<File> all;
  std::vector<std::vector<std::string>> matches;
  for (const std::string& name : preset_names(subdir)) {
    all.push_back(load(config_dir() + "/" + subdir + "/" + name + ".yaml"));
    matches.push_back(all.back().match);
  }
  const int i = longest_match(framework, matches);
  if (i < 0) return std::nullopt;
  return all[static_cast<size_t>(i)];
}

// The framework whose `match` string `framework` contains, the longest such string winning (the
// most specific: "megatron-bridge" before "nemo"); none when no file matches.
// Throws Error(kInput) for a malformed file, naming it.
std::optional<FrameworkDefaults> framework_for(const std::string& framework);

}  // namespace trnsim::train

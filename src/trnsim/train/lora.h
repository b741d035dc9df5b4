// LoRA fine-tuning (`training.lora`, Hu et al. 2021, arXiv 2106.09685): the base model's linear
// layers are frozen and each targeted one gains two trained low-rank matrices, A (in x r) and
// B (r x out), whose product is added to its output. Only the adapters take gradients, optimizer
// state and data-parallel reductions.
#pragma once

#include <string>
#include <vector>

#include "trnsim/model/ops.h"

namespace trnsim::train {

// The linear layers an adapter can sit beside, by Megatron-Core's module names (NeMo's LoRA
// `target_modules`): the attention's input projections (MLA's down- and up-projections too), its
// output projection, and the MLP's (shared and routed experts' too) first and second layers.
enum LoraTarget : unsigned { kLoraQkv = 1u << 0, kLoraProj = 1u << 1, kLoraFc1 = 1u << 2, kLoraFc2 = 1u << 3 };
// Their names (`lora.targets`), in bit order.
inline const std::vector<std::string> kLoraTargetNames = {"linear_qkv", "linear_proj", "linear_fc1", "linear_fc2"};
// Without `targets`: the attention projections, as NVIDIA's MLPerf Training Llama 2 70B LoRA
// submissions adapt them (conf/megatron_gpt_peft_tuning_config.yaml in
// mlcommons/training_results_v4.1: rank 16 on the QKV and output projections).
inline constexpr unsigned kLoraDefaultTargets = kLoraQkv | kLoraProj;

// The target `op` is (0: an op no adapter sits beside).
unsigned lora_target_of(const model::Op& op);

// Adapter parameters beside `op` on its rank, per unit of rank, where `targets` include it: A and
// B of each of its `batch` matmuls, r (k + n) at the shape the rank holds. Tensor parallelism
// splits B's output with a column-parallel layer and A's input with a row-parallel one, as
// Megatron's parallel LoRA adapters do, and keeps the other matrix whole on every rank; so the
// rank's shard of the base weight (k x n) carries r (k + n) either way.
double lora_width(const model::Op& op, unsigned targets);

}  // namespace trnsim::train

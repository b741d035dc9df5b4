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

// How tensor parallelism splits a targeted linear layer's weight: by its outputs (q, k and v, the
// MLP's first layer, MLA's up-projections), by its inputs (the attention's output projection, the
// MLP's second layer), or not at all (MLA's down-projections, whole on every rank).
enum class LinearSplit { kColumn, kRow, kReplicated };
LinearSplit linear_split(const model::Op& op);

// Adapter parameters beside `op` on its rank, per unit of rank, where `targets` include it: A and
// B of each of its `batch` matmuls, at the shape the rank holds. Megatron's parallel LoRA adapters
// split both over the `split` ranks that split the base layer (tp, or expert_tp for routed
// experts): beside a column-parallel k x n shard A is k x r/split and B r x n; beside a
// row-parallel one A is k x r and B r x n/split. A replicated layer's adapter is whole.
double lora_width(const model::Op& op, unsigned targets, int split);

}  // namespace trnsim::train

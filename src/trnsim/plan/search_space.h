// The plans a search tries for an experiment: every combination of tensor, pipeline, data,
// context and expert parallelism whose degrees multiply to the rank count, micro-batch,
// recompute (and, when asked, activation offload), ZeRO stage, pipeline schedule with
// interleaving depth, and sequence parallelism that train::check_plan accepts. The experiment's
// global batch, precision, flash attention and LoRA rank are kept; ZB-H1, ZB-V and DualPipeV are
// each tried where it is the experiment's own schedule, and the first two also when asked.
// Pruning (docs/planner.md): interleaving depths that split the layers unevenly are left out
// (except the experiment's own), and so is sequence parallelism where it cannot shard the sequence.
#pragma once

#include <string>
#include <vector>

#include "trnsim/train/experiment.h"

namespace trnsim::plan {

struct SearchSpace {
  std::vector<train::ParallelPlan> plans;  // in a fixed order
  int64_t combinations = 0;                // tried before the legality rules
};

// What a search tries beyond the Megatron schedules and the experiment's own choices.
struct SearchChoices {
  // Activation offload: none, and on an accelerator with a host link, for plans without pipeline
  // parallelism or recompute (Megatron-Core refuses CPU offloading with either), a quarter, half
  // and three quarters of the layers. Otherwise the experiment's activation_offload_layers is
  // kept where a plan's chunks can take it (else 0).
  bool offload = false;
  // ZB-H1 and ZB-V on every pipeline (ZB-V where the layers fill 2 pp chunks).
  bool zero_bubble = false;
  // DeepSeek's DualPipeV (where the layers fill 2 pp chunks) and DualPipe (on even pp) on every
  // pipeline.
  bool dualpipe = false;
};

// Every plan of the experiment's model, system and global batch; a schedule the experiment
// states is always tried.
SearchSpace enumerate_plans(const train::Experiment& e, const SearchChoices& choices = {});

// train::check_plan's rules without throwing.
bool plan_is_legal(const train::ParallelPlan& p, const model::ModelSpec& m, const hw::SystemSpec& s);

// "tp 8 pp 4x5 dp 32 cp 1 ep 1 mb 1 sp interleaved-1f1b recompute selective zero 1"
std::string plan_label(const train::ParallelPlan& p);

}  // namespace trnsim::plan

// Accelerators and the systems built from them, as data (configs/accelerators/, configs/systems/).
// A system is a number of accelerators in scale-up domains (NVSwitch, NeuronLink torus, NVL72,
// ICI torus) joined by a scale-out network (InfiniBand / RoCE fat tree, EFA, DCN). The `system:`
// block of an experiment (the schema of validation/runs.yaml) builds one; a named preset fills in
// what the block leaves out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/units.h"

namespace trnsim::hw {

struct ChipSpec;

enum class AcceleratorFamily { kTrainium, kGpu, kTpu };

struct AcceleratorSpec {
  std::string name;  // a100-80g, h100-sxm, trn2 ...
  AcceleratorFamily family = AcceleratorFamily::kGpu;
  // Dense peaks per accelerator (chip), FLOP/s.
  double peak_bf16_flops = 0, peak_fp16_flops = 0, peak_fp8_flops = 0, peak_fp32_flops = 0;
  double peak_int8_ops = 0;  // 0 where the accelerator has no int8 matmul rate
  Bytes hbm_capacity;
  Bandwidth hbm_bandwidth;
  double tdp_w = 0;   // board power at full load (may be an estimate: see its note)
  double idle_w = 0;
  // Trainium only: the chip preset (configs/hw/) for the NeuronCore model, and how AWS counts
  // ranks: physical NeuronCores per logical core (LNC; trn2/trn3 default 2, trn1 1).
  std::string chip;
  int cores_per_chip = 1;
  int physical_cores_per_logical = 1;
  // Trainium only, optional: the bus bandwidth one rank's collectives reach when the collective
  // cores and DMA rings, not the links, are the limit (0: links only).
  Bandwidth collective_engine_bw;
  // Trainium only, optional: a chip to use instead of the preset named by `chip` (a sweep's
  // what-if chip, e.g. a larger SBUF); the NeuronCore cost model takes it when set.
  std::shared_ptr<const ChipSpec> chip_override;
  // Optional: one direction of the accelerator's link to its host's memory (PCIe, NVLink-C2C),
  // which activation offload uses (training.activation_offload_layers). 0: not stated.
  Bandwidth host_link_bw;
  // Optional: the accelerator's 8-bit GEMMs read their operands in one layout only (Hopper's
  // "TN"), so a weight held in fp8 (training.fp8_params) keeps a transposed fp8 copy for the
  // backward's input-gradient GEMM beside it. Off: one fp8 copy serves every GEMM.
  bool fp8_transpose_copy = false;
  // The system preset (configs/systems/) that fills a `system:` block naming only this accelerator.
  std::string default_system;
  std::vector<ParamInfo> params;  // every figure with its source
};

enum class ScaleUpKind { kNvSwitch, kNvl72, kTorus2d, kTorus3d, kNeuronLinkTorus2d, kNeuronLinkTorus3d, kNeuronSwitch };
enum class ScaleOutKind { kIbFatTree, kRoce, kEfa, kIci, kDcn };

struct ScaleUpSpec {
  ScaleUpKind kind = ScaleUpKind::kNvSwitch;
  Bandwidth bw_per_accel_unidir;  // per accelerator, one direction, all its scale-up links together
  Time hop_latency;               // per hop (switch traversal or torus neighbour)
  std::vector<int> torus_dims;    // torus kinds: the shape of one scale-up domain, e.g. {4, 4}
};

struct ScaleOutSpec {
  ScaleOutKind kind = ScaleOutKind::kIbFatTree;
  Bandwidth bw_per_accel;  // NIC rate per accelerator, one direction
  Time latency;            // one message end to end across the fabric
  bool rail_optimized = false;
};

// The most accelerators a system may have (2^40): beyond any cluster, and small enough that
// counts of ranks, links and bytes stay inside 64-bit integers.
inline constexpr int64_t kMaxAccelerators = int64_t{1} << 40;

struct SystemSpec {
  std::string name;
  AcceleratorSpec accel;
  int64_t count = 0;     // accelerators (Trainium: chips)
  int per_node = 0;      // accelerators in one scale-up domain
  ScaleUpSpec scale_up;
  ScaleOutSpec scale_out;
  // Ranks the parallel degrees count: accelerators, or logical NeuronCores on Trainium.
  int64_t ranks() const;
  int ranks_per_accel() const;
  // Ranks in one scale-up domain.
  int64_t ranks_per_domain() const { return int64_t{per_node} * ranks_per_accel(); }
  // One rank's share of its accelerator's host link, bytes/s each way (0: none stated).
  double host_link_bw_per_rank() const { return accel.host_link_bw.bytes_per_s / ranks_per_accel(); }
  double price_per_accel_hour = 0;  // on-demand USD, when the preset knows it (dated in its source)
  std::vector<ParamInfo> params;    // the preset's figures with their sources, then the block's values
};

const char* to_string(AcceleratorFamily family);
const char* to_string(ScaleUpKind kind);
const char* to_string(ScaleOutKind kind);

AcceleratorSpec load_accelerator(const std::string& name_or_path);
// An accelerator from an already-parsed tree (sweeps edit a preset's tree before building it).
AcceleratorSpec accelerator_from_config(const ConfigNode& root, bool require_sources);
std::vector<std::string> list_accelerator_presets();
std::vector<std::string> list_system_presets();
// A named system preset (configs/systems/<name>.yaml) sized to `count` accelerators (0: its default).
SystemSpec load_system(const std::string& name, int64_t count = 0);
// The `system:` block of an experiment: keys of validation/runs.yaml (accelerator, count,
// per_node, scale_up, scale_out, neuron_cores) plus an optional `preset` whose values fill
// whatever the block leaves out or sets to null.
SystemSpec system_from_config(const ConfigNode& block);

}  // namespace trnsim::hw

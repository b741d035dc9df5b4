// A NeuronCore-class chip as data: loaded from configs/hw/<name>.yaml (see hw/chip_loader.h).
// Every field here is a figure from the preset, with its source kept in `params`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/config.h"
#include "trnsim/base/units.h"

namespace trnsim::hw {

struct TensorEngineSpec {
  Frequency clock;
  int rows = 128;                  // systolic array rows (contraction K per instruction)
  int cols = 128;                  // systolic array columns (stationary free size M)
  int moving_fmax = 512;           // max moving free size N per instruction
  int min_ii_cycles = 64;          // MM_INIT_LATENCY: minimum initiation interval
  int fp32_ii_factor = 4;          // fp32 operands run this many times slower
  double ls_cycles_per_col = 0.25; // LoadStationary cost per stationary column (128 cols ~ 32 cycles)
  bool fp8_double_row = false;     // fp8 with K = 2 x rows per instruction at the bf16 rate
  int transpose_ii_cycles = 64;    // min II of an nc_transpose pass
};

struct VectorEngineSpec {
  Frequency clock;
  int min_ii_cycles = 64;           // MIN_II
  int static_overhead_cycles = 0;   // added to every instruction (access start)
  double perf_mode_factor = 1.0;    // speed-up of bf16/f16 SBUF-contiguous copies and tensor_scalar
};

struct ScalarEngineSpec {
  Frequency clock;
  int min_ii_cycles = 64;
  int static_overhead_cycles = 0;
  int accumulate_readout_cycles = 64;  // ActReadAccumulator for activation_reduce
};

struct GpSimdEngineSpec {
  Frequency clock;
  int min_ii_cycles = 64;
  int start_cycles = 150;  // GPSIMD_START for iota / affine_select
};

struct OnChipMemorySpec {
  int partitions = 128;
  int64_t partition_bytes = 0;
  int banks = 1;  // PSUM: accumulation banks per partition
  int64_t bank_bytes() const { return partition_bytes / banks; }
  int64_t total_bytes() const { return partitions * partition_bytes; }
};

struct DmaSpec {
  int queues_per_core = 16;
  Bandwidth queue_bandwidth;          // achievable per queue
  Time fixed_cost;                    // per transfer; hidden behind the previous transfer's data on a busy queue
  double transpose_hbm_efficiency = 1.0;   // dma_transpose HBM->SBUF fraction of the DMA rate
  double transpose_sbuf_efficiency = 1.0;  // dma_transpose SBUF->SBUF fraction
  bool has_transpose = false;
};

struct ChipSpec {
  std::string name;           // preset name: trn2
  std::string description;
  std::string neuron_core;    // NC-v2 / NC-v3 / NC-v4
  int cores_per_chip = 0;
  TensorEngineSpec tensor;
  VectorEngineSpec vector;
  ScalarEngineSpec scalar;
  GpSimdEngineSpec gpsimd;
  OnChipMemorySpec sbuf;      // per core
  OnChipMemorySpec psum;      // per core
  Bytes hbm_capacity;         // per chip
  Bandwidth hbm_bandwidth;    // per chip, shared by its cores
  DmaSpec dma;
  double published_bf16_tflops_per_chip = 0;  // for reports
  double published_fp8_tflops_per_chip = 0;

  // Dense bf16 peak of one core's TensorE: 2 x rows x cols x clock.
  double core_peak_flops() const {
    return 2.0 * tensor.rows * tensor.cols * static_cast<double>(tensor.clock.hz);
  }
  std::vector<ParamInfo> params;  // every figure as written, with its source
};

}  // namespace trnsim::hw

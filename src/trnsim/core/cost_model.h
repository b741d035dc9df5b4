// Instruction costs from the documented formulas (hardware-facts.md section 3.2 / 3.3, the
// "estimated instruction cost" of the NKI ISA docs): an instruction occupies its engine for a
// number of that engine's cycles; DMA transfers cost bytes over the queue's bandwidth.
// Everything chip-specific comes from hw::ChipSpec; this file holds only the formulas.
#pragma once

#include <cstdint>

#include "trnsim/base/units.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/instruction.h"

namespace trnsim::core {

// Cycles a compute-engine instruction occupies its engine, before stationary-load effects.
// `inst.engine.kind` must not be kDma.
int64_t compute_cycles(const hw::ChipSpec& chip, const isa::Instruction& inst);

// The clock of a compute engine.
Frequency engine_clock(const hw::ChipSpec& chip, isa::EngineKind kind);

// TensorE LoadStationary cycles for a matmul / transpose (0 for other instructions).
int64_t stationary_load_cycles(const hw::ChipSpec& chip, const isa::Instruction& inst);

// The stationary operand of a TensorE instruction, or null.
const isa::AccessPattern* stationary_of(const isa::Instruction& inst);

struct DmaCost {
  int64_t bytes = 0;          // the larger of source and destination bytes
  int64_t hbm_read = 0;       // bytes read from HBM
  int64_t hbm_write = 0;      // bytes written to HBM
  double efficiency = 1.0;    // fraction of the queue bandwidth reached (dma_transpose < 1)
};
DmaCost dma_cost(const hw::ChipSpec& chip, const isa::Instruction& inst);

// 2 x MACs of a matmul (0 for anything else).
double matmul_flops(const isa::Instruction& inst);

}  // namespace trnsim::core

// Functional execution: the data effect of one instruction on SBUF, PSUM and HBM.
// Timing lives elsewhere (core/simulator.h); this file knows nothing about time.
// Semaphore and barrier instructions have no data effect.
#pragma once

#include "trnsim/base/rng.h"
#include "trnsim/base/thread_pool.h"
#include "trnsim/core/memory.h"
#include "trnsim/isa/instruction.h"
#include "trnsim/numerics/dtype.h"

namespace trnsim::core {

struct CoreState {
  OnChipMemory& sbuf;
  OnChipMemory& psum;
  HbmImage& hbm;
  Rng& rng;  // random / dropout, and stochastic rounding when `rounding` is kStochastic
  numerics::Rounding rounding = numerics::Rounding::kNearestEven;  // for every narrowing write
  ThreadPool* pool = nullptr;  // host threads for heavy instructions (matmul); null: the caller only
};

// Applies `inst` to `state`. The program is assumed verified (isa/verifier.h): addresses are in
// bounds and shapes legal, so this does no user-facing checking.
void execute(const isa::Instruction& inst, CoreState& state);

}  // namespace trnsim::core

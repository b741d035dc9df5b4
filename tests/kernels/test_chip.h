// The kernel tests' chip: the shared trn2-like chip, Vector perf mode off.
#pragma once

#include "../common/trn2_like_chip.h"

namespace trnsim::kernels::testing {

inline hw::ChipSpec test_chip(bool dma_transpose = true) { return trnsim::testing::trn2_like_chip(dma_transpose, 1.0); }

}  // namespace trnsim::kernels::testing

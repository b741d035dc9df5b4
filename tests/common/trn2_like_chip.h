// A trn2-like chip built in code, so tests do not depend on the preset files.
#pragma once

#include "trnsim/hw/chip_spec.h"

namespace trnsim::testing {

inline hw::ChipSpec trn2_like_chip(bool dma_transpose = true, double vector_perf_mode = 2.0) {
  hw::ChipSpec c;
  c.name = "test-trn2";
  c.cores_per_chip = 8;
  c.tensor.clock = Frequency{2400000000};
  c.tensor.fp8_double_row = true;
  c.vector.clock = Frequency{960000000};
  c.vector.perf_mode_factor = vector_perf_mode;
  c.scalar.clock = Frequency{1200000000};
  c.gpsimd.clock = Frequency{1200000000};
  c.sbuf = {128, 192 * 1024, 1};
  c.psum = {128, 16 * 1024, 8};
  c.hbm_capacity = Bytes{96LL << 30};
  c.hbm_bandwidth = Bandwidth{2.9e12};
  c.dma.queues_per_core = 16;
  c.dma.queue_bandwidth = Bandwidth{23e9};
  c.dma.fixed_cost = Time::ns(1300);
  c.dma.has_transpose = dma_transpose;
  c.dma.transpose_hbm_efficiency = 0.9;
  c.dma.transpose_sbuf_efficiency = 0.5;
  return c;
}

}  // namespace trnsim::testing

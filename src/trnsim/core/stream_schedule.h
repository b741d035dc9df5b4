// Splits a program into the in-order streams of a NeuronCore (the four compute engines, then one
// per DMA queue) and measures its static properties (SBUF / PSUM high-water marks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"

namespace trnsim::core {

struct StreamInfo {
  std::string name;  // tensor, vector, scalar, gpsimd, dma.q0 ...
  bool is_dma = false;
  std::vector<int32_t> instructions;  // indices into Program::instructions, in program order
};

struct StreamSchedule {
  std::vector<StreamInfo> streams;
  int64_t sbuf_peak_bytes = 0;  // per partition: one past the highest byte any instruction touches
  int64_t psum_peak_bytes = 0;
};

// Barriers are placed on every stream. Assumes a verified program (engines and queues in range).
StreamSchedule build_stream_schedule(const hw::ChipSpec& chip, const isa::Program& program);

}  // namespace trnsim::core

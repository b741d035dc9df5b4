// Splits a program into the in-order streams of a NeuronCore (the four compute engines, then one
// per DMA queue) and works out everything about it that does not depend on when things run: each
// instruction's cost, its waits, SBUF / PSUM high-water marks. The event loop then touches only
// this compact form, never the instruction structs (functional mode aside).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/units.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"

namespace trnsim::core {

struct StreamInfo {
  std::string name;  // tensor, vector, scalar, gpsimd, dma.q0 ...
  bool is_dma = false;
  std::vector<int32_t> instructions;  // indices into Program::instructions, in program order
};

enum class OpClass : uint8_t { kCompute, kDma, kBarrier, kSemWait, kSemSignal };

// The time-independent part of one instruction's cost.
struct StaticCost {
  OpClass op = OpClass::kCompute;
  int32_t signal = -1;           // semaphore incremented on completion
  int32_t wait_begin = 0;        // waits are StreamSchedule::waits[wait_begin, wait_begin + wait_count)
  int32_t wait_count = 0;
  int32_t sem = -1;              // sem_wait / sem_signal operand
  int64_t sem_value = 0;         // sem_wait: value to reach; sem_signal: amount to add
  Time duration;                 // compute: engine occupancy; DMA: data phase at the queue's rate
  Time stationary_load;          // TensorE: load of a stationary different from the stream's previous one
  Time hbm_time;                 // DMA: time the bytes hold the core's HBM share
  int64_t hbm_read = 0, hbm_write = 0;
  double flops = 0;              // 2 x MACs
};

struct StreamSchedule {
  std::vector<StreamInfo> streams;
  std::vector<StaticCost> costs;  // one per instruction of the program
  std::vector<isa::Wait> waits;
  int64_t sbuf_peak_bytes = 0;  // per partition: one past the highest byte any instruction touches
  int64_t psum_peak_bytes = 0;
};

// Barriers are placed on every stream. `hbm_share` is the HBM bandwidth this core may use.
// Assumes a verified program (engines, queues and semaphores in range).
StreamSchedule build_stream_schedule(const hw::ChipSpec& chip, const isa::Program& program, Bandwidth hbm_share);

}  // namespace trnsim::core

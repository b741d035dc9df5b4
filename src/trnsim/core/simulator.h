// The NeuronCore simulator: runs a verified program instruction by instruction. Each engine and
// each DMA queue is an in-order queue at its own clock; semaphores order them; DMA queues share
// the core's DMA bandwidth and the chip's HBM bandwidth. In functional mode every instruction also
// computes its data (core/functional.h); in timing mode no data is touched.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trnsim/base/stats.h"
#include "trnsim/base/units.h"
#include "trnsim/core/memory.h"
#include "trnsim/hw/chip_spec.h"
#include "trnsim/isa/program.h"
#include "trnsim/numerics/dtype.h"

namespace trnsim::core {

enum class Mode { kFunctional, kTiming };

struct SimOptions {
  Mode mode = Mode::kFunctional;
  uint64_t seed = 1;
  numerics::Rounding rounding = numerics::Rounding::kNearestEven;
  bool record_trace = false;  // keep one TraceEvent per instruction
  // Cores of the chip running this program at the same time: they share the chip's HBM bandwidth
  // equally (each core gets hbm_bandwidth / active_cores).
  int active_cores = 1;
  // Host threads for functional mode's matmuls (<= 0: one per host core). Results do not depend
  // on it: every thread computes whole rows in the same order.
  int host_threads = 0;
};

struct TraceEvent {
  int32_t track;      // index into RunResult::tracks
  int32_t instruction;  // index into Program::instructions
  Time start, end;
};

struct EngineUsage {
  std::string name;      // "tensor", "vector", "scalar", "gpsimd", "dma.q0" ...
  Time busy;             // sum of instruction durations
  int64_t instructions = 0;
  double busy_fraction = 0;  // busy / total time
};

struct RunResult {
  Time time;                    // end of the last instruction
  int64_t instructions = 0;
  double matmul_flops = 0;      // 2 x MACs issued on TensorE (transposes excluded)
  double mfu = 0;               // as the Neuron profiler defines it (see docs/profile.md)
  std::vector<EngineUsage> engines;  // compute engines, then DMA queues
  int64_t hbm_read_bytes = 0, hbm_write_bytes = 0;
  double hbm_bandwidth_utilization = 0;  // bytes / (time x min(HBM share, core DMA bandwidth))
  int64_t sbuf_peak_bytes = 0;  // per partition: highest byte touched
  int64_t psum_peak_bytes = 0;
  double sim_wall_s = 0;
  std::vector<std::string> tracks;  // same order as `engines`
  std::vector<TraceEvent> trace;
  StatsTree stats;
};

// Runs `program` on one NeuronCore of `chip`. In functional mode `hbm` must be allocated and holds
// the inputs before and the outputs after; in timing mode it may be null.
// Throws trnsim::Error (kRuntime) on deadlock, naming the blocked instructions.
RunResult simulate(const hw::ChipSpec& chip, const isa::Program& program, const SimOptions& opts,
                   HbmImage* hbm);

}  // namespace trnsim::core

#include "trnsim/core/stream_schedule.h"

#include <algorithm>

#include "trnsim/isa/operands.h"

namespace trnsim::core {

StreamSchedule build_stream_schedule(const hw::ChipSpec& chip, const isa::Program& program) {
  StreamSchedule sch;
  for (auto k : {isa::EngineKind::kTensor, isa::EngineKind::kVector, isa::EngineKind::kScalar,
                 isa::EngineKind::kGpSimd}) {
    sch.streams.push_back({std::string(isa::engine_name(k)), false, {}});
  }
  const int queues = std::max(chip.dma.queues_per_core, 1);
  for (int q = 0; q < queues; ++q) sch.streams.push_back({"dma.q" + std::to_string(q), true, {}});

  for (size_t i = 0; i < program.instructions.size(); ++i) {
    const isa::Instruction& inst = program.instructions[i];
    const auto idx = static_cast<int32_t>(i);
    if (std::holds_alternative<isa::Barrier>(inst.body)) {
      for (auto& s : sch.streams) s.instructions.push_back(idx);
      continue;
    }
    const size_t s = inst.engine.kind == isa::EngineKind::kDma
                         ? isa::kNumComputeEngines + static_cast<size_t>(inst.engine.queue)
                         : static_cast<size_t>(inst.engine.kind);
    sch.streams[std::min(s, sch.streams.size() - 1)].instructions.push_back(idx);
    isa::for_each_operand(inst, [&](const isa::AccessPattern& ap, isa::Access) {
      if (ap.space == isa::MemSpace::kHbm) return;
      const int64_t hi = isa::byte_extent(ap).hi;
      auto& peak = ap.space == isa::MemSpace::kSbuf ? sch.sbuf_peak_bytes : sch.psum_peak_bytes;
      peak = std::max(peak, hi);
    });
  }
  return sch;
}

}  // namespace trnsim::core

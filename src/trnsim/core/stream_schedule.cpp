#include "trnsim/core/stream_schedule.h"

#include <algorithm>

#include "trnsim/core/cost_model.h"

#include "trnsim/isa/operands.h"

namespace trnsim::core {

namespace {

StaticCost static_cost(const hw::ChipSpec& chip, const isa::Instruction& inst, Bandwidth hbm_share) {
  StaticCost c;
  c.signal = inst.signal;
  if (std::holds_alternative<isa::Barrier>(inst.body)) {
    c.op = OpClass::kBarrier;
  } else if (const auto* w = std::get_if<isa::SemWait>(&inst.body)) {
    c.op = OpClass::kSemWait;
    c.sem = w->sem;
    c.sem_value = w->value;
  } else if (const auto* g = std::get_if<isa::SemSignal>(&inst.body)) {
    c.op = OpClass::kSemSignal;
    c.sem = g->sem;
    c.sem_value = g->add;
  }
  if (inst.engine.kind == isa::EngineKind::kDma) {
    if (c.op == OpClass::kCompute) c.op = OpClass::kDma;
    const DmaCost d = dma_cost(chip, inst);
    c.duration = Bandwidth{chip.dma.queue_bandwidth.bytes_per_s * d.efficiency}.transfer(d.bytes);
    c.hbm_read = d.hbm_read;
    c.hbm_write = d.hbm_write;
    c.hbm_time = hbm_share.transfer(d.hbm_read + d.hbm_write);
    return c;
  }
  const Frequency clk = engine_clock(chip, inst.engine.kind);
  c.duration = clk.cycles(compute_cycles(chip, inst));
  c.stationary_load = clk.cycles(stationary_load_cycles(chip, inst));
  c.flops = matmul_flops(inst);
  return c;
}

}  // namespace

StreamSchedule build_stream_schedule(const hw::ChipSpec& chip, const isa::Program& program, Bandwidth hbm_share) {
  StreamSchedule sch;
  for (auto k : {isa::EngineKind::kTensor, isa::EngineKind::kVector, isa::EngineKind::kScalar,
                 isa::EngineKind::kGpSimd}) {
    sch.streams.push_back({std::string(isa::engine_name(k)), false, {}});
  }
  const int queues = std::max(chip.dma.queues_per_core, 1);
  for (int q = 0; q < queues; ++q) sch.streams.push_back({"dma.q" + std::to_string(q), true, {}});

  sch.costs.reserve(program.instructions.size());
  const isa::AccessPattern* last_stationary = nullptr;
  for (size_t i = 0; i < program.instructions.size(); ++i) {
    const isa::Instruction& inst = program.instructions[i];
    const auto idx = static_cast<int32_t>(i);
    StaticCost c = static_cost(chip, inst, hbm_share);
    c.wait_begin = static_cast<int32_t>(sch.waits.size());
    c.wait_count = static_cast<int32_t>(inst.waits.size());
    sch.waits.insert(sch.waits.end(), inst.waits.begin(), inst.waits.end());
    // TensorE runs in program order, so "same stationary as before" is known statically.
    if (const isa::AccessPattern* st = stationary_of(inst)) {
      if (last_stationary && *last_stationary == *st) c.stationary_load = Time();
      last_stationary = st;
    }
    sch.costs.push_back(c);
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

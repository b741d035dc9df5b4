#include "trnsim/core/simulator.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <queue>
#include <optional>
#include <string>
#include <unordered_map>

#include "trnsim/base/error.h"
#include "trnsim/core/cost_model.h"
#include "trnsim/core/functional.h"
#include "trnsim/core/stream_schedule.h"
#include "trnsim/isa/operands.h"

namespace trnsim::core {
namespace {

using isa::EngineKind;
using isa::Instruction;

// One in-order instruction stream: a compute engine or a DMA queue.
struct Stream {
  std::vector<int32_t> program;  // instruction indices, in order
  size_t next = 0;
  Time free_at;                  // earliest start of the next instruction
  bool waiting = false;          // blocked on a semaphore or barrier
  Time busy;
  int64_t executed = 0;
  Time last_start, last_end;  // the previous instruction (TensorE background stationary loads)
  // DMA queue: end of the previous data phase
  Time data_free;
};

struct Event {
  Time at;
  int32_t priority;  // completions (0) before issue attempts (1) at the same time
  uint64_t seq;
  int32_t stream;
  int32_t inst;  // completion: instruction index; issue attempt: -1
  bool operator>(const Event& o) const {
    if (at != o.at) return at > o.at;
    if (priority != o.priority) return priority > o.priority;
    return seq > o.seq;
  }
};

class CoreSim {
 public:
  CoreSim(const hw::ChipSpec& chip, const isa::Program& prog, const SimOptions& opts, HbmImage* hbm)
      : chip_(chip), prog_(prog), opts_(opts),
        hbm_bw_{chip.hbm_bandwidth.bytes_per_s / std::max(1, opts.active_cores)},
        sched_(build_stream_schedule(chip, prog, hbm_bw_)),
        streams_(sched_.streams.size()), sem_count_(std::max(prog.num_semaphores, 0), 0),
        sem_waiters_(sem_count_.size()), rng_(opts.seed),
        sbuf_(chip.sbuf.partitions, chip.sbuf.partition_bytes, opts.mode == Mode::kFunctional),
        psum_(chip.psum.partitions, chip.psum.partition_bytes, opts.mode == Mode::kFunctional) {
    for (size_t s = 0; s < streams_.size(); ++s) streams_[s].program = sched_.streams[s].instructions;
    if (opts.mode == Mode::kFunctional) {
      if (!hbm || !hbm->allocated()) {
        throw input_error("simulate", "functional mode needs an allocated HBM image",
                          "pass an HbmImage built with allocate=true, or use timing mode");
      }
      pool_ = std::make_unique<ThreadPool>(opts.host_threads);
      state_.emplace(CoreState{sbuf_, psum_, *hbm, rng_, opts.rounding, pool_.get()});
    }
  }

  RunResult run() {
    for (size_t s = 0; s < streams_.size(); ++s) push(Time(), 1, static_cast<int32_t>(s), -1);
    while (!heap_.empty()) {
      Event e = heap_.top();
      heap_.pop();
      now_ = e.at;
      if (e.inst >= 0) {
        complete(e.inst);
        if (!sched_.streams[e.stream].is_dma && streams_[e.stream].free_at == now_) try_issue(e.stream);
      } else {
        try_issue(e.stream);
      }
    }
    check_finished();
    return summarize();
  }

 private:
  void push(Time at, int32_t prio, int32_t stream, int32_t inst) {
    heap_.push(Event{at, prio, seq_++, stream, inst});
  }

  // Starts the stream's next instruction if its waits hold; otherwise parks the stream.
  void try_issue(int32_t s) {
    Stream& st = streams_[s];
    st.waiting = false;
    if (st.next >= st.program.size()) return;
    const int32_t idx = st.program[st.next];
    const StaticCost& c = sched_.costs[idx];
    for (int32_t i = 0; i < c.wait_count; ++i) {
      const isa::Wait& w = sched_.waits[c.wait_begin + i];
      if (sem_count_[w.sem] < w.value) return park(s, w.sem, w.value);
    }
    if (c.op == OpClass::kSemWait && sem_count_[c.sem] < c.sem_value) return park(s, c.sem, c.sem_value);
    if (c.op == OpClass::kBarrier) {
      // A queue reaches a barrier only when its last transfer has landed.
      if (now_ < st.data_free) return push(st.data_free, 1, s, -1);
      if (!barrier_arrive(s, idx)) return;
    }
    start(s, idx);
  }

  void park(int32_t s, int32_t sem, int64_t value) {
    sem_waiters_[sem].push_back({value, s});
    streams_[s].waiting = true;
  }

  // Returns true once every stream has reached barrier `idx`; parks the others until then.
  bool barrier_arrive(int32_t s, int32_t idx) {
    auto& arrived = barrier_arrived_[idx];
    if (std::find(arrived.begin(), arrived.end(), s) == arrived.end()) arrived.push_back(s);
    if (arrived.size() < streams_.size()) {
      streams_[s].waiting = true;
      return false;
    }
    for (int32_t other : arrived) {
      if (other != s) {
        Stream& o = streams_[other];
        o.waiting = false;
        start(other, idx);
      }
    }
    return true;
  }

  void start(int32_t s, int32_t idx) {
    Stream& st = streams_[s];
    const StaticCost& c = sched_.costs[idx];
    const Time begin = max(now_, st.free_at);
    Time end;
    if (c.op == OpClass::kDma) {
      end = start_dma(st, c, begin);
    } else {
      end = begin + c.duration + exposed_stationary_load(st, c, begin);
      flops_ += c.flops;
      st.busy += end - begin;
      st.free_at = end;
      st.last_start = begin;
      st.last_end = end;
    }
    if (state_) execute(prog_.instructions[idx], *state_);
    if (opts_.record_trace) trace_.push_back({s, idx, begin, end});
    ++st.executed;
    ++st.next;
    push(end, 0, s, idx);
    // A compute engine, free again only when its instruction completes, tries its next one from
    // the completion event: one event per instruction instead of two. (Starting it there rather
    // than after the other completions of the same picosecond changes no start time: a wait that
    // one of them satisfies parks the stream and wakes it at that same picosecond.)
    if (sched_.streams[s].is_dma || st.free_at != end) push(st.free_at, 1, s, -1);
  }

  // A new stationary is loaded in the background while the previous instruction streams (NA2);
  // it shows only when the engine was idle before or the load does not fit behind it.
  Time exposed_stationary_load(const Stream& st, const StaticCost& c, Time begin) const {
    if (c.stationary_load == Time()) return Time();
    const bool back_to_back = st.executed > 0 && begin == st.last_end;
    if (back_to_back && c.stationary_load <= st.last_end - st.last_start) return Time();
    return c.stationary_load;
  }

  // A queue prepares the next descriptor (fixed cost) while the previous transfer's data moves.
  Time start_dma(Stream& st, const StaticCost& c, Time begin) {
    if (c.duration == Time() && c.hbm_time == Time()) {
      st.free_at = begin;
      return begin;
    }
    const Time data_start = max(begin + chip_.dma.fixed_cost, st.data_free);
    Time data_end = data_start + c.duration;
    if (c.hbm_time > Time()) {
      hbm_free_ = max(data_start, hbm_free_) + c.hbm_time;
      data_end = max(data_end, hbm_free_);
    }
    hbm_read_ += c.hbm_read;
    hbm_write_ += c.hbm_write;
    st.busy += data_end - data_start;
    st.data_free = data_end;
    st.free_at = data_start;  // the next descriptor may be prepared from here
    return data_end;
  }

  void complete(int32_t idx) {
    const StaticCost& c = sched_.costs[idx];
    if (c.signal >= 0) signal(c.signal, 1);
    if (c.op == OpClass::kSemSignal) signal(c.sem, c.sem_value);
    last_end_ = max(last_end_, now_);
  }

  void signal(int32_t sem, int64_t add) {
    sem_count_[sem] += add;
    auto& ws = sem_waiters_[sem];
    for (size_t i = 0; i < ws.size();) {
      if (sem_count_[sem] >= ws[i].first) {
        push(now_, 1, ws[i].second, -1);
        ws[i] = ws.back();
        ws.pop_back();
      } else {
        ++i;
      }
    }
  }

  void check_finished() const {
    std::string blocked;
    for (size_t s = 0; s < streams_.size(); ++s) {
      const Stream& st = streams_[s];
      if (st.next >= st.program.size()) continue;
      const Instruction& inst = prog_.instructions[st.program[st.next]];
      blocked += (blocked.empty() ? " " : "; ") + sched_.streams[s].name + ": instruction #" + std::to_string(st.program[st.next]) +
                 " (" + std::string(isa::mnemonic(inst)) +
                 (inst.line ? ", line " + std::to_string(inst.line) : "") + ")";
      for (const auto& w : inst.waits) {
        if (sem_count_[w.sem] < w.value) {
          blocked += " waits for semaphore " + std::to_string(w.sem) + " >= " + std::to_string(w.value) +
                     " (it reached " + std::to_string(sem_count_[w.sem]) + ")";
        }
      }
      if (std::holds_alternative<isa::Barrier>(inst.body)) blocked += " waits at a barrier";
    }
    if (!blocked.empty()) {
      throw Error(ErrorKind::kRuntime, "program " + (prog_.name.empty() ? std::string("<unnamed>") : prog_.name),
                  "deadlock, these instructions can never start:" + blocked,
                  "make sure every waited-for semaphore value is reached by earlier signals");
    }
  }

  RunResult summarize() {
    RunResult r;
    r.time = last_end_;
    r.matmul_flops = flops_;
    const double secs = r.time.seconds();
    r.mfu = secs > 0 ? flops_ / (chip_.core_peak_flops() * secs) : 0;
    for (size_t s = 0; s < streams_.size(); ++s) {
      const Stream& st = streams_[s];
      r.instructions += st.executed;
      if (sched_.streams[s].is_dma && st.executed == 0) continue;
      EngineUsage u{sched_.streams[s].name, st.busy, st.executed, secs > 0 ? st.busy.seconds() / secs : 0};
      r.tracks.push_back(u.name);
      r.engines.push_back(std::move(u));
    }
    // Barriers appear on every stream but are one instruction of the program.
    r.instructions = static_cast<int64_t>(prog_.instructions.size());
    r.hbm_read_bytes = hbm_read_;
    r.hbm_write_bytes = hbm_write_;
    // What this core can reach: its HBM share, or its DMA queues together if they are slower.
    const double reachable = std::min(hbm_bw_.bytes_per_s, chip_.dma.queues_per_core * chip_.dma.queue_bandwidth.bytes_per_s);
    r.hbm_bandwidth_utilization = secs > 0 ? (hbm_read_ + hbm_write_) / (reachable * secs) : 0;
    r.sbuf_peak_bytes = sched_.sbuf_peak_bytes;
    r.psum_peak_bytes = sched_.psum_peak_bytes;
    remap_trace(r);
    StatsTree& st = r.stats.group("core");
    st.set("time_ps", r.time.ps());
    st.set("instructions", r.instructions);
    st.set("events", static_cast<int64_t>(seq_));
    return r;
  }

  // Trace tracks follow RunResult::tracks (unused DMA queues dropped).
  void remap_trace(RunResult& r) {
    std::vector<int32_t> track_of(streams_.size(), -1);
    for (size_t s = 0, t = 0; s < streams_.size(); ++s) {
      if (sched_.streams[s].is_dma && streams_[s].executed == 0) continue;
      track_of[s] = static_cast<int32_t>(t++);
    }
    r.trace = std::move(trace_);
    for (auto& ev : r.trace) ev.track = track_of[ev.track];
  }

  const hw::ChipSpec& chip_;
  const isa::Program& prog_;
  SimOptions opts_;
  Bandwidth hbm_bw_;
  StreamSchedule sched_;
  std::vector<Stream> streams_;
  std::vector<int64_t> sem_count_;
  std::vector<std::vector<std::pair<int64_t, int32_t>>> sem_waiters_;
  std::unordered_map<int32_t, std::vector<int32_t>> barrier_arrived_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> heap_;
  uint64_t seq_ = 0;
  Time now_, last_end_, hbm_free_;
  double flops_ = 0;
  int64_t hbm_read_ = 0, hbm_write_ = 0;
  std::vector<TraceEvent> trace_;
  Rng rng_;
  OnChipMemory sbuf_, psum_;
  std::unique_ptr<ThreadPool> pool_;
  std::optional<CoreState> state_;
};

}  // namespace

RunResult simulate(const hw::ChipSpec& chip, const isa::Program& program, const SimOptions& opts, HbmImage* hbm) {
  const auto wall0 = std::chrono::steady_clock::now();
  CoreSim sim(chip, program, opts, hbm);
  RunResult r = sim.run();
  r.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace trnsim::core

#include "trnsim/train/pipeline.h"

#include <algorithm>

#include "trnsim/base/event_queue.h"

namespace trnsim::train {
namespace {

using Unit = PipelineUnit;

class PipelineSim {
 public:
  explicit PipelineSim(const PipelineInput& in, bool keep) : in_(in), keep_(keep) {
    const int chunks = in.pp * in.virtual_stages;
    fwd_end_.assign(static_cast<size_t>(chunks * in.micro_batches), kNotYet);
    bwd_end_.assign(fwd_end_.size(), kNotYet);
    for (int s = 0; s < in.pp; ++s) {
      orders_.emplace_back(in.schedule, in.pp, in.virtual_stages, in.micro_batches, s, in.group, in.extra_warmup);
    }
    next_.assign(in.pp, 0);
    stages_.assign(in.pp, StageTimes(in.virtual_stages));
    seen_fwd_.assign(static_cast<size_t>(chunks), false);
    running_.assign(in.pp, false);
  }

  PipelineResult run() {
    for (int s = 0; s < in_.pp; ++s) try_start(s);
    events_.run();
    PipelineResult r;
    for (const StageTimes& st : stages_) r.end = max(r.end, st.end);
    r.stages = std::move(stages_);
    r.tasks = std::move(tasks_);
    return r;
  }

 private:
  static constexpr Time kNotYet = Time::max();

  size_t slot(int g, int64_t mb) const { return static_cast<size_t>(g) * in_.micro_batches + mb; }

  // When the input of unit `u` on stage `s` is ready, or kNotYet.
  Time ready(int s, const Unit& u) const {
    const int g = in_.chunk_of(u, s);
    const PipelineInput::Input dep = in_.input_of(u, g);
    if (dep.chunk < 0) return Time();
    const Time t = (dep.forward ? fwd_end_ : bwd_end_)[slot(dep.chunk, u.mb)];
    return t == kNotYet ? t : t + in_.travel(dep.chunk, g);
  }

  void try_start(int s) {
    if (running_[s] || next_[s] >= orders_[s].size()) return;
    const Unit u = orders_[s].at(next_[s]);
    const Time in = ready(s, u);
    if (in == kNotYet) return;  // woken when the input's producer finishes
    const int g = in_.chunk_of(u, s);
    StageTimes& st = stages_[s];
    const Time start = max(max(in, st.end), events_.now());
    const Time dur = in_.duration(u, g);
    running_[s] = true;
    ++next_[s];
    ChunkWindow& w = st.chunks[u.chunk];
    if (in_.ends_gradients(u)) {
      w.last_bwd_start = start;
      w.last_bwd_end = start + dur;
    } else if (u.forward && !seen_fwd_[g]) {
      seen_fwd_[g] = true;
      w.first_fwd_start = start;
      w.first_fwd_end = start + dur;
    }
    const Time send = in_.send(u, g);
    st.busy += dur;
    st.sends += send;
    st.end = start + dur;
    if (keep_) tasks_.push_back({s, g, u.mb, u.forward, u.weight, start, start + dur, send});
    events_.schedule(start + dur, [this, s, u, g] { finish(s, u, g); });
  }

  void finish(int s, const Unit& u, int g) {
    if (!u.weight) (u.forward ? fwd_end_ : bwd_end_)[slot(g, u.mb)] = events_.now();
    running_[s] = false;
    try_start(s);
    // The neighbours may have been waiting for this output.
    if (s + 1 < in_.pp) try_start(s + 1);
    if (s > 0) try_start(s - 1);
    if (in_.virtual_stages > 1) {
      try_start(0);
      try_start(in_.pp - 1);
    }
  }

  const PipelineInput& in_;
  bool keep_;
  EventQueue events_;
  std::vector<StageOrder> orders_;
  std::vector<int64_t> next_;
  std::vector<StageTimes> stages_;
  std::vector<Time> fwd_end_, bwd_end_;
  std::vector<bool> running_, seen_fwd_;
  std::vector<PipelineTask> tasks_;
};

}  // namespace

PipelineResult run_pipeline(const PipelineInput& in, bool keep_tasks) {
  PipelineSim sim(in, keep_tasks);
  return sim.run();
}

}  // namespace trnsim::train

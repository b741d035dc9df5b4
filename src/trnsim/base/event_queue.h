// The deterministic discrete-event kernel: events run in (time, priority, insertion order).
// Two events at the same time and priority run in the order they were scheduled, so a run is
// reproducible bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "trnsim/base/units.h"

namespace trnsim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  // Schedules `action` at absolute time `at` (not before now()); lower priority runs first.
  void schedule(Time at, Action action, int priority = 0);
  void schedule_in(Time delay, Action action, int priority = 0) { schedule(now_ + delay, std::move(action), priority); }

  // Runs events until none are left or the next one is after `until`.
  void run(Time until = Time::max());
  // Runs one event; returns false if there was none.
  bool step();

  Time now() const { return now_; }
  bool empty() const { return heap_.empty(); }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    Time at;
    int priority;
    uint64_t seq;
    Action action;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.at != b.at) return a.at > b.at;
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  Time now_;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace trnsim

#include "trnsim/base/event_queue.h"

#include <cassert>

namespace trnsim {

void EventQueue::schedule(Time at, Action action, int priority) {
  assert(at >= now_ && "events cannot be scheduled in the past");
  heap_.push(Event{at, priority, next_seq_++, std::move(action)});
}

bool EventQueue::step() {
  if (heap_.empty()) return false;
  Event e = std::move(const_cast<Event&>(heap_.top()));
  heap_.pop();
  now_ = e.at;
  ++events_run_;
  e.action();
  return true;
}

void EventQueue::run(Time until) {
  while (!heap_.empty() && heap_.top().at <= until) step();
}

}  // namespace trnsim

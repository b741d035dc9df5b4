// The event kernel's ordering, and the stats tree's JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "trnsim/base/event_queue.h"
#include "trnsim/base/rng.h"
#include "trnsim/base/stats.h"

namespace trnsim {
namespace {

TEST(BaseEvents, RunInTimeThenPriorityThenInsertionOrder) {
  EventQueue q;
  std::string order;
  q.schedule(Time::ns(5), [&] { order += "c"; });
  q.schedule(Time::ns(1), [&] { order += "b"; }, 1);
  q.schedule(Time::ns(1), [&] { order += "a"; }, 0);
  q.schedule(Time::ns(1), [&] { order += "B"; }, 1);
  q.schedule(Time::ns(3), [&] { q.schedule_in(Time::ns(1), [&] { order += "x"; }); });
  q.run();
  EXPECT_EQ(order, "abBxc");
  EXPECT_EQ(q.now(), Time::ns(5));
  EXPECT_EQ(q.events_run(), 6u);
}

TEST(BaseEvents, RunStopsAtTheHorizon) {
  EventQueue q;
  int n = 0;
  for (int i = 1; i <= 4; ++i) q.schedule(Time::ns(i), [&] { ++n; });
  q.run(Time::ns(2));
  EXPECT_EQ(n, 2);
  EXPECT_FALSE(q.empty());
}

TEST(BaseRng, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_NE(Rng(42).next_u64(), Rng(43).next_u64());
  Rng d(1);
  for (int i = 0; i < 1000; ++i) {
    const double u = d.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(BaseStats, TreeBecomesNestedJsonInInsertionOrder) {
  StatsTree t;
  t.set("time_ps", int64_t{5});
  t.group("tensor").add("instructions", 3);
  t.group("tensor").add("instructions", 2);
  t.group("dma").set("name", std::string("q0"));
  const nlohmann::json j = t.to_json();
  EXPECT_EQ(j["time_ps"], 5);
  EXPECT_EQ(j["tensor"]["instructions"], 5);
  EXPECT_EQ(j["dma"]["name"], "q0");
  ASSERT_NE(t.find_group("tensor"), nullptr);
  EXPECT_EQ(t.find_group("nope"), nullptr);
}

}  // namespace
}  // namespace trnsim

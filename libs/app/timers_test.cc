#include <gtest/gtest.h>

#include "app/runtime.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "store/testing.h"
#include "store/timers.h"

namespace zs::app {
namespace {

TEST(FireDueTimers, FiresEachDueTimerOnceAndAFailingOneHoldsNoOtherBack) {
  store::testing::TempDatabase temp;
  FakeClock clock(FromMillis(1000));
  ASSERT_TRUE(temp.db()
                  .Write([](store::Tx& tx) {
                    return store::ScheduleTimers(tx, "k", "a",
                                                 {{"k", "a", "bad", 100, "", "t"},
                                                  {"k", "a", "good", 200, "", "t"},
                                                  {"k", "a", "later", 5000, "", "t"}});
                  })
                  .ok());
  int calls = 0;
  bool broken = true;
  const TimerHandler handler = [&](store::Tx& tx,
                                   const store::Timer& t) -> absl::StatusOr<std::string> {
    ++calls;
    if (t.name == "bad" && broken) return absl::DataLossError("stored record is corrupt");
    auto n = tx.Exec("UPDATE timers SET tag = 'effect' WHERE name = ?", {t.name});
    if (!n.ok()) return n.status();
    return std::string("fired");
  };
  auto first = FireDueTimers(temp.db(), &clock, "k", handler);
  EXPECT_EQ(first.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(first.status().message().find("k/a/bad"), std::string::npos) << first.status();
  EXPECT_EQ(temp.Int("SELECT COUNT(*) FROM timers WHERE name = 'good' AND outcome = 'fired'"), 1)
      << "the timer behind a failing one fired";
  EXPECT_EQ(temp.Int("SELECT COUNT(*) FROM timers WHERE name = 'bad' AND fired_at IS NULL"), 1)
      << "the failing timer's claim rolled back with its effect";
  EXPECT_EQ(temp.Int("SELECT COUNT(*) FROM timers WHERE tag = 'effect'"), 1);

  broken = false;
  calls = 0;
  auto second = FireDueTimers(temp.db(), &clock, "k", handler);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(calls, 1) << "what fired is not fired again; what is not due waits";
  auto third = FireDueTimers(temp.db(), &clock, "k", handler);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, 0);
  EXPECT_EQ(temp.Int("SELECT COUNT(*) FROM timers WHERE outcome = 'firing'"), 0);
}

}  // namespace
}  // namespace zs::app

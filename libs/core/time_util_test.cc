#include "core/time_util.h"

#include <gtest/gtest.h>

namespace zs {
namespace {

TEST(ParseDate, AcceptsRealDaysOnly) {
  EXPECT_TRUE(ParseDate("2024-02-29"));
  EXPECT_FALSE(ParseDate("2025-02-29"));
  EXPECT_FALSE(ParseDate("2025-13-01"));
  EXPECT_FALSE(ParseDate("2025-1-01"));
  EXPECT_FALSE(ParseDate(""));
  EXPECT_EQ(FormatDate(*ParseDate("2026-11-21")), "2026-11-21");
}

TEST(DateOf, UsesTheGivenOffset) {
  // 2026-11-21T17:00:00Z is already the 22nd in China (UTC+8).
  const TimePoint t = FromMillis(1795280400000);
  EXPECT_EQ(FormatRfc3339(t), "2026-11-21T17:00:00.000Z");
  EXPECT_EQ(FormatDate(DateOf(t, 0)), "2026-11-21");
  EXPECT_EQ(FormatDate(DateOf(t, 480)), "2026-11-22");
}

TEST(Timestamp, RoundTrips) {
  const TimePoint t = FromMillis(1795280400123);
  EXPECT_EQ(FromProto(ToProto(t)), t);
}

}  // namespace
}  // namespace zs

#include "domain/coordination.h"

#include <gtest/gtest.h>

namespace zs::coordination {
namespace {

TEST(Span, OverlapIsHalfOpen) {
  EXPECT_TRUE(Overlaps({0, 10}, {5, 15}));
  EXPECT_TRUE(Overlaps({5, 15}, {0, 10}));
  EXPECT_TRUE(Overlaps({0, 10}, {2, 3}));     // one inside the other
  EXPECT_FALSE(Overlaps({0, 10}, {10, 20}));  // back to back
  EXPECT_FALSE(Overlaps({10, 20}, {0, 10}));
  EXPECT_FALSE(Overlaps({0, 10}, {11, 20}));
}

TEST(Secrecy, NamesTheFourLevels) {
  EXPECT_EQ(SecrecyName(0), "非密");
  EXPECT_EQ(SecrecyName(3), "绝密");
  EXPECT_EQ(SecrecyName(4), "");
  EXPECT_EQ(SecrecyName(-1), "");
}

}  // namespace
TEST(CoordinationTest, ATimeOutsideWhatCanBeComputedIsRefusedNamingTheField) {
  google::protobuf::Timestamp t;
  EXPECT_EQ(CheckTime(t, "meeting.start_time").message(), "meeting.start_time: required");
  t.set_seconds(1795395600);
  EXPECT_TRUE(CheckTime(t, "x").ok());
  t.set_seconds(10000000000000);  // beyond the year 10000: nanoseconds would overflow
  EXPECT_EQ(CheckTime(t, "document.handling_limit").code(), absl::StatusCode::kInvalidArgument);
  t.set_seconds(1795395600);
  t.set_nanos(-1);
  EXPECT_FALSE(CheckTime(t, "x").ok());
}

}  // namespace zs::coordination

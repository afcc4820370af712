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
}  // namespace zs::coordination

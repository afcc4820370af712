#include "store/page_token.h"

#include <gtest/gtest.h>

namespace zs::store {
namespace {

TEST(PageToken, RoundTripsAndRejectsForgeries) {
  EXPECT_EQ(*DecodePageToken(EncodePageToken(42)), 42);
  EXPECT_EQ(*DecodePageToken(""), 0);
  for (const char* bad :
       {"not-a-token", "djE6", "djE6LTE", "djI6NDI"}) {  // "v1:", "v1:-1", "v2:42"
    auto d = DecodePageToken(bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(d.status().message().find("page_token"), std::string::npos);
  }
}

TEST(PageSize, DefaultAndBounds) {
  int32_t size = 0;
  ASSERT_TRUE(ValidatePageSize(501, &size).ok()) << "above the maximum is coerced, not refused";
  EXPECT_EQ(size, 500);
  EXPECT_EQ(ValidatePageSize(-1, &size).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(ValidatePageSize(0, &size).ok());
  EXPECT_EQ(size, 50);
}

TEST(FillPage, TakesAPageAndPointsPastIt) {
  std::vector<std::pair<int64_t, std::string>> rows = {{9, "a"}, {7, "b"}, {4, "c"}};
  std::vector<std::string> got;
  std::string next;
  FillPage(
      rows, 2, [&](std::string&& s) { got.push_back(s); }, &next);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*DecodePageToken(next), 7);
  rows = {{3, "d"}};
  got.clear();
  next.clear();
  FillPage(
      rows, 2, [&](std::string&& s) { got.push_back(s); }, &next);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_TRUE(next.empty());
}

}  // namespace
}  // namespace zs::store

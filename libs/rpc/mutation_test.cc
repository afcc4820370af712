#include "rpc/mutation.h"

#include <gtest/gtest.h>

#include "zhongshu/reporting/v1/reporting.pb.h"

namespace zs::rpc {
namespace {

using zhongshu::reporting::v1::SubmitReportRequest;

TEST(RequestFingerprint, IgnoresRequestIdOnly) {
  SubmitReportRequest a, b;
  a.set_request_id("r1");
  a.set_id("x");
  b.set_request_id("r2");
  b.set_id("x");
  EXPECT_EQ(RequestFingerprint(a), RequestFingerprint(b));
  b.set_id("y");
  EXPECT_NE(RequestFingerprint(a), RequestFingerprint(b));
}

TEST(ValidateRequestId, RequiredAndBounded) {
  EXPECT_TRUE(ValidateRequestId("abc-123").ok());
  EXPECT_EQ(ValidateRequestId("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRequestId(std::string(129, 'a')).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRequestId("a b").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zs::rpc

#include "rpc/mutation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/time_util.h"

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

TEST(PruneIdempotencyKeys, DeletesOnlyKeysPastTheRetentionInBatches) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("zs-prune-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto db = *store::OpenSqlite({(dir / "t.db").string()});
    ASSERT_TRUE(store::Migrate(*db, "idempotency", IdempotencyMigrations()).ok());
    const int64_t now = 1795395600000;
    FakeClock clock(FromMillis(now));
    const IdempotencyOptions options{&clock, std::chrono::hours(1)};
    // 1200 keys past the hour, 3 inside it (one exactly at the edge stays).
    ASSERT_TRUE(db->Write([&](store::Tx& tx) -> absl::Status {
                    for (int i = 0; i < 1203; ++i) {
                      const int64_t at =
                          i < 1200 ? now - 2 * 3600000 + i : now - 3600000 + (i - 1200) * 1000;
                      auto r = tx.Exec("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?)",
                                       {std::string("s"), std::to_string(i), store::Blob{"f"},
                                        store::Blob{"r"}, at});
                      if (!r.ok()) return r.status();
                    }
                    return absl::OkStatus();
                  }).ok());
    auto n = PruneIdempotencyKeys(*db, options, /*batch=*/500);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, 1200);
    int64_t left = 0;
    ASSERT_TRUE(db->Read([&](store::Tx& tx) -> absl::Status {
                    auto r = tx.Query("SELECT COUNT(*) FROM idempotency_keys");
                    if (!r.ok()) return r.status();
                    left = (*r)[0].Int(0);
                    return absl::OkStatus();
                  }).ok());
    EXPECT_EQ(left, 3);
    db->Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zs::rpc

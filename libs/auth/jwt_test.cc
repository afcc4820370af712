#include "auth/jwt.h"

#include <gtest/gtest.h>

namespace zs::auth {
namespace {

constexpr char kSecret[] = "dev-secret-at-least-16-bytes";

Principal Clerk() { return Principal{"wang.xinxi", "王信息", "430204", "430204/qtt", {"clerk"}}; }

class JwtTest : public ::testing::Test {
 protected:
  FakeClock clock_{FromMillis(1795280400000)};
  std::unique_ptr<TokenVerifier> verifier_ =
      *TokenVerifier::Create({"HS256", kSecret, "", std::chrono::seconds(30)}, &clock_);

  static TimePoint FromMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }
};

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  auto token = IssueHs256(kSecret, Clerk(), clock_.Now(), std::chrono::hours(1));
  ASSERT_TRUE(token.ok());
  auto p = verifier_->Verify(*token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "wang.xinxi");
  EXPECT_EQ(p->tenant, "430204");
  EXPECT_EQ(p->unit, "430204/qtt");
  EXPECT_TRUE(p->HasRole("clerk"));
  EXPECT_FALSE(p->HasRole("editor"));
}

TEST_F(JwtTest, ExpiredTokenIsRejected) {
  auto token = IssueHs256(kSecret, Clerk(), clock_.Now(), std::chrono::minutes(5));
  clock_.Advance(std::chrono::minutes(6));
  EXPECT_EQ(verifier_->Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, WrongKeyIsRejected) {
  auto token = IssueHs256("another-secret-of-16-bytes", Clerk(), clock_.Now(), std::chrono::hours(1));
  EXPECT_EQ(verifier_->Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, UnsignedAndGarbageTokensAreRejected) {
  // {"alg":"none"} . {"sub":"x","tenant":"430204","exp":9999999999} .
  const std::string none =
      "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwidGVuYW50IjoiNDMwMjA0IiwiZXhwIjo5OTk5OTk5OTk5fQ.";
  EXPECT_EQ(verifier_->Verify(none).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_->Verify("not.a.jwt").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_->Verify("").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, TamperedPayloadIsRejected) {
  auto token = *IssueHs256(kSecret, Clerk(), clock_.Now(), std::chrono::hours(1));
  const auto dot = token.find('.');
  token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier_->Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(TokenVerifier, RejectsWeakOrWrongKeys) {
  FakeClock clock{TimePoint{}};
  EXPECT_FALSE(TokenVerifier::Create({"HS256", "short", "", {}}, &clock).ok());
  EXPECT_FALSE(TokenVerifier::Create({"RS256", "not a pem", "", {}}, &clock).ok());
  EXPECT_FALSE(TokenVerifier::Create({"none", kSecret, "", {}}, &clock).ok());
}

}  // namespace
}  // namespace zs::auth

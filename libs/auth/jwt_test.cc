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
  auto token =
      IssueHs256("another-secret-of-16-bytes", Clerk(), clock_.Now(), std::chrono::hours(1));
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

// ---- RS256, the production algorithm ----

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace zs::auth {
namespace {

struct RsaKeys {
  std::string private_pem;
  std::string public_pem;
};

RsaKeys MakeRsaKeys() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string s(data, n);
    BIO_free(bio);
    return s;
  };
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  RsaKeys keys{to_string(priv), to_string(pub)};
  EVP_PKEY_free(key);
  return keys;
}

std::string Sign(jwt_alg_t alg, const std::string& key, long exp) {
  jwt_t* j = nullptr;
  jwt_new(&j);
  const std::string claims = R"({"sub":"zhang.shuji","tenant":"430204","unit":"430204/qwb",)"
                             R"("roles":["leader"],"exp":)" +
                             std::to_string(exp) + "}";
  jwt_add_grants_json(j, claims.c_str());
  jwt_set_alg(j, alg, reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* out = jwt_encode_str(j);
  std::string token = out ? out : "";
  std::free(out);
  jwt_free(j);
  return token;
}

TEST(Rs256, VerifiesWithThePublicKeyAndRefusesAlgorithmConfusion) {
  const RsaKeys keys = MakeRsaKeys();
  FakeClock clock{TimePoint(std::chrono::seconds(1795280400))};
  auto verifier =
      TokenVerifier::Create({"RS256", keys.public_pem, "", std::chrono::seconds(30)}, &clock);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const long exp = 1795280400 + 3600;

  auto p = (*verifier)->Verify(Sign(JWT_ALG_RS256, keys.private_pem, exp));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "zhang.shuji");
  EXPECT_TRUE(p->HasRole("leader"));

  // The classic attack: an HS256 token whose "secret" is the public key everyone has.
  EXPECT_EQ((*verifier)->Verify(Sign(JWT_ALG_HS256, keys.public_pem, exp)).status().code(),
            absl::StatusCode::kUnauthenticated);
  // A token signed by another key pair.
  EXPECT_EQ(
      (*verifier)->Verify(Sign(JWT_ALG_RS256, MakeRsaKeys().private_pem, exp)).status().code(),
      absl::StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, CachedTokenStillExpires) {
  auto token = IssueHs256(kSecret, Clerk(), clock_.Now(), std::chrono::minutes(5));
  ASSERT_TRUE(verifier_->Verify(*token).ok());
  ASSERT_TRUE(verifier_->Verify(*token).ok());  // now from the cache
  clock_.Advance(std::chrono::minutes(6));
  EXPECT_EQ(verifier_->Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace zs::auth

namespace zs::auth {
namespace {

// A signed token whose claims fail the configured check is refused, also on its second use.
TEST(JwtClaims, ClaimsCheckRefusesAfterTheSignature) {
  FakeClock clock{TimePoint(std::chrono::milliseconds(1795280400000))};
  VerifierOptions o{"HS256", kSecret, "", std::chrono::seconds(30)};
  o.check_claims = [](const Principal& p) {
    return p.tenant == "430204" ? absl::OkStatus()
                                : absl::UnauthenticatedError("tenant " + p.tenant + " unknown");
  };
  auto v = *TokenVerifier::Create(o, &clock);
  auto good = IssueHs256(kSecret, Clerk(), clock.Now(), std::chrono::hours(1));
  EXPECT_TRUE(v->Verify(*good).ok());
  Principal stranger = Clerk();
  stranger.tenant = "999999";
  auto bad = IssueHs256(kSecret, stranger, clock.Now(), std::chrono::hours(1));
  for (int i = 0; i < 2; ++i) {
    auto p = v->Verify(*bad);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(p.status().message().find("999999"), std::string::npos);
  }
}

}  // namespace
}  // namespace zs::auth

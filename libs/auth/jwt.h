#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/principal.h"
#include "core/clock.h"

namespace zs::auth {

struct VerifierOptions {
  // "HS256" with a shared secret (development), or "RS256" with a PEM public key (production).
  std::string algorithm = "HS256";
  std::string key;
  std::string issuer;               // when set, the token's "iss" must equal it
  std::chrono::seconds leeway{30};  // allowed clock skew for exp/nbf
  // When set, a signed token is accepted only if its claims pass this check too (e.g. that the
  // tenant and unit exist in the org tree: see CheckPrincipal). Its error is returned as is.
  std::function<absl::Status(const Principal&)> check_claims;
};

// Verifies bearer JWTs. The token must be signed with exactly the configured algorithm (so an
// RS256 public key can never be used as an HS256 secret), carry "sub", "tenant" and "exp", and be
// within its validity window. Claims: sub, name, tenant, unit, roles (array of strings).
// Tokens that verified are remembered (bounded), so a client's repeated calls skip the signature
// and JSON work; their validity window is still checked on every call. Thread-safe.
class TokenVerifier {
 public:
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(VerifierOptions options,
                                                               const Clock* clock);
  // UNAUTHENTICATED with the reason when the token is not acceptable.
  absl::StatusOr<Principal> Verify(const std::string& token) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Verified {
    Principal principal;
    long exp;
    long nbf;
  };
  TokenVerifier(VerifierOptions o, const Clock* c) : options_(std::move(o)), clock_(c) {}
  absl::StatusOr<Verified> Decode(const std::string& token) const;
  absl::Status CheckWindow(const Verified& v) const;

  static constexpr size_t kCacheSize = 10000;
  VerifierOptions options_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  mutable std::unordered_map<std::string, Verified> cache_ ABSL_GUARDED_BY(mu_);
};

// Issues an HS256 token for `p`, valid for `ttl` from `now`. For development and tests; production
// tokens come from the identity provider and are RS256.
absl::StatusOr<std::string> IssueHs256(const std::string& secret, const Principal& p, TimePoint now,
                                       std::chrono::seconds ttl, const std::string& issuer = "");

}  // namespace zs::auth

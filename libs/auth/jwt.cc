#include "auth/jwt.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace zs::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

std::string StringGrant(jwt_t* j, const char* name) {
  const char* v = jwt_get_grant(j, name);
  return v ? std::string(v) : std::string();
}

absl::Status Unauth(const std::string& why) {
  return absl::UnauthenticatedError("bearer token rejected: " + why);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(VerifierOptions options,
                                                                     const Clock* clock) {
  if (options.algorithm != "HS256" && options.algorithm != "RS256") {
    return absl::InvalidArgumentError("must be HS256 or RS256");
  }
  if (options.algorithm == "HS256" && options.key.size() < 16) {
    return absl::InvalidArgumentError("the HS256 secret must be at least 16 bytes");
  }
  if (options.algorithm == "RS256" && options.key.find("BEGIN PUBLIC KEY") == std::string::npos) {
    return absl::InvalidArgumentError("not a PEM public key");
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(options), clock));
}

absl::StatusOr<Principal> TokenVerifier::Verify(const std::string& token) const {
  if (token.empty()) return Unauth("missing");
  if (token.size() > 16 * 1024) return Unauth("too long");
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(token);
    if (it != cache_.end()) {
      if (auto s = CheckWindow(it->second); !s.ok()) return s;
      return it->second.principal;
    }
  }
  auto v = Decode(token);
  if (!v.ok()) return v.status();
  if (auto s = CheckWindow(*v); !s.ok()) return s;
  if (options_.check_claims) {
    if (auto s = options_.check_claims(v->principal); !s.ok()) return s;
  }
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kCacheSize) cache_.clear();
  cache_.emplace(token, *v);
  return v->principal;
}

absl::Status TokenVerifier::CheckWindow(const Verified& v) const {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
  if (now > v.exp + options_.leeway.count()) return Unauth("expired");
  if (now + options_.leeway.count() < v.nbf) return Unauth("not yet valid");
  return absl::OkStatus();
}

absl::StatusOr<TokenVerifier::Verified> TokenVerifier::Decode(const std::string& token) const {
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(options_.key.data()),
                 static_cast<int>(options_.key.size()));
  JwtPtr j(raw);
  if (rc != 0 || !j) return Unauth("bad signature or malformed");
  const jwt_alg_t want = options_.algorithm == "RS256" ? JWT_ALG_RS256 : JWT_ALG_HS256;
  if (jwt_get_alg(j.get()) != want) return Unauth("wrong algorithm");

  Verified v;
  errno = 0;
  v.exp = jwt_get_grant_int(j.get(), "exp");
  if (errno == ENOENT) return Unauth("no exp claim");
  errno = 0;
  v.nbf = jwt_get_grant_int(j.get(), "nbf");
  if (errno == ENOENT) v.nbf = 0;
  if (!options_.issuer.empty() && StringGrant(j.get(), "iss") != options_.issuer) {
    return Unauth("wrong issuer");
  }
  Principal& p = v.principal;
  p.subject = StringGrant(j.get(), "sub");
  p.name = StringGrant(j.get(), "name");
  p.tenant = StringGrant(j.get(), "tenant");
  p.unit = StringGrant(j.get(), "unit");
  if (p.subject.empty()) return Unauth("no sub claim");
  if (p.tenant.empty()) return Unauth("no tenant claim");
  if (char* roles = jwt_get_grants_json(j.get(), "roles")) {
    auto parsed = nlohmann::json::parse(roles, nullptr, /*allow_exceptions=*/false);
    std::free(roles);
    if (!parsed.is_array()) return Unauth("roles must be an array");
    for (const auto& r : parsed) {
      if (!r.is_string()) return Unauth("roles must be strings");
      p.roles.push_back(r.get<std::string>());
    }
  }
  return v;
}

absl::StatusOr<std::string> IssueHs256(const std::string& secret, const Principal& p, TimePoint now,
                                       std::chrono::seconds ttl, const std::string& issuer) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr j(raw);
  const long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  nlohmann::json claims = {{"sub", p.subject}, {"tenant", p.tenant}, {"unit", p.unit},
                           {"roles", p.roles}, {"iat", iat},         {"exp", iat + ttl.count()}};
  if (!p.name.empty()) claims["name"] = p.name;
  if (!issuer.empty()) claims["iss"] = issuer;
  if (jwt_add_grants_json(j.get(), claims.dump().c_str()) != 0) {
    return absl::InternalError("jwt_add_grants_json failed");
  }
  if (jwt_set_alg(j.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    return absl::InternalError("jwt_set_alg failed");
  }
  char* out = jwt_encode_str(j.get());
  if (out == nullptr) return absl::InternalError("jwt_encode_str failed");
  std::string token(out);
  std::free(out);
  return token;
}

}  // namespace zs::auth

#include "app/upstream.h"

#include "auth/jwt.h"
#include "core/trace.h"

namespace zs::app {

ServiceCredentials::ServiceCredentials(std::string service, std::string token,
                                       std::string hs256_secret, const Clock* clock)
    : ServiceCredentials(service, "svc:" + service, {"service"}, std::move(token),
                         std::move(hs256_secret), clock) {}

ServiceCredentials::ServiceCredentials(std::string service, std::string subject,
                                       std::vector<std::string> roles, std::string token,
                                       std::string hs256_secret, const Clock* clock)
    : service_(std::move(service)),
      subject_(std::move(subject)),
      roles_(std::move(roles)),
      token_(std::move(token)),
      secret_(std::move(hs256_secret)),
      clock_(clock) {}

absl::StatusOr<std::string> ServiceCredentials::TokenFor(const std::string& tenant) {
  if (!token_.empty()) return token_;
  if (secret_.empty()) {
    return absl::FailedPreconditionError("no token for calls of " + service_ +
                                         " to other services: set upstream.<name>.token");
  }
  const TimePoint now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = minted_.find(tenant);
  if (it != minted_.end() && it->second.second > now) return it->second.first;
  auto t = auth::IssueHs256(secret_, auth::Principal{subject_, service_, tenant, "", roles_}, now,
                            std::chrono::minutes(10));
  if (!t.ok()) return t.status();
  minted_[tenant] = {*t, now + std::chrono::minutes(9)};
  return *t;
}

Upstream::Upstream(std::string name, const std::string& address, std::chrono::milliseconds timeout,
                   std::shared_ptr<ServiceCredentials> credentials, const rpc::ClientTls& tls)
    : name_(std::move(name)),
      channel_(rpc::Dial(address, tls)),
      timeout_(timeout),
      credentials_(std::move(credentials)) {}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Upstream::Context(
    const std::string& tenant) const {
  auto token = credentials_->TokenFor(tenant);
  if (!token.ok()) return token.status();
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + *token);
  ctx->set_deadline(std::chrono::system_clock::now() + timeout_);
  // The work this thread is doing goes on in the other service under the same trace.
  if (const std::string& trace_id = trace::CurrentTrace(); !trace_id.empty()) {
    ctx->AddMetadata("traceparent", trace::Traceparent(trace_id));
  }
  return ctx;
}

}  // namespace zs::app

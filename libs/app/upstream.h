#pragma once

// Calls to another Zhongshu service on behalf of a tenant, with this service's credentials.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "rpc/tls.h"

namespace zs::app {

// The bearer token this service presents for a tenant: the configured one (production: a token
// issued to the service), or, in local runs, one minted with the development HS256 secret for the
// subject "svc:<service>" with the `service` role in that tenant, reused until a minute before it
// expires. Thread-safe.
class ServiceCredentials {
 public:
  ServiceCredentials(std::string service, std::string token, std::string hs256_secret,
                     const Clock* clock = SystemClock::Get());
  // Credentials of a principal that is not a service account, minted (local runs) for `subject`
  // with exactly `roles` — none, for the gateway's reader of public pages, who must not read
  // what a service account may (negative information, every unit's work).
  ServiceCredentials(std::string service, std::string subject, std::vector<std::string> roles,
                     std::string token, std::string hs256_secret,
                     const Clock* clock = SystemClock::Get());
  absl::StatusOr<std::string> TokenFor(const std::string& tenant) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string service_;
  const std::string subject_;
  const std::vector<std::string> roles_;
  const std::string token_;
  const std::string secret_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::map<std::string, std::pair<std::string, TimePoint>> minted_ ABSL_GUARDED_BY(mu_);
};

// Another service this one calls: a channel and the credentials to call it with.
class Upstream {
 public:
  // `tls`: how the channel is secured (plaintext when not enabled).
  Upstream(std::string name, const std::string& address, std::chrono::milliseconds timeout,
           std::shared_ptr<ServiceCredentials> credentials, const rpc::ClientTls& tls = {});

  const std::string& name() const { return name_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // A client context for one call on behalf of `tenant`: its bearer token and deadline.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Context(const std::string& tenant) const;

 private:
  std::string name_;
  std::shared_ptr<grpc::Channel> channel_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<ServiceCredentials> credentials_;
};

}  // namespace zs::app

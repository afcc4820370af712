#pragma once

#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace zs::rpc {

// grpc.health.v1.Health whose stop a service controls: Shutdown() fixes every status at
// NOT_SERVING, tells every open Watch stream so and then ends it, so that a load balancer's
// Watch never holds the server's shutdown. Check of an unknown name is NOT_FOUND; Watch of one
// answers SERVICE_UNKNOWN and waits for it to be set. Thread-safe.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Sets the status reported under `name` ("" is the whole server) and tells its Watch streams.
  // Ignored after Shutdown().
  void Set(const std::string& name, bool serving) ABSL_LOCKS_EXCLUDED(mu_);
  // Every status NOT_SERVING from now on; each Watch stream gets it, then ends with OK; a Watch
  // opened later gets NOT_SERVING and ends at once.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx,
      const grpc::health::v1::HealthCheckRequest* request) override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class Watcher;
  Status StatusOfLocked(const std::string& name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Status> status_ ABSL_GUARDED_BY(mu_);
  std::set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace zs::rpc

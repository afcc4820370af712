#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

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
  void Set(const std::string& name, bool serving);
  // Every status NOT_SERVING from now on; each Watch stream gets it, then ends with OK; a Watch
  // opened later gets NOT_SERVING and ends at once.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  Status StatusOfLocked(const std::string& name) const;

  std::mutex mu_;
  std::map<std::string, Status> status_;  // guarded by mu_
  std::set<Watcher*> watchers_;           // guarded by mu_
  bool shutdown_ = false;                 // guarded by mu_
};

}  // namespace zs::rpc

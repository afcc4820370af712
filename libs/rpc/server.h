#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "auth/jwt.h"
#include "rpc/health.h"
#include "rpc/observe.h"
#include "rpc/tls.h"

namespace zs::rpc {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string port_file;               // when set, the bound port is written here after start
  int max_message_bytes = 4 * 1024 * 1024;
  // On shutdown, how long health answers NOT_SERVING while calls are still served, so load
  // balancers and clients watching health move away before calls are refused.
  std::chrono::milliseconds shutdown_grace{5000};
  std::chrono::milliseconds drain_timeout{10000};
  ObserveOptions observe;  // the per-call log line, trace ids and RPC metrics
  ServerTls tls;           // TLS (and mutual TLS) on `listen`; plaintext when not enabled
  // When set, a second, plaintext listener that serves grpc.health.v1 only, with the same
  // statuses: for probes that cannot speak TLS (Kubernetes' gRPC probes), never exposed outside.
  std::string health_listen;
};

// Hosts a service's gRPC server: callback API, the observing interceptor on every call (trace id,
// log line, metrics: rpc/observe.h), the auth interceptor on every call but health and reflection,
// server reflection, and grpc.health.v1 (HealthService) whose status follows SetServing().
class ServiceHost {
 public:
  ServiceHost(ServerOptions options, std::shared_ptr<const auth::TokenVerifier> verifier);
  ~ServiceHost();

  // Registers a service before Start(); not owned, must outlive the host.
  void AddService(grpc::Service* service, std::string health_name);

  // Binds and starts serving. Error when the address cannot be bound.
  absl::Status Start();
  int port() const { return port_; }

  // Sets the health status of the whole server ("") and of every registered service.
  void SetServing(bool serving);
  // Sets the health status reported under `name` alone (e.g. a dependency such as the event relay).
  void SetHealth(const std::string& name, bool serving);

  // Graceful stop: health NOT_SERVING first (open Watch streams are told), calls still served for
  // the shutdown grace; then the health service ends every Watch stream, new calls are refused and
  // running ones may finish until the drain deadline, when the rest are cancelled. An open Watch
  // never holds the stop.
  void Shutdown();

 private:
  ServerOptions options_;
  std::shared_ptr<const auth::TokenVerifier> verifier_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  HealthService health_;        // outlives server_
  HealthService probe_health_;  // the same statuses on health_listen; outlives probe_server_
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> probe_server_;
  int port_ = 0;
};

// Writes `port` to `path` atomically (a test harness waits for the file); errors name `key`.
absl::Status WritePortFile(const std::string& path, int port, const std::string& key);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later. Call first
// thing in main(), then WaitForTerminationSignal() once the service runs.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT; returns the signal number.
int WaitForTerminationSignal();

}  // namespace zs::rpc

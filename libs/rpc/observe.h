#pragma once

// Observation of every call a service serves: its trace id (from the caller's W3C `traceparent`
// header, or a new one), one structured log line when it ends (method, code, latency, caller,
// trace id) and the RPC metrics.

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "telemetry/metrics.h"

namespace zs::rpc {

// The initial-metadata key under which a service tells the caller the call's trace id.
inline constexpr char kTraceIdHeader[] = "x-zs-trace-id";

struct ObserveOptions {
  bool log_calls = true;                        // one info line per call (health checks at debug)
  std::shared_ptr<telemetry::Metrics> metrics;  // null: no metrics
};

class ObserveInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObserveInterceptorFactory(ObserveOptions options) : options_(std::move(options)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  ObserveOptions options_;
};

// The trace id of the call `ctx` ("" when the call is not observed). Valid until the call ends.
std::string TraceOf(const grpc::ServerContextBase* ctx);

}  // namespace zs::rpc

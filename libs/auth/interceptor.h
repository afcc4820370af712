#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "absl/status/statusor.h"
#include "auth/jwt.h"

namespace zs::auth {

// A server interceptor factory that verifies the "authorization: Bearer <jwt>" header of every
// call except the health and reflection services, and records the outcome for the handler.
// gRPC's C++ interceptors cannot end a call themselves, so handlers must start with CallerOf().
class AuthInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuthInterceptorFactory(std::shared_ptr<const TokenVerifier> verifier)
      : verifier_(std::move(verifier)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<const TokenVerifier> verifier_;
};

// The verified caller of the call `ctx`, or UNAUTHENTICATED with the reason (no token, bad token,
// or no interceptor installed). Call from the handler, before the call finishes.
absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase* ctx);

// True for methods that need no token: grpc.health.v1 and server reflection.
bool IsPublicMethod(std::string_view method);

}  // namespace zs::auth

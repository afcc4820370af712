#include "auth/interceptor.h"

#include "core/per_call.h"

namespace zs::auth {
namespace {

// Verification outcomes by call, from interception until the call is destroyed.
PerCall<absl::StatusOr<Principal>>& Verified() {
  static auto* calls = new PerCall<absl::StatusOr<Principal>>();
  return *calls;
}

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::experimental::ServerRpcInfo* info, const TokenVerifier* verifier)
      : ctx_(info->server_context()),
        verifier_(verifier),
        exempt_(IsPublicMethod(info->method())) {}
  ~AuthInterceptor() override { Verified().Erase(ctx_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!exempt_ && methods->QueryInterceptionHookPoint(
                        grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Verified().Put(ctx_, Verify(methods->GetRecvInitialMetadata()));
    }
    methods->Proceed();
  }

 private:
  absl::StatusOr<Principal> Verify(std::multimap<grpc::string_ref, grpc::string_ref>* md) const {
    if (md == nullptr) return absl::UnauthenticatedError("no metadata");
    auto it = md->find("authorization");
    if (it == md->end()) return absl::UnauthenticatedError("missing authorization: Bearer <token>");
    const std::string value(it->second.data(), it->second.size());
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() <= kBearer.size() || value.compare(0, kBearer.size(), kBearer) != 0) {
      return absl::UnauthenticatedError("authorization must be 'Bearer <token>'");
    }
    return verifier_->Verify(value.substr(kBearer.size()));
  }

  const grpc::ServerContextBase* ctx_;
  const TokenVerifier* verifier_;
  const bool exempt_;
};

}  // namespace

bool IsPublicMethod(std::string_view method) {
  return method.rfind("/grpc.health.v1.Health/", 0) == 0 ||
         method.rfind("/grpc.reflection.v1alpha.ServerReflection/", 0) == 0 ||
         method.rfind("/grpc.reflection.v1.ServerReflection/", 0) == 0;
}

grpc::experimental::Interceptor* AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new AuthInterceptor(info, verifier_.get());
}

absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase* ctx) {
  auto found = Verified().Find(ctx);
  if (!found.has_value()) return absl::UnauthenticatedError("no verified credentials");
  return *std::move(found);
}

}  // namespace zs::auth

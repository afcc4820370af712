#include "auth/interceptor.h"

#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace zs::auth {
namespace {

// Verification outcomes by call, from interception until the call is destroyed.
class CallRegistry {
 public:
  static CallRegistry& Get() {
    static CallRegistry* r = new CallRegistry();
    return *r;
  }
  void Put(const grpc::ServerContextBase* ctx, absl::StatusOr<Principal> p)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    calls_.insert_or_assign(ctx, std::move(p));
  }
  void Erase(const grpc::ServerContextBase* ctx) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    calls_.erase(ctx);
  }
  absl::StatusOr<Principal> Find(const grpc::ServerContextBase* ctx) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(ctx);
    if (it == calls_.end()) return absl::UnauthenticatedError("no verified credentials");
    return it->second;
  }

 private:
  absl::Mutex mu_;
  std::unordered_map<const grpc::ServerContextBase*, absl::StatusOr<Principal>> calls_
      ABSL_GUARDED_BY(mu_);
};

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::experimental::ServerRpcInfo* info, const TokenVerifier* verifier)
      : ctx_(info->server_context()),
        verifier_(verifier),
        exempt_(IsPublicMethod(info->method())) {}
  ~AuthInterceptor() override { CallRegistry::Get().Erase(ctx_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!exempt_ && methods->QueryInterceptionHookPoint(
                        grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      CallRegistry::Get().Put(ctx_, Verify(methods->GetRecvInitialMetadata()));
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
  return CallRegistry::Get().Find(ctx);
}

}  // namespace zs::auth

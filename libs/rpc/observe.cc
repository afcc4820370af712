#include "rpc/observe.h"

#include <google/protobuf/descriptor.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "absl/strings/str_format.h"
#include "auth/interceptor.h"
#include "core/per_call.h"
#include "core/trace.h"
#include "logging/logging.h"
#include "rpc/status.h"

namespace zs::rpc {
namespace {

// Trace ids by call, from the call's arrival until it is destroyed.
PerCall<std::string>& Traces() {
  static auto* traces = new PerCall<std::string>();
  return *traces;
}

// Whether `method` ("/package.Service/Method") is a method this binary knows. Only known methods
// get their own metric series: a caller inventing method names must not grow the registry.
bool IsKnownMethod(const std::string& method) {
  const auto slash = method.rfind('/');
  if (method.empty() || method[0] != '/' || slash == 0 || slash == std::string::npos) return false;
  const std::string full = method.substr(1, slash - 1) + "." + method.substr(slash + 1);
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full) != nullptr;
}

class ObserveInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObserveInterceptor(grpc::experimental::ServerRpcInfo* info, const ObserveOptions* options)
      : ctx_(info->server_context()),
        method_(info->method()),
        options_(options),
        start_(std::chrono::steady_clock::now()) {}
  ~ObserveInterceptor() override {
    if (registered_) Traces().Erase(ctx_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Arrived(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (auto* md = methods->GetSendInitialMetadata(); md != nullptr && !trace_.empty()) {
        md->emplace(kTraceIdHeader, trace_);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finished(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Arrived(std::multimap<grpc::string_ref, grpc::string_ref>* md) {
    if (md != nullptr) {
      if (auto it = md->find("traceparent"); it != md->end()) {
        if (auto id = trace::FromTraceparent({it->second.data(), it->second.size()})) {
          trace_ = std::move(*id);
        }
      }
    }
    if (trace_.empty()) trace_ = trace::NewTraceId();
    Traces().Put(ctx_, trace_);
    registered_ = true;
  }

  void Finished(const grpc::Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string code = CodeName(status.error_code());
    if (options_->metrics) {
      options_->metrics->ObserveRpc(IsKnownMethod(method_) ? method_ : "unknown", code, seconds);
    }
    if (!options_->log_calls) return;
    const bool health = method_.rfind("/grpc.health.v1.Health/", 0) == 0;
    const auto level = health ? spdlog::level::debug : spdlog::level::info;
    if (!spdlog::default_logger_raw()->should_log(level)) return;
    std::string caller;
    if (!auth::IsPublicMethod(method_)) {
      if (auto p = auth::CallerOf(ctx_); p.ok()) caller = p->subject;
    }
    const std::string latency = absl::StrFormat("%.3f", seconds * 1000);
    logging::Log(
        level, "rpc",
        {{"method", method_},
         {"code", code},
         {"latency_ms", latency},
         {"caller", caller.empty() ? std::string_view("-") : caller},
         {"trace_id", trace_},
         {"error", status.ok() ? std::string_view()
                               : std::string_view(status.error_message()).substr(0, 300)}});
  }

  const grpc::ServerContextBase* ctx_;
  const std::string method_;
  const ObserveOptions* options_;
  const std::chrono::steady_clock::time_point start_;
  std::string trace_;
  bool registered_ = false;
};

}  // namespace

grpc::experimental::Interceptor* ObserveInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ObserveInterceptor(info, &options_);
}

std::string TraceOf(const grpc::ServerContextBase* ctx) { return Traces().Find(ctx).value_or(""); }

}  // namespace zs::rpc

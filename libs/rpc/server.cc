#include "rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <thread>

#include "auth/interceptor.h"

namespace zs::rpc {

ServiceHost::ServiceHost(ServerOptions options, std::shared_ptr<const auth::TokenVerifier> verifier)
    : options_(std::move(options)), verifier_(std::move(verifier)) {}

ServiceHost::~ServiceHost() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
  if (probe_server_) probe_server_->Shutdown(std::chrono::system_clock::now());
}

void ServiceHost::AddService(grpc::Service* service, std::string health_name) {
  services_.emplace_back(service, std::move(health_name));
}

absl::Status ServiceHost::Start() {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, ServerCredentials(options_.tls), &port_);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.RegisterService(&health_);
  for (auto& [svc, name] : services_) builder.RegisterService(svc);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<ObserveInterceptorFactory>(options_.observe));
  interceptors.push_back(std::make_unique<auth::AuthInterceptorFactory>(verifier_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError("grpc.listen: cannot listen on " + options_.listen);
  }
  if (!options_.port_file.empty()) {
    if (auto s = WritePortFile(options_.port_file, port_, "grpc.port_file"); !s.ok()) return s;
  }
  if (!options_.health_listen.empty()) {
    grpc::ServerBuilder probe;
    int probe_port = 0;
    probe.AddListeningPort(options_.health_listen, grpc::InsecureServerCredentials(), &probe_port);
    probe.RegisterService(&probe_health_);
    probe_server_ = probe.BuildAndStart();
    if (!probe_server_ || probe_port == 0) {
      return absl::UnavailableError("grpc.health_listen: cannot listen on " +
                                    options_.health_listen);
    }
    spdlog::info("health checks also on port {} (plaintext, grpc.health.v1 only)", probe_port);
  }
  spdlog::info("gRPC server listening on port {}{}", port_,
               !options_.tls.enabled() ? ""
               : options_.tls.client_ca_file.empty()
                   ? " (TLS)"
                   : " (mutual TLS: client certificates required)");
  return absl::OkStatus();
}

void ServiceHost::SetServing(bool serving) {
  SetHealth("", serving);
  for (auto& [svc, name] : services_) SetHealth(name, serving);
}

void ServiceHost::SetHealth(const std::string& name, bool serving) {
  health_.Set(name, serving);
  probe_health_.Set(name, serving);
}

void ServiceHost::Shutdown() {
  if (!server_) return;
  spdlog::info("shutting down: health NOT_SERVING, still serving calls for {} ms",
               options_.shutdown_grace.count());
  SetServing(false);
  std::this_thread::sleep_for(options_.shutdown_grace);
  // Ends every Health.Watch stream (they would otherwise last until the drain deadline) and keeps
  // the status at NOT_SERVING from now on.
  health_.Shutdown();
  probe_health_.Shutdown();
  spdlog::info("refusing new calls, draining running ones for up to {} ms",
               options_.drain_timeout.count());
  server_->Shutdown(std::chrono::system_clock::now() + options_.drain_timeout);
  server_->Wait();
  server_.reset();
  if (probe_server_) {
    probe_server_->Shutdown(std::chrono::system_clock::now());
    probe_server_.reset();
  }
}

absl::Status WritePortFile(const std::string& path, int port, const std::string& key) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return absl::InternalError(key + ": cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(key + ": cannot write " + path);
  }
  return absl::OkStatus();
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace zs::rpc

#include "rpc/health.h"

namespace zs::rpc {

namespace hv = grpc::health::v1;

// One Watch stream. Sends each change of its name's status (only the latest if several come while
// a write is in flight), and ends once told the last one was sent. Deletes itself when done.
class HealthService::Watcher final : public grpc::ServerWriteReactor<hv::HealthCheckResponse> {
 public:
  Watcher(HealthService* service, std::string name) : service_(service), name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Queues `status`; with `last`, the stream ends after it is sent.
  void Push(Status status, bool last) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    pending_ = status;
    has_pending_ = true;
    end_after_ = end_after_ || last;
    NextLocked();
  }

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "health watch: write failed"));
      return;
    }
    NextLocked();
  }

  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override ABSL_LOCKS_EXCLUDED(service_->mu_) {
    {
      absl::MutexLock lock(&service_->mu_);
      service_->watchers_.erase(this);
    }
    delete this;
  }

 private:
  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finishing_) return;
    if (has_pending_) {
      has_pending_ = false;
      if (!sent_any_ || pending_ != sent_) {
        sent_ = pending_;
        sent_any_ = true;
        response_.set_status(sent_);
        writing_ = true;
        StartWrite(&response_);
        return;
      }
    }
    if (end_after_) FinishLocked(grpc::Status::OK);
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    Finish(status);
  }

  HealthService* const service_;
  const std::string name_;
  absl::Mutex mu_;
  hv::HealthCheckResponse response_ ABSL_GUARDED_BY(mu_);  // the write in flight
  Status pending_ ABSL_GUARDED_BY(mu_) = hv::HealthCheckResponse::UNKNOWN;
  Status sent_ ABSL_GUARDED_BY(mu_) = hv::HealthCheckResponse::UNKNOWN;
  bool has_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_any_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool end_after_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

HealthService::Status HealthService::StatusOfLocked(const std::string& name) const {
  auto it = status_.find(name);
  return it == status_.end() ? hv::HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

void HealthService::Set(const std::string& name, bool serving) {
  absl::MutexLock lock(&mu_);
  if (shutdown_) return;
  const Status status =
      serving ? hv::HealthCheckResponse::SERVING : hv::HealthCheckResponse::NOT_SERVING;
  status_[name] = status;
  for (Watcher* w : watchers_) {
    if (w->name() == name) w->Push(status, /*last=*/false);
  }
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  for (auto& [name, status] : status_) status = hv::HealthCheckResponse::NOT_SERVING;
  for (Watcher* w : watchers_) w->Push(hv::HealthCheckResponse::NOT_SERVING, /*last=*/true);
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* ctx,
                                               const hv::HealthCheckRequest* request,
                                               hv::HealthCheckResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  Status status;
  {
    absl::MutexLock lock(&mu_);
    status = StatusOfLocked(request->service());
  }
  if (status == hv::HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
  } else {
    response->set_status(status);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<hv::HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* ctx, const hv::HealthCheckRequest* request) {
  auto* watcher = new Watcher(this, request->service());
  absl::MutexLock lock(&mu_);
  watchers_.insert(watcher);
  watcher->Push(
      shutdown_ ? hv::HealthCheckResponse::NOT_SERVING : StatusOfLocked(request->service()),
      /*last=*/shutdown_);
  return watcher;
}

}  // namespace zs::rpc

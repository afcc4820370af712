#include "render_pool.h"

#include <exception>

namespace zs::gateway {

// One render: what to run and, once a pool thread ran it, its result. Lives on the stack of the
// request that waits for it.
struct RenderPool::Job {
  std::function<absl::StatusOr<std::string>()> render;
  absl::StatusOr<std::string> result = absl::UnknownError("not rendered");
  bool done = false;
};

RenderPool::RenderPool(size_t workers, size_t queue) : queue_limit_(queue) {
  if (workers == 0) workers = 1;
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

RenderPool::~RenderPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

absl::StatusOr<std::string> RenderPool::Run(std::function<absl::StatusOr<std::string>()> render) {
  Job job;
  job.render = std::move(render);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the gateway is stopping");
  if (jobs_.size() >= queue_limit_) {
    return absl::ResourceExhaustedError(
        "too many documents are being rendered at once; try again in a moment");
  }
  jobs_.push_back(&job);
  // The job's fields are written under mu_ by the pool thread that ran it.
  mu_.Await(absl::Condition(
      +[](Job* j) { return j->done; }, &job));
  return std::move(job.result);
}

void RenderPool::Work() {
  for (;;) {
    Job* job = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](RenderPool* p)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->stopping_ || !p->jobs_.empty(); },
          this));
      if (jobs_.empty()) return;  // stopping, and nothing is left to do
      job = jobs_.front();
      jobs_.pop_front();
    }
    absl::StatusOr<std::string> result;
    try {
      result = job->render();
    } catch (const std::exception& e) {
      result = absl::InternalError(std::string("rendering failed: ") + e.what());
    } catch (...) {
      result = absl::InternalError("rendering failed");
    }
    absl::MutexLock lock(&mu_);
    job->result = std::move(result);
    job->done = true;
  }
}

}  // namespace zs::gateway

#pragma once

// Where the gateway renders documents: a fixed number of threads of its own, with a bounded queue
// in front of them. Rendering a PDF (Pango, Cairo, the fonts) or writing a workbook (its zip
// writer keeps large buffers on the stack) wants megabytes of stack, which civetweb's request
// threads do not have, and tens of megabytes of memory each, which 64 requests at once must not
// take. A request that finds the queue full is refused at once rather than left to wait.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace zs::gateway {

class RenderPool {
 public:
  // `workers` threads (at least one); at most `queue` renders wait for one.
  RenderPool(size_t workers, size_t queue);
  ~RenderPool();
  RenderPool(const RenderPool&) = delete;
  RenderPool& operator=(const RenderPool&) = delete;

  // Runs `render` on a pool thread and waits for its result. RESOURCE_EXHAUSTED, without running
  // it, when `queue` renders are already waiting.
  absl::StatusOr<std::string> Run(std::function<absl::StatusOr<std::string>()> render)
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t workers() const { return threads_.size(); }
  // Renders waiting for a thread.
  size_t waiting() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return jobs_.size();
  }

 private:
  struct Job;
  void Work() ABSL_LOCKS_EXCLUDED(mu_);

  const size_t queue_limit_;
  absl::Mutex mu_;
  std::deque<Job*> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace zs::gateway

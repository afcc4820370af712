#pragma once

#include <optional>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace zs {

// What interceptors learn about a call (its verified caller, its trace id), kept by the call's
// address from the moment it is learnt until the call is destroyed, for the handler to read.
// Thread-safe.
template <typename T>
class PerCall {
 public:
  void Put(const void* call, T value) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    values_.insert_or_assign(call, std::move(value));
  }
  void Erase(const void* call) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    values_.erase(call);
  }
  std::optional<T> Find(const void* call) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = values_.find(call);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable absl::Mutex mu_;
  std::unordered_map<const void*, T> values_ ABSL_GUARDED_BY(mu_);
};

}  // namespace zs

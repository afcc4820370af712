// Never built: ctest compiles it with clang's thread-safety analysis (see CMakeLists.txt beside
// it). With ZS_TAKE_LOCK it must compile; without, the write to the guarded counter must be
// refused. So a green thread-safety build means the annotations were checked, not ignored.
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

class Counter {
 public:
  void Add() ABSL_LOCKS_EXCLUDED(mu_) {
#ifdef ZS_TAKE_LOCK
    absl::MutexLock lock(&mu_);
#endif
    ++count_;
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

void Use(Counter& c) { c.Add(); }

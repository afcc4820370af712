#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace zs {

using TimePoint = std::chrono::system_clock::time_point;

// The source of "now" for all domain code, injected so that tests move time instead of sleeping.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance; never destroyed.
  static const Clock* Get();
};

// A clock that only moves when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void Set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
  void Advance(std::chrono::nanoseconds d) {
    now_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(d).count());
  }

 private:
  std::atomic<TimePoint::rep> now_;
};

}  // namespace zs

namespace zs {

// A clock read from a file holding milliseconds since the Unix epoch, for black-box tests that
// move a real service process through time. Until the file exists it tells system time.
// Reads the file on every call. Never configure it in production.
class FileClock final : public Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {}
  TimePoint Now() const override;

 private:
  std::string path_;
};

}  // namespace zs

#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "events/redis.h"
#include "store/database.h"

namespace zs::events {

struct RelayOptions {
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_user;      // ACL user; empty: the default user
  std::string redis_password;  // empty: no AUTH
  std::string stream;          // e.g. "zs:events:reporting"
  int batch = 256;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds maintenance_interval{30000};
  // Events stay in the outbox this long, so a Redis that lost them can be refilled.
  std::chrono::milliseconds retention{7LL * 24 * 3600 * 1000};
  // The stream is trimmed to about this many entries, never past what a group has not acknowledged.
  int64_t stream_max_len = 100000;
  // While idle, how often the relay checks that Redis still has what it published.
  std::chrono::milliseconds check_interval{1000};
};

// Publishes the outbox to the service's Redis stream.
//
// Outbox row `seq` becomes the stream entry "<seq + offset>-0"; the offset is 0 until the stream
// is found ahead of this database (a restored backup), then a segment in relay_offsets moves the
// ids of rows not yet published above the stream's last id. On every (re)connect and whenever
// Redis is found behind, the relay reconciles: it takes the stream's last entry, and if that is
// the event this database holds under the matching seq, everything up to it is published;
// otherwise it looks back through the stream for the newest event of this outbox (by event id)
// and publishes everything after it again (consumers dedupe by event id). Nothing is written
// back per publish. A batch is added by one Lua script that first checks the stream's
// last-generated-id has not gone below what the relay knows it published (a FLUSHALL, a failover
// to an empty replica, a deleted stream), then adds entries in order, stopping at the first
// error; an id the stream already has counts as published only if it holds the same envelope.
// While idle the same check runs every check_interval. Woken by every commit; retries with
// exponential backoff while Redis is away. Maintenance trims the stream below what every
// consumer group has acknowledged, warns about a group lagging past the bound, and deletes outbox
// rows that are older than the retention and verified published in this session.
class OutboxRelay {
 public:
  OutboxRelay(RelayOptions options, store::Database& db, const Clock* clock);
  ~OutboxRelay();

  void Start();
  void Stop();
  // Asks the relay to publish now (called after each commit).
  void Wake();
  // True while the last attempt to reach Redis succeeded.
  bool redis_ok() const { return redis_ok_.load(); }
  // The outbox seq up to which the stream is known to hold this outbox; -1 until the relay first
  // reached Redis and reconciled.
  int64_t published_seq() const { return published_seq_.load(); }

 private:
  void Loop();
  bool WokenOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return wake_ || !running_; }
  absl::Status EnsureConnected();
  // Finds what of the outbox the stream verifiably holds and where new ids must start.
  absl::Status Reconcile();
  // Publishes one batch; returns how many rows it published (with no rows, checks the stream).
  absl::StatusOr<int> PublishBatch();
  absl::Status Maintain();
  absl::Status LoadSegments();
  int64_t IdOf(int64_t seq) const;
  int64_t SeqOf(int64_t id) const;

  const RelayOptions options_;
  store::Database& db_;
  const Clock* clock_;
  std::unique_ptr<RedisConnection> redis_;  // only touched by thread_
  int64_t published_upto_ = 0;              // outbox seq known to be on the stream; thread_ only
  int64_t stream_last_ = 0;  // the stream's last-generated id (ms part) as last seen; thread_ only
  std::vector<std::pair<int64_t, int64_t>> segments_;  // (from_seq, id_offset); thread_ only
  std::chrono::steady_clock::time_point next_check_;   // thread_ only
  std::atomic<bool> redis_ok_{false};
  std::atomic<int64_t> published_seq_{-1};  // published_upto_, for other threads

  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // started and joined by Start() and Stop(), one at a time
};

}  // namespace zs::events

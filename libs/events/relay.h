#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "events/redis.h"
#include "store/database.h"

namespace zs::events {

struct RelayOptions {
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string stream;  // e.g. "zs:events:reporting"
  int batch = 256;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds maintenance_interval{30000};
  // Events stay in the outbox this long, so a Redis that lost them can be refilled.
  std::chrono::milliseconds retention{7LL * 24 * 3600 * 1000};
  // The stream is trimmed to about this many entries, never past what a group has not acknowledged.
  int64_t stream_max_len = 100000;
};

// Publishes the outbox to the service's Redis stream.
//
// Each event becomes the stream entry "<outbox seq>-0". Entry ids must grow, so the stream's
// last id is itself the record of what has been published: the relay reads it on every
// (re)connect and publishes the outbox rows after it. It writes nothing back to the database,
// so publishing never competes with the service's own commits. A batch is added by one Lua
// script, in order, stopping at the first real error, so the stream never has a gap; an entry
// Redis already has ("equal or smaller", e.g. from a second replica) counts as published.
// A Redis that comes back empty or behind is refilled from the outbox (consumers dedupe).
// Woken by every commit; retries with exponential backoff while Redis is away. Maintenance trims
// the stream below what every consumer group has acknowledged, warns about a group lagging past
// the bound, and deletes outbox rows that are both published and older than the retention.
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

 private:
  void Loop();
  absl::Status EnsureConnected();
  // Publishes one batch; returns how many rows it published.
  absl::StatusOr<int> PublishBatch();
  absl::Status Maintain();

  const RelayOptions options_;
  store::Database& db_;
  const Clock* clock_;
  std::unique_ptr<RedisConnection> redis_;  // only touched by thread_
  int64_t published_upto_ = 0;              // outbox seq known to be on the stream; thread_ only
  std::atomic<bool> redis_ok_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;     // guarded by mu_
  bool running_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace zs::events

#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "core/clock.h"
#include "events/redis.h"
#include "store/database.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::events {

struct ConsumerOptions {
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string stream;    // stream to read, e.g. "zs:events:supervision"
  std::string group;     // consumer group, e.g. "reporting"; also the dedupe namespace
  std::string consumer;  // this process's name in the group (unique per replica)
  int count = 64;        // entries per read
  std::chrono::milliseconds block{1000};
  std::chrono::milliseconds claim_interval{5000};
  std::chrono::milliseconds min_idle{30000};  // pending this long: claimed again
  // Deterministic failures (a bad event, a missing reference) an event may have before it is
  // dead-lettered. Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED,
  // RESOURCE_EXHAUSTED, CANCELLED: an upstream or the database away) never count: they are
  // retried for as long as it takes.
  int max_tries = 5;
  std::string dead_letter_stream;               // default "<stream>:dead"
  std::chrono::milliseconds backoff_max{5000};  // between rounds while Redis is away
  // A failed event is tried again after retry_initial, doubling up to retry_max.
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60000};
  // consumed_events rows (the dedupe record) are kept this long, then pruned every
  // prune_interval. Must cover every way an event can be delivered again: at least the
  // producers' outbox retention.
  std::chrono::milliseconds consumed_retention{14LL * 24 * 3600 * 1000};
  std::chrono::milliseconds prune_interval{30000};
  // How often dead letters marked for replay are looked for.
  std::chrono::milliseconds replay_interval{1000};
  // Time for consumed_events, failures, dead letters and pruning; null: the system clock.
  const Clock* clock = nullptr;
  // Fault injection for tests: "before_commit" or "after_commit" makes the process exit abruptly
  // at that point of the first event it handles. Empty in production.
  std::string crash_point;
};

// Applies an event's effect inside the caller-provided transaction.
using EventHandler =
    std::function<absl::Status(const zhongshu::events::v1::Event& event, store::Tx& tx)>;
// Gathers what an effect needs from elsewhere (e.g. another service over gRPC) before the
// transaction starts, so no network call ever runs inside one. Its result goes to the handler.
// Preparers of one batch run concurrently, so they must be thread-safe.
using EventPreparer =
    std::function<absl::StatusOr<std::any>(const zhongshu::events::v1::Event& event)>;
using PreparedHandler = std::function<absl::Status(const zhongshu::events::v1::Event& event,
                                                   const std::any& prepared, store::Tx& tx)>;

// Reads one stream as one member of a consumer group.
//
// Creates the group idempotently (MKSTREAM, from the start of the stream), drains this consumer's
// own pending entries at start, then blocks on XREADGROUP for new ones and periodically claims
// entries left pending by a crashed member (XAUTOCLAIM). Each event's effect commits in the same
// transaction as a row in consumed_events, so an event delivered twice is applied once; the entry
// is acknowledged only after that commit. A group that vanished (NOGROUP: Redis lost its data) is
// created again from the start of the stream.
//
// Failures: a transient one (see ConsumerOptions::max_tries) leaves the entry pending and it is
// tried again with backoff, forever. A deterministic one (the preparation or effect fails with
// another code, or the entry is not an envelope) is counted in consumer_failures; after max_tries
// the event becomes a dead letter: a row in dead_letters (durable, replayable), an entry in the
// dead-letter stream, an error log line, and the entry is acknowledged. Redis's delivery count is
// not used, so restarts and transient failures never count. Dead letters an operator marks for
// replay (state 'replay') are picked up and applied through the same path, with the same dedupe.
// Event types without a handler are acknowledged untouched. Entries of one read are applied in
// stream order within one group commit; an entry that fails is retried later, after the ones
// behind it (events are independent facts).
class StreamConsumer {
 public:
  StreamConsumer(ConsumerOptions options, store::Database& db);
  ~StreamConsumer();

  // Registers the handler of an event type. Call before Start().
  void On(std::string type, EventHandler handler);
  // Registers a handler with a preparation step that runs outside the transaction; an event
  // already applied is not prepared again. A failed preparation leaves the entry pending.
  void On(std::string type, EventPreparer prepare, PreparedHandler handler);
  void Start();
  void Stop();

 private:
  struct Entry {
    std::string id;
    std::map<std::string, std::string> fields;
  };
  enum class Outcome { kDone, kTransient, kFailed };
  struct Result {
    Outcome outcome = Outcome::kDone;
    std::string key;  // the event id, or "entry:<id>" when the entry is not an envelope
    std::string event_id;
    std::string error;
  };
  struct Retry {
    std::chrono::steady_clock::time_point next;
    std::chrono::milliseconds backoff;
  };
  void Loop();
  absl::Status EnsureReady();
  absl::Status ReadAndHandle(const std::string& from_id, std::string* last_id);
  absl::Status ClaimStale();
  // Entries whose retry time has come, claimed again by this consumer.
  absl::Status RetryDue();
  // Handles the entries of one delivery: Apply, then one XACK for all that are done; failures
  // are scheduled for retry or dead-lettered.
  absl::Status HandleBatch(const std::vector<Entry>& entries);
  // Preparations side by side, then every effect submitted at once so the batch shares one
  // commit. Touches no Redis.
  std::vector<Result> Apply(const std::vector<Entry>& entries);
  // Counts a deterministic failure; returns the number of failures so far.
  absl::StatusOr<int64_t> CountFailure(const Result& r);
  absl::Status DeadLetter(const Entry& entry, const Result& r, int64_t tries);
  void ScheduleRetry(const std::string& entry_id);
  absl::Status ReplayMarked();
  void Prune();
  std::vector<Entry> ParseEntries(const Reply& entries) const;
  int64_t NowMs() const;
  // Records the last entry of a handled batch in consumer_positions (never moving back).
  void RecordPosition(const std::vector<Entry>& entries);
  // Once per process: when the database's position is behind the group's (a restored backup),
  // the entries in between are read with XRANGE and applied again (deduplicated by event id), so
  // the effects the restore took away come back; blocks until each is done or dead-lettered.
  absl::Status CatchUp();

  const ConsumerOptions options_;
  store::Database& db_;
  struct Registration {
    EventPreparer prepare;  // may be empty
    PreparedHandler apply;
  };
  std::map<std::string, Registration> handlers_;
  std::unique_ptr<RedisConnection> redis_;  // only touched by thread_
  bool drained_own_pending_ = false;        // only touched by thread_
  bool caught_up_ = false;                  // only touched by thread_
  std::map<std::string, Retry> retries_;    // entry id -> when to try again; thread_ only
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace zs::events

#pragma once

#include <any>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "events/redis.h"
#include "store/database.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::events {

struct ConsumerOptions {
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_user;      // ACL user; empty: the default user
  std::string redis_password;  // empty: no AUTH
  std::string stream;          // stream to read, e.g. "zs:events:supervision"
  std::string group;           // consumer group, e.g. "reporting"; also the dedupe namespace
  std::string consumer;        // this process's name in the group (unique per replica)
  int count = 64;              // entries per read
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
  // Preparations of one batch run side by side on at most this many threads: the consumer's own
  // and a pool of prepare_threads - 1, created by Start() when some handler has a preparation and
  // stopped by Stop(). 1 (or less): one after another on the consumer's thread.
  int prepare_threads = 4;
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

// The same for an event whose payload is a P (one of the messages of proto/zhongshu/events/v1/):
// the consumer unpacks the payload once, before any preparation, and passes it along.
template <typename P>
using TypedHandler = std::function<absl::Status(const zhongshu::events::v1::Event& event,
                                                const P& payload, store::Tx& tx)>;
template <typename P>
using TypedPreparer = std::function<absl::StatusOr<std::any>(
    const zhongshu::events::v1::Event& event, const P& payload)>;
template <typename P>
using TypedPreparedHandler =
    std::function<absl::Status(const zhongshu::events::v1::Event& event, const P& payload,
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
// Handlers are registered per event type, untyped (the handler unpacks the envelope's payload
// itself) or typed:
//
//   consumer.On<ev::InstructionIssued>(
//       type::kReportingInstructionIssued,
//       [](const ev::Event& e, const ev::InstructionIssued& payload, store::Tx& tx) {...});
//
// A typed handler gets the payload unpacked once, before preparation and transaction. An event
// whose payload is missing, of another type than the handler's or unreadable can never succeed:
// it becomes a dead letter at once (reason "event <type> ...: expected payload <P> ..."), without
// being prepared or applied and without waiting for max_tries. So does an entry that is not an
// envelope at all (no "event" field, bytes that do not parse, no event id).
//
// Other failures: a transient one (see ConsumerOptions::max_tries) leaves the entry pending and
// it is tried again with backoff, forever. A deterministic one (the preparation or effect fails
// with another code) is counted in consumer_failures; after max_tries the event becomes a dead
// letter. A dead letter is a row in dead_letters (durable, replayable), an entry in the
// dead-letter stream and an error log line, and the entry is acknowledged. Redis's delivery count
// is not used, so restarts and transient failures never count. Dead letters an operator marks for
// replay (state 'replay') are picked up and applied through the same path, with the same dedupe
// (a malformed one fails again unless the handler registered for its type changed). Event types
// without a handler are acknowledged untouched. Entries of one read are applied in stream order
// within one group commit; an entry that fails is retried later, after the ones behind it (events
// are independent facts).
class StreamConsumer {
 public:
  StreamConsumer(ConsumerOptions options, store::Database& db);
  ~StreamConsumer();

  // Registers the handler of an event type. Call before Start(); a type registers once (a second
  // registration of it is ignored).
  void On(std::string type, EventHandler handler);
  // Registers a handler with a preparation step that runs outside the transaction; an event
  // already applied is not prepared again. A failed preparation leaves the entry pending (or
  // counts as a deterministic failure, by its code, as a failed effect does).
  void On(std::string type, EventPreparer prepare, PreparedHandler handler);
  // Typed variants: the payload must be a P (see the class comment), e.g.
  // On<ev::ItemOpened>(type::kSupervisionItemOpened, handler). The preparer may be null.
  template <typename P>
  void On(std::string type, std::type_identity_t<TypedHandler<P>> handler);
  template <typename P>
  void On(std::string type, std::type_identity_t<TypedPreparer<P>> prepare,
          std::type_identity_t<TypedPreparedHandler<P>> handler);

  void Start();
  void Stop();

  const ConsumerOptions& options() const { return options_; }

  // The group's position on the stream as Redis reports it (XINFO GROUPS): entries not yet
  // delivered to the group (lag; -1 when Redis cannot tell) and entries delivered but not yet
  // acknowledged (pending). Opens its own short connection: callable from any thread.
  struct GroupStats {
    int64_t lag = -1;
    int64_t pending = 0;
  };
  absl::StatusOr<GroupStats> ReadGroupStats() const;

 private:
  class Pool;  // the preparation threads
  struct Registration {
    // The default instance of the payload type a typed handler expects; null when untyped.
    const google::protobuf::Message* payload_type = nullptr;
    // The payload is null for an untyped handler. May be empty: nothing to prepare.
    std::function<absl::StatusOr<std::any>(const zhongshu::events::v1::Event& event,
                                           const google::protobuf::Message* payload)>
        prepare;
    std::function<absl::Status(const zhongshu::events::v1::Event& event,
                               const google::protobuf::Message* payload, const std::any& prepared,
                               store::Tx& tx)>
        apply;
  };
  struct Entry {
    std::string id;
    std::map<std::string, std::string> fields;
  };
  // kFailed: counts towards max_tries; kDead: can never succeed, a dead letter at once.
  enum class Outcome { kDone, kTransient, kFailed, kDead };
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
  void Register(std::string type, Registration registration);
  void Loop();
  // Waits until `d` has passed or Stop() is called; false when stopping.
  bool Pause(std::chrono::milliseconds d);
  absl::Status EnsureReady();
  absl::Status ReadAndHandle(const std::string& from_id, std::string* last_id);
  absl::Status ClaimStale();
  // Entries whose retry time has come, claimed again by this consumer.
  absl::Status RetryDue();
  // Handles the entries of one delivery: Apply, then one XACK for all that are done; failures
  // are scheduled for retry or dead-lettered.
  absl::Status HandleBatch(const std::vector<Entry>& entries);
  // Parses and unpacks, runs the preparations side by side on the pool, then submits every effect
  // at once so the batch shares one commit. Touches no Redis.
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
  std::map<std::string, Registration> handlers_;  // filled before Start(), then only read
  std::unique_ptr<RedisConnection> redis_;        // only touched by thread_
  bool drained_own_pending_ = false;              // only touched by thread_
  bool caught_up_ = false;                        // only touched by thread_
  std::map<std::string, Retry> retries_;          // entry id -> when to try again; thread_ only
  // Created by Start() before thread_, used by thread_ only, stopped by Stop() after it.
  std::unique_ptr<Pool> pool_;
  std::atomic<bool> running_{false};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;  // wakes Pause() when Stop() is called
  std::thread thread_;
};

template <typename P>
void StreamConsumer::On(std::string type, std::type_identity_t<TypedHandler<P>> handler) {
  On<P>(std::move(type), nullptr,
        [h = std::move(handler)](const zhongshu::events::v1::Event& event, const P& payload,
                                 const std::any&, store::Tx& tx) { return h(event, payload, tx); });
}

template <typename P>
void StreamConsumer::On(std::string type, std::type_identity_t<TypedPreparer<P>> prepare,
                        std::type_identity_t<TypedPreparedHandler<P>> handler) {
  static_assert(std::is_base_of_v<google::protobuf::Message, P>,
                "the payload type must be a protobuf message");
  using Message = google::protobuf::Message;
  Registration r;
  r.payload_type = &P::default_instance();
  if (prepare) {
    r.prepare = [p = std::move(prepare)](const zhongshu::events::v1::Event& event,
                                         const Message* payload) {
      return p(event, static_cast<const P&>(*payload));
    };
  }
  r.apply = [h = std::move(handler)](const zhongshu::events::v1::Event& event,
                                     const Message* payload, const std::any& prepared,
                                     store::Tx& tx) {
    return h(event, static_cast<const P&>(*payload), prepared, tx);
  };
  Register(std::move(type), std::move(r));
}

}  // namespace zs::events

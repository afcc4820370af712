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
  int max_tries = 5;                          // then the entry goes to the dead-letter stream
  std::string dead_letter_stream;             // default "<stream>:dead"
  std::chrono::milliseconds backoff_max{5000};
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
// is acknowledged only after that commit. An entry that cannot be parsed, or whose handler fails
// more than max_tries deliveries, moves to the dead-letter stream and is acknowledged.
// Event types without a handler are acknowledged untouched. Entries of one read are applied in
// stream order within one group commit; an entry whose preparation or effect fails stays pending
// and is retried later, after the ones behind it (events are independent facts).
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
  void Loop();
  absl::Status EnsureReady();
  absl::Status ReadAndHandle(const std::string& from_id, std::string* last_id);
  absl::Status ClaimStale();
  // Handles the entries of one read: preparations side by side, then every effect submitted at
  // once so the batch shares one commit, then one XACK for all that committed.
  absl::Status HandleBatch(const std::vector<Entry>& entries, bool check_tries);
  absl::Status DeadLetter(const Entry& entry, const std::string& reason);
  absl::Status Ack(const std::string& id);
  std::vector<Entry> ParseEntries(const Reply& entries) const;

  const ConsumerOptions options_;
  store::Database& db_;
  struct Registration {
    EventPreparer prepare;  // may be empty
    PreparedHandler apply;
  };
  std::map<std::string, Registration> handlers_;
  std::unique_ptr<RedisConnection> redis_;  // only touched by thread_
  bool drained_own_pending_ = false;        // only touched by thread_
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace zs::events

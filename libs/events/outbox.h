#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "store/database.h"
#include "zhongshu/common/v1/common.pb.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::events {

// Tables every service has: outbox (events waiting for / kept after publication), audit_log
// (who changed what), consumed_events (dedupe of events this service has applied), relay_offsets
// (how outbox seqs map to stream ids), consumer_failures and dead_letters (events given up on,
// kept until an operator replays them).
// Apply with store::Migrate(db, "events", OutboxMigrations()).
std::vector<store::Migration> OutboxMigrations();

// Dead letters not yet replayed successfully (state 'dead' or 'replay').
absl::StatusOr<int64_t> OpenDeadLetters(store::Database& db);

// One state change, for the audit trail and, when event_type is set, the service's stream.
struct Change {
  std::string action;      // audit action, e.g. "report.submit"
  std::string resource;    // id of the changed resource
  std::string tenant;      // tenant the resource belongs to
  std::string detail;      // optional free text or JSON for the audit row
  std::string event_type;  // e.g. "reporting.report.submitted"; empty: no event
  const google::protobuf::Message* payload = nullptr;  // the event's typed payload
  std::string trace_id;  // empty: the ambient trace (core/trace.h), or a new one
};

// Writes audit rows and outbox events inside the caller's transaction, so they commit or roll
// back together with the state change. Thread-safe (holds no state beyond its configuration).
class Recorder {
 public:
  Recorder(std::string source, const Clock* clock) : source_(std::move(source)), clock_(clock) {}

  // Appends the audit row and, if the change names an event, the outbox row.
  // Returns the event written (empty id when none).
  absl::StatusOr<zhongshu::events::v1::Event> Record(store::Tx& tx,
                                                     const zhongshu::common::v1::Actor& actor,
                                                     const Change& change) const;

  const std::string& source() const { return source_; }
  const Clock* clock() const { return clock_; }

 private:
  std::string source_;
  const Clock* clock_;
};

}  // namespace zs::events

#include "events/outbox.h"

#include "core/ids.h"
#include "core/time_util.h"
#include "core/trace.h"

namespace zs::events {

std::vector<store::Migration> OutboxMigrations() {
  return {
      {1, "outbox, audit log and consumed events",
       "CREATE TABLE outbox ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " event_id TEXT NOT NULL UNIQUE,"
       " type TEXT NOT NULL,"
       " tenant TEXT NOT NULL,"
       " envelope BLOB NOT NULL,"
       " created_at INTEGER NOT NULL);"
       "CREATE TABLE audit_log ("
       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
       " at INTEGER NOT NULL,"
       " actor TEXT NOT NULL,"
       " tenant TEXT NOT NULL,"
       " action TEXT NOT NULL,"
       " resource TEXT NOT NULL,"
       " detail TEXT NOT NULL,"
       " event_id TEXT);"
       "CREATE INDEX audit_log_resource ON audit_log (resource, id);"
       "CREATE TABLE consumed_events ("
       " consumer TEXT NOT NULL,"
       " event_id TEXT NOT NULL,"
       " consumed_at INTEGER NOT NULL,"
       " PRIMARY KEY (consumer, event_id))"},
      {2, "relay id offsets, consumer failures, dead letters",
       // Stream entry id of outbox row seq = seq + id_offset of the last segment starting at or
       // before it (no row: offset 0). A segment is added only when the stream is found ahead of
       // what this database published (a restored backup), so new ids go above the stream's.
       "CREATE TABLE relay_offsets ("
       " stream TEXT NOT NULL,"
       " from_seq INTEGER NOT NULL,"
       " id_offset INTEGER NOT NULL,"
       " created_at INTEGER NOT NULL,"
       " PRIMARY KEY (stream, from_seq));"
       // Deterministic failures of an event, counted by the service (not by Redis deliveries).
       "CREATE TABLE consumer_failures ("
       " consumer TEXT NOT NULL,"
       " event_key TEXT NOT NULL,"
       " tries INTEGER NOT NULL,"
       " last_error TEXT NOT NULL,"
       " updated_at INTEGER NOT NULL,"
       " PRIMARY KEY (consumer, event_key));"
       // Events given up on; state 'dead', 'replay' (asked for by an operator) or 'replayed'.
       "CREATE TABLE dead_letters ("
       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
       " consumer TEXT NOT NULL,"
       " stream TEXT NOT NULL,"
       " entry_id TEXT NOT NULL,"
       " event_key TEXT NOT NULL,"
       " event_id TEXT NOT NULL,"
       " type TEXT NOT NULL,"
       " event BLOB NOT NULL,"
       " reason TEXT NOT NULL,"
       " tries INTEGER NOT NULL,"
       " state TEXT NOT NULL,"
       " created_at INTEGER NOT NULL,"
       " updated_at INTEGER NOT NULL,"
       " UNIQUE (consumer, event_key));"
       "CREATE INDEX dead_letters_state ON dead_letters (state, consumer, stream);"
       "CREATE INDEX consumed_events_at ON consumed_events (consumer, consumed_at)"},
      {3, "consumer positions",
       // The last stream entry a consumer group has handled, as this database knows it. Behind
       // the group's position in Redis means the database was restored from a backup: the
       // entries in between are read again (see StreamConsumer).
       "CREATE TABLE consumer_positions ("
       " consumer TEXT NOT NULL,"
       " stream TEXT NOT NULL,"
       " last_ms INTEGER NOT NULL,"
       " last_seq INTEGER NOT NULL,"
       " PRIMARY KEY (consumer, stream))"},
  };
}

absl::StatusOr<zhongshu::events::v1::Event> Recorder::Record(
    store::Tx& tx, const zhongshu::common::v1::Actor& actor, const Change& change) const {
  const TimePoint now = clock_->Now();
  zhongshu::events::v1::Event event;
  if (!change.event_type.empty()) {
    event.set_id(NewUuid());
    event.set_type(change.event_type);
    event.set_tenant(change.tenant);
    *event.mutable_occurred_at() = ToProto(now);
    *event.mutable_actor() = actor;
    // The change's own trace, else the work this thread is doing (a call, an event), else new.
    const std::string& ambient = trace::CurrentTrace();
    event.set_trace_id(!change.trace_id.empty() ? change.trace_id
                       : !ambient.empty()       ? ambient
                                                : trace::NewTraceId());
    event.set_source(source_);
    if (change.payload != nullptr) event.mutable_payload()->PackFrom(*change.payload);
    auto r = tx.Exec(
        "INSERT INTO outbox (event_id, type, tenant, envelope, created_at) VALUES (?, ?, ?, ?, ?)",
        {event.id(), event.type(), event.tenant(), store::Blob{event.SerializeAsString()},
         ToMillis(now)});
    if (!r.ok()) return r.status();
  }
  auto r = tx.Exec(
      "INSERT INTO audit_log (at, actor, tenant, action, resource, detail, event_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      {ToMillis(now), actor.subject(), change.tenant, change.action, change.resource, change.detail,
       event.id().empty() ? store::Param(nullptr) : store::Param(event.id())});
  if (!r.ok()) return r.status();
  return event;
}

absl::StatusOr<int64_t> OpenDeadLetters(store::Database& db) {
  int64_t n = 0;
  auto s = db.Read([&](store::Tx& tx) -> absl::Status {
    auto r = tx.Query("SELECT COUNT(*) FROM dead_letters WHERE state <> 'replayed'");
    if (!r.ok()) return r.status();
    n = r->empty() ? 0 : (*r)[0].Int(0);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return n;
}

}  // namespace zs::events

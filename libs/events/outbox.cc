#include "events/outbox.h"

#include "core/ids.h"
#include "core/time_util.h"

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
    event.set_trace_id(change.trace_id.empty() ? NewUuid() : change.trace_id);
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

}  // namespace zs::events

#include "store/repository.h"

#include "store/counter.h"

namespace zs::supervision {

std::vector<store::Migration> Migrations() {
  return {
      {1, "items, tasks and timers",
       "CREATE TABLE items ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " source_type INTEGER NOT NULL,"
       " source_ref TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE UNIQUE INDEX items_source ON items (source_type, source_ref) WHERE source_ref <> '';"
       "CREATE INDEX items_tenant ON items (tenant, seq);"
       "CREATE TABLE tasks ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " item_id TEXT NOT NULL REFERENCES items (id),"
       " tenant TEXT NOT NULL,"
       " lead_unit TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX tasks_item ON tasks (item_id);"
       "CREATE TABLE task_units ("
       " task_id TEXT NOT NULL REFERENCES tasks (id),"
       " item_id TEXT NOT NULL,"
       " unit_id TEXT NOT NULL,"
       " PRIMARY KEY (task_id, unit_id));"
       "CREATE INDEX task_units_unit ON task_units (unit_id, item_id);"
       "CREATE TABLE task_timers ("
       " task_id TEXT NOT NULL REFERENCES tasks (id),"
       " rung TEXT NOT NULL,"
       " fire_at INTEGER NOT NULL,"
       " fired_at INTEGER,"
       " outcome TEXT,"
       " unit_id TEXT NOT NULL DEFAULT '',"
       " PRIMARY KEY (task_id, rung));"
       "CREATE INDEX task_timers_due ON task_timers (fire_at) WHERE fired_at IS NULL"},
      {2, "notices",
       "CREATE TABLE notices ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " year INTEGER NOT NULL,"
       " period TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX notices_tenant ON notices (tenant, seq)"},
      // Rows written before keep version -1, which any update may replace. The partial unique
      // index cannot serve "source_type = ? AND source_ref = ?" (SQLite cannot prove a bound
      // source_ref non-empty), so a lookup per event scanned the table: a plain index serves it.
      {3, "versions; items by source",
       "ALTER TABLE items ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE notices ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "CREATE INDEX items_by_source ON items (source_type, source_ref)"},
      // The ladder moves to the shared timers table (fired rungs and their history included; a
      // rung not yet fired is tagged with the task's lead unit, which it would warn). A view keeps
      // the old name readable for operators' queries.
      {4, "ladder timers in the shared timers table",
       "INSERT OR IGNORE INTO timers (kind, owner, name, fire_at, fired_at, outcome, tag, tenant)"
       " SELECT 'task_ladder', tt.task_id, tt.rung, tt.fire_at, tt.fired_at, tt.outcome,"
       " CASE WHEN tt.fired_at IS NULL OR tt.unit_id = '' THEN COALESCE(t.lead_unit, '')"
       " ELSE tt.unit_id END, COALESCE(t.tenant, '')"
       " FROM task_timers tt LEFT JOIN tasks t ON t.id = tt.task_id;"
       "DROP TABLE task_timers;"
       "CREATE VIEW task_timers AS SELECT owner AS task_id, name AS rung, fire_at, fired_at,"
       " outcome, tag AS unit_id FROM timers WHERE kind = 'task_ladder'"},
  };
}

namespace repo {

const store::Table<pb::Item>& Items() {
  static const store::Table<pb::Item> table(
      "items", "item",
      {{"tenant", [](const pb::Item& i) -> store::Param { return i.tenant(); }},
       {"state", [](const pb::Item& i) -> store::Param { return int64_t{i.state()}; }},
       {"source_type", [](const pb::Item& i) -> store::Param { return int64_t{i.source_type()}; }},
       {"source_ref", [](const pb::Item& i) -> store::Param { return i.source_ref(); }}},
      {{kUnitHasTask, "id IN (SELECT item_id FROM task_units WHERE unit_id = ?)"}});
  return table;
}

const store::Table<pb::Task>& Tasks() {
  static const store::Table<pb::Task> table(
      "tasks", "task",
      {{"item_id", [](const pb::Task& t) -> store::Param { return t.item_id(); }},
       {"tenant", [](const pb::Task& t) -> store::Param { return t.tenant(); }},
       {"lead_unit", [](const pb::Task& t) -> store::Param { return t.lead_unit(); }},
       {"state", [](const pb::Task& t) -> store::Param { return int64_t{t.state()}; }}},
      {{kUnitOnTask, "id IN (SELECT task_id FROM task_units WHERE unit_id = ?)"}});
  return table;
}

const store::Table<pb::Notice>& Notices() {
  static const store::Table<pb::Notice> table(
      "notices", "notice",
      {{"tenant", [](const pb::Notice& n) -> store::Param { return n.tenant(); }},
       {"year",
        [](const pb::Notice& n) -> store::Param {
          return int64_t{std::stoi(n.period().substr(0, 4))};
        }},
       {"period", [](const pb::Notice& n) -> store::Param { return n.period(); }}});
  return table;
}

absl::StatusOr<std::optional<pb::Item>> FindItemBySource(store::Tx& tx, int source_type,
                                                         const std::string& source_ref) {
  return Items().Find(tx, cond::All({cond::Eq("source_type", int64_t{source_type}),
                                     cond::Eq("source_ref", source_ref)}));
}

absl::StatusOr<bool> UnitHasTask(store::Tx& tx, const std::string& item_id,
                                 const std::string& unit) {
  auto rows = tx.Query("SELECT 1 FROM task_units WHERE item_id = ? AND unit_id = ? LIMIT 1",
                       {item_id, unit});
  if (!rows.ok()) return rows.status();  // an error is an error, not "no"
  return !rows->empty();
}

absl::Status InsertTask(store::Tx& tx, const pb::Task& t) {
  if (auto s = Tasks().Insert(tx, t); !s.ok()) return s;
  return SetTaskUnits(tx, t);
}

absl::Status SetTaskUnits(store::Tx& tx, const pb::Task& t) {
  auto del = tx.Exec("DELETE FROM task_units WHERE task_id = ?", {t.id()});
  if (!del.ok()) return del.status();
  std::vector<std::string> units{t.lead_unit()};
  units.insert(units.end(), t.co_units().begin(), t.co_units().end());
  for (const auto& u : units) {
    auto s = tx.Exec("INSERT INTO task_units (task_id, item_id, unit_id) VALUES (?, ?, ?)",
                     {t.id(), t.item_id(), u});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Task>> TasksOfItem(store::Tx& tx, const std::string& item_id) {
  return Tasks().All(tx, cond::Eq("item_id", item_id));
}

absl::StatusOr<std::vector<pb::Task>> TasksOfTenant(store::Tx& tx, const std::string& tenant) {
  return Tasks().All(tx, cond::Eq("tenant", tenant));
}

absl::StatusOr<std::map<std::string, std::string>> ItemTitles(store::Tx& tx,
                                                              const std::string& tenant) {
  auto items = Items().All(tx, cond::Eq("tenant", tenant));
  if (!items.ok()) return items.status();
  std::map<std::string, std::string> out;
  for (const auto& it : *items) out[it.id()] = PublicTitle(it);  // a notice is read by all
  return out;
}

absl::StatusOr<std::vector<pb::Notice>> NoticesOfPeriod(store::Tx& tx, const std::string& tenant,
                                                        const std::string& period) {
  return Notices().All(tx, cond::All({cond::Eq("tenant", tenant), cond::Eq("period", period)}));
}

absl::StatusOr<int64_t> NextNoticeNumber(store::Tx& tx, const std::string& tenant, int year) {
  return store::NextNumber(tx, tenant, "notice", year, [&]() {
    return Notices().Count(
        tx, cond::All({cond::Eq("tenant", tenant), cond::Eq("year", int64_t{year})}));
  });
}

absl::StatusOr<int64_t> RedCardsSince(store::Tx& tx, const std::string& unit, int64_t since_ms) {
  return store::CountFired(tx, kLadderTimers, "red", unit, kFired, since_ms);
}

}  // namespace repo
}  // namespace zs::supervision

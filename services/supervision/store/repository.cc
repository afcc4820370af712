#include "store/repository.h"

#include "store/proto_rows.h"

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
  };
}

namespace repo {
namespace {

std::string InTenants(const Scope& scope, std::vector<store::Param>& params, const char* column) {
  std::string sql = std::string(column) + " IN (";
  for (size_t i = 0; i < scope.tenants.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.emplace_back(scope.tenants[i]);
  }
  return sql + ")";
}

}  // namespace

absl::StatusOr<pb::Item> GetItem(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM items WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("item " + id + " not found");
  return store::ParseStored<pb::Item>((*rows)[0].Text(0), "item " + id);
}

absl::StatusOr<std::optional<pb::Item>> FindItemBySource(store::Tx& tx, int source_type,
                                                         const std::string& source_ref) {
  auto rows = tx.Query("SELECT data FROM items WHERE source_type = ? AND source_ref = ?",
                       {int64_t{source_type}, source_ref});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<pb::Item>();
  auto item = store::ParseStored<pb::Item>((*rows)[0].Text(0), "item");
  if (!item.ok()) return item.status();
  return std::optional<pb::Item>(std::move(*item));
}

absl::Status InsertItem(store::Tx& tx, const pb::Item& item) {
  auto r = tx.Exec(
      "INSERT INTO items (id, tenant, state, source_type, source_ref, data) VALUES (?, ?, ?, ?, ?, "
      "?)",
      {item.id(), item.tenant(), int64_t{item.state()}, int64_t{item.source_type()},
       item.source_ref(), store::Blob{item.SerializeAsString()}});
  if (absl::IsAlreadyExists(r.status())) {
    return absl::AlreadyExistsError("an item for source " + item.source_ref() + " already exists");
  }
  return r.status();
}

absl::Status UpdateItem(store::Tx& tx, const pb::Item& item) {
  auto n = tx.Exec("UPDATE items SET state = ?, data = ? WHERE id = ?",
                   {int64_t{item.state()}, store::Blob{item.SerializeAsString()}, item.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("item " + item.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Item>>> ListItems(store::Tx& tx,
                                                                    const Scope& scope,
                                                                    pb::ItemState state,
                                                                    int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql = "SELECT seq, data FROM items WHERE " + InTenants(scope, params, "tenant");
  if (!scope.only_unit.empty()) {
    sql += " AND id IN (SELECT item_id FROM task_units WHERE unit_id = ?)";
    params.emplace_back(scope.only_unit);
  }
  if (state != pb::ITEM_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.emplace_back(int64_t{state});
  }
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Item>(tx.Query(sql, params), "item");
}

absl::StatusOr<bool> UnitHasTask(store::Tx& tx, const std::string& item_id,
                                 const std::string& unit) {
  auto rows = tx.Query("SELECT 1 FROM task_units WHERE item_id = ? AND unit_id = ? LIMIT 1",
                       {item_id, unit});
  if (!rows.ok()) return rows.status();  // an error is an error, not "no"
  return !rows->empty();
}

absl::StatusOr<pb::Task> GetTask(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM tasks WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("task " + id + " not found");
  return store::ParseStored<pb::Task>((*rows)[0].Text(0), "task " + id);
}

absl::Status InsertTask(store::Tx& tx, const pb::Task& t) {
  auto r = tx.Exec(
      "INSERT INTO tasks (id, item_id, tenant, lead_unit, state, data) VALUES (?, ?, ?, ?, ?, ?)",
      {t.id(), t.item_id(), t.tenant(), t.lead_unit(), int64_t{t.state()},
       store::Blob{t.SerializeAsString()}});
  if (!r.ok()) return r.status();
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

absl::Status UpdateTask(store::Tx& tx, const pb::Task& t) {
  auto n = tx.Exec("UPDATE tasks SET state = ?, lead_unit = ?, data = ? WHERE id = ?",
                   {int64_t{t.state()}, t.lead_unit(), store::Blob{t.SerializeAsString()}, t.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("task " + t.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Task>> TasksOfItem(store::Tx& tx, const std::string& item_id) {
  auto rows = store::ParseSeqRows<pb::Task>(
      tx.Query("SELECT seq, data FROM tasks WHERE item_id = ? ORDER BY seq", {item_id}), "task");
  if (!rows.ok()) return rows.status();
  std::vector<pb::Task> out;
  for (auto& [seq, t] : *rows) out.push_back(std::move(t));
  return out;
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Task>>> ListTasks(store::Tx& tx,
                                                                    const Scope& scope,
                                                                    const std::string& item_id,
                                                                    pb::TaskState state,
                                                                    int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql = "SELECT seq, data FROM tasks WHERE " + InTenants(scope, params, "tenant");
  if (!scope.only_unit.empty()) {
    sql += " AND id IN (SELECT task_id FROM task_units WHERE unit_id = ?)";
    params.emplace_back(scope.only_unit);
  }
  if (!item_id.empty()) {
    sql += " AND item_id = ?";
    params.emplace_back(item_id);
  }
  if (state != pb::TASK_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.emplace_back(int64_t{state});
  }
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Task>(tx.Query(sql, params), "task");
}

absl::Status ScheduleTimers(store::Tx& tx, const std::string& task_id,
                            const std::vector<Timer>& timers, bool reassigned) {
  if (reassigned) {
    auto kept = tx.Exec(
        "UPDATE task_timers SET rung = rung || '#' || CAST(fired_at AS TEXT)"
        " WHERE task_id = ? AND fired_at IS NOT NULL AND instr(rung, '#') = 0",
        {task_id});
    if (!kept.ok()) return kept.status();
  }
  auto del = tx.Exec("DELETE FROM task_timers WHERE task_id = ? AND fired_at IS NULL", {task_id});
  if (!del.ok()) return del.status();
  for (const auto& t : timers) {
    auto r = tx.Exec(
        "INSERT INTO task_timers (task_id, rung, fire_at) VALUES (?, ?, ?) "
        "ON CONFLICT (task_id, rung) DO NOTHING",
        {t.task_id, t.rung, t.fire_at_ms});
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Timer>> DueTimers(store::Tx& tx, int64_t now_ms, int limit) {
  auto rows = tx.Query(
      "SELECT task_id, rung, fire_at FROM task_timers WHERE fired_at IS NULL AND fire_at <= ? "
      "ORDER BY fire_at LIMIT ?",
      {now_ms, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<Timer> out;
  for (const auto& r : *rows) out.push_back({r.Text(0), r.Text(1), r.Int(2)});
  return out;
}

absl::StatusOr<bool> ClaimTimer(store::Tx& tx, const Timer& t, int64_t now_ms,
                                const std::string& outcome) {
  auto n = tx.Exec(
      "UPDATE task_timers SET fired_at = ?, outcome = ?, unit_id = "
      "(SELECT lead_unit FROM tasks WHERE id = ?) "
      "WHERE task_id = ? AND rung = ? AND fired_at IS NULL",
      {now_ms, outcome, t.task_id, t.task_id, t.rung});
  if (!n.ok()) return n.status();
  return *n == 1;
}

absl::StatusOr<std::vector<pb::Task>> TasksOfTenant(store::Tx& tx, const std::string& tenant) {
  auto rows = store::ParseSeqRows<pb::Task>(
      tx.Query("SELECT seq, data FROM tasks WHERE tenant = ? ORDER BY seq", {tenant}), "task");
  if (!rows.ok()) return rows.status();
  std::vector<pb::Task> out;
  for (auto& [seq, t] : *rows) out.push_back(std::move(t));
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ItemTitles(store::Tx& tx,
                                                              const std::string& tenant) {
  auto rows = store::ParseSeqRows<pb::Item>(
      tx.Query("SELECT seq, data FROM items WHERE tenant = ?", {tenant}), "item");
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (auto& [seq, it] : *rows) out[it.id()] = PublicTitle(it);  // a notice is read by all
  return out;
}

absl::Status InsertNotice(store::Tx& tx, const pb::Notice& n) {
  return tx
      .Exec("INSERT INTO notices (id, tenant, year, period, data) VALUES (?, ?, ?, ?, ?)",
            {n.id(), n.tenant(), int64_t{std::stoi(n.period().substr(0, 4))}, n.period(),
             store::Blob{n.SerializeAsString()}})
      .status();
}

absl::StatusOr<pb::Notice> GetNotice(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM notices WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("notice " + id + " not found");
  return store::ParseStored<pb::Notice>((*rows)[0].Text(0), "notice " + id);
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Notice>>> ListNotices(store::Tx& tx,
                                                                        const Scope& scope,
                                                                        int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql = "SELECT seq, data FROM notices WHERE " + InTenants(scope, params, "tenant");
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Notice>(tx.Query(sql, params), "notice");
}

absl::StatusOr<int64_t> NoticesInYear(store::Tx& tx, const std::string& tenant, int year) {
  auto rows = tx.Query("SELECT COUNT(*) FROM notices WHERE tenant = ? AND year = ?",
                       {tenant, int64_t{year}});
  if (!rows.ok()) return rows.status();
  return (*rows)[0].Int(0);
}

absl::StatusOr<std::vector<pb::Notice>> NoticesOfPeriod(store::Tx& tx, const std::string& tenant,
                                                        const std::string& period) {
  auto rows = store::ParseSeqRows<pb::Notice>(
      tx.Query("SELECT seq, data FROM notices WHERE tenant = ? AND period = ? ORDER BY seq",
               {tenant, period}),
      "notice");
  if (!rows.ok()) return rows.status();
  std::vector<pb::Notice> out;
  for (auto& [seq, n] : *rows) out.push_back(std::move(n));
  return out;
}

absl::StatusOr<int64_t> RedCardsSince(store::Tx& tx, const std::string& unit, int64_t since_ms) {
  auto rows = tx.Query(
      "SELECT COUNT(*) FROM task_timers WHERE unit_id = ? AND (rung = 'red' OR rung LIKE 'red#%')"
      " AND outcome = 'fired' "
      "AND fired_at >= ?",
      {unit, since_ms});
  if (!rows.ok()) return rows.status();
  return (*rows)[0].Int(0);
}

}  // namespace repo

}  // namespace zs::supervision

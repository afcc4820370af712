#include "store/timers.h"

namespace zs::store {

std::vector<Migration> TimerMigrations() {
  return {{1, "timers",
           "CREATE TABLE timers ("
           " kind TEXT NOT NULL,"
           " owner TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " fire_at INTEGER NOT NULL,"
           " fired_at INTEGER,"
           " outcome TEXT,"
           " tag TEXT NOT NULL DEFAULT '',"
           " tenant TEXT NOT NULL DEFAULT '',"
           " PRIMARY KEY (kind, owner, name));"
           "CREATE INDEX timers_due ON timers (kind, fire_at) WHERE fired_at IS NULL;"
           "CREATE INDEX timers_fired ON timers (kind, name, tag, fired_at) WHERE fired_at IS NOT "
           "NULL"}};
}

absl::Status ScheduleTimers(Tx& tx, const std::string& kind, const std::string& owner,
                            const std::vector<Timer>& timers, bool rearm) {
  if (rearm) {
    auto moved = tx.Exec(
        "UPDATE timers SET name = name || '#' || fired_at"
        " WHERE kind = ? AND owner = ? AND fired_at IS NOT NULL AND instr(name, '#') = 0",
        {kind, owner});
    if (!moved.ok()) return moved.status();
  }
  auto cleared = tx.Exec("DELETE FROM timers WHERE kind = ? AND owner = ? AND fired_at IS NULL",
                         {kind, owner});
  if (!cleared.ok()) return cleared.status();
  for (const auto& t : timers) {
    // A timer that already fired under this name keeps its row (it does not fire twice).
    auto n = tx.Exec(
        "INSERT INTO timers (kind, owner, name, fire_at, tag, tenant) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, owner, name) DO NOTHING",
        {kind, owner, t.name, t.fire_at_ms, t.tag, t.tenant});
    if (!n.ok()) return n.status();
  }
  return absl::OkStatus();
}

absl::Status CancelTimers(Tx& tx, const std::string& kind, const std::string& owner,
                          const std::string& name) {
  std::string sql = "DELETE FROM timers WHERE kind = ? AND owner = ? AND fired_at IS NULL";
  std::vector<Param> params{kind, owner};
  if (!name.empty()) {
    sql += " AND name = ?";
    params.emplace_back(name);
  }
  return tx.Exec(sql, params).status();
}

absl::StatusOr<std::vector<Timer>> DueTimers(Tx& tx, const std::string& kind, int64_t now_ms,
                                             int limit) {
  auto rows = tx.Query(
      "SELECT owner, name, fire_at, tag, tenant FROM timers"
      " WHERE kind = ? AND fired_at IS NULL AND fire_at <= ? ORDER BY fire_at LIMIT ?",
      {kind, now_ms, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<Timer> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) {
    out.push_back({kind, r.Text(0), r.Text(1), r.Int(2), r.Text(3), r.Text(4)});
  }
  return out;
}

absl::StatusOr<bool> ClaimTimer(Tx& tx, const Timer& t, int64_t now_ms,
                                const std::string& outcome) {
  auto n = tx.Exec(
      "UPDATE timers SET fired_at = ?, outcome = ?"
      " WHERE kind = ? AND owner = ? AND name = ? AND fire_at = ? AND fired_at IS NULL",
      {now_ms, outcome, t.kind, t.owner, t.name, t.fire_at_ms});
  if (!n.ok()) return n.status();
  return *n == 1;
}

absl::StatusOr<int64_t> CountFired(Tx& tx, const std::string& kind, const std::string& name,
                                   const std::string& tag, const std::string& outcome,
                                   int64_t since_ms) {
  auto rows = tx.Query(
      "SELECT COUNT(*) FROM timers WHERE kind = ? AND (name = ? OR name LIKE ? || '#%')"
      " AND tag = ? AND outcome = ? AND fired_at >= ?",
      {kind, name, name, tag, outcome, since_ms});
  if (!rows.ok()) return rows.status();
  return (*rows)[0].Int(0);
}

}  // namespace zs::store

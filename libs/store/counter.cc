#include "store/counter.h"

namespace zs::store {

std::vector<Migration> CounterMigrations() {
  return {{1, "counters",
           "CREATE TABLE counters ("
           " tenant TEXT NOT NULL,"
           " series TEXT NOT NULL,"
           " year INTEGER NOT NULL,"
           " value INTEGER NOT NULL,"
           " PRIMARY KEY (tenant, series, year))"}};
}

absl::StatusOr<int64_t> NextNumber(Tx& tx, const std::string& tenant, const std::string& series,
                                   int year, const std::function<absl::StatusOr<int64_t>()>& seed) {
  auto rows = tx.Query("SELECT value FROM counters WHERE tenant = ? AND series = ? AND year = ?",
                       {tenant, series, int64_t{year}});
  if (!rows.ok()) return rows.status();
  int64_t next = 1;
  if (!rows->empty()) {
    next = (*rows)[0].Int(0) + 1;
  } else if (seed) {
    auto given = seed();
    if (!given.ok()) return given.status();
    next = *given + 1;
  }
  auto n = tx.Exec(
      "INSERT INTO counters (tenant, series, year, value) VALUES (?, ?, ?, ?)"
      " ON CONFLICT (tenant, series, year) DO UPDATE SET value = excluded.value",
      {tenant, series, int64_t{year}, next});
  if (!n.ok()) return n.status();
  return next;
}

}  // namespace zs::store

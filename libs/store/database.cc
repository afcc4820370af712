#include "store/database.h"

#include <future>

namespace zs::store {

int64_t Row::Int(size_t i) const {
  const auto& v = values_.at(i);
  if (const auto* n = std::get_if<int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  const auto& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return kEmpty;
}

absl::Status Database::Write(TxFn fn) {
  std::promise<absl::Status> promise;
  auto future = promise.get_future();
  Submit(std::move(fn), [&promise](absl::Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

absl::Status Migrate(Database& db, const std::string& component,
                     const std::vector<Migration>& migrations) {
  absl::Status s = db.Write([](Tx& tx) {
    return tx
        .Exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
            " PRIMARY KEY (component, version))")
        .status();
  });
  if (!s.ok()) return s;
  for (const auto& m : migrations) {
    s = db.Write([&](Tx& tx) -> absl::Status {
      auto rows = tx.Query("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?",
                           {component, int64_t{m.version}});
      if (!rows.ok()) return rows.status();
      if (!rows->empty()) return absl::OkStatus();
      size_t start = 0;
      while (start < m.sql.size()) {
        size_t end = m.sql.find(';', start);
        if (end == std::string::npos) end = m.sql.size();
        const std::string stmt = m.sql.substr(start, end - start);
        start = end + 1;
        if (stmt.find_first_not_of(" \t\r\n") == std::string::npos) continue;
        auto r = tx.Exec(stmt);
        if (!r.ok()) {
          return absl::Status(r.status().code(), component + " migration " +
                                                     std::to_string(m.version) + " (" + m.name +
                                                     "): " + std::string(r.status().message()));
        }
      }
      return tx
          .Exec("INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)",
                {component, int64_t{m.version}, m.name})
          .status();
    });
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace zs::store

#pragma once

// For tests of code that runs on a service's database: a real SQLite file in a fresh temporary
// folder, with the shared tables (timers, counters) migrated, removed again at the end.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/counter.h"
#include "store/database.h"
#include "store/timers.h"

namespace zs::store::testing {

class TempDatabase {
 public:
  TempDatabase() {
    std::string pattern = (std::filesystem::temp_directory_path() / "zs-db-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    auto db = OpenSqlite({(dir_ / "test.db").string()});
    if (!db.ok()) throw std::runtime_error(std::string(db.status().message()));
    db_ = std::move(*db);
    for (auto& [component, list] : std::vector<std::pair<std::string, std::vector<Migration>>>{
             {"timers", TimerMigrations()}, {"counters", CounterMigrations()}}) {
      if (auto s = Migrate(*db_, component, list); !s.ok()) {
        throw std::runtime_error(std::string(s.message()));
      }
    }
  }
  ~TempDatabase() {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  Database& db() { return *db_; }
  const std::filesystem::path& dir() const { return dir_; }

  // The first column of the first row of a query (`fallback` when there is no row or it fails).
  int64_t Int(const std::string& sql, const std::vector<Param>& params = {},
              int64_t fallback = -1) {
    int64_t out = fallback;
    auto s = db_->Read([&](Tx& tx) -> absl::Status {
      auto rows = tx.Query(sql, params);
      if (!rows.ok()) return rows.status();
      if (!rows->empty()) out = (*rows)[0].Int(0);
      return absl::OkStatus();
    });
    return s.ok() ? out : fallback;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace zs::store::testing

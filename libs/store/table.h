#pragma once

// Tables of proto-backed resources: a message stored whole in a `data` column, the columns that
// queries filter on copied beside it, a `seq` for keyset paging and a `version` for optimistic
// concurrency. One definition per resource gives get (NOT_FOUND naming the resource), insert
// (ALREADY_EXISTS naming it), update (checked against the version read), keyset pages and
// conditional selects rendered from a cond::Cond.
//
// The table's schema is the service's migration; it must have the columns
//   seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data BLOB NOT NULL,
//   version INTEGER NOT NULL DEFAULT -1
// and one column per Column given. A version of -1 marks a row written before versions were
// stored; any update may replace it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/condition.h"
#include "store/database.h"
#include "store/proto_rows.h"

namespace zs::store {

// Renders `c` as a SQL condition, appending its parameters. `relations` maps a kRelated name to a
// SQL fragment with one `?` for the key, e.g. "id IN (SELECT item_id FROM task_units WHERE
// unit_id = ?)". INVALID_ARGUMENT for a relation the table does not know.
absl::StatusOr<std::string> ToSql(const cond::Cond& c,
                                  const std::map<std::string, std::string>& relations,
                                  std::vector<Param>& params);

// A page of (seq, resource) rows, newest first, and whether more follow.
template <typename T>
using SeqRows = std::vector<std::pair<int64_t, T>>;

template <typename T>
class Table {
 public:
  struct Column {
    std::string name;
    std::function<Param(const T&)> get;
  };

  // `kind` names the resource in messages ("report", "task").
  Table(std::string table, std::string kind, std::vector<Column> columns,
        std::map<std::string, std::string> relations = {})
      : table_(std::move(table)),
        kind_(std::move(kind)),
        columns_(std::move(columns)),
        relations_(std::move(relations)) {}

  const std::string& kind() const { return kind_; }
  const std::string& name() const { return table_; }

  absl::StatusOr<T> Get(Tx& tx, const std::string& id) const {
    auto rows = tx.Query("SELECT data FROM " + table_ + " WHERE id = ?", {id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::NotFoundError(kind_ + " " + id + " not found");
    return ParseStored<T>((*rows)[0].Text(0), kind_ + " " + id);
  }

  // The first row matching `where` in seq order, if any.
  absl::StatusOr<std::optional<T>> Find(Tx& tx, const cond::Cond& where) const {
    auto rows = Select(tx, where, "ORDER BY seq LIMIT 1");
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<T>();
    return std::optional<T>(std::move(rows->front().second));
  }

  absl::Status Insert(Tx& tx, const T& msg) const {
    std::string sql = "INSERT INTO " + table_ + " (id, version, data";
    std::string values = "?, ?, ?";
    std::vector<Param> params{msg.id(), int64_t{msg.version()}, Blob{msg.SerializeAsString()}};
    for (const auto& c : columns_) {
      sql += ", " + c.name;
      values += ", ?";
      params.push_back(c.get(msg));
    }
    auto r = tx.Exec(sql + ") VALUES (" + values + ")", params);
    if (absl::IsAlreadyExists(r.status())) {
      return absl::AlreadyExistsError(kind_ + " " + msg.id() + " already exists (" +
                                      std::string(r.status().message()) + ")");
    }
    return r.status();
  }

  // Saves `msg`, which was read at `read_version`: ABORTED when someone changed the row since
  // (its stored version differs), NOT_FOUND when it is gone.
  absl::Status Update(Tx& tx, const T& msg, int64_t read_version) const {
    std::string sql = "UPDATE " + table_ + " SET version = ?, data = ?";
    std::vector<Param> params{int64_t{msg.version()}, Blob{msg.SerializeAsString()}};
    for (const auto& c : columns_) {
      sql += ", " + c.name + " = ?";
      params.push_back(c.get(msg));
    }
    sql += " WHERE id = ? AND (version = ? OR version = -1)";
    params.emplace_back(msg.id());
    params.emplace_back(read_version);
    auto n = tx.Exec(sql, params);
    if (!n.ok()) return n.status();
    if (*n == 1) return absl::OkStatus();
    auto exists = tx.Query("SELECT version FROM " + table_ + " WHERE id = ?", {msg.id()});
    if (!exists.ok()) return exists.status();
    if (exists->empty()) return absl::NotFoundError(kind_ + " " + msg.id() + " not found");
    return absl::AbortedError(kind_ + " " + msg.id() + " was changed by someone else (version " +
                              std::to_string((*exists)[0].Int(0)) + ", read " +
                              std::to_string(read_version) + "); read it again");
  }
  // Saves a resource changed in the same transaction it was read in.
  absl::Status Update(Tx& tx, const T& msg) const { return Update(tx, msg, msg.version() - 1); }

  // A keyset page, newest first: rows matching `where` with seq below `after` (0: from the
  // newest), up to `limit` + 1 so the caller can tell whether another page follows.
  absl::StatusOr<SeqRows<T>> Page(Tx& tx, const cond::Cond& where, int64_t after, int limit) const {
    cond::Cond c = after > 0 ? cond::All({where, SeqBelow(after)}) : where;
    return Select(tx, c, "ORDER BY seq DESC LIMIT " + std::to_string(limit + 1));
  }

  // Every row matching `where`, oldest first.
  absl::StatusOr<std::vector<T>> All(Tx& tx, const cond::Cond& where) const {
    auto rows = Select(tx, where, "ORDER BY seq");
    if (!rows.ok()) return rows.status();
    std::vector<T> out;
    out.reserve(rows->size());
    for (auto& r : *rows) out.push_back(std::move(r.second));
    return out;
  }

  absl::StatusOr<int64_t> Count(Tx& tx, const cond::Cond& where) const {
    std::vector<Param> params;
    auto sql = ToSql(where, relations_, params);
    if (!sql.ok()) return sql.status();
    auto rows = tx.Query("SELECT COUNT(*) FROM " + table_ + " WHERE " + *sql, params);
    if (!rows.ok()) return rows.status();
    return (*rows)[0].Int(0);
  }

 private:
  static cond::Cond SeqBelow(int64_t after) {
    return {cond::Cond::Op::kRelated, "$seq_below", {after}, {}};
  }

  absl::StatusOr<SeqRows<T>> Select(Tx& tx, const cond::Cond& where,
                                    const std::string& tail) const {
    std::vector<Param> params;
    auto relations = relations_;
    relations["$seq_below"] = "seq < ?";
    auto sql = ToSql(where, relations, params);
    if (!sql.ok()) return sql.status();
    return ParseSeqRows<T>(
        tx.Query("SELECT seq, data FROM " + table_ + " WHERE " + *sql + " " + tail, params), kind_);
  }

  std::string table_;
  std::string kind_;
  std::vector<Column> columns_;
  std::map<std::string, std::string> relations_;
};

}  // namespace zs::store

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zs::store {

// Binary data, bound as a BLOB (bytea on PostgreSQL) rather than text.
struct Blob {
  std::string bytes;
};

// A statement parameter. SQL uses positional `?` placeholders; a PostgreSQL implementation
// rewrites them to $n, so statements stay portable.
using Param = std::variant<std::nullptr_t, int64_t, double, std::string, Blob>;

// One result row; columns are addressed by position in the SELECT list.
class Row {
 public:
  using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  // The integer value; 0 for NULL.
  int64_t Int(size_t i) const;
  // The text or blob bytes; empty for NULL.
  const std::string& Text(size_t i) const;
  size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

// A transaction in progress. Only valid inside the function it is passed to.
class Tx {
 public:
  virtual ~Tx() = default;
  // Runs one statement; returns the number of rows it changed.
  virtual absl::StatusOr<int64_t> Exec(std::string_view sql,
                                       const std::vector<Param>& params = {}) = 0;
  virtual absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                                 const std::vector<Param>& params = {}) = 0;
};

// The body of a transaction. Returning a non-OK status rolls back everything it wrote.
using TxFn = std::function<absl::Status(Tx&)>;

// A service's database. Thread-safe.
//
// Writes are serialised through one writer and group-committed: write transactions submitted
// concurrently share one BEGIN..COMMIT (one fsync), each isolated in its own savepoint so a failing
// one rolls back alone. `done` runs after the commit is durable (or failed), on the writer thread;
// it must be quick and must not call back into Write.
class Database {
 public:
  virtual ~Database() = default;

  // Runs `fn` in a read-only snapshot transaction on a pooled reader connection.
  virtual absl::Status Read(const TxFn& fn) = 0;

  // Queues a write transaction; `done` receives its outcome once durable.
  virtual void Submit(TxFn fn, std::function<void(absl::Status)> done) = 0;

  // Submit and wait for the outcome.
  absl::Status Write(TxFn fn);

  // `fn` runs on the writer thread after every successful commit (e.g. to wake the outbox relay).
  virtual void AddCommitListener(std::function<void()> fn) = 0;

  // What one group commit took, for metrics: how many write transactions it carried, the time of
  // the whole batch (from BEGIN to the end of COMMIT) and of the COMMIT alone (the fsync).
  struct BatchStats {
    int transactions = 0;
    double batch_seconds = 0;
    double commit_seconds = 0;
    bool committed = false;  // false: every transaction failed, or the commit did
  };
  // `fn` runs on the writer thread after every batch; it must be quick.
  virtual void AddBatchObserver(std::function<void(const BatchStats&)> fn) = 0;

  // Stops the writer after draining queued writes. Later submissions fail with UNAVAILABLE.
  virtual void Close() = 0;
};

// A schema change. Migrations of one component apply in version order, each in its own
// transaction, and are recorded in schema_migrations so each applies once.
struct Migration {
  int version;
  std::string name;
  std::string sql;  // one or more statements separated by ';'
};

struct SqliteOptions {
  std::string path;  // database file; its directory must exist
  int busy_timeout_ms = 10000;
  int max_batch = 256;              // most write transactions sharing one commit
  int readers = 4;                  // size of the reader connection pool
  int autocheckpoint_pages = 8000;  // the writer's own checkpoint, after the background backfill
  int wal_limit_frames = 65536;     // past this many WAL frames (~256 MiB) the WAL is emptied
  bool quick_check = true;          // run PRAGMA quick_check when opening
};

// Opens (creating if needed) a SQLite database in WAL mode with synchronous=FULL. Refuses, with
// FAILED_PRECONDITION naming the file, a database it could not serve: one that cannot be opened,
// is read-only (file mode, read-only volume) or cannot take the write lock, or (with
// `quick_check`) fails PRAGMA quick_check because a page is damaged.
absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options);

// Applies the not-yet-applied migrations of `component`.
absl::Status Migrate(Database& db, const std::string& component,
                     const std::vector<Migration>& migrations);

}  // namespace zs::store

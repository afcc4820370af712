// SQLite implementation of store::Database: one writer connection fed by a group-commit queue,
// and a pool of reader connections (WAL lets readers run beside the writer).
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <deque>
#include <thread>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "store/database.h"

namespace zs::store {
namespace {

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  switch (extended) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return absl::AlreadyExistsError(msg);  // the row is there already
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(msg);  // what it refers to is not there
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return absl::UnavailableError(msg);
    case SQLITE_CONSTRAINT:  // NOT NULL, CHECK, ...: a bug in the statement, not the caller's
    default:
      return absl::InternalError(msg);
  }
}

// One open connection with a cache of prepared statements. Used by one thread at a time.
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }

  static absl::StatusOr<std::unique_ptr<Connection>> Open(const SqliteOptions& o, bool writer) {
    auto c = std::unique_ptr<Connection>(new Connection());
    const int flags = (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(o.path.c_str(), &c->db_, flags, nullptr);
    if (rc != SQLITE_OK) return SqliteError(c->db_, rc, "open " + o.path);
    sqlite3_busy_timeout(c->db_, o.busy_timeout_ms);
    // Reads through a memory map instead of read() calls; a larger page cache.
    for (const char* pragma : {"PRAGMA mmap_size=268435456", "PRAGMA cache_size=-65536"}) {
      if (auto s = c->Simple(pragma); !s.ok()) return s;
    }
    if (writer) {
      // The heavy copying of checkpoints runs on its own thread (see SqliteDatabase); the writer's
      // own automatic checkpoint then only has the last few frames left, and lets the WAL restart.
      const std::string autocheckpoint =
          "PRAGMA wal_autocheckpoint=" + std::to_string(o.autocheckpoint_pages);
      auto mode = c->Query("PRAGMA journal_mode=WAL", {});
      if (!mode.ok()) return mode.status();
      if (mode->empty() || (*mode)[0].Text(0) != "wal") {
        return absl::FailedPreconditionError("cannot switch to WAL mode (journal_mode is '" +
                                             (mode->empty() ? "" : (*mode)[0].Text(0)) + "')");
      }
      for (const char* pragma :
           {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", autocheckpoint.c_str()}) {
        if (auto s = c->Simple(pragma); !s.ok()) return s;
      }
    }
    return c;
  }

  // True when SQLite could only open the file for reading (file mode, read-only mount).
  bool ReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

  absl::Status Simple(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(nullptr, rc, std::string(sql) + ": " + msg);
    }
    return absl::OkStatus();
  }

  // Runs a WAL checkpoint in `mode` (SQLITE_CHECKPOINT_*); returns the frames left in the WAL log.
  absl::StatusOr<int> Checkpoint(int mode) {
    int log = 0, backfilled = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, mode, &log, &backfilled);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) return SqliteError(db_, rc, "checkpoint");
    return log;
  }

  // Like Simple() for one statement, but through the prepared-statement cache (hot paths).
  absl::Status Run(std::string_view sql) { return Exec(sql, {}).status(); }

  absl::StatusOr<sqlite3_stmt*> Prepare(std::string_view sql, const std::vector<Param>& params) {
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      stmt = it->second;
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
      cache_.emplace(std::string(sql), stmt);
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            } else {
              return sqlite3_bind_blob64(stmt, idx, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
    }
    return stmt;
  }

  absl::StatusOr<int64_t> Exec(std::string_view sql, const std::vector<Param>& params) {
    auto stmt = Prepare(sql, params);
    if (!stmt.ok()) return stmt.status();
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(*stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "exec");
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  absl::StatusOr<std::vector<Row>> Query(std::string_view sql, const std::vector<Param>& params) {
    auto stmt = Prepare(sql, params);
    if (!stmt.ok()) return stmt.status();
    std::vector<Row> rows;
    int rc;
    const int ncol = sqlite3_column_count(*stmt);
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
      std::vector<Row::Value> values;
      values.reserve(ncol);
      for (int c = 0; c < ncol; ++c) {
        switch (sqlite3_column_type(*stmt, c)) {
          case SQLITE_NULL:
            values.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(*stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(*stmt, c));
            break;
          default: {
            const void* data = sqlite3_column_blob(*stmt, c);
            const int n = sqlite3_column_bytes(*stmt, c);
            values.emplace_back(std::string(static_cast<const char*>(data), n));
          }
        }
      }
      rows.emplace_back(std::move(values));
    }
    sqlite3_reset(*stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "query");
    return rows;
  }

 private:
  Connection() = default;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class ConnectionTx final : public Tx {
 public:
  explicit ConnectionTx(Connection& c) : c_(c) {}
  absl::StatusOr<int64_t> Exec(std::string_view sql, const std::vector<Param>& params) override {
    return c_.Exec(sql, params);
  }
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                         const std::vector<Param>& params) override {
    return c_.Query(sql, params);
  }

 private:
  Connection& c_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(SqliteOptions o, std::unique_ptr<Connection> writer,
                 std::unique_ptr<Connection> checkpointer)
      : options_(std::move(o)),
        writer_conn_(std::move(writer)),
        checkpoint_conn_(std::move(checkpointer)) {
    writer_thread_ = std::thread([this] { WriterLoop(); });
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }

  ~SqliteDatabase() override { Close(); }

  absl::Status Read(const TxFn& fn) override ABSL_LOCKS_EXCLUDED(readers_mu_) {
    std::unique_ptr<Connection> conn;
    {
      absl::MutexLock lock(&readers_mu_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) {
      auto opened = Connection::Open(options_, /*writer=*/false);
      if (!opened.ok()) return opened.status();
      conn = std::move(*opened);
    }
    absl::Status s = conn->Simple("BEGIN");
    if (s.ok()) {
      ConnectionTx tx(*conn);
      s = fn(tx);
      absl::Status end = conn->Simple("COMMIT");
      if (s.ok()) s = end;
    }
    absl::MutexLock lock(&readers_mu_);
    if (static_cast<int>(readers_.size()) < options_.readers) readers_.push_back(std::move(conn));
    return s;
  }

  void Submit(TxFn fn, std::function<void(absl::Status)> done) override ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (!closed_) {
        queue_.push_back(Job{std::move(fn), std::move(done)});
        cv_.Signal();
        return;
      }
    }
    done(absl::UnavailableError("database is closed"));
  }

  void AddCommitListener(std::function<void()> fn) override ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    listeners_.push_back(std::move(fn));
  }

  void AddBatchObserver(std::function<void(const BatchStats&)> fn) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    observers_.push_back(std::move(fn));
  }

  void Close() override ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      closed_ = true;
      cv_.SignalAll();
      cv_checkpoint_.SignalAll();
    }
    if (writer_thread_.joinable()) writer_thread_.join();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    // A last full checkpoint leaves a compact database file behind.
    (void)checkpoint_conn_->Simple("PRAGMA wal_checkpoint(TRUNCATE)");
  }

 private:
  struct Job {
    TxFn fn;
    std::function<void(absl::Status)> done;
  };

  // Copies committed WAL pages into the database file in the background (PASSIVE: never blocks),
  // so the writer's automatic checkpoint after a commit has almost nothing left to copy and the
  // WAL restarts from its beginning at the next write. Should readers keep the WAL from restarting
  // until it passes options_.wal_limit_frames, a TRUNCATE checkpoint holds new write transactions
  // for the moment readers need to finish, and empties it: the WAL stays bounded.
  void CheckpointLoop() ABSL_LOCKS_EXCLUDED(mu_) {
    while (WaitForCheckpointTurn()) {
      auto frames = checkpoint_conn_->Checkpoint(SQLITE_CHECKPOINT_PASSIVE);
      if (!frames.ok()) {
        spdlog::warn("store: checkpoint: {}", frames.status().ToString());
      } else if (*frames > options_.wal_limit_frames) {
        auto t = checkpoint_conn_->Checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
        if (!t.ok()) spdlog::warn("store: truncating checkpoint: {}", t.status().ToString());
      }
    }
  }

  // Waits 200 ms, or less when the database is closed meanwhile; false once it is closed.
  bool WaitForCheckpointTurn() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + absl::Milliseconds(200);
    while (!closed_) {
      if (cv_checkpoint_.WaitWithDeadline(&mu_, deadline)) break;  // the 200 ms are up
    }
    return !closed_;
  }

  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_) {
    for (;;) {
      std::vector<Job> batch;
      std::vector<std::function<void()>> listeners;
      std::vector<std::function<void(const BatchStats&)>> observers;
      {
        absl::MutexLock lock(&mu_);
        while (!closed_ && queue_.empty()) cv_.Wait(&mu_);
        if (queue_.empty()) return;  // closed and drained
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        listeners = listeners_;
        observers = observers_;
      }
      const auto start = std::chrono::steady_clock::now();
      RunBatch(batch);
      if (!observers.empty()) {
        last_batch_.transactions = static_cast<int>(batch.size());
        last_batch_.batch_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (auto& o : observers) o(last_batch_);
      }
      if (committed_any_) {
        for (auto& l : listeners) l();
      }
    }
  }

  void RunBatch(std::vector<Job>& batch) {
    committed_any_ = false;
    last_batch_ = BatchStats();
    Connection& c = *writer_conn_;
    absl::Status begin = c.Run("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto& j : batch) j.done(begin);
      return;
    }
    std::vector<absl::Status> results(batch.size());
    bool any_ok = false;
    ConnectionTx tx(c);
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status s = c.Run("SAVEPOINT job");
      if (s.ok()) {
        s = batch[i].fn(tx);
        if (s.ok()) {
          s = c.Run("RELEASE job");
        } else {
          // Undo this job alone; the batch goes on.
          absl::Status undo = c.Run("ROLLBACK TO job");
          if (undo.ok()) undo = c.Run("RELEASE job");
          if (!undo.ok())
            spdlog::error("store: cannot roll back a failed write: {}", undo.ToString());
        }
      }
      results[i] = s;
      any_ok = any_ok || s.ok();
    }
    const auto commit_start = std::chrono::steady_clock::now();
    absl::Status commit = any_ok ? c.Run("COMMIT") : c.Run("ROLLBACK");
    last_batch_.commit_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
    last_batch_.committed = any_ok && commit.ok();
    if (!commit.ok()) {
      spdlog::error("store: commit failed: {}", commit.ToString());
      (void)c.Simple("ROLLBACK");
      for (auto& r : results) {
        if (r.ok()) r = commit;
      }
    } else {
      committed_any_ = any_ok;
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(results[i]);
  }

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_conn_;      // only touched by writer_thread_
  std::unique_ptr<Connection> checkpoint_conn_;  // only touched by checkpoint_thread_
  bool committed_any_ = false;                   // only touched by writer_thread_
  BatchStats last_batch_;                        // only touched by writer_thread_

  absl::Mutex mu_;
  absl::CondVar cv_;             // signalled when a job is queued or the database closes
  absl::CondVar cv_checkpoint_;  // signalled when the database closes
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> listeners_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void(const BatchStats&)>> observers_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_ ABSL_GUARDED_BY(readers_mu_);

  std::thread writer_thread_;
  std::thread checkpoint_thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options) {
  // Every refusal names the file: the operator has to find it.
  auto refuse = [&](const absl::Status& s) {
    return absl::FailedPreconditionError("database " + options.path + ": " +
                                         std::string(s.message()));
  };
  auto writer = Connection::Open(options, /*writer=*/true);
  if (!writer.ok()) return refuse(writer.status());
  // SQLite quietly falls back to read-only when the file or its volume cannot be written; such a
  // database would answer reads and fail every change, so it is refused here.
  if ((*writer)->ReadOnly()) {
    return refuse(absl::PermissionDeniedError(
        "opened read-only (file mode or read-only volume); the service needs to write it"));
  }
  // Taking the write lock proves the file, its WAL and shared-memory files can be written.
  if (auto s = (*writer)->Simple("BEGIN IMMEDIATE"); !s.ok()) {
    return refuse(absl::Status(s.code(), "cannot be written: " + std::string(s.message())));
  }
  if (auto s = (*writer)->Simple("ROLLBACK"); !s.ok()) return refuse(s);
  if (options.quick_check) {
    auto rows = (*writer)->Query("PRAGMA quick_check(20)", {});
    if (!rows.ok()) return refuse(absl::DataLossError("damaged: " + rows.status().ToString()));
    if (rows->size() != 1 || (*rows)[0].Text(0) != "ok") {
      std::string problems;
      for (const auto& r : *rows) problems += (problems.empty() ? "" : "; ") + r.Text(0);
      return refuse(absl::DataLossError("damaged (PRAGMA quick_check): " + problems));
    }
  }
  auto checkpointer = Connection::Open(options, /*writer=*/true);
  if (!checkpointer.ok()) return refuse(checkpointer.status());
  return std::unique_ptr<Database>(
      new SqliteDatabase(options, std::move(*writer), std::move(*checkpointer)));
}

}  // namespace zs::store

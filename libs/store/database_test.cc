#include "store/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace zs::store {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zs-db-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = *OpenSqlite({(dir_ / "t.db").string()});
    ASSERT_TRUE(
        Migrate(*db_, "test", {{1, "t", "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"}}).ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t Count() {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](Tx& tx) {
                     auto r = tx.Query("SELECT COUNT(*) FROM t");
                     if (!r.ok()) return r.status();
                     n = (*r)[0].Int(0);
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, MigrationsApplyOnce) {
  EXPECT_TRUE(
      Migrate(*db_, "test", {{1, "t", "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"}}).ok());
}

TEST_F(DatabaseTest, FailedWriteRollsBackAloneInAGroupCommit) {
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 50; ++j) {
        const bool fail = (j % 5 == 0);
        absl::Status s = db_->Write([&](Tx& tx) -> absl::Status {
          auto r = tx.Exec("INSERT INTO t (k, v) VALUES (?, ?)",
                           {std::to_string(i) + "/" + std::to_string(j), int64_t{j}});
          if (!r.ok()) return r.status();
          if (fail) return absl::FailedPreconditionError("no");
          return absl::OkStatus();
        });
        (s.ok() ? ok : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 320);
  EXPECT_EQ(failed.load(), 80);
  EXPECT_EQ(Count(), 320);
}

TEST_F(DatabaseTest, ConstraintViolationIsReported) {
  ASSERT_TRUE(
      db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO t VALUES ('a', 1)").status(); }).ok());
  auto s = db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO t VALUES ('a', 2)").status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Count(), 1);
}

// Only a duplicate is ALREADY_EXISTS: a missing referenced row is FAILED_PRECONDITION, and a
// statement breaking NOT NULL is the service's bug (INTERNAL), not the caller's.
TEST_F(DatabaseTest, EachConstraintFailureHasItsOwnCode) {
  ASSERT_TRUE(Migrate(*db_, "test2",
                      {{1, "refs",
                        "CREATE TABLE r (k TEXT NOT NULL REFERENCES t (k), n INTEGER NOT NULL)"}})
                  .ok());
  auto s = db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO r VALUES ('none', 1)").status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  ASSERT_TRUE(
      db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO t VALUES ('a', 1)").status(); }).ok());
  s = db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO r VALUES ('a', NULL)").status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
}

TEST_F(DatabaseTest, DataSurvivesReopen) {
  ASSERT_TRUE(
      db_->Write([](Tx& tx) { return tx.Exec("INSERT INTO t VALUES ('a', 1)").status(); }).ok());
  db_.reset();
  db_ = *OpenSqlite({(dir_ / "t.db").string()});
  EXPECT_EQ(Count(), 1);
}

TEST(SqliteWal, StaysBoundedUnderWritesWithReadersAlwaysActive) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("zs-wal-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SqliteOptions o{(dir / "w.db").string()};
  o.autocheckpoint_pages = 200;
  o.wal_limit_frames = 1000;
  auto db = *OpenSqlite(o);
  ASSERT_TRUE(Migrate(*db, "t", {{1, "t", "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)"}}).ok());
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop) {
        (void)db->Read([](Tx& tx) { return tx.Query("SELECT COUNT(*) FROM t").status(); });
      }
    });
  }
  uintmax_t largest = 0;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(db->Write([&](Tx& tx) {
                    return tx
                        .Exec("INSERT INTO t (k, v) VALUES (?, ?)",
                              {std::to_string(i) + "-" + std::string(40, 'k'),
                               Blob{std::string(2000, 'v')}})
                        .status();
                  }).ok());
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(dir / "w.db-wal", ec));
  }
  stop = true;
  for (auto& t : readers) t.join();
  // Without restarts it would hold every page written (about 50 MB here). Bounded, it stays within
  // a few times the limit even when the machine is busy and checkpoints run late.
  EXPECT_LT(largest, uintmax_t{3 * 1000 * 4200}) << "largest WAL " << largest << " bytes";
  db.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zs::store

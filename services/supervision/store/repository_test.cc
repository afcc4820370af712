// The supervision tables on a real SQLite file: a database of the previous schema (warning ladder
// in task_timers, no versions, notices counted) migrates with its timers, history and numbers.
#include "store/repository.h"

#include <gtest/gtest.h>

#include "store/counter.h"
#include "store/testing.h"
#include "store/timers.h"

namespace zs::supervision {
namespace {

class RepositoryTest : public ::testing::Test {
 protected:
  int64_t Count(const std::string& sql) { return temp_.Int(sql); }

  store::testing::TempDatabase temp_;
  store::Database* db_ = &temp_.db();
};

TEST_F(RepositoryTest, ThePreviousSchemaMigratesWithItsLadderHistoryAndNumbers) {
  // The schema as it was: the first two migrations, and rows written by the previous version.
  const auto all = Migrations();
  ASSERT_TRUE(store::Migrate(*db_, "supervision", {all[0], all[1]}).ok());
  pb::Task task;
  task.set_id("430204-t-1");
  task.set_item_id("430204-s-1");
  task.set_tenant("430204");
  task.set_lead_unit("430204/zjj");
  task.set_version(4);
  ASSERT_TRUE(db_->Write([&](store::Tx& tx) -> absl::Status {
                   auto item = tx.Exec(
                       "INSERT INTO items (id, tenant, state, source_type, source_ref, data)"
                       " VALUES ('430204-s-1', '430204', 1, 1, 'i-1', x'')",
                       {});
                   if (!item.ok()) return item.status();
                   auto t = tx.Exec(
                       "INSERT INTO tasks (id, item_id, tenant, lead_unit, state, data)"
                       " VALUES (?, ?, ?, ?, 1, ?)",
                       {task.id(), task.item_id(), task.tenant(), task.lead_unit(),
                        store::Blob{task.SerializeAsString()}});
                   if (!t.ok()) return t.status();
                   for (const char* sql : {
                            "INSERT INTO task_timers VALUES ('430204-t-1', 'blue', 100, NULL,"
                            " NULL, '')",
                            "INSERT INTO task_timers VALUES ('430204-t-1', 'red', 50, 60,"
                            " 'fired', '430204/zjj')",
                            "INSERT INTO task_timers VALUES ('430204-t-1', 'red#40', 30, 40,"
                            " 'fired', '430204/slj')",
                            "INSERT INTO task_timers VALUES ('430204-t-1', 'yellow', 20, 25,"
                            " 'superseded', '430204/zjj')",
                            "INSERT INTO notices (id, tenant, year, period, data) VALUES"
                            " ('n1', '430204', 2026, '2026-10', x''), ('n2', '430204', 2026,"
                            " '2026-11', x''), ('n3', '430204', 2025, '2025-12', x'')",
                        }) {
                     if (auto r = tx.Exec(sql, {}); !r.ok()) return r.status();
                   }
                   return absl::OkStatus();
                 })
                  .ok());

  ASSERT_TRUE(store::Migrate(*db_, "supervision", all).ok());

  EXPECT_EQ(Count("SELECT COUNT(*) FROM timers WHERE kind = 'task_ladder' AND owner = "
                  "'430204-t-1' AND tenant = '430204'"),
            4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM task_timers"), 4) << "the old name reads on as a view";
  ASSERT_TRUE(db_->Write([&](store::Tx& tx) -> absl::Status {
                   auto due = store::DueTimers(tx, kLadderTimers, 1000, 10);
                   if (!due.ok()) return due.status();
                   EXPECT_EQ(due->size(), 1u) << "only the unfired rung is due";
                   if (due->size() == 1) {
                     EXPECT_EQ((*due)[0].name, "blue");
                     EXPECT_EQ((*due)[0].tag, "430204/zjj") << "tagged with the unit it warns";
                   }
                   // Red cards still count for the unit each one went to, history included.
                   auto zjj = repo::RedCardsSince(tx, "430204/zjj", 0);
                   auto slj = repo::RedCardsSince(tx, "430204/slj", 0);
                   if (!zjj.ok() || !slj.ok()) return absl::InternalError("count");
                   EXPECT_EQ(*zjj, 1);
                   EXPECT_EQ(*slj, 1);
                   // Numbering goes on from the notices published in the year.
                   auto next = repo::NextNoticeNumber(tx, "430204", 2026);
                   if (!next.ok()) return next.status();
                   EXPECT_EQ(*next, 3);
                   // A row of the previous version (version -1) takes any update.
                   pb::Task changed = task;
                   changed.set_state(pb::TASK_STATE_ACCEPTED);
                   changed.set_version(5);
                   return repo::Tasks().Update(tx, changed);
                 })
                  .ok());
  EXPECT_EQ(Count("SELECT version FROM tasks WHERE id = '430204-t-1'"), 5);
}

TEST_F(RepositoryTest, FindingTheItemOfASourceUsesAnIndex) {
  ASSERT_TRUE(store::Migrate(*db_, "supervision", Migrations()).ok());
  std::string plan;
  ASSERT_TRUE(db_->Read([&](store::Tx& tx) -> absl::Status {
                   auto rows = tx.Query(
                       "EXPLAIN QUERY PLAN SELECT seq, data FROM items WHERE"
                       " (source_type = ? AND source_ref = ?) ORDER BY seq LIMIT 1",
                       {int64_t{1}, std::string("i-1")});
                   if (!rows.ok()) return rows.status();
                   for (const auto& r : *rows) plan += r.Text(3) + "\n";
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_NE(plan.find("USING INDEX items_by_source"), std::string::npos) << plan;
  ASSERT_TRUE(db_->Read([&](store::Tx& tx) -> absl::Status {
                   auto found = repo::FindItemBySource(tx, 1, "i-1");
                   if (!found.ok()) return found.status();
                   EXPECT_FALSE(found->has_value());
                   return absl::OkStatus();
                 })
                  .ok());
}

}  // namespace
}  // namespace zs::supervision

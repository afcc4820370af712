#include "store/table.h"

#include <gtest/gtest.h>

#include "core/condition.h"
#include "store/counter.h"
#include "store/testing.h"
#include "store/timers.h"
#include "zhongshu/reporting/v1/reporting.pb.h"

namespace zs::store {
namespace {

using Report = zhongshu::reporting::v1::Report;

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Migrate(*db_, "test",
                        {{1, "reports",
                          "CREATE TABLE reports (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                          " id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL DEFAULT -1,"
                          " tenant TEXT NOT NULL, unit_id TEXT NOT NULL, state INTEGER NOT NULL,"
                          " data BLOB NOT NULL);"
                          "CREATE TABLE marks (report_id TEXT NOT NULL, who TEXT NOT NULL)"}})
                    .ok());
  }

  static Report Make(const std::string& id, const std::string& tenant, const std::string& unit,
                     int state) {
    Report r;
    r.set_id(id);
    r.set_tenant(tenant);
    r.set_unit_id(unit);
    r.set_state(static_cast<zhongshu::reporting::v1::ReportState>(state));
    r.set_version(1);
    return r;
  }

  testing::TempDatabase temp_;
  Database* db_ = &temp_.db();
  const Table<Report> reports_{
      "reports",
      "report",
      {{"tenant", [](const Report& r) -> Param { return r.tenant(); }},
       {"unit_id", [](const Report& r) -> Param { return r.unit_id(); }},
       {"state", [](const Report& r) -> Param { return int64_t{r.state()}; }}},
      {{"marked_by", "id IN (SELECT report_id FROM marks WHERE who = ?)"}}};
};

TEST_F(TableTest, GetInsertUpdateNameTheResourceAndCheckTheVersion) {
  ASSERT_TRUE(
      db_->Write([&](Tx& tx) { return reports_.Insert(tx, Make("r1", "a", "a/x", 1)); }).ok());
  auto dup = db_->Write([&](Tx& tx) { return reports_.Insert(tx, Make("r1", "a", "a/x", 1)); });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("report r1"), std::string::npos) << dup;
  auto missing = db_->Write([&](Tx& tx) { return reports_.Get(tx, "nope").status(); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "report nope not found");

  // A change saved against the version it read succeeds once; a second writer that read the same
  // version is refused rather than overwriting it.
  Report stale;
  ASSERT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                   auto r = reports_.Get(tx, "r1");
                   if (!r.ok()) return r.status();
                   stale = *r;
                   return absl::OkStatus();
                 })
                  .ok());
  Report first = stale;
  first.set_state(zhongshu::reporting::v1::REPORT_STATE_SUBMITTED);
  first.set_version(2);
  ASSERT_TRUE(db_->Write([&](Tx& tx) { return reports_.Update(tx, first, 1); }).ok());
  Report second = stale;
  second.set_title("lost update");
  second.set_version(2);
  auto conflict = db_->Write([&](Tx& tx) { return reports_.Update(tx, second, 1); });
  EXPECT_EQ(conflict.code(), absl::StatusCode::kAborted) << conflict;
  auto gone = db_->Write([&](Tx& tx) { return reports_.Update(tx, Make("r9", "a", "a/x", 1)); });
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
}

TEST_F(TableTest, OneConditionSelectsExactlyTheRowsItMatches) {
  std::vector<Report> all;
  for (int i = 0; i < 24; ++i) {
    all.push_back(Make("r" + std::to_string(i), i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c"),
                       i % 2 ? "u1" : "u2", 1 + i % 4));
  }
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   for (const auto& r : all) {
                     if (auto s = reports_.Insert(tx, r); !s.ok()) return s;
                   }
                   for (const char* id : {"r3", "r4", "r17"}) {
                     auto n = tx.Exec("INSERT INTO marks VALUES (?, 'me')", {std::string(id)});
                     if (!n.ok()) return n.status();
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  auto columns = [](const Report& r) {
    return cond::Columns{[&r](std::string_view c) -> cond::Value {
                           if (c == "tenant") return r.tenant();
                           if (c == "unit_id") return r.unit_id();
                           return int64_t{r.state()};
                         },
                         [&r](std::string_view rel, const cond::Value& key) {
                           return rel == "marked_by" && std::get<std::string>(key) == "me" &&
                                  (r.id() == "r3" || r.id() == "r4" || r.id() == "r17");
                         }};
  };
  const std::vector<cond::Cond> conditions = {
      cond::True(),
      cond::False(),
      cond::In("tenant", {"a", "c"}),
      cond::In("tenant", {}),
      cond::All({cond::In("tenant", {"a", "b"}), cond::Eq("unit_id", "u1")}),
      cond::All({cond::In("tenant", {"a", "b", "c"}),
                 cond::Any({cond::Ne("state", int64_t{2}), cond::Eq("unit_id", "u2")}),
                 cond::Any({cond::Ne("state", int64_t{1}), cond::Related("marked_by", "me")})}),
      cond::Any({cond::Related("marked_by", "me"), cond::Eq("state", int64_t{4})}),
  };
  for (size_t i = 0; i < conditions.size(); ++i) {
    std::vector<std::string> by_sql, by_predicate;
    ASSERT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                     auto rows = reports_.All(tx, conditions[i]);
                     if (!rows.ok()) return rows.status();
                     for (const auto& r : *rows) by_sql.push_back(r.id());
                     return absl::OkStatus();
                   })
                    .ok());
    for (const auto& r : all) {
      if (cond::Matches(conditions[i], columns(r))) by_predicate.push_back(r.id());
    }
    EXPECT_EQ(by_sql, by_predicate) << "condition " << i;
  }
  auto unknown =
      db_->Read([&](Tx& tx) { return reports_.All(tx, cond::Related("nobody", "x")).status(); });
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TableTest, KeysetPagesWalkNewestFirstWithoutGapsOrRepeats) {
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   for (int i = 0; i < 7; ++i) {
                     if (auto s = reports_.Insert(tx, Make("r" + std::to_string(i), "a", "u", 1));
                         !s.ok()) {
                       return s;
                     }
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  std::vector<std::string> seen;
  int64_t cursor = 0;
  for (int page = 0; page < 5; ++page) {
    SeqRows<Report> rows;
    ASSERT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                     auto r = reports_.Page(tx, cond::Eq("tenant", "a"), cursor, 3);
                     if (!r.ok()) return r.status();
                     rows = std::move(*r);
                     return absl::OkStatus();
                   })
                    .ok());
    for (size_t i = 0; i < rows.size() && i < 3; ++i) seen.push_back(rows[i].second.id());
    if (rows.size() <= 3) break;
    cursor = rows[2].first;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"r6", "r5", "r4", "r3", "r2", "r1", "r0"}));
}

TEST_F(TableTest, TimersFireOnceKeepHistoryAndRearm) {
  auto due = [&](int64_t now) {
    std::vector<Timer> out;
    EXPECT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                     auto r = DueTimers(tx, "ladder", now, 10);
                     if (!r.ok()) return r.status();
                     out = *r;
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  };
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   return ScheduleTimers(tx, "ladder", "t1",
                                         {{"ladder", "t1", "blue", 100, "u1", "a"},
                                          {"ladder", "t1", "red", 200, "u1", "a"}});
                 })
                  .ok());
  ASSERT_EQ(due(150).size(), 1u);
  const Timer blue = due(150)[0];
  bool first = false, second = true;
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   auto a = ClaimTimer(tx, blue, 150, "fired");
                   if (!a.ok()) return a.status();
                   first = *a;
                   auto b = ClaimTimer(tx, blue, 151, "fired");
                   if (!b.ok()) return b.status();
                   second = *b;
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_TRUE(first);
  EXPECT_FALSE(second) << "a timer is claimed once";
  // Rescheduling keeps the fired rung fired; rearming moves it to history and fires it again.
  ASSERT_TRUE(
      db_->Write([&](Tx& tx) {
           return ScheduleTimers(tx, "ladder", "t1", {{"ladder", "t1", "blue", 300, "u1", "a"}});
         })
          .ok());
  EXPECT_TRUE(due(1000).empty()) << "blue already fired; red was replaced";
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   return ScheduleTimers(tx, "ladder", "t1",
                                         {{"ladder", "t1", "blue", 300, "u2", "a"}},
                                         /*rearm=*/true);
                 })
                  .ok());
  ASSERT_EQ(due(1000).size(), 1u);
  int64_t fired_for_u1 = 0;
  ASSERT_TRUE(db_->Read([&](Tx& tx) -> absl::Status {
                   auto n = CountFired(tx, "ladder", "blue", "u1", "fired", 0);
                   if (!n.ok()) return n.status();
                   fired_for_u1 = *n;
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(fired_for_u1, 1) << "history still counts for the unit it warned";
  ASSERT_TRUE(db_->Write([&](Tx& tx) { return CancelTimers(tx, "ladder", "t1"); }).ok());
  EXPECT_TRUE(due(1000).empty());
}

TEST_F(TableTest, CountersNumberPerTenantSeriesAndYearAndGiveBackARolledBackNumber) {
  auto next = [&](const std::string& tenant, int year, bool fail = false) {
    int64_t got = 0;
    auto s = db_->Write([&](Tx& tx) -> absl::Status {
      auto n = NextNumber(tx, tenant, "daily", year, [] { return absl::StatusOr<int64_t>(4); });
      if (!n.ok()) return n.status();
      got = *n;
      return fail ? absl::AbortedError("rolled back") : absl::OkStatus();
    });
    return fail ? (s.ok() ? -1 : 0) : got;
  };
  EXPECT_EQ(next("a", 2026), 5) << "seeded with the 4 numbers given before the counter";
  EXPECT_EQ(next("a", 2026), 6);
  EXPECT_EQ(next("a", 2026, /*fail=*/true), 0);
  EXPECT_EQ(next("a", 2026), 7) << "the rolled-back number is given again";
  EXPECT_EQ(next("b", 2026), 5);
  EXPECT_EQ(next("a", 2027), 5);
}

}  // namespace
}  // namespace zs::store

#include "store/repository.h"

#include <gtest/gtest.h>

#include "core/condition.h"
#include "core/time_util.h"
#include "store/testing.h"
#include "store/timers.h"

namespace zs::reporting {
namespace {

class RepositoryTest : public ::testing::Test {
 protected:
  void Write(const std::function<absl::Status(store::Tx&)>& fn) {
    ASSERT_TRUE(db_->Write(fn).ok());
  }
  int64_t Int(const std::string& sql, const std::vector<store::Param>& params = {}) {
    return temp_.Int(sql, params, -99);
  }

  store::testing::TempDatabase temp_;
  store::Database* db_ = &temp_.db();
};

// What was open before the timers is reminded once after the upgrade, at the time the old
// periodic job would have reminded it; what was reminded or settled is not reminded again.
TEST_F(RepositoryTest, TheUpgradeSchedulesWhatTheOldJobsStillOwed) {
  auto all = Migrations();
  ASSERT_TRUE(store::Migrate(*db_, "reporting", {all.begin(), all.begin() + 5}).ok());
  pb::Call call;
  call.set_id("430204-c-1");
  call.set_tenant("430204");
  call.add_unit_ids("430204/qtt");
  call.add_unit_ids("430204/slj");
  call.set_due_date("2026-11-30");
  Write([&](store::Tx& tx) -> absl::Status {
    for (const char* sql : {
             "INSERT INTO emergency_chains VALUES ('open', '430204', 'r2', 1, 0, 1000000, '')",
             "INSERT INTO emergency_chains VALUES ('reminded', '430204', 'r5', 2, 0, 1000, 'r5')",
             "INSERT INTO emergency_chains VALUES ('moved_on', '430204', 'r7', 3, 0, 2000, 'r6')",
             "INSERT INTO emergency_chains VALUES ('closed', '430204', 'r9', 1, 1, 1000, '')",
         }) {
      if (auto n = tx.Exec(sql); !n.ok()) return n.status();
    }
    auto n = tx.Exec(
        "INSERT INTO calls (id, tenant, due_date, settled, data) VALUES (?, ?, ?, 0, ?),"
        " ('430204-c-2', '430204', '2026-11-01', 1, ?)",
        {call.id(), call.tenant(), call.due_date(), store::Blob{call.SerializeAsString()},
         store::Blob{call.SerializeAsString()}});
    return n.status();
  });
  ASSERT_TRUE(store::Migrate(*db_, "reporting", all).ok());
  for (int round = 0; round < 2; ++round) {  // start-up finishes it once, whatever the restarts
    Write([](store::Tx& tx) {
      return repo::FinishUpgrade(tx, std::chrono::hours(4), /*utc_offset_minutes=*/480);
    });
    EXPECT_EQ(Int("SELECT COUNT(*) FROM timers"), 3);
    EXPECT_EQ(Int("SELECT fire_at FROM timers WHERE kind = ? AND owner = 'open' AND name = 'r2'",
                  {std::string(kChainFollowUp)}),
              1000000 + 4 * 3600 * 1000);
    EXPECT_EQ(Int("SELECT fire_at FROM timers WHERE kind = ? AND owner = 'moved_on'"
                  " AND name = 'r7'",
                  {std::string(kChainFollowUp)}),
              2000 + 4 * 3600 * 1000);
    // The start of 2026-12-01 in China.
    EXPECT_EQ(Int("SELECT fire_at FROM timers WHERE kind = ? AND owner = ? AND name = '*'",
                  {std::string(kCallOverdue), call.id()}),
              ToMillis(OverdueFrom(call, 480)));
    EXPECT_EQ(Int("SELECT COUNT(*) FROM calls WHERE units = '|430204/qtt|430204/slj|'"), 2)
        << "every call written before gets its units";
    EXPECT_EQ(Int("SELECT COUNT(*) FROM timers WHERE tag <> ''"), 0);
  }
  // A row written before versions takes any update.
  Write([&](store::Tx& tx) -> absl::Status {
    auto c = repo::Calls().Get(tx, call.id());
    if (!c.ok()) return c.status();
    return repo::Save(tx, repo::Calls(), *c);
  });
  EXPECT_EQ(Int("SELECT version FROM calls WHERE id = ?", {call.id()}), 1);
}

// One definition of who sees what: the SQL the store selects with and the predicate the domain
// evaluates agree on every row.
TEST_F(RepositoryTest, VisibilitySelectsExactlyWhatTheDomainLetsOneRead) {
  ASSERT_TRUE(store::Migrate(*db_, "reporting", Migrations()).ok());
  std::vector<pb::Report> reports;
  std::vector<pb::Call> calls;
  const char* tenants[] = {"430204", "430203", "430200"};
  const char* units[] = {"430204/qtt", "430204/slj", "430203/slj"};
  const char* authors[] = {"wang", "li", "ma"};
  for (int i = 0; i < 54; ++i) {
    pb::Report r;
    r.set_id("r" + std::to_string(i));
    r.set_tenant(tenants[i % 3]);
    r.set_unit_id(units[(i / 3) % 3]);
    r.set_author(authors[(i / 9) % 3]);
    r.set_state(i % 2 ? pb::REPORT_STATE_DRAFT : pb::REPORT_STATE_SUBMITTED);
    r.set_sensitivity((i / 27) % 2 ? pb::SENSITIVITY_NEGATIVE : pb::SENSITIVITY_INTERNAL);
    r.set_version(1);
    reports.push_back(r);
    pb::Call c;
    c.set_id("c" + std::to_string(i));
    c.set_tenant(tenants[i % 3]);
    for (int u = 0; u < 3; ++u) {
      if ((i >> u) & 1) c.add_unit_ids(units[u]);
    }
    c.set_version(1);
    calls.push_back(c);
  }
  Write([&](store::Tx& tx) -> absl::Status {
    for (const auto& r : reports) {
      if (auto s = repo::Reports().Insert(tx, r); !s.ok()) return s;
    }
    for (const auto& c : calls) {
      if (auto s = repo::Calls().Insert(tx, c); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  const std::vector<ReadScope> scopes = {
      {{"430204"}, "430204/qtt", false, "430204/qtt", "wang"},  // a clerk
      {{"430204"}, "430204/slj", false, "430204/slj", "zhou"},  // a unit handler
      {{"430204", "430203"}, "", true, "", "li"},               // an editor
      {{"430200", "430204", "430203"}, "", false, "", "zhao"},  // a supervisor
      {{"430203"}, "", true, "430203/slj", "ma"},               // a county editor
  };
  for (size_t i = 0; i < scopes.size(); ++i) {
    std::vector<std::string> by_sql, by_rule, calls_by_sql, calls_by_rule;
    ASSERT_TRUE(db_->Read([&](store::Tx& tx) -> absl::Status {
                     auto rows = repo::Reports().All(tx, VisibleReports(scopes[i]));
                     if (!rows.ok()) return rows.status();
                     for (const auto& r : *rows) by_sql.push_back(r.id());
                     auto crows = repo::Calls().All(tx, VisibleCalls(scopes[i]));
                     if (!crows.ok()) return crows.status();
                     for (const auto& c : *crows) calls_by_sql.push_back(c.id());
                     return absl::OkStatus();
                   })
                    .ok());
    for (const auto& r : reports) {
      if (MayRead(scopes[i], r)) by_rule.push_back(r.id());
    }
    for (const auto& c : calls) {
      if (MayReadCall(scopes[i], c)) calls_by_rule.push_back(c.id());
    }
    EXPECT_EQ(by_sql, by_rule) << "scope " << i;
    EXPECT_FALSE(by_rule.empty()) << "scope " << i;
    EXPECT_EQ(calls_by_sql, calls_by_rule) << "scope " << i;
  }
}

// ListInstructions: each page reads a bounded number of rows (their reports in one query per
// batch), and walking the tokens finds every visible instruction once, in order.
TEST_F(RepositoryTest, InstructionPagesAreBoundedAndWalkEveryVisibleRow) {
  ASSERT_TRUE(store::Migrate(*db_, "reporting", Migrations()).ok());
  Write([&](store::Tx& tx) -> absl::Status {
    for (int i = 0; i < 40; ++i) {
      pb::Report r;
      r.set_id("r" + std::to_string(i));
      r.set_tenant("430204");
      r.set_version(1);
      if (auto s = repo::Reports().Insert(tx, r); !s.ok()) return s;
      pb::Instruction in;
      in.set_id("i" + std::to_string(i));
      in.set_tenant("430204");
      in.set_report_id(r.id());
      in.set_version(1);
      if (auto s = repo::Instructions().Insert(tx, in); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  // Visible: i0, i1, i2 and i39 — the oldest three lie far behind the newest.
  auto visible = [](const pb::Instruction& in, const pb::Report& r) {
    EXPECT_EQ(in.report_id(), r.id());
    return in.id() == "i39" || in.id() == "i0" || in.id() == "i1" || in.id() == "i2";
  };
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  int64_t cursor = 0;
  for (int call = 0; call < 20; ++call) {
    repo::InstructionPage page;
    ASSERT_TRUE(db_->Read([&](store::Tx& tx) -> absl::Status {
                     auto got = repo::VisibleInstructions(tx, cond::Eq("tenant", "430204"), cursor,
                                                          2, visible);
                     if (!got.ok()) return got.status();
                     page = std::move(*got);
                     return absl::OkStatus();
                   })
                    .ok());
    sizes.push_back(page.instructions.size());
    for (const auto& in : page.instructions) seen.push_back(in.id());
    if (page.next == 0) break;
    cursor = page.next;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"i39", "i2", "i1", "i0"}));
  // 2 rows a batch, 4 batches a page: the first page stops after 8 rows with only i39.
  ASSERT_GE(sizes.size(), 3u);
  EXPECT_EQ(sizes[0], 1u);
  EXPECT_EQ(sizes.back() + sizes[sizes.size() - 2], 3u);
}

}  // namespace
}  // namespace zs::reporting

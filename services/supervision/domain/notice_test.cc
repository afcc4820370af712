#include "domain/notice.h"

#include <gtest/gtest.h>

namespace zs::supervision {
namespace {

CivilDate D(const char* s) { return *ParseDate(s); }

// Noon China time on a date.
google::protobuf::Timestamp At(const char* date) {
  const auto d = D(date);
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  return ToProto(TimePoint(days + std::chrono::hours(4)));
}

class NoticeTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(R"(
tenants: [{code: "430204", name: 区}]
units:
  - {id: "430204/slj", name: 区水利局, tenant: "430204"}
  - {id: "430204/sthj", name: "区生态环境分局 <b>", tenant: "430204"}
)");
  calendar::WorkCalendar cal_ =
      *calendar::WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");

  static pb::Task T(const char* id, const char* unit, const char* due, pb::TaskState state,
                    const char* closed = nullptr) {
    pb::Task t;
    t.set_id(id);
    t.set_item_id("item-1");
    t.set_lead_unit(unit);
    t.set_due_date(due);
    t.set_state(state);
    if (closed) *t.mutable_close_time() = At(closed);
    return t;
  }
};

TEST(ParsePeriod, MonthsAndQuarters) {
  auto m = *ParsePeriod("2026-02");
  EXPECT_EQ(FormatDate(m.end), "2026-02-28");
  auto q = *ParsePeriod("2026-Q4");
  EXPECT_EQ(FormatDate(q.start), "2026-10-01");
  EXPECT_EQ(FormatDate(q.end), "2026-12-31");
  EXPECT_EQ(q.label, "2026年第四季度");
  EXPECT_EQ(FormatDate(ParsePeriod("2026")->end), "2026-12-31");
  for (const char* bad : {"2026-13", "2026-Q5", "26-11", "2026/11", ""}) {
    EXPECT_EQ(ParsePeriod(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(NoticeTest, RatesOverdueAndCards) {
  std::vector<pb::Task> tasks = {
      T("t1", "430204/slj", "2026-11-10", pb::TASK_STATE_CLOSED, "2026-11-09"),  // on time
      T("t2", "430204/slj", "2026-11-20", pb::TASK_STATE_CLOSED, "2026-11-25"),  // late
      T("t3", "430204/sthj", "2026-11-13", pb::TASK_STATE_IN_PROGRESS),          // overdue
      T("t4", "430204/sthj", "2026-12-20", pb::TASK_STATE_ACCEPTED),             // not due yet
  };
  auto* card = tasks[2].add_warnings();
  card->set_rung("red");
  *card->mutable_issue_time() = At("2026-11-20");
  pb::Notice n;
  ComputeNotice(*ParsePeriod("2026-11"), D("2026-12-05"), tasks, {{"item-1", "清水塘水质"}}, org_,
                cal_, 480, &n);
  ASSERT_EQ(n.units_size(), 2);
  const auto& worst = n.units(0);  // the unit with an overdue task comes first
  EXPECT_EQ(worst.unit_id(), "430204/sthj");
  EXPECT_EQ(worst.due(), 1);
  EXPECT_EQ(worst.overdue(), 1);
  EXPECT_EQ(worst.red(), 1);
  const auto& slj = n.units(1);
  EXPECT_EQ(slj.due(), 2);
  EXPECT_EQ(slj.closed(), 2);
  EXPECT_EQ(slj.closed_on_time(), 1);
  EXPECT_DOUBLE_EQ(slj.completion_rate(), 1.0);
  EXPECT_DOUBLE_EQ(slj.on_time_rate(), 0.5);
  ASSERT_EQ(n.overdue_size(), 1);
  EXPECT_EQ(n.overdue(0).task_id(), "t3");
  EXPECT_EQ(n.overdue(0).item_title(), "清水塘水质");
  // 13 Nov (Fri) to 30 Nov (Mon): 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30.
  EXPECT_EQ(n.overdue(0).working_days_overdue(), 11);
}

TEST_F(NoticeTest, RenderingsCarryTheFiguresAndEscapeText) {
  pb::Notice n;
  n.set_title("石峰区委办公室督查通报（2026年11月）");
  n.set_number(3);
  ComputeNotice(*ParsePeriod("2026-11"), D("2026-12-05"),
                {T("t3", "430204/sthj", "2026-11-13", pb::TASK_STATE_IN_PROGRESS)},
                {{"item-1", "a|b <script>"}}, org_, cal_, 480, &n);
  const std::string md = RenderMarkdown(n);
  EXPECT_NE(md.find("# 石峰区委办公室督查通报（2026年11月）"), std::string::npos);
  EXPECT_NE(md.find("第 3 期"), std::string::npos);
  EXPECT_NE(md.find("a\\|b"), std::string::npos) << "a pipe cannot break the table";
  const std::string html = RenderHtml(n);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("a|b &lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("区生态环境分局 &lt;b&gt;"), std::string::npos);
}

TEST(RangePeriod, EndsBeforeItStartsIsRefused) {
  auto p = calendar::RangePeriod("2026-11-30", "2026-11-01", "start_date", "end_date");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("end_date"), std::string::npos);
  EXPECT_TRUE(calendar::RangePeriod("2026-11-01", "2026-11-01", "a", "b").ok());
}

TEST_F(NoticeTest, OneEditionPerPeriodProvisionalWhileItRunsCorrectionsAfter) {
  const auto period = *ParsePeriod("2026-11");
  std::string corrects;
  // While it runs (the last day included): only provisional.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      CheckEdition(period, D("2026-11-30"), {}, false, false, &corrects)));
  EXPECT_TRUE(CheckEdition(period, D("2026-11-30"), {}, true, false, &corrects).ok());
  // Ended: provisional no more; the first final edition; then corrections only.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      CheckEdition(period, D("2026-12-01"), {}, true, false, &corrects)));
  EXPECT_TRUE(absl::IsFailedPrecondition(
      CheckEdition(period, D("2026-12-01"), {}, false, true, &corrects)));
  pb::Notice provisional;
  provisional.set_id("n-p");
  provisional.set_provisional(true);
  EXPECT_TRUE(CheckEdition(period, D("2026-12-01"), {provisional}, false, false, &corrects).ok());
  EXPECT_TRUE(corrects.empty());
  pb::Notice final_edition;
  final_edition.set_id("n-1");
  final_edition.set_number(7);
  auto s =
      CheckEdition(period, D("2026-12-01"), {provisional, final_edition}, false, false, &corrects);
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(s.message().find("n-1"), std::string::npos) << s.message();
  ASSERT_TRUE(
      CheckEdition(period, D("2026-12-01"), {provisional, final_edition}, false, true, &corrects)
          .ok());
  EXPECT_EQ(corrects, "n-1");
}

TEST_F(NoticeTest, CancelledTasksCountNowhere) {
  pb::Notice n;
  ComputeNotice(*ParsePeriod("2026-11"), D("2026-12-10"),
                {T("t1", "430204/slj", "2026-11-10", pb::TASK_STATE_CANCELLED)}, {}, org_, cal_,
                480, &n);
  EXPECT_TRUE(n.units().empty());
  EXPECT_TRUE(n.overdue().empty());
  EXPECT_EQ(n.as_of(), "2026-11-30");
}

}  // namespace
}  // namespace zs::supervision

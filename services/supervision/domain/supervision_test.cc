#include "domain/supervision.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::supervision {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430200", name: 市}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430204/sthj", name: 生态环境分局, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
users:
  - {id: zhang, name: 张书记, tenant: "430204", roles: [leader]}
  - {id: qian, name: 钱市委, tenant: "430200", roles: [leader]}
  - {id: ma, name: 马书记, tenant: "430203", roles: [leader]}
  - {id: zhao, name: 赵督查, tenant: "430204", roles: [supervisor]}
)";

CivilDate D(const char* s) { return *ParseDate(s); }

class SupervisionTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  calendar::WorkCalendar cal_ =
      *calendar::WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");
  Limits limits_;
  TimePoint now_ = FromMillis(1795280400000);
  CivilDate today_ = D("2026-11-22");

  pb::Task Task(pb::TaskState state = pb::TASK_STATE_ASSIGNED) {
    pb::Task t;
    t.set_id("430204-t-1");
    t.set_item_id("430204-s-1");
    t.set_tenant("430204");
    t.set_lead_unit("430204/slj");
    t.add_co_units("430204/sthj");
    t.set_deliverable("水质达标");
    t.set_due_date("2026-12-31");
    t.set_state(state);
    return t;
  }
  static auth::Principal Who(std::string tenant, std::string unit, std::vector<std::string> roles) {
    return auth::Principal{"u", "", std::move(tenant), std::move(unit), std::move(roles)};
  }
};

TEST_F(SupervisionTest, AcceptProgressCompleteVerifyClose) {
  pb::Task t = Task();
  ASSERT_TRUE(Accept(t, now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_ACCEPTED);
  pb::ProgressReport p;
  p.set_percent(40);
  p.set_narrative("已完成管网排查");
  ASSERT_TRUE(AddProgress(t, p, "chen", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_IN_PROGRESS);
  EXPECT_EQ(t.percent(), 40);
  EXPECT_EQ(t.progress(0).author(), "chen");
  ASSERT_TRUE(ReportCompletion(t, "水质达标", {"检测报告.pdf"}, now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_COMPLETION_REPORTED);
  ASSERT_TRUE(Verify(t, true, "", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_CLOSED);
  EXPECT_EQ(t.percent(), 100);
}

TEST_F(SupervisionTest, ReturnedTaskIsHandledAgain) {
  pb::Task t = Task(pb::TASK_STATE_COMPLETION_REPORTED);
  ASSERT_TRUE(Verify(t, false, "检测点位不足", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_RETURNED);
  pb::ProgressReport p;
  p.set_percent(90);
  p.set_narrative("补充检测");
  ASSERT_TRUE(AddProgress(t, p, "chen", now_).ok());
  ASSERT_TRUE(ReportCompletion(t, "补充完成", {}, now_).ok());
}

TEST_F(SupervisionTest, ContestOnlyBeforeAccepting) {
  pb::Task t = Task();
  ASSERT_TRUE(Contest(t, "不属于本单位职责", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_CONTESTED);
  EXPECT_EQ(Accept(t, now_).code(), absl::StatusCode::kFailedPrecondition);
  pb::Task accepted = Task(pb::TASK_STATE_ACCEPTED);
  EXPECT_EQ(Contest(accepted, "x", now_).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SupervisionTest, TransitionsOutOfOrderAreRefused) {
  pb::Task assigned = Task();
  pb::ProgressReport p;
  p.set_percent(10);
  p.set_narrative("x");
  EXPECT_EQ(AddProgress(assigned, p, "c", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReportCompletion(assigned, "x", {}, now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Verify(assigned, true, "", now_).code(), absl::StatusCode::kFailedPrecondition);
  pb::Task closed = Task(pb::TASK_STATE_CLOSED);
  EXPECT_EQ(Accept(closed, now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Verify(closed, true, "", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(assigned.version(), 0) << "refused transitions change nothing";
}

TEST_F(SupervisionTest, ExtensionsBeforeTheDeadlineOnly) {
  pb::Task t = Task(pb::TASK_STATE_ACCEPTED);
  EXPECT_EQ(RequestExtension(t, "2027-01-31", "冬季施工受限", D("2027-01-04"), now_).code(),
            absl::StatusCode::kFailedPrecondition)
      << "after the deadline";
  EXPECT_EQ(RequestExtension(t, "2026-12-30", "x", today_, now_).code(),
            absl::StatusCode::kInvalidArgument)
      << "not later than the due date";
  ASSERT_TRUE(RequestExtension(t, "2027-01-31", "冬季施工受限", today_, now_).ok());
  EXPECT_EQ(RequestExtension(t, "2027-02-28", "x", today_, now_).code(),
            absl::StatusCode::kFailedPrecondition)
      << "one pending at a time";
  ASSERT_TRUE(DecideExtension(t, true, "zhao", "同意", now_).ok());
  EXPECT_EQ(t.due_date(), "2027-01-31");
  EXPECT_EQ(DecideExtension(t, true, "zhao", "", now_).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SupervisionTest, ItemClosesWhenEveryTaskIsClosed) {
  pb::Item item;
  item.set_id("430204-s-1");
  item.set_state(pb::ITEM_STATE_OPEN);
  EXPECT_EQ(CloseItem(item, {}, "x", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      CloseItem(item, {Task(pb::TASK_STATE_CLOSED), Task(pb::TASK_STATE_IN_PROGRESS)}, "x", now_)
          .code(),
      absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(CloseItem(item, {Task(pb::TASK_STATE_CLOSED)}, "已整改到位", now_).ok());
  EXPECT_EQ(item.state(), pb::ITEM_STATE_CLOSED);
  EXPECT_EQ(CloseItem(item, {Task(pb::TASK_STATE_CLOSED)}, "x", now_).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SupervisionTest, TaskValidationNamesTheProblem) {
  auto msg = [&](pb::Task t) {
    return std::string(ValidateNewTask(t, org_, limits_, today_).message());
  };
  EXPECT_TRUE(ValidateNewTask(Task(), org_, limits_, today_).ok());
  pb::Task early = Task();
  early.set_due_date("2026-11-20");
  EXPECT_NE(msg(early).find("task.due_date"), std::string::npos);
  pb::Task unknown = Task();
  unknown.set_lead_unit("430204/nope");
  EXPECT_NE(msg(unknown).find("task.lead_unit"), std::string::npos);
  pb::Task both = Task();
  both.add_co_units("430204/slj");
  EXPECT_NE(msg(both).find("lead unit"), std::string::npos);
  pb::ProgressReport over;
  over.set_percent(120);
  over.set_narrative("x");
  EXPECT_NE(ValidateProgress("t", over, limits_).message().find("report.percent"),
            std::string::npos);
}

TEST_F(SupervisionTest, HandlersSeeTheirUnitsTasksOnly) {
  auto scope = *ScopeFor(org_, Who("430204", "430204/sthj", {"unit_handler"}));
  EXPECT_TRUE(MayReadTask(scope, Task())) << "a co-unit sees the task";
  auto other = *ScopeFor(org_, Who("430203", "430203/slj", {"unit_handler"}));
  EXPECT_FALSE(MayReadTask(other, Task()));
  auto city = *ScopeFor(org_, Who("430200", "", {"leader"}));
  EXPECT_TRUE(MayReadTask(city, Task()));
  EXPECT_TRUE(RequireLeadUnit(Who("430204", "430204/slj", {"unit_handler"}), Task(), "x").ok());
  EXPECT_FALSE(RequireLeadUnit(Who("430204", "430204/sthj", {"unit_handler"}), Task(), "x").ok());
  EXPECT_FALSE(RequireSupervisor(org_, Who("430204", "", {"leader"}), "430204", "x").ok());
  EXPECT_FALSE(RequireSupervisor(org_, Who("430203", "", {"supervisor"}), "430204", "x").ok());
  EXPECT_TRUE(RequireSupervisor(org_, Who("430200", "", {"supervisor"}), "430204", "x").ok());
}

TEST_F(SupervisionTest, LadderDatesFollowWorkingDaysAcrossNationalDay) {
  // Assigned Monday 2026-09-21, due Friday 2026-10-09 (after the National Day break).
  LadderConfig c;
  auto rungs = LadderFor(cal_, c, D("2026-09-21"), D("2026-10-09"));
  std::map<std::string, std::string> at;
  for (const auto& r : rungs) at[r.name] = FormatDate(r.date);
  EXPECT_EQ(at["reminder"], "2026-09-22");
  // Blue leaves three working days (30 Sep, 8 and 9 Oct): it fires on the 29th.
  EXPECT_EQ(at["blue"], "2026-09-29");
  EXPECT_EQ(cal_.WorkingDaysBetween(D("2026-09-29"), D("2026-10-09")), 3);
  // Overdue: the next working day is Saturday the 10th, a make-up working day.
  EXPECT_EQ(at["yellow"], "2026-10-10");
  // Five working days late: 10, 12, 13, 14, 15.
  EXPECT_EQ(at["red"], "2026-10-15");
  EXPECT_FALSE(Superseded("blue", rungs, D("2026-10-09")));
  EXPECT_TRUE(Superseded("blue", rungs, D("2026-10-10"))) << "yellow is due";
  EXPECT_TRUE(Superseded("yellow", rungs, D("2026-10-15"))) << "red is due";
  EXPECT_FALSE(Superseded("red", rungs, D("2027-01-01")));
  EXPECT_FALSE(Superseded("reminder", rungs, D("2026-10-15"))) << "the reminder stands apart";
  EXPECT_TRUE(RungApplies("red", Task(pb::TASK_STATE_IN_PROGRESS)));
  EXPECT_FALSE(RungApplies("red", Task(pb::TASK_STATE_COMPLETION_REPORTED)));
  EXPECT_FALSE(RungApplies("reminder", Task(pb::TASK_STATE_ACCEPTED)));
}

}  // namespace
}  // namespace zs::supervision

namespace zs::supervision {
namespace {

TEST_F(SupervisionTest, MonthlyCadenceWindowsByTheFifth) {
  pb::Cadence c;
  c.set_kind(pb::Cadence::KIND_MONTHLY);
  c.set_day(5);
  // Assigned 2026-09-10, due 2026-12-31: reports due by 5 Oct (a holiday: moved to Thursday the
  // 8th), 5 Nov and 5 Dec (a Saturday: moved to Monday the 7th).
  auto w = ProgressWindows(cal_, c, D("2026-09-10"), D("2026-12-31"));
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].rung, "progress:2026-10");
  EXPECT_EQ(FormatDate(w[0].deadline), "2026-10-08");
  EXPECT_EQ(FormatDate(w[0].fire), "2026-10-09");
  EXPECT_EQ(FormatDate(w[1].after), "2026-10-08");
  EXPECT_EQ(FormatDate(w[1].deadline), "2026-11-05");
  EXPECT_EQ(FormatDate(w[2].deadline), "2026-12-07");

  pb::Task t = Task(pb::TASK_STATE_IN_PROGRESS);
  auto* p = t.add_progress();
  *p->mutable_report_time() = ToProto(FromMillis(1791417600000));  // 2026-10-08 in China
  EXPECT_TRUE(ReportedWithin(t, w[0], 480));
  EXPECT_FALSE(ReportedWithin(t, w[1], 480));
}

TEST_F(SupervisionTest, QuarterlyCadenceAndValidation) {
  pb::Cadence c;
  c.set_kind(pb::Cadence::KIND_QUARTERLY);
  c.set_day(10);
  auto w = ProgressWindows(cal_, c, D("2026-02-03"), D("2026-12-31"));
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].rung, "progress:2026-04");
  EXPECT_EQ(w[2].rung, "progress:2026-10");
  // Saturday 10 October is a make-up working day (调休上班), so the deadline stays on it.
  EXPECT_EQ(FormatDate(w[2].deadline), "2026-10-10");
  c.set_day(31);
  EXPECT_NE(ValidateCadence(c, "item.cadence").message().find("item.cadence.day"),
            std::string::npos);
  EXPECT_TRUE(ProgressWindows(cal_, pb::Cadence(), D("2026-02-03"), D("2026-12-31")).empty());
}

}  // namespace
}  // namespace zs::supervision

namespace zs::supervision {
namespace {

TEST_F(SupervisionTest, RefusedExtensionKeepsTheDueDate) {
  pb::Task t = Task(pb::TASK_STATE_IN_PROGRESS);
  ASSERT_TRUE(RequestExtension(t, "2027-01-31", "材料未到", today_, now_).ok());
  ASSERT_TRUE(DecideExtension(t, false, "zhao", "理由不充分", now_).ok());
  EXPECT_EQ(t.due_date(), "2026-12-31");
  EXPECT_EQ(t.extensions(0).state(), pb::EXTENSION_STATE_REFUSED);
  EXPECT_EQ(t.extensions(0).decision_comment(), "理由不充分");
  // A new request may follow a refusal.
  EXPECT_TRUE(RequestExtension(t, "2027-01-15", "补充说明", today_, now_).ok());
}

TEST_F(SupervisionTest, ReassignOnlyAContestedTask) {
  pb::Task t = Task();
  EXPECT_EQ(Reassign(t, "430204/sthj", {}, now_).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Contest(t, "不属于本单位职责", now_).ok());
  ASSERT_TRUE(Reassign(t, "430204/sthj", {"430204/slj", "430204/sthj"}, now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_ASSIGNED);
  EXPECT_EQ(t.lead_unit(), "430204/sthj");
  ASSERT_EQ(t.co_units_size(), 1) << "the lead is not its own co-unit";
  EXPECT_EQ(t.co_units(0), "430204/slj");
  EXPECT_TRUE(t.contest_reason().empty());
}

pb::Item HandItem(zhongshu::events::v1::SourceType source) {
  pb::Item item;
  item.set_title("为民办实事：老旧小区改造");
  item.set_requirement("年底前完成 12 个小区改造");
  item.set_source_type(source);
  item.set_deadline("2026-12-31");
  return item;
}

// Sources that belong to another service are opened only from that service's events.
TEST_F(SupervisionTest, AHandRegisteredItemCannotClaimAnotherServicesSource) {
  namespace ev = zhongshu::events::v1;
  for (auto source :
       {ev::SOURCE_TYPE_LEADER_INSTRUCTION, ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION,
        ev::SOURCE_TYPE_DOCUMENT_INSTRUCTION, ev::SOURCE_TYPE_OVERDUE_PROPOSAL}) {
    auto s = ValidateNewItem(HandItem(source), limits_, today_);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << source;
    EXPECT_EQ(s.message().rfind("item.source_type", 0), 0u) << s.message();
  }
  for (auto source : {ev::SOURCE_TYPE_LIVELIHOOD_PROJECT, ev::SOURCE_TYPE_WORK_REPORT_TASK,
                      ev::SOURCE_TYPE_OTHER}) {
    EXPECT_TRUE(ValidateNewItem(HandItem(source), limits_, today_).ok()) << source;
  }
}

TEST_F(SupervisionTest, BlankInChineseIsBlank) {
  auto item = HandItem(zhongshu::events::v1::SOURCE_TYPE_OTHER);
  item.set_title("\u3000\u3000");
  auto s = ValidateNewItem(item, limits_, today_);
  EXPECT_EQ(s.message().rfind("item.title", 0), 0u) << s.message();
  item.set_title("改造");
  item.set_requirement("\u00a0\u200b");
  s = ValidateNewItem(item, limits_, today_);
  EXPECT_EQ(s.message().rfind("item.requirement", 0), 0u) << s.message();
}

TEST_F(SupervisionTest, TheInstructingLeaderMustBeALeaderOfTheTenantOrAbove) {
  auto item = HandItem(zhongshu::events::v1::SOURCE_TYPE_LIVELIHOOD_PROJECT);
  item.set_instructing_leader("qian");
  item.set_instructing_leader_name("冒名");
  ASSERT_TRUE(ResolveInstructingLeader(org_, "430204", item).ok());
  EXPECT_EQ(item.instructing_leader_name(), "钱市委");
  for (const char* who : {"ma", "zhao", "nobody"}) {  // a sibling county, not a leader, unknown
    item.set_instructing_leader(who);
    auto s = ResolveInstructingLeader(org_, "430204", item);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << who;
    EXPECT_EQ(s.message().rfind("item.instructing_leader", 0), 0u) << s.message();
  }
}

TEST_F(SupervisionTest, AnItemFromNegativeInformationShowsItsWordsOnlyToThoseWhoMayReadThem) {
  pb::Item item = HandItem(zhongshu::events::v1::SOURCE_TYPE_LEADER_INSTRUCTION);
  item.set_title("关于《某镇干部违规收受礼金》的批示");
  item.set_background("原文");
  item.set_negative(true);
  for (const auto& roles :
       std::vector<std::vector<std::string>>{{"supervisor"}, {"coordinator"}, {"unit_handler"}}) {
    auto scope = ScopeFor(org_, Who("430204", "430204/slj", roles));
    ASSERT_TRUE(scope.ok());
    pb::Item seen = item;
    Redact(*scope, seen);
    EXPECT_EQ(seen.title(), kWithheldTitle) << roles[0];
    EXPECT_EQ(seen.requirement(), kWithheldText);
    EXPECT_TRUE(seen.background().empty());
  }
  auto leader = ScopeFor(org_, Who("430204", "", {"leader"}));
  pb::Item seen = item;
  Redact(*leader, seen);
  EXPECT_EQ(seen.title(), item.title());
  EXPECT_EQ(PublicTitle(item), kWithheldTitle);
  item.set_negative(false);
  EXPECT_EQ(PublicTitle(item), item.title());
}

TEST_F(SupervisionTest, TheOfficeReassignsOrCancelsAnyTaskNotFinished) {
  pb::Task t = Task(pb::TASK_STATE_IN_PROGRESS);
  ASSERT_TRUE(ReassignByOffice(t, "430204/sthj", {"430204/slj"}, "2027-01-15", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_ASSIGNED);
  EXPECT_EQ(t.lead_unit(), "430204/sthj");
  EXPECT_EQ(t.due_date(), "2027-01-15");
  ASSERT_TRUE(CancelTask(t, "重复交办", now_).ok());
  EXPECT_EQ(t.state(), pb::TASK_STATE_CANCELLED);
  EXPECT_FALSE(Outstanding(t));
  EXPECT_FALSE(RungApplies("red", t));
  EXPECT_FALSE(RungApplies("reminder", t));
  EXPECT_TRUE(absl::IsFailedPrecondition(CancelTask(t, "again", now_)));
  EXPECT_TRUE(absl::IsFailedPrecondition(ReassignByOffice(t, "430204/slj", {}, "", now_)));
}

TEST_F(SupervisionTest, AnItemClosesWhenItsTasksAreClosedOrCancelledAndOneIsClosed) {
  pb::Item item;
  item.set_id("430204-s-1");
  item.set_state(pb::ITEM_STATE_OPEN);
  std::vector<pb::Task> tasks{Task(pb::TASK_STATE_CANCELLED)};
  EXPECT_TRUE(absl::IsFailedPrecondition(CloseItem(item, tasks, "反馈", now_)));
  tasks.push_back(Task(pb::TASK_STATE_CLOSED));
  EXPECT_TRUE(CloseItem(item, tasks, "反馈", now_).ok());

  pb::Item other;
  other.set_id("430204-s-2");
  other.set_state(pb::ITEM_STATE_OPEN);
  std::vector<pb::Task> open{Task(pb::TASK_STATE_ACCEPTED), Task(pb::TASK_STATE_CLOSED)};
  auto changed = CancelItem(other, open, "统一部署", now_);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->size(), 1u);
  EXPECT_EQ(open[0].state(), pb::TASK_STATE_CANCELLED);
  EXPECT_EQ(open[1].state(), pb::TASK_STATE_CLOSED);
  EXPECT_EQ(other.state(), pb::ITEM_STATE_CANCELLED);
  EXPECT_TRUE(absl::IsFailedPrecondition(CancelItem(other, open, "again", now_).status()));
}

TEST_F(SupervisionTest, ExtensionsEndWithTheWorkTheyWereAskedFor) {
  pb::Task t = Task(pb::TASK_STATE_ACCEPTED);
  ASSERT_TRUE(RequestExtension(t, "2027-01-31", "汛期施工受限", today_, now_).ok());
  ASSERT_TRUE(ReassignByOffice(t, "430204/sthj", {}, "", now_).ok());
  EXPECT_EQ(t.extensions(0).state(), pb::EXTENSION_STATE_REFUSED);
  EXPECT_TRUE(absl::IsFailedPrecondition(DecideExtension(t, true, "zhao", "", now_)));
  ASSERT_TRUE(RequestExtension(t, "2027-01-31", "重新申请", today_, now_).ok());
  t.set_state(pb::TASK_STATE_CLOSED);
  EXPECT_TRUE(absl::IsFailedPrecondition(DecideExtension(t, true, "zhao", "", now_)));
  EXPECT_EQ(t.due_date(), "2026-12-31") << "a closed task's due date is history";
}

}  // namespace
}  // namespace zs::supervision

namespace zs::supervision {
namespace {

TEST_F(SupervisionTest, ADueTimerFiresSkipsOrIsSupersededAsTheDomainDecides) {
  // Assigned Monday 2026-09-21 (09:00 in China), due Friday 2026-10-09 (see the ladder above).
  pb::Task t = Task(pb::TASK_STATE_IN_PROGRESS);
  t.set_due_date("2026-10-09");
  *t.mutable_assign_time() = ToProto(FromMillis(1789952400000));
  const LadderConfig c;
  const pb::Cadence none;
  auto decide = [&](const pb::Task& task, const char* timer, const char* today) {
    return DecideRung(cal_, c, task, none, timer, D(today), 480);
  };
  auto blue = decide(t, "blue", "2026-09-29");
  EXPECT_EQ(blue.outcome, kFired);
  EXPECT_EQ(blue.card, "blue");
  EXPECT_EQ(blue.working_days, 3);
  EXPECT_EQ(decide(t, "blue", "2026-10-10").outcome, kSuperseded) << "yellow is due already";
  EXPECT_EQ(decide(t, "reminder", "2026-09-22").outcome, kSkipped) << "signed for";
  auto red = decide(t, "red", "2026-10-15");
  EXPECT_EQ(red.outcome, kFired);
  EXPECT_EQ(red.working_days, 5);
  EXPECT_EQ(decide(Task(pb::TASK_STATE_CLOSED), "red", "2026-10-15").outcome, kSkipped);

  IssueCard(t, red, now_);
  ASSERT_EQ(t.warnings_size(), 1);
  EXPECT_EQ(t.warnings(0).unit(), "430204/slj") << "the card goes to the lead unit";
  EXPECT_EQ(t.warnings(0).working_days(), 5);

  // A cadence period is chased only without a progress report in it.
  pb::Cadence monthly;
  monthly.set_kind(pb::Cadence::KIND_MONTHLY);
  monthly.set_day(5);
  pb::Task long_task = t;
  long_task.set_due_date("2026-12-31");
  auto missed = DecideRung(cal_, c, long_task, monthly, "progress:2026-10", D("2026-10-09"), 480);
  EXPECT_TRUE(ChasesProgress("progress:2026-10"));
  EXPECT_EQ(missed.outcome, kFired);
  EXPECT_EQ(missed.card, "missed_progress");
  *long_task.add_progress()->mutable_report_time() = ToProto(FromMillis(1791417600000));
  EXPECT_EQ(
      DecideRung(cal_, c, long_task, monthly, "progress:2026-10", D("2026-10-09"), 480).outcome,
      kSkipped);
}

TEST_F(SupervisionTest, TheThirdRedCardInThePeriodFlagsAFormalTalkOnce) {
  LadderConfig c;
  EXPECT_FALSE(FlagsTalk(c, "red", 2));
  EXPECT_TRUE(FlagsTalk(c, "red", 3));
  EXPECT_FALSE(FlagsTalk(c, "red", 4)) << "flagged once per run of reds";
  EXPECT_FALSE(FlagsTalk(c, "yellow", 3));
  EXPECT_EQ(now_ - TalkPeriodStart(c, now_), std::chrono::hours(24 * 90));
}

TEST_F(SupervisionTest, VisibilityIsOneConditionForListsAndForOneResource) {
  const auto handler = *ScopeFor(org_, Who("430204", "430204/sthj", {"unit_handler"}));
  const auto leader = *ScopeFor(org_, Who("430200", "", {"leader"}));
  pb::Item item;
  item.set_id("430204-s-1");
  item.set_tenant("430204");
  EXPECT_TRUE(MayReadItem(handler, item, /*unit_has_task=*/true));
  EXPECT_FALSE(MayReadItem(handler, item, /*unit_has_task=*/false));
  EXPECT_TRUE(MayReadItem(leader, item, false)) << "the relation is asked of handlers only";
  const cond::Cond c = VisibleItems(handler);
  ASSERT_EQ(c.op, cond::Cond::Op::kAll);
  EXPECT_EQ(c.children[1].column, kUnitHasTask);
  EXPECT_EQ(VisibleTasks(leader).op, cond::Cond::Op::kIn) << "no unit relation for a leader";
  pb::Notice n;
  n.set_tenant("430203");
  EXPECT_FALSE(MayReadNotice(handler, n));
  EXPECT_TRUE(MayReadNotice(leader, n));
}

}  // namespace
}  // namespace zs::supervision

namespace zs::supervision {
namespace {

TEST_F(SupervisionTest, HandRegisteredItemsAndTasksTakeOnlyWhatTheOfficeChooses) {
  pb::Item requested;
  requested.set_title("民生实事");
  requested.set_state(pb::ITEM_STATE_CLOSED);
  requested.set_negative(true);
  requested.set_task_count(7);
  requested.set_feedback_summary("x");
  const pb::Item item = NewItem(requested, "430204-s-9", "430204", now_);
  EXPECT_EQ(item.state(), pb::ITEM_STATE_OPEN);
  EXPECT_FALSE(item.negative()) << "set only when opened from negative information";
  EXPECT_EQ(item.task_count(), 0);
  EXPECT_TRUE(item.feedback_summary().empty());
  EXPECT_EQ(item.priority(), pb::PRIORITY_NORMAL);
  EXPECT_EQ(item.version(), 1);
  EXPECT_TRUE(AcceptsTasks(item).ok());
  pb::Item closed = item;
  closed.set_state(pb::ITEM_STATE_CLOSED);
  EXPECT_EQ(AcceptsTasks(closed).code(), absl::StatusCode::kFailedPrecondition);

  pb::Task in = Task(pb::TASK_STATE_CLOSED);
  in.set_percent(90);
  const pb::Task t = TaskToAssign(in);
  EXPECT_EQ(t.lead_unit(), "430204/slj");
  EXPECT_EQ(t.state(), pb::TASK_STATE_UNSPECIFIED);
  EXPECT_EQ(t.percent(), 0);
}

TEST_F(SupervisionTest, OnlyADecisionOnTheOpenContestReassignsAndTheLeadCannotAssist) {
  pb::Task t = Task();
  ASSERT_TRUE(Contest(t, "不属于我单位职责", now_).ok());
  EXPECT_EQ(ContestedTask(t.contest_ref()), t.id());
  EXPECT_TRUE(AnswersOpenContest(t, t.contest_ref()));
  EXPECT_FALSE(AnswersOpenContest(t, t.id() + "@0")) << "an earlier contest";
  pb::Task office = Task(pb::TASK_STATE_IN_PROGRESS);
  auto s = ReassignByOffice(office, "430204/sthj", {"430204/sthj"}, "", now_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("co_units", 0), 0u) << s;
  ASSERT_TRUE(Reassign(t, "430204/sthj", {"430204/slj"}, now_).ok());
  EXPECT_FALSE(AnswersOpenContest(t, t.contest_ref())) << "answered once";
}

}  // namespace
}  // namespace zs::supervision

#include "domain/reports.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::reporting {
namespace {

using zhongshu::common::v1::LEVEL_CITY;

constexpr char kOrg[] = R"(
tenants:
  - {code: "430000", name: 省}
  - {code: "430200", name: 市, parent: "430000"}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/qtt", name: 清水塘街道, tenant: "430204"}
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
)";

class ReportsTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  Limits limits_;
  TimePoint now_ = FromMillis(1795280400000);  // 2026-11-21T17:00Z, the 22nd in China

  static auth::Principal Who(std::string sub, std::string tenant, std::string unit,
                             std::vector<std::string> roles) {
    return auth::Principal{std::move(sub), "", std::move(tenant), std::move(unit),
                           std::move(roles)};
  }
  pb::Report Report(pb::ReportState state, pb::Sensitivity sens = pb::SENSITIVITY_INTERNAL) {
    pb::Report r;
    r.set_id("430204-r-1");
    r.set_tenant("430204");
    r.set_unit_id("430204/qtt");
    r.set_author("wang");
    r.set_title("t");
    r.set_kind(pb::REPORT_KIND_DYNAMIC);
    r.set_sensitivity(sens);
    r.set_state(state);
    return r;
  }
  bool Sees(const auth::Principal& p, const pb::Report& r) {
    auto scope = ReadScopeFor(org_, p);
    return scope.ok() && MayRead(*scope, r);
  }
};

TEST_F(ReportsTest, LifecycleDraftReturnResubmitAdopt) {
  auto r = Report(pb::REPORT_STATE_DRAFT);
  ASSERT_TRUE(Submit(r, now_).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_SUBMITTED);
  ASSERT_TRUE(Return(r, "add numbers", now_).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_RETURNED);
  EXPECT_EQ(r.return_comment(), "add numbers");
  ASSERT_TRUE(Submit(r, now_).ok());
  ASSERT_TRUE(Adopt(r, LEVEL_CITY, "li", now_).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_ADOPTED);
  EXPECT_EQ(r.adoption_level(), LEVEL_CITY);
  EXPECT_EQ(r.version(), 4);
  EXPECT_TRUE(CheckInstructable(r).ok());
}

TEST_F(ReportsTest, ANewReportTakesWhatTheReporterWroteAndNothingElse) {
  pb::Report want = Report(pb::REPORT_STATE_ADOPTED);
  want.set_author("someone.else");
  want.set_version(9);
  want.set_kind(pb::REPORT_KIND_EMERGENCY);
  want.mutable_emergency()->set_previous_id("430204-r-0");
  want.mutable_emergency()->set_phase(pb::EMERGENCY_PHASE_FINAL);
  want.mutable_emergency()->set_chain_id("forged");
  const pb::Report r = NewReport(want, "430204-r-9", *org_.FindUnit("430204/slj"), "wang", now_);
  EXPECT_EQ(r.state(), pb::REPORT_STATE_DRAFT);
  EXPECT_EQ(r.author(), "wang");
  EXPECT_EQ(r.unit_id(), "430204/slj");
  EXPECT_EQ(r.tenant(), "430204");
  EXPECT_EQ(r.origin_id(), "430204-r-9");
  EXPECT_EQ(r.version(), 1);
  EXPECT_EQ(r.emergency().phase(), pb::EMERGENCY_PHASE_FINAL);
  EXPECT_TRUE(r.emergency().chain_id().empty()) << "stamped on submission";
  want.mutable_emergency()->clear_previous_id();
  EXPECT_EQ(NewReport(want, "x", *org_.FindUnit("430204/slj"), "wang", now_).emergency().phase(),
            pb::EMERGENCY_PHASE_INITIAL);
}

TEST_F(ReportsTest, AnInstructedReportIsNotReturned) {
  const auto r = Report(pb::REPORT_STATE_SUBMITTED);
  EXPECT_TRUE(MayReturn(r, 0).ok());
  EXPECT_EQ(MayReturn(r, 1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ReportsTest, IllegalTransitionsAreFailedPrecondition) {
  auto draft = Report(pb::REPORT_STATE_DRAFT);
  EXPECT_EQ(Adopt(draft, LEVEL_CITY, "li", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Return(draft, "x", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckInstructable(draft).code(), absl::StatusCode::kFailedPrecondition);
  auto adopted = Report(pb::REPORT_STATE_ADOPTED);
  EXPECT_EQ(Submit(adopted, now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Adopt(adopted, LEVEL_CITY, "li", now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApplyUpdate(adopted, pb::Report(), {"title"}, now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(adopted.version(), 0) << "a refused transition changes nothing";
}

TEST_F(ReportsTest, ValidationNamesTheField) {
  pb::Report r = Report(pb::REPORT_STATE_DRAFT);
  r.set_title("  ");
  EXPECT_NE(ValidateNewReport(r, org_, limits_).message().find("report.title"), std::string::npos);
  r.set_title("ok");
  r.set_unit_id("430204/nope");
  EXPECT_NE(ValidateNewReport(r, org_, limits_).message().find("report.unit_id"),
            std::string::npos);
  r.set_unit_id("430204/qtt");
  r.set_body(std::string(limits_.max_body_bytes + 1, 'x'));
  EXPECT_NE(ValidateNewReport(r, org_, limits_).message().find("report.body"), std::string::npos);
  r.set_body("fine");
  r.set_kind(pb::REPORT_KIND_UNSPECIFIED);
  EXPECT_NE(ValidateNewReport(r, org_, limits_).message().find("report.kind"), std::string::npos);
}

TEST_F(ReportsTest, TitleLimitCountsCharactersNotBytes) {
  pb::Report r = Report(pb::REPORT_STATE_DRAFT);
  std::string title;
  for (int i = 0; i < 200; ++i) title += "水";  // 600 bytes, 200 characters
  r.set_title(title);
  EXPECT_TRUE(ValidateNewReport(r, org_, limits_).ok());
  r.set_title(title + "水");
  EXPECT_FALSE(ValidateNewReport(r, org_, limits_).ok());
}

TEST_F(ReportsTest, InstructionValidation) {
  pb::Instruction in;
  in.set_report_id("430204-r-1");
  in.set_text("请水利局、环保局牵头核查");
  in.add_directed_units("430204/slj");
  in.set_due_date("2026-12-31");
  EXPECT_TRUE(ValidateInstruction(in, org_, limits_, now_).ok());
  in.set_due_date("2026-11-21");  // yesterday in China
  EXPECT_NE(ValidateInstruction(in, org_, limits_, now_).message().find("instruction.due_date"),
            std::string::npos);
  in.set_due_date("2026-11-22");
  EXPECT_TRUE(ValidateInstruction(in, org_, limits_, now_).ok());
  in.add_directed_units("430204/slj");
  EXPECT_NE(ValidateInstruction(in, org_, limits_, now_).message().find("named twice"),
            std::string::npos);
  in.clear_directed_units();
  EXPECT_NE(ValidateInstruction(in, org_, limits_, now_).message().find("directed_units"),
            std::string::npos);
}

TEST_F(ReportsTest, ClerkSeesOnlyItsUnit) {
  auto own = Who("zhao", "430204", "430204/qtt", {"clerk"});
  auto other = Who("qian", "430204", "430204/slj", {"clerk"});
  auto r = Report(pb::REPORT_STATE_DRAFT);
  EXPECT_TRUE(Sees(own, r));
  EXPECT_FALSE(Sees(other, r));
  EXPECT_TRUE(MayEdit(own, r).ok());
  EXPECT_EQ(MayEdit(other, r).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ReportsTest, DraftsStayWithTheirUnit) {
  auto editor = Who("li", "430204", "430204/qwb", {"editor"});
  EXPECT_FALSE(Sees(editor, Report(pb::REPORT_STATE_DRAFT)));
  EXPECT_TRUE(Sees(editor, Report(pb::REPORT_STATE_SUBMITTED)));
}

TEST_F(ReportsTest, NegativeInformationOnlyForEditorsLeadersAndItsAuthor) {
  auto r = Report(pb::REPORT_STATE_SUBMITTED, pb::SENSITIVITY_NEGATIVE);
  EXPECT_TRUE(Sees(Who("li", "430204", "430204/qwb", {"editor"}), r));
  EXPECT_TRUE(Sees(Who("zhang", "430204", "430204/qwb", {"leader"}), r));
  EXPECT_TRUE(Sees(Who("wang", "430204", "430204/qtt", {"clerk"}), r)) << "its author";
  EXPECT_FALSE(Sees(Who("zhou", "430204", "430204/qtt", {"clerk"}), r));
  EXPECT_FALSE(Sees(Who("chen", "430204", "430204/qtt", {"unit_handler"}), r));
  EXPECT_FALSE(Sees(Who("zhao", "430204", "430204/qwb", {"supervisor"}), r));
}

TEST_F(ReportsTest, TenantsSeeTheirSubtreeOnly) {
  auto r = Report(pb::REPORT_STATE_SUBMITTED);
  EXPECT_TRUE(Sees(Who("qian", "430200", "", {"editor"}), r)) << "city above the county";
  EXPECT_TRUE(Sees(Who("sheng", "430000", "", {"leader"}), r)) << "province above the city";
  EXPECT_FALSE(Sees(Who("ma", "430203", "430203/slj", {"editor"}), r)) << "a sibling county";
  EXPECT_FALSE(ReadScopeFor(org_, Who("x", "999999", "", {"editor"})).ok());
  EXPECT_FALSE(ReadScopeFor(org_, Who("x", "430204", "", {"proposer"})).ok());
}

TEST_F(ReportsTest, UnitHandlerSeesInstructionsDirectedAtItsUnit) {
  auto handler = Who("chen", "430204", "430204/slj", {"unit_handler"});
  auto scope = *ReadScopeFor(org_, handler);
  pb::Instruction in;
  in.add_directed_units("430204/slj");
  EXPECT_TRUE(MayReadInstruction(scope, handler, in, Report(pb::REPORT_STATE_ADOPTED)));
  EXPECT_FALSE(MayReadInstruction(scope, handler, in,
                                  Report(pb::REPORT_STATE_ADOPTED, pb::SENSITIVITY_NEGATIVE)));
  pb::Instruction elsewhere;
  elsewhere.add_directed_units("430204/qtt");
  EXPECT_FALSE(MayReadInstruction(scope, handler, elsewhere, Report(pb::REPORT_STATE_ADOPTED)));
}

TEST_F(ReportsTest, AnswerIsOnce) {
  pb::Instruction in;
  in.set_state(pb::INSTRUCTION_STATE_OPEN);
  EXPECT_TRUE(Answer(in, "item-1", "done", now_));
  EXPECT_EQ(in.state(), pb::INSTRUCTION_STATE_ANSWERED);
  EXPECT_FALSE(Answer(in, "item-2", "again", now_));
  EXPECT_EQ(in.supervision_item_id(), "item-1");
}

}  // namespace
}  // namespace zs::reporting

namespace zs::reporting {
namespace {

class EmergencyTest : public ReportsTest {
 protected:
  pb::Report Emergency(pb::EmergencyGrade grade, TimePoint learned) {
    pb::Report r = Report(pb::REPORT_STATE_DRAFT);
    r.set_kind(pb::REPORT_KIND_EMERGENCY);
    auto* e = r.mutable_emergency();
    e->set_grade(grade);
    *e->mutable_occurred_at() = ToProto(learned - std::chrono::minutes(10));
    *e->mutable_learned_at() = ToProto(learned);
    return r;
  }
  EmergencyClocks clocks_;
};

TEST_F(EmergencyTest, ClocksPerGradeLateAndOnTime) {
  const TimePoint learned = now_;
  struct Case {
    pb::EmergencyGrade grade;
    int on_time_minutes;
    int late_minutes;
  };
  for (const Case& c :
       {Case{pb::EMERGENCY_GRADE_I, 30, 31}, Case{pb::EMERGENCY_GRADE_II, 30, 31},
        Case{pb::EMERGENCY_GRADE_III, 60, 61}, Case{pb::EMERGENCY_GRADE_IV, 360, 361}}) {
    FakeClock clock(learned);
    pb::Report r = Emergency(c.grade, learned);
    clock.Advance(std::chrono::minutes(c.on_time_minutes));
    pb::Report on_time = r;
    StampSubmission(on_time, nullptr, clock.Now(), clocks_);
    EXPECT_FALSE(on_time.emergency().late()) << pb::EmergencyGrade_Name(c.grade);
    clock.Advance(std::chrono::minutes(c.late_minutes - c.on_time_minutes));
    pb::Report late = r;
    StampSubmission(late, nullptr, clock.Now(), clocks_);
    EXPECT_TRUE(late.emergency().late()) << pb::EmergencyGrade_Name(c.grade);
    EXPECT_EQ(late.emergency().written_limit_minutes(), c.on_time_minutes);
    EXPECT_EQ(late.emergency().phase(), pb::EMERGENCY_PHASE_INITIAL);
    EXPECT_EQ(late.emergency().chain_id(), late.id());
  }
}

TEST_F(EmergencyTest, ValidationNamesTheField) {
  pb::Report r = Emergency(pb::EMERGENCY_GRADE_III, now_);
  EXPECT_TRUE(ValidateEmergency(r, now_).ok());
  pb::Report no_grade = r;
  no_grade.mutable_emergency()->clear_grade();
  EXPECT_NE(ValidateEmergency(no_grade, now_).message().find("report.emergency.grade"),
            std::string::npos);
  pb::Report no_time = r;
  no_time.mutable_emergency()->clear_occurred_at();
  EXPECT_NE(ValidateEmergency(no_time, now_).message().find("report.emergency.occurred_at"),
            std::string::npos);
  pb::Report future = r;
  *future.mutable_emergency()->mutable_occurred_at() = ToProto(now_ + std::chrono::hours(1));
  EXPECT_FALSE(ValidateEmergency(future, now_).ok());
  pb::Report missing_part = r;
  missing_part.clear_emergency();
  EXPECT_NE(ValidateEmergency(missing_part, now_).message().find("report.emergency"),
            std::string::npos);
  pb::Report not_emergency = r;
  not_emergency.set_kind(pb::REPORT_KIND_DYNAMIC);
  EXPECT_FALSE(ValidateEmergency(not_emergency, now_).ok());
  pb::Report final_without_previous = r;
  final_without_previous.mutable_emergency()->set_phase(pb::EMERGENCY_PHASE_FINAL);
  EXPECT_NE(ValidateEmergency(final_without_previous, now_).message().find("previous_id"),
            std::string::npos);
}

TEST_F(EmergencyTest, FollowUpsContinueAnOpenChainFromItsLatestReport) {
  ChainState chain{"430204-r-a", "430204-r-b", 1, false, "430204"};
  pb::Report f = Emergency(pb::EMERGENCY_GRADE_II, now_);
  f.mutable_emergency()->set_previous_id("430204-r-b");
  f.mutable_emergency()->set_phase(pb::EMERGENCY_PHASE_FINAL);
  ASSERT_TRUE(CheckFollowUp(f, chain).ok());
  StampSubmission(f, &chain, now_ + std::chrono::hours(30), clocks_);
  EXPECT_EQ(f.emergency().chain_id(), "430204-r-a");
  EXPECT_EQ(f.emergency().sequence(), 2);
  EXPECT_EQ(f.emergency().phase(), pb::EMERGENCY_PHASE_FINAL);
  EXPECT_FALSE(f.emergency().late()) << "only the initial report runs against the clock";
  pb::Report stale = f;
  stale.mutable_emergency()->set_previous_id("430204-r-a");
  EXPECT_EQ(CheckFollowUp(stale, chain).code(), absl::StatusCode::kFailedPrecondition);
  chain.closed = true;
  EXPECT_EQ(CheckFollowUp(f, chain).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace zs::reporting

namespace zs::reporting {
namespace {

class CallTest : public ReportsTest {
 protected:
  pb::Call Call() {
    pb::Call c;
    c.set_id("430204-c-1");
    c.set_topic("今冬明春供水保障情况");
    c.add_unit_ids("430204/slj");
    c.add_unit_ids("430204/qtt");
    c.set_due_date("2026-11-30");
    return c;
  }
};

TEST_F(CallTest, AnswersUnansweredAndOverdue) {
  pb::Call c = Call();
  EXPECT_TRUE(ValidateCall(c, org_, limits_, now_).ok());
  EXPECT_TRUE(MayAnswer(c, "430204/slj").ok());
  EXPECT_EQ(MayAnswer(c, "430203/slj").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(RecordAnswer(c, "430204/slj", "r1", now_));
  EXPECT_FALSE(RecordAnswer(c, "430204/slj", "r2", now_)) << "the first answer counts";
  FillUnanswered(c);
  ASSERT_EQ(c.unanswered_units_size(), 1);
  EXPECT_EQ(c.unanswered_units(0), "430204/qtt");
  EXPECT_TRUE(OverdueUnits(c, *ParseDate("2026-11-30")).empty()) << "due today is not late";
  EXPECT_EQ(OverdueUnits(c, *ParseDate("2026-12-01")), std::vector<std::string>{"430204/qtt"});
  EXPECT_EQ(UnitsToRemind(c, {"430204/slj", "430204/qtt"}), std::vector<std::string>{"430204/qtt"})
      << "a unit that answered is not reminded";
  c.add_reminded_units("430204/qtt");
  EXPECT_TRUE(OverdueUnits(c, *ParseDate("2026-12-01")).empty()) << "reminded once";
  EXPECT_TRUE(UnitsToRemind(c, {"430204/qtt"}).empty()) << "reminded once";
  // Overdue from the start of the day after the due date, in China: 2026-11-30T16:00Z.
  EXPECT_EQ(ToMillis(OverdueFrom(c, 480)), 1796054400000);
  EXPECT_EQ(DateOf(OverdueFrom(c, 480), 480), *ParseDate("2026-12-01"));
  EXPECT_EQ(DateOf(OverdueFrom(c, 480) - std::chrono::milliseconds(1), 480),
            *ParseDate("2026-11-30"));
}

TEST_F(CallTest, ClerksSeeTheCallsThatAskedTheirUnit) {
  pb::Call c = Call();
  c.set_tenant("430204");
  auto asked = *ReadScopeFor(org_, Who("w", "430204", "430204/qtt", {"clerk"}));
  auto other = *ReadScopeFor(org_, Who("x", "430204", "430204/zjj", {"unit_handler"}));
  auto editor = *ReadScopeFor(org_, Who("l", "430204", "", {"editor"}));
  auto sibling = *ReadScopeFor(org_, Who("m", "430203", "", {"editor"}));
  EXPECT_TRUE(MayReadCall(asked, c));
  EXPECT_FALSE(MayReadCall(other, c));
  EXPECT_TRUE(MayReadCall(editor, c));
  EXPECT_FALSE(MayReadCall(sibling, c));
}

TEST_F(CallTest, ValidationNamesTheField) {
  pb::Call c = Call();
  c.set_topic(" ");
  EXPECT_NE(ValidateCall(c, org_, limits_, now_).message().find("call.topic"), std::string::npos);
  c = Call();
  c.add_unit_ids("430204/nosuch");
  EXPECT_NE(ValidateCall(c, org_, limits_, now_).message().find("call.unit_ids"),
            std::string::npos);
  c = Call();
  c.set_due_date("2026-11-01");
  EXPECT_NE(ValidateCall(c, org_, limits_, now_).message().find("call.due_date"),
            std::string::npos);
  c = Call();
  c.clear_unit_ids();
  EXPECT_FALSE(ValidateCall(c, org_, limits_, now_).ok());
}

}  // namespace
}  // namespace zs::reporting

namespace zs::reporting {
namespace {

class BulletinTest : public ReportsTest {
 protected:
  BulletinKinds kinds_ = {{"daily", "每日要情"}, {"special", "信息专报"}, {"express", "快报"}};
  pb::Bulletin Draft() {
    pb::Bulletin b;
    b.set_id("430204-b-1");
    b.set_kind("daily");
    b.set_state(pb::BULLETIN_STATE_DRAFT);
    return b;
  }
};

TEST_F(BulletinTest, OnlyAdoptedReportsGoIntoADraftOnce) {
  pb::Bulletin b = Draft();
  EXPECT_EQ(MayAddItem(b, Report(pb::REPORT_STATE_SUBMITTED)).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(MayAddItem(b, Report(pb::REPORT_STATE_ADOPTED)).ok());
  b.add_items()->set_report_id("430204-r-1");
  EXPECT_EQ(MayAddItem(b, Report(pb::REPORT_STATE_ADOPTED)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(ValidateBulletinKind("weekly", kinds_, "kind").message().find("unknown kind 'weekly'"),
            std::string::npos);
}

TEST_F(BulletinTest, NumberingRestartsEachYearPerKind) {
  pb::Bulletin last_of_2026 = Draft();
  last_of_2026.add_items()->set_report_id("r");
  ASSERT_TRUE(Publish(last_of_2026, 2026, 250, now_).ok());
  EXPECT_EQ(last_of_2026.number(), 250);
  EXPECT_EQ(Publish(last_of_2026, 2026, 251, now_).code(), absl::StatusCode::kFailedPrecondition);
  pb::Bulletin first_of_2027 = Draft();
  first_of_2027.add_items()->set_report_id("r");
  ASSERT_TRUE(Publish(first_of_2027, 2027, 1, now_).ok());
  EXPECT_EQ(first_of_2027.year(), 2027);
  EXPECT_EQ(first_of_2027.number(), 1);
  EXPECT_EQ(BulletinSeries("daily"), "bulletin:daily") << "numbered per kind";
  pb::Bulletin empty = Draft();
  EXPECT_EQ(MayPublish(empty).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Publish(empty, 2027, 1, now_).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(BulletinTest, NegativeItemsAreWithheldFromThoseWhoMayNotSeeThem) {
  pb::Bulletin b = Draft();
  auto* neg = b.add_items();
  neg->set_report_id("n");
  neg->set_sensitivity(pb::SENSITIVITY_NEGATIVE);
  b.add_items()->set_report_id("p");
  auto clerk = *ReadScopeFor(org_, Who("w", "430204", "430204/qtt", {"clerk"}));
  auto editor = *ReadScopeFor(org_, Who("l", "430204", "430204/qtt", {"editor"}));
  const auto for_clerk = VisibleBulletin(b, clerk);
  ASSERT_EQ(for_clerk.items_size(), 1);
  EXPECT_EQ(for_clerk.items(0).report_id(), "p");
  EXPECT_EQ(for_clerk.hidden_items(), 1);
  EXPECT_EQ(VisibleBulletin(b, editor).items_size(), 2);
}

TEST_F(BulletinTest, CompiledWithinItsJurisdictionInstructedOnceItIsOut) {
  pb::Bulletin b = Draft();
  b.set_tenant("430204");
  pb::Report r = Report(pb::REPORT_STATE_ADOPTED);
  EXPECT_TRUE(MayCompile(org_, b, r).ok());
  r.set_tenant("430203");
  EXPECT_NE(MayCompile(org_, b, r).message().find("outside bulletin"), std::string::npos);
  b.add_items()->set_report_id("430204-r-1");
  EXPECT_EQ(MayInstructOn(b, "430204-r-1").code(), absl::StatusCode::kFailedPrecondition)
      << "a draft";
  b.set_state(pb::BULLETIN_STATE_PUBLISHED);
  EXPECT_TRUE(MayInstructOn(b, "430204-r-1").ok());
  EXPECT_NE(MayInstructOn(b, "430204-r-2").message().find("instruction.bulletin_id"),
            std::string::npos);
}

TEST_F(BulletinTest, APublishedIssueEarnsItsKindsPointsPerItem) {
  pb::Bulletin b = Draft();
  b.set_tenant("430200");
  b.set_kind_name("每日要情");
  auto* item = b.add_items();
  item->set_report_id("430204-r-1");
  item->set_unit_id("430204/qtt");
  item->set_sensitivity(pb::SENSITIVITY_NEGATIVE);
  ASSERT_TRUE(Publish(b, 2026, 7, now_).ok());
  PointsTable points;
  const auto rows = BulletinAwards(org_, b, points, now_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].tenant, "430204") << "the unit's tenant, not the bulletin's";
  EXPECT_EQ(rows[0].points, points.bulletin["daily"]);
  EXPECT_EQ(rows[0].reason, "《每日要情》2026年第7期刊用");
  EXPECT_EQ(rows[0].sensitivity, pb::SENSITIVITY_NEGATIVE);
  points.bulletin["daily"] = 0;
  EXPECT_TRUE(BulletinAwards(org_, b, points, now_).empty()) << "no rows for zero points";
}

TEST_F(BulletinTest, DraftsAreTheEditorsAndPublishedIssuesTheSubtrees) {
  pb::Bulletin b = Draft();
  b.set_tenant("430204");
  auto clerk = *ReadScopeFor(org_, Who("w", "430204", "430204/qtt", {"clerk"}));
  auto editor = *ReadScopeFor(org_, Who("l", "430204", "", {"editor"}));
  auto city = *ReadScopeFor(org_, Who("q", "430200", "", {"editor"}));
  auto sibling = *ReadScopeFor(org_, Who("m", "430203", "", {"editor"}));
  EXPECT_FALSE(MayReadBulletin(clerk, b)) << "a draft";
  EXPECT_TRUE(MayReadBulletin(editor, b));
  EXPECT_TRUE(MayReadBulletin(city, b));
  EXPECT_FALSE(MayReadBulletin(sibling, b));
  b.set_state(pb::BULLETIN_STATE_PUBLISHED);
  EXPECT_TRUE(MayReadBulletin(clerk, b));
  EXPECT_FALSE(MayReadBulletin(sibling, b));
}

}  // namespace
}  // namespace zs::reporting

namespace zs::reporting {
namespace {

LedgerRow Entry(const std::string& unit, int points) {
  LedgerRow e;
  e.unit_id = unit;
  e.points = points;
  return e;
}

TEST_F(ReportsTest, PointsAddUpAcrossLevelsAndKinds) {
  PointsTable t;
  // Adopted at county level, in 每日要情, instructed by a county and a city leader.
  std::vector<LedgerRow> entries = {
      Entry("430204/qtt", t.adoption[zhongshu::common::v1::LEVEL_COUNTY]),
      Entry("430204/qtt", t.bulletin["daily"]),
      Entry("430204/qtt", t.instruction[LevelOf(org_, "430204")]),
      Entry("430204/qtt", t.instruction[LevelOf(org_, "430200")])};
  std::vector<const org::Unit*> units = {org_.FindUnit("430204/qtt"), org_.FindUnit("430204/slj")};
  const auto ranks = Rank(entries, units);
  ASSERT_EQ(ranks.size(), 2u);
  EXPECT_EQ(ranks[0].unit_id(), "430204/qtt");
  EXPECT_EQ(ranks[0].points(), 1 + 1 + 2 + 4);
  EXPECT_EQ(ranks[0].entries(), 4);
  EXPECT_EQ(ranks[1].points(), 0) << "units without points are ranked too";
  EXPECT_EQ(LevelOf(org_, "430000"), zhongshu::common::v1::LEVEL_PROVINCE);
}

TEST_F(ReportsTest, AdoptionAndInstructionsEarnPointsByLevel) {
  PointsTable t;
  const auto r = Report(pb::REPORT_STATE_ADOPTED, pb::SENSITIVITY_NEGATIVE);
  const auto adopted = AdoptionAwards(r, LEVEL_CITY, t, now_);
  ASSERT_EQ(adopted.size(), 1u);
  EXPECT_EQ(adopted[0].key, "adopt:" + r.id());
  EXPECT_EQ(adopted[0].reason, "采用（市级）");
  EXPECT_EQ(adopted[0].points, t.adoption[LEVEL_CITY]);
  EXPECT_EQ(adopted[0].sensitivity, pb::SENSITIVITY_NEGATIVE);
  pb::Instruction in;
  in.set_id("430204-i-1");
  const auto instructed = InstructionAwards(org_, in, r, "430000", t, now_);
  ASSERT_EQ(instructed.size(), 1u);
  EXPECT_EQ(instructed[0].reason, "批示（省级领导）");
  EXPECT_EQ(instructed[0].points, t.instruction[zhongshu::common::v1::LEVEL_PROVINCE]);
  t.adoption[LEVEL_CITY] = 0;
  EXPECT_TRUE(AdoptionAwards(r, LEVEL_CITY, t, now_).empty()) << "no row for zero points";
}

TEST_F(ReportsTest, RankingOrderWithTies) {
  auto tree = *org::OrgTree::Parse(R"(
tenants: [{code: "430204"}]
units:
  - {id: "430204/a", name: A, tenant: "430204"}
  - {id: "430204/b", name: B, tenant: "430204"}
  - {id: "430204/c", name: "C, Inc", tenant: "430204"}
  - {id: "430204/d", name: D, tenant: "430204"}
)");
  std::vector<const org::Unit*> units;
  for (const auto& [id, u] : tree.units()) units.push_back(&u);
  const auto ranks =
      Rank({Entry("430204/b", 5), Entry("430204/c", 5), Entry("430204/a", 2), Entry("430204/c", 0)},
           units);
  std::vector<std::pair<std::string, int>> got;
  for (const auto& r : ranks) got.push_back({r.unit_id(), r.rank()});
  EXPECT_EQ(got, (std::vector<std::pair<std::string, int>>{
                     {"430204/b", 1}, {"430204/c", 1}, {"430204/a", 3}, {"430204/d", 4}}));
  const std::string csv = RankingsCsv(ranks);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "rank,unit_id,unit_name,points,entries");
  EXPECT_NE(csv.find("1,430204/c,\"C, Inc\",5,2"), std::string::npos) << csv;
}

TEST_F(ReportsTest, RankingsOfATenantOverAPeriodInLocalDays) {
  const auto editor = Who("l", "430204", "", {"editor"});
  auto q = ResolveRankings(org_, editor, {"2026-11", "", "", ""}, 480);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->tenant, "430204") << "the caller's by default";
  // November in China: from 2026-10-31T16:00Z to 2026-11-30T16:00Z.
  EXPECT_EQ(q->span.from_ms, 1793462400000);
  EXPECT_EQ(q->span.to_ms, 1796054400000);
  auto range = ResolveRankings(org_, editor, {"", "2026-11-01", "2026-11-01", ""}, 0);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->span.to_ms - range->span.from_ms, 24 * 3600 * 1000);
  auto s = ResolveRankings(org_, editor, {"", "2026-11-30", "2026-11-01", ""}, 480).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("end_date"), std::string::npos);
  EXPECT_NE(ResolveRankings(org_, editor, {}, 480).status().message().find("period"),
            std::string::npos);
  EXPECT_EQ(ResolveRankings(org_, editor, {"2026", "", "", "999999"}, 480).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveRankings(org_, editor, {"2026", "", "", "430203"}, 480).status().code(),
            absl::StatusCode::kPermissionDenied)
      << "a sibling county";

  LedgerRow a = Entry("430204/qtt", 3);
  LedgerRow b = Entry("430204/slj", 5);
  LedgerRow gone = Entry("430204/gone", 9);
  const auto resp = Rankings(org_, *q, {a, b, gone});
  EXPECT_EQ(resp.period(), "2026-11");
  ASSERT_EQ(resp.ranks_size(), 2) << "every unit of the tenant, no other";
  EXPECT_EQ(resp.ranks(0).unit_id(), "430204/slj");
  EXPECT_EQ(resp.ranks(1).rank(), 2);
}

TEST_F(ReportsTest, ScoreEntriesOfNegativeInformationAreCountedNotShown) {
  LedgerRow neg = Entry("430204/qtt", 2);
  neg.sensitivity = pb::SENSITIVITY_NEGATIVE;
  const std::vector<LedgerRow> rows = {Entry("430204/qtt", 1), neg};
  auto clerk = *ReadScopeFor(org_, Who("w", "430204", "430204/qtt", {"clerk"}));
  auto editor = *ReadScopeFor(org_, Who("l", "430204", "", {"editor"}));
  EXPECT_EQ(ScoreEntries(rows, clerk).entries_size(), 1);
  EXPECT_EQ(ScoreEntries(rows, clerk).hidden_entries(), 1);
  EXPECT_EQ(ScoreEntries(rows, editor).entries_size(), 2);
  EXPECT_TRUE(
      MayReadScores(org_, Who("w", "430204", "430204/qtt", {"clerk"}), clerk, "430204/qtt").ok());
  EXPECT_EQ(
      MayReadScores(org_, Who("w", "430204", "430204/qtt", {"clerk"}), clerk, "430204/slj").code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(MayReadScores(org_, Who("l", "430204", "", {"editor"}), editor, "430204/slj").ok());
}

}  // namespace
}  // namespace zs::reporting

#include "domain/duty.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::coordination::duty {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430204", name: 石峰区}
  - {code: "430203", name: 芦淞区}
units:
  - {id: "430204/qwb", name: 区委办, tenant: "430204"}
  - {id: "430203/qwb", name: 区委办, tenant: "430203"}
users:
  - {id: zhang.shuji, name: 张书记, tenant: "430204", unit: "430204/qwb", roles: [leader]}
  - {id: liu.quzhang, name: 刘区长, tenant: "430204", unit: "430204/qwb", roles: [leader]}
  - {id: he.zhiban, name: 何值班, tenant: "430204", unit: "430204/qwb", roles: [duty_officer]}
  - {id: luo.zhiban, name: 罗值班, tenant: "430204", unit: "430204/qwb", roles: [duty_officer]}
  - {id: sun.zonghe, name: 孙综合, tenant: "430204", unit: "430204/qwb", roles: [coordinator]}
  - {id: yang.shuji, name: 杨书记, tenant: "430203", unit: "430203/qwb", roles: [leader]}
)";

const org::OrgTree& Org() {
  static const org::OrgTree org = *org::OrgTree::Parse(kOrg);
  return org;
}

const TimePoint kNow = FromMillis(1795395600000);  // 2026-11-23 09:00 China time

TEST(DutyRosterTest, ADayWithoutALeaderIsRefusedNamingTheLeader) {
  auto s = ValidateDutyDay(Org(), "430204", "2026-11-23", "", {"he.zhiban"}, "");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("leader"), std::string::npos) << s;
  EXPECT_NE(s.message().find("without a leader"), std::string::npos) << s;
}

TEST(DutyRosterTest, PeopleMustHoldTheirRoleInTheTenant) {
  EXPECT_TRUE(
      ValidateDutyDay(Org(), "430204", "2026-11-23", "zhang.shuji", {"he.zhiban"}, "").ok());
  // A duty officer is no leader; another tenant's leader is unknown here.
  auto s = ValidateDutyDay(Org(), "430204", "2026-11-23", "he.zhiban", {}, "");
  EXPECT_NE(s.message().find("leader"), std::string::npos) << s;
  s = ValidateDutyDay(Org(), "430204", "2026-11-23", "yang.shuji", {}, "");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  s = ValidateDutyDay(Org(), "430204", "2026-11-23", "zhang.shuji", {"liu.quzhang"}, "");
  EXPECT_NE(s.message().find("officers[0]"), std::string::npos) << s;
  s = ValidateDutyDay(Org(), "430204", "2026-11-23", "zhang.shuji", {"he.zhiban", "he.zhiban"}, "");
  EXPECT_NE(s.message().find("officers[1]"), std::string::npos) << s;
  s = ValidateDutyDay(Org(), "430204", "2026-02-30", "zhang.shuji", {}, "");
  EXPECT_NE(s.message().find("date"), std::string::npos) << s;
}

TEST(DutyRosterTest, ASwapExchangesTheRoleAndIsRecordedOnBothDays) {
  auto a = MakeDutyDay(Org(), "430204", "2026-11-23", "zhang.shuji", {"he.zhiban"}, "",
                       "sun.zonghe", kNow);
  auto b = MakeDutyDay(Org(), "430204", "2026-11-24", "liu.quzhang", {"luo.zhiban"}, "",
                       "sun.zonghe", kNow);
  ASSERT_TRUE(SwapDuty(Org(), a, b, pb::DUTY_ROLE_LEADER, "出差", "sun.zonghe", kNow).ok());
  EXPECT_EQ(a.leader(), "liu.quzhang");
  EXPECT_EQ(a.leader_name(), "刘区长");
  EXPECT_EQ(b.leader(), "zhang.shuji");
  EXPECT_EQ(a.officers(0), "he.zhiban") << "officers stay";
  ASSERT_EQ(a.swaps_size(), 1);
  ASSERT_EQ(b.swaps_size(), 1);
  EXPECT_EQ(a.swaps(0).other_date(), "2026-11-24");
  EXPECT_EQ(a.swaps(0).before(0), "zhang.shuji");
  EXPECT_EQ(a.swaps(0).after(0), "liu.quzhang");
  EXPECT_EQ(b.swaps(0).reason(), "出差");

  ASSERT_TRUE(SwapDuty(Org(), a, b, pb::DUTY_ROLE_OFFICER, "", "sun.zonghe", kNow).ok());
  EXPECT_EQ(a.officers(0), "luo.zhiban");
  EXPECT_EQ(b.officers(0), "he.zhiban");

  auto empty = MakeDutyDay(Org(), "430204", "2026-11-25", "zhang.shuji", {}, "", "x", kNow);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      SwapDuty(Org(), a, empty, pb::DUTY_ROLE_OFFICER, "", "sun.zonghe", kNow)));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateSwap("2026-11-23", "2026-11-23", 1, "")));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateSwap("2026-11-23", "2026-11-24", 0, "")));
  EXPECT_TRUE(ValidateSwap("2026-11-23", "2026-11-24", 2, "").ok());
}

std::map<std::string, Plan> Plans() {
  std::map<std::string, Plan> plans;
  plans["general"] = {"general", "通用预案", "", {}, {{"核实信息", true}, {"续报跟踪", false}}};
  plans["hazmat"] = {"hazmat", "危化品预案", "危化品", {}, {{"疏散群众", true}}};
  plans["hazmat_major"] = {
      "hazmat_major", "危化品重大预案", "危化品", {1, 2}, {{"启动响应", true}}};
  plans["flood"] = {"flood", "防汛预案", "防汛", {}, {{"转移群众", true}}};
  return plans;
}

TEST(DutyPlanTest, TheMostSpecificPlanOfTheTypeAndGradeElseGeneral) {
  const auto plans = Plans();
  EXPECT_TRUE(ValidatePlans(plans).ok());
  EXPECT_EQ(SelectPlan(plans, {"危化品"}, 2).key, "hazmat_major");
  EXPECT_EQ(SelectPlan(plans, {"危化品"}, 3).key, "hazmat");
  EXPECT_EQ(SelectPlan(plans, {"其他", "防汛"}, 4).key, "flood");
  EXPECT_EQ(SelectPlan(plans, {"地震"}, 1).key, "general");
  EXPECT_EQ(SelectPlan(plans, {}, 1).key, "general");
}

TEST(DutyPlanTest, TheGeneralPlanIsRequiredAndNamed) {
  auto plans = Plans();
  plans.erase("general");
  auto s = ValidatePlans(plans);
  EXPECT_NE(s.message().find("duty.plans.general"), std::string::npos) << s;
  plans = Plans();
  plans["flood"].steps.clear();
  s = ValidatePlans(plans);
  EXPECT_NE(s.message().find("duty.plans.flood.steps"), std::string::npos) << s;
  plans = Plans();
  plans["flood"].type = "";
  EXPECT_NE(ValidatePlans(plans).message().find("duty.plans.flood.type"), std::string::npos);
}

AlertPolicy Policy() {
  AlertPolicy p;
  p.ack_limit_ms = 15 * 60000;
  p.ack_limit_by_grade[1] = 5 * 60000;
  p.fallback["430204"] = "he.zhiban";
  p.escalation["430204"] = {"zhang.shuji", "liu.quzhang", "sun.zonghe"};
  return p;
}

TEST(DutyEscalationTest, LimitsPerGradeAndTheLadderInOrderSkippingTheFirst) {
  const auto p = Policy();
  EXPECT_EQ(AckLimitMs(p, 1), 5 * 60000);
  EXPECT_EQ(AckLimitMs(p, 3), 15 * 60000);
  EXPECT_EQ(*AlerteeAt(p, "430204", "zhang.shuji", 0), "zhang.shuji");
  EXPECT_EQ(*AlerteeAt(p, "430204", "zhang.shuji", 1), "liu.quzhang");
  EXPECT_EQ(*AlerteeAt(p, "430204", "zhang.shuji", 2), "sun.zonghe");
  EXPECT_FALSE(AlerteeAt(p, "430204", "zhang.shuji", 3).has_value());
  EXPECT_EQ(*AlerteeAt(p, "430204", "he.zhiban", 1), "zhang.shuji");
  EXPECT_FALSE(AlerteeAt(p, "430203", "yang.shuji", 1).has_value());
  EXPECT_EQ(EscalationTimerName(0), "escalate:1");
  EXPECT_EQ(*LevelOfTimer("escalate:2"), 2);
  EXPECT_FALSE(LevelOfTimer("escalate:x").has_value());
  EXPECT_FALSE(LevelOfTimer("escalate:0").has_value());
}

EmergencyFacts Facts(const std::string& report, const std::string& phase) {
  EmergencyFacts f;
  f.tenant = "430204";
  f.report_id = report;
  f.chain_id = "430204-r-1";
  f.phase = phase;
  f.grade = 3;
  f.title = "化工厂泄漏";
  return f;
}

pb::Incident Opened() {
  const auto plans = Plans();
  return OpenIncident(Facts("430204-r-1", "INITIAL"), plans.at("general"), "inc-1", "2026-11-23",
                      "zhang.shuji", Org(), 15 * 60000, kNow);
}

TEST(DutyIncidentTest, OpeningInstantiatesTheChecklistAndAlertsWithItsDeadline) {
  const auto inc = Opened();
  ASSERT_EQ(inc.steps_size(), 2);
  EXPECT_EQ(inc.steps(0).id(), "s1");
  EXPECT_TRUE(inc.steps(0).mandatory());
  EXPECT_FALSE(inc.steps(1).mandatory());
  EXPECT_EQ(inc.alert().alerted(), "zhang.shuji");
  EXPECT_EQ(inc.alert().level(), 0);
  EXPECT_EQ(ToMillis(FromProto(inc.alert().ack_due())), ToMillis(kNow) + 15 * 60000);
  ASSERT_EQ(inc.timeline_size(), 2);
  EXPECT_EQ(inc.timeline(0).kind(), "opened");
  EXPECT_EQ(inc.timeline(1).kind(), "alerted");
}

TEST(DutyIncidentTest, EscalationMovesOnceAndStopsWhenAcknowledged) {
  auto inc = Opened();
  const TimePoint later = kNow + std::chrono::minutes(16);
  EXPECT_TRUE(Escalate(inc, 1, "liu.quzhang", Org(), 15 * 60000, later));
  EXPECT_EQ(inc.alert().alerted(), "liu.quzhang");
  EXPECT_EQ(inc.alert().level(), 1);
  EXPECT_FALSE(Escalate(inc, 1, "liu.quzhang", Org(), 15 * 60000, later)) << "exactly once";
  // Only the person alerted now acknowledges.
  EXPECT_TRUE(absl::IsPermissionDenied(Acknowledge(inc, "zhang.shuji", later)));
  ASSERT_TRUE(Acknowledge(inc, "liu.quzhang", later).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(Acknowledge(inc, "liu.quzhang", later)));
  EXPECT_FALSE(Escalate(inc, 2, "sun.zonghe", Org(), 15 * 60000, later)) << "acknowledged";
  EXPECT_FALSE(ExhaustEscalation(inc, 2, later)) << "acknowledged";
  EXPECT_EQ(inc.alerted_users_size(), 2);
}

TEST(DutyIncidentTest, ALadderThatRunsOutIsMarkedOnce) {
  auto inc = Opened();
  const TimePoint later = kNow + std::chrono::minutes(16);
  EXPECT_FALSE(ExhaustEscalation(inc, 2, later)) << "not the current level's limit";
  EXPECT_TRUE(ExhaustEscalation(inc, 1, later));
  EXPECT_TRUE(inc.alert().exhausted());
  EXPECT_EQ(inc.timeline(inc.timeline_size() - 1).kind(), "escalation_exhausted");
  EXPECT_FALSE(ExhaustEscalation(inc, 1, later)) << "exactly once";
}

TEST(DutyIncidentTest, FollowUpsOfTheChainJoinOnceAndOtherChainsAreRefused) {
  auto inc = Opened();
  auto joined = JoinIncident(inc, Facts("430204-r-2", "FOLLOW_UP"), kNow);
  ASSERT_TRUE(joined.ok());
  EXPECT_TRUE(*joined);
  joined = JoinIncident(inc, Facts("430204-r-2", "FOLLOW_UP"), kNow);
  ASSERT_TRUE(joined.ok());
  EXPECT_FALSE(*joined) << "the same report again changes nothing";
  EXPECT_EQ(inc.report_ids_size(), 2);
  EXPECT_EQ(inc.timeline(inc.timeline_size() - 1).kind(), "joined");
  auto other = Facts("430204-r-9", "FOLLOW_UP");
  other.chain_id = "430204-r-8";
  EXPECT_TRUE(absl::IsInvalidArgument(JoinIncident(inc, other, kNow).status()));
}

TEST(DutyIncidentTest, AStepCompletedTwiceIsRefusedNamingTheStep) {
  auto inc = Opened();
  ASSERT_TRUE(CompleteStep(inc, "s1", "已核实", "he.zhiban", kNow).ok());
  EXPECT_TRUE(inc.steps(0).done());
  EXPECT_EQ(inc.steps(0).done_by(), "he.zhiban");
  auto s = CompleteStep(inc, "s1", "", "sun.zonghe", kNow);
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(s.message().find("s1"), std::string::npos) << s;
  EXPECT_NE(s.message().find("核实信息"), std::string::npos) << s;
  EXPECT_TRUE(absl::IsInvalidArgument(CompleteStep(inc, "s9", "", "he.zhiban", kNow)));
}

TEST(DutyIncidentTest, ClosingNeedsTheMandatoryStepsOrAReasonFromWhoMayForce) {
  auto inc = Opened();
  auto s = CloseIncident(inc, "", true, "sun.zonghe", kNow);
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(s.message().find("s1"), std::string::npos) << s;
  EXPECT_TRUE(absl::IsPermissionDenied(CloseIncident(inc, "误报", false, "he.zhiban", kNow)));
  ASSERT_TRUE(CompleteStep(inc, "s1", "", "he.zhiban", kNow).ok());
  ASSERT_TRUE(CloseIncident(inc, "", false, "he.zhiban", kNow).ok()) << "optional steps may stay";
  EXPECT_EQ(inc.state(), pb::INCIDENT_STATE_CLOSED);
  EXPECT_TRUE(absl::IsFailedPrecondition(CloseIncident(inc, "x", true, "sun.zonghe", kNow)));
}

TEST(DutyIncidentTest, ReadersAndWithheldNegativeTexts) {
  auto inc = Opened();
  inc.set_negative(true);
  inc.set_close_reason("化工厂泄漏已由企业自行处置");
  EXPECT_TRUE(MayRead(Org(), "430204", {"duty_officer"}, "he.zhiban", inc));
  EXPECT_TRUE(MayRead(Org(), "430204", {}, "zhang.shuji", inc)) << "alerted";
  EXPECT_FALSE(MayRead(Org(), "430204", {"unit_handler"}, "chen.shuili", inc));
  EXPECT_FALSE(MayRead(Org(), "430203", {"leader"}, "yang.shuji", inc)) << "another tenant";
  auto leader_view = inc;
  Present(true, leader_view);
  EXPECT_EQ(leader_view.title(), "化工厂泄漏");
  Present(false, inc);
  EXPECT_EQ(inc.title(), kWithheld);
  EXPECT_TRUE(inc.withheld());
  for (const auto& e : inc.timeline()) EXPECT_EQ(e.text().find("化工厂"), std::string::npos);
  EXPECT_EQ(inc.close_reason().find("化工厂"), std::string::npos) << inc.close_reason();
}

}  // namespace
}  // namespace zs::coordination::duty

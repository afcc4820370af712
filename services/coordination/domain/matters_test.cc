#include "domain/matters.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::coordination::matters {
namespace {

// 2026-11-23 09:00 in China.
const TimePoint kNow = FromMillis(1795395600000);

class MattersTest : public ::testing::Test {
 protected:
  org::OrgTree org_ =
      *org::OrgTree::LoadFile(std::string(ZS_SOURCE_DIR) + "/deploy/local/org.yaml");

  static auth::Principal User(const std::string& subject, const std::string& unit,
                              std::vector<std::string> roles,
                              const std::string& tenant = "430204") {
    return auth::Principal{subject, "", tenant, unit, std::move(roles)};
  }
  const auth::Principal coordinator_ = User("sun.zonghe", "430204/qwb", {"coordinator"});
  const auth::Principal director_ =
      User("huang.zhuren", "430204/qwb", {"coordinator", "office_director"});
  const auth::Principal leader_ = User("zhang.shuji", "430204/qwb", {"leader"});
  const auth::Principal water_ = User("chen.shuili", "430204/slj", {"unit_handler"});
  const auth::Principal ecology_ = User("zhou.huanbao", "430204/sthj", {"unit_handler"});
  const auth::Principal building_ = User("wei.zhujian", "430204/zjj", {"unit_handler"});
  const auth::Principal duty_ = User("he.zhiban", "430204/qwb", {"duty_officer"});
  const auth::Principal other_county_ = User("qin.zonghe", "430203/qwb", {"coordinator"}, "430203");

  pb::CreateMatterRequest Request(pb::MatterKind kind = pb::MATTER_KIND_DISPUTE) {
    pb::CreateMatterRequest r;
    r.set_request_id("r1");
    r.set_title("二次供水设施监管职责争议");
    r.set_description("水利局与住建局对二次供水设施监管职责认识不一");
    r.set_kind(kind);
    r.add_parties("430204/slj");
    r.add_parties("430204/zjj");
    return r;
  }
  pb::Matter Open(bool sensitive = false) {
    auto r = Request();
    r.set_sensitive(sensitive);
    return NewMatter(org_, r, "430204-m-1", "430204", {"sun.zonghe", "孙综合"}, kNow);
  }
  DecisionInput Decision() {
    return {"由区住建局牵头，区水利局配合",
            "住建部门负责二次供水设施监管",
            "430204/zjj",
            {"430204/slj"}};
  }
};

TEST_F(MattersTest, StateMachineGoesOpenCoordinatingResolved) {
  pb::Matter m = Open();
  EXPECT_EQ(m.state(), pb::MATTER_STATE_OPEN);
  ASSERT_EQ(m.parties_size(), 2);
  EXPECT_EQ(m.parties(1).unit_name(), "区住房和城乡建设局");
  ASSERT_TRUE(StartCoordination(m, {"sun.zonghe", "孙综合"}, "召开协调会", kNow).ok());
  EXPECT_EQ(m.state(), pb::MATTER_STATE_IN_COORDINATION);
  // Twice is out of order.
  EXPECT_EQ(StartCoordination(m, {"sun.zonghe", ""}, "", kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(
      Resolve(org_, m, Decision(), {"huang.zhuren", "黄主任"}, kNow + std::chrono::hours(1)).ok());
  EXPECT_EQ(m.state(), pb::MATTER_STATE_RESOLVED);
  // Resolved is final: no restatement, no second resolution, no withdrawal.
  EXPECT_EQ(Resolve(org_, m, Decision(), {"zhang.shuji", ""}, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatePosition(m, "430204/slj", "不同意", {"chen.shuili", ""}, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Withdraw(m, "不再需要", {"sun.zonghe", ""}, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(m.timeline_size(), 3);
  EXPECT_EQ(m.timeline(0).action(), "opened");
  EXPECT_EQ(m.timeline(1).action(), "coordinating");
  EXPECT_EQ(m.timeline(2).action(), "resolved");
  EXPECT_EQ(m.timeline(2).unit(), "430204/zjj");
}

TEST_F(MattersTest, AnOpenMatterMayBeResolvedWithoutCoordination) {
  pb::Matter m = Open();
  ASSERT_TRUE(Resolve(org_, m, Decision(), {"zhang.shuji", "张书记"}, kNow).ok());
  EXPECT_EQ(m.state(), pb::MATTER_STATE_RESOLVED);
}

TEST_F(MattersTest, OnlyTheOfficeDirectorOrALeaderResolves) {
  EXPECT_TRUE(MayResolve(director_));
  EXPECT_TRUE(MayResolve(leader_));
  EXPECT_FALSE(MayResolve(coordinator_));
  EXPECT_FALSE(MayResolve(water_));
  EXPECT_FALSE(MayResolve(duty_));
  EXPECT_TRUE(MayStartCoordination(coordinator_));
  EXPECT_TRUE(MayStartCoordination(director_));
  EXPECT_FALSE(MayStartCoordination(leader_));
  EXPECT_FALSE(MayStartCoordination(water_));
  EXPECT_TRUE(IsOffice(leader_));
  EXPECT_FALSE(IsOffice(duty_));
}

TEST_F(MattersTest, DecisionValidationNamesTheField) {
  const Limits l;
  auto check = [&](DecisionInput d) { return ValidateDecision(org_, "430204", d, l); };
  EXPECT_TRUE(check(Decision()).ok());
  DecisionInput d = Decision();
  d.lead_unit = "";
  auto s = check(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("lead_unit"), std::string::npos);
  d = Decision();
  d.co_units = {"430204/zjj"};  // the lead among the co-units
  s = check(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("co_units[0]"), std::string::npos);
  d = Decision();
  d.co_units = {"430204/slj", "430204/sthj", "430204/slj"};  // a unit twice
  s = check(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("co_units[2]"), std::string::npos);
  d = Decision();
  d.co_units = {"430203/slj"};  // another county's unit
  s = check(d);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not a unit of tenant 430204"), std::string::npos);
  d = Decision();
  d.lead_unit = "430204/nosuch";
  EXPECT_NE(check(d).message().find("unknown unit"), std::string::npos);
  d = Decision();
  d.text = "　";  // blank (ideographic space)
  EXPECT_NE(check(d).message().find("decision"), std::string::npos);
  // Resolve refuses a bad decision and changes nothing.
  pb::Matter m = Open();
  const std::string before = m.SerializeAsString();
  d = Decision();
  d.lead_unit = "";
  EXPECT_FALSE(Resolve(org_, m, d, {"zhang.shuji", ""}, kNow).ok());
  EXPECT_EQ(m.SerializeAsString(), before);
}

TEST_F(MattersTest, PartiesAreUnitsOfTheTenantAndADisputeHasTwo) {
  const Limits l;
  EXPECT_TRUE(
      CheckParties(org_, "430204", pb::MATTER_KIND_DISPUTE, {"430204/slj", "430204/zjj"}, l).ok());
  EXPECT_FALSE(CheckParties(org_, "430204", pb::MATTER_KIND_DISPUTE, {"430204/slj"}, l).ok());
  EXPECT_TRUE(CheckParties(org_, "430204", pb::MATTER_KIND_QUESTION, {"430204/slj"}, l).ok());
  EXPECT_FALSE(CheckParties(org_, "430204", pb::MATTER_KIND_QUESTION, {}, l).ok());
  auto s = CheckParties(org_, "430204", pb::MATTER_KIND_DISPUTE, {"430204/slj", "430204/slj"}, l);
  EXPECT_NE(s.message().find("parties[1]"), std::string::npos);
  s = CheckParties(org_, "430204", pb::MATTER_KIND_DISPUTE, {"430204/slj", "430203/slj"}, l);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto r = Request(pb::MATTER_KIND_UNSPECIFIED);
  EXPECT_NE(ValidateCreate(r, l).message().find("kind"), std::string::npos);
  r = Request();
  r.set_title("");
  EXPECT_NE(ValidateCreate(r, l).message().find("title"), std::string::npos);
}

TEST_F(MattersTest, PartyVisibility) {
  const pb::Matter m = Open();
  EXPECT_TRUE(MayRead(coordinator_, m));
  EXPECT_TRUE(MayRead(director_, m));
  EXPECT_TRUE(MayRead(leader_, m));
  EXPECT_TRUE(MayRead(water_, m));
  EXPECT_TRUE(MayRead(building_, m));
  EXPECT_FALSE(MayRead(ecology_, m));       // not a party
  EXPECT_FALSE(MayRead(duty_, m));          // no role in matters
  EXPECT_FALSE(MayRead(other_county_, m));  // another tenant
  EXPECT_TRUE(MayList(water_).ok());
  EXPECT_EQ(MayList(duty_).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(MattersTest, APositionIsOnePerPartyAndMayBeRestated) {
  pb::Matter m = Open();
  ASSERT_TRUE(
      StatePosition(m, "430204/slj", "不属于水利局职责", {"chen.shuili", "陈水利"}, kNow).ok());
  ASSERT_TRUE(StartCoordination(m, {"sun.zonghe", ""}, "", kNow).ok());
  ASSERT_TRUE(StatePosition(m, "430204/slj", "同意配合", {"chen.shuili", "陈水利"},
                            kNow + std::chrono::hours(2))
                  .ok());
  EXPECT_EQ(m.parties(0).position(), "同意配合");
  EXPECT_EQ(m.parties(0).statements(), 2);
  EXPECT_EQ(m.parties(0).stated_time().seconds(), ToProto(kNow + std::chrono::hours(2)).seconds());
  EXPECT_EQ(m.parties(1).position(), "");
  EXPECT_EQ(StatePosition(m, "430204/sthj", "x", {"zhou.huanbao", ""}, kNow).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(MattersTest, ResolutionContentAndEvent) {
  pb::Matter m = Open();
  m.set_raised_by("supervision");
  m.set_raised_ref("430204-t-1@3");
  ASSERT_TRUE(Resolve(org_, m, Decision(), {"huang.zhuren", "黄主任"}, kNow).ok());
  EXPECT_EQ(m.decision().text(), "由区住建局牵头，区水利局配合");
  EXPECT_EQ(m.decision().reasons(), "住建部门负责二次供水设施监管");
  EXPECT_EQ(m.decision().lead_unit(), "430204/zjj");
  EXPECT_EQ(m.decision().lead_unit_name(), "区住房和城乡建设局");
  EXPECT_EQ(m.decision().decided_by(), "huang.zhuren");
  EXPECT_EQ(m.decision().decided_by_name(), "黄主任");
  EXPECT_EQ(FromProto(m.decision().decided_time()), kNow);
  const ev::MatterResolved r = ResolvedPayload(m);
  EXPECT_EQ(r.matter_id(), m.id());
  EXPECT_EQ(r.raised_by(), "supervision");
  EXPECT_EQ(r.raised_ref(), "430204-t-1@3");
  EXPECT_EQ(r.lead_unit(), "430204/zjj");
  ASSERT_EQ(r.co_units_size(), 1);
  EXPECT_EQ(r.co_units(0), "430204/slj");
  EXPECT_EQ(r.decision(), m.decision().text());
  // A sensitive matter's decision words stay out of the event.
  m.set_sensitive(true);
  EXPECT_TRUE(ResolvedPayload(m).decision().empty());
  EXPECT_EQ(ResolvedPayload(m).lead_unit(), "430204/zjj");
}

TEST_F(MattersTest, OnlyAMatterOpenedByHandIsWithdrawn) {
  pb::Matter m = Open();
  ASSERT_TRUE(Withdraw(m, "已自行协商解决", {"sun.zonghe", ""}, kNow).ok());
  EXPECT_EQ(m.state(), pb::MATTER_STATE_WITHDRAWN);
  EXPECT_EQ(Withdraw(m, "again", {"sun.zonghe", ""}, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  pb::Matter raised = Open();
  raised.set_raised_by("proposals");
  EXPECT_EQ(Withdraw(raised, "x", {"sun.zonghe", ""}, kNow).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MattersTest, ASensitiveMattersWordsStayWithItsReaders) {
  pb::Matter m = Open(true);
  ASSERT_TRUE(StatePosition(m, "430204/slj", "水利局意见", {"chen.shuili", ""}, kNow).ok());
  ASSERT_TRUE(StatePosition(m, "430204/zjj", "住建局意见", {"wei.zhujian", ""}, kNow).ok());
  pb::Matter seen = m;
  Present(water_, seen);
  EXPECT_TRUE(seen.withheld());
  EXPECT_EQ(seen.title(), kWithheldTitle);
  EXPECT_EQ(seen.parties(0).position(), "水利局意见");  // its own
  EXPECT_EQ(seen.parties(1).position(), kWithheldText);
  EXPECT_EQ(seen.SerializeAsString().find("二次供水"), std::string::npos);
  seen = m;
  Present(leader_, seen);
  EXPECT_FALSE(seen.withheld());
  EXPECT_EQ(seen.title(), m.title());
  seen = m;
  Present(director_, seen);
  EXPECT_EQ(seen.title(), m.title());
  seen = m;
  Present(coordinator_, seen);  // sun.zonghe opened it by hand
  EXPECT_EQ(seen.title(), m.title());
  seen = m;
  Present(User("other.coordinator", "430204/qwb", {"coordinator"}), seen);
  EXPECT_EQ(seen.title(), kWithheldTitle);
  // Events carry no words of it.
  EXPECT_EQ(ChangedPayload(m).title(), kWithheldTitle);
  EXPECT_TRUE(ChangedPayload(m).sensitive());
  // A plain matter is shown as it is.
  pb::Matter plain = Open(false);
  seen = plain;
  Present(water_, seen);
  EXPECT_EQ(seen.title(), plain.title());
  EXPECT_EQ(ChangedPayload(plain).title(), plain.title());
}

TEST_F(MattersTest, AContestOpensAMatterOnlyWhenSupervisionConfirmsIt) {
  ev::TaskContested e;
  e.set_task_id("430204-t-1");
  e.set_item_id("430204-s-1");
  e.set_unit("430204/slj");
  e.set_reason("二次供水设施由住建部门监管");
  e.set_contest_ref("430204-t-1@4");
  TaskFacts t;
  t.tenant = "430204";
  t.item_id = "430204-s-1";
  t.lead_unit = "430204/slj";
  t.co_units = {"430204/sthj"};
  t.contested = true;
  t.contest_ref = "430204-t-1@4";
  t.item_title = "清水塘水质问题";
  t.contest_reason = "二次供水设施由住建部门监管（督查室记录）";
  auto r = FromContest(org_, "430204", e, t);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  // The reason is supervision's record, not the event's words.
  EXPECT_EQ((*r)->description, t.contest_reason);
  EXPECT_EQ((*r)->raised_by, "supervision");
  EXPECT_EQ((*r)->raised_ref, "430204-t-1@4");
  EXPECT_EQ((*r)->parties, (std::vector<std::string>{"430204/slj", "430204/sthj"}));
  EXPECT_FALSE((*r)->sensitive);
  const pb::Matter m = NewRaisedMatter(org_, **r, "430204-m-x", kNow);
  EXPECT_EQ(m.kind(), pb::MATTER_KIND_DISPUTE);
  EXPECT_NE(m.title().find("清水塘水质问题"), std::string::npos);

  // Another tenant's event, another item, another unit, a ref the task never had: refused.
  EXPECT_EQ(FromContest(org_, "430203", e, t).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto bad = e;
  bad.set_item_id("430204-s-2");
  EXPECT_FALSE(FromContest(org_, "430204", bad, t).ok());
  bad = e;
  bad.set_unit("430204/zjj");
  EXPECT_FALSE(FromContest(org_, "430204", bad, t).ok());
  bad = e;
  bad.set_contest_ref("430204-t-1@9");
  EXPECT_FALSE(FromContest(org_, "430204", bad, t).ok());
  bad = e;
  bad.set_contest_ref("430204-t-2@4");
  EXPECT_FALSE(FromContest(org_, "430204", bad, t).ok());
  // An earlier contest, or the same one answered since: nothing to open.
  bad = e;
  bad.set_contest_ref("430204-t-1@2");
  auto none = FromContest(org_, "430204", bad, t);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto answered = t;
  answered.contested = false;
  none = FromContest(org_, "430204", e, answered);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // A negative item's matter is sensitive.
  t.item_negative = true;
  r = FromContest(org_, "430204", e, t);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_TRUE((*r)->sensitive);
  EXPECT_EQ(ChangedPayload(NewRaisedMatter(org_, **r, "x", kNow)).title().find("清水塘"),
            std::string::npos);
}

TEST_F(MattersTest, ADisputedReturnOpensAMatterOnlyWhenProposalsConfirmsIt) {
  ev::ProposalAssignmentDisputed e;
  e.set_proposal_id("430204-p-1");
  e.set_dispute_ref("430204-p-1@1");
  e.set_unit("430204/slj");
  e.set_reason("不属于水利局职责");
  ProposalFacts p;
  p.tenant = "430204";
  p.title = "关于二次供水设施管理的提案";
  p.handlings = {{"430204/slj", "430204-p-1@1", true, true, false, "水利局：不属于本单位职责"},
                 {"430204/sthj", "", false, false, true}};
  auto r = FromDispute(org_, "430204", e, p);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->description, "水利局：不属于本单位职责") << "the proposals service's record";
  EXPECT_EQ((*r)->raised_by, "proposals");
  EXPECT_EQ((*r)->parties, (std::vector<std::string>{"430204/slj", "430204/sthj"}));
  EXPECT_FALSE(FromDispute(org_, "430203", e, p).ok());
  auto bad = e;
  bad.set_dispute_ref("430204-p-1@7");
  EXPECT_FALSE(FromDispute(org_, "430204", bad, p).ok());
  bad = e;
  bad.set_unit("430204/sthj");
  EXPECT_FALSE(FromDispute(org_, "430204", bad, p).ok());
  p.handlings[0].returned = false;  // re-assigned since
  auto none = FromDispute(org_, "430204", e, p);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace zs::coordination::matters

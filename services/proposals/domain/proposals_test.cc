#include "domain/proposals.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::proposals {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430200", name: 市}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430204/sthj", name: 生态环境分局, tenant: "430204"}
  - {id: "430204/zjj", name: 住建局, tenant: "430204"}
  - {id: "430204/zx", name: 政协提案委, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
users:
  - {id: zheng, name: 郑委员, tenant: "430204", unit: "430204/zx", roles: [proposer]}
  - {id: feng, name: 冯委员, tenant: "430204", unit: "430204/zx", roles: [proposer]}
  - {id: lin, name: 林委员, tenant: "430204", unit: "430204/zx", roles: [proposer]}
  - {id: song, name: 宋委员, tenant: "430203", roles: [proposer]}
  - {id: wu, name: 吴提案, tenant: "430204", unit: "430204/zx", roles: [proposal_office]}
  - {id: zhang, name: 张书记, tenant: "430204", roles: [leader]}
)";

CivilDate D(const char* s) { return *ParseDate(s); }

class ProposalsTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  calendar::WorkCalendar cal_ =
      *calendar::WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");
  Limits limits_;
  Deadlines deadlines_;
  // 2026-11-23 10:00 in Beijing (a Monday).
  TimePoint now_ = AtLocalHour(D("2026-11-23"), 10, 480);
  CivilDate today_ = D("2026-11-23");
  CivilDate latest_ = D("2027-05-23");  // six months on

  TimePoint Later(int days) const { return now_ + std::chrono::hours(24 * days); }
  CivilDate DayAfter(int days) const { return DateOf(Later(days), 480); }

  pb::Proposal Submitted(std::vector<std::string> co = {"feng", "lin"}) {
    pb::Proposal req;
    req.set_kind(pb::PROPOSAL_KIND_CPPCC_PROPOSAL);
    req.set_session("十届三次");
    req.set_title("关于保障清水塘片区饮用水安全的提案");
    req.set_content("清水塘片区自来水有异味，建议改造老旧管网。");
    req.set_proposer("zheng");
    for (const auto& c : co) req.add_co_signers()->set_subject(c);
    EXPECT_TRUE(ResolveParties(org_, "430204", req).ok());
    return NewProposal(req, "430204-p-1", "430204", "", now_);
  }
  pb::Proposal Registered(std::vector<std::string> co = {"feng", "lin"}) {
    pb::Proposal p = Submitted(co);
    for (const auto& c : co) EXPECT_TRUE(RespondCoSign(p, c, true, now_).ok());
    EXPECT_TRUE(Review(p, pb::REVIEW_DECISION_REGISTER, "", 1, "wu", now_).ok());
    return p;
  }
  static pb::AssignProposalRequest LeadWithCo() {
    pb::AssignProposalRequest r;
    r.set_id("430204-p-1");
    r.set_mode(pb::ASSIGNMENT_MODE_LEAD);
    r.set_lead_unit("430204/slj");
    r.add_co_units("430204/sthj");
    return r;
  }
  pb::Proposal Assigned(pb::AssignProposalRequest r = LeadWithCo()) {
    pb::Proposal p = Registered();
    EXPECT_TRUE(Assign(p, r, "2027-02-23", now_).ok());
    return p;
  }
  static pb::Contact Visit() {
    pb::Contact c;
    c.set_method(pb::CONTACT_METHOD_VISIT);
    c.set_contact_date("2026-11-23");
    c.set_summary("走访提案人");
    return c;
  }
  static pb::Reply ReplyOf(pb::ReplyClass c) {
    pb::Reply r;
    r.set_reply_class(c);
    r.set_text("已列入明年计划");
    return r;
  }
  // The lead unit signs, the co-unit signs and sends its opinion, the lead contacts and replies.
  void HandleAndReply(pb::Proposal& p, pb::ReplyClass c = pb::REPLY_CLASS_B) {
    ASSERT_TRUE(Sign(*FindHandling(p, "430204/slj"), now_).ok());
    ASSERT_TRUE(Sign(*FindHandling(p, "430204/sthj"), now_).ok());
    ASSERT_TRUE(SendOpinion(*FindHandling(p, "430204/sthj"), "未发现违法排污").ok());
    ASSERT_TRUE(LogContact(*FindHandling(p, "430204/slj"), Visit(), p.round(), "chen", now_).ok());
    ASSERT_TRUE(ReplyTo(p, *FindHandling(p, "430204/slj"), ReplyOf(c), "chen", today_, now_).ok());
  }
  static auth::Principal Who(std::string subject, std::string tenant, std::string unit,
                             std::vector<std::string> roles) {
    return auth::Principal{std::move(subject), "", std::move(tenant), std::move(unit),
                           std::move(roles)};
  }
};

// ---- Validation ----

TEST_F(ProposalsTest, NewProposalNamesTheBadField) {
  pb::Proposal p = Submitted();
  EXPECT_TRUE(ValidateNewProposal(p, limits_).ok());
  pb::Proposal bad = p;
  bad.set_kind(pb::PROPOSAL_KIND_UNSPECIFIED);
  EXPECT_NE(ValidateNewProposal(bad, limits_).message().find("proposal.kind"), std::string::npos);
  bad = p;
  bad.add_co_signers()->set_subject("feng");  // listed twice
  auto s = ValidateNewProposal(bad, limits_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("proposal.co_signers[2].subject"), std::string::npos) << s;
  bad = p;
  bad.set_content(std::string(limits_.max_content_chars + 1, 'x'));
  EXPECT_NE(ValidateNewProposal(bad, limits_).message().find("proposal.content"),
            std::string::npos);
  bad = p;
  bad.set_title("");
  EXPECT_NE(ValidateNewProposal(bad, limits_).message().find("proposal.title"), std::string::npos);
}

TEST_F(ProposalsTest, PartiesAreProposersOfTheTenant) {
  pb::Proposal p;
  p.set_proposer("zheng");
  p.add_co_signers()->set_subject("zheng");  // the main proposer co-signing
  auto s = ResolveParties(org_, "430204", p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("proposal.co_signers[0].subject"), std::string::npos) << s;
  p.mutable_co_signers(0)->set_subject("song");  // a member of another tenant
  EXPECT_EQ(ResolveParties(org_, "430204", p).code(), absl::StatusCode::kInvalidArgument);
  p.mutable_co_signers(0)->set_subject("wu");  // not a proposer
  EXPECT_EQ(ResolveParties(org_, "430204", p).code(), absl::StatusCode::kInvalidArgument);
  p.mutable_co_signers(0)->set_subject("feng");
  ASSERT_TRUE(ResolveParties(org_, "430204", p).ok());
  EXPECT_EQ(p.proposer_name(), "郑委员");
  EXPECT_EQ(p.co_signers(0).name(), "冯委员");
  p.set_proposer("wu");
  EXPECT_NE(ResolveParties(org_, "430204", p).message().find("proposal.proposer"),
            std::string::npos);
}

TEST_F(ProposalsTest, AssignmentShapes) {
  pb::AssignProposalRequest r = LeadWithCo();
  EXPECT_TRUE(ValidateAssign(r, limits_, today_, latest_).ok());
  r.clear_co_units();
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("co_units"),
            std::string::npos);
  r.add_co_units("430204/slj");  // the lead unit again
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("co_units[0]"),
            std::string::npos);
  r = LeadWithCo();
  r.set_mode(pb::ASSIGNMENT_MODE_SPLIT);
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("lead_unit"),
            std::string::npos);
  r.clear_lead_unit();
  r.clear_co_units();
  auto* a = r.add_parts();
  a->set_unit("430204/slj");
  a->set_part("管网改造");
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("parts"), std::string::npos);
  auto* b = r.add_parts();
  b->set_unit("430204/sthj");
  b->set_part("排污排查");
  EXPECT_TRUE(ValidateAssign(r, limits_, today_, latest_).ok());
  r.set_due_date("2026-11-23");
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("due_date"),
            std::string::npos);
  r.set_due_date("2027-05-24");  // past the longest handling time
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("due_date"),
            std::string::npos);
  r.set_due_date("2027-05-23");
  EXPECT_TRUE(ValidateAssign(r, limits_, today_, latest_).ok());
  r.set_mode(pb::ASSIGNMENT_MODE_UNSPECIFIED);
  EXPECT_NE(ValidateAssign(r, limits_, today_, latest_).message().find("mode"), std::string::npos);
}

TEST_F(ProposalsTest, ReviewNeedsAReasonToRefuse) {
  pb::ReviewProposalRequest r;
  r.set_id("430204-p-1");
  r.set_decision(pb::REVIEW_DECISION_REJECT);
  EXPECT_NE(ValidateReview(r, limits_).message().find("reason"), std::string::npos);
  r.set_reason("属于个人诉求，转信访渠道");
  EXPECT_TRUE(ValidateReview(r, limits_).ok());
  r.set_number(3);
  EXPECT_NE(ValidateReview(r, limits_).message().find("number"), std::string::npos);
}

// ---- Submission, co-signing and review ----

TEST_F(ProposalsTest, CoSignersConfirmOrDeclineAndUnansweredOnesLapse) {
  pb::Proposal p = Submitted({"feng", "lin"});
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_SUBMITTED);
  EXPECT_EQ(p.co_signers(0).state(), pb::CO_SIGN_STATE_INVITED);
  ASSERT_TRUE(RespondCoSign(p, "feng", true, now_).ok());
  EXPECT_EQ(RespondCoSign(p, "feng", false, now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RespondCoSign(p, "song", true, now_).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Review(p, pb::REVIEW_DECISION_REGISTER, "", 7, "wu", now_).ok());
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_REGISTERED);
  EXPECT_EQ(p.number(), 7);
  EXPECT_EQ(p.co_signers(1).state(), pb::CO_SIGN_STATE_LAPSED);
  // The raters: the proposer and the confirmed co-signer only.
  ASSERT_EQ(p.raters_size(), 2);
  EXPECT_EQ(p.raters(0), "zheng");
  EXPECT_EQ(p.raters(1), "feng");
  EXPECT_EQ(RespondCoSign(p, "lin", true, now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Review(p, pb::REVIEW_DECISION_REJECT, "x", 0, "wu", now_).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalsTest, NotRegisteredOrConvertedEndsWithTheReason) {
  pb::Proposal p = Submitted({});
  ASSERT_TRUE(Review(p, pb::REVIEW_DECISION_REJECT, "不属于本级职权", 0, "wu", now_).ok());
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_NOT_REGISTERED);
  EXPECT_EQ(p.review_reason(), "不属于本级职权");
  EXPECT_EQ(p.number(), 0);
  pb::Proposal q = Submitted({});
  ASSERT_TRUE(Review(q, pb::REVIEW_DECISION_CONVERT, "转为意见建议办理", 0, "wu", now_).ok());
  EXPECT_EQ(q.state(), pb::PROPOSAL_STATE_CONVERTED);
  pb::AssignProposalRequest r = LeadWithCo();
  EXPECT_EQ(Assign(q, r, "2027-02-23", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalsTest, MergedProposalsAreHandledWithThePrimaryAndTheirProposersRate) {
  pb::Proposal primary = Registered();
  pb::Proposal other = Submitted({});
  other.set_id("430204-p-2");
  other.set_proposer("song");  // only to tell the raters apart
  ASSERT_TRUE(Review(other, pb::REVIEW_DECISION_REGISTER, "", 2, "wu", now_).ok());
  std::vector<pb::Proposal> merged{other};
  ASSERT_TRUE(Merge(primary, merged).ok());
  EXPECT_EQ(merged[0].state(), pb::PROPOSAL_STATE_MERGED);
  EXPECT_EQ(merged[0].merged_into(), primary.id());
  ASSERT_EQ(primary.merged_ids_size(), 1);
  EXPECT_EQ(primary.raters_size(), 4);  // zheng, feng, lin + the merged one's proposer
  EXPECT_EQ(primary.raters(3), "song");
  // The merged proposer reads the primary (a party of it).
  auto parties = PartiesOf(primary);
  EXPECT_NE(std::find(parties.begin(), parties.end(), "user:song"), parties.end());
  // An assigned proposal takes no more merges; a merged one cannot be merged again.
  ASSERT_TRUE(Assign(primary, LeadWithCo(), "2027-02-23", now_).ok());
  pb::Proposal third = Registered();
  third.set_id("430204-p-3");
  std::vector<pb::Proposal> more{third};
  EXPECT_EQ(Merge(primary, more).code(), absl::StatusCode::kFailedPrecondition);
  pb::Proposal fourth = Registered();
  fourth.set_id("430204-p-4");
  EXPECT_EQ(Merge(fourth, merged).code(), absl::StatusCode::kFailedPrecondition);
  // Another session is not merged.
  pb::Proposal fifth = Registered();
  fifth.set_id("430204-p-5");
  fifth.set_session("十届四次");
  std::vector<pb::Proposal> other_session{fifth};
  pb::Proposal sixth = Registered();
  sixth.set_id("430204-p-6");
  EXPECT_EQ(Merge(sixth, other_session).code(), absl::StatusCode::kFailedPrecondition);
}

// ---- Handling ----

TEST_F(ProposalsTest, LeadRepliesOnlyAfterTheCoHandlingOpinionAndAContact) {
  pb::Proposal p = Assigned();
  ASSERT_EQ(p.handlings_size(), 2);
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_HANDLING);
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  pb::Handling& co = *FindHandling(p, "430204/sthj");
  EXPECT_EQ(lead.role(), pb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(co.role(), pb::HANDLING_ROLE_CO);
  EXPECT_EQ(lead.due_date(), "2027-02-23");
  // Not signed: no reply, no contact.
  EXPECT_EQ(ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogContact(lead, Visit(), 1, "chen", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Sign(lead, now_).ok());
  EXPECT_EQ(Sign(lead, now_).code(), absl::StatusCode::kFailedPrecondition);
  // No contact logged yet.
  auto s = ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("contact"), std::string::npos);
  ASSERT_TRUE(LogContact(lead, Visit(), 1, "chen", now_).ok());
  // The co-handling opinion is not in.
  s = ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("430204/sthj"), std::string::npos);
  // A co-handling unit neither replies nor contacts; it sends an opinion once signed.
  EXPECT_EQ(SendOpinion(co, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogContact(co, Visit(), 1, "zhou", now_).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Sign(co, now_).ok());
  EXPECT_EQ(ReplyTo(p, co, ReplyOf(pb::REPLY_CLASS_A), "zhou", today_, now_).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(SendOpinion(co, "未发现违法排污").ok());
  EXPECT_EQ(SendOpinion(lead, "x").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_).ok());
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_REPLIED);
  EXPECT_TRUE(lead.reply().on_time());
  EXPECT_EQ(lead.reply().round(), 1);
  EXPECT_EQ(lead.reply().original_class(), pb::REPLY_CLASS_A);
}

TEST_F(ProposalsTest, ALateReplyIsRecordedAsLate) {
  pb::Proposal p = Assigned();
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(Sign(lead, now_).ok());
  ASSERT_TRUE(Sign(*FindHandling(p, "430204/sthj"), now_).ok());
  ASSERT_TRUE(SendOpinion(*FindHandling(p, "430204/sthj"), "意见").ok());
  ASSERT_TRUE(LogContact(lead, Visit(), 1, "chen", now_).ok());
  ASSERT_TRUE(ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_C), "chen", D("2027-02-24"), now_).ok());
  EXPECT_FALSE(lead.reply().on_time());
}

TEST_F(ProposalsTest, SplitAssignmentIsRepliedWhenEveryPartIs) {
  pb::AssignProposalRequest r;
  r.set_mode(pb::ASSIGNMENT_MODE_SPLIT);
  auto* a = r.add_parts();
  a->set_unit("430204/slj");
  a->set_part("管网改造");
  auto* b = r.add_parts();
  b->set_unit("430204/sthj");
  b->set_part("排污排查");
  pb::Proposal p = Assigned(r);
  ASSERT_EQ(p.handlings_size(), 2);
  for (auto& h : *p.mutable_handlings()) {
    EXPECT_EQ(h.role(), pb::HANDLING_ROLE_SPLIT);
    ASSERT_TRUE(Sign(h, now_).ok());
    ASSERT_TRUE(LogContact(h, Visit(), 1, "x", now_).ok());
  }
  EXPECT_EQ(p.handlings(1).part(), "排污排查");
  ASSERT_TRUE(
      ReplyTo(p, *p.mutable_handlings(0), ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_).ok());
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_HANDLING);  // one part still owes its answer
  ASSERT_TRUE(
      ReplyTo(p, *p.mutable_handlings(1), ReplyOf(pb::REPLY_CLASS_B), "zhou", today_, now_).ok());
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_REPLIED);
}

TEST_F(ProposalsTest, ReturnWithinTheWindowThenReassignKeepsTheOtherUnit) {
  pb::Proposal p = Assigned();
  ASSERT_TRUE(Sign(*FindHandling(p, "430204/sthj"), now_).ok());
  // Five working days after Monday 2026-11-23: up to Monday 2026-11-30.
  ASSERT_TRUE(Return(*FindHandling(p, "430204/slj"), "供水属住建局职责", cal_, deadlines_,
                     D("2026-11-30"), 480, Later(7))
                  .ok());
  EXPECT_EQ(FindHandling(p, "430204/slj")->state(), pb::HANDLING_STATE_RETURNED);
  // The office re-assigns the lead to 住建局; 生态环境分局 keeps its signed handling.
  pb::AssignProposalRequest again = LeadWithCo();
  again.set_lead_unit("430204/zjj");
  auto added = Assign(p, again, "2027-03-01", Later(8));
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_EQ(added->size(), 1u);
  EXPECT_EQ((*added)[0], "430204/zjj");
  EXPECT_EQ(FindHandling(p, "430204/slj"), nullptr);  // replaced
  EXPECT_EQ(FindHandling(p, "430204/sthj")->state(), pb::HANDLING_STATE_SIGNED);
  EXPECT_EQ(FindHandling(p, "430204/zjj")->due_date(), "2027-03-01");
  EXPECT_EQ(p.handlings_size(), 3);  // the replaced one stays as history
  auto parties = PartiesOf(p);
  EXPECT_EQ(std::find(parties.begin(), parties.end(), "unit:430204/slj"), parties.end());
  // Re-assigning what already is so changes nothing.
  EXPECT_EQ(Assign(p, again, "2027-03-01", Later(8)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalsTest, ReturnAfterTheWindowIsRefused) {
  pb::Proposal p = Assigned();
  auto s = Return(*FindHandling(p, "430204/slj"), "不是我们的", cal_, deadlines_, D("2026-12-01"),
                  480, Later(8));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("2026-11-30"), std::string::npos) << s;
  EXPECT_EQ(FindHandling(p, "430204/slj")->state(), pb::HANDLING_STATE_ASSIGNED);
}

TEST_F(ProposalsTest, DisputedReturnIsReassignedByTheCoordinationDecisionOnce) {
  pb::Proposal p = Assigned();
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  EXPECT_EQ(Dispute(p, lead).code(), absl::StatusCode::kFailedPrecondition);  // not returned
  ASSERT_TRUE(Return(lead, "职责不清", cal_, deadlines_, today_, 480, now_).ok());
  ASSERT_TRUE(Dispute(p, lead).ok());
  const std::string ref = lead.dispute_ref();
  EXPECT_EQ(ref, "430204-p-1@1");
  EXPECT_EQ(Dispute(p, lead).code(), absl::StatusCode::kFailedPrecondition);  // already sent
  auto added = ResolveDispute(p, ref, "430204/zjj", {"430204/slj"}, "2027-03-01", Later(3));
  ASSERT_TRUE(added.ok());
  // 住建局 leads; 水利局 joins as a co-handling unit (its returned lead handling is replaced).
  EXPECT_EQ(FindHandling(p, "430204/zjj")->role(), pb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(FindHandling(p, "430204/slj")->role(), pb::HANDLING_ROLE_CO);
  EXPECT_EQ(FindHandling(p, "430204/sthj")->role(), pb::HANDLING_ROLE_CO);
  // The same decision again (redelivered, or late) changes nothing.
  const std::string once = p.SerializeAsString();
  auto again = ResolveDispute(p, ref, "430204/sthj", {}, "2027-03-01", Later(4));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(p.SerializeAsString(), once);
}

TEST_F(ProposalsTest, ADecisionNamingTheCoHandlingUnitAsLeadLeavesAReplyingUnit) {
  pb::Proposal p = Assigned();  // 水利局 leads, 生态环境分局 co-handles
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(Return(lead, "职责不清", cal_, deadlines_, today_, 480, now_).ok());
  ASSERT_TRUE(Dispute(p, lead).ok());
  auto added = ResolveDispute(p, "430204-p-1@1", "430204/sthj", {"430204/slj"}, "2027-03-01", now_);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(FindHandling(p, "430204/sthj")->role(), pb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(FindHandling(p, "430204/sthj")->state(), pb::HANDLING_STATE_ASSIGNED);
  EXPECT_EQ(FindHandling(p, "430204/slj")->role(), pb::HANDLING_ROLE_CO);
  int replying = 0;
  for (const auto& h : p.handlings()) {
    replying += h.state() != pb::HANDLING_STATE_REPLACED && Replies(h.role());
  }
  EXPECT_EQ(replying, 1);
  EXPECT_EQ(p.mode(), pb::ASSIGNMENT_MODE_LEAD);
}

TEST_F(ProposalsTest, ADecisionGivingASplitPartToAUnitWithAnotherPartCombinesThem) {
  pb::AssignProposalRequest r;
  r.set_mode(pb::ASSIGNMENT_MODE_SPLIT);
  auto* a = r.add_parts();
  a->set_unit("430204/slj");
  a->set_part("管网改造");
  auto* b = r.add_parts();
  b->set_unit("430204/sthj");
  b->set_part("排污排查");
  pb::Proposal p = Assigned(r);
  pb::Handling& sthj = *FindHandling(p, "430204/sthj");
  ASSERT_TRUE(Return(sthj, "不是我们的", cal_, deadlines_, today_, 480, now_).ok());
  ASSERT_TRUE(Dispute(p, sthj).ok());
  ASSERT_TRUE(ResolveDispute(p, "430204-p-1@2", "430204/slj", {}, "2027-03-01", now_).ok());
  EXPECT_EQ(FindHandling(p, "430204/slj")->part(), "管网改造；排污排查");
  EXPECT_EQ(FindHandling(p, "430204/sthj"), nullptr);
}

TEST_F(ProposalsTest, AReturnedSplitPartIsReassignedAfterAnotherPartReplied) {
  pb::AssignProposalRequest r;
  r.set_mode(pb::ASSIGNMENT_MODE_SPLIT);
  auto* a = r.add_parts();
  a->set_unit("430204/slj");
  a->set_part("管网改造");
  auto* b = r.add_parts();
  b->set_unit("430204/sthj");
  b->set_part("排污排查");
  pb::Proposal p = Assigned(r);
  pb::Handling& slj = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(Sign(slj, now_).ok());
  ASSERT_TRUE(LogContact(slj, Visit(), 1, "chen", now_).ok());
  ASSERT_TRUE(ReplyTo(p, slj, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, now_).ok());
  ASSERT_TRUE(
      Return(*FindHandling(p, "430204/sthj"), "不是我们的", cal_, deadlines_, today_, 480, now_)
          .ok());
  pb::AssignProposalRequest again = r;
  again.mutable_parts(1)->set_unit("430204/zjj");
  auto added = Assign(p, again, "2027-03-01", now_);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, std::vector<std::string>{"430204/zjj"});
  EXPECT_EQ(FindHandling(p, "430204/slj")->state(), pb::HANDLING_STATE_REPLIED);
  // Replacing the unit that replied is refused.
  pb::AssignProposalRequest drop = again;
  drop.mutable_parts(0)->set_unit("430204/sthj");
  EXPECT_EQ(Assign(p, drop, "2027-03-01", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalsTest, SoleHandlingDisputeWithCoUnitsBecomesLead) {
  pb::AssignProposalRequest r;
  r.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  r.set_lead_unit("430204/slj");
  pb::Proposal p = Assigned(r);
  pb::Handling& h = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(Return(h, "职责不清", cal_, deadlines_, today_, 480, now_).ok());
  ASSERT_TRUE(Dispute(p, h).ok());
  auto added = ResolveDispute(p, "430204-p-1@1", "430204/zjj", {"430204/sthj"}, "2027-03-01", now_);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->size(), 2u);
  EXPECT_EQ(p.mode(), pb::ASSIGNMENT_MODE_LEAD);
  EXPECT_EQ(FindHandling(p, "430204/zjj")->role(), pb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(FindHandling(p, "430204/sthj")->role(), pb::HANDLING_ROLE_CO);
}

TEST_F(ProposalsTest, ClassAdjustmentKeepsTheUnitsClassAndFollowUpsAreForBAndC) {
  pb::Proposal p = Assigned();
  HandleAndReply(p, pb::REPLY_CLASS_A);
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  EXPECT_EQ(AddFollowUp(lead, "管网已改造", "chen", now_).code(),
            absl::StatusCode::kFailedPrecondition);  // class A
  ASSERT_TRUE(AdjustClass(lead, pb::REPLY_CLASS_B, "改造尚未完工，应为 B 类").ok());
  EXPECT_EQ(lead.reply().reply_class(), pb::REPLY_CLASS_B);
  EXPECT_EQ(lead.reply().original_class(), pb::REPLY_CLASS_A);
  EXPECT_EQ(lead.reply().adjust_reason(), "改造尚未完工，应为 B 类");
  EXPECT_EQ(AdjustClass(lead, pb::REPLY_CLASS_B, "again").code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(AddFollowUp(lead, "管网改造已完工", "chen", Later(60)).ok());
  EXPECT_EQ(lead.follow_ups_size(), 1);
  EXPECT_EQ(AdjustClass(*FindHandling(p, "430204/sthj"), pb::REPLY_CLASS_A, "x").code(),
            absl::StatusCode::kFailedPrecondition);  // a co-handling unit has no reply
}

TEST_F(ProposalsTest, ExtensionsUpToSixMonthsFromAssignment) {
  pb::Proposal p = Assigned();
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  // Six months after 2026-11-23 is 2027-05-23.
  auto s = RequestExtension(lead, "2027-05-24", "需等预算", deadlines_, 480, now_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("requested_due_date"), std::string::npos);
  EXPECT_EQ(RequestExtension(lead, "2027-02-01", "早于原期限", deadlines_, 480, now_).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(RequestExtension(lead, "2027-05-21", "需等预算", deadlines_, 480, now_).ok());
  EXPECT_EQ(RequestExtension(lead, "2027-05-20", "again", deadlines_, 480, now_).code(),
            absl::StatusCode::kFailedPrecondition);  // one pending at a time
  ASSERT_TRUE(DecideExtension(lead, true, "wu", "", now_).ok());
  EXPECT_EQ(lead.due_date(), "2027-05-21");
  EXPECT_EQ(lead.assigned_due_date(), "2027-02-23");
  EXPECT_EQ(DecideExtension(lead, false, "wu", "x", now_).code(),
            absl::StatusCode::kFailedPrecondition);  // nothing pending
  // A co-handling unit owes no reply and asks for no extension.
  EXPECT_EQ(
      RequestExtension(*FindHandling(p, "430204/sthj"), "2027-03-01", "x", deadlines_, 480, now_)
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

// ---- Ratings, re-handling and closure ----

TEST_F(ProposalsTest, RatingBeforeTheReplyIsOutOfOrderEvenBeforeReview) {
  pb::Proposal p = Submitted();
  auto early = Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "", deadlines_, now_);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalsTest, AnExtensionIsDecidedOnlyWhileTheUnitOwesItsReply) {
  pb::Proposal p = Assigned();
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(RequestExtension(lead, "2027-04-30", "需等预算", deadlines_, 480, now_).ok());
  HandleAndReply(p);
  EXPECT_EQ(lead.extensions(0).state(), pb::EXTENSION_STATE_LAPSED);
  EXPECT_EQ(DecideExtension(lead, true, "wu", "", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(lead.due_date(), "2027-02-23");
}

TEST_F(ProposalsTest, RatingRules) {
  pb::Proposal p = Assigned();
  auto early =
      Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "2027-01-01", deadlines_, now_);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);  // before the reply
  HandleAndReply(p);
  auto stranger =
      Rate(p, "song", p.id(), pb::SATISFACTION_SATISFIED, "", "2027-01-01", deadlines_, now_);
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  auto first =
      Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "2027-01-01", deadlines_, now_);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, Rated::kRecorded);
  auto second =
      Rate(p, "zheng", p.id(), pb::SATISFACTION_BASICALLY, "", "2027-01-01", deadlines_, now_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(p.ratings_size(), 1);
}

TEST_F(ProposalsTest, UnsatisfiedStartsRehandlingThenEveryoneRatesAgainAndItCloses) {
  pb::Proposal p = Assigned();
  HandleAndReply(p, pb::REPLY_CLASS_B);
  ASSERT_EQ(
      *Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "2027-01-04", deadlines_, now_),
      Rated::kRecorded);
  ASSERT_EQ(*Rate(p, "lin", p.id(), pb::SATISFACTION_UNSATISFIED, "没有时间表", "2027-01-04",
                  deadlines_, now_),
            Rated::kRehandling);
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_HANDLING);
  EXPECT_EQ(p.round(), 2);
  EXPECT_EQ(p.rehandling_count(), 1);
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  EXPECT_EQ(lead.state(), pb::HANDLING_STATE_SIGNED);
  EXPECT_EQ(lead.due_date(), "2027-01-04");
  ASSERT_EQ(lead.earlier_replies_size(), 1);
  EXPECT_EQ(lead.earlier_replies(0).round(), 1);
  EXPECT_EQ(lead.reply().reply_class(), pb::REPLY_CLASS_UNSPECIFIED);
  // The round-1 contact does not count for round 2.
  EXPECT_EQ(ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", today_, Later(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(LogContact(lead, Visit(), 2, "chen", Later(2)).ok());
  ASSERT_TRUE(ReplyTo(p, lead, ReplyOf(pb::REPLY_CLASS_A), "chen", DayAfter(2), Later(2)).ok());
  EXPECT_EQ(lead.reply().round(), 2);
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_REPLIED);
  for (const char* who : {"zheng", "feng"}) {
    ASSERT_EQ(*Rate(p, who, p.id(), pb::SATISFACTION_SATISFIED, "", "", deadlines_, Later(3)),
              Rated::kRecorded);
  }
  ASSERT_EQ(*Rate(p, "lin", p.id(), pb::SATISFACTION_BASICALLY, "", "", deadlines_, Later(3)),
            Rated::kClosed);
  EXPECT_EQ(p.state(), pb::PROPOSAL_STATE_CLOSED);
  EXPECT_EQ(p.ratings_size(), 5);
}

TEST_F(ProposalsTest, UnsatisfiedPastTheLimitIsRecordedAndTheProposalCloses) {
  deadlines_.max_rehandlings = 0;
  pb::Proposal p = Assigned();
  HandleAndReply(p);
  ASSERT_EQ(*Rate(p, "lin", p.id(), pb::SATISFACTION_UNSATISFIED, "不满意", "", deadlines_, now_),
            Rated::kRecorded);
  ASSERT_EQ(*Rate(p, "feng", p.id(), pb::SATISFACTION_SATISFIED, "", "", deadlines_, now_),
            Rated::kRecorded);
  ASSERT_EQ(*Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "", deadlines_, now_),
            Rated::kClosed);
  EXPECT_EQ(p.rehandling_count(), 0);
  EXPECT_EQ(Rate(p, "zheng", p.id(), pb::SATISFACTION_SATISFIED, "", "", deadlines_, now_)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // closed
}

// ---- Who may see what ----

TEST_F(ProposalsTest, VisibilityByRoleAndParty) {
  pb::Proposal p = Assigned();
  auto see = [&](const auth::Principal& who) {
    auto scope = ScopeFor(org_, who);
    return scope.ok() && MayRead(*scope, p);
  };
  EXPECT_TRUE(see(Who("zheng", "430204", "430204/zx", {"proposer"})));
  EXPECT_TRUE(see(Who("feng", "430204", "430204/zx", {"proposer"})));  // confirmed co-signer
  EXPECT_FALSE(see(Who("he", "430204", "430204/rd", {"proposer"})));   // someone else's
  EXPECT_TRUE(see(Who("chen", "430204", "430204/slj", {"unit_handler"})));
  EXPECT_FALSE(see(Who("x", "430204", "430204/zjj", {"unit_handler"})));  // not assigned
  EXPECT_TRUE(see(Who("wu", "430204", "430204/zx", {"proposal_office"})));
  EXPECT_FALSE(see(Who("tang", "430203", "430203/qwb", {"proposal_office"})));  // other county
  EXPECT_TRUE(see(Who("qian", "430200", "", {"leader"})));                      // the city above
  EXPECT_FALSE(see(Who("ma", "430203", "", {"leader"})));
  EXPECT_FALSE(see(Who("ghost", "999999", "", {"leader"})));  // a tenant not served here
  EXPECT_FALSE(ScopeFor(org_, Who("c", "430204", "", {"clerk"})).ok());
  // Roles add up: a deputy who also works in an unassigned unit still reads their own proposal.
  EXPECT_TRUE(see(Who("zheng", "430204", "430204/zjj", {"unit_handler", "proposer"})));
  // A city leader who is also a proposal office reads the subtree, but acts as office only at home.
  auto both = Who("qian", "430200", "", {"leader", "proposal_office"});
  EXPECT_TRUE(see(both));
  EXPECT_EQ(RequireOffice(both, p.tenant(), "assigning").code(),
            absl::StatusCode::kPermissionDenied);
  // A co-signer who declined is not a party.
  pb::Proposal q = Submitted({"feng"});
  ASSERT_TRUE(RespondCoSign(q, "feng", false, now_).ok());
  auto scope = ScopeFor(org_, Who("feng", "430204", "430204/zx", {"proposer"}));
  EXPECT_FALSE(MayRead(*scope, q));
}

TEST_F(ProposalsTest, AUnitHandlerActsOnlyForItsOwnUnit) {
  pb::Proposal p = Assigned();
  auto chen = Who("chen", "430204", "430204/slj", {"unit_handler"});
  auto mine = HandlingOf(p, chen, "", "signing");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ((*mine)->unit(), "430204/slj");
  EXPECT_EQ(HandlingOf(p, chen, "430204/sthj", "signing").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto zjj = Who("x", "430204", "430204/zjj", {"unit_handler"});
  EXPECT_EQ(HandlingOf(p, zjj, "", "signing").status().code(), absl::StatusCode::kNotFound);
  auto office = Who("wu", "430204", "430204/zx", {"proposal_office"});
  EXPECT_EQ(HandlingOf(p, office, "430204/slj", "signing").status().code(),
            absl::StatusCode::kPermissionDenied);
}

// ---- Deadlines ----

TEST_F(ProposalsTest, DefaultDueIsThreeMonthsOnAWorkingDayAndShorterWhenUrgent) {
  EXPECT_EQ(DefaultDue(cal_, deadlines_, false, D("2026-11-23")), D("2027-02-23"));
  EXPECT_EQ(DefaultDue(cal_, deadlines_, true, D("2026-11-23")), D("2026-12-23"));
  // 2026-11-30 + 3 months = 2027-02-28, a Sunday: the next working day.
  EXPECT_EQ(DefaultDue(cal_, deadlines_, false, D("2026-11-30")), D("2027-03-01"));
}

TEST_F(ProposalsTest, TimersRemindBeforeTheDueDateAndCallItOverdueAfter) {
  pb::Proposal p = Assigned();
  const pb::Handling& lead = *FindHandling(p, "430204/slj");
  auto timers = TimersFor(cal_, deadlines_, lead, today_);
  ASSERT_EQ(timers.size(), 3u);
  EXPECT_EQ(timers[0].name, "1:remind:10@2027-02-23");
  EXPECT_EQ(timers[1].name, "1:remind:3@2027-02-23");
  EXPECT_EQ(timers[2].name, "1:overdue@2027-02-23");
  EXPECT_EQ(timers[1].date, D("2027-02-18"));  // Thu: three working days (18, 19, 22) remain
  EXPECT_EQ(timers[2].date, D("2027-02-24"));  // the first working day after the due date
  EXPECT_EQ(cal_.WorkingDaysBetween(timers[0].date, D("2027-02-23")), 10);
  // A co-handling unit has no timers.
  EXPECT_TRUE(TimersFor(cal_, deadlines_, *FindHandling(p, "430204/sthj"), today_).empty());

  auto overdue = DecideTimer(cal_, p, "1:overdue@2027-02-23", D("2027-02-24"));
  EXPECT_EQ(overdue.outcome, kFired);
  EXPECT_TRUE(overdue.overdue);
  EXPECT_EQ(overdue.working_days, 1);
  auto remind = DecideTimer(cal_, p, "1:remind:3@2027-02-23", D("2027-02-18"));
  EXPECT_EQ(remind.outcome, kFired);
  EXPECT_EQ(remind.working_days, 3);
  // Not yet late: skipped; a timer of a due date that moved since (an extension): skipped.
  EXPECT_EQ(DecideTimer(cal_, p, "1:overdue@2027-02-23", D("2027-02-23")).outcome, kSkipped);
  EXPECT_EQ(DecideTimer(cal_, p, "1:overdue@2027-01-29", D("2027-02-24")).outcome, kSkipped);
  EXPECT_EQ(DecideTimer(cal_, p, "9:overdue", D("2027-03-01")).outcome, kSkipped);
  EXPECT_EQ(DecideTimer(cal_, p, "garbage", D("2027-03-01")).outcome, kSkipped);
  // Replied: nothing fires.
  HandleAndReply(p);
  EXPECT_EQ(DecideTimer(cal_, p, "1:overdue@2027-02-23", D("2027-03-01")).outcome, kSkipped);
}

TEST_F(ProposalsTest, AnExtensionGivesTheHandlingNewTimers) {
  pb::Proposal p = Assigned();
  pb::Handling& lead = *FindHandling(p, "430204/slj");
  ASSERT_TRUE(RequestExtension(lead, "2027-04-30", "需等预算", deadlines_, 480, now_).ok());
  ASSERT_TRUE(DecideExtension(lead, true, "wu", "", now_).ok());
  auto timers = TimersFor(cal_, deadlines_, lead, D("2027-02-20"));
  ASSERT_EQ(timers.size(), 3u);
  EXPECT_EQ(timers[2].name,
            "1:overdue@2027-04-30");  // a new name: it fires even if the old one did
  EXPECT_EQ(DecideTimer(cal_, p, "1:overdue@2027-04-30", D("2027-05-06")).outcome, kFired);
}

}  // namespace
}  // namespace zs::proposals

#include "domain/sources.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::supervision {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430204", name: 石峰区}
  - {code: "430203", name: 芦淞区}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430204/sthj", name: 生态环境分局, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
users: []
)";

class SourcesTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  TimePoint now_ = FromMillis(1795280400000);

  static ev::InstructionIssued Instruction() {
    ev::InstructionIssued in;
    in.set_instruction_id("430204-i-1");
    in.set_report_id("430204-r-1");
    in.set_report_title("清水塘饮用水");
    in.set_text("请核查");
    in.set_leader("zhang");
    in.add_directed_units("430204/slj");
    in.add_directed_units("430204/sthj");
    in.set_due_date("2026-12-31");
    return in;
  }
};

TEST_F(SourcesTest, AnInstructionOpensAnItemLedByTheFirstUnit) {
  const ReportContext report{"约 1200 户", false, "430204"};
  auto s = FromInstruction(Instruction(), "430204", &report);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->item.title(), "关于《清水塘饮用水》的批示");
  EXPECT_EQ(s->item.source_type(), ev::SOURCE_TYPE_LEADER_INSTRUCTION);
  EXPECT_EQ(s->item.source_ref(), "430204-i-1");
  EXPECT_EQ(s->item.background(), "约 1200 户");
  EXPECT_FALSE(s->item.negative());
  EXPECT_EQ(s->lead_unit, "430204/slj");
  EXPECT_EQ(s->co_units, std::vector<std::string>{"430204/sthj"});

  auto opening = OpenSourced(org_, "430204", "reporting.instruction.issued", *s, now_);
  ASSERT_TRUE(opening.ok()) << opening.status();
  EXPECT_EQ(opening->item.state(), pb::ITEM_STATE_OPEN);
  EXPECT_EQ(opening->item.priority(), pb::PRIORITY_HIGH);
  EXPECT_EQ(opening->task.due_date(), "2026-12-31");
  auto again = OpenSourced(org_, "430204", "reporting.instruction.issued", *s, now_);
  EXPECT_EQ(again->item.id(), opening->item.id()) << "ids derive from the source";
  EXPECT_EQ(again->task.id(), opening->task.id());
}

TEST_F(SourcesTest, NegativeOrUnknownReportsKeepTheirWordsOutOfTheItem) {
  auto unknown = FromInstruction(Instruction(), "430204", nullptr);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->item.negative());
  EXPECT_TRUE(unknown->item.background().empty());
  const ReportContext negative{"内容", true, "430204"};
  EXPECT_TRUE(FromInstruction(Instruction(), "430204", &negative)->item.negative());
  const ReportContext elsewhere{"", false, "430203"};
  EXPECT_EQ(FromInstruction(Instruction(), "430204", &elsewhere).status().code(),
            absl::StatusCode::kPermissionDenied);
  ev::InstructionIssued no_units = Instruction();
  no_units.clear_directed_units();
  EXPECT_EQ(FromInstruction(no_units, "430204", nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SourcesTest, DecisionsDocumentsAndOverdueProposalsMapToTheirItems) {
  ev::MeetingDecisionRecorded d;
  d.set_meeting_id("430204-mt-1");
  d.set_decision_id("m-1");
  d.set_meeting_title("事件里的标题");
  d.set_lead_unit("430204/slj");
  d.add_co_units("430204/slj");
  d.set_due_date("2026-12-31");
  CoordinationRecord held;
  held.tenant = "430204";
  held.found = true;
  held.title = "区委常委会第 12 次会议";
  held.text = "推进清水塘供水改造";
  held.leader = "zhang.shuji";
  held.units = {"430204/slj", "430204/slj"};
  held.due_date = "2026-12-31";
  auto meeting = FromMeetingDecision(d, "430204", held);
  ASSERT_TRUE(meeting.ok()) << meeting.status();
  // The words are coordination's, not the event's.
  EXPECT_EQ(meeting->item.title(), "区委常委会第 12 次会议 议定事项");
  EXPECT_EQ(meeting->item.requirement(), "推进清水塘供水改造");
  EXPECT_EQ(meeting->item.source_type(), ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION);
  auto opened = OpenSourced(org_, "430204", "x", *meeting, now_);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->task.co_units_size(), 0) << "the lead does not also assist";
  EXPECT_FALSE(FromMeetingDecision(ev::MeetingDecisionRecorded(), "430204", held).ok());
  // A decision coordination does not hold, one of another county, or one whose units or date
  // the event changed, opens nothing.
  CoordinationRecord missing = held;
  missing.found = false;
  EXPECT_EQ(FromMeetingDecision(d, "430204", missing).status().code(),
            absl::StatusCode::kFailedPrecondition);
  CoordinationRecord elsewhere = held;
  elsewhere.tenant = "430203";
  EXPECT_EQ(FromMeetingDecision(d, "430204", elsewhere).status().code(),
            absl::StatusCode::kPermissionDenied);
  ev::MeetingDecisionRecorded moved = d;
  moved.set_lead_unit("430204/zjj");
  EXPECT_EQ(FromMeetingDecision(moved, "430204", held).status().code(),
            absl::StatusCode::kFailedPrecondition);
  moved = d;
  moved.set_due_date("2027-06-30");
  EXPECT_EQ(FromMeetingDecision(moved, "430204", held).status().code(),
            absl::StatusCode::kFailedPrecondition);

  ev::DocumentInstructionRecorded doc;
  doc.set_document_id("430204-doc-1");
  doc.set_instruction_id("d-1");
  doc.set_document_title("关于供水");
  doc.set_document_number("石政发〔2026〕3号");
  doc.add_directed_units("430204/sthj");
  doc.set_due_date("2026-12-20");
  CoordinationRecord paper;
  paper.tenant = "430204";
  paper.found = true;
  paper.title = "关于供水";
  paper.number = "石政发〔2026〕3号";
  paper.text = "请生态环境分局牵头落实";
  paper.units = {"430204/sthj"};
  paper.due_date = "2026-12-20";
  auto document = FromDocumentInstruction(doc, "430204", paper);
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(document->item.title(), "关于《关于供水》(石政发〔2026〕3号)的批示");
  EXPECT_EQ(document->lead_unit, "430204/sthj");
  // A classified document's title stays with its readers, whatever the event carries.
  CoordinationRecord secret = paper;
  secret.secret = true;
  secret.title = "";
  auto classified = FromDocumentInstruction(doc, "430204", secret);
  ASSERT_TRUE(classified.ok());
  EXPECT_EQ(classified->item.title().find("关于供水"), std::string::npos)
      << classified->item.title();
  EXPECT_NE(classified->item.title().find("石政发〔2026〕3号"), std::string::npos);
  CoordinationRecord unheld = paper;
  unheld.found = false;
  EXPECT_EQ(FromDocumentInstruction(doc, "430204", unheld).status().code(),
            absl::StatusCode::kFailedPrecondition);

  ev::ProposalOverdue p;
  p.set_proposal_id("p-1");
  p.set_unit("430204/slj");
  p.set_number("12");
  p.set_kind("npc_suggestion");
  p.set_title("加快管网改造");
  p.set_working_days_overdue(4);
  p.set_due_date("2026-11-30");
  p.set_new_due_date("2026-12-15");
  ProposalContext ctx{"430204", "加快老旧管网改造", "12", "npc_suggestion", true};
  auto proposal = FromProposalOverdue(p, "430204", ctx);
  ASSERT_TRUE(proposal.ok());
  ASSERT_TRUE(proposal->has_value());
  // The title is the proposal's as the proposals service tells it, not the event's.
  EXPECT_EQ((*proposal)->item.title(), "督办：第 12 号建议《加快老旧管网改造》");
  EXPECT_EQ((*proposal)->item.source_ref(), "p-1/430204/slj") << "one item per late unit";
  EXPECT_EQ((*proposal)->item.priority(), pb::PRIORITY_URGENT);
  EXPECT_EQ((*proposal)->item.deadline(), "2026-12-15");
  // A proposal of another tenant is refused; a unit that replied meanwhile opens nothing.
  EXPECT_EQ(FromProposalOverdue(p, "430203", ctx).status().code(),
            absl::StatusCode::kPermissionDenied);
  ctx.unit_owes = false;
  auto moot = FromProposalOverdue(p, "430204", ctx);
  ASSERT_TRUE(moot.ok());
  EXPECT_FALSE(moot->has_value());
}

TEST_F(SourcesTest, OpeningChecksTenantUnitsAndDueDate) {
  auto s = *FromInstruction(Instruction(), "430204", nullptr);
  EXPECT_EQ(OpenSourced(org_, "999999", "e", s, now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto foreign = s;
  foreign.lead_unit = "430203/slj";
  EXPECT_FALSE(OpenSourced(org_, "430204", "e", foreign, now_).ok());
  auto undated = s;
  undated.item.set_deadline("soon");
  auto r = OpenSourced(org_, "430204", "e", undated, now_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("e: bad due date", 0), 0u) << r.status();
}

}  // namespace
}  // namespace zs::supervision

// The proposals service (建议提案办理) black-box over real gRPC, with the real binary, a real
// redis-server and a real SQLite file, as the demo roles of deploy/local/org.yaml: the lifecycle
// from submission to closure, numbering, merging, split handling and public replies, who sees and
// does what, retries, bad input, and the statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/ids.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ppb = zhongshu::proposals::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kDay = 86400000;

// The call is made once; its code and message are shown when the code differs.
#define EXPECT_CODE(status, code) EXPECT_TRUE(HasCode((status), (code)))

// INVALID_ARGUMENT whose message starts with the field's name.
#define EXPECT_INVALID(status, field)                                               \
  do {                                                                              \
    const grpc::Status s_ = (status);                                               \
    EXPECT_EQ(s_.error_code(), StatusCode::INVALID_ARGUMENT) << s_.error_message(); \
    EXPECT_EQ(s_.error_message().rfind(std::string(field) + ":", 0), 0u)            \
        << "expected field " << (field) << ": " << s_.error_message();              \
  } while (0)

class ProposalsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    proposals_ = StartProposals(ZS_PROPOSALS_BIN, *redis_, dir_->path() + "/proposals", clock_file_)
                     .release();
  }
  static void TearDownTestSuite() {
    delete proposals_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override { stub_ = ppb::ProposalsService::NewStub(proposals_->Channel()); }
  // Time moved by a test is put back even when the test failed half-way.
  void TearDown() override { SetNow(kMonday0900); }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  int64_t Count(const std::string& sql) { return QueryInt(proposals_->db_path(), sql); }
  // What any write leaves behind: rows, versions, audit rows and events.
  std::vector<int64_t> Footprint() {
    return {Count("SELECT COUNT(*) FROM proposals"),
            Count("SELECT COALESCE(SUM(version), 0) FROM proposals"),
            Count("SELECT COUNT(*) FROM proposal_parties"),
            Count("SELECT COUNT(*) FROM audit_log"),
            Count("SELECT COUNT(*) FROM outbox"),
            Count("SELECT COUNT(*) FROM timers")};
  }
  int64_t EventsFor(const std::string& id, const std::string& type) {
    return Count("SELECT COUNT(*) FROM outbox WHERE type = '" + type +
                 "' AND event_id IN (SELECT event_id FROM audit_log WHERE resource = '" + id +
                 "')");
  }
  ppb::Proposal Get(const std::string& user, const std::string& id, grpc::Status* status) {
    ppb::GetProposalRequest g;
    g.set_id(id);
    ppb::Proposal p;
    *status = stub_->GetProposal(As(user).get(), g, &p);
    return p;
  }
  std::vector<std::string> ListIds(const std::string& user, const std::string& session = "") {
    ppb::ListProposalsRequest l;
    l.set_page_size(500);
    l.set_session(session);
    ppb::ListProposalsResponse resp;
    auto s = stub_->ListProposals(As(user).get(), l, &resp);
    EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
    std::vector<std::string> ids;
    for (const auto& p : resp.proposals()) ids.push_back(p.id());
    return ids;
  }
  static bool Has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
  // The unit's handling that is not replaced (an empty one, reported, when there is none).
  const ppb::Handling* HandlingOf(const ppb::Proposal& p, const std::string& unit) {
    for (const auto& h : p.handlings()) {
      if (h.unit() == unit && h.state() != ppb::HANDLING_STATE_REPLACED) return &h;
    }
    ADD_FAILURE() << "proposal " << p.id() << " has no handling of " << unit;
    return &ppb::Handling::default_instance();
  }
  // A registered proposal of zheng.weiyuan's in `session`, assigned to 水利局 alone.
  ppb::Proposal AssignedToWater(const std::string& session, const std::string& title,
                                const std::string& due = "") {
    const auto p = SubmitProposal(*stub_, "zheng.weiyuan", session, title);
    RegisterProposal(*stub_, p.id());
    return AssignSole(*stub_, p.id(), "430204/slj", due);
  }
  grpc::Status Reply(const std::string& user, const std::string& id, ppb::Proposal* out) {
    ppb::ReplyProposalRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    r.mutable_reply()->set_reply_class(ppb::REPLY_CLASS_A);
    r.mutable_reply()->set_text("已完成管网改造，水质达标");
    return stub_->ReplyProposal(As(user).get(), r, out);
  }
  grpc::Status Rate(const std::string& user, const std::string& id, ppb::Satisfaction sat,
                    ppb::Proposal* out) {
    ppb::RateProposalRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    r.set_satisfaction(sat);
    r.set_comment("评价");
    return stub_->RateProposal(As(user).get(), r, out);
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* proposals_;
  std::unique_ptr<ppb::ProposalsService::Stub> stub_;
};

TempDir* ProposalsApiTest::dir_ = nullptr;
std::string ProposalsApiTest::clock_file_;
RedisServer* ProposalsApiTest::redis_ = nullptr;
ServiceProcess* ProposalsApiTest::proposals_ = nullptr;

constexpr char kWaterText[] =
    "清水塘片区老旧供水管网锈蚀严重，居民反映自来水有异味、发黄。建议区水利局会同区生态环境分局"
    "全面排查供水管网，尽快改造老旧管道，并定期公开水质检测结果。";
constexpr char kWaterText2[] =
    "清水塘片区供水管网老旧锈蚀，居民反映自来水发黄有异味。建议全面排查供水管网，改造老旧管道，"
    "定期公开水质检测结果，保障居民饮水安全。";
constexpr char kSchoolText[] =
    "石峰区城区学校学位紧张，大班额问题突出。建议加快新建中小学校，扩充学位供给，优化学区划分，"
    "缓解入学难问题。";

// 提交 → 联名 → 立案 → 并案 → 主办/会办 → 答复 → 评价 → 不满意重新办理 → 答复 → 办结, as the real
// roles, with every refusal on the way writing nothing.
TEST_F(ProposalsApiTest, TheWholeLifecycleFromSubmissionToClosure) {
  const std::string session = "十七届五次-生命周期";
  // 郑委员 leads, inviting 冯委员, 林委员 and 何代表.
  const auto p = SubmitProposal(
      *stub_, "zheng.weiyuan", session, "关于改造清水塘片区供水管网的提案",
      {"feng.weiyuan", "lin.weiyuan", "he.daibiao"}, ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, kWaterText);
  ASSERT_FALSE(p.id().empty());
  EXPECT_EQ(p.id().rfind("430204-p-", 0), 0u) << p.id();
  EXPECT_EQ(p.tenant(), "430204");
  EXPECT_EQ(p.state(), ppb::PROPOSAL_STATE_SUBMITTED);
  EXPECT_EQ(p.proposer(), "zheng.weiyuan");
  EXPECT_EQ(p.proposer_name(), "郑委员");
  EXPECT_EQ(p.number(), 0);
  ASSERT_EQ(p.co_signers_size(), 3);
  EXPECT_EQ(p.co_signers(0).name(), "冯委员");
  for (const auto& c : p.co_signers()) EXPECT_EQ(c.state(), ppb::CO_SIGN_STATE_INVITED);

  // 冯委员 confirms, 林委员 declines, 何代表 does not answer.
  ppb::RespondCoSignRequest co;
  co.set_request_id(NewUuid());
  co.set_id(p.id());
  co.set_answer(ppb::CO_SIGN_ANSWER_CONFIRM);
  ppb::Proposal out;
  ASSERT_TRUE(stub_->RespondCoSign(As("feng.weiyuan").get(), co, &out).ok());
  EXPECT_EQ(out.co_signers(0).state(), ppb::CO_SIGN_STATE_CONFIRMED);
  EXPECT_EQ(out.version(), 2);
  co.set_request_id(NewUuid());
  EXPECT_CODE(stub_->RespondCoSign(As("feng.weiyuan").get(), co, &out),
              StatusCode::FAILED_PRECONDITION);
  co.set_request_id(NewUuid());
  co.set_answer(ppb::CO_SIGN_ANSWER_DECLINE);
  ASSERT_TRUE(stub_->RespondCoSign(As("lin.weiyuan").get(), co, &out).ok());
  EXPECT_EQ(out.co_signers(1).state(), ppb::CO_SIGN_STATE_DECLINED);

  // 林委员 writes their own on the same water; an unrelated one on schools.
  const auto q = SubmitProposal(*stub_, "lin.weiyuan", session, "关于保障清水塘居民饮水安全的提案",
                                {}, ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, kWaterText2);
  const auto school = SubmitProposal(*stub_, "feng.weiyuan", session, "关于缓解城区学位紧张的提案",
                                     {}, ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, kSchoolText);

  // 立案: numbered 1, 2, 3 in the order registered; the unanswered invitation lapses.
  const auto reg = RegisterProposal(*stub_, p.id());
  EXPECT_EQ(reg.state(), ppb::PROPOSAL_STATE_REGISTERED);
  EXPECT_EQ(reg.number(), 1);
  EXPECT_EQ(reg.reviewed_by(), "wu.tian");
  EXPECT_EQ(reg.co_signers(2).state(), ppb::CO_SIGN_STATE_LAPSED);
  EXPECT_EQ(std::vector<std::string>(reg.raters().begin(), reg.raters().end()),
            (std::vector<std::string>{"zheng.weiyuan", "feng.weiyuan"}));
  EXPECT_EQ(RegisterProposal(*stub_, q.id()).number(), 2);
  EXPECT_EQ(RegisterProposal(*stub_, school.id()).number(), 3);
  // The lapsed co-signer no longer reads it.
  grpc::Status st;
  Get("he.daibiao", p.id(), &st);
  EXPECT_CODE(st, StatusCode::NOT_FOUND);

  // Similar proposals, ranked with scores: 林委员's first, the school one not at all.
  ppb::ListSimilarProposalsRequest sim;
  sim.set_id(p.id());
  ppb::ListSimilarProposalsResponse similar;
  ASSERT_TRUE(stub_->ListSimilarProposals(As("wu.tian").get(), sim, &similar).ok());
  ASSERT_GE(similar.proposals_size(), 1);
  EXPECT_EQ(similar.proposals(0).id(), q.id());
  EXPECT_EQ(similar.proposals(0).number(), 2);
  EXPECT_GT(similar.proposals(0).score(), 0.4);
  EXPECT_LE(similar.proposals(0).score(), 1.0);
  for (int i = 1; i < similar.proposals_size(); ++i) {
    EXPECT_LE(similar.proposals(i).score(), similar.proposals(i - 1).score());
  }
  for (const auto& s : similar.proposals()) {
    EXPECT_NE(s.id(), school.id()) << s.score();
    EXPECT_NE(s.id(), p.id()) << "not similar to itself";
  }
  // Proposers do not see the ranking.
  EXPECT_CODE(stub_->ListSimilarProposals(As("zheng.weiyuan").get(), sim, &similar),
              StatusCode::PERMISSION_DENIED);

  // 并案: 林委员's is handled with 郑委员's; 林委员 rates its replies.
  ppb::MergeProposalsRequest merge;
  merge.set_request_id(NewUuid());
  merge.set_primary_id(p.id());
  merge.add_merged_ids(q.id());
  ASSERT_TRUE(stub_->MergeProposals(As("wu.tian").get(), merge, &out).ok());
  EXPECT_EQ(std::vector<std::string>(out.merged_ids().begin(), out.merged_ids().end()),
            std::vector<std::string>{q.id()});
  EXPECT_EQ(std::vector<std::string>(out.raters().begin(), out.raters().end()),
            (std::vector<std::string>{"zheng.weiyuan", "feng.weiyuan", "lin.weiyuan"}));
  const auto merged = Get("lin.weiyuan", q.id(), &st);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(merged.state(), ppb::PROPOSAL_STATE_MERGED);
  EXPECT_EQ(merged.merged_into(), p.id());

  // 交办: 水利局 leads, 生态环境分局 co-handles.
  ppb::AssignProposalRequest assign;
  assign.set_request_id(NewUuid());
  assign.set_id(p.id());
  assign.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
  assign.set_lead_unit("430204/slj");
  assign.add_co_units("430204/sthj");
  ASSERT_TRUE(stub_->AssignProposal(As("wu.tian").get(), assign, &out).ok());
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_HANDLING);
  EXPECT_EQ(out.mode(), ppb::ASSIGNMENT_MODE_LEAD);
  ASSERT_EQ(out.handlings_size(), 2);
  EXPECT_EQ(out.handlings(0).unit(), "430204/slj");
  EXPECT_EQ(out.handlings(0).unit_name(), "区水利局");
  EXPECT_EQ(out.handlings(1).unit_name(), "区生态环境分局");
  EXPECT_EQ(out.handlings(0).role(), ppb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(out.handlings(1).role(), ppb::HANDLING_ROLE_CO);
  // Three months on, the next working day: 2027-02-23 is a Tuesday.
  EXPECT_EQ(out.handlings(0).due_date(), "2027-02-23");
  EXPECT_EQ(out.handlings(0).state(), ppb::HANDLING_STATE_ASSIGNED);

  // Not replied yet: nobody rates.
  EXPECT_CODE(Rate("zheng.weiyuan", p.id(), ppb::SATISFACTION_SATISFIED, &out),
              StatusCode::FAILED_PRECONDITION);

  SignAs(*stub_, "chen.shuili", p.id());
  // The lead replies neither before a logged contact nor before the co-handling opinion.
  auto before = Footprint();
  EXPECT_CODE(Reply("chen.shuili", p.id(), &out), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Footprint(), before);
  ContactAs(*stub_, "chen.shuili", p.id());
  before = Footprint();
  st = Reply("chen.shuili", p.id(), &out);
  EXPECT_CODE(st, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("430204/sthj"), std::string::npos) << st.error_message();
  EXPECT_EQ(Footprint(), before);
  // A co-handling unit sends an opinion and does not reply.
  SignAs(*stub_, "zhou.huanbao", p.id());
  EXPECT_CODE(Reply("zhou.huanbao", p.id(), &out), StatusCode::FAILED_PRECONDITION);
  ppb::SendOpinionRequest op;
  op.set_request_id(NewUuid());
  op.set_id(p.id());
  op.set_opinion("建议同步排查沿线排污口");
  ASSERT_TRUE(stub_->SendOpinion(As("zhou.huanbao").get(), op, &out).ok());
  EXPECT_EQ(HandlingOf(out, "430204/sthj")->state(), ppb::HANDLING_STATE_OPINION_SENT);

  SetNow(kMonday0900 + 3600000);  // 10:00, an hour after the contact
  out = ReplyAs(*stub_, "chen.shuili", p.id(), ppb::REPLY_CLASS_B, "管网改造已列入明年计划");
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_REPLIED);
  EXPECT_EQ(HandlingOf(out, "430204/slj")->reply().round(), 1);
  EXPECT_TRUE(HandlingOf(out, "430204/slj")->reply().on_time());
  EXPECT_EQ(HandlingOf(out, "430204/slj")->reply().author(), "chen.shuili");

  // Ratings: not by a unit handler, not by someone not party to it, once per round.
  before = Footprint();
  EXPECT_CODE(Rate("chen.shuili", p.id(), ppb::SATISFACTION_SATISFIED, &out),
              StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Rate("he.daibiao", p.id(), ppb::SATISFACTION_SATISFIED, &out), StatusCode::NOT_FOUND);
  EXPECT_EQ(Footprint(), before);
  out = RateAs(*stub_, "zheng.weiyuan", p.id(), ppb::SATISFACTION_SATISFIED);
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_REPLIED) << "two raters still to rate";
  before = Footprint();
  EXPECT_CODE(Rate("zheng.weiyuan", p.id(), ppb::SATISFACTION_BASICALLY, &out),
              StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Footprint(), before);
  // 林委员 rates through their merged proposal: 不满意 starts re-handling.
  SetNow(kMonday0900 + 1 * kDay);  // Tuesday 2026-11-24
  out = RateAs(*stub_, "lin.weiyuan", q.id(), ppb::SATISFACTION_UNSATISFIED);
  EXPECT_EQ(out.id(), p.id());
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_HANDLING);
  EXPECT_EQ(out.round(), 2);
  EXPECT_EQ(out.rehandling_count(), 1);
  ASSERT_EQ(out.ratings_size(), 2);
  EXPECT_EQ(out.ratings(1).rater(), "lin.weiyuan");
  EXPECT_EQ(out.ratings(1).proposal_id(), q.id());
  {
    const auto* lead = HandlingOf(out, "430204/slj");
    EXPECT_EQ(lead->state(), ppb::HANDLING_STATE_SIGNED);
    ASSERT_EQ(lead->earlier_replies_size(), 1);
    EXPECT_EQ(lead->earlier_replies(0).text(), "管网改造已列入明年计划");
    EXPECT_EQ(lead->due_date(), "2026-12-22") << "20 working days from 2026-11-24";
    EXPECT_EQ(HandlingOf(out, "430204/sthj")->state(), ppb::HANDLING_STATE_OPINION_SENT)
        << "co-handling opinions stand";
  }
  // Round 2 needs a new contact.
  SetNow(kMonday0900 + 2 * kDay);
  before = Footprint();
  EXPECT_CODE(Reply("chen.shuili", p.id(), &out), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Footprint(), before);
  ContactAs(*stub_, "chen.shuili", p.id());
  out = ReplyAs(*stub_, "chen.shuili", p.id(), ppb::REPLY_CLASS_A, "已完成管网改造，水质达标");
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_REPLIED);
  EXPECT_EQ(HandlingOf(out, "430204/slj")->reply().round(), 2);

  // Every rater rates round 2; the last rating closes it.
  out = RateAs(*stub_, "zheng.weiyuan", p.id(), ppb::SATISFACTION_SATISFIED);
  out = RateAs(*stub_, "lin.weiyuan", q.id(), ppb::SATISFACTION_BASICALLY);
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_REPLIED);
  out = RateAs(*stub_, "feng.weiyuan", p.id(), ppb::SATISFACTION_SATISFIED);
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_CLOSED);
  EXPECT_TRUE(out.has_close_time());
  EXPECT_EQ(out.ratings_size(), 5);
  EXPECT_CODE(Rate("feng.weiyuan", p.id(), ppb::SATISFACTION_SATISFIED, &out),
              StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(EventsFor(p.id(), "proposals.proposal.closed"), 1);
  EXPECT_EQ(EventsFor(p.id(), "proposals.proposal.rehandling"), 1);
  EXPECT_EQ(EventsFor(p.id(), "proposals.proposal.replied"), 2);
}

// A contact logged after the reply but before the 不满意 is not the new contact a re-handling
// needs (the unit goes back to SIGNED and "each logs a new contact and replies again").
TEST_F(ProposalsApiTest, ARehandlingNeedsAContactLoggedAfterItStarted) {
  const auto p = AssignedToWater("十七届五次-重新办理", "关于整治清水塘河道黑臭水体的提案");
  SignAs(*stub_, "chen.shuili", p.id());
  ContactAs(*stub_, "chen.shuili", p.id());
  SetNow(kMonday0900 + 3600000);  // 10:00, an hour after the contact
  ReplyAs(*stub_, "chen.shuili", p.id(), ppb::REPLY_CLASS_B, "已列入计划");
  SetNow(kMonday0900 + 1 * kDay);
  ContactAs(*stub_, "chen.shuili", p.id());  // before the rating: part of round 1
  SetNow(kMonday0900 + 2 * kDay);
  auto out = RateAs(*stub_, "zheng.weiyuan", p.id(), ppb::SATISFACTION_UNSATISFIED);
  ASSERT_EQ(out.state(), ppb::PROPOSAL_STATE_HANDLING);
  const auto before = Footprint();
  EXPECT_CODE(Reply("chen.shuili", p.id(), &out), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Footprint(), before);
}

TEST_F(ProposalsApiTest, NumbersRunPerKindAndSessionAndAPaperNumberIsGivenOnce) {
  const std::string s1 = "十七届五次-编号", s2 = "十七届六次-编号";
  auto cppcc = [&](const std::string& session, const std::string& title) {
    return SubmitProposal(*stub_, "zheng.weiyuan", session, title);
  };
  const auto a = cppcc(s1, "编号一"), b = cppcc(s1, "编号二"), paper = cppcc(s1, "纸质提案");
  const auto dup = cppcc(s1, "重号提案"), other_session = cppcc(s2, "下一次会议");
  const auto npc =
      SubmitProposal(*stub_, "he.daibiao", s1, "人大建议", {}, ppb::PROPOSAL_KIND_NPC_SUGGESTION);
  EXPECT_EQ(RegisterProposal(*stub_, a.id()).number(), 1);
  EXPECT_EQ(RegisterProposal(*stub_, b.id()).number(), 2);
  EXPECT_EQ(RegisterProposal(*stub_, npc.id()).number(), 1) << "another kind";
  EXPECT_EQ(RegisterProposal(*stub_, other_session.id()).number(), 1) << "another session";
  EXPECT_EQ(RegisterProposal(*stub_, paper.id(), 10).number(), 10);
  // The same number again: refused, nothing written.
  const auto before = Footprint();
  ppb::ReviewProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(dup.id());
  r.set_decision(ppb::REVIEW_DECISION_REGISTER);
  r.set_number(10);
  ppb::Proposal out;
  const auto s = stub_->ReviewProposal(As("wu.tian").get(), r, &out);
  EXPECT_CODE(s, StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(s.error_message().rfind("number:", 0), 0u) << s.error_message();
  EXPECT_EQ(Footprint(), before);
  EXPECT_EQ(GetAsOffice(*stub_, dup.id()).state(), ppb::PROPOSAL_STATE_SUBMITTED);
  EXPECT_EQ(GetAsOffice(*stub_, dup.id()).version(), 1);
  // Without a number it gets the next free one, never 10 again.
  const int next = RegisterProposal(*stub_, dup.id()).number();
  EXPECT_EQ(next, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM proposals WHERE session = '" + s1 + "' AND number = 10"),
            1);
}

TEST_F(ProposalsApiTest, SplitHandlingAndPublicRepliesAcrossTenants) {
  const std::string session = "十七届五次-分办";
  const auto p = SubmitProposal(*stub_, "zheng.weiyuan", session, "关于清水塘水环境综合治理的提案");
  RegisterProposal(*stub_, p.id());
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(p.id());
  a.set_mode(ppb::ASSIGNMENT_MODE_SPLIT);
  auto* part = a.add_parts();
  part->set_unit("430204/slj");
  part->set_part("供水管网改造");
  part = a.add_parts();
  part->set_unit("430204/sthj");
  part->set_part("排污口排查");
  ppb::Proposal out;
  ASSERT_TRUE(stub_->AssignProposal(As("wu.tian").get(), a, &out).ok());
  ASSERT_EQ(out.handlings_size(), 2);
  EXPECT_EQ(out.handlings(0).role(), ppb::HANDLING_ROLE_SPLIT);
  EXPECT_EQ(out.handlings(0).part(), "供水管网改造");
  EXPECT_EQ(out.handlings(1).part(), "排污口排查");
  for (const char* user : {"chen.shuili", "zhou.huanbao"}) {
    SignAs(*stub_, user, p.id());
    ContactAs(*stub_, user, p.id());
  }
  out = ReplyAs(*stub_, "chen.shuili", p.id(), ppb::REPLY_CLASS_A, "水利局答复：管网已改造");
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_HANDLING) << "one part still owed";
  out = ReplyAs(*stub_, "zhou.huanbao", p.id(), ppb::REPLY_CLASS_B, "环保分局答复：排查中", true);
  EXPECT_EQ(out.state(), ppb::PROPOSAL_STATE_REPLIED);

  auto replies_of = [&](const std::string& user) {
    ppb::ListPublicRepliesRequest l;
    l.set_page_size(100);
    l.set_session(session);
    ppb::ListPublicRepliesResponse resp;
    auto s = stub_->ListPublicReplies(As(user).get(), l, &resp);
    EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
    return resp;
  };
  const auto mine = replies_of("zheng.weiyuan");
  ASSERT_EQ(mine.replies_size(), 1) << "the reply marked not public is absent";
  EXPECT_EQ(mine.replies(0).proposal_id(), p.id());
  EXPECT_EQ(mine.replies(0).unit(), "430204/slj");
  EXPECT_EQ(mine.replies(0).unit_name(), "区水利局");
  EXPECT_EQ(mine.replies(0).text(), "水利局答复：管网已改造");
  EXPECT_EQ(mine.replies(0).reply_class(), ppb::REPLY_CLASS_A);
  EXPECT_EQ(mine.replies(0).tenant(), "430204");
  // Any signed-in user of the county reads it; the sibling county does not; the city does.
  EXPECT_EQ(replies_of("feng.weiyuan").replies_size(), 1);
  EXPECT_EQ(replies_of("song.weiyuan").replies_size(), 0);
  EXPECT_EQ(replies_of("tang.tian").replies_size(), 0);
  const auto city = replies_of("qian.shiwei");
  ASSERT_EQ(city.replies_size(), 1);
  EXPECT_EQ(city.replies(0).text(), "水利局答复：管网已改造");

  // Narrowed to one office: the city reads the county's replies, or the sibling's (none); a
  // county cannot widen its view to the city, and an unknown office is named.
  auto narrowed = [&](const std::string& user, const std::string& tenant,
                      ppb::ListPublicRepliesResponse* resp) {
    ppb::ListPublicRepliesRequest l;
    l.set_page_size(100);
    l.set_session(session);
    l.set_tenant(tenant);
    return stub_->ListPublicReplies(As(user).get(), l, resp);
  };
  ppb::ListPublicRepliesResponse resp;
  ASSERT_TRUE(narrowed("qian.shiwei", "430204", &resp).ok());
  EXPECT_EQ(resp.replies_size(), 1);
  resp.Clear();
  ASSERT_TRUE(narrowed("qian.shiwei", "430203", &resp).ok());
  EXPECT_EQ(resp.replies_size(), 0);
  resp.Clear();
  grpc::Status st = narrowed("song.weiyuan", "430200", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED) << st.error_message();
  EXPECT_EQ(resp.replies_size(), 0);
  st = narrowed("qian.shiwei", "999999", &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("tenant"), std::string::npos) << st.error_message();
}

TEST_F(ProposalsApiTest, ProposersUnitsAndOfficesSeeAndDoOnlyWhatIsTheirs) {
  const std::string session = "十七届五次-权限";
  const auto p = AssignedToWater(session, "关于加强清水塘水源地保护的提案");
  grpc::Status st;
  ppb::Proposal out;
  const auto before = Footprint();

  // Reading: the proposer and the assigned unit do; another proposer, another unit, the other
  // county's office do not even learn it exists.
  Get("zheng.weiyuan", p.id(), &st);
  EXPECT_TRUE(st.ok()) << st.error_message();
  Get("chen.shuili", p.id(), &st);
  EXPECT_TRUE(st.ok()) << st.error_message();
  for (const char* user : {"feng.weiyuan", "zhou.huanbao", "tang.tian", "song.weiyuan"}) {
    Get(user, p.id(), &st);
    EXPECT_CODE(st, StatusCode::NOT_FOUND) << user;
  }
  EXPECT_TRUE(Has(ListIds("zheng.weiyuan", session), p.id()));
  EXPECT_TRUE(Has(ListIds("chen.shuili", session), p.id()));
  EXPECT_TRUE(Has(ListIds("wu.tian", session), p.id()));
  EXPECT_TRUE(Has(ListIds("zhang.shuji", session), p.id())) << "the county's leader";
  EXPECT_TRUE(Has(ListIds("qian.shiwei", session), p.id())) << "the city's leader";
  EXPECT_FALSE(Has(ListIds("feng.weiyuan", session), p.id()));
  EXPECT_FALSE(Has(ListIds("zhou.huanbao", session), p.id()));
  EXPECT_FALSE(Has(ListIds("tang.tian", session), p.id()));
  // The unit filter does not widen a unit handler's view.
  {
    ppb::ListProposalsRequest l;
    l.set_unit("430204/slj");
    l.set_session(session);
    ppb::ListProposalsResponse resp;
    ASSERT_TRUE(stub_->ListProposals(As("zhou.huanbao").get(), l, &resp).ok());
    EXPECT_EQ(resp.proposals_size(), 0);
  }

  // Another proposer can neither read nor rate it.
  EXPECT_CODE(Rate("feng.weiyuan", p.id(), ppb::SATISFACTION_UNSATISFIED, &out),
              StatusCode::NOT_FOUND);

  // The other county's office cannot assign or review it.
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(p.id());
  a.set_mode(ppb::ASSIGNMENT_MODE_SOLE);
  a.set_lead_unit("430203/slj");
  EXPECT_CODE(stub_->AssignProposal(As("tang.tian").get(), a, &out), StatusCode::NOT_FOUND);
  // Units of another county, in every field that names one.
  EXPECT_INVALID(stub_->AssignProposal(As("wu.tian").get(), a, &out), "lead_unit");
  a.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
  a.set_lead_unit("430204/zjj");
  a.add_co_units("430204/sthj");
  a.add_co_units("430203/slj");
  EXPECT_INVALID(stub_->AssignProposal(As("wu.tian").get(), a, &out), "co_units[1]");
  ppb::AssignProposalRequest split;
  split.set_request_id(NewUuid());
  split.set_id(p.id());
  split.set_mode(ppb::ASSIGNMENT_MODE_SPLIT);
  split.add_parts()->set_unit("430204/slj");
  split.mutable_parts(0)->set_part("一");
  split.add_parts()->set_unit("430203/slj");
  split.mutable_parts(1)->set_part("二");
  EXPECT_INVALID(stub_->AssignProposal(As("wu.tian").get(), split, &out), "parts[1].unit");

  // A proposer cannot act as the office.
  ppb::ReviewProposalRequest review;
  review.set_request_id(NewUuid());
  review.set_id(p.id());
  review.set_decision(ppb::REVIEW_DECISION_REJECT);
  review.set_reason("不属于办理范围");
  EXPECT_CODE(stub_->ReviewProposal(As("zheng.weiyuan").get(), review, &out),
              StatusCode::PERMISSION_DENIED);
  a.set_request_id(NewUuid());
  a.set_mode(ppb::ASSIGNMENT_MODE_SOLE);
  a.set_lead_unit("430204/sthj");
  a.clear_co_units();
  EXPECT_CODE(stub_->AssignProposal(As("zheng.weiyuan").get(), a, &out),
              StatusCode::PERMISSION_DENIED);
  ppb::CreateProposalRequest forged;
  forged.set_request_id(NewUuid());
  forged.mutable_proposal()->set_kind(ppb::PROPOSAL_KIND_CPPCC_PROPOSAL);
  forged.mutable_proposal()->set_session(session);
  forged.mutable_proposal()->set_title("冒名提案");
  forged.mutable_proposal()->set_content("以他人名义提交");
  forged.mutable_proposal()->set_proposer("feng.weiyuan");
  EXPECT_CODE(stub_->CreateProposal(As("zheng.weiyuan").get(), forged, &out),
              StatusCode::PERMISSION_DENIED);
  // A unit handler cannot sign for another unit's handling, nor for a unit not assigned.
  ppb::SignHandlingRequest sign;
  sign.set_request_id(NewUuid());
  sign.set_id(p.id());
  sign.set_unit("430204/slj");
  EXPECT_CODE(stub_->SignHandling(As("zhou.huanbao").get(), sign, &out), StatusCode::NOT_FOUND)
      << "it does not even see the proposal";
  sign.set_unit("430204/sthj");
  EXPECT_CODE(stub_->SignHandling(As("chen.shuili").get(), sign, &out),
              StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Footprint(), before);
  EXPECT_EQ(GetAsOffice(*stub_, p.id()).version(), p.version());
}

// A unit handler of a co-handling unit sees the proposal but cannot sign for the lead unit.
TEST_F(ProposalsApiTest, ACoHandlingUnitCannotSignForTheLeadUnit) {
  const auto p = SubmitProposal(*stub_, "zheng.weiyuan", "十七届五次-代签", "关于河道清淤的提案");
  RegisterProposal(*stub_, p.id());
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(p.id());
  a.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
  a.set_lead_unit("430204/slj");
  a.add_co_units("430204/sthj");
  ppb::Proposal out;
  ASSERT_TRUE(stub_->AssignProposal(As("wu.tian").get(), a, &out).ok());
  const auto before = Footprint();
  ppb::SignHandlingRequest sign;
  sign.set_request_id(NewUuid());
  sign.set_id(p.id());
  sign.set_unit("430204/slj");
  EXPECT_CODE(stub_->SignHandling(As("zhou.huanbao").get(), sign, &out),
              StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Footprint(), before);
  out = GetAsOffice(*stub_, p.id());
  EXPECT_EQ(HandlingOf(out, "430204/slj")->state(), ppb::HANDLING_STATE_ASSIGNED);
}

TEST_F(ProposalsApiTest, ARetryWithTheSameRequestIdReturnsTheFirstResponseAndChangesNothing) {
  const std::string session = "十七届五次-重试";
  ppb::CreateProposalRequest c;
  c.set_request_id(NewUuid());
  c.mutable_proposal()->set_kind(ppb::PROPOSAL_KIND_CPPCC_PROPOSAL);
  c.mutable_proposal()->set_session(session);
  c.mutable_proposal()->set_title("关于增设公交线路的提案");
  c.mutable_proposal()->set_content("建议增设清水塘至市区的公交线路。");
  ppb::Proposal first, again;
  ASSERT_TRUE(stub_->CreateProposal(As("zheng.weiyuan").get(), c, &first).ok());
  ASSERT_TRUE(stub_->CreateProposal(As("zheng.weiyuan").get(), c, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM proposals WHERE session = '" + session + "'"), 1);
  EXPECT_EQ(EventsFor(first.id(), "proposals.proposal.submitted"), 1);

  ppb::ReviewProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(first.id());
  r.set_decision(ppb::REVIEW_DECISION_REGISTER);
  ASSERT_TRUE(stub_->ReviewProposal(As("wu.tian").get(), r, &first).ok());
  ASSERT_TRUE(stub_->ReviewProposal(As("wu.tian").get(), r, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(first.number(), 1);
  AssignSole(*stub_, first.id(), "430204/slj");

  ppb::SignHandlingRequest sign;
  sign.set_request_id(NewUuid());
  sign.set_id(first.id());
  ASSERT_TRUE(stub_->SignHandling(As("chen.shuili").get(), sign, &first).ok());
  const auto footprint = Footprint();
  ASSERT_TRUE(stub_->SignHandling(As("chen.shuili").get(), sign, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Footprint(), footprint);
  EXPECT_EQ(GetAsOffice(*stub_, first.id()).version(), first.version());
  EXPECT_EQ(EventsFor(first.id(), "proposals.handling.signed"), 1);
  // A new request_id is a new request: signing twice is out of order.
  sign.set_request_id(NewUuid());
  EXPECT_CODE(stub_->SignHandling(As("chen.shuili").get(), sign, &again),
              StatusCode::FAILED_PRECONDITION);
}

TEST_F(ProposalsApiTest, BadInputIsRefusedNamingTheFieldAndWritesNothing) {
  const std::string session = "十七届五次-输入";
  const auto p = AssignedToWater(session, "关于完善污水处理设施的提案");
  ppb::Proposal out;
  const auto before = Footprint();
  const auto listed = ListIds("wu.tian");

  auto create = [&](std::function<void(ppb::Proposal&)> edit) {
    ppb::CreateProposalRequest c;
    c.set_request_id(NewUuid());
    auto& n = *c.mutable_proposal();
    n.set_kind(ppb::PROPOSAL_KIND_CPPCC_PROPOSAL);
    n.set_session(session);
    n.set_title("关于完善污水处理设施的提案");
    n.set_content("建议扩建污水处理厂。");
    edit(n);
    return stub_->CreateProposal(As("zheng.weiyuan").get(), c, &out);
  };
  EXPECT_INVALID(create([](ppb::Proposal& n) { n.add_co_signers()->set_subject("zheng.weiyuan"); }),
                 "proposal.co_signers[0].subject");
  EXPECT_INVALID(create([](ppb::Proposal& n) {
                   n.add_co_signers()->set_subject("feng.weiyuan");
                   n.add_co_signers()->set_subject("feng.weiyuan");
                 }),
                 "proposal.co_signers[1].subject");
  EXPECT_INVALID(create([](ppb::Proposal& n) { n.add_co_signers()->set_subject("song.weiyuan"); }),
                 "proposal.co_signers[0].subject");  // a member of another county
  EXPECT_INVALID(create([](ppb::Proposal& n) { n.set_kind(static_cast<ppb::ProposalKind>(7)); }),
                 "proposal.kind");
  EXPECT_INVALID(create([](ppb::Proposal& n) {
                   std::string big;
                   for (int i = 0; i < 10001; ++i) big += "水";
                   n.set_content(big);
                 }),
                 "proposal.content");
  EXPECT_INVALID(create([](ppb::Proposal& n) { n.set_title(""); }), "proposal.title");

  // A refusal without its reason.
  const auto waiting = SubmitProposal(*stub_, "feng.weiyuan", session, "待审查");
  const auto with_waiting = Footprint();
  ppb::ReviewProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(waiting.id());
  r.set_decision(ppb::REVIEW_DECISION_REJECT);
  EXPECT_INVALID(stub_->ReviewProposal(As("wu.tian").get(), r, &out), "reason");
  r.set_decision(static_cast<ppb::ReviewDecision>(9));
  r.set_reason("理由");
  EXPECT_INVALID(stub_->ReviewProposal(As("wu.tian").get(), r, &out), "decision");

  // Unknown enum values everywhere.
  ppb::RespondCoSignRequest co;
  co.set_request_id(NewUuid());
  co.set_id(waiting.id());
  co.set_answer(static_cast<ppb::CoSignAnswer>(5));
  EXPECT_INVALID(stub_->RespondCoSign(As("zheng.weiyuan").get(), co, &out), "answer");
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(waiting.id());
  a.set_mode(static_cast<ppb::AssignmentMode>(9));
  a.set_lead_unit("430204/slj");
  EXPECT_INVALID(stub_->AssignProposal(As("wu.tian").get(), a, &out), "mode");
  ppb::LogContactRequest contact;
  contact.set_request_id(NewUuid());
  contact.set_id(p.id());
  contact.mutable_contact()->set_method(static_cast<ppb::ContactMethod>(42));
  contact.mutable_contact()->set_summary("电话");
  EXPECT_INVALID(stub_->LogContact(As("chen.shuili").get(), contact, &out), "contact.method");
  ppb::ReplyProposalRequest reply;
  reply.set_request_id(NewUuid());
  reply.set_id(p.id());
  reply.mutable_reply()->set_reply_class(static_cast<ppb::ReplyClass>(7));
  reply.mutable_reply()->set_text("答复");
  EXPECT_INVALID(stub_->ReplyProposal(As("chen.shuili").get(), reply, &out), "reply.reply_class");
  ppb::RateProposalRequest rate;
  rate.set_request_id(NewUuid());
  rate.set_id(p.id());
  rate.set_satisfaction(static_cast<ppb::Satisfaction>(8));
  EXPECT_INVALID(stub_->RateProposal(As("zheng.weiyuan").get(), rate, &out), "satisfaction");
  ppb::ListProposalsRequest l;
  l.set_state(static_cast<ppb::ProposalState>(99));
  ppb::ListProposalsResponse lresp;
  EXPECT_INVALID(stub_->ListProposals(As("wu.tian").get(), l, &lresp), "state");

  // An extension past six months from the assignment (2026-11-23 + 6 months = 2027-05-23).
  ppb::RequestExtensionRequest ext;
  ext.set_request_id(NewUuid());
  ext.set_id(p.id());
  ext.set_requested_due_date("2027-05-24");
  ext.set_reason("需等待汛期结束后施工");
  EXPECT_INVALID(stub_->RequestExtension(As("chen.shuili").get(), ext, &out), "requested_due_date");
  ext.set_requested_due_date("2027-5-1");
  EXPECT_INVALID(stub_->RequestExtension(As("chen.shuili").get(), ext, &out), "requested_due_date");

  EXPECT_EQ(Footprint(), with_waiting);
  EXPECT_EQ(with_waiting[0], before[0] + 1) << "only the proposal awaiting review was added";
  EXPECT_EQ(GetAsOffice(*stub_, p.id()).version(), p.version());
  auto now_listed = ListIds("wu.tian");
  std::erase(now_listed, waiting.id());
  EXPECT_EQ(now_listed, listed);

  // On the limit itself it is accepted, and the office approves it.
  ext.set_request_id(NewUuid());
  ext.set_requested_due_date("2027-05-21");
  ASSERT_TRUE(SignAs(*stub_, "chen.shuili", p.id()).version() > 0);
  auto s = stub_->RequestExtension(As("chen.shuili").get(), ext, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ppb::DecideExtensionRequest d;
  d.set_request_id(NewUuid());
  d.set_id(p.id());
  d.set_unit("430204/slj");
  d.set_approve(true);
  s = stub_->DecideExtension(As("wu.tian").get(), d, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(HandlingOf(out, "430204/slj")->due_date(), "2027-05-21");
}

// The statistics of a small seeded session equal a hand count; the CSV export is for Excel.
TEST_F(ProposalsApiTest, StatisticsEqualAHandCountAndTheExportIsExcelCsv) {
  const std::string session = "十七届五次-统计";
  auto submit = [&](const std::string& who, const std::string& title,
                    ppb::ProposalKind kind = ppb::PROPOSAL_KIND_CPPCC_PROPOSAL) {
    return SubmitProposal(*stub_, who, session, title, {}, kind,
                          title + "：具体建议内容，各不相同，编号" + RandomHex(4));
  };
  ppb::Proposal out;
  // P1: 水利局, class A on time, 满意 → closed.
  const auto p1 = submit("zheng.weiyuan", "统计一");
  RegisterProposal(*stub_, p1.id());
  AssignSole(*stub_, p1.id(), "430204/slj");
  SignAs(*stub_, "chen.shuili", p1.id());
  ContactAs(*stub_, "chen.shuili", p1.id());
  ReplyAs(*stub_, "chen.shuili", p1.id(), ppb::REPLY_CLASS_A, "已解决");
  EXPECT_EQ(RateAs(*stub_, "zheng.weiyuan", p1.id(), ppb::SATISFACTION_SATISFIED).state(),
            ppb::PROPOSAL_STATE_CLOSED);
  // P2: 生态环境分局, class B on time, 不满意 → re-handled → class A, 满意.
  const auto p2 = submit("feng.weiyuan", "统计二");
  RegisterProposal(*stub_, p2.id());
  AssignSole(*stub_, p2.id(), "430204/sthj");
  SignAs(*stub_, "zhou.huanbao", p2.id());
  ContactAs(*stub_, "zhou.huanbao", p2.id());
  ReplyAs(*stub_, "zhou.huanbao", p2.id(), ppb::REPLY_CLASS_B, "列入计划");
  RateAs(*stub_, "feng.weiyuan", p2.id(), ppb::SATISFACTION_UNSATISFIED);
  SetNow(kMonday0900 + 1 * kDay);
  ContactAs(*stub_, "zhou.huanbao", p2.id());
  ReplyAs(*stub_, "zhou.huanbao", p2.id(), ppb::REPLY_CLASS_A, "已解决");
  EXPECT_EQ(RateAs(*stub_, "feng.weiyuan", p2.id(), ppb::SATISFACTION_SATISFIED).state(),
            ppb::PROPOSAL_STATE_CLOSED);
  SetNow(kMonday0900);
  // P3: not registered; P7: converted; P4: awaiting review.
  const auto p3 = submit("he.daibiao", "统计三", ppb::PROPOSAL_KIND_NPC_SUGGESTION);
  ppb::ReviewProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(p3.id());
  r.set_decision(ppb::REVIEW_DECISION_REJECT);
  r.set_reason("属于个人诉求");
  ASSERT_TRUE(stub_->ReviewProposal(As("wu.tian").get(), r, &out).ok());
  const auto p7 = submit("he.daibiao", "统计七", ppb::PROPOSAL_KIND_NPC_SUGGESTION);
  r.set_request_id(NewUuid());
  r.set_id(p7.id());
  r.set_decision(ppb::REVIEW_DECISION_CONVERT);
  r.set_reason("转为意见");
  ASSERT_TRUE(stub_->ReviewProposal(As("wu.tian").get(), r, &out).ok());
  submit("lin.weiyuan", "统计四");
  // P5: 水利局 due 2026-11-30, replied C on 2026-12-01 (late); P6: 生态环境分局 due 2026-11-30,
  // not replied (overdue on 2026-12-01).
  const auto p5 = submit("zheng.weiyuan", "统计五");
  RegisterProposal(*stub_, p5.id());
  AssignSole(*stub_, p5.id(), "430204/slj", "2026-11-30");
  SignAs(*stub_, "chen.shuili", p5.id());
  ContactAs(*stub_, "chen.shuili", p5.id());
  const auto p6 = submit("lin.weiyuan", "统计六");
  RegisterProposal(*stub_, p6.id());
  AssignSole(*stub_, p6.id(), "430204/sthj", "2026-11-30");
  SetNow(kMonday0900 + 8 * kDay);  // Tuesday 2026-12-01
  const auto late = ReplyAs(*stub_, "chen.shuili", p5.id(), ppb::REPLY_CLASS_C, "受条件限制");
  EXPECT_FALSE(HandlingOf(late, "430204/slj")->reply().on_time());

  ppb::GetStatisticsRequest g;
  g.set_session(session);
  ppb::Statistics stats;
  auto s = stub_->GetStatistics(As("wu.tian").get(), g, &stats);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stats.tenant(), "430204");
  EXPECT_EQ(stats.as_of_date(), "2026-12-01");
  // The hand count.
  const auto& t = stats.total();
  EXPECT_EQ(t.submitted(), 7);
  EXPECT_EQ(t.reviewed(), 6);
  EXPECT_EQ(t.registered(), 4);
  EXPECT_DOUBLE_EQ(t.registration_rate(), 4.0 / 6);
  EXPECT_EQ(t.replies(), 3);
  EXPECT_EQ(t.on_time_replies(), 2);
  EXPECT_DOUBLE_EQ(t.on_time_rate(), 2.0 / 3);
  EXPECT_EQ(t.rated(), 2);
  EXPECT_EQ(t.first_time_satisfied(), 1);
  EXPECT_DOUBLE_EQ(t.first_time_satisfaction_rate(), 0.5);
  EXPECT_EQ(t.class_a(), 2);
  EXPECT_EQ(t.class_b(), 0);
  EXPECT_EQ(t.class_c(), 1);
  EXPECT_EQ(t.overdue_open(), 1);
  ASSERT_EQ(stats.by_session_size(), 1);
  EXPECT_EQ(stats.by_session(0).key(), session);
  EXPECT_EQ(stats.by_session(0).submitted(), 7);
  ASSERT_EQ(stats.by_unit_size(), 2);
  const auto& slj = stats.by_unit(0);
  EXPECT_EQ(slj.key(), "430204/slj");
  EXPECT_EQ(slj.name(), "区水利局");
  EXPECT_EQ(slj.submitted(), 0);
  EXPECT_EQ(slj.replies(), 2);
  EXPECT_EQ(slj.on_time_replies(), 1);
  EXPECT_EQ(slj.rated(), 1);
  EXPECT_EQ(slj.first_time_satisfied(), 1);
  EXPECT_EQ(slj.class_a(), 1);
  EXPECT_EQ(slj.class_c(), 1);
  EXPECT_EQ(slj.overdue_open(), 0);
  const auto& sthj = stats.by_unit(1);
  EXPECT_EQ(sthj.key(), "430204/sthj");
  EXPECT_EQ(sthj.replies(), 1);
  EXPECT_EQ(sthj.on_time_replies(), 1);
  EXPECT_EQ(sthj.rated(), 1);
  EXPECT_EQ(sthj.first_time_satisfied(), 0);
  EXPECT_EQ(sthj.class_a(), 1);
  EXPECT_EQ(sthj.class_b(), 0);
  EXPECT_EQ(sthj.overdue_open(), 1);
  // Only CPPCC proposals: P3 and P7 drop out.
  g.set_kind(ppb::PROPOSAL_KIND_CPPCC_PROPOSAL);
  ASSERT_TRUE(stub_->GetStatistics(As("zhang.shuji").get(), g, &stats).ok());
  EXPECT_EQ(stats.total().submitted(), 5);
  EXPECT_EQ(stats.total().reviewed(), 4);
  // Not for proposers or units; the other county sees none of it.
  EXPECT_CODE(stub_->GetStatistics(As("zheng.weiyuan").get(), g, &stats),
              StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(stub_->GetStatistics(As("chen.shuili").get(), g, &stats),
              StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->GetStatistics(As("tang.tian").get(), g, &stats).ok());
  EXPECT_EQ(stats.total().submitted(), 0);

  ppb::ExportStatisticsRequest e;
  e.set_session(session);
  ppb::ExportStatisticsResponse csv;
  s = stub_->ExportStatistics(As("wu.tian").get(), e, &csv);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(csv.filename(), "proposal-statistics-430204-2026-12-01.csv");
  ASSERT_GE(csv.csv().size(), 3u);
  EXPECT_EQ(csv.csv().substr(0, 3), "\xEF\xBB\xBF");
  const std::string text = csv.csv().substr(3);
  EXPECT_EQ(text.rfind("汇总\r\n统计截至,提出件数,已审查,立案件数,立案率,答复件数,按期答复件数,"
                       "按期答复率,已评价件数,首次满意件数,首次满意率,A类,B类,C类,逾期未答复\r\n"
                       "2026-12-01,7,6,4,66.7%,3,2,66.7%,2,1,50.0%,2,0,1,1\r\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("按承办单位\r\n承办单位,单位编码,答复件数"), std::string::npos) << text;
  EXPECT_NE(text.find("区水利局,430204/slj,2,1,50.0%,1,1,100.0%,1,0,1,0\r\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("年年提\r\n标题,届次,件数,相似度"), std::string::npos) << text;
}

TEST_F(ProposalsApiTest, EveryMethodRequiresAValidToken) {
  ExpectEveryMethodNeedsAValidToken(proposals_->Channel(),
                                    "zhongshu.proposals.v1.ProposalsService");
}

}  // namespace
}  // namespace zs::testing

// The proposals service with the real supervision service on a real Redis: deadlines on the
// injected clock (an overdue unit gets exactly one 督办 item, through kill -9 and with two
// replicas), returns within their window, disputes sent to coordination and coordination's
// decision coming back on zs:events:coordination.
#include <gtest/gtest.h>

#include <fstream>

#include "core/ids.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace ppb = zhongshu::proposals::v1;
namespace spb = zhongshu::supervision::v1;
namespace cpb = zhongshu::coordination::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kDay = 86400000;
constexpr char kProposalsStream[] = "zs:events:proposals";
constexpr char kCoordinationStream[] = "zs:events:coordination";
constexpr char kOverdue[] = "proposals.handling.overdue";

// The call is made once; its code and message are shown when the code differs.
#define EXPECT_CODE(status, code) EXPECT_TRUE(HasCode((status), (code)))

class ProposalsLoopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    // Proposals on a fixed port: supervision reads overdue proposals from it, also after a restart.
    const std::string proposals_address = "127.0.0.1:" + std::to_string(FreePort());
    // Coordination too: proposals and supervision read its resolved matters back.
    const std::string coordination_address = "127.0.0.1:" + std::to_string(FreePort());
    proposals_ = StartProposals(ZS_PROPOSALS_BIN, *redis_, ProposalsDir(), clock_file_,
                                {{"ZS_GRPC_LISTEN", proposals_address},
                                 {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address}})
                     .release();
    supervision_ = new ServiceProcess(
        "supervision", ZS_SUPERVISION_BIN, redis_->address(), dir_->path() + "/supervision",
        {{"ZS_CLOCK_FILE", clock_file_},
         {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
         {"ZS_UPSTREAM_REPORTING_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
         {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_address},
         {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address},
         {"ZS_LADDER_CHECK_INTERVAL", "100ms"}});
    supervision_->Start();
    // Disputed returns open matters in coordination, which reads them back from proposals.
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_GRPC_LISTEN", coordination_address},
                           {"ZS_UPSTREAM_SUPERVISION_ADDRESS", supervision_->address()},
                           {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_address}})
            .release();
  }
  static void TearDownTestSuite() {
    delete coordination_;
    delete supervision_;
    delete proposals_;
    delete redis_;
    delete dir_;
  }
  static std::string ProposalsDir() { return dir_->path() + "/proposals"; }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override {
    if (!proposals_->running()) proposals_->Start();
    Stubs();
  }
  void Stubs() {
    stub_ = ppb::ProposalsService::NewStub(proposals_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }
  void TearDown() override { SetNow(kMonday0900); }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  int64_t Count(const std::string& sql) { return QueryInt(proposals_->db_path(), sql); }

  // A registered proposal assigned as a split to 水利局 and 生态环境分局, due `due`.
  ppb::Proposal SplitBetweenWaterAndEcology(const std::string& title, const std::string& due) {
    const auto p = SubmitProposal(*stub_, "zheng.weiyuan", "十七届五次", title);
    RegisterProposal(*stub_, p.id());
    ppb::AssignProposalRequest a;
    a.set_request_id(NewUuid());
    a.set_id(p.id());
    a.set_mode(ppb::ASSIGNMENT_MODE_SPLIT);
    a.add_parts()->set_unit("430204/slj");
    a.mutable_parts(0)->set_part("供水");
    a.add_parts()->set_unit("430204/sthj");
    a.mutable_parts(1)->set_part("排污");
    a.set_due_date(due);
    ppb::Proposal out;
    auto s = stub_->AssignProposal(As("wu.tian").get(), a, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  // The overdue events on the stream for `proposal_id` and `unit`.
  std::vector<ev::ProposalOverdue> OverdueOnStream(const std::string& proposal_id,
                                                   const std::string& unit) {
    std::vector<ev::ProposalOverdue> out;
    for (const auto& e : EventsOfType(*redis_, kProposalsStream, kOverdue)) {
      ev::ProposalOverdue o;
      if (e.payload().UnpackTo(&o) && o.proposal_id() == proposal_id && o.unit() == unit) {
        EXPECT_EQ(e.tenant(), "430204");
        EXPECT_EQ(e.source(), "proposals");
        out.push_back(o);
      }
    }
    return out;
  }
  int64_t OverdueInOutbox(const std::string& proposal_id, const std::string& unit) {
    return Count(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'handling.overdue' AND resource = '" +
        proposal_id + "' AND detail LIKE '" + unit + " %'");
  }
  // Every deadline timer of the proposal has come and gone (fired or skipped).
  bool TimersDone(const std::string& proposal_id, int64_t now_ms) {
    return Count("SELECT COUNT(*) FROM timers WHERE owner = '" + proposal_id +
                 "' AND fired_at IS NULL AND fire_at <= " + std::to_string(now_ms)) == 0;
  }
  std::vector<spb::Item> ItemsFor(const std::string& ref) { return ItemsWithSource(*sstub_, ref); }
  int64_t Pending(const std::string& stream, const std::string& group) {
    auto c = redis_->Connect();
    auto r = c->Command({"XPENDING", stream, group});
    if (!r.ok() || r->elements.empty()) return -1;
    return r->elements[0].integer;
  }
  int64_t StreamLength(const std::string& stream) {
    auto c = redis_->Connect();
    auto r = c->Command({"XLEN", stream});
    return r.ok() ? r->integer : -1;
  }
  // Waits for the overdue event of each unit and the supervision item opened from it; then
  // expects exactly one of each.
  void ExpectOneOverdueAndOneItemEach(const std::string& id, const std::vector<std::string>& units,
                                      int64_t now_ms) {
    ASSERT_TRUE(Eventually([&] { return TimersDone(id, now_ms); })) << proposals_->Log();
    for (const auto& unit : units) {
      ASSERT_TRUE(Eventually([&] { return !OverdueOnStream(id, unit).empty(); }))
          << unit << "\n"
          << proposals_->Log();
      ASSERT_TRUE(Eventually([&] { return !ItemsFor(id + "/" + unit).empty(); }))
          << unit << "\n"
          << supervision_->Log();
    }
    // Both services have caught up (the items exist); nothing further is on its way: a later
    // event overtakes nothing on the same stream, so the counts are final.
    for (const auto& unit : units) {
      EXPECT_EQ(OverdueOnStream(id, unit).size(), 1u) << unit;
      EXPECT_EQ(OverdueInOutbox(id, unit), 1) << unit;
      const auto items = ItemsFor(id + "/" + unit);
      ASSERT_EQ(items.size(), 1u) << unit;
      EXPECT_EQ(items[0].source_type(), ev::SOURCE_TYPE_OVERDUE_PROPOSAL);
      EXPECT_EQ(items[0].tenant(), "430204");
    }
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* proposals_;
  static ServiceProcess* supervision_;
  static ServiceProcess* coordination_;
  std::unique_ptr<ppb::ProposalsService::Stub> stub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};

TempDir* ProposalsLoopTest::dir_ = nullptr;
std::string ProposalsLoopTest::clock_file_;
RedisServer* ProposalsLoopTest::redis_ = nullptr;
ServiceProcess* ProposalsLoopTest::proposals_ = nullptr;
ServiceProcess* ProposalsLoopTest::supervision_ = nullptr;
ServiceProcess* ProposalsLoopTest::coordination_ = nullptr;

// Due Friday 2026-12-04; the overdue timer fires Monday 2026-12-07 09:00. 水利局 has not replied;
// 生态环境分局 replied on time and is not chased.
TEST_F(ProposalsLoopTest, AnOverdueUnitGetsExactlyOneEventAndOneSupervisionItem) {
  const auto p = SplitBetweenWaterAndEcology("关于督办逾期提案的测试一", "2026-12-04");
  SignAs(*stub_, "zhou.huanbao", p.id());
  ContactAs(*stub_, "zhou.huanbao", p.id());
  ReplyAs(*stub_, "zhou.huanbao", p.id(), ppb::REPLY_CLASS_A, "排污口已整治");

  SetNow(kMonday0900 + 3 * kDay);  // Thursday 12-03: not late yet
  ASSERT_TRUE(Eventually([&] { return TimersDone(p.id(), kMonday0900 + 3 * kDay); }));
  EXPECT_TRUE(OverdueOnStream(p.id(), "430204/slj").empty());

  const int64_t late = kMonday0900 + 14 * kDay;  // Monday 12-07 09:00
  SetNow(late);
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj"}, late);
  const auto o = OverdueOnStream(p.id(), "430204/slj").at(0);
  EXPECT_EQ(o.kind(), "cppcc_proposal");
  EXPECT_EQ(o.session(), "十七届五次");
  EXPECT_EQ(o.number(), std::to_string(p.number()));
  EXPECT_EQ(o.title(), "关于督办逾期提案的测试一");
  EXPECT_EQ(o.due_date(), "2026-12-04");
  EXPECT_EQ(o.working_days_overdue(), 1);
  EXPECT_EQ(o.new_due_date(), "2026-12-21") << "10 working days after 12-07";
  const auto item = ItemsFor(p.id() + "/430204/slj").at(0);
  EXPECT_EQ(item.deadline(), "2026-12-21");
  EXPECT_EQ(item.priority(), spb::PRIORITY_URGENT);
  EXPECT_NE(item.title().find("关于督办逾期提案的测试一"), std::string::npos) << item.title();
  spb::ListTasksRequest lt;
  lt.set_item_id(item.id());
  spb::ListTasksResponse tasks;
  ASSERT_TRUE(sstub_->ListTasks(As("zhao.ducha").get(), lt, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).lead_unit(), "430204/slj");
  // The unit that replied in time is not chased.
  EXPECT_TRUE(OverdueOnStream(p.id(), "430204/sthj").empty());
  EXPECT_TRUE(ItemsFor(p.id() + "/430204/sthj").empty());

  // Later still: nothing fires again.
  const int64_t later = kMonday0900 + 21 * kDay;
  SetNow(later);
  ASSERT_TRUE(Eventually([&] { return TimersDone(p.id(), later); }));
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj"}, later);
}

TEST_F(ProposalsLoopTest, KillNineRightAfterTheClockMovesLosesAndDuplicatesNothing) {
  const auto p = SplitBetweenWaterAndEcology("关于督办逾期提案的测试二", "2026-12-04");
  const int64_t late = kMonday0900 + 14 * kDay;
  SetNow(late);
  proposals_->Kill();  // mid-way: before, while or after the timers are claimed
  proposals_->Start();
  Stubs();
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj", "430204/sthj"}, late);
  // Once more, with the events surely out: a restart re-publishes nothing.
  proposals_->Kill();
  proposals_->Start();
  Stubs();
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj", "430204/sthj"}, late);
}

// Supervision checks an overdue proposal with the proposals service before it opens the item: with
// proposals away, the events wait (pending, not dead letters) and open their items once it is back.
TEST_F(ProposalsLoopTest, OverdueEventsWaitForTheProposalsServiceWhenItIsDown) {
  const auto p = SplitBetweenWaterAndEcology("关于督办逾期提案的测试五", "2026-12-04");
  ASSERT_EQ(supervision_->Stop(), 0);
  const int64_t late = kMonday0900 + 14 * kDay;
  SetNow(late);
  ASSERT_TRUE(Eventually([&] {
    return !OverdueOnStream(p.id(), "430204/slj").empty() &&
           !OverdueOnStream(p.id(), "430204/sthj").empty();
  })) << proposals_->Log();
  const int64_t dead_before = StreamLength("zs:events:proposals:dead");
  ASSERT_EQ(proposals_->Stop(), 0);  // the upstream goes away
  supervision_->Start();
  Stubs();
  // Supervision has read both events and keeps them pending while it cannot check them.
  ASSERT_TRUE(Eventually([&] { return Pending(kProposalsStream, "supervision") >= 2; }))
      << supervision_->Log();
  EXPECT_TRUE(ItemsFor(p.id() + "/430204/slj").empty());
  EXPECT_EQ(StreamLength("zs:events:proposals:dead"), dead_before);
  proposals_->Start();  // back, on the same address
  Stubs();
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj", "430204/sthj"}, late);
  EXPECT_TRUE(Eventually([&] { return Pending(kProposalsStream, "supervision") == 0; }));
  EXPECT_EQ(StreamLength("zs:events:proposals:dead"), dead_before);
}

TEST_F(ProposalsLoopTest, TwoReplicasOnOneDatabaseFireTheTimerOnce) {
  auto replica = StartProposals(ZS_PROPOSALS_BIN, *redis_, ProposalsDir(), clock_file_, {}, "b");
  ASSERT_NE(replica->port(), proposals_->port());
  // The replica serves the same proposals.
  auto rstub = ppb::ProposalsService::NewStub(replica->Channel());
  const auto p = SplitBetweenWaterAndEcology("关于督办逾期提案的测试三", "2026-12-04");
  EXPECT_EQ(GetAsOffice(*rstub, p.id()).version(), p.version());
  const int64_t late = kMonday0900 + 14 * kDay;
  SetNow(late);
  ExpectOneOverdueAndOneItemEach(p.id(), {"430204/slj", "430204/sthj"}, late);
  EXPECT_TRUE(replica->running());
  EXPECT_EQ(replica->Stop(), 0);
}

// 退回 within 5 working days of the assignment, 提请协调, and coordination's decision.
TEST_F(ProposalsLoopTest, AReturnIsDisputedOnceAndCoordinationsDecisionReassignsItOnce) {
  const auto p0 =
      SubmitProposal(*stub_, "zheng.weiyuan", "十七届五次", "关于二次供水设施管理的提案");
  RegisterProposal(*stub_, p0.id());
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(p0.id());
  a.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
  a.set_lead_unit("430204/slj");
  a.add_co_units("430204/sthj");
  ppb::Proposal p;
  ASSERT_TRUE(stub_->AssignProposal(As("wu.tian").get(), a, &p).ok());

  // Assigned Monday 11-23: the window ends Monday 11-30 (5 working days).
  SetNow(kMonday0900 + 8 * kDay);  // Tuesday 12-01: too late
  ppb::ReturnHandlingRequest ret;
  ret.set_request_id(NewUuid());
  ret.set_id(p.id());
  ret.set_reason("生态环境分局认为排污问题不属于本单位职责");
  ppb::Proposal out;
  EXPECT_CODE(stub_->ReturnHandling(As("zhou.huanbao").get(), ret, &out),
              StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetAsOffice(*stub_, p.id()).version(), p.version());
  SetNow(kMonday0900 + 7 * kDay);  // Monday 11-30: the last day
  ret.set_request_id(NewUuid());
  ret.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
  auto s = stub_->ReturnHandling(As("chen.shuili").get(), ret, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(out.handlings(0).unit(), "430204/slj");
  EXPECT_EQ(out.handlings(0).state(), ppb::HANDLING_STATE_RETURNED);
  EXPECT_EQ(out.handlings(0).return_reason(), ret.reason());

  // 提请协调, retried with the same request_id: one dispute, one event.
  ppb::DisputeReturnRequest d;
  d.set_request_id(NewUuid());
  d.set_id(p.id());
  d.set_unit("430204/slj");
  d.set_note("请协调明确二次供水设施监管职责");
  ppb::Proposal disputed, again;
  s = stub_->DisputeReturn(As("wu.tian").get(), d, &disputed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(stub_->DisputeReturn(As("wu.tian").get(), d, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), disputed.SerializeAsString());
  const std::string ref = disputed.handlings(0).dispute_ref();
  EXPECT_EQ(ref, p.id() + "@1");
  EXPECT_TRUE(disputed.handlings(0).disputed());
  d.set_request_id(NewUuid());
  EXPECT_CODE(stub_->DisputeReturn(As("wu.tian").get(), d, &again),
              StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetAsOffice(*stub_, p.id()).version(), disputed.version());
  auto disputes = [&] {
    std::vector<ev::ProposalAssignmentDisputed> out;
    for (const auto& e : EventsOfType(*redis_, kProposalsStream, "proposals.assignment.disputed")) {
      ev::ProposalAssignmentDisputed x;
      if (e.payload().UnpackTo(&x) && x.proposal_id() == p.id()) out.push_back(x);
    }
    return out;
  };
  ASSERT_TRUE(Eventually([&] { return !disputes().empty(); }));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'handling.dispute' AND "
                  "resource = '" +
                  p.id() + "'"),
            1);
  {
    const auto x = disputes();
    ASSERT_EQ(x.size(), 1u);
    EXPECT_EQ(x[0].dispute_ref(), ref);
    EXPECT_EQ(x[0].unit(), "430204/slj");
    EXPECT_EQ(x[0].reason(), ret.reason());
    EXPECT_EQ(x[0].note(), "请协调明确二次供水设施监管职责");
    EXPECT_EQ(std::vector<std::string>(x[0].other_units().begin(), x[0].other_units().end()),
              std::vector<std::string>{"430204/sthj"});
  }

  // Coordination opens one matter on the dispute; its director decides: 住建局 leads,
  // 生态环境分局 keeps co-handling.
  auto matters = cpb::MattersService::NewStub(coordination_->Channel());
  const auto matter = WaitForMatter(*matters, ref);
  ASSERT_FALSE(matter.id().empty()) << coordination_->Log();
  ResolveMatterAsDirector(*matters, matter.id(), "430204/zjj", {"430204/sthj"},
                          "由区住建局主办，区生态环境分局会办");
  ev::Event decided;
  ev::MatterResolved m;
  ASSERT_TRUE(Eventually([&] {
    for (const auto& e :
         EventsOfType(*redis_, kCoordinationStream, "coordination.matter.resolved")) {
      if (e.payload().UnpackTo(&m) && m.matter_id() == matter.id()) {
        decided = e;
        return true;
      }
    }
    return false;
  }));
  ppb::Proposal re;
  ASSERT_TRUE(Eventually([&] {
    re = GetAsOffice(*stub_, p.id());
    return re.version() > disputed.version();
  })) << proposals_->Log();
  EXPECT_EQ(re.version(), disputed.version() + 1);
  ASSERT_EQ(re.handlings_size(), 3);
  EXPECT_EQ(re.handlings(0).unit(), "430204/slj");
  EXPECT_EQ(re.handlings(0).state(), ppb::HANDLING_STATE_REPLACED);
  EXPECT_EQ(re.handlings(1).unit(), "430204/sthj");
  EXPECT_EQ(re.handlings(1).role(), ppb::HANDLING_ROLE_CO);
  EXPECT_EQ(re.handlings(2).unit(), "430204/zjj");
  EXPECT_EQ(re.handlings(2).role(), ppb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(re.handlings(2).unit_name(), "区住房和城乡建设局");
  EXPECT_EQ(re.handlings(2).state(), ppb::HANDLING_STATE_ASSIGNED);
  EXPECT_EQ(re.handlings(2).seq(), 3);
  EXPECT_EQ(re.state(), ppb::PROPOSAL_STATE_HANDLING);
  // The new lead sees and signs it; the replaced unit no longer sees it.
  const std::string zjj =
      TokenFor(auth::Principal{"zjj.handler", "", "430204", "430204/zjj", {"unit_handler"}});
  ppb::SignHandlingRequest sign;
  sign.set_request_id(NewUuid());
  sign.set_id(p.id());
  ppb::GetProposalRequest get;
  get.set_id(p.id());
  EXPECT_CODE(stub_->GetProposal(As("chen.shuili").get(), get, &out), StatusCode::NOT_FOUND);
  ASSERT_TRUE(stub_->GetProposal(ContextFor(zjj).get(), get, &out).ok());

  // The same event delivered again, and the same decision as a new event: nothing more.
  PublishEnvelope(*redis_, kCoordinationStream, decided);
  const ev::Event copy = PublishEvent(*redis_, kCoordinationStream, "coordination.matter.resolved",
                                      "coordination", "430204", m);
  ASSERT_TRUE(Eventually([&] {
    return Count("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + copy.id() + "'") == 1;
  })) << proposals_->Log();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + decided.id() + "'"),
            1);
  const auto after = GetAsOffice(*stub_, p.id());
  EXPECT_EQ(after.SerializeAsString(), re.SerializeAsString());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'proposal.reassign' AND "
                  "resource = '" +
                  p.id() + "'"),
            1);
  ASSERT_TRUE(stub_->SignHandling(ContextFor(zjj).get(), sign, &out).ok());
  EXPECT_EQ(out.handlings(2).state(), ppb::HANDLING_STATE_SIGNED);
}

// A decision whose envelope names another tenant than the proposal's never re-assigns it: the
// event is refused and ends in the dead letters.
TEST_F(ProposalsLoopTest, ADecisionOfAnotherTenantReassignsNothing) {
  const auto p0 = SubmitProposal(*stub_, "zheng.weiyuan", "十七届五次", "关于跨区水源保护的提案");
  RegisterProposal(*stub_, p0.id());
  AssignSole(*stub_, p0.id(), "430204/slj");
  ppb::ReturnHandlingRequest ret;
  ret.set_request_id(NewUuid());
  ret.set_id(p0.id());
  ret.set_reason("水源地在芦淞区境内");
  ppb::Proposal out;
  ASSERT_TRUE(stub_->ReturnHandling(As("chen.shuili").get(), ret, &out).ok());
  ppb::DisputeReturnRequest d;
  d.set_request_id(NewUuid());
  d.set_id(p0.id());
  d.set_unit("430204/slj");
  ppb::Proposal disputed;
  ASSERT_TRUE(stub_->DisputeReturn(As("wu.tian").get(), d, &disputed).ok());

  // The matter coordination opened in 430204, claimed by an event of 430203: read back as that
  // tenant's account, it is not there.
  auto matters = cpb::MattersService::NewStub(coordination_->Channel());
  const auto matter = WaitForMatter(*matters, disputed.handlings(0).dispute_ref());
  ev::MatterResolved m;
  m.set_matter_id(matter.id());
  m.set_raised_by("proposals");
  m.set_raised_ref(disputed.handlings(0).dispute_ref());
  m.set_lead_unit("430204/zjj");
  m.set_decision("由住建局办理");
  const ev::Event foreign = PublishEvent(
      *redis_, kCoordinationStream, "coordination.matter.resolved", "coordination", "430203", m);
  ASSERT_TRUE(Eventually([&] {
    return Count("SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + foreign.id() + "'") == 1;
  })) << proposals_->Log();
  EXPECT_NE(QueryStrings(proposals_->db_path(),
                         "SELECT reason FROM dead_letters WHERE event_id = '" + foreign.id() + "'")
                .at(0)
                .find("tenant 430203"),
            std::string::npos);
  bool on_dead_stream = false;
  auto c = redis_->Connect();
  for (const auto& e : ReadStream(*c, std::string(kCoordinationStream) + ":dead")) {
    on_dead_stream |= e.event_id == foreign.id();
  }
  EXPECT_TRUE(on_dead_stream);
  const auto now = GetAsOffice(*stub_, p0.id());
  EXPECT_EQ(now.SerializeAsString(), disputed.SerializeAsString());
  EXPECT_EQ(now.handlings_size(), 1);
  EXPECT_EQ(now.handlings(0).state(), ppb::HANDLING_STATE_RETURNED);
}

}  // namespace
}  // namespace zs::testing

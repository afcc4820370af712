// The matters module of the coordination service (协调事项) with the real supervision, reporting
// and proposals services on a real Redis: a contested task and a disputed proposal return each
// open exactly one matter; its resolution comes back and the raising service reassigns; parties,
// roles and tenants see and do only what they may; bad input and forged events change nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "core/ids.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_matters.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace cpb = zhongshu::coordination::v1;
namespace ppb = zhongshu::proposals::v1;
namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr char kSupervisionStream[] = "zs:events:supervision";
constexpr char kProposalsStream[] = "zs:events:proposals";
constexpr char kCoordinationStream[] = "zs:events:coordination";

#define EXPECT_CODE(status, code) EXPECT_TRUE(HasCode((status), (code)))

class CoordinationMattersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting", {{"ZS_CLOCK_FILE", clock_file_}});
    reporting_->Start();
    const std::string proposals_address = "127.0.0.1:" + std::to_string(FreePort());
    // Coordination on a fixed port too: supervision and proposals read resolved matters back.
    const std::string coordination_address = "127.0.0.1:" + std::to_string(FreePort());
    proposals_ = StartProposals(ZS_PROPOSALS_BIN, *redis_, dir_->path() + "/proposals", clock_file_,
                                {{"ZS_GRPC_LISTEN", proposals_address},
                                 {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address}})
                     .release();
    // Supervision on a fixed port: coordination reads contested tasks from it, also after a
    // restart.
    supervision_address_ = "127.0.0.1:" + std::to_string(FreePort());
    supervision_ = new ServiceProcess("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                                      dir_->path() + "/supervision",
                                      {{"ZS_CLOCK_FILE", clock_file_},
                                       {"ZS_GRPC_LISTEN", supervision_address_},
                                       {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
                                       {"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
                                       {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_address},
                                       {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address},
                                       {"ZS_LADDER_CHECK_INTERVAL", "100ms"},
                                       {"ZS_EVENTS_RETRY_INITIAL", "50ms"}});
    supervision_->Start();
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_GRPC_LISTEN", coordination_address},
                           {"ZS_UPSTREAM_SUPERVISION_ADDRESS", supervision_address_},
                           {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_address}})
            .release();
  }
  static void TearDownTestSuite() {
    delete coordination_;
    delete supervision_;
    delete proposals_;
    delete reporting_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override {
    if (!supervision_->running()) supervision_->Start();
    if (!coordination_->running()) coordination_->Start();
    rstub_ = rpb::ReportingService::NewStub(reporting_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
    pstub_ = ppb::ProposalsService::NewStub(proposals_->Channel());
    mstub_ = cpb::MattersService::NewStub(coordination_->Channel());
  }
  void TearDown() override { SetNow(kMonday0900); }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  int64_t Count(const std::string& sql) { return QueryInt(coordination_->db_path(), sql); }
  int64_t Matters() { return Count("SELECT COUNT(*) FROM matters"); }

  // A supervision task for 水利局 (lead) and 生态环境分局, from a leader's instruction.
  spb::Task NewTask(const std::string& title,
                    rpb::Sensitivity sensitivity = rpb::SENSITIVITY_INTERNAL) {
    const auto report = SubmitReportAsClerk(*rstub_, title, sensitivity);
    const auto in =
        InstructAsLeader(*rstub_, report.id(), {"430204/slj", "430204/sthj"}, "2026-12-31",
                         "请区水利局牵头、区生态环境分局配合，立即核查。");
    std::vector<spb::Item> items;
    EXPECT_TRUE(Eventually(
        [&] {
          items = ItemsWithSource(*sstub_, in.id());
          return !items.empty();
        },
        std::chrono::seconds(20)))
        << supervision_->Log();
    if (items.empty()) return spb::Task();
    spb::ListTasksRequest req;
    req.set_item_id(items[0].id());
    spb::ListTasksResponse resp;
    EXPECT_TRUE(sstub_->ListTasks(As("zhao.ducha").get(), req, &resp).ok());
    return resp.tasks_size() ? resp.tasks(0) : spb::Task();
  }
  spb::Task Contest(const std::string& task_id) {
    spb::ContestTaskRequest c;
    c.set_request_id(NewUuid());
    c.set_id(task_id);
    c.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
    spb::Task t;
    auto s = sstub_->ContestTask(As("chen.shuili").get(), c, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  }
  spb::Task GetTask(const std::string& id) {
    spb::GetTaskRequest get;
    get.set_id(id);
    spb::Task t;
    sstub_->GetTask(As("zhao.ducha").get(), get, &t);
    return t;
  }
  // The matters the user lists (every page).
  std::vector<cpb::Matter> ListAs(const std::string& user,
                                  cpb::MatterState state = cpb::MATTER_STATE_UNSPECIFIED) {
    std::vector<cpb::Matter> out;
    cpb::ListMattersRequest req;
    req.set_state(state);
    req.set_page_size(100);
    for (;;) {
      cpb::ListMattersResponse resp;
      auto s = mstub_->ListMatters(As(user).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
      if (!s.ok()) return out;
      for (const auto& m : resp.matters()) out.push_back(m);
      if (resp.next_page_token().empty()) return out;
      req.set_page_token(resp.next_page_token());
    }
  }
  // Waits for the matter raised with `ref` (as 孙综合 lists it).
  cpb::Matter WaitForMatter(const std::string& ref) {
    cpb::Matter found;
    EXPECT_TRUE(Eventually(
        [&] {
          for (const auto& m : ListAs("sun.zonghe")) {
            if (m.raised_ref() == ref) {
              found = m;
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(20)))
        << coordination_->Log();
    return found;
  }
  grpc::Status Get(const std::string& user, const std::string& id, cpb::Matter* out) {
    cpb::GetMatterRequest get;
    get.set_id(id);
    return mstub_->GetMatter(As(user).get(), get, out);
  }
  cpb::ResolveMatterRequest Decision(const std::string& id, const std::string& lead,
                                     const std::vector<std::string>& co) {
    cpb::ResolveMatterRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    r.set_decision("由区住建局牵头办理，相关单位配合");
    r.set_reasons("二次供水设施监管属住建部门职责");
    r.set_lead_unit(lead);
    for (const auto& u : co) r.add_co_units(u);
    return r;
  }
  template <typename P>
  std::vector<P> Payloads(const std::string& stream, const std::string& type) {
    std::vector<P> out;
    for (const auto& e : EventsOfType(*redis_, stream, type)) {
      P p;
      if (e.payload().UnpackTo(&p)) out.push_back(p);
    }
    return out;
  }
  int ResolvedEventsFor(const std::string& matter_id) {
    int n = 0;
    for (const auto& r :
         Payloads<ev::MatterResolved>(kCoordinationStream, "coordination.matter.resolved")) {
      n += r.matter_id() == matter_id;
    }
    return n;
  }
  int64_t DeadLetters(const std::string& event_id) {
    return Count("SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + event_id + "'");
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static std::string supervision_address_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* supervision_;
  static ServiceProcess* proposals_;
  static ServiceProcess* coordination_;
  std::unique_ptr<rpb::ReportingService::Stub> rstub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
  std::unique_ptr<ppb::ProposalsService::Stub> pstub_;
  std::unique_ptr<cpb::MattersService::Stub> mstub_;
};

TempDir* CoordinationMattersTest::dir_ = nullptr;
std::string CoordinationMattersTest::clock_file_;
std::string CoordinationMattersTest::supervision_address_;
RedisServer* CoordinationMattersTest::redis_ = nullptr;
ServiceProcess* CoordinationMattersTest::reporting_ = nullptr;
ServiceProcess* CoordinationMattersTest::supervision_ = nullptr;
ServiceProcess* CoordinationMattersTest::proposals_ = nullptr;
ServiceProcess* CoordinationMattersTest::coordination_ = nullptr;

TEST_F(CoordinationMattersTest, EveryMethodRequiresAValidToken) {
  ExpectEveryMethodNeedsAValidToken(coordination_->Channel(),
                                    "zhongshu.coordination.v1.MattersService");
}

TEST_F(CoordinationMattersTest, AContestedTaskOpensOneMatterWhoseDecisionReassignsTheTask) {
  const spb::Task task = NewTask("二次供水水质问题");
  const spb::Task contested = Contest(task.id());
  ASSERT_EQ(contested.state(), spb::TASK_STATE_CONTESTED);
  const cpb::Matter opened = WaitForMatter(contested.contest_ref());
  ASSERT_FALSE(opened.id().empty());
  EXPECT_EQ(opened.raised_by(), "supervision");
  EXPECT_EQ(opened.source_id(), task.id());
  EXPECT_EQ(opened.kind(), cpb::MATTER_KIND_DISPUTE);
  EXPECT_EQ(opened.state(), cpb::MATTER_STATE_OPEN);
  EXPECT_NE(opened.title().find("二次供水水质问题"), std::string::npos);
  ASSERT_EQ(opened.parties_size(), 2);
  EXPECT_EQ(opened.parties(0).unit(), "430204/slj");
  EXPECT_EQ(opened.parties(1).unit(), "430204/sthj");

  // The contest delivered again, and as a new event: still one matter.
  ev::Event contest_event;
  for (const auto& e : EventsOfType(*redis_, kSupervisionStream, "supervision.task.contested")) {
    ev::TaskContested tc;
    if (e.payload().UnpackTo(&tc) && tc.contest_ref() == contested.contest_ref()) contest_event = e;
  }
  ASSERT_FALSE(contest_event.id().empty());
  PublishEnvelope(*redis_, kSupervisionStream, contest_event);
  ev::TaskContested payload;
  ASSERT_TRUE(contest_event.payload().UnpackTo(&payload));
  const ev::Event copy = PublishEvent(*redis_, kSupervisionStream, "supervision.task.contested",
                                      "supervision", "430204", payload);
  ASSERT_TRUE(Eventually([&] {
    return Count("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + copy.id() + "'") == 1;
  })) << coordination_->Log();
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM matters WHERE raised_ref = '" + contested.contest_ref() + "'"),
      1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'matter.raise' AND resource = '" +
                  opened.id() + "'"),
            1);

  // Parties see it; a unit that is no party does not.
  cpb::Matter seen;
  EXPECT_TRUE(Get("chen.shuili", opened.id(), &seen).ok());
  EXPECT_TRUE(Get("zhou.huanbao", opened.id(), &seen).ok());
  EXPECT_CODE(Get("wei.zhujian", opened.id(), &seen), StatusCode::NOT_FOUND);
  for (const auto& m : ListAs("wei.zhujian")) EXPECT_NE(m.id(), opened.id());
  bool listed = false;
  for (const auto& m : ListAs("chen.shuili")) listed |= m.id() == opened.id();
  EXPECT_TRUE(listed);
  EXPECT_CODE(Get("he.zhiban", opened.id(), &seen), StatusCode::NOT_FOUND);

  // Positions: a party states (and restates) its own; others may not.
  cpb::StatePositionRequest pos;
  pos.set_request_id(NewUuid());
  pos.set_id(opened.id());
  pos.set_position("二次供水设施由住建部门监管，水利局可配合水质检测");
  cpb::Matter m;
  ASSERT_TRUE(mstub_->StatePosition(As("chen.shuili").get(), pos, &m).ok());
  EXPECT_EQ(m.parties(0).position(), pos.position());
  pos.set_request_id(NewUuid());
  EXPECT_CODE(mstub_->StatePosition(As("wei.zhujian").get(), pos, &m), StatusCode::NOT_FOUND);
  pos.set_request_id(NewUuid());
  EXPECT_CODE(mstub_->StatePosition(As("sun.zonghe").get(), pos, &m),
              StatusCode::PERMISSION_DENIED);
  pos.set_request_id(NewUuid());
  pos.set_unit("430204/sthj");  // another party's position
  EXPECT_CODE(mstub_->StatePosition(As("chen.shuili").get(), pos, &m),
              StatusCode::PERMISSION_DENIED);

  // The coordinator starts coordination but cannot resolve.
  cpb::StartCoordinationRequest start;
  start.set_request_id(NewUuid());
  start.set_id(opened.id());
  start.set_note("召开协调会");
  ASSERT_TRUE(mstub_->StartCoordination(As("sun.zonghe").get(), start, &m).ok());
  EXPECT_EQ(m.state(), cpb::MATTER_STATE_IN_COORDINATION);
  const int64_t version = m.version();
  auto decide = Decision(opened.id(), "430204/zjj", {"430204/slj"});
  EXPECT_CODE(mstub_->ResolveMatter(As("sun.zonghe").get(), decide, &m),
              StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(mstub_->ResolveMatter(As("chen.shuili").get(), decide, &m),
              StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Get("huang.zhuren", opened.id(), &m).ok());
  EXPECT_EQ(m.version(), version);
  EXPECT_EQ(m.state(), cpb::MATTER_STATE_IN_COORDINATION);

  // The office director resolves; a retry with the same request_id returns the same matter.
  decide.set_request_id(NewUuid());
  cpb::Matter resolved, again;
  auto s = mstub_->ResolveMatter(As("huang.zhuren").get(), decide, &resolved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(mstub_->ResolveMatter(As("huang.zhuren").get(), decide, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), resolved.SerializeAsString());
  EXPECT_EQ(resolved.state(), cpb::MATTER_STATE_RESOLVED);
  EXPECT_EQ(resolved.decision().lead_unit(), "430204/zjj");
  EXPECT_EQ(resolved.decision().decided_by(), "huang.zhuren");
  EXPECT_EQ(resolved.decision().decided_by_name(), "黄主任");
  EXPECT_EQ(resolved.decision().reasons(), decide.reasons());
  // A new request after the resolution: out of order.
  decide.set_request_id(NewUuid());
  EXPECT_CODE(mstub_->ResolveMatter(As("zhang.shuji").get(), decide, &m),
              StatusCode::FAILED_PRECONDITION);

  // Supervision reassigns the task to the decided units.
  spb::Task t;
  ASSERT_TRUE(Eventually(
      [&] {
        t = GetTask(task.id());
        return t.state() == spb::TASK_STATE_ASSIGNED && t.lead_unit() == "430204/zjj";
      },
      std::chrono::seconds(20)))
      << supervision_->Log();
  ASSERT_EQ(t.co_units_size(), 1);
  EXPECT_EQ(t.co_units(0), "430204/slj");
  EXPECT_EQ(ResolvedEventsFor(opened.id()), 1);
  const auto payloads =
      Payloads<ev::MatterResolved>(kCoordinationStream, "coordination.matter.resolved");
  for (const auto& r : payloads) {
    if (r.matter_id() != opened.id()) continue;
    EXPECT_EQ(r.raised_by(), "supervision");
    EXPECT_EQ(r.raised_ref(), contested.contest_ref());
    EXPECT_EQ(r.lead_unit(), "430204/zjj");
    EXPECT_EQ(r.decision(), decide.decision());
  }
  // A raised matter is resolved, never withdrawn.
  cpb::WithdrawMatterRequest w;
  w.set_request_id(NewUuid());
  w.set_id(opened.id());
  w.set_reason("撤回");
  EXPECT_CODE(mstub_->WithdrawMatter(As("sun.zonghe").get(), w, &m),
              StatusCode::FAILED_PRECONDITION);
}

TEST_F(CoordinationMattersTest, ADisputedReturnOpensOneMatterWhoseDecisionReassignsTheProposal) {
  const auto p0 =
      SubmitProposal(*pstub_, "zheng.weiyuan", "十七届五次", "关于二次供水设施管理的提案");
  RegisterProposal(*pstub_, p0.id());
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(p0.id());
  a.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
  a.set_lead_unit("430204/slj");
  a.add_co_units("430204/sthj");
  ppb::Proposal p;
  ASSERT_TRUE(pstub_->AssignProposal(As("wu.tian").get(), a, &p).ok());
  ppb::ReturnHandlingRequest ret;
  ret.set_request_id(NewUuid());
  ret.set_id(p.id());
  ret.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
  ASSERT_TRUE(pstub_->ReturnHandling(As("chen.shuili").get(), ret, &p).ok());
  ppb::DisputeReturnRequest d;
  d.set_request_id(NewUuid());
  d.set_id(p.id());
  d.set_unit("430204/slj");
  d.set_note("请协调明确二次供水设施监管职责");
  ppb::Proposal disputed;
  ASSERT_TRUE(pstub_->DisputeReturn(As("wu.tian").get(), d, &disputed).ok());
  const std::string ref = disputed.handlings(0).dispute_ref();

  const cpb::Matter opened = WaitForMatter(ref);
  ASSERT_FALSE(opened.id().empty());
  EXPECT_EQ(opened.raised_by(), "proposals");
  EXPECT_EQ(opened.source_id(), p.id());
  ASSERT_EQ(opened.parties_size(), 2);
  EXPECT_EQ(opened.parties(0).unit(), "430204/slj");
  EXPECT_EQ(opened.parties(1).unit(), "430204/sthj");
  // The unit's reason as the proposals service keeps it.
  EXPECT_NE(opened.description().find("二次供水设施由住建部门监管"), std::string::npos);

  // A leader resolves it without a coordination meeting.
  cpb::Matter resolved;
  auto s = mstub_->ResolveMatter(As("zhang.shuji").get(),
                                 Decision(opened.id(), "430204/zjj", {"430204/sthj"}), &resolved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ppb::Proposal re;
  ASSERT_TRUE(Eventually(
      [&] {
        re = GetAsOffice(*pstub_, p.id());
        return re.version() > disputed.version();
      },
      std::chrono::seconds(20)))
      << proposals_->Log();
  ASSERT_EQ(re.handlings_size(), 3);
  EXPECT_EQ(re.handlings(0).state(), ppb::HANDLING_STATE_REPLACED);
  EXPECT_EQ(re.handlings(2).unit(), "430204/zjj");
  EXPECT_EQ(re.handlings(2).role(), ppb::HANDLING_ROLE_LEAD);
  EXPECT_EQ(ResolvedEventsFor(opened.id()), 1);
}

TEST_F(CoordinationMattersTest, AMatterByHandFollowsItsRolesAndBadInputWritesNothing) {
  const int64_t before = Matters();
  const int64_t audits = Count("SELECT COUNT(*) FROM audit_log");
  auto create = [](std::vector<std::string> parties) {
    cpb::CreateMatterRequest c;
    c.set_request_id(NewUuid());
    c.set_title("清水塘片区排水管网维护职责");
    c.set_description("街道与住建局对排水管网维护职责认识不一");
    c.set_kind(cpb::MATTER_KIND_DISPUTE);
    for (auto& u : parties) c.add_parties(u);
    return c;
  };
  cpb::Matter m;
  struct Bad {
    cpb::CreateMatterRequest req;
    std::string field;
  };
  std::vector<Bad> bad;
  bad.push_back({create({"430204/qtt"}), "parties"});                   // one party
  bad.push_back({create({"430204/qtt", "430203/slj"}), "parties[1]"});  // another county's
  bad.push_back({create({"430204/qtt", "430204/qtt"}), "parties[1]"});  // twice
  bad.push_back({create({"430204/qtt", "430204/nosuch"}), "parties[1]"});
  bad.push_back({create({"430204/qtt", "430204/zjj"}), "title"});
  bad.back().req.set_title("　");
  bad.push_back({create({"430204/qtt", "430204/zjj"}), "kind"});
  bad.back().req.set_kind(cpb::MATTER_KIND_UNSPECIFIED);
  for (const auto& b : bad) {
    auto s = mstub_->CreateMatter(As("sun.zonghe").get(), b.req, &m);
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << b.field;
    EXPECT_NE(s.error_message().find(b.field), std::string::npos) << s.error_message();
  }
  // Only the office opens one.
  EXPECT_CODE(
      mstub_->CreateMatter(As("chen.shuili").get(), create({"430204/qtt", "430204/zjj"}), &m),
      StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(mstub_->CreateMatter(As("he.zhiban").get(), create({"430204/qtt", "430204/zjj"}), &m),
              StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Matters(), before);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), audits);

  // Opened once, however often the request is retried.
  const auto req = create({"430204/qtt", "430204/zjj"});
  cpb::Matter first, retry;
  ASSERT_TRUE(mstub_->CreateMatter(As("sun.zonghe").get(), req, &first).ok());
  ASSERT_TRUE(mstub_->CreateMatter(As("sun.zonghe").get(), req, &retry).ok());
  EXPECT_EQ(first.SerializeAsString(), retry.SerializeAsString());
  EXPECT_EQ(Matters(), before + 1);
  EXPECT_EQ(first.created_by(), "sun.zonghe");
  EXPECT_EQ(first.raised_by(), "");

  // Bad decisions are refused naming the field, and change nothing.
  const std::vector<std::pair<cpb::ResolveMatterRequest, std::string>> decisions = {
      {Decision(first.id(), "", {}), "lead_unit"},
      {Decision(first.id(), "430204/zjj", {"430204/zjj"}), "co_units[0]"},
      {Decision(first.id(), "430204/zjj", {"430204/qtt", "430204/qtt"}), "co_units[1]"},
      {Decision(first.id(), "430203/slj", {}), "lead_unit"},
      {Decision(first.id(), "430204/zjj", {"430203/slj"}), "co_units[0]"},
  };
  for (const auto& [r, field] : decisions) {
    auto s = mstub_->ResolveMatter(As("huang.zhuren").get(), r, &m);
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  }
  auto no_text = Decision(first.id(), "430204/zjj", {});
  no_text.set_decision("");
  EXPECT_CODE(mstub_->ResolveMatter(As("huang.zhuren").get(), no_text, &m),
              StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Get("sun.zonghe", first.id(), &m).ok());
  EXPECT_EQ(m.version(), first.version());

  // Another tenant sees nothing and changes nothing.
  EXPECT_CODE(Get("qin.zonghe", first.id(), &m), StatusCode::NOT_FOUND);
  EXPECT_CODE(Get("yang.shuji", first.id(), &m), StatusCode::NOT_FOUND);
  for (const auto& x : ListAs("qin.zonghe")) EXPECT_NE(x.tenant(), "430204");
  EXPECT_CODE(
      mstub_->ResolveMatter(As("yang.shuji").get(), Decision(first.id(), "430203/slj", {}), &m),
      StatusCode::NOT_FOUND);
  cpb::WithdrawMatterRequest w;
  w.set_request_id(NewUuid());
  w.set_id(first.id());
  w.set_reason("已协商一致");
  EXPECT_CODE(mstub_->WithdrawMatter(As("qin.zonghe").get(), w, &m), StatusCode::NOT_FOUND);
  ASSERT_TRUE(Get("sun.zonghe", first.id(), &m).ok());
  EXPECT_EQ(m.version(), first.version());

  // The office withdraws it; a withdrawn matter takes no position.
  w.set_request_id(NewUuid());
  ASSERT_TRUE(mstub_->WithdrawMatter(As("sun.zonghe").get(), w, &m).ok());
  EXPECT_EQ(m.state(), cpb::MATTER_STATE_WITHDRAWN);
  cpb::StatePositionRequest pos;
  pos.set_request_id(NewUuid());
  pos.set_id(first.id());
  pos.set_position("同意");
  EXPECT_CODE(mstub_->StatePosition(As("wei.zhujian").get(), pos, &m),
              StatusCode::FAILED_PRECONDITION);
  bool listed = false;
  for (const auto& x : ListAs("sun.zonghe", cpb::MATTER_STATE_WITHDRAWN)) {
    listed |= x.id() == first.id();
    EXPECT_EQ(x.state(), cpb::MATTER_STATE_WITHDRAWN);
  }
  EXPECT_TRUE(listed);
  // The module's events: opened and withdrawn, once each.
  int opened = 0, withdrawn = 0;
  for (const auto& c :
       Payloads<ev::MatterChanged>(kCoordinationStream, "coordination.matter.opened")) {
    opened += c.matter_id() == first.id();
  }
  for (const auto& c :
       Payloads<ev::MatterChanged>(kCoordinationStream, "coordination.matter.withdrawn")) {
    withdrawn += c.matter_id() == first.id();
  }
  EXPECT_TRUE(Eventually([&] {
    opened = withdrawn = 0;
    for (const auto& c :
         Payloads<ev::MatterChanged>(kCoordinationStream, "coordination.matter.opened")) {
      opened += c.matter_id() == first.id();
    }
    for (const auto& c :
         Payloads<ev::MatterChanged>(kCoordinationStream, "coordination.matter.withdrawn")) {
      withdrawn += c.matter_id() == first.id();
    }
    return opened == 1 && withdrawn == 1;
  }));
}

TEST_F(CoordinationMattersTest, ForgedAndForeignEventsAreDeadLettered) {
  const int64_t before = Matters();
  const spb::Task task = NewTask("伪造事件检验");
  // No such task.
  ev::TaskContested forged;
  forged.set_task_id("430204-t-0000000000000000");
  forged.set_item_id(task.item_id());
  forged.set_unit("430204/slj");
  forged.set_contest_ref("430204-t-0000000000000000@1");
  const ev::Event e1 = PublishEvent(*redis_, kSupervisionStream, "supervision.task.contested",
                                    "supervision", "430204", forged);
  // A real task that was never contested.
  forged.set_task_id(task.id());
  forged.set_contest_ref(task.id() + "@1");
  const ev::Event e2 = PublishEvent(*redis_, kSupervisionStream, "supervision.task.contested",
                                    "supervision", "430204", forged);
  // The real task, named by another county's event.
  const ev::Event e3 = PublishEvent(*redis_, kSupervisionStream, "supervision.task.contested",
                                    "supervision", "430203", forged);
  // A dispute of a proposal that does not exist.
  ev::ProposalAssignmentDisputed dispute;
  dispute.set_proposal_id("430204-p-0000000000000000");
  dispute.set_dispute_ref("430204-p-0000000000000000@1");
  dispute.set_unit("430204/slj");
  const ev::Event e4 = PublishEvent(*redis_, kProposalsStream, "proposals.assignment.disputed",
                                    "proposals", "430204", dispute);
  for (const auto* e : {&e1, &e2, &e3, &e4}) {
    EXPECT_TRUE(Eventually([&] { return DeadLetters(e->id()) == 1; }, std::chrono::seconds(20)))
        << e->id() << "\n"
        << coordination_->Log();
  }
  EXPECT_EQ(Matters(), before);
}

TEST_F(CoordinationMattersTest, AContestWaitsWhileSupervisionIsDownAndOpensOneMatterAfter) {
  const spb::Task task = NewTask("上游中断检验");
  coordination_->Stop();
  const spb::Task contested = Contest(task.id());
  supervision_->Stop();
  coordination_->Start();
  mstub_ = cpb::MattersService::NewStub(coordination_->Channel());
  ev::Event contest_event;
  ASSERT_TRUE(Eventually([&] {
    for (const auto& e : EventsOfType(*redis_, kSupervisionStream, "supervision.task.contested")) {
      ev::TaskContested tc;
      if (e.payload().UnpackTo(&tc) && tc.contest_ref() == contested.contest_ref()) {
        contest_event = e;
      }
    }
    return !contest_event.id().empty();
  }));
  // Tried and failed transiently (supervision unreachable), never dead-lettered.
  ASSERT_TRUE(Eventually(
      [&] {
        return coordination_->Log().find("event " + contest_event.id() + " failed transiently") !=
               std::string::npos;
      },
      std::chrono::seconds(20)))
      << coordination_->Log();
  EXPECT_EQ(DeadLetters(contest_event.id()), 0);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM matters WHERE raised_ref = '" + contested.contest_ref() + "'"),
      0);
  supervision_->Start();
  sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  const cpb::Matter m = WaitForMatter(contested.contest_ref());
  EXPECT_FALSE(m.id().empty());
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM matters WHERE raised_ref = '" + contested.contest_ref() + "'"),
      1);
  EXPECT_EQ(DeadLetters(contest_event.id()), 0);
}

TEST_F(CoordinationMattersTest, ANegativeItemsMatterWithholdsItsTitle) {
  const std::string secret = "某镇干部违规收受礼金";
  const spb::Task task = NewTask(secret, rpb::SENSITIVITY_NEGATIVE);
  const spb::Task contested = Contest(task.id());
  const cpb::Matter listed = WaitForMatter(contested.contest_ref());  // as 孙综合 lists it
  ASSERT_FALSE(listed.id().empty());
  EXPECT_TRUE(listed.sensitive());
  EXPECT_TRUE(listed.withheld());
  EXPECT_EQ(listed.SerializeAsString().find(secret), std::string::npos);
  cpb::Matter seen;
  for (const char* user : {"sun.zonghe", "chen.shuili"}) {
    ASSERT_TRUE(Get(user, listed.id(), &seen).ok()) << user;
    EXPECT_EQ(seen.SerializeAsString().find(secret), std::string::npos) << user;
  }
  ASSERT_TRUE(Get("zhang.shuji", listed.id(), &seen).ok());
  EXPECT_NE(seen.title().find(secret), std::string::npos);
  // The event announcing it carries no words of it either.
  ASSERT_TRUE(Eventually([&] {
    for (const auto& c :
         Payloads<ev::MatterChanged>(kCoordinationStream, "coordination.matter.opened")) {
      if (c.matter_id() != listed.id()) continue;
      EXPECT_TRUE(c.sensitive());
      EXPECT_EQ(c.title().find(secret), std::string::npos);
      return true;
    }
    return false;
  }));
}

}  // namespace
}  // namespace zs::testing

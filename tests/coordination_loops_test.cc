// The whole suite: all four real binaries on one real Redis, each on its own SQLite file, every
// loop of DESIGN.md section 3 run once through the services' public APIs, and each effect counted
// where it lands (exactly once); then each consumer is killed with SIGKILL while events for it are
// on the way, restarted, and the effects are counted again.
//
//   instruction issued (reporting)          → supervision opens an item
//   item closed (supervision)               → reporting marks the instruction answered
//   emergency report (reporting)            → coordination opens an incident, alerts the duty
//   leader meeting decision (coordination)         → supervision opens an item (常委议定事项)
//   document instruction (coordination)     → supervision opens an item (批办件)
//   task contested (supervision)            → coordination opens a matter
//   assignment disputed (proposals)         → coordination opens a matter
//   matter resolved (coordination)          → supervision / proposals reassign
//   proposal handling overdue (proposals)   → supervision opens a 督办 item
//   any state change                        → an audit row in the service that made it
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <set>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/coordination/v1/duty.grpc.pb.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_duty.pb.h"
#include "zhongshu/events/v1/coordination_matters.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace cpb = zhongshu::coordination::v1;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kMinute = 60000;
constexpr int64_t kDay = 86400000;
constexpr char kToday[] = "2026-11-23";

std::string Address() { return "127.0.0.1:" + std::to_string(FreePort()); }

class CoordinationLoopsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    // Each service reads records back from the others, so each listens on a port fixed for the
    // whole suite (kept across a kill -9 and restart).
    const std::string reporting = Address(), supervision = Address(), proposals = Address(),
                      coordination = Address();
    auto env = [&](const std::string& listen) {
      auto e = QuickEventsEnv(clock_file_);
      e["ZS_GRPC_LISTEN"] = listen;
      e["ZS_UPSTREAM_REPORTING_ADDRESS"] = reporting;
      e["ZS_UPSTREAM_SUPERVISION_ADDRESS"] = supervision;
      e["ZS_UPSTREAM_PROPOSALS_ADDRESS"] = proposals;
      e["ZS_UPSTREAM_COORDINATION_ADDRESS"] = coordination;
      return e;
    };
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting", env(reporting));
    auto p = env(proposals);
    p["ZS_DEADLINES_CHECK_INTERVAL"] = "100ms";
    proposals_ = new ServiceProcess("proposals", ZS_PROPOSALS_BIN, redis_->address(),
                                    dir_->path() + "/proposals", p);
    auto s = env(supervision);
    s["ZS_LADDER_CHECK_INTERVAL"] = "100ms";
    supervision_ = new ServiceProcess("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                                      dir_->path() + "/supervision", s);
    auto c = env(coordination);
    c["ZS_DUTY_CHECK_INTERVAL"] = "100ms";
    coordination_ = new ServiceProcess("coordination", ZS_COORDINATION_BIN, redis_->address(),
                                       dir_->path() + "/coordination", c);
    for (auto* svc : {reporting_, proposals_, supervision_, coordination_}) svc->Start();
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
    for (auto* svc : {reporting_, proposals_, supervision_, coordination_}) {
      if (!svc->running()) svc->Start();
    }
    Stubs();
  }
  void TearDown() override { SetNow(kMonday0900); }
  void Stubs() {
    reports_ = rpb::ReportingService::NewStub(reporting_->Channel());
    items_ = spb::SupervisionService::NewStub(supervision_->Channel());
    proposals_stub_ = ppb::ProposalsService::NewStub(proposals_->Channel());
    meetings_ = cpb::MeetingsService::NewStub(coordination_->Channel());
    documents_ = cpb::CirculationService::NewStub(coordination_->Channel());
    matters_ = cpb::MattersService::NewStub(coordination_->Channel());
    duty_ = cpb::DutyService::NewStub(coordination_->Channel());
  }
  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  template <typename Req>
  static Req WithIds(Req r, const std::string& id) {
    r.set_request_id(NewUuid());
    r.set_id(id);
    return r;
  }

  // ---- The steps ----

  rpb::Instruction Instruct(const std::string& title) {
    return InstructAsLeader(*reports_, SubmitReportAsClerk(*reports_, title).id(),
                            {"430204/slj", "430204/sthj"}, "2026-12-31",
                            "请区水利局牵头、区生态环境分局配合，立即核查。");
  }
  spb::Item WaitForItem(const std::string& source_ref) {
    std::vector<spb::Item> items;
    EXPECT_TRUE(Eventually(
        [&] {
          items = ItemsWithSource(*items_, source_ref);
          return !items.empty();
        },
        std::chrono::seconds(30)))
        << "no item for " << source_ref << "\n"
        << supervision_->Log();
    return items.empty() ? spb::Item() : items[0];
  }
  spb::Task OnlyTask(const std::string& item_id) {
    spb::ListTasksRequest req;
    req.set_item_id(item_id);
    spb::ListTasksResponse resp;
    EXPECT_TRUE(items_->ListTasks(As("zhao.ducha").get(), req, &resp).ok());
    EXPECT_EQ(resp.tasks_size(), 1);
    return resp.tasks_size() ? resp.tasks(0) : spb::Task();
  }
  // 陈水利 (水利局) handles the task to completion, 赵督查 verifies it and closes the item.
  void HandleAndCloseItem(const std::string& item_id) {
    const std::string task_id = OnlyTask(item_id).id();
    spb::Task t;
    ASSERT_TRUE(
        items_->AcceptTask(As("chen.shuili").get(), WithIds(spb::AcceptTaskRequest(), task_id), &t)
            .ok());
    auto done = WithIds(spb::ReportCompletionRequest(), task_id);
    done.set_summary("已核查并整改到位");
    done.add_evidence_refs("核查报告.pdf");
    ASSERT_TRUE(items_->ReportCompletion(As("chen.shuili").get(), done, &t).ok());
    auto v = WithIds(spb::VerifyTaskRequest(), task_id);
    v.set_approve(true);
    ASSERT_TRUE(items_->VerifyTask(As("zhao.ducha").get(), v, &t).ok());
    auto close = WithIds(spb::CloseItemRequest(), item_id);
    close.set_feedback_summary("经核查，问题已解决。");
    spb::Item out;
    auto s = items_->CloseItem(As("zhao.ducha").get(), close, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // A contest by 水利局 of its task; returns the contest_ref.
  std::string Contest(const std::string& task_id) {
    auto c = WithIds(spb::ContestTaskRequest(), task_id);
    c.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
    spb::Task t;
    auto s = items_->ContestTask(As("chen.shuili").get(), c, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t.contest_ref();
  }
  spb::Task GetTask(const std::string& id) {
    spb::GetTaskRequest g;
    g.set_id(id);
    spb::Task t;
    EXPECT_TRUE(items_->GetTask(As("zhao.ducha").get(), g, &t).ok());
    return t;
  }
  // Today's duty: 谢副书记 leads, 何值班 is the officer.
  void SetTodaysDuty() {
    cpb::SetDutyRequest req;
    req.set_request_id(NewUuid());
    req.set_date(kToday);
    req.set_leader("xie.fushuji");
    req.add_officers("he.zhiban");
    cpb::DutyDay out;
    auto s = duty_->SetDuty(As("sun.zonghe").get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // 王信息 submits an initial emergency report (初报) of grade III tagged `tag`.
  rpb::Report Emergency(const std::string& title, const std::string& tag = "") {
    rpb::CreateReportRequest c;
    c.set_request_id(NewUuid());
    rpb::Report& r = *c.mutable_report();
    r.set_title(title);
    r.set_body("现场已疏散周边群众，正在核实伤亡情况。");
    r.set_kind(rpb::REPORT_KIND_EMERGENCY);
    r.set_sensitivity(rpb::SENSITIVITY_INTERNAL);
    if (!tag.empty()) r.add_tags(tag);
    auto* e = r.mutable_emergency();
    e->set_grade(rpb::EMERGENCY_GRADE_III);
    *e->mutable_occurred_at() = ToProto(FromMillis(kMonday0900 - 20 * kMinute));
    *e->mutable_learned_at() = ToProto(FromMillis(kMonday0900 - 10 * kMinute));
    e->set_place("清水塘街道霞湾路");
    rpb::Report out;
    auto s = reports_->CreateReport(As("wang.xinxi").get(), c, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    s = reports_->SubmitReport(As("wang.xinxi").get(),
                               WithIds(rpb::SubmitReportRequest(), out.id()), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::vector<cpb::Incident> IncidentsOf(const std::string& chain) {
    cpb::ListIncidentsRequest req;
    req.set_page_size(500);
    cpb::ListIncidentsResponse resp;
    std::vector<cpb::Incident> out;
    if (!duty_->ListIncidents(As("sun.zonghe").get(), req, &resp).ok()) return out;
    for (const auto& i : resp.incidents()) {
      if (i.chain_id() == chain) out.push_back(i);
    }
    return out;
  }
  cpb::Incident WaitForIncident(const std::string& chain) {
    std::vector<cpb::Incident> found;
    EXPECT_TRUE(Eventually(
        [&] {
          found = IncidentsOf(chain);
          return !found.empty();
        },
        std::chrono::seconds(30)))
        << "no incident for " << chain << "\n"
        << coordination_->Log();
    return found.empty() ? cpb::Incident() : found[0];
  }
  // A proposal of 郑委员, registered and assigned to 水利局 alone, returned by it on the same day
  // and put to coordination by the proposal office (提请协调); returns its dispute_ref.
  std::string DisputedProposal(const std::string& title, std::string* id) {
    const auto p = SubmitProposal(*proposals_stub_, "zheng.weiyuan", "十七届五次", title);
    RegisterProposal(*proposals_stub_, p.id());
    AssignSole(*proposals_stub_, p.id(), "430204/slj");
    auto ret = WithIds(ppb::ReturnHandlingRequest(), p.id());
    ret.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
    ppb::Proposal out;
    auto s = proposals_stub_->ReturnHandling(As("chen.shuili").get(), ret, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    auto d = WithIds(ppb::DisputeReturnRequest(), p.id());
    d.set_unit("430204/slj");
    d.set_note("请协调明确二次供水设施监管职责");
    s = proposals_stub_->DisputeReturn(As("wu.tian").get(), d, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    *id = p.id();
    return out.handlings_size() ? out.handlings(0).dispute_ref() : "";
  }
  // Whether 住建局 now handles the proposal in the returning unit's place (the decided reassignment
  // arrived): alone, as the returned assignment was, or as the lead.
  bool LedByZjj(const std::string& id) {
    const ppb::Proposal p = GetAsOffice(*proposals_stub_, id);
    for (const auto& h : p.handlings()) {
      if (h.unit() == "430204/zjj" &&
          (h.role() == ppb::HANDLING_ROLE_SOLE || h.role() == ppb::HANDLING_ROLE_LEAD)) {
        return true;
      }
    }
    return false;
  }

  // ---- Counting effects ----

  static int64_t Count(const ServiceProcess& svc, const std::string& sql) {
    return QueryInt(svc.db_path(), sql);
  }
  static std::string Quoted(const std::string& s) { return "'" + s + "'"; }
  // Distinct events of `type` on `stream` whose payload (a `P`) satisfies `match`.
  template <typename P>
  int64_t Events(const std::string& stream, const std::string& type,
                 const std::function<bool(const P&)>& match) {
    std::set<std::string> ids;
    for (const auto& e : EventsOfType(*redis_, stream, type)) {
      P p;
      if (e.payload().UnpackTo(&p) && match(p)) ids.insert(e.id());
    }
    return static_cast<int64_t>(ids.size());
  }
  // One item for `source_ref`, with one task, opened by one event.
  void ExpectOneItem(const std::string& source_ref) {
    EXPECT_EQ(
        Count(*supervision_, "SELECT COUNT(*) FROM items WHERE source_ref = " + Quoted(source_ref)),
        1)
        << source_ref;
    EXPECT_EQ(Count(*supervision_,
                    "SELECT COUNT(*) FROM tasks WHERE item_id IN (SELECT id FROM items WHERE "
                    "source_ref = " +
                        Quoted(source_ref) + ")"),
              1)
        << source_ref;
    EXPECT_EQ(Events<ev::ItemOpened>(
                  "zs:events:supervision", "supervision.item.opened",
                  [&](const ev::ItemOpened& o) { return o.source_ref() == source_ref; }),
              1)
        << source_ref;
  }
  int64_t Answered(const std::string& instruction_id) {
    return Events<ev::InstructionAnswered>(
        "zs:events:reporting", "reporting.instruction.answered",
        [&](const ev::InstructionAnswered& a) { return a.instruction_id() == instruction_id; });
  }
  int64_t IncidentEvents(const std::string& type, const std::string& incident_id) {
    return Events<ev::IncidentChanged>(
        "zs:events:coordination", type,
        [&](const ev::IncidentChanged& c) { return c.incident_id() == incident_id; });
  }
  void ExpectOneIncident(const std::string& chain) {
    EXPECT_EQ(Count(*coordination_,
                    "SELECT COUNT(*) FROM duty_incidents WHERE chain_id = " + Quoted(chain)),
              1)
        << chain;
    const auto incidents = IncidentsOf(chain);
    ASSERT_EQ(incidents.size(), 1u) << chain;
    EXPECT_EQ(IncidentEvents("coordination.incident.opened", incidents[0].id()), 1) << chain;
  }
  void ExpectOneMatter(const std::string& raised_ref) {
    EXPECT_EQ(Count(*coordination_,
                    "SELECT COUNT(*) FROM matters WHERE raised_ref = " + Quoted(raised_ref)),
              1)
        << raised_ref;
    EXPECT_EQ(Events<ev::MatterChanged>(
                  "zs:events:coordination", "coordination.matter.opened",
                  [&](const ev::MatterChanged& m) { return m.raised_ref() == raised_ref; }),
              1)
        << raised_ref;
  }
  int64_t Audited(const ServiceProcess& svc, const std::string& action,
                  const std::string& resource) {
    return Count(svc, "SELECT COUNT(*) FROM audit_log WHERE action = " + Quoted(action) +
                          " AND resource = " + Quoted(resource));
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* proposals_;
  static ServiceProcess* supervision_;
  static ServiceProcess* coordination_;
  std::unique_ptr<rpb::ReportingService::Stub> reports_;
  std::unique_ptr<spb::SupervisionService::Stub> items_;
  std::unique_ptr<ppb::ProposalsService::Stub> proposals_stub_;
  std::unique_ptr<cpb::MeetingsService::Stub> meetings_;
  std::unique_ptr<cpb::CirculationService::Stub> documents_;
  std::unique_ptr<cpb::MattersService::Stub> matters_;
  std::unique_ptr<cpb::DutyService::Stub> duty_;
};

TempDir* CoordinationLoopsTest::dir_ = nullptr;
std::string CoordinationLoopsTest::clock_file_;
RedisServer* CoordinationLoopsTest::redis_ = nullptr;
ServiceProcess* CoordinationLoopsTest::reporting_ = nullptr;
ServiceProcess* CoordinationLoopsTest::proposals_ = nullptr;
ServiceProcess* CoordinationLoopsTest::supervision_ = nullptr;
ServiceProcess* CoordinationLoopsTest::coordination_ = nullptr;

TEST_F(CoordinationLoopsTest, EveryLoopBetweenTheFourServicesClosesExactlyOnce) {
  // Instruction → item; item closed → instruction answered.
  const auto instruction = Instruct("清水塘片区饮用水有异味");
  const auto item = WaitForItem(instruction.id());
  ExpectOneItem(instruction.id());
  HandleAndCloseItem(item.id());
  ASSERT_TRUE(Eventually([&] { return Answered(instruction.id()) >= 1; })) << reporting_->Log();
  rpb::GetInstructionRequest gi;
  gi.set_id(instruction.id());
  rpb::Instruction answered;
  ASSERT_TRUE(reports_->GetInstruction(As("zhang.shuji").get(), gi, &answered).ok());
  EXPECT_EQ(answered.state(), rpb::INSTRUCTION_STATE_ANSWERED);

  // Emergency report → incident with the plan's checklist, today's duty leader alerted.
  SetTodaysDuty();
  const auto emergency = Emergency("霞湾路化工厂储罐泄漏", "危化品");
  const auto incident = WaitForIncident(emergency.id());
  EXPECT_EQ(incident.duty_leader(), "xie.fushuji");
  EXPECT_FALSE(incident.steps().empty());
  ExpectOneIncident(emergency.id());
  EXPECT_EQ(IncidentEvents("coordination.incident.alerted", incident.id()), 1);

  // Meeting decision → item (常委议定事项).
  const auto meeting =
      ApprovedMeeting(*meetings_, "二次供水管理联席会议", FromMillis(kMonday0900 + 60 * kMinute),
                      FromMillis(kMonday0900 + 90 * kMinute), {"430204/zjj", "430204/slj"});
  SetNow(kMonday0900 + 70 * kMinute);
  const auto decision =
      RecordMeetingDecision(*meetings_, meeting.id(), "区住建局牵头制定二次供水设施移交方案",
                            "430204/zjj", {"430204/slj"}, "2026-12-31");
  WaitForItem(decision.id());
  ExpectOneItem(decision.id());

  // Document instruction → item (批办件).
  const auto doc = InstructOnDocument(*documents_, "关于加强二次供水管理的请示", 0, "liu.quzhang",
                                      "请住建局研究提出意见", {"430204/zjj"}, "2026-12-15");
  ASSERT_EQ(doc.instructions_size(), 1);
  WaitForItem(doc.instructions(0).id());
  ExpectOneItem(doc.instructions(0).id());

  // Task contested → matter; matter resolved → the task reassigned.
  const auto contested = WaitForItem(Instruct("二次供水设施无人管").id());
  const auto task = OnlyTask(contested.id());
  const std::string contest = Contest(task.id());
  const auto matter = WaitForMatter(*matters_, contest);
  ExpectOneMatter(contest);
  ResolveMatterAsDirector(*matters_, matter.id(), "430204/zjj", {"430204/slj"},
                          "由区住建局牵头，区水利局配合");
  ASSERT_TRUE(Eventually([&] { return GetTask(task.id()).lead_unit() == "430204/zjj"; }))
      << supervision_->Log();
  EXPECT_EQ(Audited(*supervision_, "task.reassign", task.id()), 1);

  // Proposal assignment disputed → matter; resolved → the proposal reassigned.
  std::string proposal;
  const std::string dispute = DisputedProposal("关于理顺二次供水管理体制的提案", &proposal);
  const auto disputed = WaitForMatter(*matters_, dispute);
  ExpectOneMatter(dispute);
  ResolveMatterAsDirector(*matters_, disputed.id(), "430204/zjj", {}, "由区住建局主办");
  ASSERT_TRUE(Eventually([&] { return LedByZjj(proposal); })) << proposals_->Log();
  EXPECT_EQ(Audited(*proposals_, "proposal.reassign", proposal), 1);

  // Every change above left its audit row where it was made.
  EXPECT_GE(Count(*reporting_, "SELECT COUNT(*) FROM audit_log"), 4);
  EXPECT_GE(Count(*coordination_, "SELECT COUNT(*) FROM audit_log"), 8);
  EXPECT_EQ(Audited(*coordination_, "matter.resolve", matter.id()), 1);

  // Proposal handling overdue → 督办 item. Due Friday 12-04; overdue on Monday 12-07 09:00.
  const auto late = SubmitProposal(*proposals_stub_, "zheng.weiyuan", "十七届五次",
                                   "关于清水塘片区管网改造进度的提案");
  RegisterProposal(*proposals_stub_, late.id());
  AssignSole(*proposals_stub_, late.id(), "430204/slj", "2026-12-04");
  SetNow(kMonday0900 + 14 * kDay);
  WaitForItem(late.id() + "/430204/slj");
  ExpectOneItem(late.id() + "/430204/slj");

  // Nothing in any dead letters: every event of every loop held together.
  for (const auto* svc : {reporting_, proposals_, supervision_, coordination_}) {
    EXPECT_EQ(Count(*svc, "SELECT COUNT(*) FROM dead_letters"), 0) << svc->Log();
  }
}

// Each consumer is killed with SIGKILL while the events for it are on the way: it is frozen
// (SIGSTOP) while they are produced, let go (SIGCONT), and killed as soon as the first effect shows
// — or at once — then restarted: every effect arrives, and none twice.
TEST_F(CoordinationLoopsTest, KillNineOfEachConsumerMidWayLosesAndDuplicatesNothing) {
  // Supervision: instructions, a meeting decision and a document instruction.
  const auto meeting =
      ApprovedMeeting(*meetings_, "防汛工作调度会", FromMillis(kMonday0900 + 100 * kMinute),
                      FromMillis(kMonday0900 + 110 * kMinute), {"430204/slj"});
  supervision_->Signal(SIGSTOP);
  std::vector<std::string> refs;
  for (int i = 0; i < 3; ++i) refs.push_back(Instruct("批量批示 " + std::to_string(i)).id());
  SetNow(kMonday0900 + 105 * kMinute);
  refs.push_back(RecordMeetingDecision(*meetings_, meeting.id(), "区水利局负责汛前隐患排查",
                                       "430204/slj", {}, "2026-12-20")
                     .id());
  const auto doc = InstructOnDocument(*documents_, "关于冬季供水保障的通知", 0, "zhang.shuji",
                                      "请水利局抓好落实", {"430204/slj"}, "2026-12-18");
  ASSERT_EQ(doc.instructions_size(), 1);
  refs.push_back(doc.instructions(0).id());
  supervision_->Signal(SIGCONT);
  Eventually([&] { return !ItemsWithSource(*items_, refs[0]).empty(); });
  supervision_->Kill();
  supervision_->Start();
  Stubs();
  for (const auto& ref : refs) {
    WaitForItem(ref);
    ExpectOneItem(ref);
  }

  // Coordination: emergency reports of three chains and a contested task.
  SetTodaysDuty();
  const auto task = OnlyTask(WaitForItem(Instruct("职责交叉").id()).id());
  coordination_->Signal(SIGSTOP);
  std::vector<std::string> chains;
  for (int i = 0; i < 3; ++i) chains.push_back(Emergency("道路塌陷 " + std::to_string(i)).id());
  const std::string contest = Contest(task.id());
  coordination_->Signal(SIGCONT);
  Eventually([&] {
    return Count(*coordination_,
                 "SELECT COUNT(*) FROM duty_incidents WHERE chain_id = " + Quoted(chains[0])) == 1;
  });
  coordination_->Kill();
  coordination_->Start();
  Stubs();
  for (const auto& chain : chains) {
    WaitForIncident(chain);
    ExpectOneIncident(chain);
  }
  const auto matter = WaitForMatter(*matters_, contest);
  ExpectOneMatter(contest);

  // Supervision and proposals, for the resolutions of a contest and a dispute.
  std::string proposal;
  const std::string dispute = DisputedProposal("关于明确排水设施管护主体的提案", &proposal);
  const auto disputed = WaitForMatter(*matters_, dispute);
  supervision_->Signal(SIGSTOP);
  proposals_->Signal(SIGSTOP);
  ResolveMatterAsDirector(*matters_, matter.id(), "430204/zjj", {}, "由区住建局牵头");
  ResolveMatterAsDirector(*matters_, disputed.id(), "430204/zjj", {}, "由区住建局主办");
  supervision_->Signal(SIGCONT);
  proposals_->Signal(SIGCONT);
  supervision_->Kill();
  proposals_->Kill();
  supervision_->Start();
  proposals_->Start();
  Stubs();
  ASSERT_TRUE(Eventually([&] { return GetTask(task.id()).lead_unit() == "430204/zjj"; }))
      << supervision_->Log();
  ASSERT_TRUE(Eventually([&] { return LedByZjj(proposal); })) << proposals_->Log();
  EXPECT_EQ(Audited(*supervision_, "task.reassign", task.id()), 1);
  EXPECT_EQ(Audited(*proposals_, "proposal.reassign", proposal), 1);

  // Reporting: two items closed.
  std::vector<rpb::Instruction> closing{Instruct("待办结一"), Instruct("待办结二")};
  std::vector<std::string> closing_items;
  for (const auto& in : closing) closing_items.push_back(WaitForItem(in.id()).id());
  reporting_->Signal(SIGSTOP);
  for (const auto& id : closing_items) HandleAndCloseItem(id);
  reporting_->Signal(SIGCONT);
  Eventually([&] { return Answered(closing[0].id()) == 1; });
  reporting_->Kill();
  reporting_->Start();
  Stubs();
  for (const auto& in : closing) {
    ASSERT_TRUE(Eventually([&] { return Answered(in.id()) >= 1; })) << reporting_->Log();
    EXPECT_EQ(Answered(in.id()), 1) << in.id();
  }
  for (const auto* svc : {reporting_, proposals_, supervision_, coordination_}) {
    EXPECT_EQ(Count(*svc, "SELECT COUNT(*) FROM dead_letters"), 0) << svc->Log();
  }
}

}  // namespace
}  // namespace zs::testing

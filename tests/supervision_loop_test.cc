// The loop between reporting and supervision with both real binaries, real Redis and real gRPC:
// an instruction opens an item; closing it answers the instruction; kill -9 loses and duplicates
// nothing; the warning ladder fires each rung once as time moves, with two supervision replicas.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
namespace cpb = zhongshu::coordination::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kDay = 86400000;
constexpr int64_t kHour = 3600000;

#define EXPECT_CODE(status, code) EXPECT_EQ((status).error_code(), code) << (status).error_message()

class SupervisionLoopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    const std::map<std::string, std::string> clock{{"ZS_CLOCK_FILE", clock_file_}};
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting", clock);
    reporting_->Start();
    // Overdue-proposal events are checked against the proposals service.
    proposals_ = new ServiceProcess(
        "proposals", ZS_PROPOSALS_BIN, redis_->address(), dir_->path() + "/proposals",
        {{"ZS_CLOCK_FILE", clock_file_}, {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"}});
    proposals_->Start();
    // Supervision and coordination read each other's records back (decisions, instructions and
    // matters one way, contested tasks the other): both on fixed ports, kept across restarts.
    coordination_address_ = "127.0.0.1:" + std::to_string(FreePort());
    auto env = SupervisionEnv();
    env["ZS_GRPC_LISTEN"] = "127.0.0.1:" + std::to_string(FreePort());
    supervision_ = new ServiceProcess("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                                      dir_->path() + "/supervision", env, "a");
    supervision_->Start();
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_GRPC_LISTEN", coordination_address_},
                           {"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
                           {"ZS_UPSTREAM_SUPERVISION_ADDRESS", supervision_->address()},
                           {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_->address()}})
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
  static std::map<std::string, std::string> SupervisionEnv() {
    return {{"ZS_CLOCK_FILE", clock_file_},
            {"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
            {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_->address()},
            {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address_},
            {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
            {"ZS_LADDER_CHECK_INTERVAL", "100ms"},
            {"ZS_EVENTS_RETRY_INITIAL", "50ms"}};
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  // Time moved by a test is put back even when the test failed half-way.
  void TearDown() override { SetNow(kMonday0900); }
  void SetUp() override {
    if (!supervision_->running()) supervision_->Start();
    rstub_ = rpb::ReportingService::NewStub(reporting_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }

  // A submitted report with a leader's instruction for 水利局 (lead) and 生态环境分局.
  rpb::Report Submitted(const std::string& title,
                        rpb::Sensitivity sensitivity = rpb::SENSITIVITY_INTERNAL) {
    return SubmitReportAsClerk(*rstub_, title, sensitivity);
  }
  // A submitted report with a leader's instruction for 水利局 (lead) and 生态环境分局.
  rpb::Instruction Instruct(const std::string& title, const std::string& due = "2026-12-31",
                            std::vector<std::string> units = {"430204/slj", "430204/sthj"}) {
    return InstructAsLeader(*rstub_, Submitted(title).id(), units, due,
                            "请区水利局牵头、区生态环境分局配合，立即核查水质。");
  }
  // The supervision items opened from an instruction (as the supervisor sees them).
  std::vector<spb::Item> ItemsFor(const std::string& instruction_id) {
    return ItemsWithSource(*sstub_, instruction_id);
  }
  spb::Item WaitForItem(const std::string& instruction_id) {
    std::vector<spb::Item> items;
    EXPECT_TRUE(Eventually(
        [&] {
          items = ItemsFor(instruction_id);
          return !items.empty();
        },
        std::chrono::seconds(20)))
        << supervision_->Log();
    return items.empty() ? spb::Item() : items[0];
  }
  spb::Task OnlyTask(const std::string& item_id) {
    spb::ListTasksRequest req;
    req.set_item_id(item_id);
    spb::ListTasksResponse resp;
    EXPECT_TRUE(sstub_->ListTasks(ContextFor(TokenFor("zhao.ducha")).get(), req, &resp).ok());
    EXPECT_EQ(resp.tasks_size(), 1);
    return resp.tasks_size() ? resp.tasks(0) : spb::Task();
  }
  template <typename Req>
  Req WithIds(Req r, const std::string& id) {
    r.set_request_id(NewUuid());
    r.set_id(id);
    return r;
  }
  // Takes a task from ASSIGNED to CLOSED as 陈水利 (水利局) and 赵督查 (督查室).
  void HandleAndClose(const std::string& task_id) {
    spb::Task t;
    auto handler = [] { return ContextFor(TokenFor("chen.shuili")); };
    ASSERT_TRUE(
        sstub_->AcceptTask(handler().get(), WithIds(spb::AcceptTaskRequest(), task_id), &t).ok());
    spb::ReportProgressRequest p = WithIds(spb::ReportProgressRequest(), task_id);
    p.mutable_report()->set_percent(60);
    p.mutable_report()->set_narrative("完成管网冲洗和二次供水水箱清洗");
    ASSERT_TRUE(sstub_->ReportProgress(handler().get(), p, &t).ok());
    spb::ReportCompletionRequest done = WithIds(spb::ReportCompletionRequest(), task_id);
    done.set_summary("水质检测全部达标");
    done.add_evidence_refs("水质检测报告-2026-12.pdf");
    ASSERT_TRUE(sstub_->ReportCompletion(handler().get(), done, &t).ok());
    spb::VerifyTaskRequest v = WithIds(spb::VerifyTaskRequest(), task_id);
    v.set_approve(true);
    auto s = sstub_->VerifyTask(ContextFor(TokenFor("zhao.ducha")).get(), v, &t);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(t.state(), spb::TASK_STATE_CLOSED);
  }
  grpc::Status CloseItem(const std::string& item_id, spb::Item* out) {
    spb::CloseItemRequest c = WithIds(spb::CloseItemRequest(), item_id);
    c.set_feedback_summary("经核查，水质已达标，群众反映问题已解决。");
    return sstub_->CloseItem(ContextFor(TokenFor("zhao.ducha")).get(), c, out);
  }
  rpb::Instruction GetInstruction(const std::string& id) {
    rpb::GetInstructionRequest req;
    req.set_id(id);
    rpb::Instruction in;
    rstub_->GetInstruction(ContextFor(TokenFor("zhang.shuji")).get(), req, &in);
    return in;
  }
  int64_t SupervisionCount(const std::string& sql) {
    return QueryInt(supervision_->db_path(), sql);
  }
  // Publishes an event as another service would, on its stream.
  void Publish(const std::string& stream, const std::string& type,
               const google::protobuf::Message& payload) {
    ev::Event e;
    e.set_id(NewUuid());
    e.set_type(type);
    e.set_tenant("430204");
    e.set_source(stream.substr(stream.rfind(':') + 1));
    e.mutable_payload()->PackFrom(payload);
    auto c = redis_->Connect();
    auto r = c->Command({"XADD", stream, "*", "type", type, "event", e.SerializeAsString()});
    ASSERT_TRUE(r.ok() && !r->IsError());
  }

  // The id of the "coordination.matter.resolved" event of `matter_id` (empty when not published).
  std::string ResolvedEventOf(const std::string& matter_id) {
    std::string id;
    Eventually([&] {
      for (const auto& e :
           EventsOfType(*redis_, "zs:events:coordination", "coordination.matter.resolved")) {
        ev::MatterResolved m;
        if (e.payload().UnpackTo(&m) && m.matter_id() == matter_id) id = e.id();
      }
      return !id.empty();
    });
    return id;
  }
  // The number of dead letters on `stream`.
  int64_t DeadLetters(const std::string& stream) {
    auto c = redis_->Connect();
    auto r = c->Command({"XLEN", stream + ":dead"});
    return r.ok() ? r->integer : -1;
  }
  // Waits until the task is ASSIGNED again (reassigned) and returns it.
  spb::Task WaitReassigned(const std::string& task_id) {
    spb::GetTaskRequest get;
    get.set_id(task_id);
    spb::Task t;
    EXPECT_TRUE(Eventually([&] {
      return sstub_->GetTask(ContextFor(TokenFor("zhao.ducha")).get(), get, &t).ok() &&
             t.state() == spb::TASK_STATE_ASSIGNED;
    }));
    return t;
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* supervision_;
  static ServiceProcess* proposals_;
  static ServiceProcess* coordination_;
  static std::string coordination_address_;
  std::unique_ptr<rpb::ReportingService::Stub> rstub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};

TempDir* SupervisionLoopTest::dir_ = nullptr;
std::string SupervisionLoopTest::clock_file_;
RedisServer* SupervisionLoopTest::redis_ = nullptr;
ServiceProcess* SupervisionLoopTest::reporting_ = nullptr;
ServiceProcess* SupervisionLoopTest::supervision_ = nullptr;
ServiceProcess* SupervisionLoopTest::proposals_ = nullptr;
ServiceProcess* SupervisionLoopTest::coordination_ = nullptr;
std::string SupervisionLoopTest::coordination_address_;

TEST_F(SupervisionLoopTest, InstructionOpensAnItemAndClosingItAnswersTheInstruction) {
  const auto in = Instruct("清水塘片区居民反映饮用水有异味");
  const spb::Item item = WaitForItem(in.id());
  EXPECT_EQ(item.source_type(), zhongshu::events::v1::SOURCE_TYPE_LEADER_INSTRUCTION);
  EXPECT_EQ(item.requirement(), in.text());
  EXPECT_EQ(item.instructing_leader(), "zhang.shuji");
  EXPECT_EQ(item.deadline(), "2026-12-31");
  EXPECT_NE(item.background().find("1200"), std::string::npos) << "fetched from reporting";
  const spb::Task task = OnlyTask(item.id());
  EXPECT_EQ(task.lead_unit(), "430204/slj");
  ASSERT_EQ(task.co_units_size(), 1);
  EXPECT_EQ(task.co_units(0), "430204/sthj");

  spb::Item closed;
  EXPECT_CODE(CloseItem(item.id(), &closed), StatusCode::FAILED_PRECONDITION) << "task still open";
  HandleAndClose(task.id());
  ASSERT_TRUE(CloseItem(item.id(), &closed).ok());
  EXPECT_EQ(closed.state(), spb::ITEM_STATE_CLOSED);
  EXPECT_TRUE(
      Eventually([&] { return GetInstruction(in.id()).state() == rpb::INSTRUCTION_STATE_ANSWERED; },
                 std::chrono::seconds(20)));
  const auto answered = GetInstruction(in.id());
  EXPECT_EQ(answered.answer_summary(), "经核查，水质已达标，群众反映问题已解决。");
  EXPECT_EQ(answered.supervision_item_id(), item.id());
}

TEST_F(SupervisionLoopTest, KillNineOfSupervisionLosesAndDuplicatesNothing) {
  // Instructions keep arriving while supervision dies.
  std::vector<rpb::Instruction> issued;
  for (int i = 0; i < 10; ++i) {
    issued.push_back(Instruct("批示 " + std::to_string(i)));
    if (i == 4) supervision_->Kill();
  }
  supervision_->Start();
  sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  for (const auto& in : issued) {
    WaitForItem(in.id());
    EXPECT_EQ(ItemsFor(in.id()).size(), 1u) << in.id();
  }
  // Close one and kill supervision right after the close is acknowledged.
  const auto& in = issued[0];
  const spb::Item item = ItemsFor(in.id())[0];
  HandleAndClose(OnlyTask(item.id()).id());
  spb::Item closed;
  ASSERT_TRUE(CloseItem(item.id(), &closed).ok());
  supervision_->Kill();
  supervision_->Start();
  sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  EXPECT_TRUE(
      Eventually([&] { return GetInstruction(in.id()).state() == rpb::INSTRUCTION_STATE_ANSWERED; },
                 std::chrono::seconds(20)));
  EXPECT_EQ(QueryInt(reporting_->db_path(),
                     "SELECT COUNT(*) FROM audit_log WHERE action = "
                     "'instruction.answer' AND resource = '" +
                         in.id() + "'"),
            1);
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM outbox WHERE type = 'supervision.item.closed'"
                             " AND event_id IN (SELECT event_id FROM audit_log WHERE resource = '" +
                             item.id() + "')"),
            1);
}

TEST_F(SupervisionLoopTest, EveryMethodRequiresAValidToken) {
  ExpectEveryMethodNeedsAValidToken(supervision_->Channel(),
                                    "zhongshu.supervision.v1.SupervisionService");
}

TEST_F(SupervisionLoopTest, AuthorizationAndBadInputWriteNothing) {
  const auto in = Instruct("权限与输入");
  const spb::Item item = WaitForItem(in.id());
  const spb::Task task = OnlyTask(item.id());
  spb::Task t;
  const auto footprint = [&] {
    return std::vector<int64_t>{SupervisionCount("SELECT COUNT(*) FROM tasks"),
                                SupervisionCount("SELECT COUNT(*) FROM audit_log"),
                                SupervisionCount("SELECT COUNT(*) FROM outbox")};
  };
  const auto before = footprint();
  // The co-unit sees the task but may not sign for it; another unit does not see it at all.
  spb::GetTaskRequest get;
  get.set_id(task.id());
  EXPECT_TRUE(sstub_->GetTask(ContextFor(TokenFor("zhou.huanbao")).get(), get, &t).ok());
  EXPECT_CODE(sstub_->AcceptTask(ContextFor(TokenFor("zhou.huanbao")).get(),
                                 WithIds(spb::AcceptTaskRequest(), task.id()), &t),
              StatusCode::PERMISSION_DENIED);
  auto other = TokenFor(auth::Principal{"x", "", "430204", "430204/zjj", {"unit_handler"}});
  EXPECT_CODE(sstub_->GetTask(ContextFor(other).get(), get, &t), StatusCode::NOT_FOUND);
  // Only supervisors assign and verify.
  spb::AssignTaskRequest assign;
  assign.set_request_id(NewUuid());
  auto* nt = assign.mutable_task();
  nt->set_item_id(item.id());
  nt->set_lead_unit("430204/sthj");
  nt->set_deliverable("排查工业排污");
  nt->set_due_date("2026-12-20");
  EXPECT_CODE(sstub_->AssignTask(ContextFor(TokenFor("zhang.shuji")).get(), assign, &t),
              StatusCode::PERMISSION_DENIED);
  // Bad input, each named.
  auto expect_invalid = [&](const grpc::Status& s, const std::string& field) {
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  };
  nt->set_due_date("2026-11-20");  // before the assignment (today is 2026-11-23)
  expect_invalid(sstub_->AssignTask(ContextFor(TokenFor("zhao.ducha")).get(), assign, &t),
                 "task.due_date");
  nt->set_due_date("2026-12-20");
  nt->add_co_units("430204/sthj");  // the lead unit again
  expect_invalid(sstub_->AssignTask(ContextFor(TokenFor("zhao.ducha")).get(), assign, &t),
                 "task.co_units");
  nt->clear_co_units();
  nt->set_lead_unit("430204/nosuch");
  expect_invalid(sstub_->AssignTask(ContextFor(TokenFor("zhao.ducha")).get(), assign, &t),
                 "task.lead_unit");
  spb::ReportProgressRequest p = WithIds(spb::ReportProgressRequest(), task.id());
  p.mutable_report()->set_percent(120);
  p.mutable_report()->set_narrative("x");
  expect_invalid(sstub_->ReportProgress(ContextFor(TokenFor("chen.shuili")).get(), p, &t),
                 "report.percent");
  // Out of order: progress before signing for it; verification before completion.
  p.mutable_report()->set_percent(10);
  EXPECT_CODE(sstub_->ReportProgress(ContextFor(TokenFor("chen.shuili")).get(), p, &t),
              StatusCode::FAILED_PRECONDITION);
  spb::VerifyTaskRequest v = WithIds(spb::VerifyTaskRequest(), task.id());
  v.set_approve(true);
  EXPECT_CODE(sstub_->VerifyTask(ContextFor(TokenFor("zhao.ducha")).get(), v, &t),
              StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(footprint(), before);
}

TEST_F(SupervisionLoopTest, WarningLadderFiresEachRungOnceWithTwoReplicas) {
  ServiceProcess replica("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                         dir_->path() + "/supervision", SupervisionEnv(), "b");
  replica.Start();
  // Due Friday 2026-12-04: blue Tue 12-01, yellow Mon 12-07, red Fri 12-11 (all 09:00).
  const auto in = Instruct("亮牌", "2026-12-04");
  const spb::Item item = WaitForItem(in.id());
  const spb::Task task = OnlyTask(item.id());
  spb::Task t;
  ASSERT_TRUE(sstub_
                  ->AcceptTask(ContextFor(TokenFor("chen.shuili")).get(),
                               WithIds(spb::AcceptTaskRequest(), task.id()), &t)
                  .ok());
  auto rung_count = [&](const std::string& rung) {
    return SupervisionCount("SELECT COUNT(*) FROM audit_log WHERE action = 'warning." + rung +
                            "' AND resource = '" + task.id() + "'");
  };
  auto fired_or_skipped = [&](const std::string& rung) {
    return SupervisionCount(
               "SELECT COUNT(*) FROM task_timers WHERE fired_at IS NOT NULL AND rung = '" + rung +
               "' AND task_id = '" + task.id() + "'") == 1;
  };
  // The reminder comes due on Tuesday but the task was signed for: it is skipped, not fired.
  SetNow(kMonday0900 + 1 * kDay);
  ASSERT_TRUE(Eventually([&] { return fired_or_skipped("reminder"); }));
  EXPECT_EQ(rung_count("reminder"), 0);
  EXPECT_EQ(rung_count("blue"), 0);

  SetNow(kMonday0900 + 8 * kDay);  // Tue 12-01 09:00
  ASSERT_TRUE(Eventually([&] { return rung_count("blue") == 1; })) << supervision_->Log();
  EXPECT_EQ(rung_count("yellow"), 0);
  SetNow(kMonday0900 + 14 * kDay);  // Mon 12-07 09:00
  ASSERT_TRUE(Eventually([&] { return rung_count("yellow") == 1; }));
  EXPECT_EQ(rung_count("red"), 0);
  SetNow(kMonday0900 + 18 * kDay);  // Fri 12-11 09:00
  ASSERT_TRUE(Eventually([&] { return rung_count("red") == 1; }));
  // Both replicas keep checking; nothing fires twice.
  SetNow(kMonday0900 + 30 * kDay);
  ASSERT_TRUE(Eventually([&] {
    return SupervisionCount(
               "SELECT COUNT(*) FROM task_timers WHERE fired_at IS NULL AND task_id = '" +
               task.id() + "'") == 0;
  }));
  for (const char* rung : {"blue", "yellow", "red"}) EXPECT_EQ(rung_count(rung), 1) << rung;
  spb::GetTaskRequest get;
  get.set_id(task.id());
  ASSERT_TRUE(sstub_->GetTask(ContextFor(TokenFor("chen.shuili")).get(), get, &t).ok());
  ASSERT_EQ(t.warnings_size(), 3) << "the unit sees its cards";
  EXPECT_EQ(t.warnings(0).rung(), "blue");
  EXPECT_EQ(t.warnings(0).working_days(), 3);
  EXPECT_EQ(t.warnings(2).rung(), "red");
  EXPECT_EQ(t.warnings(2).working_days(), 5);
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM outbox WHERE type = 'supervision.warning.issued'"
                             " AND event_id IN (SELECT event_id FROM audit_log WHERE resource = '" +
                             task.id() + "')"),
            3);
}

TEST_F(SupervisionLoopTest, MeetingDecisionsDocumentInstructionsAndOverdueProposalsOpenItems) {
  auto meetings = cpb::MeetingsService::NewStub(coordination_->Channel());
  auto documents = cpb::CirculationService::NewStub(coordination_->Channel());
  // A 联席会议 at 10:00 today; its decision, once the meeting has started, opens an item in the
  // meeting's words.
  const auto meeting =
      ApprovedMeeting(*meetings, "清水塘管网改造联席会议", FromMillis(kMonday0900 + kHour),
                      FromMillis(kMonday0900 + 2 * kHour), {"430204/zjj"});
  SetNow(kMonday0900 + 90 * 60000);
  const auto decision =
      RecordMeetingDecision(*meetings, meeting.id(), "年底前完成清水塘老旧管网改造一期",
                            "430204/zjj", {"430204/slj"}, "2026-12-31");
  ASSERT_FALSE(decision.id().empty());
  const spb::Item decided = WaitForItem(decision.id());
  EXPECT_EQ(decided.source_type(), ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION);
  EXPECT_EQ(decided.title(), "清水塘管网改造联席会议 议定事项");
  EXPECT_EQ(decided.requirement(), "年底前完成清水塘老旧管网改造一期");
  EXPECT_EQ(OnlyTask(decided.id()).lead_unit(), "430204/zjj");
  // A leader's instruction on a classified document (批办件): the item carries its number, never
  // its title.
  const auto doc = InstructOnDocument(*documents, "关于某水源地调整的机密请示", 2, "liu.quzhang",
                                      "请住建局研究提出意见", {"430204/zjj"}, "2026-12-15");
  ASSERT_EQ(doc.instructions_size(), 1);
  const spb::Item instructed = WaitForItem(doc.instructions(0).id());
  EXPECT_EQ(instructed.source_type(), ev::SOURCE_TYPE_DOCUMENT_INSTRUCTION);
  EXPECT_EQ(instructed.title().find("水源地"), std::string::npos) << instructed.title();
  EXPECT_NE(instructed.title().find(doc.number()), std::string::npos) << instructed.title();

  // Forged coordination events open nothing: a decision coordination does not hold, the real
  // decision with another lead unit, an instruction on a document that does not exist. Each is
  // read back, found wanting, and dead-lettered.
  const int64_t dead_before = DeadLetters("zs:events:coordination");
  ev::MeetingDecisionRecorded forged;
  forged.set_meeting_id(meeting.id());
  forged.set_decision_id(meeting.id() + "-d99");
  forged.set_meeting_title("区委常委会第 12 次会议");
  forged.set_text("伪造的议定事项");
  forged.set_lead_unit("430204/zjj");
  forged.set_due_date("2026-12-31");
  Publish("zs:events:coordination", "coordination.meeting.decision_recorded", forged);
  ev::MeetingDecisionRecorded moved;
  moved.set_meeting_id(meeting.id());
  moved.set_decision_id(decision.id());
  moved.set_lead_unit("430204/qtt");
  moved.set_due_date("2026-12-31");
  Publish("zs:events:coordination", "coordination.meeting.decision_recorded", moved);
  ev::DocumentInstructionRecorded no_document;
  no_document.set_document_id("430204-doc-nosuch");
  no_document.set_instruction_id("430204-di-" + RandomHex(4));
  no_document.set_document_title("关于加强二次供水管理的请示");
  no_document.add_directed_units("430204/zjj");
  no_document.set_due_date("2026-12-15");
  Publish("zs:events:coordination", "coordination.document.instruction_recorded", no_document);
  // An overdue event naming a proposal the proposals service does not know (forged, or of another
  // county) opens nothing: supervision asks proposals first (the real loop is in proposals_test).
  ev::ProposalOverdue p;
  p.set_proposal_id("430204-p-" + RandomHex(4));
  p.set_kind("cppcc_proposal");
  p.set_number("46");
  p.set_title("关于加快清水塘片区管网改造的提案");
  p.set_unit("430204/zjj");
  p.set_due_date("2026-11-10");
  p.set_working_days_overdue(9);
  p.set_new_due_date("2026-12-04");
  Publish("zs:events:proposals", "proposals.handling.overdue", p);

  EXPECT_TRUE(Eventually([&] { return DeadLetters("zs:events:proposals") == 1; },
                         std::chrono::seconds(30)));
  EXPECT_TRUE(Eventually([&] { return DeadLetters("zs:events:coordination") == dead_before + 3; },
                         std::chrono::seconds(30)))
      << supervision_->Log();
  EXPECT_TRUE(ItemsFor(p.proposal_id() + "/430204/zjj").empty());
  EXPECT_TRUE(ItemsFor(forged.decision_id()).empty());
  EXPECT_TRUE(ItemsFor(no_document.instruction_id()).empty());
  const auto still = ItemsFor(decision.id());
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(OnlyTask(still[0].id()).lead_unit(), "430204/zjj");
}

TEST_F(SupervisionLoopTest, AContestedTaskIsReassignedWhenCoordinationDecides) {
  auto matters = cpb::MattersService::NewStub(coordination_->Channel());
  const auto in = Instruct("推诿扯皮");
  const spb::Item item = WaitForItem(in.id());
  const spb::Task task = OnlyTask(item.id());
  spb::ContestTaskRequest c = WithIds(spb::ContestTaskRequest(), task.id());
  c.set_reason("二次供水设施由住建部门监管，不属于水利局职责");
  spb::Task t;
  ASSERT_TRUE(sstub_->ContestTask(ContextFor(TokenFor("chen.shuili")).get(), c, &t).ok());
  EXPECT_EQ(t.state(), spb::TASK_STATE_CONTESTED);
  // Coordination opens a matter on the contest; a forged resolution of it, before it is
  // resolved, changes nothing (coordination holds it open) and ends in the dead letters.
  const auto matter = WaitForMatter(*matters, t.contest_ref());
  ASSERT_FALSE(matter.id().empty());
  const int64_t dead_before = DeadLetters("zs:events:coordination");
  ev::MatterResolved forged;
  forged.set_matter_id(matter.id());
  forged.set_raised_by("supervision");
  forged.set_raised_ref(t.contest_ref());
  forged.set_lead_unit("430204/qtt");
  forged.set_decision("伪造的协调结论");
  Publish("zs:events:coordination", "coordination.matter.resolved", forged);
  EXPECT_TRUE(Eventually([&] { return DeadLetters("zs:events:coordination") == dead_before + 1; },
                         std::chrono::seconds(30)))
      << supervision_->Log();
  spb::GetTaskRequest get;
  get.set_id(task.id());
  ASSERT_TRUE(sstub_->GetTask(ContextFor(TokenFor("zhao.ducha")).get(), get, &t).ok());
  EXPECT_EQ(t.state(), spb::TASK_STATE_CONTESTED);

  // The office director decides: 生态环境分局 leads, 水利局 assists.
  ResolveMatterAsDirector(*matters, matter.id(), "430204/sthj", {"430204/slj"},
                          "由区生态环境分局牵头，区水利局配合");
  t = WaitReassigned(task.id());
  ASSERT_EQ(t.state(), spb::TASK_STATE_ASSIGNED);
  EXPECT_EQ(t.lead_unit(), "430204/sthj");
  ASSERT_EQ(t.co_units_size(), 1);
  EXPECT_EQ(t.co_units(0), "430204/slj");
  // The new lead signs for it; the old one now only assists.
  EXPECT_TRUE(sstub_
                  ->AcceptTask(ContextFor(TokenFor("zhou.huanbao")).get(),
                               WithIds(spb::AcceptTaskRequest(), task.id()), &t)
                  .ok());
}

TEST_F(SupervisionLoopTest, AMonthlyCadenceChasesAMissedProgressReport) {
  // 为民办实事: monthly progress by the 5th. Due 2027-02-26; deadlines 7 Dec (the 5th is a
  // Saturday), 5 Jan, 5 Feb; the chase fires the working day after each.
  spb::CreateItemRequest c;
  c.set_request_id(NewUuid());
  auto* it = c.mutable_item();
  it->set_title("清水塘片区老旧管网改造");
  it->set_requirement("年内完成一期改造");
  it->set_source_type(ev::SOURCE_TYPE_LIVELIHOOD_PROJECT);
  it->set_source_ref("2026-民生-07");
  it->set_deadline("2027-02-26");
  it->mutable_cadence()->set_kind(spb::Cadence::KIND_MONTHLY);
  it->mutable_cadence()->set_day(5);
  spb::Item item;
  ASSERT_TRUE(sstub_->CreateItem(ContextFor(TokenFor("zhao.ducha")).get(), c, &item).ok());
  spb::AssignTaskRequest a;
  a.set_request_id(NewUuid());
  a.mutable_task()->set_item_id(item.id());
  a.mutable_task()->set_lead_unit("430204/zjj");
  a.mutable_task()->set_deliverable("完成 3.2 公里管网改造");
  a.mutable_task()->set_due_date("2027-02-26");
  spb::Task task;
  ASSERT_TRUE(sstub_->AssignTask(ContextFor(TokenFor("zhao.ducha")).get(), a, &task).ok());
  const auto handler =
      TokenFor(auth::Principal{"zjj", "", "430204", "430204/zjj", {"unit_handler"}});
  spb::Task t;
  ASSERT_TRUE(
      sstub_
          ->AcceptTask(ContextFor(handler).get(), WithIds(spb::AcceptTaskRequest(), task.id()), &t)
          .ok());
  spb::ReportProgressRequest p = WithIds(spb::ReportProgressRequest(), task.id());
  p.mutable_report()->set_percent(10);
  p.mutable_report()->set_narrative("完成设计招标");
  ASSERT_TRUE(
      sstub_->ReportProgress(ContextFor(handler).get(), p, &t).ok());  // in the first period
  auto chases = [&] {
    return SupervisionCount(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'warning.missed_progress'"
        " AND resource = '" +
        task.id() + "'");
  };
  auto settled = [&](const std::string& rung) {
    return SupervisionCount(
               "SELECT COUNT(*) FROM task_timers WHERE fired_at IS NOT NULL AND task_id = '" +
               task.id() + "' AND rung = '" + rung + "'") == 1;
  };
  SetNow(kMonday0900 + 15 * kDay);  // Tue 8 Dec 09:00
  ASSERT_TRUE(Eventually([&] { return settled("progress:2026-12"); }));
  EXPECT_EQ(chases(), 0) << "reported in time";
  SetNow(kMonday0900 + 44 * kDay);  // Wed 6 Jan 09:00: nothing since 7 Dec
  ASSERT_TRUE(Eventually([&] { return settled("progress:2027-01"); }));
  EXPECT_EQ(chases(), 1);
  spb::GetTaskRequest get;
  get.set_id(task.id());
  ASSERT_TRUE(sstub_->GetTask(ContextFor(handler).get(), get, &t).ok());
  bool carded = false;
  for (const auto& w : t.warnings()) carded = carded || w.rung() == "missed_progress";
  EXPECT_TRUE(carded);
}

// A notice (通报) is one edition per period: previewed without a number, published as
// provisional (阶段性) while the period runs, once when it has ended, and again only as a
// correction (更正).
TEST_F(SupervisionLoopTest, ANoticeIsPublishedOnceInMarkdownAndHtml) {
  auto supervisor = [] { return ContextFor(TokenFor("zhao.ducha")); };
  const auto notices = [&] { return SupervisionCount("SELECT COUNT(*) FROM notices"); };
  const auto stored = notices();
  spb::PreviewNoticeRequest preview;
  preview.set_period("2026-11");
  spb::Notice draft;
  ASSERT_TRUE(sstub_->PreviewNotice(supervisor().get(), preview, &draft).ok());
  EXPECT_EQ(draft.number(), 0);
  EXPECT_TRUE(draft.id().empty());
  EXPECT_TRUE(draft.provisional());
  EXPECT_NE(draft.markdown().find("预览（未编号）"), std::string::npos);
  EXPECT_EQ(notices(), stored) << "a preview stores nothing";

  spb::PublishNoticeRequest req;
  req.set_request_id(NewUuid());
  req.set_period("2026-11");
  spb::Notice first, again;
  auto s = sstub_->PublishNotice(supervisor().get(), req, &first);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("provisional"), std::string::npos) << s.error_message();
  req.set_request_id(NewUuid());
  req.set_provisional(true);
  ASSERT_TRUE(sstub_->PublishNotice(supervisor().get(), req, &first).ok());
  ASSERT_TRUE(sstub_->PublishNotice(supervisor().get(), req, &again).ok());
  EXPECT_EQ(first.id(), again.id()) << "a retried publication is the same notice";
  EXPECT_TRUE(first.provisional());
  EXPECT_EQ(first.as_of(), "2026-11-23");
  EXPECT_EQ(first.title(), "石峰区委办公室督查通报（2026年11月）（阶段性）");
  EXPECT_NE(first.markdown().find("## 各单位办理情况"), std::string::npos);
  EXPECT_NE(first.markdown().find("阶段性通报，数据截至 2026-11-23"), std::string::npos);
  EXPECT_EQ(first.html().rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(first.period_end(), "2026-11-30");
  EXPECT_TRUE(Eventually([&] {
    int published = 0;
    auto c = redis_->Connect();
    for (const auto& e : ReadStream(*c, "zs:events:supervision")) {
      if (e.type != "supervision.notice.published") continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::NoticePublished np;
      if (env.payload().UnpackTo(&np) && np.notice_id() == first.id()) ++published;
    }
    return published == 1;
  }));
  spb::GetNoticeRequest get;
  get.set_id(first.id());
  spb::Notice seen;
  EXPECT_TRUE(sstub_->GetNotice(ContextFor(TokenFor("zhang.shuji")).get(), get, &seen).ok());

  // Once the month has ended: one final edition, then only a correction of it.
  SetNow(kMonday0900 + 8 * kDay);  // 2026-12-01
  req.set_request_id(NewUuid());
  s = sstub_->PublishNotice(supervisor().get(), req, &seen);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);  // provisional, but the period has ended
  req.set_request_id(NewUuid());
  req.set_provisional(false);
  spb::Notice final_edition, correction;
  ASSERT_TRUE(sstub_->PublishNotice(supervisor().get(), req, &final_edition).ok());
  EXPECT_FALSE(final_edition.provisional());
  EXPECT_EQ(final_edition.number(), first.number() + 1);
  EXPECT_EQ(final_edition.title(), "石峰区委办公室督查通报（2026年11月）");
  req.set_request_id(NewUuid());
  s = sstub_->PublishNotice(supervisor().get(), req, &seen);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find(final_edition.id()), std::string::npos) << s.error_message();
  req.set_request_id(NewUuid());
  req.set_correction(true);
  ASSERT_TRUE(sstub_->PublishNotice(supervisor().get(), req, &correction).ok());
  EXPECT_EQ(correction.corrects(), final_edition.id());
  EXPECT_EQ(correction.title(), "石峰区委办公室督查通报（2026年11月）（更正）");
  SetNow(kMonday0900);

  // Bad period, wrong role.
  req.set_request_id(NewUuid());
  req.set_period("2026-13");
  s = sstub_->PublishNotice(supervisor().get(), req, &seen);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("period"), std::string::npos);
  req.set_period("2026-Q4");
  EXPECT_CODE(sstub_->PublishNotice(ContextFor(TokenFor("chen.shuili")).get(), req, &seen),
              StatusCode::PERMISSION_DENIED);
  preview.set_period("2026-Q4");
  EXPECT_CODE(sstub_->PreviewNotice(ContextFor(TokenFor("chen.shuili")).get(), preview, &seen),
              StatusCode::PERMISSION_DENIED);
}

// The dead end of a contested task without coordination: the supervision office reassigns it,
// or cancels it; an item can be edited and cancelled, and a cancelled item still answers the
// leader's instruction with the reason.
TEST_F(SupervisionLoopTest, TheSupervisionOfficeReassignsCancelsAndEdits) {
  const auto in = Instruct("无人认领");
  const spb::Item item = WaitForItem(in.id());
  const spb::Task task = OnlyTask(item.id());
  spb::Task t;
  spb::ContestTaskRequest c = WithIds(spb::ContestTaskRequest(), task.id());
  c.set_reason("不属于水利局职责");
  ASSERT_TRUE(sstub_->ContestTask(ContextFor(TokenFor("chen.shuili")).get(), c, &t).ok());
  const std::string first_contest = t.contest_ref();
  // Coordination opens its matter while the contest stands (a contest answered before
  // coordination reads it back opens none); its decision will arrive after the office's.
  auto matters = cpb::MattersService::NewStub(coordination_->Channel());
  const auto matter = WaitForMatter(*matters, first_contest);
  spb::ReassignTaskRequest r = WithIds(spb::ReassignTaskRequest(), task.id());
  r.set_lead_unit("430204/zjj");
  r.add_co_units("430203/slj");  // another county's unit is refused, naming it
  r.set_reason("经研究，由区住建局牵头");
  auto s = sstub_->ReassignTask(ContextFor(TokenFor("zhao.ducha")).get(), r, &t);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("co_units[0]", 0), 0u) << s.error_message();
  r.set_co_units(0, "430204/slj");
  r.set_due_date("2027-01-15");
  EXPECT_CODE(sstub_->ReassignTask(ContextFor(TokenFor("chen.shuili")).get(), r, &t),
              StatusCode::PERMISSION_DENIED);
  s = sstub_->ReassignTask(ContextFor(TokenFor("zhao.ducha")).get(), r, &t);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(t.state(), spb::TASK_STATE_ASSIGNED);
  EXPECT_EQ(t.lead_unit(), "430204/zjj");
  EXPECT_EQ(t.due_date(), "2027-01-15");
  // Coordination's decision on the first contest, arriving late, changes nothing now.
  ResolveMatterAsDirector(*matters, matter.id(), "430204/sthj", {}, "由区生态环境分局牵头");
  const std::string resolved = ResolvedEventOf(matter.id());
  ASSERT_FALSE(resolved.empty());
  ASSERT_TRUE(Eventually([&] {
    return SupervisionCount("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + resolved +
                            "'") == 1;
  })) << supervision_->Log();
  // The new lead sees it; the old one still assists.
  auto zjj = TokenFor(auth::Principal{"zjj", "", "430204", "430204/zjj", {"unit_handler"}});
  spb::GetTaskRequest get;
  get.set_id(task.id());
  EXPECT_TRUE(sstub_->GetTask(ContextFor(zjj).get(), get, &t).ok());
  EXPECT_EQ(t.lead_unit(), "430204/zjj");
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM task_units WHERE task_id = '" + task.id() +
                             "' AND unit_id = '430204/zjj'"),
            1);

  // Edit the item; then a second task, cancelled; then the item is cancelled with its open task.
  spb::UpdateItemRequest u;
  u.set_request_id(NewUuid());
  u.mutable_item()->set_id(item.id());
  u.mutable_item()->set_deadline("2027-01-31");
  u.mutable_update_mask()->add_paths("deadline");
  spb::Item edited;
  s = sstub_->UpdateItem(ContextFor(TokenFor("zhao.ducha")).get(), u, &edited);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(edited.deadline(), "2027-01-31");
  EXPECT_EQ(edited.title(), item.title());
  u.mutable_update_mask()->set_paths(0, "source_ref");
  u.set_request_id(NewUuid());
  EXPECT_CODE(sstub_->UpdateItem(ContextFor(TokenFor("zhao.ducha")).get(), u, &edited),
              StatusCode::INVALID_ARGUMENT);

  spb::CancelItemRequest cancel = WithIds(spb::CancelItemRequest(), item.id());
  cancel.set_reason("\u3000");
  EXPECT_CODE(sstub_->CancelItem(ContextFor(TokenFor("zhao.ducha")).get(), cancel, &edited),
              StatusCode::INVALID_ARGUMENT);
  cancel.set_reason("问题已由市级统一部署整治");
  s = sstub_->CancelItem(ContextFor(TokenFor("zhao.ducha")).get(), cancel, &edited);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(edited.state(), spb::ITEM_STATE_CANCELLED);
  EXPECT_EQ(edited.cancelled_task_count(), 1);
  EXPECT_EQ(edited.closed_task_count(), 0);
  ASSERT_TRUE(sstub_->GetTask(ContextFor(TokenFor("zhao.ducha")).get(), get, &t).ok());
  EXPECT_EQ(t.state(), spb::TASK_STATE_CANCELLED);
  EXPECT_EQ(t.cancel_reason(), "问题已由市级统一部署整治");
  // No more cards for a cancelled task, and the instruction is answered with the reason.
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM audit_log WHERE action = 'task.cancel' AND "
                             "resource = '" +
                             task.id() + "'"),
            1);
  ASSERT_TRUE(Eventually(
      [&] { return GetInstruction(in.id()).state() == rpb::INSTRUCTION_STATE_ANSWERED; }));
  EXPECT_EQ(GetInstruction(in.id()).answer_summary(), "督查事项已撤销：问题已由市级统一部署整治");
  spb::CancelTaskRequest ct = WithIds(spb::CancelTaskRequest(), task.id());
  ct.set_reason("重复");
  EXPECT_CODE(sstub_->CancelTask(ContextFor(TokenFor("zhao.ducha")).get(), ct, &t),
              StatusCode::FAILED_PRECONDITION);
}

TEST_F(SupervisionLoopTest, ThreeRedCardsForOneUnitFlagAFormalTalk) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 3; ++i) {
    const auto in = Instruct("约谈 " + std::to_string(i), "2026-12-04", {"430204/fgj"});
    tasks.push_back(OnlyTask(WaitForItem(in.id()).id()).id());
  }
  SetNow(kMonday0900 + 30 * kDay);
  ASSERT_TRUE(Eventually([&] {
    return SupervisionCount(
               "SELECT COUNT(*) FROM task_timers WHERE outcome = 'fired' AND rung = 'red'"
               " AND unit_id = '430204/fgj'") == 3;
  }));
  EXPECT_TRUE(Eventually([&] {
    return SupervisionCount(
               "SELECT COUNT(*) FROM outbox WHERE type = 'supervision.unit.talk_flagged'"
               " AND event_id IN (SELECT event_id FROM audit_log WHERE resource = "
               "'430204/fgj')") == 1;
  }));
}

// The command-line client as a user runs it: flags reach the service, refusals exit 1 with the
// service's message.
TEST_F(SupervisionLoopTest, ZsctlPassesTheCadenceAndReportsRefusals) {
  auto zsctl = [&](std::vector<std::string> args, std::string* out) {
    const std::string log = dir_->path() + "/zsctl-" + NewUuid() + ".log";
    args.insert(args.begin(),
                {"--supervision=" + supervision_->address(),
                 "--org=" + SourceDir() + "/deploy/local/org.yaml", "--as=zhao.ducha"});
    Process p(ZSCTL_BIN, args, {}, log);
    p.Start();
    const int code = p.WaitExit(std::chrono::seconds(20));
    *out = p.Log();
    return code;
  };
  std::string out;
  EXPECT_EQ(
      zsctl({"item", "create", "--title", "民生实事", "--requirement", "按月报送进展", "--deadline",
             "2027-06-30", "--source", "livelihood-project", "--cadence", "monthly:31"},
            &out),
      1);
  EXPECT_NE(out.find("INVALID_ARGUMENT: item.cadence.day"), std::string::npos) << out;
  EXPECT_EQ(
      zsctl({"item", "create", "--title", "民生实事", "--requirement", "按月报送进展", "--deadline",
             "2027-06-30", "--source", "livelihood-project", "--cadence", "monthly:5"},
            &out),
      0)
      << out;
  EXPECT_NE(out.find("MONTHLY by day 5"), std::string::npos) << out;
  EXPECT_EQ(zsctl({"item", "create", "--title", "x"}, &out), 2) << "bad usage";
}

TEST_F(SupervisionLoopTest, AJumpPastEveryRungIssuesOnlyTheLatest) {
  const auto in = Instruct("停机之后", "2026-12-04");
  const spb::Item item = WaitForItem(in.id());
  const spb::Task task = OnlyTask(item.id());
  // As if the service were down from Monday until long after the red date.
  SetNow(kMonday0900 + 30 * kDay);
  ASSERT_TRUE(Eventually([&] {
    return SupervisionCount(
               "SELECT COUNT(*) FROM task_timers WHERE fired_at IS NULL AND task_id = '" +
               task.id() + "'") == 0;
  }));
  spb::GetTaskRequest get;
  get.set_id(task.id());
  spb::Task t;
  ASSERT_TRUE(sstub_->GetTask(ContextFor(TokenFor("zhao.ducha")).get(), get, &t).ok());
  std::vector<std::string> rungs;
  for (const auto& w : t.warnings()) rungs.push_back(w.rung());
  // Never signed for: the reminder stands; of the deadline rungs only red is issued.
  EXPECT_EQ(rungs, (std::vector<std::string>{"reminder", "red"}));
}

// ---- Trust: a service believes nothing it did not check ----

// A supervisor, of any county, cannot register an item that claims a leader's instruction: only
// reporting's event opens one, so no forged item can later answer the instruction.
TEST_F(SupervisionLoopTest, NoClientCanClaimAnotherServicesSource) {
  const auto in = Instruct("冒认批示");
  WaitForItem(in.id());
  const std::string other_county =
      TokenFor(auth::Principal{"ma.ducha", "", "430203", "430203/qwb", {"supervisor"}});
  const auto before = SupervisionCount("SELECT COUNT(*) FROM items");
  for (const auto& token : {other_county, TokenFor("zhao.ducha")}) {
    spb::CreateItemRequest req;
    req.set_request_id(NewUuid());
    auto* item = req.mutable_item();
    item->set_title("关于饮用水问题的批示");
    item->set_requirement("核查");
    item->set_source_type(ev::SOURCE_TYPE_LEADER_INSTRUCTION);
    item->set_source_ref(in.id());
    item->set_instructing_leader("zhang.shuji");
    item->set_deadline("2026-12-31");
    spb::Item out;
    auto s = sstub_->CreateItem(ContextFor(token).get(), req, &out);
    EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message().rfind("item.source_type", 0), 0u) << s.error_message();
    // The same with a source of its own, but another county's leader as the instructing one.
    item->set_source_type(ev::SOURCE_TYPE_LIVELIHOOD_PROJECT);
    item->set_source_ref("");
    s = sstub_->CreateItem(ContextFor(token).get(), req, &out);
    if (token == other_county) {
      EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
      EXPECT_EQ(s.error_message().rfind("item.instructing_leader", 0), 0u) << s.error_message();
    } else {
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(out.instructing_leader_name(), "张书记");
    }
  }
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM items"), before + 1);
}

// One rule in both services: an instruction names units of the report's own county only, and
// the refusal comes when it is issued, not minutes later in a dead-letter stream.
TEST_F(SupervisionLoopTest, AnInstructionNamesOnlyUnitsOfTheReportsCounty) {
  const rpb::Report r = Submitted("跨县水源地保护");
  const auto outbox = QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM outbox");
  rpb::IssueInstructionRequest i;
  i.set_request_id(NewUuid());
  i.mutable_instruction()->set_report_id(r.id());
  i.mutable_instruction()->set_text("请两区水利局共同研究");
  i.mutable_instruction()->add_directed_units("430204/slj");
  i.mutable_instruction()->add_directed_units("430203/slj");  // the sibling county's unit
  i.mutable_instruction()->set_due_date("2026-12-31");
  rpb::Instruction in;
  auto s = rstub_->IssueInstruction(ContextFor(TokenFor("qian.shiwei")).get(), i, &in);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("instruction.directed_units[1]", 0), 0u) << s.error_message();
  EXPECT_EQ(QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM outbox"), outbox);
  // With the county's own units the city leader's instruction opens an item there.
  i.set_request_id(NewUuid());
  i.mutable_instruction()->set_directed_units(1, "430204/sthj");
  s = rstub_->IssueInstruction(ContextFor(TokenFor("qian.shiwei")).get(), i, &in);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(WaitForItem(in.id()).tenant(), "430204");
}

// Every unit a task names is checked: a co-unit of another county is refused when assigned, and
// a coordination decision naming one reassigns nothing.
TEST_F(SupervisionLoopTest, EveryUnitOfATaskIsInsideTheItemsCounty) {
  const auto in = Instruct("跨县配合");
  const spb::Item item = WaitForItem(in.id());
  spb::AssignTaskRequest assign;
  assign.set_request_id(NewUuid());
  auto* nt = assign.mutable_task();
  nt->set_item_id(item.id());
  nt->set_lead_unit("430204/sthj");
  nt->add_co_units("430204/qtt");
  nt->add_co_units("430203/slj");
  nt->set_deliverable("联合排查");
  nt->set_due_date("2026-12-20");
  spb::Task t;
  const auto tasks = SupervisionCount("SELECT COUNT(*) FROM tasks");
  auto s = sstub_->AssignTask(ContextFor(TokenFor("zhao.ducha")).get(), assign, &t);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("task.co_units[1]", 0), 0u) << s.error_message();
  EXPECT_EQ(SupervisionCount("SELECT COUNT(*) FROM tasks"), tasks);

  const spb::Task task = OnlyTask(item.id());
  spb::ContestTaskRequest c = WithIds(spb::ContestTaskRequest(), task.id());
  c.set_reason("不属于水利局职责");
  ASSERT_TRUE(sstub_->ContestTask(ContextFor(TokenFor("chen.shuili")).get(), c, &t).ok());
  // Coordination refuses a decision naming another county's unit, and an event claiming one is
  // read back, found wanting and dead-lettered.
  auto matters = cpb::MattersService::NewStub(coordination_->Channel());
  const auto matter = WaitForMatter(*matters, t.contest_ref());
  cpb::ResolveMatterRequest foreign;
  foreign.set_request_id(NewUuid());
  foreign.set_id(matter.id());
  foreign.set_decision("由外县水利局配合");
  foreign.set_lead_unit("430204/sthj");
  foreign.add_co_units("430203/slj");
  cpb::Matter m;
  EXPECT_CODE(matters->ResolveMatter(ContextFor(TokenFor("huang.zhuren")).get(), foreign, &m),
              StatusCode::INVALID_ARGUMENT);
  const int64_t dead_before = DeadLetters("zs:events:coordination");
  ev::MatterResolved forged;
  forged.set_matter_id(matter.id());
  forged.set_raised_by("supervision");
  forged.set_raised_ref(t.contest_ref());
  forged.set_lead_unit("430204/sthj");
  forged.add_co_units("430203/slj");
  Publish("zs:events:coordination", "coordination.matter.resolved", forged);
  EXPECT_TRUE(Eventually([&] { return DeadLetters("zs:events:coordination") == dead_before + 1; },
                         std::chrono::seconds(30)));
  ResolveMatterAsDirector(*matters, matter.id(), "430204/sthj", {"430204/slj"},
                          "由区生态环境分局牵头，区水利局配合");
  t = WaitReassigned(task.id());
  ASSERT_EQ(t.co_units_size(), 1);
  EXPECT_EQ(t.co_units(0), "430204/slj");
}

// A signed token is not enough: its tenant must be served here and its unit must be inside it,
// or nothing runs — in either service.
TEST_F(SupervisionLoopTest, ATokenMustNameAConsistentPrincipal) {
  const std::string ghost_tenant =
      TokenFor(auth::Principal{"ghost", "", "999999", "", {"editor", "supervisor", "clerk"}});
  const std::string foreign_unit =
      TokenFor(auth::Principal{"mole", "", "430204", "430203/slj", {"clerk"}});
  const auto reporting_outbox = QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM outbox");
  const auto reporting_audit = QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM audit_log");
  for (const auto& token : {ghost_tenant, foreign_unit}) {
    rpb::CreateReportRequest c;
    c.set_request_id(NewUuid());
    c.mutable_report()->set_title("越权写入");
    c.mutable_report()->set_kind(rpb::REPORT_KIND_PROBLEM);
    c.mutable_report()->set_sensitivity(rpb::SENSITIVITY_INTERNAL);
    c.mutable_report()->set_unit_id("430204/qtt");
    rpb::Report r;
    EXPECT_CODE(rstub_->CreateReport(ContextFor(token).get(), c, &r), StatusCode::UNAUTHENTICATED);
    rpb::CreateBulletinRequest b;
    b.set_request_id(NewUuid());
    b.set_kind("daily");
    rpb::Bulletin out;
    EXPECT_CODE(rstub_->CreateBulletin(ContextFor(token).get(), b, &out),
                StatusCode::UNAUTHENTICATED);
    rpb::ListReportsRequest lr;
    rpb::ListReportsResponse lresp;
    EXPECT_CODE(rstub_->ListReports(ContextFor(token).get(), lr, &lresp),
                StatusCode::UNAUTHENTICATED);
    spb::CreateItemRequest ci;
    ci.set_request_id(NewUuid());
    spb::Item item;
    EXPECT_CODE(sstub_->CreateItem(ContextFor(token).get(), ci, &item),
                StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM outbox"), reporting_outbox);
  EXPECT_EQ(QueryInt(reporting_->db_path(), "SELECT COUNT(*) FROM audit_log"), reporting_audit);
}

// Blank means blank in Chinese too: a full-width space is not a title, a comment or a reason.
TEST_F(SupervisionLoopTest, FullWidthAndInvisibleSpacesAreBlank) {
  for (const std::string blank : {"\u3000\u3000", "\u00a0", "\u200b\ufeff", " \u3000\t"}) {
    rpb::CreateReportRequest c;
    c.set_request_id(NewUuid());
    c.mutable_report()->set_title(blank);
    c.mutable_report()->set_kind(rpb::REPORT_KIND_PROBLEM);
    c.mutable_report()->set_sensitivity(rpb::SENSITIVITY_INTERNAL);
    rpb::Report r;
    auto s = rstub_->CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), c, &r);
    EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message().rfind("report.title", 0), 0u) << s.error_message();
    spb::CreateItemRequest ci;
    ci.set_request_id(NewUuid());
    ci.mutable_item()->set_title("为民办实事");
    ci.mutable_item()->set_requirement(blank);
    ci.mutable_item()->set_source_type(ev::SOURCE_TYPE_LIVELIHOOD_PROJECT);
    ci.mutable_item()->set_deadline("2026-12-31");
    spb::Item item;
    s = sstub_->CreateItem(ContextFor(TokenFor("zhao.ducha")).get(), ci, &item);
    EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message().rfind("item.requirement", 0), 0u) << s.error_message();
  }
}

// Negative information (负面信息) keeps its readers in supervision too: the item's title and
// requirement, the event announcing it and the month's notice show nothing of the report to
// the supervision office or the units; the leader still reads it.
TEST_F(SupervisionLoopTest, NegativeInformationStaysWithItsReadersInSupervision) {
  SetNow(kMonday0900 + 60 * kDay);  // 2027-01-22
  const std::string secret = "某镇干部违规收受礼金";
  rpb::Report r = Submitted(secret, rpb::SENSITIVITY_NEGATIVE);
  rpb::IssueInstructionRequest i;
  i.set_request_id(NewUuid());
  i.mutable_instruction()->set_report_id(r.id());
  i.mutable_instruction()->set_text("请纪委监委介入，严肃查处" + secret + "问题");
  i.mutable_instruction()->add_directed_units("430204/slj");
  i.mutable_instruction()->set_due_date("2027-01-25");
  rpb::Instruction in;
  ASSERT_TRUE(rstub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), i, &in).ok());
  const spb::Item listed = WaitForItem(in.id());  // as the supervisor lists it
  EXPECT_TRUE(listed.negative());
  // Instructed on, the report is no longer returned for rewriting (nor re-marked afterwards).
  rpb::ReturnReportRequest ret;
  ret.set_request_id(NewUuid());
  ret.set_id(r.id());
  ret.set_comment("请补充");
  EXPECT_CODE(rstub_->ReturnReport(ContextFor(TokenFor("li.bianji")).get(), ret, &r),
              StatusCode::FAILED_PRECONDITION);
  spb::GetItemRequest get;
  get.set_id(listed.id());
  for (const char* user : {"zhao.ducha", "chen.shuili", "sun.zonghe"}) {
    spb::Item seen;
    auto s = sstub_->GetItem(ContextFor(TokenFor(user)).get(), get, &seen);
    ASSERT_TRUE(s.ok()) << user << ": " << s.error_message();
    EXPECT_EQ(seen.SerializeAsString().find(secret), std::string::npos) << user;
  }
  EXPECT_EQ(listed.SerializeAsString().find(secret), std::string::npos);
  spb::Item leader_view;
  ASSERT_TRUE(sstub_->GetItem(ContextFor(TokenFor("zhang.shuji")).get(), get, &leader_view).ok());
  EXPECT_NE(leader_view.title().find(secret), std::string::npos);
  // The event that announces the item carries no words of the report either.
  ASSERT_TRUE(Eventually([&] {
    auto conn = redis_->Connect();
    for (const auto& e : ReadStream(*conn, "zs:events:supervision")) {
      if (e.type != "supervision.item.opened") continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::ItemOpened opened;
      if (env.payload().UnpackTo(&opened) && opened.item_id() == listed.id()) {
        EXPECT_TRUE(opened.negative());
        EXPECT_EQ(opened.title().find(secret), std::string::npos);
        return true;
      }
    }
    return false;
  }));
  // Overdue at the end of January, it is listed in the notice every unit reads — untitled.
  SetNow(kMonday0900 + 71 * kDay);  // 2027-02-02
  spb::PublishNoticeRequest req;
  req.set_request_id(NewUuid());
  req.set_period("2027-01");
  spb::Notice n;
  auto s = sstub_->PublishNotice(ContextFor(TokenFor("zhao.ducha")).get(), req, &n);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool listed_overdue = false;
  for (const auto& o : n.overdue())
    listed_overdue |= o.item_title() == "（涉及负面信息的督查事项，标题不予显示）";
  EXPECT_TRUE(listed_overdue);
  EXPECT_EQ(n.SerializeAsString().find(secret), std::string::npos);
  EXPECT_EQ(n.markdown().find(secret), std::string::npos);
  EXPECT_EQ(n.html().find(secret), std::string::npos);
}

// A task given to another unit starts a new ladder: the new lead is reminded, the old lead's card
// stays on record under its own unit.
TEST_F(SupervisionLoopTest, AReassignedTaskGetsANewLadderAndKeepsItsOldCards) {
  const auto in = Instruct("改派重新计时", "2026-12-31", {"430204/slj"});
  const spb::Task task = OnlyTask(WaitForItem(in.id()).id());
  spb::GetTaskRequest get;
  get.set_id(task.id());
  spb::Task t;
  auto reminders = [&] {
    std::vector<std::string> units;
    if (!sstub_->GetTask(ContextFor(TokenFor("zhao.ducha")).get(), get, &t).ok()) return units;
    for (const auto& w : t.warnings()) {
      if (w.rung() == "reminder") units.push_back(w.unit());
    }
    return units;
  };
  SetNow(kMonday0900 + kDay);  // Tuesday: not signed for, the reminder fires for 水利局
  ASSERT_TRUE(Eventually([&] { return reminders().size() == 1; }));
  spb::ReassignTaskRequest r = WithIds(spb::ReassignTaskRequest(), task.id());
  r.set_lead_unit("430204/zjj");
  r.set_reason("由区住建局牵头");
  ASSERT_TRUE(sstub_->ReassignTask(ContextFor(TokenFor("zhao.ducha")).get(), r, &t).ok());
  SetNow(kMonday0900 + 2 * kDay);  // Wednesday: the new lead has not signed for it either
  ASSERT_TRUE(Eventually([&] { return reminders().size() == 2; }));
  EXPECT_EQ(reminders(), (std::vector<std::string>{"430204/slj", "430204/zjj"}));
}

}  // namespace
}  // namespace zs::testing

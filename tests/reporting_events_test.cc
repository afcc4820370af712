// Events against a real Redis: exactly once on the stream, writes without Redis, kill -9 in the
// middle of a stream of writes, a Redis that comes back empty, consumer crashes and poison.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace pb = zhongshu::reporting::v1;
namespace ev = zhongshu::events::v1;

constexpr char kStream[] = "zs:events:reporting";
constexpr char kSupervision[] = "zs:events:supervision";

ev::Event SupervisionEvent(const std::string& type, const google::protobuf::Message& payload) {
  ev::Event e;
  e.set_id(NewUuid());
  e.set_type(type);
  e.set_tenant("430204");
  e.set_source("supervision");
  e.mutable_actor()->set_subject("zhao.ducha");
  e.mutable_payload()->PackFrom(payload);
  return e;
}

// The envelope supervision publishes when it opens an item from an instruction.
ev::Event ItemOpenedEvent(const std::string& instruction_id, const std::string& item_id) {
  ev::ItemOpened opened;
  opened.set_item_id(item_id);
  opened.set_source_type(ev::SOURCE_TYPE_LEADER_INSTRUCTION);
  opened.set_source_ref(instruction_id);
  opened.set_title("关于批示的督查事项");
  return SupervisionEvent("supervision.item.opened", opened);
}

// The envelope supervision publishes when it closes the item opened from an instruction.
ev::Event ItemClosedEvent(const std::string& instruction_id, const std::string& item_id) {
  ev::ItemClosed closed;
  closed.set_item_id(item_id);
  closed.set_source_type(ev::SOURCE_TYPE_LEADER_INSTRUCTION);
  closed.set_source_ref(instruction_id);
  closed.set_feedback_summary("水质已达标，管网已冲洗");
  return SupervisionEvent("supervision.item.closed", closed);
}

class ReportingEventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    redis_ = new RedisServer();
    service_ = new ServiceProcess(
        "reporting", ZS_REPORTING_BIN, redis_->address(), dir_->path() + "/reporting",
        {{"ZS_EVENTS_MAX_TRIES", "2"}, {"ZS_EVENTS_RELAY_BACKOFF_MAX", "200ms"}});
    service_->Start();
    stub_ = pb::ReportingService::NewStub(service_->Channel());
  }
  static void TearDownTestSuite() {
    stub_.reset();
    delete service_;
    delete redis_;
    delete dir_;
  }
  void SetUp() override {
    // Every test starts with Redis and the service up, whatever the previous one did.
    redis_->Start();
    service_->env().erase("ZS_FAULT_CONSUMER_CRASH");
    if (!service_->running()) RestartService();
  }
  void RestartService() {
    service_->Start();
    stub_ = pb::ReportingService::NewStub(service_->Channel());
  }

  grpc::Status CreateAndSubmit(const std::string& title, pb::Report* out) {
    pb::CreateReportRequest create;
    create.set_request_id(NewUuid());
    auto* r = create.mutable_report();
    r->set_title(title);
    r->set_kind(pb::REPORT_KIND_DYNAMIC);
    r->set_sensitivity(pb::SENSITIVITY_INTERNAL);
    auto s = stub_->CreateReport(ContextFor(token_clerk_).get(), create, out);
    if (!s.ok()) return s;
    pb::SubmitReportRequest submit;
    submit.set_request_id(NewUuid());
    submit.set_id(out->id());
    return stub_->SubmitReport(ContextFor(token_clerk_).get(), submit, out);
  }
  pb::Instruction Instruct(const std::string& report_id, const std::string& request_id) {
    pb::IssueInstructionRequest req;
    req.set_request_id(request_id);
    auto* in = req.mutable_instruction();
    in->set_report_id(report_id);
    in->set_text("请水利局核查");
    in->add_directed_units("430204/slj");
    in->set_due_date("2099-12-31");
    pb::Instruction out;
    auto s = stub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  pb::Instruction GetInstruction(const std::string& id) {
    pb::GetInstructionRequest req;
    req.set_id(id);
    pb::Instruction out;
    auto s = stub_->GetInstruction(ContextFor(TokenFor("zhang.shuji")).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::vector<StreamEntry> Stream(const std::string& name = kStream) {
    auto c = redis_->Connect();
    return ReadStream(*c, name);
  }
  std::vector<std::string> OutboxIds() {
    return QueryStrings(service_->db_path(), "SELECT event_id FROM outbox ORDER BY seq");
  }
  // True when the stream holds exactly the outbox's events, each once.
  bool StreamMatchesOutbox() {
    auto entries = Stream();
    std::multiset<std::string> on_stream;
    for (const auto& e : entries) on_stream.insert(e.event_id);
    auto ids = OutboxIds();
    return on_stream == std::multiset<std::string>(ids.begin(), ids.end());
  }
  // Report ids of the "reporting.report.submitted" events on the stream.
  std::set<std::string> SubmittedOnStream() {
    std::set<std::string> ids;
    for (const auto& e : Stream()) {
      if (e.type != "reporting.report.submitted") continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::ReportChanged payload;
      env.payload().UnpackTo(&payload);
      ids.insert(payload.report_id());
    }
    return ids;
  }
  std::string PublishSupervision(const ev::Event& e) {
    auto c = redis_->Connect();
    auto r =
        c->Command({"XADD", kSupervision, "*", "type", e.type(), "event", e.SerializeAsString()});
    EXPECT_TRUE(r.ok() && !r->IsError());
    return e.id();
  }
  // Publishes supervision.item.opened for an instruction, as supervision does; returns the item.
  std::string PublishItemOpened(const std::string& instruction_id) {
    const std::string item_id = "430204-s-" + RandomHex(8);
    PublishSupervision(ItemOpenedEvent(instruction_id, item_id));
    return item_id;
  }
  // Publishes supervision.item.closed for the item of an instruction, as supervision does.
  std::string PublishItemClosed(const std::string& instruction_id, const std::string& item_id) {
    return PublishSupervision(ItemClosedEvent(instruction_id, item_id));
  }
  int64_t Pending(const std::string& stream, const std::string& group) {
    auto c = redis_->Connect();
    auto r = c->Command({"XPENDING", stream, group});
    if (!r.ok() || r->elements.empty()) return -1;
    return r->elements[0].integer;
  }

  static TempDir* dir_;
  static RedisServer* redis_;
  static ServiceProcess* service_;
  static std::unique_ptr<pb::ReportingService::Stub> stub_;
  const std::string token_clerk_ = TokenFor("wang.xinxi");
};

TempDir* ReportingEventsTest::dir_ = nullptr;
RedisServer* ReportingEventsTest::redis_ = nullptr;
ServiceProcess* ReportingEventsTest::service_ = nullptr;
std::unique_ptr<pb::ReportingService::Stub> ReportingEventsTest::stub_;

TEST_F(ReportingEventsTest, InstructionEventIsOnTheStreamExactlyOncePerInstruction) {
  std::set<std::string> issued;
  for (int i = 0; i < 5; ++i) {
    pb::Report r;
    ASSERT_TRUE(CreateAndSubmit("批示事件 " + std::to_string(i), &r).ok());
    const std::string rid = NewUuid();
    auto first = Instruct(r.id(), rid);
    auto retry = Instruct(r.id(), rid);  // a client retry must not publish again
    EXPECT_EQ(first.id(), retry.id());
    issued.insert(first.id());
  }
  std::multiset<std::string> on_stream;
  ASSERT_TRUE(Eventually([&] {
    on_stream.clear();
    for (const auto& e : Stream()) {
      if (e.type != "reporting.instruction.issued") continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::InstructionIssued payload;
      env.payload().UnpackTo(&payload);
      if (issued.count(payload.instruction_id())) on_stream.insert(payload.instruction_id());
    }
    return on_stream.size() >= issued.size();
  }));
  EXPECT_EQ(on_stream, std::multiset<std::string>(issued.begin(), issued.end()));
  EXPECT_TRUE(Eventually([&] { return StreamMatchesOutbox(); }));
}

TEST_F(ReportingEventsTest, WritesSucceedWithRedisDownAndTheirEventsArriveAfter) {
  redis_->Stop();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    pb::Report r;
    auto s = CreateAndSubmit("Redis 停机时的写入 " + std::to_string(i), &r);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ids.push_back(r.id());
  }
  redis_->Start();
  ASSERT_TRUE(Eventually([&] { return StreamMatchesOutbox(); }, std::chrono::seconds(20)))
      << service_->Log();
  const auto submitted = SubmittedOnStream();
  for (const auto& id : ids) EXPECT_TRUE(submitted.count(id)) << id;
}

TEST_F(ReportingEventsTest, RedisThatComesBackEmptyIsRefilledFromTheOutbox) {
  pb::Report r;
  ASSERT_TRUE(CreateAndSubmit("重放前", &r).ok());
  ASSERT_TRUE(Eventually([&] { return StreamMatchesOutbox(); }));
  redis_->RestartEmpty();
  ASSERT_TRUE(CreateAndSubmit("重放后", &r).ok());
  EXPECT_TRUE(Eventually([&] { return StreamMatchesOutbox(); }, std::chrono::seconds(20)))
      << "stream has " << Stream().size() << " entries, outbox " << OutboxIds().size();
}

TEST_F(ReportingEventsTest, KillNineDuringWritesLosesNothingAndDuplicatesNothing) {
  std::mutex mu;
  std::vector<std::string> acknowledged;  // reports whose create and submit were acknowledged
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        pb::Report r;
        if (CreateAndSubmit("压力 " + std::to_string(w) + "/" + std::to_string(i), &r).ok()) {
          std::lock_guard lock(mu);
          acknowledged.push_back(r.id());
          ++acks;
        } else {
          return;  // the service is gone
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return acks >= 200; }, std::chrono::seconds(30)));
  service_->Kill();
  stop = true;
  for (auto& t : writers) t.join();
  RestartService();

  for (const auto& id : acknowledged) {
    pb::GetReportRequest req;
    req.set_id(id);
    pb::Report r;
    auto s = stub_->GetReport(ContextFor(token_clerk_).get(), req, &r);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    EXPECT_EQ(r.state(), pb::REPORT_STATE_SUBMITTED) << id;
  }
  EXPECT_TRUE(Eventually([&] { return StreamMatchesOutbox(); }, std::chrono::seconds(20)));
  // Every acknowledged submit has its event on the stream.
  const auto submitted = SubmittedOnStream();
  for (const auto& id : acknowledged) EXPECT_TRUE(submitted.count(id)) << id;
}

class ConsumerCrashTest : public ReportingEventsTest,
                          public ::testing::WithParamInterface<const char*> {};

TEST_P(ConsumerCrashTest, CrashedConsumerGetsTheEventAgainAndAppliesItOnce) {
  pb::Report r;
  ASSERT_TRUE(CreateAndSubmit("回音", &r).ok());
  const auto inst = Instruct(r.id(), NewUuid());
  const std::string item_id = PublishItemOpened(inst.id());
  ASSERT_TRUE(Eventually([&] { return Pending(kSupervision, "reporting") == 0; }));

  service_->Stop();
  service_->env()["ZS_FAULT_CONSUMER_CRASH"] = GetParam();
  service_->Start();
  const std::string event_id = PublishItemClosed(inst.id(), item_id);
  EXPECT_EQ(service_->WaitExit(std::chrono::seconds(20)), 86) << "the fault point was reached";

  service_->env().erase("ZS_FAULT_CONSUMER_CRASH");
  RestartService();
  ASSERT_TRUE(Eventually([&] { return Pending(kSupervision, "reporting") == 0; }));
  const auto answered = GetInstruction(inst.id());
  EXPECT_EQ(answered.state(), pb::INSTRUCTION_STATE_ANSWERED);
  EXPECT_EQ(answered.answer_summary(), "水质已达标，管网已冲洗");
  const std::string db = service_->db_path();
  EXPECT_EQ(
      QueryInt(db, "SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + event_id + "'"), 1);
  EXPECT_EQ(QueryInt(db,
                     "SELECT COUNT(*) FROM audit_log WHERE action = 'instruction.answer' AND "
                     "resource = '" +
                         inst.id() + "'"),
            1);
  EXPECT_EQ(QueryInt(db,
                     "SELECT COUNT(*) FROM outbox WHERE type = 'reporting.instruction.answered'"
                     " AND tenant = '430204' AND event_id IN (SELECT event_id FROM audit_log"
                     " WHERE resource = '" +
                         inst.id() + "')"),
            1);
}

INSTANTIATE_TEST_SUITE_P(BeforeAndAfterCommit, ConsumerCrashTest,
                         ::testing::Values("before_commit", "after_commit"));

// A forged answer: another county's events, or another item of the same county, never answer an
// instruction; only the item opened for it in its tenant does.
TEST_F(ReportingEventsTest, OnlyTheItemOpenedForAnInstructionInItsTenantAnswersIt) {
  pb::Report r;
  ASSERT_TRUE(CreateAndSubmit("只认本事项", &r).ok());
  const auto inst = Instruct(r.id(), NewUuid());
  const std::string forged_item = "430203-s-" + RandomHex(8);
  auto forged_open = ItemOpenedEvent(inst.id(), forged_item);
  forged_open.set_tenant("430203");
  auto forged_close = ItemClosedEvent(inst.id(), forged_item);
  forged_close.set_tenant("430203");
  auto* payload = forged_close.mutable_payload();
  ev::ItemClosed c;
  payload->UnpackTo(&c);
  c.set_feedback_summary("伪造的办结反馈");
  payload->PackFrom(c);
  PublishSupervision(forged_open);
  PublishSupervision(forged_close);

  const std::string item_id = PublishItemOpened(inst.id());
  const std::string other_item = PublishItemOpened(inst.id());  // a second item claiming it
  auto other_close = ItemClosedEvent(inst.id(), other_item);
  PublishSupervision(other_close);
  PublishItemClosed(inst.id(), item_id);
  ASSERT_TRUE(Eventually(
      [&] { return GetInstruction(inst.id()).state() == pb::INSTRUCTION_STATE_ANSWERED; }));
  const auto answered = GetInstruction(inst.id());
  EXPECT_EQ(answered.supervision_item_id(), item_id);
  EXPECT_EQ(answered.answer_summary(), "水质已达标，管网已冲洗");
  EXPECT_EQ(QueryInt(service_->db_path(),
                     "SELECT COUNT(*) FROM audit_log WHERE action = 'instruction.answer' AND "
                     "resource = '" +
                         inst.id() + "'"),
            1);
  // The refused events were applied by nobody: none of them is recorded as consumed.
  for (const auto& id : {forged_open.id(), forged_close.id(), other_close.id()}) {
    EXPECT_EQ(QueryInt(service_->db_path(),
                       "SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + id + "'"),
              0);
  }
}

TEST_F(ReportingEventsTest, ItemClosedTwiceAnswersOnce) {
  pb::Report r;
  ASSERT_TRUE(CreateAndSubmit("两次销号", &r).ok());
  const auto inst = Instruct(r.id(), NewUuid());
  const std::string item_id = PublishItemOpened(inst.id());
  PublishItemClosed(inst.id(), item_id);
  PublishItemClosed(inst.id(), item_id);  // a second, distinct close event for the same item
  ASSERT_TRUE(Eventually([&] {
    return Pending(kSupervision, "reporting") == 0 &&
           GetInstruction(inst.id()).state() == pb::INSTRUCTION_STATE_ANSWERED;
  }));
  EXPECT_EQ(QueryInt(service_->db_path(),
                     "SELECT COUNT(*) FROM audit_log WHERE action = "
                     "'instruction.answer' AND resource = '" +
                         inst.id() + "'"),
            1);
}

TEST_F(ReportingEventsTest, PoisonMessagesGoToTheDeadLetterStream) {
  const size_t before = Stream(std::string(kSupervision) + ":dead").size();
  {
    auto c = redis_->Connect();
    // Not an envelope at all.
    auto r = c->Command({"XADD", kSupervision, "*", "event", "\xff\xfe not protobuf"});
    ASSERT_TRUE(r.ok() && !r->IsError());
    // An envelope whose payload the handler cannot read: fails every try, then dead-letters.
    ev::Event e;
    e.set_id(NewUuid());
    e.set_type("supervision.item.closed");
    e.set_tenant("430204");
    ev::InstructionIssued wrong;
    e.mutable_payload()->PackFrom(wrong);
    r = c->Command({"XADD", kSupervision, "*", "event", e.SerializeAsString()});
    ASSERT_TRUE(r.ok() && !r->IsError());
  }
  EXPECT_TRUE(
      Eventually([&] { return Stream(std::string(kSupervision) + ":dead").size() == before + 2; },
                 std::chrono::seconds(20)))
      << service_->Log();
  EXPECT_TRUE(Eventually([&] { return Pending(kSupervision, "reporting") == 0; }));
}

}  // namespace
}  // namespace zs::testing

namespace zs::testing {
namespace {

// Two replicas of the service on one database: both relays publish and both consume, yet every
// event is on the stream once and every effect is applied once.
TEST(ReportingReplicas, TwoReplicasPublishAndConsumeExactlyOnce) {
  TempDir dir;
  RedisServer redis;
  const std::string data = dir.path() + "/reporting";
  ServiceProcess a("reporting", ZS_REPORTING_BIN, redis.address(), data, {}, "a");
  ServiceProcess b("reporting", ZS_REPORTING_BIN, redis.address(), data, {}, "b");
  a.Start();
  b.Start();
  const std::string token = TokenFor("wang.xinxi");
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (ServiceProcess* svc : {&a, &b}) {
    for (int t = 0; t < 2; ++t) {
      writers.emplace_back([&, svc] {
        auto stub = pb::ReportingService::NewStub(svc->Channel());
        for (int i = 0; i < 50; ++i) {
          pb::CreateReportRequest create;
          create.set_request_id(NewUuid());
          create.mutable_report()->set_title("双副本");
          create.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
          create.mutable_report()->set_sensitivity(pb::SENSITIVITY_PUBLIC);
          pb::Report r;
          if (!stub->CreateReport(ContextFor(token).get(), create, &r).ok()) ++failures;
          pb::SubmitReportRequest submit;
          submit.set_request_id(NewUuid());
          submit.set_id(r.id());
          if (!stub->SubmitReport(ContextFor(token).get(), submit, &r).ok()) ++failures;
        }
      });
    }
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);

  auto same_as_outbox = [&] {
    auto c = redis.Connect();
    std::multiset<std::string> on_stream;
    for (const auto& e : ReadStream(*c, kStream)) on_stream.insert(e.event_id);
    auto ids = QueryStrings(a.db_path(), "SELECT event_id FROM outbox");
    return on_stream == std::multiset<std::string>(ids.begin(), ids.end()) && ids.size() == 200;
  };
  EXPECT_TRUE(Eventually(same_as_outbox, std::chrono::seconds(20)));

  // One item-closed event, two consumers in the group: applied once.
  auto stub = pb::ReportingService::NewStub(a.Channel());
  pb::ListReportsRequest list;
  list.set_page_size(1);
  pb::ListReportsResponse lr;
  ASSERT_TRUE(stub->ListReports(ContextFor(token).get(), list, &lr).ok());
  pb::IssueInstructionRequest ir;
  ir.set_request_id(NewUuid());
  ir.mutable_instruction()->set_report_id(lr.reports(0).id());
  ir.mutable_instruction()->set_text("核查");
  ir.mutable_instruction()->add_directed_units("430204/slj");
  ir.mutable_instruction()->set_due_date("2099-01-01");
  pb::Instruction in;
  ASSERT_TRUE(stub->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), ir, &in).ok());
  const std::string item_id = "430204-s-" + RandomHex(8);
  {
    auto c = redis.Connect();
    for (const auto& e : {ItemOpenedEvent(in.id(), item_id), ItemClosedEvent(in.id(), item_id)}) {
      ASSERT_TRUE(c->Command({"XADD", kSupervision, "*", "event", e.SerializeAsString()}).ok());
    }
  }
  EXPECT_TRUE(Eventually([&] {
    return QueryInt(a.db_path(),
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'instruction.answer'") == 1;
  }));
}

}  // namespace
}  // namespace zs::testing

// Document circulation (公文传阅/办文) over the real coordination binary, real SQLite and a real
// redis-server, with the real supervision service consuming the instruction event: registration,
// routing and reading in turn, a leader's instruction opening exactly one supervision item (a
// secret document's title never in it), visibility by route, clearance and tenant, reminders and
// escalations fired once as the clock file moves, bad input writing nothing, retries.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "auth/principal.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_circulation.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace cpb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace spb = zhongshu::supervision::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kHour = 3600000;
constexpr char kStream[] = "zs:events:coordination";

#define EXPECT_CODE(status, code) EXPECT_EQ((status).error_code(), code) << (status).error_message()

std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  return ContextFor(TokenFor(user));
}

cpb::StageSpec Stage(cpb::StageKind kind, cpb::StageOrder order, std::vector<std::string> readers) {
  cpb::StageSpec s;
  s.set_kind(kind);
  s.set_order(order);
  for (auto& r : readers) s.add_readers(r);
  return s;
}

class CirculationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    // Supervision reads instructions back from the first replica, on a fixed port.
    const std::string coordination_address = "127.0.0.1:" + std::to_string(FreePort());
    supervision_ = new ServiceProcess(
        "supervision", ZS_SUPERVISION_BIN, redis_->address(), dir_->path() + "/supervision",
        {{"ZS_CLOCK_FILE", clock_file_},
         {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
         {"ZS_UPSTREAM_REPORTING_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
         {"ZS_UPSTREAM_PROPOSALS_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
         {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_address},
         {"ZS_EVENTS_RETRY_INITIAL", "50ms"}});
    supervision_->Start();
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_GRPC_LISTEN", coordination_address},
                           {"ZS_CIRCULATION_CHECK_INTERVAL", "100ms"},
                           {"ZS_CIRCULATION_REMIND_BEFORE", "24h"}})
            .release();
    // A second replica on the same database: the timers still fire once each.
    replica_ =
        StartCoordination(
            ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
            {{"ZS_CIRCULATION_CHECK_INTERVAL", "100ms"}, {"ZS_CIRCULATION_REMIND_BEFORE", "24h"}},
            "b")
            .release();
  }
  static void TearDownTestSuite() {
    delete replica_;
    delete coordination_;
    delete supervision_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void TearDown() override { SetNow(kMonday0900); }
  void SetUp() override {
    stub_ = cpb::CirculationService::NewStub(coordination_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }

  cpb::RegisterDocumentRequest Registration(const std::string& title, int secrecy = 0,
                                            cpb::Urgency urgency = cpb::URGENCY_NORMAL,
                                            int64_t limit_ms = 0) {
    cpb::RegisterDocumentRequest r;
    r.set_request_id(NewUuid());
    auto* d = r.mutable_document();
    d->set_source("株洲市委办公室");
    d->set_number("株市办发〔2026〕" + RandomHex(3) + "号");
    d->set_title(title);
    d->set_urgency(urgency);
    d->set_secrecy_level(secrecy);
    if (limit_ms) *d->mutable_handling_limit() = ToProto(FromMillis(limit_ms));
    return r;
  }
  cpb::Document Register(const cpb::RegisterDocumentRequest& r,
                         const std::string& who = "huang.zhuren") {
    cpb::Document d;
    auto s = stub_->RegisterDocument(As(who).get(), r, &d);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return d;
  }
  grpc::Status Route(const std::string& id, std::vector<cpb::StageSpec> stages,
                     cpb::Document* out = nullptr, const std::string& who = "huang.zhuren") {
    cpb::RouteDocumentRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    for (auto& s : stages) *r.add_stages() = s;
    cpb::Document d;
    return stub_->RouteDocument(As(who).get(), r, out ? out : &d);
  }
  grpc::Status Read(const std::string& who, const std::string& id, const std::string& comment = "",
                    cpb::Document* out = nullptr) {
    cpb::MarkReadRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    r.set_comment(comment);
    cpb::Document d;
    return stub_->MarkRead(As(who).get(), r, out ? out : &d);
  }
  grpc::Status Get(const std::string& who, const std::string& id, cpb::Document* out = nullptr) {
    cpb::GetDocumentRequest r;
    r.set_id(id);
    cpb::Document d;
    return stub_->GetDocument(As(who).get(), r, out ? out : &d);
  }
  // Timers of document `id` due by `now_ms` and not yet fired (0: every due one has fired).
  int64_t DueTimers(const std::string& id, int64_t now_ms) {
    return Rows("SELECT COUNT(*) FROM timers WHERE owner = '" + id +
                "' AND fired_at IS NULL AND fire_at <= " + std::to_string(now_ms));
  }
  bool TimersDone(const std::string& id, int64_t now_ms) { return DueTimers(id, now_ms) == 0; }
  // Events of `type` on the coordination stream about document `id`.
  std::vector<ev::Event> EventsFor(const std::string& type, const std::string& id) {
    std::vector<ev::Event> out;
    for (const auto& e : EventsOfType(*redis_, kStream, type)) {
      if (type == "coordination.document.instruction_recorded") {
        ev::DocumentInstructionRecorded p;
        if (e.payload().UnpackTo(&p) && p.document_id() == id) out.push_back(e);
      } else if (type == "coordination.document.reminded" ||
                 type == "coordination.document.escalated") {
        ev::DocumentDeadline p;
        if (e.payload().UnpackTo(&p) && p.document_id() == id) out.push_back(e);
      } else {
        ev::DocumentCirculated p;
        if (e.payload().UnpackTo(&p) && p.document_id() == id) out.push_back(e);
      }
    }
    return out;
  }
  int64_t Rows(const std::string& sql) { return QueryInt(coordination_->db_path(), sql); }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* supervision_;
  static ServiceProcess* coordination_;
  static ServiceProcess* replica_;
  std::unique_ptr<cpb::CirculationService::Stub> stub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};

TempDir* CirculationTest::dir_ = nullptr;
std::string CirculationTest::clock_file_;
RedisServer* CirculationTest::redis_ = nullptr;
ServiceProcess* CirculationTest::supervision_ = nullptr;
ServiceProcess* CirculationTest::coordination_ = nullptr;
ServiceProcess* CirculationTest::replica_ = nullptr;

TEST_F(CirculationTest, RegisterRouteAndReadInTurn) {
  cpb::Document d = Register(Registration("关于做好冬季供水保障工作的通知"), "sun.zonghe");
  EXPECT_EQ(d.state(), cpb::DOCUMENT_STATE_REGISTERED);
  EXPECT_EQ(d.registered_by(), "sun.zonghe");
  ASSERT_TRUE(Route(d.id(),
                    {Stage(cpb::STAGE_KIND_PROPOSE, cpb::STAGE_ORDER_SEQUENTIAL, {"huang.zhuren"}),
                     Stage(cpb::STAGE_KIND_INSTRUCT, cpb::STAGE_ORDER_SEQUENTIAL,
                           {"zhang.shuji", "liu.quzhang"}),
                     Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL,
                           {"he.zhiban", "luo.zhiban"})},
                    &d, "sun.zonghe")
                  .ok());
  EXPECT_EQ(d.state(), cpb::DOCUMENT_STATE_CIRCULATING);
  // Routed once only; later readers are appended with AddRouteStep.
  EXPECT_CODE(
      Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"xie.fushuji"})}),
      StatusCode::FAILED_PRECONDITION);
  // Out of turn: the leaders before 拟办, 刘区长 before 张书记, 传阅 before 批办.
  EXPECT_CODE(Read("zhang.shuji", d.id()), StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Read("huang.zhuren", d.id(), "拟请张书记、刘区长阅示").ok());
  EXPECT_CODE(Read("liu.quzhang", d.id()), StatusCode::FAILED_PRECONDITION);
  EXPECT_CODE(Read("he.zhiban", d.id()), StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Read("zhang.shuji", d.id(), "同意").ok());
  EXPECT_CODE(Read("zhang.shuji", d.id()), StatusCode::FAILED_PRECONDITION);  // twice
  ASSERT_TRUE(Read("liu.quzhang", d.id()).ok());
  // Completion waits for every reader.
  cpb::CompleteDocumentRequest done;
  done.set_request_id(NewUuid());
  done.set_id(d.id());
  cpb::Document out;
  EXPECT_CODE(stub_->CompleteDocument(As("sun.zonghe").get(), done, &out),
              StatusCode::FAILED_PRECONDITION);
  // 传阅 is parallel: any order.
  ASSERT_TRUE(Read("luo.zhiban", d.id()).ok());
  ASSERT_TRUE(Read("he.zhiban", d.id(), "已阅").ok());
  // A reader may not complete it; the coordinator does.
  done.set_request_id(NewUuid());
  EXPECT_CODE(stub_->CompleteDocument(As("he.zhiban").get(), done, &out),
              StatusCode::PERMISSION_DENIED);
  done.set_request_id(NewUuid());
  ASSERT_TRUE(stub_->CompleteDocument(As("sun.zonghe").get(), done, &out).ok());
  EXPECT_EQ(out.state(), cpb::DOCUMENT_STATE_COMPLETED);

  // The whole route with read times and comments, as a reader sees it.
  ASSERT_TRUE(Get("he.zhiban", d.id(), &out).ok());
  ASSERT_EQ(out.stages_size(), 3);
  EXPECT_EQ(out.stages(0).readings(0).comment(), "拟请张书记、刘区长阅示");
  EXPECT_EQ(out.stages(1).readings(0).reader_name(), "张书记");
  EXPECT_EQ(out.stages(1).readings(0).comment(), "同意");
  for (const auto& s : out.stages()) {
    for (const auto& r : s.readings()) EXPECT_TRUE(r.has_read_at()) << r.reader();
  }
  // One event a reading and one for completion, once the relay published them.
  EXPECT_TRUE(
      Eventually([&] { return EventsFor("coordination.document.completed", d.id()).size() == 1; },
                 std::chrono::seconds(5)));
  EXPECT_EQ(EventsFor("coordination.document.read", d.id()).size(), 5u);
  EXPECT_EQ(EventsFor("coordination.document.completed", d.id()).size(), 1u);
}

TEST_F(CirculationTest, LeadersInstructionOpensOneSupervisionItem) {
  const std::string secret_title = "关于某重大项目选址的机密意见";
  cpb::Document d = Register(Registration(secret_title, 2));
  ASSERT_TRUE(Route(d.id(), {Stage(cpb::STAGE_KIND_INSTRUCT, cpb::STAGE_ORDER_SEQUENTIAL,
                                   {"zhang.shuji", "liu.quzhang"})})
                  .ok());
  cpb::RecordInstructionRequest r;
  r.set_request_id(NewUuid());
  r.set_id(d.id());
  r.set_text("请区水利局牵头、区生态环境分局配合，抓紧研究落实。");
  r.add_directed_units("430204/slj");
  r.add_directed_units("430204/sthj");
  r.set_due_date("2026-12-31");
  // Not a leader, a leader not routed, a unit of another tenant.
  cpb::Document out;
  EXPECT_CODE(stub_->RecordInstruction(As("huang.zhuren").get(), r, &out),
              StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(stub_->RecordInstruction(As("xie.fushuji").get(), r, &out), StatusCode::NOT_FOUND);
  cpb::RecordInstructionRequest foreign = r;
  foreign.set_request_id(NewUuid());
  foreign.add_directed_units("430203/slj");
  EXPECT_CODE(stub_->RecordInstruction(As("zhang.shuji").get(), foreign, &out),
              StatusCode::INVALID_ARGUMENT);
  cpb::RecordInstructionRequest no_units = r;
  no_units.set_request_id(NewUuid());
  no_units.clear_directed_units();
  EXPECT_CODE(stub_->RecordInstruction(As("zhang.shuji").get(), no_units, &out),
              StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(stub_->RecordInstruction(As("zhang.shuji").get(), r, &out).ok());
  ASSERT_EQ(out.instructions_size(), 1);
  const std::string instruction_id = out.instructions(0).id();
  // A retry with the same request_id is the same instruction.
  cpb::Document again;
  ASSERT_TRUE(stub_->RecordInstruction(As("zhang.shuji").get(), r, &again).ok());
  ASSERT_EQ(again.instructions_size(), 1);
  EXPECT_EQ(again.instructions(0).id(), instruction_id);

  std::vector<spb::Item> items;
  ASSERT_TRUE(Eventually(
      [&] {
        items = ItemsWithSource(*sstub_, instruction_id);
        return !items.empty();
      },
      std::chrono::seconds(20)))
      << supervision_->Log();
  // One item, ever: supervision's items are unique per source.
  items = ItemsWithSource(*sstub_, instruction_id);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].source_type(), ev::SOURCE_TYPE_DOCUMENT_INSTRUCTION);
  EXPECT_EQ(items[0].title().find(secret_title), std::string::npos) << items[0].title();
  EXPECT_NE(items[0].title().find(d.number()), std::string::npos) << items[0].title();
  EXPECT_EQ(items[0].instructing_leader(), "zhang.shuji");
  spb::GetItemRequest gi;
  gi.set_id(items[0].id());
  spb::Item full;
  ASSERT_TRUE(sstub_->GetItem(As("zhao.ducha").get(), gi, &full).ok());
  EXPECT_EQ(full.SerializeAsString().find(secret_title), std::string::npos);
  EXPECT_EQ(EventsFor("coordination.document.instruction_recorded", d.id()).size(), 1u);

  // No event about the secret document carries its title.
  for (const char* t : {"coordination.document.registered", "coordination.document.routed",
                        "coordination.document.instruction_recorded"}) {
    for (const auto& e : EventsFor(t, d.id())) {
      EXPECT_EQ(e.SerializeAsString().find(secret_title), std::string::npos) << t;
    }
  }

  // Supervision (a service caller of the tenant) reads every instruction back.
  auth::Principal svc{"svc:supervision", "", "430204", "", {"service"}};
  cpb::GetDocumentRequest g;
  g.set_id(d.id());
  cpb::Document seen;
  ASSERT_TRUE(stub_->GetDocument(ContextFor(TokenFor(svc)).get(), g, &seen).ok());
  ASSERT_EQ(seen.instructions_size(), 1);
  EXPECT_EQ(seen.instructions(0).id(), instruction_id);
  EXPECT_EQ(seen.instructions(0).directed_units_size(), 2);
  EXPECT_EQ(seen.instructions(0).due_date(), "2026-12-31");
  // A service caller of another tenant does not.
  auth::Principal other{"svc:supervision", "", "430203", "", {"service"}};
  EXPECT_CODE(stub_->GetDocument(ContextFor(TokenFor(other)).get(), g, &seen),
              StatusCode::NOT_FOUND);
}

TEST_F(CirculationTest, VisibilityByRouteClearanceAndTenant) {
  cpb::Document d = Register(Registration("机密文件", 2));
  // 何值班 (clearance 1) may not be routed a 机密 document; the error names him.
  auto s = Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL,
                                {"zhang.shuji", "he.zhiban"})});
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("he.zhiban"), std::string::npos) << s.error_message();
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM circulation_readers WHERE document_id = '" + d.id() + "'"),
            0);
  ASSERT_TRUE(
      Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"zhang.shuji"})})
          .ok());
  EXPECT_TRUE(Get("zhang.shuji", d.id()).ok());
  EXPECT_TRUE(Get("sun.zonghe", d.id()).ok());                     // coordinator, clearance 2
  EXPECT_CODE(Get("liu.quzhang", d.id()), StatusCode::NOT_FOUND);  // not routed
  EXPECT_CODE(Get("he.zhiban", d.id()), StatusCode::NOT_FOUND);    // neither, nor cleared
  EXPECT_CODE(Get("chen.shuili", d.id()), StatusCode::NOT_FOUND);
  EXPECT_CODE(Get("qin.zonghe", d.id()), StatusCode::NOT_FOUND);  // another tenant
  EXPECT_CODE(Read("liu.quzhang", d.id()), StatusCode::NOT_FOUND);
  EXPECT_CODE(Read("qin.zonghe", d.id()), StatusCode::NOT_FOUND);

  // 绝密 is beyond 孙综合 (clearance 2) even as a coordinator.
  cpb::Document top = Register(Registration("绝密文件", 3));
  EXPECT_CODE(Get("sun.zonghe", top.id()), StatusCode::NOT_FOUND);
  EXPECT_TRUE(Get("huang.zhuren", top.id()).ok());
  // And he cannot register one.
  cpb::Document out;
  EXPECT_CODE(stub_->RegisterDocument(As("sun.zonghe").get(), Registration("绝密", 3), &out),
              StatusCode::PERMISSION_DENIED);

  // Lists show the same.
  auto listed = [&](const std::string& who, const std::string& id) {
    cpb::ListDocumentsRequest r;
    r.set_page_size(500);
    cpb::ListDocumentsResponse resp;
    EXPECT_TRUE(stub_->ListDocuments(As(who).get(), r, &resp).ok());
    for (const auto& x : resp.documents()) {
      if (x.id() == id) return true;
    }
    return false;
  };
  EXPECT_TRUE(listed("zhang.shuji", d.id()));
  EXPECT_FALSE(listed("liu.quzhang", d.id()));
  EXPECT_FALSE(listed("qin.zonghe", d.id()));
  EXPECT_TRUE(listed("sun.zonghe", d.id()));
  EXPECT_FALSE(listed("sun.zonghe", top.id()));
  EXPECT_TRUE(listed("huang.zhuren", top.id()));
}

// With two replicas on one database (the suite runs both) each timer fires once.
TEST_F(CirculationTest, UrgentDocumentsAreRemindedAndEscalatedOnce) {
  const int64_t limit = kMonday0900 + 48 * kHour;
  cpb::Document d =
      Register(Registration("关于紧急调度防汛物资的通知", 0, cpb::URGENCY_URGENT, limit));
  ASSERT_TRUE(
      Route(d.id(), {Stage(cpb::STAGE_KIND_INSTRUCT, cpb::STAGE_ORDER_SEQUENTIAL, {"zhang.shuji"})})
          .ok());
  cpb::Document normal = Register(Registration("平件", 0));
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM timers WHERE owner = '" + normal.id() + "'"), 0);

  const auto reminded = [&] { return EventsFor("coordination.document.reminded", d.id()).size(); };
  const auto escalated = [&] {
    return EventsFor("coordination.document.escalated", d.id()).size();
  };
  // Not reminded a second early: no timer of the document is due yet.
  SetNow(limit - 24 * kHour - 1000);
  EXPECT_EQ(DueTimers(d.id(), limit - 24 * kHour - 1000), 0);
  EXPECT_EQ(reminded(), 0u);
  SetNow(limit - 24 * kHour + 1000);
  ASSERT_TRUE(Eventually([&] { return reminded() == 1; }, std::chrono::seconds(10)))
      << coordination_->Log();
  ASSERT_TRUE(Eventually([&] { return TimersDone(d.id(), limit - 24 * kHour + 1000); }));
  EXPECT_EQ(reminded(), 1u);
  EXPECT_EQ(escalated(), 0u);
  ev::DocumentDeadline p;
  ASSERT_TRUE(EventsFor("coordination.document.reminded", d.id())[0].payload().UnpackTo(&p));
  EXPECT_EQ(p.title(), "关于紧急调度防汛物资的通知");
  EXPECT_EQ(p.pending_readers_size(), 1);

  SetNow(limit + 1000);
  ASSERT_TRUE(Eventually([&] { return escalated() == 1; }, std::chrono::seconds(10)))
      << coordination_->Log();
  ASSERT_TRUE(Eventually([&] { return TimersDone(d.id(), limit + 1000); }));
  EXPECT_EQ(escalated(), 1u);
  EXPECT_EQ(reminded(), 1u);
  ASSERT_TRUE(EventsFor("coordination.document.escalated", d.id())[0].payload().UnpackTo(&p));
  // To the coordinator who registered it (黄主任, also the office director).
  EXPECT_EQ(p.notify(0), "huang.zhuren");

  // A new limit rearms both, once each.
  cpb::UpdateHandlingLimitRequest u;
  u.set_request_id(NewUuid());
  u.set_id(d.id());
  *u.mutable_handling_limit() = ToProto(FromMillis(limit + 72 * kHour));
  cpb::Document out;
  ASSERT_TRUE(stub_->UpdateHandlingLimit(As("huang.zhuren").get(), u, &out).ok());
  SetNow(limit + 72 * kHour + 1000);
  ASSERT_TRUE(
      Eventually([&] { return reminded() == 2 && escalated() == 2; }, std::chrono::seconds(10)))
      << coordination_->Log();
  ASSERT_TRUE(Eventually([&] { return TimersDone(d.id(), limit + 72 * kHour + 1000); }));
  EXPECT_EQ(reminded(), 2u);
  EXPECT_EQ(escalated(), 2u);
  EXPECT_EQ(EventsFor("coordination.document.reminded", normal.id()).size(), 0u);
}

TEST_F(CirculationTest, BadInputWritesNothing) {
  const int64_t docs = Rows("SELECT COUNT(*) FROM circulation_documents");
  const int64_t outbox = Rows("SELECT COUNT(*) FROM outbox");
  cpb::Document out;
  auto bad = [&](cpb::RegisterDocumentRequest r, const std::string& field) {
    auto s = stub_->RegisterDocument(As("huang.zhuren").get(), r, &out);
    EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  };
  auto r = Registration("标题");
  r.mutable_document()->clear_title();
  bad(r, "document.title");
  r = Registration("标题", 0, cpb::URGENCY_URGENT);
  bad(r, "document.handling_limit");
  r = Registration("标题", 4);
  bad(r, "document.secrecy_level");
  r = Registration("标题");
  r.mutable_document()->set_urgency(cpb::URGENCY_UNSPECIFIED);
  bad(r, "document.urgency");
  // Not a coordinator.
  EXPECT_CODE(stub_->RegisterDocument(As("he.zhiban").get(), Registration("标题"), &out),
              StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM circulation_documents"), docs);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM outbox"), outbox);

  cpb::Document d = Register(Registration("路由测试"));
  const int64_t outbox2 = Rows("SELECT COUNT(*) FROM outbox");
  // A reader routed twice, an unknown reader, a reader of another tenant, an empty stage.
  auto s =
      Route(d.id(), {Stage(cpb::STAGE_KIND_PROPOSE, cpb::STAGE_ORDER_SEQUENTIAL, {"huang.zhuren"}),
                     Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL,
                           {"zhang.shuji", "huang.zhuren"})});
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("stages[1].readers[1]"), std::string::npos);
  s = Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"nobody"})});
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  s = Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"yang.shuji"})});
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  s = Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {})});
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  // A reader routed already, appended again.
  ASSERT_TRUE(
      Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"zhang.shuji"})})
          .ok());
  cpb::AddRouteStepRequest step;
  step.set_request_id(NewUuid());
  step.set_id(d.id());
  *step.mutable_stage() =
      Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"liu.quzhang", "zhang.shuji"});
  s = stub_->AddRouteStep(As("huang.zhuren").get(), step, &out);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("stage.readers[1]"), std::string::npos) << s.error_message();
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM outbox"), outbox2 + 1);  // the one routing
  ASSERT_TRUE(Get("huang.zhuren", d.id(), &out).ok());
  EXPECT_EQ(out.stages_size(), 1);
  // Appending a valid step works.
  step.set_request_id(NewUuid());
  *step.mutable_stage() =
      Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"liu.quzhang"});
  ASSERT_TRUE(stub_->AddRouteStep(As("huang.zhuren").get(), step, &out).ok());
  EXPECT_EQ(out.stages_size(), 2);

  // The same number from the same source twice.
  auto first = Registration("重号");
  Register(first);
  auto dup = first;
  dup.set_request_id(NewUuid());
  EXPECT_CODE(stub_->RegisterDocument(As("huang.zhuren").get(), dup, &out),
              StatusCode::ALREADY_EXISTS);
  // Another tenant may use it.
  auto theirs = first;
  theirs.set_request_id(NewUuid());
  EXPECT_TRUE(stub_->RegisterDocument(As("qin.zonghe").get(), theirs, &out).ok());
}

TEST_F(CirculationTest, OtherTenantGetsNotFound) {
  cpb::Document d = Register(Registration("本区文件"));
  cpb::Document out;
  EXPECT_CODE(Get("qin.zonghe", d.id()), StatusCode::NOT_FOUND);
  EXPECT_CODE(
      Route(d.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"yang.shuji"})},
            nullptr, "qin.zonghe"),
      StatusCode::NOT_FOUND);
  cpb::CompleteDocumentRequest c;
  c.set_request_id(NewUuid());
  c.set_id(d.id());
  EXPECT_CODE(stub_->CompleteDocument(As("qin.zonghe").get(), c, &out), StatusCode::NOT_FOUND);
}

TEST_F(CirculationTest, RetryWithTheSameRequestIdMakesOneEffect) {
  auto r = Registration("重试");
  cpb::Document a = Register(r);
  cpb::Document b = Register(r);
  EXPECT_EQ(a.id(), b.id());
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM circulation_documents WHERE number = '" +
                 r.document().number() + "'"),
            1);
  ASSERT_TRUE(
      Eventually([&] { return EventsFor("coordination.document.registered", a.id()).size() == 1; },
                 std::chrono::seconds(5)));

  ASSERT_TRUE(
      Route(a.id(), {Stage(cpb::STAGE_KIND_CIRCULATE, cpb::STAGE_ORDER_PARALLEL, {"zhang.shuji"})})
          .ok());
  cpb::MarkReadRequest m;
  m.set_request_id(NewUuid());
  m.set_id(a.id());
  cpb::Document x, y;
  ASSERT_TRUE(stub_->MarkRead(As("zhang.shuji").get(), m, &x).ok());
  ASSERT_TRUE(stub_->MarkRead(As("zhang.shuji").get(), m, &y).ok());  // the first answer again
  EXPECT_EQ(x.SerializeAsString(), y.SerializeAsString());
  ASSERT_TRUE(
      Eventually([&] { return EventsFor("coordination.document.read", a.id()).size() == 1; },
                 std::chrono::seconds(5)));
  EXPECT_EQ(EventsFor("coordination.document.read", a.id()).size(), 1u);
}

}  // namespace
}  // namespace zs::testing

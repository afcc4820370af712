// Durability of the event loop between reporting and supervision, black-box with the real
// binaries and a real redis-server: a database restored from a backup, a Redis that loses its
// data while connected, an upstream outage longer than max_tries, dead letters (health, list,
// replay after a fix), and pruning of the consumed-events record on the injected clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/ids.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace fs = std::filesystem;
namespace ev = zhongshu::events::v1;
namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;

constexpr int64_t kMonday0900 = 1795395600000;  // 2026-11-23 09:00 in China
constexpr int64_t kDay = 86400000;

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Both services on one Redis, reporting on a fixed port (so supervision finds it again after a
// restart), time from a clock file.
class Loop {
 public:
  explicit Loop(std::map<std::string, std::string> supervision_env = {}) {
    clock_file_ = dir_.path() + "/now";
    SetNow(kMonday0900);
    reporting_port_ = FreePort();
    const std::map<std::string, std::string> common{{"ZS_CLOCK_FILE", clock_file_},
                                                    {"ZS_EVENTS_MAINTENANCE_INTERVAL", "200ms"},
                                                    {"ZS_EVENTS_RELAY_CHECK_INTERVAL", "200ms"},
                                                    {"ZS_EVENTS_RELAY_BACKOFF_MAX", "200ms"}};
    auto renv = common;
    renv["ZS_GRPC_LISTEN"] = "127.0.0.1:" + std::to_string(reporting_port_);
    reporting_ = std::make_unique<ServiceProcess>("reporting", ZS_REPORTING_BIN, redis_.address(),
                                                  dir_.path() + "/reporting", renv);
    reporting_->Start();
    auto senv = common;
    senv["ZS_UPSTREAM_REPORTING_ADDRESS"] = "127.0.0.1:" + std::to_string(reporting_port_);
    senv["ZS_CALENDAR_DIR"] = SourceDir() + "/deploy/calendar";
    for (auto& [k, v] : supervision_env) senv[k] = v;
    supervision_ = std::make_unique<ServiceProcess>(
        "supervision", ZS_SUPERVISION_BIN, redis_.address(), dir_.path() + "/supervision", senv);
    supervision_->Start();
    Stubs();
  }
  void Stubs() {
    rstub_ = rpb::ReportingService::NewStub(reporting_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }
  void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }

  // A submitted report with a leader's instruction for 水利局 alone.
  rpb::Instruction Instruct(const std::string& title) {
    return InstructAsLeader(*rstub_, SubmitReportAsClerk(*rstub_, title).id(), {"430204/slj"},
                            "2027-06-30", "请区水利局立即核查水质。");
  }
  // Items whose source_ref is `ref`, as the supervisor sees them.
  std::vector<spb::Item> ItemsFor(const std::string& ref) { return ItemsWithSource(*sstub_, ref); }
  // Waits for the item of `ref`; expects exactly one.
  spb::Item OneItemFor(const std::string& ref,
                       std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::vector<spb::Item> items;
    EXPECT_TRUE(Eventually(
        [&] {
          items = ItemsFor(ref);
          return !items.empty();
        },
        timeout))
        << "no item for " << ref << "\n"
        << supervision_->Log();
    EXPECT_EQ(items.size(), 1u) << ref;
    return items.empty() ? spb::Item() : items[0];
  }
  template <typename Req>
  Req WithIds(Req r, const std::string& id) {
    r.set_request_id(NewUuid());
    r.set_id(id);
    return r;
  }
  // Takes the item's only task to CLOSED, then closes the item.
  void CloseItem(const std::string& item_id) {
    spb::ListTasksRequest lt;
    lt.set_item_id(item_id);
    spb::ListTasksResponse tasks;
    ASSERT_TRUE(sstub_->ListTasks(ContextFor(TokenFor("zhao.ducha")).get(), lt, &tasks).ok());
    ASSERT_EQ(tasks.tasks_size(), 1);
    const std::string task_id = tasks.tasks(0).id();
    auto handler = [] { return ContextFor(TokenFor("chen.shuili")); };
    spb::Task t;
    ASSERT_TRUE(
        sstub_->AcceptTask(handler().get(), WithIds(spb::AcceptTaskRequest(), task_id), &t).ok());
    spb::ReportCompletionRequest done = WithIds(spb::ReportCompletionRequest(), task_id);
    done.set_summary("水质检测全部达标");
    done.add_evidence_refs("水质检测报告.pdf");
    ASSERT_TRUE(sstub_->ReportCompletion(handler().get(), done, &t).ok());
    spb::VerifyTaskRequest v = WithIds(spb::VerifyTaskRequest(), task_id);
    v.set_approve(true);
    ASSERT_TRUE(sstub_->VerifyTask(ContextFor(TokenFor("zhao.ducha")).get(), v, &t).ok());
    spb::CloseItemRequest c = WithIds(spb::CloseItemRequest(), item_id);
    c.set_feedback_summary("经核查，问题已解决。");
    spb::Item closed;
    auto s = sstub_->CloseItem(ContextFor(TokenFor("zhao.ducha")).get(), c, &closed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  bool Answered(const std::string& instruction_id) {
    rpb::GetInstructionRequest req;
    req.set_id(instruction_id);
    rpb::Instruction in;
    rstub_->GetInstruction(ContextFor(TokenFor("zhang.shuji")).get(), req, &in);
    return in.state() == rpb::INSTRUCTION_STATE_ANSWERED;
  }
  // zsadmin against a service's config and data dir; returns its exit code, output in *out.
  int Admin(ServiceProcess& svc, const std::string& name, std::vector<std::string> args,
            std::string* out) {
    static int n = 0;
    const std::string log = dir_.path() + "/zsadmin-" + std::to_string(++n) + ".log";
    args.insert(args.begin(), "--config=" + SourceDir() + "/deploy/local/" + name + ".yaml");
    Process p(ZSADMIN_BIN, args, {{"ZS_DATA_DIR", fs::path(svc.db_path()).parent_path().string()}},
              log);
    p.Start();
    const int code = p.WaitExit(std::chrono::seconds(30));
    *out = p.Log();
    return code;
  }
  // Stops the service, puts `backup` in place of its database and starts it again.
  void Restore(ServiceProcess& svc, const std::string& backup) {
    ASSERT_EQ(svc.Stop(), 0);
    fs::copy_file(backup, svc.db_path(), fs::copy_options::overwrite_existing);
    fs::remove(svc.db_path() + "-wal");
    fs::remove(svc.db_path() + "-shm");
    svc.Start();
    Stubs();
  }
  // Event ids of a stream's entries of `type`.
  std::vector<std::string> EventIdsOnStream(const std::string& stream, const std::string& type) {
    auto c = redis_.Connect();
    std::vector<std::string> out;
    for (const auto& e : ReadStream(*c, stream)) {
      if (e.type == type) out.push_back(e.event_id);
    }
    return out;
  }

  TempDir dir_;
  std::string clock_file_;
  RedisServer redis_;
  int reporting_port_ = 0;
  std::unique_ptr<ServiceProcess> reporting_;
  std::unique_ptr<ServiceProcess> supervision_;
  std::unique_ptr<rpb::ReportingService::Stub> rstub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};

// ---------------------------------------------------------------------------------------------
// One loop for restore, Redis loss and pruning.

class DurabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { loop_ = new Loop(); }
  static void TearDownTestSuite() {
    delete loop_;
    loop_ = nullptr;
  }
  static Loop* loop_;
};
Loop* DurabilityTest::loop_ = nullptr;

TEST_F(DurabilityTest, RestoringReportingFromABackupLosesNoLaterInstruction) {
  Loop& l = *loop_;
  const auto before = l.Instruct("备份前的批示");
  l.OneItemFor(before.id());
  const std::string backup = l.dir_.path() + "/reporting.backup.db";
  std::string out;
  ASSERT_EQ(l.Admin(*l.reporting_, "reporting", {"backup", "--to", backup}, &out), 0) << out;
  // Written after the backup, published and consumed, then lost with the restore.
  for (int i = 0; i < 3; ++i) l.OneItemFor(l.Instruct("备份后的批示 " + std::to_string(i)).id());

  l.Restore(*l.reporting_, backup);
  // Every instruction issued after the restore reuses an outbox seq the stream has seen; each
  // must still open exactly one item.
  std::vector<rpb::Instruction> after;
  for (int i = 0; i < 5; ++i) after.push_back(l.Instruct("恢复后的批示 " + std::to_string(i)));
  for (const auto& in : after) l.OneItemFor(in.id());
  EXPECT_NE(l.reporting_->Log().find("restored from a backup"), std::string::npos)
      << l.reporting_->Log();
  // Each post-restore event is on the stream once and consumed once.
  const auto ids = l.EventIdsOnStream("zs:events:reporting", "reporting.instruction.issued");
  for (const auto& in : after) {
    const auto event_id =
        QueryStrings(l.reporting_->db_path(), "SELECT event_id FROM audit_log WHERE resource = '" +
                                                  in.id() + "' AND event_id IS NOT NULL");
    ASSERT_EQ(event_id.size(), 1u);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), event_id[0]), 1) << in.id();
    EXPECT_EQ(
        QueryInt(l.supervision_->db_path(),
                 "SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + event_id[0] + "'"),
        1);
  }
  // A restart after the restore keeps the new numbering: nothing is lost or repeated.
  l.reporting_->Stop();
  l.reporting_->Start();
  l.Stubs();
  l.OneItemFor(l.Instruct("重启后的批示").id());
  for (const auto& in : after) EXPECT_EQ(l.ItemsFor(in.id()).size(), 1u);
}

TEST_F(DurabilityTest, RestoringSupervisionFromABackupStillAnswersInstructions) {
  Loop& l = *loop_;
  std::vector<rpb::Instruction> open;
  std::vector<spb::Item> items;
  for (int i = 0; i < 3; ++i) {
    open.push_back(l.Instruct("待办结的批示 " + std::to_string(i)));
    items.push_back(l.OneItemFor(open.back().id()));
  }
  const std::string backup = l.dir_.path() + "/supervision.backup.db";
  std::string out;
  ASSERT_EQ(l.Admin(*l.supervision_, "supervision", {"backup", "--to", backup}, &out), 0) << out;
  // Supervision publishes more after the backup (items opened), then loses it with the restore.
  std::vector<rpb::Instruction> later;
  std::vector<spb::Item> later_items;
  for (int i = 0; i < 3; ++i) {
    later.push_back(l.Instruct("备份后 " + std::to_string(i)));
    later_items.push_back(l.OneItemFor(later.back().id()));
  }
  l.Restore(*l.supervision_, backup);
  // The restored database is behind the stream: supervision reads the instructions it lost
  // again and opens their items anew — the same items (ids derived from the instruction), once.
  for (size_t i = 0; i < later.size(); ++i) {
    const spb::Item again = l.OneItemFor(later[i].id());
    EXPECT_EQ(again.id(), later_items[i].id());
    items.push_back(again);
    open.push_back(later[i]);
  }

  // Closing the items publishes supervision.item.closed under reused outbox seqs.
  for (const auto& item : items) l.CloseItem(item.id());
  for (const auto& in : open) {
    EXPECT_TRUE(Eventually([&] { return l.Answered(in.id()); }, std::chrono::seconds(20)))
        << in.id() << "\n"
        << l.supervision_->Log();
  }
  EXPECT_EQ(QueryInt(l.reporting_->db_path(),
                     "SELECT COUNT(*) FROM audit_log WHERE action = 'instruction.answer'"),
            static_cast<int64_t>(open.size()))
      << "each answer applied once";
}

TEST_F(DurabilityTest, FlushAllWhileConnectedIsNoticedAndRepublished) {
  Loop& l = *loop_;
  const auto earlier = l.Instruct("清空前的批示");
  const auto earlier_item = l.OneItemFor(earlier.id());
  // Written while supervision is down: on the stream, not consumed yet, then lost by Redis.
  ASSERT_EQ(l.supervision_->Stop(), 0);
  const auto pending = l.Instruct("清空时未消费的批示");
  ASSERT_TRUE(Eventually([&] {
    return !l.EventIdsOnStream("zs:events:reporting", "reporting.instruction.issued").empty();
  }));
  {
    auto c = l.redis_.Connect();
    auto r = c->Command({"FLUSHALL"});
    ASSERT_TRUE(r.ok() && !r->IsError());
  }
  l.supervision_->Start();
  l.Stubs();
  // The relays notice while connected and refill the streams from their outboxes; the consumer
  // groups come back from the start; dedupe keeps every effect single.
  l.OneItemFor(pending.id());
  const auto later = l.Instruct("清空后的批示");
  l.OneItemFor(later.id());
  EXPECT_EQ(l.ItemsFor(earlier.id()).size(), 1u);
  // reporting's group on supervision's stream was lost too: a close still answers.
  l.CloseItem(earlier_item.id());
  EXPECT_TRUE(Eventually([&] { return l.Answered(earlier.id()); }, std::chrono::seconds(20)))
      << l.reporting_->Log();
  EXPECT_NE(l.reporting_->Log().find("Redis lost data"), std::string::npos);
}

TEST_F(DurabilityTest, ConsumedEventsArePrunedAfterTheWindowOnTheInjectedClock) {
  Loop& l = *loop_;
  l.OneItemFor(l.Instruct("保留期前的批示").id());
  const std::string db = l.supervision_->db_path();
  const int64_t before = QueryInt(db, "SELECT COUNT(*) FROM consumed_events");
  ASSERT_GT(before, 0);
  // 13 days later nothing goes (the window is 14 days).
  l.SetNow(kMonday0900 + 13 * kDay);
  const auto inside = l.Instruct("保留期内的批示");
  l.OneItemFor(inside.id());
  EXPECT_GE(QueryInt(db, "SELECT COUNT(*) FROM consumed_events"), before + 1);
  // 15 days after the first ones they go; the one consumed on day 13 stays.
  l.SetNow(kMonday0900 + 15 * kDay);
  EXPECT_TRUE(Eventually([&] {
    return QueryInt(db, "SELECT COUNT(*) FROM consumed_events WHERE consumed_at < " +
                            std::to_string(kMonday0900 + kDay)) == 0;
  })) << QueryInt(db, "SELECT COUNT(*) FROM consumed_events");
  EXPECT_GE(QueryInt(db, "SELECT COUNT(*) FROM consumed_events WHERE consumed_at >= " +
                             std::to_string(kMonday0900 + 13 * kDay)),
            1);
}

TEST(DurabilityConfig, ConsumedRetentionShorterThanOutboxRetentionIsRejected) {
  TempDir dir;
  Process p(ZS_SUPERVISION_BIN, {"--config=" + SourceDir() + "/deploy/local/supervision.yaml"},
            {{"ZS_EVENTS_CONSUMED_RETENTION", "24h"},
             {"ZS_EVENTS_OUTBOX_RETENTION", "168h"},
             {"ZS_DATA_DIR", dir.path()},
             {"ZS_ORG_FILE", SourceDir() + "/deploy/local/org.yaml"},
             {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
             {"ZS_GRPC_LISTEN", "127.0.0.1:0"}},
            dir.path() + "/log");
  p.Start();
  EXPECT_EQ(p.WaitExit(std::chrono::seconds(10)), 2);
  EXPECT_NE(p.Log().find("events.consumed_retention"), std::string::npos) << p.Log();
}

// ---------------------------------------------------------------------------------------------
// Failures of supervision's consumer: few tries, short backoff.

class FailureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loop_ = new Loop({{"ZS_EVENTS_MAX_TRIES", "2"},
                      {"ZS_EVENTS_RETRY_INITIAL", "50ms"},
                      {"ZS_EVENTS_RETRY_MAX", "200ms"}});
  }
  static void TearDownTestSuite() {
    delete loop_;
    loop_ = nullptr;
  }
  static Loop* loop_;
};
Loop* FailureTest::loop_ = nullptr;

TEST_F(FailureTest, AnUpstreamOutageLongerThanMaxTriesStillOpensTheItem) {
  Loop& l = *loop_;
  ASSERT_EQ(l.supervision_->Stop(), 0);
  const auto in = l.Instruct("上游中断期间的批示");
  ASSERT_EQ(l.reporting_->Stop(), 0);
  l.supervision_->Start();
  l.Stubs();
  // The report cannot be fetched: many more failures than max_tries (2) pass, and a restart too.
  ASSERT_TRUE(Eventually([&] { return CountOf(l.supervision_->Log(), "GetReport") >= 4; }))
      << l.supervision_->Log();
  ASSERT_EQ(l.supervision_->Stop(), 0);
  l.supervision_->Start();
  const int seen = CountOf(l.supervision_->Log(), "GetReport");
  ASSERT_TRUE(Eventually([&] { return CountOf(l.supervision_->Log(), "GetReport") >= seen + 4; }));
  l.reporting_->Start();
  l.Stubs();
  l.OneItemFor(in.id(), std::chrono::seconds(60));
  EXPECT_EQ(QueryInt(l.supervision_->db_path(), "SELECT COUNT(*) FROM dead_letters"), 0);
  EXPECT_EQ(HealthStatus(l.supervision_->Channel(), "zhongshu.events.dead_letters"), 1);
}

TEST_F(FailureTest, ADeterministicFailureIsDeadLetteredShownAndReplayedAfterAFix) {
  Loop& l = *loop_;
  // A new unit, 区体育局, is in reporting's org before supervision's: an instruction directed at
  // it can never open an item until supervision knows the unit.
  const std::string org = l.dir_.path() + "/org.yaml";
  {
    std::ifstream in(SourceDir() + "/deploy/local/org.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::string anchor = "units:            # id: tenant/slug\n";
    const auto at = text.find(anchor);
    ASSERT_NE(at, std::string::npos);
    text.insert(at + anchor.size(),
                "  - {id: \"430204/tyj\",  name: 区体育局,          tenant: \"430204\"}\n");
    std::ofstream(org) << text;
  }
  ASSERT_EQ(l.reporting_->Stop(), 0);
  l.reporting_->env()["ZS_ORG_FILE"] = org;
  l.reporting_->Start();
  l.Stubs();
  const auto in =
      InstructAsLeader(*l.rstub_, SubmitReportAsClerk(*l.rstub_, "全民健身中心建设滞后").id(),
                       {"430204/tyj"}, "2027-03-31", "请新设的区体育局牵头推进全民健身中心建设。");
  ASSERT_FALSE(in.id().empty());
  ev::Event e;
  ASSERT_TRUE(Eventually([&] {
    for (const auto& x :
         EventsOfType(l.redis_, "zs:events:reporting", "reporting.instruction.issued")) {
      ev::InstructionIssued p;
      if (x.payload().UnpackTo(&p) && p.instruction_id() == in.id()) e = x;
    }
    return !e.id().empty();
  }));
  // Dead-lettered after max_tries: durable row, dead-letter stream, error log, health.
  const std::string db = l.supervision_->db_path();
  ASSERT_TRUE(Eventually([&] {
    return QueryInt(db, "SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + e.id() + "'") == 1;
  })) << l.supervision_->Log();
  EXPECT_EQ(QueryInt(db, "SELECT tries FROM dead_letters WHERE event_id = '" + e.id() + "'"), 2);
  {
    auto c = l.redis_.Connect();
    auto r = c->Command({"XLEN", "zs:events:reporting:dead"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->integer, 1);
  }
  EXPECT_NE(l.supervision_->Log().find("is a dead letter"), std::string::npos);
  EXPECT_TRUE(Eventually([&] {
    return HealthStatus(l.supervision_->Channel(), "zhongshu.events.dead_letters") == 2;
  }));
  std::string out;
  ASSERT_EQ(l.Admin(*l.supervision_, "supervision", {"dead-letters", "list"}, &out), 0) << out;
  EXPECT_NE(out.find(e.id()), std::string::npos) << out;
  EXPECT_NE(out.find("430204/tyj"), std::string::npos) << out;

  // The fix: the unit is added to supervision's org; the restarted service still shows the dead
  // letter.
  ASSERT_EQ(l.supervision_->Stop(), 0);
  l.supervision_->env()["ZS_ORG_FILE"] = org;
  l.supervision_->Start();
  l.Stubs();
  EXPECT_TRUE(Eventually([&] {
    return HealthStatus(l.supervision_->Channel(), "zhongshu.events.dead_letters") == 2;
  }));
  EXPECT_TRUE(l.ItemsFor(in.id()).empty());

  ASSERT_EQ(l.Admin(*l.supervision_, "supervision", {"dead-letters", "replay", "--all"}, &out), 0)
      << out;
  l.OneItemFor(in.id());
  EXPECT_TRUE(Eventually([&] {
    return HealthStatus(l.supervision_->Channel(), "zhongshu.events.dead_letters") == 1;
  }));
  ASSERT_EQ(l.Admin(*l.supervision_, "supervision", {"dead-letters", "list"}, &out), 0) << out;
  EXPECT_EQ(out.find(e.id()), std::string::npos) << out;
  // Replaying again applies nothing twice.
  EXPECT_NE(l.Admin(*l.supervision_, "supervision", {"dead-letters", "replay", "1"}, &out), 0);
  EXPECT_EQ(l.ItemsFor(in.id()).size(), 1u);
}

}  // namespace
}  // namespace zs::testing

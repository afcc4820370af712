// What an ops team reads off the running suite, with the real binaries, a real redis-server and
// real gRPC: /metrics of reporting and supervision under a little load (calls by method and code,
// the outbox backlog while Redis is away, consumer lag and dead letters, the office's figures),
// and one trace id followed from a leader's instruction into the events and supervision's log.
#include <gtest/gtest.h>

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>

#include "core/ids.h"
#include "core/trace.h"
#include "harness/harness.h"
#include "harness/http_client.h"
#include "harness/office.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;

constexpr char kReporting[] = "/zhongshu.reporting.v1.ReportingService/";

// GET http://127.0.0.1:<port><path>; the body ("" when the server did not answer 200).
std::string HttpGet(int port, const std::string& path) {
  const HttpAnswer a = HttpRequest(port, "GET", path);
  return a.status == 200 ? a.body : "";
}

// The samples of a scrape: "name{label="value",...}" → value, labels as the exposition prints
// them (sorted by name).
using Scrape = std::map<std::string, double>;
Scrape ScrapeMetrics(int port) {
  Scrape out;
  std::istringstream in(HttpGet(port, "/metrics"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}
std::string Series(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return name;
  std::string s = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (k == "le") continue;
    s += (first ? "" : ",") + k + "=\"" + v + "\"";
    first = false;
  }
  if (auto le = labels.find("le"); le != labels.end()) {  // a bucket's bound comes last
    s += (first ? "" : ",") + std::string("le=\"") + le->second + "\"";
  }
  return s + "}";
}
// A sample's value, -1 when the scrape does not have it.
double Value(const Scrape& scrape, const std::string& name,
             const std::map<std::string, std::string>& labels = {}) {
  auto it = scrape.find(Series(name, labels));
  return it == scrape.end() ? -1 : it->second;
}
double Calls(const Scrape& scrape, const std::string& method, const std::string& code) {
  return std::max(0.0, Value(scrape, "zs_rpc_requests_total",
                             {{"code", code}, {"method", kReporting + method}}));
}

class ObservabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    redis_ = new RedisServer();
    reporting_metrics_ = FreePort();
    supervision_metrics_ = FreePort();
    reporting_ = new ServiceProcess(
        "reporting", ZS_REPORTING_BIN, redis_->address(), dir_->path() + "/reporting",
        {{"ZS_METRICS_LISTEN", "127.0.0.1:" + std::to_string(reporting_metrics_)},
         {"ZS_LOG_FORMAT", "json"}});
    reporting_->Start();
    supervision_ = new ServiceProcess(
        "supervision", ZS_SUPERVISION_BIN, redis_->address(), dir_->path() + "/supervision",
        {{"ZS_METRICS_LISTEN", "127.0.0.1:" + std::to_string(supervision_metrics_)},
         {"ZS_LOG_FORMAT", "json"},
         {"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
         {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"}});
    supervision_->Start();
  }
  static void TearDownTestSuite() {
    delete supervision_;
    delete reporting_;
    delete redis_;
    delete dir_;
  }
  void SetUp() override {
    rstub_ = rpb::ReportingService::NewStub(reporting_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }

  static TempDir* dir_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* supervision_;
  static int reporting_metrics_;
  static int supervision_metrics_;
  std::unique_ptr<rpb::ReportingService::Stub> rstub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};
TempDir* ObservabilityTest::dir_ = nullptr;
RedisServer* ObservabilityTest::redis_ = nullptr;
ServiceProcess* ObservabilityTest::reporting_ = nullptr;
ServiceProcess* ObservabilityTest::supervision_ = nullptr;
int ObservabilityTest::reporting_metrics_ = 0;
int ObservabilityTest::supervision_metrics_ = 0;

TEST_F(ObservabilityTest, MetricsCountCallsBacklogConsumersAndTheOfficesFigures) {
  const Scrape before = ScrapeMetrics(reporting_metrics_);
  ASSERT_FALSE(before.empty()) << reporting_->Log();

  // Three reports written and submitted; two refused for a blank title; one without a token.
  std::vector<rpb::Report> reports;
  for (int i = 0; i < 3; ++i) reports.push_back(SubmitReportAsClerk(*rstub_, "积水点巡查情况"));
  for (int i = 0; i < 2; ++i) {
    rpb::CreateReportRequest bad;
    bad.set_request_id(NewUuid());
    rpb::Report out;
    EXPECT_EQ(
        rstub_->CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), bad, &out).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext anonymous;
    rpb::GetReportRequest get;
    get.set_id(reports[0].id());
    rpb::Report out;
    EXPECT_EQ(rstub_->GetReport(&anonymous, get, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Invented method names share one series, however many there are.
  for (int i = 0; i < 3; ++i) {
    grpc::GenericStub generic(reporting_->Channel());
    grpc::ClientContext ctx;
    grpc::Slice empty("");  // an empty message
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status status;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    generic.UnaryCall(&ctx, "/zhongshu.reporting.v1.ReportingService/Invented" + std::to_string(i),
                      grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                        std::lock_guard<std::mutex> lock(mu);
                        status = std::move(s);
                        done = true;
                        cv.notify_one();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  const Scrape after = ScrapeMetrics(reporting_metrics_);
  for (const auto& [series, value] : after) {
    EXPECT_EQ(series.find("Invented"), std::string::npos) << series;
  }
  EXPECT_GE(
      Value(after, "zs_rpc_requests_total", {{"code", "UNIMPLEMENTED"}, {"method", "unknown"}}), 3);
  EXPECT_EQ(Calls(after, "SubmitReport", "OK") - Calls(before, "SubmitReport", "OK"), 3);
  EXPECT_EQ(Calls(after, "CreateReport", "OK") - Calls(before, "CreateReport", "OK"), 3);
  EXPECT_EQ(Calls(after, "CreateReport", "INVALID_ARGUMENT") -
                Calls(before, "CreateReport", "INVALID_ARGUMENT"),
            2);
  EXPECT_EQ(
      Calls(after, "GetReport", "UNAUTHENTICATED") - Calls(before, "GetReport", "UNAUTHENTICATED"),
      1);
  const std::map<std::string, std::string> submit_ok{
      {"code", "OK"}, {"method", std::string(kReporting) + "SubmitReport"}};
  EXPECT_EQ(Value(after, "zs_rpc_duration_seconds_count", submit_ok) -
                std::max(0.0, Value(before, "zs_rpc_duration_seconds_count", submit_ok)),
            3);
  auto inf = submit_ok;
  inf["le"] = "+Inf";
  EXPECT_EQ(Value(after, "zs_rpc_duration_seconds_bucket", inf),
            Value(after, "zs_rpc_duration_seconds_count", submit_ok));
  EXPECT_GT(Value(after, "zs_rpc_duration_seconds_sum", submit_ok), 0);
  // Every commit measured: at least one per write.
  EXPECT_GE(Value(after, "zs_db_commit_batch_size_sum") -
                std::max(0.0, Value(before, "zs_db_commit_batch_size_sum")),
            6);
  EXPECT_GT(Value(after, "zs_db_commit_duration_seconds_count"), 0);
  // The office's figures agree with the database.
  EXPECT_EQ(Value(after, "zs_office_reports_awaiting_review", {{"tenant", "430204"}}),
            QueryInt(reporting_->db_path(),
                     "SELECT COUNT(*) FROM reports WHERE state = 2 AND tenant = '430204'"));

  // Redis away: events wait in the outbox, and the backlog says how many and how old.
  ASSERT_TRUE(Eventually([&] {
    return Value(ScrapeMetrics(reporting_metrics_), "zs_outbox_backlog") == 0;
  })) << reporting_->Log();
  EXPECT_EQ(Value(ScrapeMetrics(reporting_metrics_), "zs_outbox_relay_connected"), 1);
  const int64_t last_seq = QueryInt(reporting_->db_path(), "SELECT MAX(seq) FROM outbox");
  redis_->Stop();
  SubmitReportAsClerk(*rstub_, "雨污管网排查情况");
  Scrape away;
  EXPECT_TRUE(Eventually([&] {
    away = ScrapeMetrics(reporting_metrics_);
    return Value(away, "zs_outbox_relay_connected") == 0;
  }));
  const int64_t waiting = QueryInt(
      reporting_->db_path(), "SELECT COUNT(*) FROM outbox WHERE seq > " + std::to_string(last_seq));
  EXPECT_GE(waiting, 1);
  EXPECT_EQ(Value(away, "zs_outbox_backlog"), waiting);
  EXPECT_GE(Value(away, "zs_outbox_relay_lag_seconds"), 0);
  redis_->Start();
  EXPECT_TRUE(Eventually([&] {
    const Scrape s = ScrapeMetrics(reporting_metrics_);
    return Value(s, "zs_outbox_backlog") == 0 && Value(s, "zs_outbox_relay_lag_seconds") == 0 &&
           Value(s, "zs_outbox_relay_connected") == 1;
  })) << reporting_->Log();

  // Supervision's consumer of reporting's stream: caught up, nothing pending; an entry that is
  // not an event is a dead letter at once, and counted.
  const std::map<std::string, std::string> group{{"group", "supervision"},
                                                 {"stream", "zs:events:reporting"}};
  EXPECT_TRUE(Eventually([&] {
    const Scrape s = ScrapeMetrics(supervision_metrics_);
    return Value(s, "zs_consumer_lag", group) == 0 && Value(s, "zs_consumer_pending", group) == 0;
  })) << supervision_->Log();
  {
    auto redis = redis_->Connect();
    ASSERT_TRUE(redis->Command({"XADD", "zs:events:reporting", "*", "event", "not an event"}).ok());
  }
  EXPECT_TRUE(Eventually([&] {
    return Value(ScrapeMetrics(supervision_metrics_), "zs_dead_letters", group) == 1;
  })) << supervision_->Log();

  // An instruction opens an item: supervision's own figure counts it.
  const auto in = InstructAsLeader(*rstub_, reports[0].id(), {"430204/slj"}, "2026-12-31",
                                   "请区水利局立即组织排查。");
  ASSERT_TRUE(Eventually([&] { return !ItemsWithSource(*sstub_, in.id()).empty(); }))
      << supervision_->Log();
  EXPECT_TRUE(Eventually([&] {
    return Value(ScrapeMetrics(supervision_metrics_), "zs_office_open_items",
                 {{"tenant", "430204"}}) ==
           QueryInt(supervision_->db_path(),
                    "SELECT COUNT(*) FROM items WHERE state = 1 AND tenant = '430204'");
  }));
}

// The JSON log lines of a service that carry `trace_id`.
std::vector<std::string> LinesWithTrace(const ServiceProcess& p, const std::string& trace_id) {
  std::vector<std::string> out;
  std::istringstream in(p.Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"trace_id\":\"" + trace_id + "\"") != std::string::npos) out.push_back(line);
  }
  return out;
}
bool AnyHas(const std::vector<std::string>& lines, const std::vector<std::string>& parts) {
  for (const auto& l : lines) {
    bool all = true;
    for (const auto& p : parts) all = all && l.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}
// The trace ids of the outbox events of `type` in a service's database.
std::vector<std::string> TracesOf(const ServiceProcess& p, const std::string& type) {
  std::vector<std::string> out;
  for (const auto& blob :
       QueryStrings(p.db_path(), "SELECT envelope FROM outbox WHERE type = '" + type + "'")) {
    ev::Event e;
    if (e.ParseFromString(blob)) out.push_back(e.trace_id());
  }
  return out;
}

TEST_F(ObservabilityTest, OneTraceFollowsAnInstructionThroughBothServices) {
  const auto report = SubmitReportAsClerk(*rstub_, "老旧小区二次供水水质投诉");
  const std::string trace_id = trace::NewTraceId();
  rpb::IssueInstructionRequest req;
  req.set_request_id(NewUuid());
  req.mutable_instruction()->set_report_id(report.id());
  req.mutable_instruction()->set_text("请区水利局牵头核查水质。");
  req.mutable_instruction()->add_directed_units("430204/slj");
  req.mutable_instruction()->set_due_date("2026-12-31");
  auto ctx = ContextFor(TokenFor("zhang.shuji"));
  ctx->AddMetadata("traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01");
  rpb::Instruction in;
  ASSERT_TRUE(rstub_->IssueInstruction(ctx.get(), req, &in).ok());
  // The caller is told the trace it is part of.
  const auto& md = ctx->GetServerInitialMetadata();
  auto told = md.find("x-zs-trace-id");
  ASSERT_NE(told, md.end());
  EXPECT_EQ(std::string(told->second.data(), told->second.size()), trace_id);

  // Reporting: the call's line, and the event it recorded carries the trace.
  EXPECT_TRUE(AnyHas(LinesWithTrace(*reporting_, trace_id),
                     {"\"msg\":\"rpc\"", "IssueInstruction\"", "\"code\":\"OK\"",
                      "\"caller\":\"zhang.shuji\"", "\"latency_ms\":"}))
      << reporting_->Log();
  EXPECT_EQ(TracesOf(*reporting_, "reporting.instruction.issued").back(), trace_id);

  // Supervision applied it under the same trace, read the instruction back from reporting under
  // it, and the item it opened continues it; reporting then applies item.opened under it too.
  ASSERT_TRUE(Eventually([&] { return !ItemsWithSource(*sstub_, in.id()).empty(); }))
      << supervision_->Log();
  // The item is visible once the transaction commits; the consumer writes its line just after.
  EXPECT_TRUE(Eventually([&] {
    return AnyHas(LinesWithTrace(*supervision_, trace_id),
                  {"\"msg\":\"event applied\"", "\"event_type\":\"reporting.instruction.issued\""});
  })) << supervision_->Log();
  const auto opened = TracesOf(*supervision_, "supervision.item.opened");
  EXPECT_NE(std::find(opened.begin(), opened.end(), trace_id), opened.end());
  EXPECT_TRUE(Eventually([&] {
    const auto lines = LinesWithTrace(*reporting_, trace_id);
    return AnyHas(lines, {"\"msg\":\"rpc\"", "\"caller\":\"svc:supervision"}) &&
           AnyHas(lines,
                  {"\"msg\":\"event applied\"", "\"event_type\":\"supervision.item.opened\""});
  })) << reporting_->Log();
}

TEST_F(ObservabilityTest, AMalformedTraceparentStartsANewTrace) {
  rpb::ListReportsRequest req;
  rpb::ListReportsResponse resp;
  auto ctx = ContextFor(TokenFor("li.bianji"));
  ctx->AddMetadata("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
  ASSERT_TRUE(rstub_->ListReports(ctx.get(), req, &resp).ok());
  const auto& md = ctx->GetServerInitialMetadata();
  auto told = md.find("x-zs-trace-id");
  ASSERT_NE(told, md.end());
  const std::string id(told->second.data(), told->second.size());
  EXPECT_TRUE(trace::IsTraceId(id)) << id;
  EXPECT_NE(id, "00000000000000000000000000000000");
}

}  // namespace
}  // namespace zs::testing

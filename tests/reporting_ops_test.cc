// Operating the service: trimming that respects consumer groups, outbox retention, health,
// JSON logs, configuration errors and graceful shutdown.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/ids.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "harness/harness.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace pb = zhongshu::reporting::v1;
constexpr char kStream[] = "zs:events:reporting";

class ReportingOpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    redis_ = new RedisServer();
    service_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                  dir_->path() + "/reporting",
                                  {{"ZS_EVENTS_STREAM_MAX_LEN", "100"},
                                   {"ZS_EVENTS_MAINTENANCE_INTERVAL", "200ms"},
                                   {"ZS_EVENTS_OUTBOX_RETENTION", "1ms"},
                                   {"ZS_EVENTS_RELAY_BACKOFF_MAX", "200ms"},
                                   {"ZS_LOG_FORMAT", "json"}});
    service_->Start();
  }
  static void TearDownTestSuite() {
    delete service_;
    delete redis_;
    delete dir_;
  }

  void MakeEvents(int n) {
    auto stub = pb::ReportingService::NewStub(service_->Channel());
    const std::string token = TokenFor("wang.xinxi");
    for (int i = 0; i < n; ++i) {
      pb::CreateReportRequest create;
      create.set_request_id(NewUuid());
      create.mutable_report()->set_title("trim " + std::to_string(i));
      create.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
      create.mutable_report()->set_sensitivity(pb::SENSITIVITY_PUBLIC);
      pb::Report r;
      ASSERT_TRUE(stub->CreateReport(ContextFor(token).get(), create, &r).ok());
      pb::SubmitReportRequest submit;
      submit.set_request_id(NewUuid());
      submit.set_id(r.id());
      ASSERT_TRUE(stub->SubmitReport(ContextFor(token).get(), submit, &r).ok());
    }
  }
  int64_t Len() {
    auto c = redis_->Connect();
    auto r = c->Command({"XLEN", kStream});
    return r.ok() ? r->integer : -1;
  }
  int64_t LastSeq() {
    auto c = redis_->Connect();
    auto r = c->Command({"XREVRANGE", kStream, "+", "-", "COUNT", "1"});
    if (!r.ok() || r->elements.empty()) return 0;
    return std::stoll(r->elements[0].elements[0].str);
  }

  static TempDir* dir_;
  static RedisServer* redis_;
  static ServiceProcess* service_;
};

TempDir* ReportingOpsTest::dir_ = nullptr;
RedisServer* ReportingOpsTest::redis_ = nullptr;
ServiceProcess* ReportingOpsTest::service_ = nullptr;

TEST_F(ReportingOpsTest, TrimsOnlyWhatEveryGroupHasAcknowledged) {
  // A consumer group that reads nothing holds the whole stream.
  {
    auto c = redis_->Connect();
    auto r = c->Command({"XGROUP", "CREATE", kStream, "laggard", "0", "MKSTREAM"});
    ASSERT_TRUE(r.ok() && !r->IsError()) << r->str;
  }
  MakeEvents(150);
  ASSERT_TRUE(Eventually([&] { return Len() >= 150; }));
  ASSERT_TRUE(Eventually([&] { return service_->Log().find("laggard") != std::string::npos; }))
      << "a lagging group is reported";
  EXPECT_GE(Len(), 150) << "nothing the laggard has not acknowledged was trimmed";

  // Once the group has read and acknowledged everything, the stream shrinks to the bound.
  {
    auto c = redis_->Connect();
    for (;;) {
      auto r = c->Command(
          {"XREADGROUP", "GROUP", "laggard", "t", "COUNT", "500", "STREAMS", kStream, ">"});
      ASSERT_TRUE(r.ok());
      if (r->IsNil() || r->elements.empty() || r->elements[0].elements[1].elements.empty()) break;
      for (const auto& e : r->elements[0].elements[1].elements) {
        ASSERT_TRUE(c->Command({"XACK", kStream, "laggard", e.elements[0].str}).ok());
      }
    }
  }
  EXPECT_TRUE(Eventually([&] { return Len() <= 100; })) << Len();
  EXPECT_GT(Len(), 0);
}

TEST_F(ReportingOpsTest, PublishedEventsLeaveTheOutboxAfterTheRetention) {
  MakeEvents(3);
  // Retention is 1 ms here: every published row goes at the next maintenance.
  EXPECT_TRUE(Eventually(
      [&] { return QueryInt(service_->db_path(), "SELECT COUNT(*) FROM outbox") == 0; }));
  EXPECT_GT(QueryInt(service_->db_path(), "SELECT COUNT(*) FROM audit_log"), 0) << "audit stays";
}

TEST_F(ReportingOpsTest, HealthFollowsTheDatabaseAndReportsRedisSeparately) {
  auto channel = service_->Channel();
  EXPECT_EQ(HealthStatus(channel, ""), 1);
  EXPECT_EQ(HealthStatus(channel, "zhongshu.reporting.v1.ReportingService"), 1);
  EXPECT_TRUE(Eventually([&] { return HealthStatus(channel, "zhongshu.events.relay") == 1; }));
  redis_->Stop();
  MakeEvents(1);  // the relay notices Redis is gone when it next publishes
  EXPECT_TRUE(Eventually([&] { return HealthStatus(channel, "zhongshu.events.relay") == 2; }));
  EXPECT_EQ(HealthStatus(channel, ""), 1) << "writes do not need Redis, so the service stays ready";
  redis_->Start();
  EXPECT_TRUE(Eventually([&] { return HealthStatus(channel, "zhongshu.events.relay") == 1; },
                         std::chrono::seconds(15)));
}

TEST_F(ReportingOpsTest, JsonLogsAreOneObjectPerLine) {
  std::istringstream lines(service_->Log());
  std::string line;
  int objects = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;  // gRPC's own C-core lines are not ours
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_EQ(j["service"], "reporting");
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg"));
    ++objects;
  }
  EXPECT_GT(objects, 0);
}

TEST_F(ReportingOpsTest, ReflectionListsTheServiceWithoutAToken) {
  namespace refl = grpc::reflection::v1alpha;
  auto stub = refl::ServerReflection::NewStub(service_->Channel());
  auto ctx = ContextFor("");
  auto stream = stub->ServerReflectionInfo(ctx.get());
  refl::ServerReflectionRequest req;
  req.set_list_services("*");
  ASSERT_TRUE(stream->Write(req));
  refl::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  std::set<std::string> names;
  for (const auto& s : resp.list_services_response().service()) names.insert(s.name());
  EXPECT_TRUE(names.count("zhongshu.reporting.v1.ReportingService"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
  // A client can fetch the schema to build requests.
  req.set_file_containing_symbol("zhongshu.reporting.v1.ReportingService");
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_GT(resp.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ReportingStartup, BadConfigurationStopsStartupNamingTheKey) {
  TempDir dir;
  const std::string log = dir.path() + "/log";
  Process p(ZS_REPORTING_BIN, {"--config=" + SourceDir() + "/deploy/local/reporting.yaml"},
            {{"ZS_GRPC_MAX_MESSAGE_BYTES", "lots"},
             {"ZS_REDIS_ADDRESS", "no-port"},
             {"ZS_DATA_DIR", dir.path()},
             {"ZS_GRPC_LISTEN", "127.0.0.1:0"}},
            log);
  p.Start();
  EXPECT_EQ(p.WaitExit(std::chrono::seconds(10)), 2);
  const std::string out = p.Log();
  EXPECT_NE(out.find("grpc.max_message_bytes"), std::string::npos) << out;
  EXPECT_NE(out.find("redis.address"), std::string::npos) << out;

  Process typo(ZS_REPORTING_BIN, {"--config=" + dir.path() + "/typo.yaml"},
               {{"ZS_ORG_FILE", SourceDir() + "/deploy/local/org.yaml"},
                {"ZS_AUTH_HS256_SECRET", kDevSecret},
                {"ZS_DATA_DIR", dir.path()}},
               log);
  { std::ofstream(dir.path() + "/typo.yaml") << "grpc:\n  lisen: 127.0.0.1:0\n"; }
  typo.Start();
  EXPECT_EQ(typo.WaitExit(std::chrono::seconds(10)), 2);
  EXPECT_NE(typo.Log().find("grpc.lisen: unknown key"), std::string::npos) << typo.Log();
}

TEST(ReportingStartup, SigtermStopsGracefully) {
  TempDir dir;
  RedisServer redis;
  ServiceProcess svc("reporting", ZS_REPORTING_BIN, redis.address(), dir.path() + "/r");
  svc.Start();
  const int status = svc.Stop();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(svc.Log().find("stopped"), std::string::npos) << svc.Log();
}

}  // namespace
}  // namespace zs::testing

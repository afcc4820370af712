// The life of a service process, against the real binary and a real redis-server: start-up
// refuses a database it cannot serve and a bad configuration before anything runs, the log flags
// work with the shipped configuration, a stop leaves a window in which health says NOT_SERVING
// while calls are still served, and request ids are remembered for the retry window only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/ids.h"
#include "core/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness/harness.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace fs = std::filesystem;
namespace pb = zhongshu::reporting::v1;
namespace hv = grpc::health::v1;

constexpr int64_t kNow = 1795395600000;  // 2026-11-23 09:00 China time
constexpr int64_t kMinute = 60000;
constexpr int64_t kHour = 60 * kMinute;

std::string ShippedConfig() { return SourceDir() + "/deploy/local/reporting.yaml"; }

void SetNow(const std::string& clock_file, int64_t ms) {
  std::ofstream(clock_file + ".tmp") << ms << "\n";
  std::rename((clock_file + ".tmp").c_str(), clock_file.c_str());
}

grpc::Status CreateReport(const std::shared_ptr<grpc::Channel>& channel, const std::string& title,
                          const std::string& body, pb::Report* out,
                          const std::string& request_id = NewUuid()) {
  auto stub = pb::ReportingService::NewStub(channel);
  pb::CreateReportRequest req;
  req.set_request_id(request_id);
  req.mutable_report()->set_title(title);
  req.mutable_report()->set_body(body);
  req.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
  req.mutable_report()->set_sensitivity(pb::SENSITIVITY_PUBLIC);
  return stub->CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), req, out);
}

// The environment a reporting process needs besides the shipped config (ports, data, Redis).
std::map<std::string, std::string> BaseEnv(const std::string& data_dir, const std::string& redis) {
  return {
      {"ZS_GRPC_LISTEN", "127.0.0.1:0"}, {"ZS_GRPC_PORT_FILE", data_dir + "/port"},
      {"ZS_GRPC_SHUTDOWN_GRACE", "0s"},  {"ZS_DATA_DIR", data_dir},
      {"ZS_REDIS_ADDRESS", redis},       {"ZS_ORG_FILE", SourceDir() + "/deploy/local/org.yaml"}};
}

void ExpectCleanExit(int status) {
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A reporting database with `n` reports of `body_bytes` each, made by the service itself and
// closed cleanly (no WAL left behind).
void MakeDatabase(const std::string& data_dir, const RedisServer& redis, int n, size_t body_bytes) {
  ServiceProcess svc("reporting", ZS_REPORTING_BIN, redis.address(), data_dir);
  svc.Start();
  auto channel = svc.Channel();
  for (int i = 0; i < n; ++i) {
    pb::Report r;
    ASSERT_TRUE(CreateReport(channel, "report " + std::to_string(i),
                             std::string(body_bytes, static_cast<char>('a' + i % 26)), &r)
                    .ok());
  }
  ExpectCleanExit(svc.Stop());
}

TEST(ReportingStartup, RefusesAReadOnlyDatabaseNamingTheFile) {
  TempDir dir;
  RedisServer redis;
  const std::string data = dir.path() + "/r";
  MakeDatabase(data, redis, 3, 100);
  const std::string db = data + "/reporting.db";
  ASSERT_TRUE(fs::exists(db));
  ASSERT_FALSE(fs::exists(db + "-wal")) << "closed cleanly";

  // What an operator meets: a database file the service's user cannot write (a restored backup
  // left read-only, a volume mounted read-only). The directory stays writable, so only the file
  // is at fault. File modes do not bind root, so as root the service runs as nobody.
  fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(data, fs::perms::all);
  // Whoever runs the service must reach its binary and configuration: the checkout may sit in a
  // folder only root can enter, so nobody runs copies from the test's own folder.
  const std::string bin = dir.path() + "/reporting", config = dir.path() + "/reporting.yaml",
                    org = dir.path() + "/org.yaml";
  fs::copy_file(ZS_REPORTING_BIN, bin);
  fs::copy_file(ShippedConfig(), config);
  fs::copy_file(SourceDir() + "/deploy/local/org.yaml", org);
  for (const auto& f : {config, org}) {
    fs::permissions(f, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  auto env = BaseEnv(data, redis.address());
  env["ZS_ORG_FILE"] = org;
  Process p(bin, {"--config=" + config}, env, dir.path() + "/readonly.log");
  if (::geteuid() == 0) p.RunAs(65534, 65534);
  p.Start();
  const int code = p.WaitExit(std::chrono::seconds(20));
  const std::string log = p.Log();
  EXPECT_NE(code, -1) << "still running, serving a database it cannot write:\n" << log;
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find(db), std::string::npos) << "the message names the file:\n" << log;
  EXPECT_NE(log.find("read-only"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(data + "/port")) << "it never served";
}

TEST(ReportingStartup, RefusesADamagedDatabaseNamingTheFile) {
  TempDir dir;
  RedisServer redis;
  const std::string data = dir.path() + "/r";
  MakeDatabase(data, redis, 60, 16 * 1024);
  const std::string db = data + "/reporting.db";
  ASSERT_FALSE(fs::exists(db + "-wal")) << "closed cleanly";
  const int64_t page_size = QueryInt(db, "PRAGMA page_size");
  const int64_t pages = static_cast<int64_t>(fs::file_size(db)) / page_size;
  ASSERT_GT(pages, 100);

  // Damage three pages in the middle of the file (their headers: page type, cell pointers,
  // overflow links), as a bad disk sector or a torn copy would. Start-up touches none of them.
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    const std::string garbage(64, '\xa5');
    for (int64_t p = pages / 2; p < pages / 2 + 3; ++p) {
      f.seekp(p * page_size);
      f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    ASSERT_TRUE(f.good());
  }
  Process p(ZS_REPORTING_BIN, {"--config=" + ShippedConfig()}, BaseEnv(data, redis.address()),
            dir.path() + "/damaged.log");
  p.Start();
  const int code = p.WaitExit(std::chrono::seconds(20));
  const std::string log = p.Log();
  EXPECT_NE(code, -1) << "still running on a damaged database:\n" << log;
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find(db), std::string::npos) << "the message names the file:\n" << log;
  EXPECT_NE(log.find("quick_check"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(data + "/port")) << "it never served";
}

TEST(ReportingStartup, ABadKeyStopsStartupBeforeTheDatabaseOpensOrAJobRuns) {
  TempDir dir;
  RedisServer redis;
  const std::string clock_file = dir.path() + "/now";
  SetNow(clock_file, kNow);
  const std::string data = dir.path() + "/r";
  const std::string db = data + "/reporting.db";
  const std::map<std::string, std::string> clock_env{{"ZS_CLOCK_FILE", clock_file},
                                                     {"ZS_EMERGENCY_CHECK_INTERVAL", "100ms"}};
  std::map<std::string, std::string> env = BaseEnv(data, redis.address());
  env.insert(clock_env.begin(), clock_env.end());
  {
    // An emergency chain whose follow-up falls due once the clock moves 4 hours on.
    ServiceProcess svc("reporting", ZS_REPORTING_BIN, redis.address(), data, clock_env);
    svc.Start();
    auto stub = pb::ReportingService::NewStub(svc.Channel());
    pb::CreateReportRequest create;
    create.set_request_id(NewUuid());
    auto* r = create.mutable_report();
    r->set_title("清水塘某化工厂发生泄漏");
    r->set_kind(pb::REPORT_KIND_EMERGENCY);
    r->set_sensitivity(pb::SENSITIVITY_INTERNAL);
    r->mutable_emergency()->set_grade(pb::EMERGENCY_GRADE_IV);
    *r->mutable_emergency()->mutable_occurred_at() = ToProto(FromMillis(kNow - 10 * kMinute));
    r->mutable_emergency()->set_place("清水塘街道霞湾路");
    pb::Report report;
    ASSERT_TRUE(stub->CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), create, &report).ok());
    pb::SubmitReportRequest submit;
    submit.set_request_id(NewUuid());
    submit.set_id(report.id());
    ASSERT_TRUE(stub->SubmitReport(ContextFor(TokenFor("wang.xinxi")).get(), submit, &report).ok());
    ExpectCleanExit(svc.Stop());
  }
  const std::string reminders =
      "SELECT COUNT(*) FROM outbox WHERE type = 'reporting.emergency.follow_up_due'";
  const int64_t audit_before = QueryInt(db, "SELECT COUNT(*) FROM audit_log");
  ASSERT_EQ(QueryInt(db, reminders), 0);
  SetNow(clock_file, kNow + 5 * kHour);

  // The shipped config plus a typo'd section and a malformed value: both named, exit 2, and the
  // due reminder is not sent.
  const std::string config = dir.path() + "/typo.yaml";
  {
    std::ifstream in(ShippedConfig());
    std::ofstream out(config);
    out << in.rdbuf() << "\nreminder:\n  check_intervall: 1m\n";
  }
  env["ZS_LIMITS_MAX_TITLE_CHARS"] = "many";
  Process bad(ZS_REPORTING_BIN, {"--config=" + config}, env, dir.path() + "/bad.log");
  bad.Start();
  EXPECT_EQ(bad.WaitExit(std::chrono::seconds(20)), 2) << bad.Log();
  EXPECT_NE(bad.Log().find("reminder.check_intervall: unknown key"), std::string::npos)
      << bad.Log();
  EXPECT_NE(bad.Log().find("limits.max_title_chars"), std::string::npos) << bad.Log();
  EXPECT_EQ(QueryInt(db, reminders), 0) << "no periodic job ran";
  EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM audit_log"), audit_before) << "nothing written";
  EXPECT_FALSE(fs::exists(data + "/port"));

  // On a fresh data directory the bad configuration does not even create the database.
  std::map<std::string, std::string> fresh_env = env;
  fresh_env["ZS_DATA_DIR"] = dir.path() + "/fresh";
  Process fresh(ZS_REPORTING_BIN, {"--config=" + config}, fresh_env, dir.path() + "/fresh.log");
  fresh.Start();
  EXPECT_EQ(fresh.WaitExit(std::chrono::seconds(20)), 2) << fresh.Log();
  EXPECT_FALSE(fs::exists(dir.path() + "/fresh/reporting.db"));

  // The same start with a good configuration does send the reminder: the check above was not
  // vacuous.
  ServiceProcess good("reporting", ZS_REPORTING_BIN, redis.address(), data, clock_env);
  good.Start();
  EXPECT_TRUE(Eventually([&] { return QueryInt(db, reminders) == 1; }));
  ExpectCleanExit(good.Stop());
}

TEST(ReportingStartup, LogFlagsWorkWithTheShippedConfig) {
  TempDir dir;
  RedisServer redis;
  const std::string data = dir.path() + "/r";
  fs::create_directories(data);
  Process p(ZS_REPORTING_BIN,
            {"--config=" + ShippedConfig(), "--log-format=json", "--log-level=debug"},
            BaseEnv(data, redis.address()), dir.path() + "/json.log");
  p.Start();
  ASSERT_TRUE(Eventually([&] { return fs::exists(data + "/port"); }, std::chrono::seconds(20)))
      << p.Log();
  ExpectCleanExit(p.Stop());
  std::istringstream lines(p.Log());
  std::string line;
  int objects = 0, debug = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;  // gRPC's own C-core lines are not ours
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_EQ(j["service"], "reporting");
    ++objects;
    if (j["level"] == "debug") ++debug;
  }
  EXPECT_GT(objects, 0) << p.Log();
  EXPECT_GT(debug, 0) << "--log-level=debug applies:\n" << p.Log();
}

TEST(ReportingShutdown, HealthSaysNotServingDuringTheGraceWhileCallsAreServedThenItStops) {
  TempDir dir;
  RedisServer redis;
  constexpr auto kGrace = std::chrono::seconds(3);
  ServiceProcess svc("reporting", ZS_REPORTING_BIN, redis.address(), dir.path() + "/r",
                     {{"ZS_GRPC_SHUTDOWN_GRACE", "3s"}, {"ZS_GRPC_DRAIN_TIMEOUT", "20s"}});
  svc.Start();
  auto channel = svc.Channel();
  ASSERT_EQ(HealthStatus(channel, ""), 1);

  // A load balancer's Health.Watch, open across the stop.
  auto health = hv::Health::NewStub(channel);
  grpc::ClientContext watch_ctx;
  hv::HealthCheckRequest watch_req;
  auto watch = health->Watch(&watch_ctx, watch_req);
  hv::HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), hv::HealthCheckResponse::SERVING);

  const auto signalled = std::chrono::steady_clock::now();
  svc.Signal(SIGTERM);
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), hv::HealthCheckResponse::NOT_SERVING) << "the Watch is told first";
  // The watcher goes on reading, as a load balancer does, until the server ends the stream.
  auto watch_ended = std::async(std::launch::async, [&] {
    hv::HealthCheckResponse more;
    while (watch->Read(&more)) {
    }
    return std::make_pair(std::chrono::steady_clock::now(), watch->Finish());
  });
  EXPECT_EQ(HealthStatus(channel, ""), 2);
  EXPECT_EQ(HealthStatus(channel, "zhongshu.reporting.v1.ReportingService"), 2);
  pb::Report r;
  const grpc::Status during = CreateReport(channel, "written during the grace", "", &r);
  EXPECT_TRUE(during.ok()) << during.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, kGrace) << "checked inside the grace";

  // The open Watch does not hold the stop: it is ended after the grace, and the process is gone
  // soon after, long before the 20 s drain deadline.
  const int code = svc.WaitExit(kGrace + std::chrono::seconds(5));
  const auto stopped_after = std::chrono::steady_clock::now() - signalled;
  EXPECT_EQ(code, 0) << svc.Log();
  EXPECT_GE(stopped_after, kGrace);
  EXPECT_LT(stopped_after, kGrace + std::chrono::seconds(3));
  ASSERT_EQ(watch_ended.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  const auto [ended_at, watch_status] = watch_ended.get();
  EXPECT_GE(ended_at - signalled, kGrace) << "the Watch stays open through the grace";
  EXPECT_TRUE(watch_status.ok()) << "ended by the server: " << watch_status.error_message();
  EXPECT_EQ(QueryInt(dir.path() + "/r/reporting.db",
                     "SELECT COUNT(*) FROM reports WHERE id = '" + r.id() + "'"),
            1)
      << "the call of the grace is durable";
}

TEST(ReportingIdempotency, ARequestIdIsRememberedForTheRetryWindowThenPruned) {
  TempDir dir;
  RedisServer redis;
  const std::string clock_file = dir.path() + "/now";
  SetNow(clock_file, kNow);
  ServiceProcess svc("reporting", ZS_REPORTING_BIN, redis.address(), dir.path() + "/r",
                     {{"ZS_CLOCK_FILE", clock_file},
                      {"ZS_RPC_IDEMPOTENCY_RETENTION", "24h"},
                      {"ZS_RPC_IDEMPOTENCY_PRUNE_INTERVAL", "100ms"}});
  svc.Start();
  auto channel = svc.Channel();
  const std::string rid = NewUuid();
  const std::string key_rows =
      "SELECT COUNT(*) FROM idempotency_keys WHERE request_id = '" + rid + "'";
  pb::Report first;
  ASSERT_TRUE(CreateReport(channel, "retried", "", &first, rid).ok());
  EXPECT_EQ(QueryInt(svc.db_path(),
                     "SELECT created_at FROM idempotency_keys WHERE request_id = '" + rid + "'"),
            kNow)
      << "stamped on the service's clock";

  // Inside the window a retry gets the first response and changes nothing.
  SetNow(clock_file, kNow + 23 * kHour);
  pb::Report again;
  ASSERT_TRUE(CreateReport(channel, "retried", "", &again, rid).ok());
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(QueryInt(svc.db_path(), "SELECT COUNT(*) FROM reports"), 1);
  EXPECT_EQ(QueryInt(svc.db_path(), key_rows), 1);

  // Past the window the key is pruned, and the same request_id is a new request.
  SetNow(clock_file, kNow + 25 * kHour);
  EXPECT_TRUE(Eventually([&] { return QueryInt(svc.db_path(), key_rows) == 0; }));
  pb::Report late;
  ASSERT_TRUE(CreateReport(channel, "retried", "", &late, rid).ok());
  EXPECT_NE(late.id(), first.id());
  EXPECT_EQ(QueryInt(svc.db_path(), "SELECT COUNT(*) FROM reports"), 2);
  ExpectCleanExit(svc.Stop());
}

}  // namespace
}  // namespace zs::testing

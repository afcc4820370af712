// The gateway with the real binaries: reporting and supervision on a real redis-server, the
// gateway in front of them, and plain HTTP requests as a browser sends them. JSON in and out for
// every method, the same tokens, status codes and messages carried over, the trace id passed on,
// limits, the console's files, the development sign-in, and a service that is down.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/trace.h"
#include "harness/harness.h"
#include "harness/http_client.h"
#include "harness/office.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace rpb = zhongshu::reporting::v1;
using json = nlohmann::json;

constexpr char kReporting[] = "zhongshu.reporting.v1.ReportingService/";
constexpr char kSupervision[] = "zhongshu.supervision.v1.SupervisionService/";

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    redis_ = new RedisServer();
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting", {{"ZS_LOG_FORMAT", "json"}});
    reporting_->Start();
    supervision_ = new ServiceProcess("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                                      dir_->path() + "/supervision",
                                      {{"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
                                       {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"}});
    supervision_->Start();
    clock_file_ = dir_->path() + "/now";
    std::ofstream(clock_file_) << SystemClock::Get()->Now().time_since_epoch() /
                                      std::chrono::milliseconds(1)
                               << "\n";
    proposals_ = StartProposals(ZS_PROPOSALS_BIN, *redis_, dir_->path() + "/proposals", clock_file_)
                     .release();
    // A built console: its page, a hashed asset.
    console_ = dir_->path() + "/console";
    std::filesystem::create_directories(console_ + "/assets");
    std::ofstream(console_ + "/index.html") << "<!doctype html><title>中枢</title>";
    std::ofstream(console_ + "/assets/app-1a2b.js") << "console.log('中枢')";
    std::ofstream(dir_->path() + "/secret.txt") << "not for the web";
    gateway_ = new ServiceProcess("gateway", ZS_GATEWAY_BIN, redis_->address(),
                                  dir_->path() + "/gateway", GatewayEnv());
    gateway_->Start();
  }
  static std::map<std::string, std::string> GatewayEnv() {
    return {{"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
            {"ZS_UPSTREAM_SUPERVISION_ADDRESS", supervision_->address()},
            {"ZS_UPSTREAM_PROPOSALS_ADDRESS", proposals_->address()},
            // Nothing listens there: coordination is "down" for the whole suite.
            {"ZS_UPSTREAM_COORDINATION_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
            {"ZS_UPSTREAM_COORDINATION_TIMEOUT", "2s"},
            {"ZS_CONSOLE_DIR", console_},
            {"ZS_CONSOLE_DEV_SIGN_IN", "true"},
            {"ZS_HTTP_MAX_BODY_BYTES", "65536"},
            {"ZS_LOG_FORMAT", "json"}};
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete proposals_;
    delete supervision_;
    delete reporting_;
    delete redis_;
    delete dir_;
  }
  static int port() { return gateway_->port(); }
  // A token from the development sign-in.
  static std::string SignIn(const std::string& user) {
    const HttpAnswer a =
        HttpRequest(port(), "POST", "/auth/dev-sign-in", json{{"user", user}}.dump(),
                    {{"Content-Type", "application/json"}});
    EXPECT_EQ(a.status, 200) << a.body;
    return a.Json().value("token", "");
  }

  static TempDir* dir_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* supervision_;
  static ServiceProcess* proposals_;
  static ServiceProcess* gateway_;
  static std::string console_;
  static std::string clock_file_;
};
TempDir* GatewayTest::dir_ = nullptr;
RedisServer* GatewayTest::redis_ = nullptr;
ServiceProcess* GatewayTest::reporting_ = nullptr;
ServiceProcess* GatewayTest::supervision_ = nullptr;
ServiceProcess* GatewayTest::proposals_ = nullptr;
ServiceProcess* GatewayTest::gateway_ = nullptr;
std::string GatewayTest::console_;
std::string GatewayTest::clock_file_;

TEST_F(GatewayTest, AReportGoesFromClerkToLeaderToSupervisionThroughJson) {
  const std::string clerk = SignIn("wang.xinxi");
  HttpAnswer a = ApiCall(port(), std::string(kReporting) + "CreateReport",
                         {{"request_id", NewUuid()},
                          {"report",
                           {{"title", "清水塘街道老旧小区二次供水水质投诉"},
                            {"body", "居民反映自来水发黄。"},
                            {"kind", "REPORT_KIND_PROBLEM"},
                            {"sensitivity", "SENSITIVITY_INTERNAL"}}}},
                         clerk);
  ASSERT_EQ(a.status, 200) << a.body;
  const json created = a.Json();
  EXPECT_EQ(created["title"], "清水塘街道老旧小区二次供水水质投诉");
  EXPECT_EQ(created["unit_id"], "430204/qtt");  // defaults to the caller's unit
  EXPECT_EQ(created["state"], "REPORT_STATE_DRAFT");
  const std::string id = created["id"];

  // A retry with the same request id is the same report (request ids pass through unchanged).
  const std::string rid = NewUuid();
  a = ApiCall(port(), std::string(kReporting) + "SubmitReport", {{"request_id", rid}, {"id", id}},
              clerk);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Json()["state"], "REPORT_STATE_SUBMITTED");
  EXPECT_EQ(ApiCall(port(), std::string(kReporting) + "SubmitReport",
                    {{"request_id", rid}, {"id", id}}, clerk)
                .Json()["version"],
            a.Json()["version"]);

  // The same report through the gateway and straight over gRPC.
  auto stub = rpb::ReportingService::NewStub(reporting_->Channel());
  rpb::GetReportRequest get;
  get.set_id(id);
  rpb::Report direct;
  ASSERT_TRUE(stub->GetReport(ContextFor(TokenFor("li.bianji")).get(), get, &direct).ok());
  a = ApiCall(port(), std::string(kReporting) + "GetReport", {{"id", id}}, SignIn("li.bianji"));
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Json()["version"], std::to_string(direct.version()));  // int64 as a string
  EXPECT_EQ(a.Json()["author"], direct.author());
  EXPECT_EQ(a.Json()["body"], direct.body());

  // 张书记 instructs; supervision opens the item, visible to 赵督查 through the gateway.
  a = ApiCall(port(), std::string(kReporting) + "IssueInstruction",
              {{"request_id", NewUuid()},
               {"instruction",
                {{"report_id", id},
                 {"text", "请区水利局牵头核查水质。"},
                 {"directed_units", {"430204/slj"}},
                 {"due_date", "2026-12-31"}}}},
              SignIn("zhang.shuji"));
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string instruction = a.Json()["id"];
  const std::string supervisor = SignIn("zhao.ducha");
  EXPECT_TRUE(Eventually([&] {
    const json items =
        ApiCall(port(), std::string(kSupervision) + "ListItems", json::object(), supervisor)
            .Json()["items"];
    for (const auto& item : items) {
      if (item["source_ref"] == instruction) return true;
    }
    return false;
  })) << supervision_->Log();
}

TEST_F(GatewayTest, TheServicesRulesHoldThroughTheGateway) {
  // Negative information: its author and the editor see it, a unit handler does not.
  const std::string clerk = SignIn("wang.xinxi");
  json r = ApiCall(port(), std::string(kReporting) + "CreateReport",
                   {{"request_id", NewUuid()},
                    {"report",
                     {{"title", "某小区群体性上访苗头"},
                      {"kind", "REPORT_KIND_PUBLIC_OPINION"},
                      {"sensitivity", "SENSITIVITY_NEGATIVE"}}}},
                   clerk)
               .Json();
  const std::string id = r["id"];
  ASSERT_EQ(ApiCall(port(), std::string(kReporting) + "SubmitReport",
                    {{"request_id", NewUuid()}, {"id", id}}, clerk)
                .status,
            200);
  EXPECT_EQ(
      ApiCall(port(), std::string(kReporting) + "GetReport", {{"id", id}}, SignIn("li.bianji"))
          .status,
      200);
  const HttpAnswer hidden =
      ApiCall(port(), std::string(kReporting) + "GetReport", {{"id", id}}, SignIn("chen.shuili"));
  EXPECT_TRUE(hidden.status == 404 || hidden.status == 403) << hidden.status << hidden.body;
  const json listed = ApiCall(port(), std::string(kReporting) + "ListReports", json::object(),
                              SignIn("chen.shuili"))
                          .Json();
  for (const auto& rep : listed["reports"]) EXPECT_NE(rep["id"], id);
  // Another county's clerk does not see it either.
  const HttpAnswer other =
      ApiCall(port(), std::string(kReporting) + "GetReport", {{"id", id}}, SignIn("ma.xinxi"));
  EXPECT_TRUE(other.status == 404 || other.status == 403) << other.status << other.body;
  EXPECT_EQ(other.body.find("上访"), std::string::npos);
}

TEST_F(GatewayTest, ErrorsArriveAsHttpStatusesWithTheServicesMessage) {
  const std::string clerk = SignIn("wang.xinxi");
  // Validation: 400, the code and the service's message naming the field.
  HttpAnswer a = ApiCall(port(), std::string(kReporting) + "CreateReport",
                         {{"request_id", NewUuid()}, {"report", {{"title", ""}}}}, clerk);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.Json()["code"], "INVALID_ARGUMENT");
  EXPECT_NE(a.Json()["message"].get<std::string>().find("title"), std::string::npos) << a.body;
  EXPECT_EQ(a.Json()["trace_id"], a.Header("x-zs-trace-id"));
  // Not found.
  a = ApiCall(port(), std::string(kReporting) + "GetReport", {{"id", "430204-r-nosuch"}}, clerk);
  EXPECT_EQ(a.status, 404) << a.body;
  EXPECT_EQ(a.Json()["code"], "NOT_FOUND");
  // Not allowed: a clerk cannot instruct, even on a well-formed request.
  const std::string report = ApiCall(port(), std::string(kReporting) + "CreateReport",
                                     {{"request_id", NewUuid()},
                                      {"report",
                                       {{"title", "雨污管网排查"},
                                        {"kind", "REPORT_KIND_DYNAMIC"},
                                        {"sensitivity", "SENSITIVITY_INTERNAL"}}}},
                                     clerk)
                                 .Json()["id"];
  a = ApiCall(port(), std::string(kReporting) + "IssueInstruction",
              {{"request_id", NewUuid()},
               {"instruction",
                {{"report_id", report},
                 {"text", "请核查。"},
                 {"directed_units", {"430204/slj"}},
                 {"due_date", "2026-12-31"}}}},
              clerk);
  EXPECT_EQ(a.status, 403) << a.body;
  EXPECT_EQ(a.Json()["code"], "PERMISSION_DENIED");
  // A body that is not the request: 400 naming the field, nothing sent on.
  a = ApiCall(port(), std::string(kReporting) + "CreateReport", {{"report", {{"titel", "x"}}}},
              clerk);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.Json()["message"].get<std::string>().find("titel"), std::string::npos) << a.body;
  a = HttpRequest(port(), "POST", std::string("/api/") + kReporting + "ListReports", "{not json",
                  {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + clerk}});
  EXPECT_EQ(a.status, 400);
  a = HttpRequest(port(), "POST", std::string("/api/") + kReporting + "ListReports", "id=1",
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Authorization", "Bearer " + clerk}});
  EXPECT_EQ(a.status, 415);
  // Unknown methods and the wrong verb.
  a = ApiCall(port(), std::string(kReporting) + "DropAllReports", json::object(), clerk);
  EXPECT_EQ(a.status, 404);
  EXPECT_NE(a.Json()["message"].get<std::string>().find("DropAllReports"), std::string::npos);
  a = HttpRequest(port(), "GET", std::string("/api/") + kReporting + "ListReports");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.Header("allow"), "POST");
  // The API's list: every service the gateway answers for.
  const json api = HttpRequest(port(), "GET", "/api").Json();
  std::set<std::string> services;
  for (const auto& s : api["services"]) services.insert(s["name"]);
  EXPECT_EQ(services.count("zhongshu.coordination.v1.DutyService"), 1u);
  EXPECT_EQ(services.count("zhongshu.proposals.v1.ProposalsService"), 1u);
}

TEST_F(GatewayTest, EveryApiCallNeedsAValidToken) {
  const json body{{"id", "430204-r-1"}};
  HttpAnswer a = ApiCall(port(), std::string(kReporting) + "GetReport", body, "");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(ApiCall(port(), std::string(kReporting) + "GetReport", body, "garbage").status, 401);
  const auto now = SystemClock::Get()->Now();
  const std::string expired = *auth::IssueHs256(
      kDevSecret, auth::Principal{"wang.xinxi", "", "430204", "430204/qtt", {"clerk"}},
      now - std::chrono::hours(2), std::chrono::hours(1));
  EXPECT_EQ(ApiCall(port(), std::string(kReporting) + "GetReport", body, expired).status, 401);
  const std::string forged =
      *auth::IssueHs256("another-key", auth::Principal{"admin", "", "430000", "", {"leader"}}, now,
                        std::chrono::hours(1));
  EXPECT_EQ(ApiCall(port(), std::string(kReporting) + "GetReport", body, forged).status, 401);
  // A token for a unit of another tenant is refused by the org check.
  const std::string inconsistent = *auth::IssueHs256(
      kDevSecret, auth::Principal{"wang.xinxi", "", "430203", "430204/qtt", {"clerk"}}, now,
      std::chrono::hours(1));
  EXPECT_EQ(ApiCall(port(), std::string(kReporting) + "GetReport", body, inconsistent).status, 401);
  EXPECT_EQ(HttpRequest(port(), "GET", "/auth/me").status, 401);
  // The sign-in knows only the org tree's people.
  a = HttpRequest(port(), "POST", "/auth/dev-sign-in", R"({"user":"nobody"})");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.Json()["message"].get<std::string>().find("nobody"), std::string::npos);
  EXPECT_EQ(HttpRequest(port(), "POST", "/auth/dev-sign-in", "[]").status, 400);
}

TEST_F(GatewayTest, MeNamesThePersonAndOnlyThePartOfTheOrgTreeTheyMaySee) {
  const json me = HttpRequest(port(), "GET", "/auth/me", "",
                              {{"Authorization", "Bearer " + SignIn("chen.shuili")}})
                      .Json();
  EXPECT_EQ(me["user"]["name"], "陈水利");
  EXPECT_EQ(me["user"]["unit_name"], "区水利局");
  EXPECT_EQ(me["user"]["roles"], json::array({"unit_handler"}));
  std::set<std::string> tenants;
  for (const auto& t : me["org"]["tenants"]) tenants.insert(t["code"]);
  // 石峰区 and the city and province above it; not the neighbouring district.
  EXPECT_EQ(tenants, (std::set<std::string>{"430000", "430200", "430204"}));
  for (const auto& u : me["org"]["units"]) EXPECT_NE(u["tenant"], "430203") << u;
  bool leader_listed = false;
  for (const auto& u : me["org"]["users"]) {
    EXPECT_NE(u["tenant"], "430203") << u;
    // With their roles in the caller's county, so that pages offer only who can take a part;
    // not the roles of the offices above.
    if (u["id"] == "xie.fushuji") leader_listed = u["roles"] == json::array({"leader"});
    if (u["tenant"] != "430204") EXPECT_FALSE(u.contains("roles")) << u;
  }
  EXPECT_TRUE(leader_listed);
  // The demo users for the sign-in page, with names.
  const json users = HttpRequest(port(), "GET", "/auth/dev-users").Json()["users"];
  EXPECT_GT(users.size(), 10u);
}

TEST_F(GatewayTest, TheTraceIdIsPassedOnToTheServiceAndBack) {
  const std::string trace_id = trace::NewTraceId();
  const HttpAnswer a =
      HttpRequest(port(), "POST", std::string("/api/") + kReporting + "ListReports", "{}",
                  {{"Content-Type", "application/json"},
                   {"Authorization", "Bearer " + SignIn("li.bianji")},
                   {"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Header("x-zs-trace-id"), trace_id);
  EXPECT_TRUE(Eventually([&] {
    return reporting_->Log().find("\"trace_id\":\"" + trace_id + "\"") != std::string::npos;
  })) << reporting_->Log();
  EXPECT_NE(gateway_->Log().find(trace_id), std::string::npos);
  // No traceparent: the gateway starts a trace.
  const HttpAnswer b =
      ApiCall(port(), std::string(kReporting) + "ListReports", json::object(), SignIn("li.bianji"));
  EXPECT_TRUE(trace::IsTraceId(b.Header("x-zs-trace-id"))) << b.Header("x-zs-trace-id");
}

TEST_F(GatewayTest, OversizedBodiesAreRefusedWithoutReachingTheService) {
  const std::string big(100000, 'x');
  HttpAnswer a = HttpRequest(
      port(), "POST", std::string("/api/") + kReporting + "CreateReport",
      "{\"report\":{\"body\":\"" + big + "\"}}",
      {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + SignIn("wang.xinxi")}});
  EXPECT_EQ(a.status, 413) << a.body;
  EXPECT_EQ(a.Json()["code"], "RESOURCE_EXHAUSTED");
  EXPECT_NE(a.Json()["message"].get<std::string>().find("65536"), std::string::npos) << a.body;
  // The gateway still answers.
  EXPECT_EQ(HttpRequest(port(), "GET", "/healthz").status, 200);
}

TEST_F(GatewayTest, AServiceThatIsDownIsNamedWhileTheOthersAnswer) {
  const HttpAnswer a = ApiCall(port(), "zhongshu.coordination.v1.MattersService/ListMatters",
                               json::object(), SignIn("huang.zhuren"));
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(a.Json()["code"], "UNAVAILABLE");
  EXPECT_NE(a.Json()["message"].get<std::string>().find("coordination service at 127.0.0.1:"),
            std::string::npos)
      << a.body;
  EXPECT_EQ(
      ApiCall(port(), std::string(kReporting) + "ListReports", json::object(), SignIn("li.bianji"))
          .status,
      200);
  const json ready = HttpRequest(port(), "GET", "/readyz").Json();
  EXPECT_EQ(ready["status"], "SERVING");
  EXPECT_EQ(ready["upstreams"]["reporting"]["status"], "SERVING");
  EXPECT_EQ(ready["upstreams"]["coordination"]["status"], "UNAVAILABLE");
}

TEST_F(GatewayTest, PublicRepliesAreReadableWithoutSigningInAndNothingElseIs) {
  namespace ppb = zhongshu::proposals::v1;
  auto stub = ppb::ProposalsService::NewStub(proposals_->Channel());
  // Two proposals answered by 水利局: one reply public, one marked not public.
  std::vector<std::string> ids;
  for (const bool not_public : {false, true}) {
    auto p = SubmitProposal(*stub, "zheng.weiyuan", "十届三次",
                            not_public ? "关于水源地保护的提案" : "关于二次供水设施改造的提案");
    RegisterProposal(*stub, p.id());
    AssignSole(*stub, p.id(), "430204/slj");
    SignAs(*stub, "chen.shuili", p.id());
    ContactAs(*stub, "chen.shuili", p.id());
    ReplyAs(*stub, "chen.shuili", p.id(), ppb::REPLY_CLASS_A,
            not_public ? "涉及水源地坐标，不予公开。" : "已完成12个小区二次供水设施改造。",
            not_public);
    ids.push_back(p.id());
  }
  HttpAnswer a = HttpRequest(port(), "GET", "/api/public/replies?tenant=430204");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("已完成12个小区二次供水设施改造。"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("区水利局"), std::string::npos);
  EXPECT_EQ(a.body.find("不予公开"), std::string::npos) << a.body;
  // Another county's list does not have them; an unknown office is a clear 400.
  a = HttpRequest(port(), "GET", "/api/public/replies?tenant=430203");
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body.find("二次供水"), std::string::npos);
  a = HttpRequest(port(), "GET", "/api/public/replies?tenant=999999");
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.Json()["message"].get<std::string>().find("tenant"), std::string::npos);
  // Under RS256 the gateway reads with one token issued for the whole deployment (here: the
  // province, no role at all); the office asked about still narrows the list to that county.
  const std::string token_file = dir_->path() + "/public-token";
  std::ofstream(token_file) << *auth::IssueHs256(
      kDevSecret, auth::Principal{"svc:public", "gateway", "430000", "", {}},
      SystemClock::Get()->Now(), std::chrono::hours(1));
  auto env = GatewayEnv();
  env["ZS_PUBLIC_TOKEN_FILE"] = token_file;
  ServiceProcess province("gateway", ZS_GATEWAY_BIN, redis_->address(),
                          dir_->path() + "/gateway-province", env);
  province.Start();
  a = HttpRequest(province.port(), "GET", "/api/public/replies?tenant=430204");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("已完成12个小区二次供水设施改造。"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("不予公开"), std::string::npos) << a.body;
  a = HttpRequest(province.port(), "GET", "/api/public/replies?tenant=430203");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body.find("二次供水"), std::string::npos) << a.body;
  province.Stop();
  // A token that reads more than the public may (here a leader's) is refused at start.
  std::ofstream(token_file, std::ios::trunc) << *auth::IssueHs256(
      kDevSecret, auth::Principal{"zhang.shuji", "张书记", "430204", "430204/qwb", {"leader"}},
      SystemClock::Get()->Now(), std::chrono::hours(1));
  Process wrong(ZS_GATEWAY_BIN, {"--config=" + SourceDir() + "/deploy/local/gateway.yaml"}, env,
                dir_->path() + "/gateway-wrong-token.log");
  wrong.Start();
  EXPECT_EQ(wrong.WaitExit(std::chrono::seconds(10)), 2);
  EXPECT_NE(wrong.Log().find("public.token_file"), std::string::npos) << wrong.Log();
  // The offices, for the page's choice; the proposals themselves stay behind a token.
  EXPECT_GE(HttpRequest(port(), "GET", "/api/public/tenants").Json()["tenants"].size(), 5u);
  EXPECT_EQ(
      ApiCall(port(), "zhongshu.proposals.v1.ProposalsService/GetProposal", {{"id", ids[1]}}, "")
          .status,
      401);
}

// Runs `command` and returns what it printed ("" when it failed).
std::string Output(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  return pclose(p) == 0 ? out : "";
}

TEST_F(GatewayTest, ANoticeIsAnA4OfficialDocumentAndTheLedgerAnExcelFile) {
  // A task with a card-worthy story is not needed: the notice states each unit's figures.
  const std::string supervisor = SignIn("zhao.ducha");
  HttpAnswer a = ApiCall(port(), std::string(kSupervision) + "PublishNotice",
                         {{"request_id", NewUuid()}, {"period", "2026-12"}, {"provisional", true}},
                         supervisor);
  ASSERT_EQ(a.status, 200) << a.body;
  const std::string id = a.Json()["id"];
  const std::string title = a.Json()["title"];
  const std::string trace_id = trace::NewTraceId();
  a = HttpRequest(port(), "GET", "/documents/notice/" + id + ".pdf", "",
                  {{"Authorization", "Bearer " + supervisor},
                   {"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  ASSERT_EQ(a.status, 200) << a.body;
  // The document's read of the notice carries the caller's trace to the service.
  EXPECT_EQ(a.Header("x-zs-trace-id"), trace_id);
  EXPECT_TRUE(Eventually([&] { return supervision_->Log().find(trace_id) != std::string::npos; }))
      << supervision_->Log();
  EXPECT_EQ(a.Header("content-type"), "application/pdf");
  EXPECT_NE(a.Header("content-disposition").find("filename*=UTF-8''"), std::string::npos);
  const std::string file = dir_->path() + "/notice.pdf";
  std::ofstream(file, std::ios::binary) << a.body;
  const std::string info = Output("pdfinfo " + file);
  ASSERT_FALSE(info.empty()) << "pdfinfo (poppler-utils) could not read the PDF";
  EXPECT_NE(info.find("A4"), std::string::npos) << info;
  const int pages = std::stoi(info.substr(info.find("Pages:") + 6));
  ASSERT_GE(pages, 1);
  // Page by page: the red header, number and title on the first; every page numbered; the
  // imprint (版记) on the last.
  for (int p = 1; p <= pages; ++p) {
    std::string text = Output("pdftotext -f " + std::to_string(p) + " -l " + std::to_string(p) +
                              " " + file + " -");
    // Lines wrap where the page does: read the page as one run of text.
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
    if (p == 1) {
      EXPECT_NE(text.find("督查通报"), std::string::npos) << text;
      EXPECT_NE(text.find("第"), std::string::npos);
      EXPECT_NE(text.find("督查督办事项办理情况通报如下"), std::string::npos) << text;
    }
    EXPECT_NE(text.find("—" + std::to_string(p) + "—"), std::string::npos) << text;
    if (p == pages) EXPECT_NE(text.find("印发"), std::string::npos) << text;
  }
  const std::string whole = Output("pdftotext " + file + " -");
  EXPECT_NE(whole.find(title.substr(0, 15)), std::string::npos);
  // Issued by the county that published it, whoever prints it: the city's editor downloads the
  // same county notice, signed and printed by 石峰区委办公室, never by the city's office.
  a = HttpRequest(port(), "GET", "/documents/notice/" + id + ".pdf", "",
                  {{"Authorization", "Bearer " + SignIn("qian.shiwei")}});
  ASSERT_EQ(a.status, 200) << a.body;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << a.body;
  std::string city = Output("pdftotext " + file + " -");
  std::erase_if(city, [](char c) { return c == ' ' || c == '\n'; });
  EXPECT_NE(city.find("石峰区委办公室"), std::string::npos) << city;
  EXPECT_EQ(city.find("株洲市委办公室"), std::string::npos) << city;

  // The ledger: a real .xlsx (a zip) with the caller's items.
  a = HttpRequest(port(), "GET", "/exports/ledger.xlsx", "",
                  {{"Authorization", "Bearer " + supervisor}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Header("content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(a.body.substr(0, 2), "PK");
  // Without a token, nothing; a document that does not exist is the service's 404.
  EXPECT_EQ(HttpRequest(port(), "GET", "/exports/ledger.xlsx").status, 401);
  EXPECT_EQ(HttpRequest(port(), "GET", "/documents/notice/430204-n-nosuch.pdf", "",
                        {{"Authorization", "Bearer " + supervisor}})
                .status,
            404);
  EXPECT_EQ(HttpRequest(port(), "GET", "/documents/memo/x.pdf", "",
                        {{"Authorization", "Bearer " + supervisor}})
                .status,
            404);
}

TEST_F(GatewayTest, TheConsolesFilesAreServedAndItsRoutesLoadThePage) {
  HttpAnswer a = HttpRequest(port(), "GET", "/");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("<title>中枢</title>"), std::string::npos);
  EXPECT_EQ(a.Header("cache-control"), "no-cache");
  EXPECT_NE(a.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  a = HttpRequest(port(), "GET", "/supervision/items/430204-i-1");  // a route of the app
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("中枢"), std::string::npos);
  a = HttpRequest(port(), "GET", "/assets/app-1a2b.js");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.Header("content-type").find("javascript"), std::string::npos);
  EXPECT_NE(a.Header("cache-control").find("immutable"), std::string::npos);
  EXPECT_EQ(HttpRequest(port(), "GET", "/assets/missing.js").status, 404);
  // Nothing outside the console's folder.
  for (const std::string p : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"}) {
    a = HttpRequest(port(), "GET", p);
    EXPECT_EQ(a.body.find("not for the web"), std::string::npos) << p;
  }
  EXPECT_EQ(HttpRequest(port(), "DELETE", "/").status, 405);
}

// A connection kept alive after one answered request (its socket; -1 when that failed).
int KeptAliveConnection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return -1;
  }
  std::string got;
  char buf[4096];
  while (got.find("\"ok\"}") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return -1;
    got.append(buf, static_cast<size_t>(n));
  }
  return fd;
}

TEST_F(GatewayTest, IdleKeptAliveConnectionsDoNotShutOutTheNextBrowser) {
  // Two workers, both held by browsers' idle connections: the next request is answered once the
  // idle ones time out (a short keep-alive), not a minute later.
  auto env = GatewayEnv();
  env["ZS_HTTP_THREADS"] = "2";
  env["ZS_HTTP_KEEP_ALIVE_TIMEOUT"] = "300ms";
  ServiceProcess small("gateway", ZS_GATEWAY_BIN, redis_->address(),
                       dir_->path() + "/gateway-small", env);
  small.Start();
  const int a = KeptAliveConnection(small.port());
  const int b = KeptAliveConnection(small.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(HttpRequest(small.port(), "GET", "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ::close(a);
  ::close(b);
}

TEST_F(GatewayTest, TheDevelopmentSignInIsOffUnlessConfiguredAndRefusedWithProductionKeys) {
  auto env = GatewayEnv();
  env["ZS_CONSOLE_DEV_SIGN_IN"] = "false";
  ServiceProcess off("gateway", ZS_GATEWAY_BIN, redis_->address(), dir_->path() + "/gateway-off",
                     env);
  off.Start();
  EXPECT_EQ(HttpRequest(off.port(), "POST", "/auth/dev-sign-in", R"({"user":"admin"})").status,
            404);
  EXPECT_EQ(HttpRequest(off.port(), "GET", "/auth/dev-users").status, 404);
  off.Stop();

  // RS256 (production keys) with the development sign-in on: refused at start, naming the key.
  env["ZS_CONSOLE_DEV_SIGN_IN"] = "true";
  env["ZS_AUTH_ALGORITHM"] = "RS256";
  env["ZS_AUTH_RS256_PUBLIC_KEY_FILE"] = SourceDir() + "/tests/data/does-not-exist.pem";
  Process bad(ZS_GATEWAY_BIN, {"--config=" + SourceDir() + "/deploy/local/gateway.yaml"}, env,
              dir_->path() + "/gateway-bad.log");
  bad.Start();
  EXPECT_EQ(bad.WaitExit(std::chrono::seconds(10)), 2);
  EXPECT_NE(bad.Log().find("console.dev_sign_in"), std::string::npos) << bad.Log();
}

TEST_F(GatewayTest, ADevelopmentTokenLastsTheConfiguredTime) {
  auto env = GatewayEnv();
  env["ZS_CONSOLE_DEV_TOKEN_TTL"] = "90m";
  ServiceProcess gw("gateway", ZS_GATEWAY_BIN, redis_->address(), dir_->path() + "/gateway-ttl",
                    env);
  gw.Start();
  const TimePoint before = SystemClock::Get()->Now();
  const HttpAnswer a =
      HttpRequest(gw.port(), "POST", "/auth/dev-sign-in", R"({"user":"wang.xinxi"})",
                  {{"Content-Type", "application/json"}});
  ASSERT_EQ(a.status, 200) << a.body;
  // The token itself says so, not only the answer: it verifies 89 minutes on, not 91 minutes on
  // (past the verifier's 30 s leeway).
  const std::string token = a.Json()["token"];
  FakeClock clock(before + std::chrono::minutes(89));
  auto verifier = auth::TokenVerifier::Create({.algorithm = "HS256", .key = kDevSecret}, &clock);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify(token).ok());
  clock.Set(before + std::chrono::minutes(91));
  EXPECT_EQ((*verifier)->Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(a.Json()["expires_at"].get<std::string>().empty());
  // A user who is not in the org tree gets no token.
  EXPECT_EQ(HttpRequest(gw.port(), "POST", "/auth/dev-sign-in", R"({"user":"nobody"})",
                        {{"Content-Type", "application/json"}})
                .status,
            400);
}

TEST_F(GatewayTest, OnSigtermItIsNotReadyButStillAnswersUntilTheGraceEnds) {
  auto env = GatewayEnv();
  env["ZS_HTTP_SHUTDOWN_GRACE"] = "8s";
  ServiceProcess gw("gateway", ZS_GATEWAY_BIN, redis_->address(), dir_->path() + "/gateway-grace",
                    env);
  gw.Start();
  ASSERT_EQ(HttpRequest(gw.port(), "GET", "/readyz").status, 200);
  const std::string token = SignIn("li.bianji");
  gw.Signal(SIGTERM);
  // The load balancer stops sending new work; what is in flight or already routed still works.
  EXPECT_TRUE(Eventually([&] { return HttpRequest(gw.port(), "GET", "/readyz").status == 503; }));
  EXPECT_EQ(HttpRequest(gw.port(), "GET", "/healthz").status, 200);
  const HttpAnswer a =
      ApiCall(gw.port(), std::string(kReporting) + "ListReports", json::object(), token);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(gw.WaitExit(std::chrono::seconds(20)), 0) << gw.Log();
}

}  // namespace
}  // namespace zs::testing

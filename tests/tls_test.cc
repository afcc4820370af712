// The four services over TLS, with the real binaries: every service answers over TLS; reporting
// and supervision require client certificates (mutual TLS) and refuse a client without one, with
// one from another CA, or in plaintext; supervision reads instructions back from reporting with
// its own certificate; events flow through a Redis that requires an ACL user's password; a
// rotated certificate is served without a restart; probes use a plaintext port that serves only
// health; a certificate path that does not exist stops start-up naming the key. The token key and
// an upstream token are read from files, as mounted secrets are.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "rpc/tls.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace cpb = zhongshu::coordination::v1;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

void Run(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " 2>/dev/null").c_str()), 0) << cmd;
}

// A CA and certificates signed by it (P-256 keys), made with the openssl command.
class Pki {
 public:
  Pki(std::string dir, const std::string& ca_name) : dir_(std::move(dir)) {
    Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
        dir_ + "/ca.key -out " + dir_ + "/ca.crt -days 2 -subj '/CN=" + ca_name + "'");
  }
  std::string ca() const { return dir_ + "/ca.crt"; }
  // Writes <name>.crt and <name>.key; server certificates name localhost and 127.0.0.1.
  void Issue(const std::string& name, const std::string& cn) {
    const std::string base = dir_ + "/" + name;
    std::ofstream(base + ".ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + base +
        ".key.new -out " + base + ".csr -subj '/CN=" + cn + "'");
    Run("openssl x509 -req -in " + base + ".csr -CA " + dir_ + "/ca.crt -CAkey " + dir_ +
        "/ca.key -CAcreateserial -days 2 -extfile " + base + ".ext -out " + base + ".crt.new");
    // Key then certificate, each replaced whole (a watcher never reads half a file).
    Run("mv " + base + ".key.new " + base + ".key && mv " + base + ".crt.new " + base + ".crt");
  }
  std::string cert(const std::string& name) const { return dir_ + "/" + name + ".crt"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  std::string dir_;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::filesystem::create_directories(dir_->path() + "/pki");
    std::filesystem::create_directories(dir_->path() + "/rogue");
    pki_ = new Pki(dir_->path() + "/pki", "Zhongshu test CA");
    pki_->Issue("server", "zhongshu services");
    pki_->Issue("client", "zhongshu client");
    rogue_ = new Pki(dir_->path() + "/rogue", "Another CA");
    rogue_->Issue("client", "zhongshu client");
    // Redis refuses the default user; the services use an ACL user limited to their streams.
    std::ofstream(dir_->path() + "/redis.password") << "s3cret-zhongshu\n";
    // Keys and tokens as mounted secrets: files, not values in the configuration.
    std::ofstream(dir_->path() + "/token.key") << kDevSecret << "\n";
    std::ofstream(dir_->path() + "/supervision.token")
        << TokenFor(auth::Principal{"svc:supervision", "supervision", "430204", "", {"service"}})
        << "\n";
    redis_ = new RedisServer({"--user", "default", "off", "--user", "zhongshu", "on",
                              ">s3cret-zhongshu", "~zs:*", "&*", "+@all"},
                             "zhongshu", "s3cret-zhongshu");
    health_port_ = FreePort();
    const std::map<std::string, std::string> common{
        {"ZS_GRPC_TLS_CERT_FILE", pki_->cert("server")},
        {"ZS_GRPC_TLS_KEY_FILE", pki_->key("server")},
        {"ZS_GRPC_TLS_REFRESH", "1s"},
        {"ZS_UPSTREAM_TLS_CA_FILE", pki_->ca()},
        {"ZS_UPSTREAM_TLS_CERT_FILE", pki_->cert("client")},
        {"ZS_UPSTREAM_TLS_KEY_FILE", pki_->key("client")},
        {"ZS_REDIS_USER", "zhongshu"},
        {"ZS_REDIS_PASSWORD_FILE", dir_->path() + "/redis.password"},
        {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
    };
    auto mutual = common;
    mutual["ZS_GRPC_TLS_CLIENT_CA_FILE"] = pki_->ca();
    auto reporting_env = mutual;
    reporting_env["ZS_GRPC_HEALTH_LISTEN"] = "127.0.0.1:" + std::to_string(health_port_);
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting", reporting_env);
    reporting_->Start();
    auto supervision_env = mutual;
    supervision_env["ZS_UPSTREAM_REPORTING_ADDRESS"] = reporting_->address();
    supervision_env["ZS_UPSTREAM_REPORTING_TOKEN_FILE"] = dir_->path() + "/supervision.token";
    supervision_ = new ServiceProcess("supervision", ZS_SUPERVISION_BIN, redis_->address(),
                                      dir_->path() + "/supervision", supervision_env);
    supervision_->Start();
    auto proposals_env = common;  // its token key from a file alone
    proposals_env["ZS_AUTH_HS256_SECRET"] = "";
    proposals_env["ZS_AUTH_HS256_SECRET_FILE"] = dir_->path() + "/token.key";
    proposals_ = new ServiceProcess("proposals", ZS_PROPOSALS_BIN, redis_->address(),
                                    dir_->path() + "/proposals", proposals_env);
    proposals_->Start();
    coordination_ = new ServiceProcess("coordination", ZS_COORDINATION_BIN, redis_->address(),
                                       dir_->path() + "/coordination", common);
    coordination_->Start();
  }
  static void TearDownTestSuite() {
    delete coordination_;
    delete proposals_;
    delete supervision_;
    delete reporting_;
    delete redis_;
    delete rogue_;
    delete pki_;
    delete dir_;
  }

  // A TLS channel verifying the services against our CA, with our client certificate or not.
  static std::shared_ptr<grpc::Channel> Tls(const ServiceProcess& p, bool with_cert = true) {
    rpc::ClientTls tls;
    tls.ca_file = pki_->ca();
    if (with_cert) {
      tls.cert_file = pki_->cert("client");
      tls.key_file = pki_->key("client");
    }
    return rpc::Dial(p.address(), tls);
  }
  static int Health(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = Health::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest req;
    HealthCheckResponse resp;
    const auto s = stub->Check(&ctx, req, &resp);
    return s.ok() ? resp.status() : -s.error_code();
  }

  static TempDir* dir_;
  static Pki* pki_;
  static Pki* rogue_;
  static RedisServer* redis_;
  static int health_port_;
  static ServiceProcess* reporting_;
  static ServiceProcess* supervision_;
  static ServiceProcess* proposals_;
  static ServiceProcess* coordination_;
};
TempDir* TlsTest::dir_ = nullptr;
Pki* TlsTest::pki_ = nullptr;
Pki* TlsTest::rogue_ = nullptr;
RedisServer* TlsTest::redis_ = nullptr;
int TlsTest::health_port_ = 0;
ServiceProcess* TlsTest::reporting_ = nullptr;
ServiceProcess* TlsTest::supervision_ = nullptr;
ServiceProcess* TlsTest::proposals_ = nullptr;
ServiceProcess* TlsTest::coordination_ = nullptr;

TEST_F(TlsTest, EveryServiceAnswersOverTls) {
  for (auto* p : {reporting_, supervision_, proposals_, coordination_}) {
    EXPECT_EQ(Health(Tls(*p)), HealthCheckResponse::SERVING) << p->Log();
  }
  {
    auto stub = rpb::ReportingService::NewStub(Tls(*reporting_));
    rpb::ListReportsRequest req;
    rpb::ListReportsResponse resp;
    EXPECT_TRUE(stub->ListReports(ContextFor(TokenFor("li.bianji")).get(), req, &resp).ok());
  }
  {
    auto stub = spb::SupervisionService::NewStub(Tls(*supervision_));
    spb::ListItemsRequest req;
    spb::ListItemsResponse resp;
    EXPECT_TRUE(stub->ListItems(ContextFor(TokenFor("zhao.ducha")).get(), req, &resp).ok());
  }
  {
    auto stub = ppb::ProposalsService::NewStub(Tls(*proposals_, false));
    ppb::ListProposalsRequest req;
    ppb::ListProposalsResponse resp;
    auto s = stub->ListProposals(ContextFor(TokenFor("wu.tian")).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  {
    auto stub = cpb::MattersService::NewStub(Tls(*coordination_, false));
    cpb::ListMattersRequest req;
    cpb::ListMattersResponse resp;
    auto s = stub->ListMatters(ContextFor(TokenFor("huang.zhuren")).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
}

TEST_F(TlsTest, MutualTlsRefusesAClientWithoutAValidCertificate) {
  for (auto* p : {reporting_, supervision_}) {
    EXPECT_EQ(Health(Tls(*p, false)), -grpc::StatusCode::UNAVAILABLE) << "no client certificate";
    rpc::ClientTls rogue;
    rogue.ca_file = pki_->ca();
    rogue.cert_file = rogue_->cert("client");
    rogue.key_file = rogue_->key("client");
    EXPECT_EQ(Health(rpc::Dial(p->address(), rogue)), -grpc::StatusCode::UNAVAILABLE)
        << "a certificate of another CA";
    EXPECT_EQ(Health(rpc::Dial(p->address(), {})), -grpc::StatusCode::UNAVAILABLE) << "plaintext";
    EXPECT_EQ(Health(Tls(*p)), HealthCheckResponse::SERVING);
  }
  // TLS without client certificates still refuses plaintext, and a server it cannot verify.
  EXPECT_EQ(Health(rpc::Dial(proposals_->address(), {})), -grpc::StatusCode::UNAVAILABLE);
  rpc::ClientTls other_ca;
  other_ca.ca_file = rogue_->ca();
  EXPECT_EQ(Health(rpc::Dial(proposals_->address(), other_ca)), -grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ProbesUseAPlaintextPortThatServesOnlyHealth) {
  auto channel = rpc::Dial("127.0.0.1:" + std::to_string(health_port_), {});
  EXPECT_EQ(Health(channel), HealthCheckResponse::SERVING);
  auto stub = rpb::ReportingService::NewStub(channel);
  rpb::ListReportsRequest req;
  rpb::ListReportsResponse resp;
  EXPECT_EQ(stub->ListReports(ContextFor(TokenFor("li.bianji")).get(), req, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(TlsTest, AnInstructionReachesSupervisionThroughTlsAndAPasswordProtectedRedis) {
  auto rstub = rpb::ReportingService::NewStub(Tls(*reporting_));
  auto sstub = spb::SupervisionService::NewStub(Tls(*supervision_));
  const auto report = SubmitReportAsClerk(*rstub, "加密传输下的积水点报告");
  const auto in =
      InstructAsLeader(*rstub, report.id(), {"430204/slj"}, "2026-12-31", "请区水利局核查。");
  // Supervision consumed the event from Redis (as the ACL user) and read the instruction back
  // from reporting over mutual TLS before it opened the item.
  EXPECT_TRUE(Eventually([&] { return !ItemsWithSource(*sstub, in.id()).empty(); }))
      << supervision_->Log() << reporting_->Log();
}

TEST_F(TlsTest, ARotatedCertificateIsServedWithoutARestart) {
  const auto common_name = [&] {
    auto stub = Health::NewStub(Tls(*proposals_));
    grpc::ClientContext ctx;
    HealthCheckRequest req;
    HealthCheckResponse resp;
    if (!stub->Check(&ctx, req, &resp).ok()) return std::string();
    const auto cn = ctx.auth_context()->FindPropertyValues("x509_common_name");
    return cn.empty() ? std::string() : std::string(cn[0].data(), cn[0].size());
  };
  ASSERT_EQ(common_name(), "zhongshu services");
  pki_->Issue("server", "zhongshu services renewed");
  EXPECT_TRUE(Eventually([&] { return common_name() == "zhongshu services renewed"; }))
      << proposals_->Log();
}

TEST_F(TlsTest, AMissingCertificateStopsStartUpNamingTheKey) {
  Process p(ZS_REPORTING_BIN, {"--config=" + SourceDir() + "/deploy/local/reporting.yaml"},
            {{"ZS_GRPC_TLS_CERT_FILE", dir_->path() + "/nowhere.crt"},
             {"ZS_GRPC_TLS_KEY_FILE", pki_->key("server")},
             {"ZS_DATA_DIR", dir_->path() + "/refused"},
             {"ZS_GRPC_LISTEN", "127.0.0.1:0"},
             {"ZS_METRICS_LISTEN", ""},
             {"ZS_ORG_FILE", SourceDir() + "/deploy/local/org.yaml"}},
            dir_->path() + "/refused.log");
  p.Start();
  EXPECT_EQ(p.WaitExit(std::chrono::seconds(20)), 2);
  EXPECT_NE(p.Log().find("grpc.tls"), std::string::npos) << p.Log();
  EXPECT_NE(p.Log().find("nowhere.crt"), std::string::npos) << p.Log();
}

}  // namespace
}  // namespace zs::testing

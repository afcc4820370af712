#include "harness/harness.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "auth/jwt.h"
#include "core/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "org/org.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "zs-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

Process::Process(std::string binary, std::vector<std::string> args,
                 std::map<std::string, std::string> env, std::string log_path)
    : binary_(std::move(binary)),
      args_(std::move(args)),
      env_(std::move(env)),
      log_path_(std::move(log_path)) {}

Process::~Process() {
  if (pid_ > 0) Kill();
}

void Process::Start() {
  if (pid_ > 0) throw std::runtime_error(binary_ + " is already running");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (!env_.count(kv.substr(0, kv.find('=')))) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv{binary_.data()};
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: its own process group so signals reach only it; stdout and stderr to the log.
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    FILE* log = fopen(log_path_.c_str(), "a");
    if (log != nullptr) {
      dup2(fileno(log), 1);
      dup2(fileno(log), 2);
    }
    if (run_as_ && (setgroups(0, nullptr) != 0 || setgid(run_as_->second) != 0 ||
                    setuid(run_as_->first) != 0)) {
      _exit(126);
    }
    execve(binary_.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

int Process::Stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

void Process::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void Process::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int Process::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string Process::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RedisServer::RedisServer(std::vector<std::string> extra_args, std::string user,
                         std::string password)
    : extra_args_(std::move(extra_args)),
      user_(std::move(user)),
      password_(std::move(password)),
      port_(FreePort()) {
  Start();
}

RedisServer::~RedisServer() { Stop(); }

void RedisServer::Launch() {
  const std::string data = dir_.path() + "/gen" + std::to_string(generation_);
  fs::create_directories(data);
  std::vector<std::string> args{"--port",        std::to_string(port_),
                                "--bind",        "127.0.0.1",
                                "--dir",         data,
                                "--appendonly",  "yes",
                                "--appendfsync", "always",
                                "--save",        "",
                                "--daemonize",   "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  process_ =
      std::make_unique<Process>(REDIS_SERVER_BIN, std::move(args),
                                std::map<std::string, std::string>{}, dir_.path() + "/redis.log");
  process_->Start();
  const bool up = Eventually([&] {
    auto c = events::RedisConnection::Connect("127.0.0.1", port_, std::chrono::milliseconds(200),
                                              std::chrono::milliseconds(500), user_, password_);
    if (!c.ok()) return false;
    auto r = (*c)->Command({"PING"});
    return r.ok() && r->str == "PONG";
  });
  if (!up) throw std::runtime_error("redis-server did not start: " + process_->Log());
}

void RedisServer::Start() {
  if (process_ && process_->running()) return;
  Launch();
}

void RedisServer::Stop() {
  if (process_) process_->Stop();
}

void RedisServer::RestartEmpty() {
  Stop();
  ++generation_;
  Launch();
}

std::unique_ptr<events::RedisConnection> RedisServer::Connect() const {
  auto c = events::RedisConnection::Connect("127.0.0.1", port_, std::chrono::milliseconds(1000),
                                            std::chrono::milliseconds(5000), user_, password_);
  if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
  return std::move(*c);
}

ServiceProcess::ServiceProcess(std::string name, std::string binary,
                               const std::string& redis_address, std::string data_dir,
                               std::map<std::string, std::string> extra_env, std::string instance)
    : name_(std::move(name)), data_dir_(std::move(data_dir)) {
  port_file_ = data_dir_ + "/" + instance + ".port";
  std::map<std::string, std::string> env{
      {"ZS_GRPC_LISTEN", "127.0.0.1:0"},
      {"ZS_GRPC_PORT_FILE", port_file_},
      // The gateway serves HTTP: the same port file (a service does not read these keys).
      {"ZS_HTTP_LISTEN", "127.0.0.1:0"},
      {"ZS_HTTP_PORT_FILE", port_file_},
      {"ZS_HTTP_SHUTDOWN_GRACE", "0s"},
      {"ZS_GRPC_DRAIN_TIMEOUT", "2s"},
      {"ZS_GRPC_SHUTDOWN_GRACE", "0s"},
      {"ZS_METRICS_LISTEN", "127.0.0.1:0"},
      {"ZS_DATA_DIR", data_dir_},
      {"ZS_REDIS_ADDRESS", redis_address},
      {"ZS_ORG_FILE", SourceDir() + "/deploy/local/org.yaml"},
      {"ZS_EVENTS_CONSUMER_NAME", name_ + "-" + instance},
      {"ZS_EVENTS_CLAIM_INTERVAL", "200ms"},
      {"ZS_EVENTS_CLAIM_MIN_IDLE", "500ms"},
      {"ZS_EVENTS_BLOCK", "200ms"},
  };
  for (auto& [k, v] : extra_env) env[k] = v;
  fs::create_directories(data_dir_);
  process_ = std::make_unique<Process>(
      std::move(binary),
      std::vector<std::string>{"--config=" + SourceDir() + "/deploy/local/" + name_ + ".yaml"},
      std::move(env), data_dir_ + "/" + name_ + "-" + instance + ".log");
}

ServiceProcess::~ServiceProcess() = default;

void ServiceProcess::Start() {
  std::error_code ec;
  fs::remove(port_file_, ec);
  process_->Start();
  const bool up = Eventually(
      [&] {
        std::ifstream in(port_file_);
        int port = 0;
        if (in >> port && port > 0) {
          port_ = port;
          return true;
        }
        return false;
      },
      std::chrono::seconds(20));
  if (!up) throw std::runtime_error(name_ + " did not start:\n" + process_->Log());
}

int ServiceProcess::Stop() { return process_->Stop(); }

void ServiceProcess::Kill() { process_->Kill(); }

std::shared_ptr<grpc::Channel> ServiceProcess::Channel() const {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), args);
}

std::string SourceDir() { return ZS_SOURCE_DIR; }

void ExpectEveryMethodNeedsAValidToken(const std::shared_ptr<grpc::Channel>& channel,
                                       const std::string& service_full_name) {
  const auto* svc =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  ASSERT_NE(svc, nullptr) << service_full_name;
  const auto now = SystemClock::Get()->Now();
  const std::string expired = *auth::IssueHs256(
      kDevSecret, auth::Principal{"wang.xinxi", "", "430204", "430204/qtt", {"clerk"}},
      now - std::chrono::hours(2), std::chrono::hours(1));
  const std::string forged =
      *auth::IssueHs256("some-other-secret-entirely",
                        auth::Principal{"admin", "", "430000", "", {"leader", "supervisor"}}, now,
                        std::chrono::hours(1));
  grpc::GenericStub generic(channel);
  auto call = [&](const std::string& method, const std::string& token) {
    auto ctx = ContextFor(token);
    grpc::Slice empty("");
    grpc::ByteBuffer req(&empty, 1), resp;
    std::promise<grpc::Status> done;
    generic.UnaryCall(ctx.get(), method, {}, &req, &resp,
                      [&](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  };
  EXPECT_GT(svc->method_count(), 0);
  for (int i = 0; i < svc->method_count(); ++i) {
    const std::string method = "/" + svc->full_name() + "/" + svc->method(i)->name();
    for (const std::string& token : {std::string(), std::string("garbage"), expired, forged}) {
      const auto s = call(method, token);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method << ": " << s.error_message();
    }
  }
  EXPECT_TRUE(call("/grpc.health.v1.Health/Check", "").ok());
}

std::string TokenFor(const auth::Principal& p) {
  auto t = auth::IssueHs256(kDevSecret, p, SystemClock::Get()->Now(), std::chrono::hours(1));
  if (!t.ok()) throw std::runtime_error("cannot issue token");
  return *t;
}

std::string TokenFor(const std::string& user) {
  static const org::OrgTree org = *org::OrgTree::LoadFile(SourceDir() + "/deploy/local/org.yaml");
  const org::User* u = org.FindUser(user);
  if (u == nullptr) throw std::runtime_error("no such dev user " + user);
  return TokenFor(auth::Principal{u->id, u->name, u->tenant, u->unit, u->roles});
}

::testing::AssertionResult HasCode(const grpc::Status& s, grpc::StatusCode code) {
  if (s.error_code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "status " << s.error_code() << " (expected " << code << "): " << s.error_message();
}

std::unique_ptr<grpc::ClientContext> ContextFor(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

namespace {

// Runs `sql` on the database file opened read-only and returns the first column of each row.
std::vector<std::optional<std::string>> QueryColumn(const std::string& db_path,
                                                    const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("query failed: " + sql);
  }
  std::vector<std::optional<std::string>> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    // Whole values, blobs with NUL bytes included.
    const auto* text = sqlite3_column_text(stmt, 0);
    out.emplace_back(text ? std::optional<std::string>(
                                std::string(reinterpret_cast<const char*>(text),
                                            static_cast<size_t>(sqlite3_column_bytes(stmt, 0))))
                          : std::nullopt);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

}  // namespace

int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  auto rows = QueryColumn(db_path, sql);
  if (rows.empty() || !rows[0]) throw std::runtime_error("no value from: " + sql);
  return std::stoll(*rows[0]);
}

std::vector<std::string> QueryStrings(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> out;
  for (auto& v : QueryColumn(db_path, sql)) out.push_back(v.value_or(""));
  return out;
}

std::vector<StreamEntry> ReadStream(events::RedisConnection& redis, const std::string& stream) {
  std::vector<StreamEntry> out;
  auto r = redis.Command({"XRANGE", stream, "-", "+"});
  if (!r.ok() || r->type != events::Reply::Type::kArray) return out;
  for (const auto& e : r->elements) {
    StreamEntry entry;
    entry.id = e.elements.at(0).str;
    const auto& kv = e.elements.at(1).elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].str == "event") entry.raw_event = kv[i + 1].str;
    }
    zhongshu::events::v1::Event ev;
    if (ev.ParseFromString(entry.raw_event)) {
      entry.type = ev.type();
      entry.event_id = ev.id();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = ContextFor("");
  if (!stub->Check(ctx.get(), req, &resp).ok()) return -1;
  return resp.status();
}

}  // namespace zs::testing

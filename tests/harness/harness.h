#pragma once

// Black-box test harness: real redis-server and real service binaries as child processes on
// free loopback ports, each with its own temporary directory.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "events/redis.h"

namespace zs::testing {

// A fresh temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A free TCP port on 127.0.0.1 (bound, read and released).
int FreePort();

// Polls `condition` until it holds or `timeout` passes. Waits on an outcome; never used to
// make a race come out right.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A child process with its stderr in a log file.
class Process {
 public:
  Process(std::string binary, std::vector<std::string> args, std::map<std::string, std::string> env,
          std::string log_path);
  ~Process();
  void Start();
  // SIGTERM and wait; returns the exit status as from waitpid.
  int Stop();
  // SIGKILL and wait.
  void Kill();
  // Waits for the process to exit by itself; returns the exit code, or -1 on timeout.
  int WaitExit(std::chrono::milliseconds timeout);
  // Sends `sig` without waiting.
  void Signal(int sig);
  // Runs the process as this user and group (set before Start(); needs root).
  void RunAs(uid_t uid, gid_t gid) { run_as_ = {uid, gid}; }
  bool running() const { return pid_ > 0; }
  std::map<std::string, std::string>& env() { return env_; }
  std::string Log() const;

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  std::string log_path_;
  std::optional<std::pair<uid_t, gid_t>> run_as_;
  pid_t pid_ = -1;
};

// A private redis-server with append-only persistence in its own directory.
class RedisServer {
 public:
  // `extra_args` go on redis-server's command line (e.g. ACL users); with `password`, the
  // harness's own connections authenticate (as `user` when given).
  explicit RedisServer(std::vector<std::string> extra_args = {}, std::string user = "",
                       std::string password = "");
  ~RedisServer();
  void Start();
  void Stop();
  // Stops it and starts it again on the same port with no data (a Redis that lost everything).
  void RestartEmpty();
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // A new connection (fails the test when Redis is not up).
  std::unique_ptr<events::RedisConnection> Connect() const;

 private:
  void Launch();
  TempDir dir_;
  std::vector<std::string> extra_args_;
  std::string user_, password_;
  int port_;
  int generation_ = 0;
  std::unique_ptr<Process> process_;
};

// A service binary run with the local config and environment overrides for ports, data and Redis.
// The gateway runs the same way: its HTTP port is port().
class ServiceProcess {
 public:
  // `name` is the service ("reporting"); data lives in `data_dir`. Replicas sharing a data_dir
  // need distinct `instance` names (their consumer names, port and log files).
  ServiceProcess(std::string name, std::string binary, const std::string& redis_address,
                 std::string data_dir, std::map<std::string, std::string> extra_env = {},
                 std::string instance = "test");
  ~ServiceProcess();
  // Starts and waits until the gRPC port is bound.
  void Start();
  int Stop();
  void Kill();
  int WaitExit(std::chrono::milliseconds timeout) { return process_->WaitExit(timeout); }
  void Signal(int sig) { process_->Signal(sig); }
  bool running() const { return process_->running(); }
  std::map<std::string, std::string>& env() { return process_->env(); }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> Channel() const;
  std::string db_path() const { return data_dir_ + "/" + name_ + ".db"; }
  std::string Log() const { return process_->Log(); }

 private:
  std::string name_;
  std::string data_dir_;
  std::string port_file_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// The dev HS256 secret of deploy/local/*.yaml.
constexpr char kDevSecret[] = "zhongshu-local-development-secret";

// A token for a user of deploy/local/org.yaml.
std::string TokenFor(const std::string& user);
std::string TokenFor(const auth::Principal& p);

// grpc.health.v1.Health/Check of `service` ("" for the whole server): 1 SERVING, 2 NOT_SERVING,
// -1 when the call failed.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

// Success when `s` has `code`; otherwise a failure showing the code and message. For
// EXPECT_TRUE(HasCode(stub->Call(...), ...)): the call is made once.
::testing::AssertionResult HasCode(const grpc::Status& s, grpc::StatusCode code);

// A client context carrying the token, with a 10 s deadline.
std::unique_ptr<grpc::ClientContext> ContextFor(const std::string& token);

// Calls every method of the gRPC service `service_full_name` without a token, with garbage, with
// an expired token and with one signed by another key, and expects UNAUTHENTICATED every time;
// then expects grpc.health.v1 to answer without a token. Reports failures through gtest.
void ExpectEveryMethodNeedsAValidToken(const std::shared_ptr<grpc::Channel>& channel,
                                       const std::string& service_full_name);

// Paths baked in at build time.
std::string SourceDir();

// Reads a single integer from the service's SQLite file (opened read-only).
int64_t QueryInt(const std::string& db_path, const std::string& sql);

// Reads the first column of every row as text.
std::vector<std::string> QueryStrings(const std::string& db_path, const std::string& sql);

// Stream entries: id and the "event" field parsed as an envelope type name + id.
struct StreamEntry {
  std::string id;
  std::string type;
  std::string event_id;
  std::string raw_event;
};
std::vector<StreamEntry> ReadStream(events::RedisConnection& redis, const std::string& stream);

}  // namespace zs::testing

#pragma once

// Test helpers for the relay and consumer tests (header only, not part of zs_libs): a private
// redis-server, a SQLite file database with the events tables, and bounded waits on conditions.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "events/outbox.h"
#include "events/redis.h"
#include "store/database.h"

namespace zs::events::testing {

// Polls `condition` every few milliseconds until it holds or `timeout` passes; true when it held.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A fresh directory under TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "zs-events-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A port on the loopback interface nobody listens on right now.
inline int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A redis-server child process without persistence, in its own temporary directory.
class RedisServer {
 public:
  RedisServer() : port_(FreeLoopbackPort()) {
    const std::string log = dir_.path() + "/redis.log";
    const std::vector<std::string> args{REDIS_SERVER_BIN,
                                        "--port",
                                        std::to_string(port_),
                                        "--bind",
                                        "127.0.0.1",
                                        "--dir",
                                        dir_.path(),
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--daemonize",
                                        "no",
                                        "--logfile",
                                        log};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // Goes with the test process, however that ends; logs to its file, not the test's output.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      const int devnull = ::open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        ::dup2(devnull, STDIN_FILENO);
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
      }
      ::execv(REDIS_SERVER_BIN, argv.data());
      std::_Exit(127);
    }
    const bool up = WaitFor([&] {
      auto c = RedisConnection::Connect("127.0.0.1", port_, std::chrono::milliseconds(100),
                                        std::chrono::milliseconds(500));
      if (!c.ok()) return false;
      auto r = (*c)->Command({"PING"});
      return r.ok() && r->str == "PONG";
    });
    if (!up) {
      Stop();
      throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
    }
  }
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }

  std::unique_ptr<RedisConnection> Connect() const {
    auto c = RedisConnection::Connect("127.0.0.1", port_, std::chrono::milliseconds(1000),
                                      std::chrono::milliseconds(5000));
    if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
    return std::move(*c);
  }

 private:
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

// A SQLite database file in `dir` with the events tables and the given test migrations.
inline std::unique_ptr<store::Database> OpenTestDatabase(
    const std::string& dir, const std::vector<store::Migration>& test_tables = {}) {
  auto db = store::OpenSqlite({.path = dir + "/test.db"});
  if (!db.ok()) throw std::runtime_error(std::string(db.status().message()));
  if (auto s = store::Migrate(**db, "events", OutboxMigrations()); !s.ok()) {
    throw std::runtime_error(std::string(s.message()));
  }
  if (!test_tables.empty()) {
    if (auto s = store::Migrate(**db, "test", test_tables); !s.ok()) {
      throw std::runtime_error(std::string(s.message()));
    }
  }
  return std::move(*db);
}

// The single integer a query returns (e.g. a COUNT), or -1 when it fails.
inline int64_t QueryInt(store::Database& db, const std::string& sql,
                        const std::vector<store::Param>& params = {}) {
  int64_t n = -1;
  auto s = db.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(sql, params);
    if (!rows.ok()) return rows.status();
    n = rows->empty() ? 0 : (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  return s.ok() ? n : -1;
}

// The entries of a stream as (id, fields) pairs, oldest first.
struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string Field(const std::string& name) const {
    for (const auto& [k, v] : fields) {
      if (k == name) return v;
    }
    return "";
  }
};

inline std::vector<StreamEntry> ReadStream(RedisConnection& redis, const std::string& stream) {
  std::vector<StreamEntry> out;
  auto r = redis.Command({"XRANGE", stream, "-", "+"});
  if (!r.ok() || r->type != Reply::Type::kArray) return out;
  for (const auto& e : r->elements) {
    StreamEntry entry{e.elements.at(0).str, {}};
    const auto& kv = e.elements.at(1).elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2)
      entry.fields.emplace_back(kv[i].str, kv[i + 1].str);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace zs::events::testing

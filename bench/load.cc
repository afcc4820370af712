// zs-load: drives a running service at a fixed concurrency and prints throughput and latency.
//
//   zs-load echo-server --port-file=F        serve the bare echo baseline (callback API)
//   zs-load echo --addr=A [...]              N concurrent clients calling Echo
//                                            (--client=sync|callback|threads, see below)
//   zs-load submit --addr=A [...]            N concurrent clients calling SubmitReport on drafts
//                                            they created beforehand (creation is not timed)
//   zs-load loop --addr=A --redis=H:P        the reporting -> supervision loop: instructions issued
//                                            in reporting until supervision has opened their items;
//                                            searches the maximum sustainable steady rate, then
//                                            runs at half of it for --seconds, reporting p50/p99
//   zs-load proposals --addr=A [...]         N concurrent clients each running --calls chains
//                                            CreateProposal (as a proposer) -> ReviewProposal
//                                            REGISTER -> AssignProposal (as the proposal office);
//                                            --assign=sole (to 430204/slj, default) or lead
//                                            (430204/slj leads, 430204/sthj co-handles)
//   zs-load seed-reports --addr=A --count=16 --out=F
//                                            create and submit reports; their ids to F
//   zs-load get-direct --addr=A --ids=F      N clients calling GetReport straight over gRPC
//   zs-load get-http --addr=GATEWAY --ids=F  the same GetReport through the gateway, HTTP/1.1 +
//                                            JSON, one keep-alive connection per client; both
//                                            get-* modes run one thread per client (as sync);
//                                            --quickack: ACK at once (see HttpConnection)
// Common flags: --concurrency=32 --calls=1000 (per client) --as=wang.xinxi
// --client: how the N clients are driven.
//   sync      (echo only, the default there) N threads, blocking calls on the synchronous stubs
//   callback  (the default for proposals) the callback API: N calls outstanding at any time, each
//             completion starting its client's next call on gRPC's own threads; no thread per
//             client
//   threads   the same calls as callback, but N threads each waiting for its call to complete
// Every client has its own channel (its own connection).
#include <grpcpp/grpcpp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "echo.grpc.pb.h"
#include "events/redis.h"
#include "org/org.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace {

namespace pb = zhongshu::reporting::v1;
namespace ppb = zhongshu::proposals::v1;
namespace bench = zhongshu::bench::v1;
using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> Flags(int argc, char** argv) {
  std::map<std::string, std::string> f;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    const auto eq = a.find('=');
    f[a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "true" : a.substr(eq + 1);
  }
  return f;
}

class EchoImpl final : public bench::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const bench::EchoRequest* req,
                                 bench::EchoResponse* resp) override {
    resp->set_id(req->id());
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

int ServeEcho(const std::map<std::string, std::string>& f) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  EchoImpl impl;
  int port = 0;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&impl);
  auto server = b.BuildAndStart();
  if (f.count("port-file")) std::ofstream(f.at("port-file")) << port << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  server->Shutdown();
  return 0;
}

struct Result {
  double seconds = 0;
  std::vector<double> latencies_ms;
  int errors = 0;
};

void Report(const std::string& name, int concurrency, Result& r) {
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  auto pct = [&](double p) {
    if (r.latencies_ms.empty()) return 0.0;
    return r.latencies_ms[std::min(r.latencies_ms.size() - 1,
                                   static_cast<size_t>(p * r.latencies_ms.size()))];
  };
  std::printf("%-14s concurrency=%d calls=%zu errors=%d  %.0f calls/s  p50=%.2f ms  p99=%.2f ms\n",
              name.c_str(), concurrency, r.latencies_ms.size(), r.errors,
              r.latencies_ms.size() / r.seconds, pct(0.50), pct(0.99));
  std::fflush(stdout);
}

// Runs `call(worker, i)` calls_per_worker times in each of `concurrency` threads.
template <typename Fn>
Result Drive(int concurrency, int calls_per_worker, Fn call) {
  std::vector<std::vector<double>> lat(concurrency);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int w = 0; w < concurrency; ++w) {
    threads.emplace_back([&, w] {
      lat[w].reserve(calls_per_worker);
      for (int i = 0; i < calls_per_worker; ++i) {
        const auto t0 = Clock::now();
        if (!call(w, i)) ++errors;
        lat[w].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : lat) r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  r.errors = errors;
  return r;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& addr, int i) {
  grpc::ChannelArguments args;
  args.SetInt("zs.channel", i);  // distinct channels: one connection per client, like real clients
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
}

std::string DevBearer(const std::map<std::string, std::string>& f, const std::string& user) {
  auto org = zs::org::OrgTree::LoadFile(f.count("org") ? f.at("org") : "deploy/local/org.yaml");
  if (!org.ok() || org->FindUser(user) == nullptr) {
    std::cerr << "zs-load: cannot find user " << user << " in the org file\n";
    std::exit(2);
  }
  const auto* u = org->FindUser(user);
  return "Bearer " + *zs::auth::IssueHs256(
                         f.count("secret") ? f.at("secret") : "zhongshu-local-development-secret",
                         {u->id, u->name, u->tenant, u->unit, u->roles},
                         zs::SystemClock::Get()->Now(), std::chrono::hours(2));
}

// Prints the first failed call's reason, once per process: when one client's calls all fail (its
// channel), the reason shows.
void FirstFailure(const std::string& what) {
  static std::once_flag once;
  std::call_once(once, [&] { std::cerr << "first error: " << what << "\n"; });
}
void FirstError(const grpc::Status& st) {
  FirstFailure(std::to_string(st.error_code()) + " " + st.error_message());
}

// CPU time (user + system) this process has used, in seconds: what the client itself costs.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- GetReport straight over gRPC and through the gateway (HTTP/1.1 + JSON) ----
// Both sides run on the same machinery: Drive's threads (one per client, one call at a time, each
// client on its own connection), timed and reported by TimedRun.

// Drive + Report, then the client process's own CPU over the run (cores, and µs per call) and
// the slowest call (a client kept waiting for its connection to be served shows there, not in p99).
template <typename Fn>
void TimedRun(const std::string& name, int concurrency, int calls_per_worker, Fn call) {
  const double cpu0 = CpuSeconds();
  Result r = Drive(concurrency, calls_per_worker, call);
  const double cpu = CpuSeconds() - cpu0;
  Report(name, concurrency, r);  // sorts the latencies
  std::printf("%-14s client_cpu=%.2f cores  %.1f us/call  max=%.2f ms\n", name.c_str(),
              cpu / r.seconds, r.latencies_ms.empty() ? 0.0 : cpu / r.latencies_ms.size() * 1e6,
              r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back());
  std::fflush(stdout);
}

// The report ids to read, one a line (written by `zs-load seed-reports`).
std::vector<std::string> ReadIds(const std::map<std::string, std::string>& f) {
  std::vector<std::string> ids;
  std::ifstream in(f.count("ids") ? f.at("ids") : "");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) ids.push_back(line);
  }
  if (ids.empty()) {
    std::cerr << "zs-load: --ids=FILE with report ids, one a line, is required\n";
    std::exit(2);
  }
  return ids;
}

// A minimal keep-alive HTTP/1.1 client on one TCP socket: writes a whole request, reads the status
// line, the headers and a Content-Length body, and keeps the connection for the next request. It
// connects on first use and again after the server closed (a failed call is not retried).
class HttpConnection {
 public:
  // quickack: acknowledge what arrives at once (TCP_QUICKACK before every read) instead of the
  // kernel's delayed ACK, which stalls ~40 ms a server that writes one answer in two segments with
  // Nagle's algorithm on (it holds the second until the first is acknowledged).
  HttpConnection(std::string host, int port, bool quickack)
      : host_(std::move(host)), port_(port), quickack_(quickack) {}
  ~HttpConnection() { Close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `request` and reads its answer: the status code (the body in *body), or -1 with *error
  // set when the connection failed or the answer is not HTTP/1.1 with a Content-Length.
  int RoundTrip(const std::string& request, std::string* body, std::string* error) {
    if (fd_ < 0 && !Connect(error)) return -1;
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return Fail(error, std::string("send: ") + std::strerror(errno));
      sent += static_cast<size_t>(n);
    }
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(error)) return -1;
    }
    // "HTTP/1.1 200 OK"
    if (buf_.compare(0, 9, "HTTP/1.1 ") != 0 || head_end < 12) {
      return Fail(error,
                  "not an HTTP/1.1 answer: " + buf_.substr(0, std::min<size_t>(head_end, 80)));
    }
    const int status = std::atoi(buf_.c_str() + 9);
    long length = -1;
    bool close = false;
    for (size_t line = buf_.find("\r\n") + 2; line < head_end;) {
      const size_t eol = buf_.find("\r\n", line);
      const size_t colon = buf_.find(':', line);
      if (colon < eol) {
        std::string name = buf_.substr(line, colon - line);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t v = colon + 1;
        while (v < eol && buf_[v] == ' ') ++v;
        if (name == "content-length") length = std::atol(buf_.c_str() + v);
        if (name == "connection" && buf_.compare(v, 5, "close") == 0) close = true;
      }
      line = eol + 2;
    }
    if (length < 0) return Fail(error, "an answer without Content-Length");
    const size_t total = head_end + 4 + static_cast<size_t>(length);
    while (buf_.size() < total) {
      if (!Fill(error)) return -1;
    }
    body->assign(buf_, head_end + 4, static_cast<size_t>(length));
    buf_.erase(0, total);
    if (close) Close();
    return status;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  bool Connect(std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &res) != 0 || !res) {
      *error = "cannot resolve " + host_;
      return false;
    }
    fd_ = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    const bool ok = fd_ >= 0 && ::connect(fd_, res->ai_addr, res->ai_addrlen) == 0;
    ::freeaddrinfo(res);
    if (!ok) {
      Fail(error, "connect " + host_ + ":" + std::to_string(port_) + ": " + std::strerror(errno));
      return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as gRPC does
    return true;
  }
  // Reads what has arrived into buf_; false (connection closed) on end of stream or an error.
  bool Fill(std::string* error) {
    char chunk[16384];
    if (quickack_) {
      const int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);  // Linux resets it; set again
    }
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      Fail(error, n == 0 ? "the server closed the connection"
                         : std::string("recv: ") + std::strerror(errno));
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int Fail(std::string* error, std::string what) {
    *error = std::move(what);
    Close();
    return -1;
  }

  std::string host_;
  int port_;
  bool quickack_;
  int fd_ = -1;
  std::string buf_;  // received and not yet consumed
};

// Creates and submits --count reports (as --as, default wang.xinxi) and writes their ids to --out.
int SeedReports(const std::map<std::string, std::string>& f, const std::string& addr) {
  const std::string token = DevBearer(f, f.count("as") ? f.at("as") : "wang.xinxi");
  const int count = f.count("count") ? std::stoi(f.at("count")) : 16;
  auto stub = pb::ReportingService::NewStub(Channel(addr, 0));
  std::ofstream out(f.count("out") ? f.at("out") : "/dev/stdout");
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token);
    pb::CreateReportRequest c;
    c.set_request_id(zs::NewUuid());
    c.mutable_report()->set_title("清水塘片区供水情况日报（压测 " + std::to_string(i) + "）");
    c.mutable_report()->set_body(
        "清水塘片区老旧供水管网漏损严重，夏季用水高峰时段部分小区水压不足。水利局已对主干管网"
        "进行排查，制定分年度改造计划；高峰时段启用临时加压设施，保障居民正常用水。");
    c.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
    c.mutable_report()->set_sensitivity(pb::SENSITIVITY_INTERNAL);
    pb::Report r;
    grpc::Status st = stub->CreateReport(&ctx, c, &r);
    if (st.ok()) {
      grpc::ClientContext ctx2;
      ctx2.AddMetadata("authorization", token);
      pb::SubmitReportRequest s;
      s.set_request_id(zs::NewUuid());
      s.set_id(r.id());
      st = stub->SubmitReport(&ctx2, s, &r);
    }
    if (!st.ok()) {
      std::cerr << "zs-load seed-reports: " << st.error_code() << " " << st.error_message() << "\n";
      return 1;
    }
    out << r.id() << "\n";
  }
  return 0;
}

// GetReport on the --ids in turn (client w's call i reads ids[(w + i) % n]), straight to the
// reporting service over gRPC (get-direct: a blocking stub on its own channel per client) or
// through the gateway (get-http: the same call as HTTP/1.1 + JSON, one keep-alive connection per
// client). A call counts as failed unless it answered OK (200) with the report asked for.
int RunGet(const std::map<std::string, std::string>& f, const std::string& mode,
           const std::string& addr, int concurrency, int calls) {
  const std::vector<std::string> ids = ReadIds(f);
  const std::string bearer = DevBearer(f, f.count("as") ? f.at("as") : "wang.xinxi");
  if (mode == "get-direct") {
    std::vector<std::unique_ptr<pb::ReportingService::Stub>> stubs;
    for (int w = 0; w < concurrency; ++w)
      stubs.push_back(pb::ReportingService::NewStub(Channel(addr, w)));
    TimedRun("GetReport grpc", concurrency, calls, [&](int w, int i) {
      const std::string& id = ids[(w + i) % ids.size()];
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", bearer);
      pb::GetReportRequest req;
      req.set_id(id);
      pb::Report resp;
      const grpc::Status st = stubs[w]->GetReport(&ctx, req, &resp);
      if (!st.ok()) {
        FirstError(st);
        return false;
      }
      if (resp.id() != id) {
        FirstFailure("asked for " + id + ", got " + resp.id());
        return false;
      }
      return true;
    });
    return 0;
  }
  std::string host;
  int port = 0;
  if (!zs::events::ParseAddress(addr, &host, &port).ok()) {
    std::cerr << "zs-load get-http: --addr=HOST:PORT\n";
    return 2;
  }
  // The whole request for each id, built once.
  std::vector<std::string> requests;
  for (const auto& id : ids) {
    const std::string body = "{\"id\":\"" + id + "\"}";
    std::string r = "POST /api/zhongshu.reporting.v1.ReportingService/GetReport HTTP/1.1\r\n";
    r += "Host: " + addr + "\r\n";
    r += "Content-Type: application/json\r\n";
    r += "Authorization: " + bearer + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    requests.push_back(r + body);
  }
  std::vector<std::unique_ptr<HttpConnection>> conns;
  const bool quickack = f.count("quickack") && f.at("quickack") != "false";
  for (int w = 0; w < concurrency; ++w)
    conns.push_back(std::make_unique<HttpConnection>(host, port, quickack));
  std::vector<std::string> bodies(concurrency);
  TimedRun("GetReport http", concurrency, calls, [&](int w, int i) {
    const size_t k = (w + i) % ids.size();
    std::string error;
    const int status = conns[w]->RoundTrip(requests[k], &bodies[w], &error);
    // A client's connection is closed after its last call, so that a server with fewer threads
    // than connections (civetweb serves a keep-alive connection on one thread until it closes)
    // can go on to the next.
    if (i + 1 == calls) conns[w]->Close();
    if (status != 200) {
      FirstFailure(status < 0 ? error : "HTTP " + std::to_string(status) + " " + bodies[w]);
      return false;
    }
    // Not parsed: the id asked for must appear in the answer.
    if (bodies[w].find(ids[k]) == std::string::npos) {
      FirstFailure("asked for " + ids[k] + ", got " + bodies[w].substr(0, 200));
      return false;
    }
    return true;
  });
  return 0;
}

// ---- Chains: clients each making a sequence of calls, the same for every --client kind ----

// Called once when a call completes, with its status.
using Done = std::function<void(const grpc::Status&)>;
// One call of a chain. `start(w, i, done)` starts client w's call of chain i with the callback
// API and returns; `done` runs (on a gRPC thread) when the call completes. What the call needs
// (context, request, response) lives in a Call the step allocates and its callback holds.
struct Step {
  std::string name;
  std::function<void(int w, int i, Done done)> start;
};
template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
};

struct ChainResult {
  double seconds = 0;
  double cpu_seconds = 0;     // the client process's CPU time over the run
  std::vector<Result> steps;  // per step; every Result's seconds is the whole run's
  int chains_done = 0;        // chains whose every call succeeded
};

// Runs `concurrency` clients, each running `chains` chains of `steps` back to back. A failed call
// ends its chain (its later steps are not made; the client goes on with its next chain).
// threads=false: the callback API drives them, `concurrency` calls outstanding at any time, each
// completion starting its client's next call from the gRPC thread it ran on.
// threads=true: one thread per client, waiting for each call to complete.
ChainResult DriveChains(int concurrency, int chains, const std::vector<Step>& steps, bool threads) {
  struct Client {
    int w = 0;
    int i = 0;        // the chain under way
    size_t step = 0;  // its step under way
    Clock::time_point t0;
    std::vector<std::vector<double>> lat;
    std::vector<int> errors;
    int chains_done = 0;
    // Records the call just completed and moves to the next; false when the client is done.
    bool Completed(const grpc::Status& st, size_t n_steps, int n_chains) {
      lat[step].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!st.ok()) {
        ++errors[step];
        FirstError(st);
        step = n_steps;  // the rest of this chain is skipped
      } else if (++step == n_steps) {
        ++chains_done;
      }
      if (step == n_steps) {
        step = 0;
        ++i;
      }
      return i < n_chains;
    }
  };
  std::vector<Client> clients(concurrency);
  for (int w = 0; w < concurrency; ++w) {
    clients[w].w = w;
    clients[w].lat.resize(steps.size());
    for (auto& l : clients[w].lat) l.reserve(chains);
    clients[w].errors.assign(steps.size(), 0);
  }
  const double cpu0 = CpuSeconds();
  const auto start = Clock::now();
  if (threads) {
    std::vector<std::thread> ts;
    for (auto& c : clients) {
      ts.emplace_back([&] {
        if (chains <= 0) return;
        for (bool more = true; more;) {
          absl::Notification finished;
          grpc::Status status;
          c.t0 = Clock::now();
          steps[c.step].start(c.w, c.i, [&](const grpc::Status& st) {
            status = st;
            finished.Notify();
          });
          finished.WaitForNotification();
          more = c.Completed(status, steps.size(), chains);
        }
      });
    }
    for (auto& t : ts) t.join();
  } else {
    std::atomic<int> running{concurrency};
    absl::Notification all_done;  // destroyed only after the last client has notified it
    auto client_done = [&] {
      if (running.fetch_sub(1) == 1) all_done.Notify();
    };
    std::function<void(Client&)> next = [&](Client& c) {
      c.t0 = Clock::now();
      steps[c.step].start(c.w, c.i, [&](const grpc::Status& st) {
        if (c.Completed(st, steps.size(), chains)) return next(c);
        client_done();
      });
    };
    for (auto& c : clients) {
      if (chains > 0) {
        next(c);
      } else {
        client_done();
      }
    }
    all_done.WaitForNotification();
  }
  ChainResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = CpuSeconds() - cpu0;
  r.steps.resize(steps.size());
  for (size_t s = 0; s < steps.size(); ++s) {
    r.steps[s].seconds = r.seconds;
    for (auto& c : clients) {
      r.steps[s].latencies_ms.insert(r.steps[s].latencies_ms.end(), c.lat[s].begin(),
                                     c.lat[s].end());
      r.steps[s].errors += c.errors[s];
    }
  }
  for (auto& c : clients) r.chains_done += c.chains_done;
  return r;
}

// Prints each step's line (as Report) and the chains' summary: chains and successful calls per
// second, and the client process's own CPU use in cores.
void ReportChains(const std::string& name, int concurrency, const std::string& client,
                  const std::vector<Step>& steps, ChainResult& r) {
  size_t ok_calls = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    Report(steps[s].name, concurrency, r.steps[s]);
    ok_calls += r.steps[s].latencies_ms.size() - r.steps[s].errors;
  }
  std::printf(
      "%-14s concurrency=%d client=%s chains=%d  %.0f chains/s  %.0f calls/s  client_cpu=%.2f "
      "cores\n",
      name.c_str(), concurrency, client.c_str(), r.chains_done, r.chains_done / r.seconds,
      ok_calls / r.seconds, r.cpu_seconds / r.seconds);
  std::fflush(stdout);
}

// The reporting -> supervision loop. Latency runs from IssueInstruction returning (the instruction
// is committed in reporting) to the "supervision.item.opened" event for it appearing on the
// supervision stream (the item is committed in supervision and published).
int RunLoop(const std::map<std::string, std::string>& f, const std::string& addr) {
  std::string host;
  int port = 0;
  if (!zs::events::ParseAddress(f.count("redis") ? f.at("redis") : "", &host, &port).ok()) {
    std::cerr << "zs-load loop: --redis=HOST:PORT is required\n";
    return 2;
  }
  const double seconds = f.count("seconds") ? std::stod(f.at("seconds")) : 10;
  const int workers = f.count("concurrency") ? std::stoi(f.at("concurrency")) : 16;
  const std::string clerk = DevBearer(f, "wang.xinxi");
  const std::string leader = DevBearer(f, "zhang.shuji");
  auto channel = Channel(addr, 0);
  auto stub = pb::ReportingService::NewStub(channel);

  // Reports to instruct on (not timed): submitted reports, enough for both phases.
  const int reports = f.count("reports") ? std::stoi(f.at("reports")) : 60000;
  std::vector<std::string> report_ids(reports);
  Drive(workers, reports / workers, [&](int w, int i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", clerk);
    pb::CreateReportRequest c;
    c.set_request_id(zs::NewUuid());
    c.mutable_report()->set_title("闭环压测");
    c.mutable_report()->set_kind(pb::REPORT_KIND_PROBLEM);
    c.mutable_report()->set_sensitivity(pb::SENSITIVITY_INTERNAL);
    pb::Report r;
    if (!stub->CreateReport(&ctx, c, &r).ok()) return false;
    grpc::ClientContext ctx2;
    ctx2.AddMetadata("authorization", clerk);
    pb::SubmitReportRequest s;
    s.set_request_id(zs::NewUuid());
    s.set_id(r.id());
    report_ids[w * (reports / workers) + i] = r.id();
    return stub->SubmitReport(&ctx2, s, &r).ok();
  });

  // When each instruction was issued, and when its item was seen opened, by instruction id.
  struct Times {
    absl::Mutex mu;
    std::map<std::string, Clock::time_point> issued ABSL_GUARDED_BY(mu);
    std::map<std::string, Clock::time_point> opened ABSL_GUARDED_BY(mu);
  } times;
  // Watches the supervision stream for opened items.
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    auto conn = zs::events::RedisConnection::Connect(host, port, std::chrono::seconds(1),
                                                     std::chrono::seconds(5));
    if (!conn.ok()) return;
    std::string last = "$";
    while (watching) {
      auto r = (*conn)->Command(
          {"XREAD", "COUNT", "500", "BLOCK", "200", "STREAMS", "zs:events:supervision", last});
      if (!r.ok()) return;
      if (r->IsNil() || r->elements.empty()) continue;
      const auto now = Clock::now();
      for (const auto& e : r->elements[0].elements[1].elements) {
        last = e.elements[0].str;
        const auto& kv = e.elements[1].elements;
        for (size_t i = 0; i + 1 < kv.size(); i += 2) {
          if (kv[i].str != "event") continue;
          zhongshu::events::v1::Event env;
          zhongshu::events::v1::ItemOpened io;
          if (env.ParseFromString(kv[i + 1].str) && env.type() == "supervision.item.opened" &&
              env.payload().UnpackTo(&io)) {
            absl::MutexLock lock(&times.mu);
            times.opened.emplace(io.source_ref(), now);
          }
        }
      }
    }
  });

  std::atomic<int> next_report{0};
  auto issue = [&]() -> bool {
    const int i = next_report++;
    if (i >= reports) return false;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", leader);
    pb::IssueInstructionRequest req;
    req.set_request_id(zs::NewUuid());
    auto* in = req.mutable_instruction();
    in->set_report_id(report_ids[i]);
    in->set_text("请核查并报送结果");
    in->add_directed_units("430204/slj");
    in->add_directed_units("430204/sthj");
    in->set_due_date("2099-12-31");
    pb::Instruction out;
    if (!stub->IssueInstruction(&ctx, req, &out).ok()) return false;
    absl::MutexLock lock(&times.mu);
    times.issued.emplace(out.id(), Clock::now());
    return true;
  };
  // Waits until every issued instruction has its item (or 30 s), then reports the phase.
  struct Outcome {
    double throughput;
    double p99;
  };
  auto finish_phase = [&](const std::string& name, double rate, Clock::time_point start) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      {
        absl::MutexLock lock(&times.mu);
        size_t done = 0;
        for (const auto& [id, t] : times.issued) done += times.opened.count(id);
        if (done == times.issued.size() || Clock::now() > deadline) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    absl::MutexLock lock(&times.mu);
    std::vector<double> lat;
    Clock::time_point last_open = start;
    for (const auto& [id, t] : times.issued) {
      auto it = times.opened.find(id);
      if (it == times.opened.end()) continue;
      lat.push_back(std::chrono::duration<double, std::milli>(it->second - t).count());
      last_open = std::max(last_open, it->second);
    }
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
      return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
    };
    const double span = std::chrono::duration<double>(last_open - start).count();
    std::printf(
        "%-22s offered=%.0f/s  items=%zu of %zu  throughput=%.0f items/s  p50=%.2f ms  p99=%.2f "
        "ms\n",
        name.c_str(), rate, lat.size(), times.issued.size(), lat.size() / span, pct(0.5),
        pct(0.99));
    std::fflush(stdout);
    const Outcome out{lat.size() / span, pct(0.99)};
    times.issued.clear();
    times.opened.clear();
    return out;
  };

  // A steady load at `rate` for `secs`, paced by the clock.
  auto steady = [&](const std::string& name, double rate, double secs) {
    const auto start = Clock::now();
    const int n = static_cast<int>(rate * secs);
    std::vector<std::thread> ts;
    std::atomic<int> slot{0};
    for (int w = 0; w < workers; ++w) {
      ts.emplace_back([&] {
        for (int i; (i = slot++) < n;) {
          std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(i / rate)));
          issue();
        }
      });
    }
    for (auto& t : ts) t.join();
    return finish_phase(name, rate, start);
  };

  // The maximum sustainable rate: steady rates in steps of --step (100/s) for --step-seconds
  // (5 s) each, until the loop no longer keeps up (throughput below 97 % of the offered rate, or a
  // p99 over a second: a backlog building). --rate=R skips the search and runs at R.
  double half = f.count("rate") ? std::stod(f.at("rate")) : 0;
  if (half == 0) {
    const double step = f.count("step") ? std::stod(f.at("step")) : 100;
    const double step_secs = f.count("step-seconds") ? std::stod(f.at("step-seconds")) : 5;
    double sustainable = 0;
    for (double rate = step;; rate += step) {
      const Outcome o = steady("search", rate, step_secs);
      if (o.throughput < 0.97 * rate || o.p99 > 1000 || next_report >= reports) break;
      sustainable = rate;
    }
    std::printf("maximum sustainable rate: %.0f instructions/s\n", sustainable);
    std::fflush(stdout);
    if (f.count("search-only")) {
      watching = false;
      watcher.join();
      return 0;
    }
    half = sustainable / 2;
  }
  steady(f.count("rate") ? "loop (steady)" : "loop (half of max)", half, seconds);
  watching = false;
  watcher.join();
  return 0;
}

// The proposals write path: each client's chain is CreateProposal (as a proposer, its own) ->
// ReviewProposal REGISTER (as the proposal office of the proposer's body: 政协 wu.tian for the
// members' proposals, 人大 xu.renda for the deputy's suggestions) -> AssignProposal (SOLE to
// 430204/slj, or with --assign=lead 430204/slj leading and 430204/sthj co-handling).
int RunProposals(const std::map<std::string, std::string>& f, const std::string& addr,
                 int concurrency, int chains, const std::string& client) {
  struct Proposer {
    std::string token;
    ppb::ProposalKind kind;
    std::string office;  // the token of the office that registers and assigns its proposals
  };
  const std::string cppcc_office = DevBearer(f, "wu.tian");
  const std::string npc_office = DevBearer(f, "xu.renda");
  const std::vector<Proposer> proposers = {
      {DevBearer(f, "zheng.weiyuan"), ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, cppcc_office},
      {DevBearer(f, "feng.weiyuan"), ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, cppcc_office},
      {DevBearer(f, "lin.weiyuan"), ppb::PROPOSAL_KIND_CPPCC_PROPOSAL, cppcc_office},
      {DevBearer(f, "he.daibiao"), ppb::PROPOSAL_KIND_NPC_SUGGESTION, npc_office},
  };
  const std::string assign = f.count("assign") ? f.at("assign") : "sole";
  if (assign != "sole" && assign != "lead") {
    std::cerr << "zs-load proposals: --assign=sole|lead\n";
    return 2;
  }
  std::vector<std::unique_ptr<ppb::ProposalsService::Stub>> stubs;
  for (int w = 0; w < concurrency; ++w) {
    stubs.push_back(ppb::ProposalsService::NewStub(Channel(addr, w)));
  }
  std::vector<std::string> ids(concurrency);  // the proposal of each client's chain under way
  auto who = [&](int w) -> const Proposer& { return proposers[w % proposers.size()]; };
  const std::vector<Step> steps = {
      {"CreateProposal",
       [&](int w, int i, Done done) {
         auto call = std::make_shared<Call<ppb::CreateProposalRequest, ppb::Proposal>>();
         call->ctx.AddMetadata("authorization", who(w).token);
         call->req.set_request_id(zs::NewUuid());
         auto* p = call->req.mutable_proposal();
         p->set_kind(who(w).kind);
         p->set_session("十七届三次");
         p->set_title("关于加强清水塘片区供水保障的建议（压测 " + std::to_string(w) + "/" +
                      std::to_string(i) + "）");
         p->set_content(
             "清水塘片区老旧供水管网漏损严重，夏季用水高峰时段部分小区水压不足，居民反映强烈。"
             "建议：一、由水利局牵头，对片区主干管网进行全面排查，制定分年度改造计划；二、"
             "生态环境分局加强水源地保护和水质监测，定期公开监测结果；三、建立供水应急调度"
             "机制，高峰时段启用临时加压设施，保障居民正常用水。");
         p->set_category("城乡建设");
         stubs[w]->async()->CreateProposal(&call->ctx, &call->req, &call->resp,
                                           [call, done, &ids, w](grpc::Status st) {
                                             if (st.ok()) ids[w] = call->resp.id();
                                             done(st);
                                           });
       }},
      {"ReviewProposal",
       [&](int w, int, Done done) {
         auto call = std::make_shared<Call<ppb::ReviewProposalRequest, ppb::Proposal>>();
         call->ctx.AddMetadata("authorization", who(w).office);
         call->req.set_request_id(zs::NewUuid());
         call->req.set_id(ids[w]);
         call->req.set_decision(ppb::REVIEW_DECISION_REGISTER);
         stubs[w]->async()->ReviewProposal(&call->ctx, &call->req, &call->resp,
                                           [call, done](grpc::Status st) { done(st); });
       }},
      {"AssignProposal",
       [&](int w, int, Done done) {
         auto call = std::make_shared<Call<ppb::AssignProposalRequest, ppb::Proposal>>();
         call->ctx.AddMetadata("authorization", who(w).office);
         call->req.set_request_id(zs::NewUuid());
         call->req.set_id(ids[w]);
         call->req.set_lead_unit("430204/slj");
         if (assign == "lead") {
           call->req.set_mode(ppb::ASSIGNMENT_MODE_LEAD);
           call->req.add_co_units("430204/sthj");
         } else {
           call->req.set_mode(ppb::ASSIGNMENT_MODE_SOLE);
         }
         stubs[w]->async()->AssignProposal(&call->ctx, &call->req, &call->resp,
                                           [call, done](grpc::Status st) { done(st); });
       }},
  };
  auto r = DriveChains(concurrency, chains, steps, client == "threads");
  ReportChains("proposals", concurrency, client, steps, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr
        << "usage: zs-load echo-server|echo|submit|loop|proposals|seed-reports|get-direct|get-http "
           "[--addr=A] [--concurrency=N] "
           "[--calls=N] [--client=sync|callback|threads]\n";
    return 2;
  }
  const std::string mode = argv[1];
  auto f = Flags(argc, argv);
  if (mode == "echo-server") return ServeEcho(f);

  const std::string addr = f.count("addr") ? f["addr"] : "127.0.0.1:7101";
  const int concurrency = f.count("concurrency") ? std::stoi(f["concurrency"]) : 32;
  const int calls = f.count("calls") ? std::stoi(f["calls"]) : 1000;

  if (mode == "echo") {
    const std::string client = f.count("client") ? f["client"] : "sync";
    std::vector<std::unique_ptr<bench::EchoService::Stub>> stubs;
    for (int w = 0; w < concurrency; ++w)
      stubs.push_back(bench::EchoService::NewStub(Channel(addr, w)));
    if (client == "callback" || client == "threads") {
      const std::vector<Step> steps = {
          {"Echo", [&](int w, int i, Done done) {
             auto call = std::make_shared<Call<bench::EchoRequest, bench::EchoResponse>>();
             call->req.set_request_id(zs::NewUuid());
             call->req.set_id("430204-r-" + std::to_string(i));
             stubs[w]->async()->Echo(&call->ctx, &call->req, &call->resp,
                                     [call, done](grpc::Status st) { done(st); });
           }}};
      auto r = DriveChains(concurrency, calls, steps, client == "threads");
      ReportChains("echo", concurrency, client, steps, r);
      return 0;
    }
    if (client != "sync") {
      std::cerr << "zs-load: --client=sync|callback|threads\n";
      return 2;
    }
    const double cpu0 = CpuSeconds();
    auto r = Drive(concurrency, calls, [&](int w, int i) {
      grpc::ClientContext ctx;
      bench::EchoRequest req;
      req.set_request_id(zs::NewUuid());
      req.set_id("430204-r-" + std::to_string(i));
      bench::EchoResponse resp;
      return stubs[w]->Echo(&ctx, req, &resp).ok();
    });
    Report("echo", concurrency, r);
    std::printf("echo client=sync client_cpu=%.2f cores\n", (CpuSeconds() - cpu0) / r.seconds);
    return 0;
  }
  if (mode == "submit") {
    const std::string token = DevBearer(f, f.count("as") ? f["as"] : "wang.xinxi");
    std::vector<std::unique_ptr<pb::ReportingService::Stub>> stubs;
    for (int w = 0; w < concurrency; ++w)
      stubs.push_back(pb::ReportingService::NewStub(Channel(addr, w)));
    std::vector<std::vector<std::string>> drafts(concurrency);
    auto created = Drive(concurrency, calls, [&](int w, int i) -> bool {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      pb::CreateReportRequest req;
      req.set_request_id(zs::NewUuid());
      req.mutable_report()->set_title("压测信息 " + std::to_string(w) + "/" + std::to_string(i));
      req.mutable_report()->set_body("清水塘片区供水情况日报。");
      req.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
      req.mutable_report()->set_sensitivity(pb::SENSITIVITY_INTERNAL);
      pb::Report r;
      const grpc::Status st = stubs[w]->CreateReport(&ctx, req, &r);
      if (!st.ok()) {
        FirstError(st);
        return false;
      }
      drafts[w].push_back(r.id());
      return true;
    });
    Report("create (setup)", concurrency, created);
    auto r = Drive(concurrency, calls, [&](int w, int i) {
      if (i >= static_cast<int>(drafts[w].size())) return false;
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      pb::SubmitReportRequest req;
      req.set_request_id(zs::NewUuid());
      req.set_id(drafts[w][i]);
      pb::Report resp;
      const grpc::Status st = stubs[w]->SubmitReport(&ctx, req, &resp);
      if (!st.ok()) FirstError(st);
      return st.ok();
    });
    Report("SubmitReport", concurrency, r);
    return 0;
  }
  if (mode == "seed-reports") return SeedReports(f, addr);
  if (mode == "get-direct" || mode == "get-http") return RunGet(f, mode, addr, concurrency, calls);
  if (mode == "loop") return RunLoop(f, addr);
  if (mode == "proposals") {
    const std::string client = f.count("client") ? f["client"] : "callback";
    if (client != "callback" && client != "threads") {
      std::cerr << "zs-load proposals: --client=callback|threads\n";
      return 2;
    }
    return RunProposals(f, addr, concurrency, calls, client);
  }
  std::cerr << "zs-load: unknown mode " << mode << "\n";
  return 2;
}

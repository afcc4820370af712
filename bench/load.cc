// zs-load: drives a running service at a fixed concurrency and prints throughput and latency.
//
//   zs-load echo-server --port-file=F        serve the bare echo baseline (callback API)
//   zs-load echo --addr=A [...]              N concurrent clients calling Echo
//   zs-load submit --addr=A [...]            N concurrent clients calling SubmitReport on drafts
//                                            they created beforehand (creation is not timed)
//   zs-load loop --addr=A --redis=H:P        the reporting -> supervision loop: instructions issued
//                                            in reporting until supervision has opened their items;
//                                            searches the maximum sustainable steady rate, then
//                                            runs at half of it for --seconds, reporting p50/p99
// Common flags: --concurrency=32 --calls=1000 (per client) --as=wang.xinxi
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "echo.grpc.pb.h"
#include "events/redis.h"
#include "org/org.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace {

namespace pb = zhongshu::reporting::v1;
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr
        << "usage: zs-load echo-server|echo|submit [--addr=A] [--concurrency=N] [--calls=N]\n";
    return 2;
  }
  const std::string mode = argv[1];
  auto f = Flags(argc, argv);
  if (mode == "echo-server") return ServeEcho(f);

  const std::string addr = f.count("addr") ? f["addr"] : "127.0.0.1:7101";
  const int concurrency = f.count("concurrency") ? std::stoi(f["concurrency"]) : 32;
  const int calls = f.count("calls") ? std::stoi(f["calls"]) : 1000;

  if (mode == "echo") {
    std::vector<std::unique_ptr<bench::EchoService::Stub>> stubs;
    for (int w = 0; w < concurrency; ++w)
      stubs.push_back(bench::EchoService::NewStub(Channel(addr, w)));
    auto r = Drive(concurrency, calls, [&](int w, int i) {
      grpc::ClientContext ctx;
      bench::EchoRequest req;
      req.set_request_id(zs::NewUuid());
      req.set_id("430204-r-" + std::to_string(i));
      bench::EchoResponse resp;
      return stubs[w]->Echo(&ctx, req, &resp).ok();
    });
    Report("echo", concurrency, r);
    return 0;
  }
  if (mode == "submit") {
    const std::string user = f.count("as") ? f["as"] : "wang.xinxi";
    auto org = zs::org::OrgTree::LoadFile(f.count("org") ? f["org"] : "deploy/local/org.yaml");
    if (!org.ok() || org->FindUser(user) == nullptr) {
      std::cerr << "zs-load: cannot find user " << user << " in the org file\n";
      return 2;
    }
    const auto* u = org->FindUser(user);
    const std::string token =
        "Bearer " +
        *zs::auth::IssueHs256(f.count("secret") ? f["secret"] : "zhongshu-local-development-secret",
                              {u->id, u->name, u->tenant, u->unit, u->roles},
                              zs::SystemClock::Get()->Now(), std::chrono::hours(2));
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
        static std::once_flag once;
        std::call_once(once, [&] {
          std::cerr << "first error: " << st.error_code() << " " << st.error_message() << "\n";
        });
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
      if (!st.ok()) {
        static std::once_flag once;
        std::call_once(once, [&] {
          std::cerr << "first error: " << st.error_code() << " " << st.error_message() << "\n";
        });
      }
      return st.ok();
    });
    Report("SubmitReport", concurrency, r);
    return 0;
  }
  if (mode == "loop") return RunLoop(f, addr);
  std::cerr << "zs-load: unknown mode " << mode << "\n";
  return 2;
}

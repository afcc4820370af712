// zs-load: drives a running service at a fixed concurrency and prints throughput and latency.
//
//   zs-load echo-server --port-file=F        serve the bare echo baseline (callback API)
//   zs-load echo --addr=A [...]              N concurrent clients calling Echo
//   zs-load submit --addr=A [...]            N concurrent clients calling SubmitReport on drafts
//                                            they created beforehand (creation is not timed)
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

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "echo.grpc.pb.h"
#include "org/org.h"
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
    auto created = Drive(concurrency, calls, [&](int w, int i) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", token);
      pb::CreateReportRequest req;
      req.set_request_id(zs::NewUuid());
      req.mutable_report()->set_title("压测信息 " + std::to_string(w) + "/" + std::to_string(i));
      req.mutable_report()->set_body("清水塘片区供水情况日报。");
      req.mutable_report()->set_kind(pb::REPORT_KIND_DYNAMIC);
      req.mutable_report()->set_sensitivity(pb::SENSITIVITY_INTERNAL);
      pb::Report r;
      if (!stubs[w]->CreateReport(&ctx, req, &r).ok()) return false;
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
      return stubs[w]->SubmitReport(&ctx, req, &resp).ok();
    });
    Report("SubmitReport", concurrency, r);
    return 0;
  }
  std::cerr << "zs-load: unknown mode " << mode << "\n";
  return 2;
}

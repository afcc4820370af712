// The gateway: serves the console and the four services' APIs as JSON over HTTP (gateway.h).

#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>

#include "app/process.h"
#include "gateway.h"
#include "rpc/server.h"
#include "zhongshu/coordination/v1/circulation.pb.h"
#include "zhongshu/coordination/v1/duty.pb.h"
#include "zhongshu/coordination/v1/matters.pb.h"
#include "zhongshu/coordination/v1/meetings.pb.h"
#include "zhongshu/coordination/v1/schedule.pb.h"
#include "zhongshu/proposals/v1/proposals.pb.h"
#include "zhongshu/reporting/v1/reporting.pb.h"
#include "zhongshu/supervision/v1/supervision.pb.h"

namespace gw = zs::gateway;
namespace v1 = zhongshu;

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  const std::string name = "gateway";
  auto cmd = zs::app::ParseCommandLine(name, argc, argv);
  if (!cmd.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(cmd.status().message()).c_str());
    return 2;
  }
  if (cmd->help || cmd->version) {
    std::fputs((cmd->help ? zs::app::Usage(name) : name + " " + zs::app::Version() + "\n").c_str(),
               stdout);
    return 0;
  }
  auto loaded = zs::app::LoadConfigAndLogging(name, *cmd);
  if (!loaded.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(loaded.status().message()).c_str());
    return 2;
  }
  zs::config::Config& c = **loaded;

  gw::HttpOptions http;
  http.listen = c.String("http.listen", "127.0.0.1:8080");
  const std::string port_file = c.String("http.port_file", "");
  http.threads = static_cast<int>(c.Int("http.threads", 64, 1, 4096));
  http.max_body_bytes = static_cast<size_t>(c.Int("http.max_body_bytes", 1 << 20, 1024, 64 << 20));
  http.request_timeout = c.Duration("http.request_timeout", std::chrono::seconds(30));
  http.keep_alive_timeout = c.Duration("http.keep_alive_timeout", std::chrono::seconds(5));
  const auto shutdown_grace = c.Duration("http.shutdown_grace", std::chrono::seconds(5));

  gw::GatewayOptions options;
  options.console_dir = c.String("console.dir", "console/dist");
  options.dev_sign_in = c.Bool("console.dev_sign_in", false);
  options.render_workers = static_cast<size_t>(c.Int("render.workers", 2, 1, 64));
  options.render_queue = static_cast<size_t>(c.Int("render.queue", 16, 1, 10000));
  options.dev_token_ttl = std::chrono::duration_cast<std::chrono::seconds>(
      c.Duration("console.dev_token_ttl", std::chrono::hours(8)));
  options.log_requests = c.Bool("log.requests", true);
  const std::string metrics_listen = c.String("metrics.listen", "");

  const zs::org::OrgTree org = zs::app::LoadOrg(c);
  zs::app::AuthSettings auth = zs::app::ReadAuth(c, &org);
  if (options.dev_sign_in && auth.hs256_secret.empty()) {
    c.AddError("console.dev_sign_in",
               "needs auth.algorithm HS256 with a development key; turn it off in production");
  }
  // The public pages read proposals with the gateway's own token for the tenant asked about: one
  // minted per county with the development key, or (RS256) one token issued to the gateway for an
  // office above the counties it serves, from a file. Its principal is "svc:public" with no role
  // at all: if a bug ever let it through to another method, it could read no more than a person
  // without a role of that office, and nothing negative.
  const bool public_replies = c.Bool("public.replies", true);
  std::string public_token;
  zs::app::ReadSecretFile(c, "public.token_file", &public_token);
  if (public_replies) {
    if (public_token.empty() && auth.hs256_secret.empty()) {
      c.AddError("public.token_file",
                 "the public list of replies needs the gateway's token under RS256 (or set "
                 "public.replies: false)");
    } else {
      if (!public_token.empty() && auth.verifier) {
        // The token must be what the gateway relies on: valid for this deployment, the
        // principal svc:public, no role. A token of a person or a service would read more.
        auto p = auth.verifier->Verify(public_token);
        if (!p.ok()) {
          c.AddError("public.token_file",
                     "not a valid token here: " + std::string(p.status().message()));
        } else if (p->subject != "svc:public" || !p->roles.empty()) {
          c.AddError("public.token_file",
                     "must be issued to subject svc:public with no roles (it names '" + p->subject +
                         "' with " + std::to_string(p->roles.size()) + " roles)");
        }
      }
      options.public_credentials = std::make_shared<zs::app::ServiceCredentials>(
          "gateway", "svc:public", std::vector<std::string>{}, public_token, auth.hs256_secret);
    }
  }
  const auto tls_refresh = std::chrono::duration_cast<std::chrono::seconds>(
      c.Duration("upstream.tls.refresh", std::chrono::seconds(60)));
  const zs::rpc::ClientTls tls = zs::app::ReadClientTls(c, "upstream.tls", tls_refresh);
  const std::vector<std::pair<std::string, std::string>> services = {
      {"reporting", "127.0.0.1:7101"},
      {"supervision", "127.0.0.1:7102"},
      {"proposals", "127.0.0.1:7103"},
      {"coordination", "127.0.0.1:7104"}};
  for (const auto& [svc, def] : services) {
    gw::GatewayUpstream u;
    u.address = c.String("upstream." + svc + ".address", def);
    u.timeout = c.Duration("upstream." + svc + ".timeout", std::chrono::seconds(10));
    zs::rpc::ClientTls own = tls;
    own.server_name = c.String("upstream." + svc + ".server_name", "");
    u.channel = zs::rpc::Dial(u.address, own);
    options.upstreams[svc] = std::move(u);
  }
  if (auto s = c.Finish(); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 2;
  }

  // Each exposed proto file, named through one of its messages so the linker keeps it.
  auto catalog = gw::ApiCatalog::Create({
      {v1::reporting::v1::Report::descriptor()->file(), "reporting"},
      {v1::supervision::v1::Item::descriptor()->file(), "supervision"},
      {v1::proposals::v1::Proposal::descriptor()->file(), "proposals"},
      {v1::coordination::v1::Matter::descriptor()->file(), "coordination"},
      {v1::coordination::v1::Meeting::descriptor()->file(), "coordination"},
      {v1::coordination::v1::Activity::descriptor()->file(), "coordination"},
      {v1::coordination::v1::Document::descriptor()->file(), "coordination"},
      {v1::coordination::v1::DutyDay::descriptor()->file(), "coordination"},
  });
  if (!catalog.ok()) {
    spdlog::error("{}", std::string(catalog.status().message()));
    return 1;
  }

  auto metrics = std::make_shared<zs::telemetry::Metrics>();
  if (!metrics_listen.empty()) {
    if (auto s = metrics->Serve(metrics_listen); !s.ok()) {
      spdlog::error("metrics.listen: {}", std::string(s.message()));
      return 1;
    }
  }
  const size_t methods = catalog->methods().size();
  gw::Gateway gateway(std::move(options), &org, std::move(auth), std::move(*catalog),
                      metrics_listen.empty() ? nullptr : metrics);
  gw::HttpServer server;
  auto started = server.Start(
      http, [&](const gw::HttpRequest& r) { return gateway.Handle(r); },
      [&](const gw::HttpRequest& r, int status, std::string message) {
        return gateway.Refuse(r, status, message);
      });
  if (!started.ok()) {
    spdlog::error("{}", std::string(started.message()));
    return 1;
  }
  if (!port_file.empty()) {
    if (auto s = zs::rpc::WritePortFile(port_file, server.port(), "http.port_file"); !s.ok()) {
      spdlog::error("{}", std::string(s.message()));
      return 1;
    }
  }
  spdlog::info("gateway ready: http://{} ({} API methods; port {})", http.listen, methods,
               server.port());

  const int sig = zs::rpc::WaitForTerminationSignal();
  spdlog::info("signal {}: not ready from now, serving for {} ms, then draining", sig,
               shutdown_grace.count());
  gateway.SetServing(false);
  std::this_thread::sleep_for(shutdown_grace);
  server.Stop();
  metrics->Stop();
  spdlog::info("gateway stopped");
  return 0;
}

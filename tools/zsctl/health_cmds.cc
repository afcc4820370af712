// zsctl health: asks grpc.health.v1 of the services (or of one address, such as the plaintext
// health port the kubelet probes) whether they are SERVING.
#include <iostream>

#include "common.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "rpc/tls.h"

namespace zsctl {
namespace {

// The status name of one Check, or the error that kept it from answering.
std::string Check(const Globals& g, const std::string& addr, const std::string& service,
                  bool plaintext, bool* serving) {
  auto channel = plaintext ? zs::rpc::Dial(addr, zs::rpc::ClientTls{}) : ChannelTo(g, addr);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(g.timeout_s));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status s = stub->Check(&ctx, req, &resp);
  *serving = s.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (!s.ok()) return zs::rpc::CodeName(s.error_code()) + ": " + s.error_message();
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
}

}  // namespace

void AddHealthCommands(CLI::App& app, Globals& g) {
  struct Args {
    std::vector<std::string> services;
    std::string address;
    bool plaintext = false;
    std::string service;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "health", "ask services whether they are SERVING (grpc.health.v1); exit 1 if any is not");
  cmd->add_option("services", a->services,
                  "reporting, supervision, proposals, coordination (default: all four)")
      ->check(CLI::IsMember({"reporting", "supervision", "proposals", "coordination"}));
  cmd->add_option(
      "--address", a->address,
      "check this host:port instead, e.g. a service's health port (grpc.health_listen)");
  cmd->add_option("--service", a->service,
                  "the health service name to ask, e.g. zhongshu.events.dead_letters or "
                  "zhongshu.events.relay (default \"\": the whole server)");
  cmd->add_flag("--plaintext", a->plaintext,
                "no TLS for --address even when --tls-ca is given (the health port is plaintext)");
  cmd->callback([&g, a] {
    std::vector<std::pair<std::string, std::string>> targets;
    if (a->plaintext && a->address.empty()) {
      Die("--plaintext is for --address (a health port); the services' gRPC ports take --tls-*");
    }
    if (!a->address.empty()) {
      if (!a->services.empty()) Die("give either services or --address, not both");
      targets.emplace_back(a->address, a->address);
    } else {
      const std::map<std::string, std::string> addrs = {{"reporting", g.reporting_addr},
                                                        {"supervision", g.supervision_addr},
                                                        {"proposals", g.proposals_addr},
                                                        {"coordination", g.coordination_addr}};
      if (a->services.empty())
        a->services = {"reporting", "supervision", "proposals", "coordination"};
      for (const auto& s : a->services) targets.emplace_back(s, addrs.at(s));
    }
    bool all = true;
    for (const auto& [name, addr] : targets) {
      bool serving = false;
      const std::string status = Check(g, addr, a->service, a->plaintext, &serving);
      all = all && serving;
      if (name == addr) {
        std::cout << addr << "  " << status << "\n";
      } else {
        std::cout << name << "  " << addr << "  " << status << "\n";
      }
    }
    if (!all) std::exit(1);
  });
}

}  // namespace zsctl

// The coordination service (综合协调): responsibility disputes and cross-department matters,
// meetings and their decisions, the leader schedule, document circulation, duty and incidents —
// five gRPC services of zhongshu.coordination.v1 on one port and one database (api/module.h).
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/module.h"
#include "app/runtime.h"
#include "rpc/server.h"

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  std::vector<std::unique_ptr<zs::coordination::Module>> modules;
  modules.push_back(zs::coordination::MattersModule());
  modules.push_back(zs::coordination::MeetingsModule());
  modules.push_back(zs::coordination::ScheduleModule());
  modules.push_back(zs::coordination::CirculationModule());
  modules.push_back(zs::coordination::DutyModule());
  std::vector<zs::store::Migration> migrations;
  for (const auto& m : modules) {
    for (auto& mig : m->Migrations()) migrations.push_back(std::move(mig));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });

  auto rt = zs::app::ServiceRuntime::Create("coordination", argc, argv, std::move(migrations));
  if (!rt.ok()) {
    std::cerr << "coordination: " << rt.status().message() << "\n";
    return 2;
  }
  auto& c = (*rt)->config();
  zs::coordination::Shared shared;
  shared.utc_offset_minutes = static_cast<int>(c.Int("limits.utc_offset_minutes", 480, -720, 840));
  shared.reporting_stream = c.String("events.reporting_stream", "zs:events:reporting");
  shared.supervision_stream = c.String("events.supervision_stream", "zs:events:supervision");
  shared.proposals_stream = c.String("events.proposals_stream", "zs:events:proposals");
  const std::string calendar_dir = c.String("calendar.dir", "deploy/calendar");
  auto cal = zs::calendar::WorkCalendar::LoadDir(calendar_dir);
  if (!cal.ok()) c.AddError("calendar.dir", std::string(cal.status().message()));
  shared.calendar = cal.ok() ? &*cal : nullptr;
  for (auto& m : modules) m->Configure(**rt, shared);

  if (auto s = (*rt)->Open(); !s.ok()) {
    spdlog::critical("coordination: {}", std::string(s.message()));
    return zs::app::ServiceRuntime::StartupExitCode(s);
  }
  std::vector<std::pair<grpc::Service*, std::string>> services;
  for (auto& m : modules) {
    if (auto* svc = m->Start(**rt, shared)) services.emplace_back(svc, m->health_name());
  }
  // The office's figures for an ops dashboard.
  (*rt)->AddQueryGauge(
      "zs_office_open_matters", "Coordination matters open or in coordination, by tenant",
      {"tenant"}, "SELECT tenant, COUNT(*) FROM matters WHERE state IN (1, 2) GROUP BY tenant");
  return (*rt)->Run(services);
}

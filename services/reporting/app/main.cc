// The reporting service (信息报送): reports, returns, adoption and leader instructions.
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/service.h"
#include "app/runtime.h"
#include "events/types.h"
#include "rpc/server.h"
#include "store/repository.h"

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  auto rt = zs::app::ServiceRuntime::Create("reporting", argc, argv, zs::reporting::Migrations());
  if (!rt.ok()) {
    std::cerr << "reporting: " << rt.status().message() << "\n";
    return 2;
  }
  auto& c = (*rt)->config();
  zs::reporting::Limits limits;
  limits.max_title_chars = c.Int("limits.max_title_chars", 200, 1, 10000);
  limits.max_body_bytes = c.Int("limits.max_body_bytes", 64 * 1024, 1, 1 << 24);
  limits.max_directed_units = c.Int("limits.max_directed_units", 50, 1, 1000);
  limits.utc_offset_minutes = c.Int("limits.utc_offset_minutes", 480, -720, 840);
  const std::string supervision_stream =
      c.String("events.supervision_stream", "zs:events:supervision");

  zs::reporting::EmergencyOptions emergency;
  for (int g = 1; g <= 4; ++g) {
    const std::string key = "emergency.grade_" + std::to_string(g);
    auto& clock = emergency.clocks.grade[g];
    clock.phone =
        std::chrono::duration_cast<std::chrono::minutes>(c.Duration(key + ".phone", clock.phone));
    clock.written = std::chrono::duration_cast<std::chrono::minutes>(
        c.Duration(key + ".written", clock.written));
  }
  emergency.follow_up_interval = std::chrono::duration_cast<std::chrono::minutes>(
      c.Duration("emergency.follow_up_interval", emergency.follow_up_interval));
  const auto check_interval = c.Duration("emergency.check_interval", std::chrono::seconds(30));

  zs::reporting::BulletinKinds kinds;
  for (const auto& entry :
       c.StringList("bulletins.kinds", {"daily:每日要情", "special:信息专报", "express:快报"})) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      c.AddError("bulletins.kinds", "each kind must be code:name, got '" + entry + "'");
      continue;
    }
    kinds[entry.substr(0, colon)] = entry.substr(colon + 1);
  }

  // The points table (信息工作考核): per adoption level, per bulletin kind, per level of the
  // instructing leader. Every award is a ledger row; a unit's points add up across all of them.
  zs::reporting::PointsTable points;
  const char* kLevels[] = {"", "county", "city", "province", "central"};
  for (int l = 1; l <= 4; ++l) {
    points.adoption[l] = static_cast<int>(
        c.Int(std::string("points.adoption.") + kLevels[l], points.adoption[l], 0, 1000));
    points.instruction[l] = static_cast<int>(
        c.Int(std::string("points.instruction.") + kLevels[l], points.instruction[l], 0, 1000));
  }
  points.bulletin.clear();
  for (const auto& [code, name] : kinds) {
    points.bulletin[code] = static_cast<int>(c.Int("points.bulletin." + code, 1, 0, 1000));
  }

  // Every key is read: check them all, then open and check the database.
  if (auto s = (*rt)->Open(); !s.ok()) {
    spdlog::critical("reporting: {}", std::string(s.message()));
    return zs::app::ServiceRuntime::StartupExitCode(s);
  }
  // Timers the migration scheduled for chains and calls of an older version get their times.
  if (auto s = (*rt)->db().Write([&](zs::store::Tx& tx) {
        return zs::reporting::repo::FinishUpgrade(tx, emergency.follow_up_interval,
                                                  limits.utc_offset_minutes);
      });
      !s.ok()) {
    spdlog::critical("reporting: {}", std::string(s.message()));
    return 1;
  }
  zs::reporting::ReportingServiceImpl service((*rt)->handlers(), (*rt)->org(), (*rt)->clock(),
                                              limits, emergency, kinds, points);
  auto& supervision = (*rt)->AddConsumer(supervision_stream);
  namespace ev = zhongshu::events::v1;
  supervision.On<ev::ItemOpened>(
      zs::events::type::kSupervisionItemOpened,
      [&service](const ev::Event& event, const ev::ItemOpened& opened, zs::store::Tx& tx) {
        return service.OnItemOpened(event, opened, tx);
      });
  // A cancelled item answers its instruction too, with the reason (件件有回音).
  for (const char* type :
       {zs::events::type::kSupervisionItemClosed, zs::events::type::kSupervisionItemCancelled}) {
    supervision.On<ev::ItemClosed>(
        type, [&service](const ev::Event& event, const ev::ItemClosed& closed, zs::store::Tx& tx) {
          return service.OnItemClosed(event, closed, tx);
        });
  }
  // Remind once, on durable timers: an open chain without a follow-up for the interval after its
  // latest report; a unit that did not answer a call by the end of its due date.
  (*rt)->AddTimers(zs::reporting::kChainFollowUp, check_interval,
                   [&service](zs::store::Tx& tx, const zs::store::Timer& t) {
                     return service.FireFollowUp(tx, t);
                   });
  (*rt)->AddTimers(zs::reporting::kCallOverdue, check_interval,
                   [&service](zs::store::Tx& tx, const zs::store::Timer& t) {
                     return service.FireCallOverdue(tx, t);
                   });
  // The office's figures for an ops dashboard.
  (*rt)->AddQueryGauge("zs_office_reports_awaiting_review",
                       "Reports submitted and not yet reviewed (待审), by tenant", {"tenant"},
                       "SELECT tenant, COUNT(*) FROM reports WHERE state = 2 GROUP BY tenant");
  (*rt)->AddDatabaseGauge("zs_office_late_reports",
                          "Emergency reports submitted after their written limit (迟报), by tenant",
                          [](zs::store::Tx& tx) { return zs::reporting::repo::LateReports(tx); });
  (*rt)->AddQueryGauge("zs_office_open_calls",
                       "Calls for information not yet settled (约稿), by tenant", {"tenant"},
                       "SELECT tenant, COUNT(*) FROM calls WHERE settled = 0 GROUP BY tenant");
  return (*rt)->Run(&service, "zhongshu.reporting.v1.ReportingService");
}

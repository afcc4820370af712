// The proposals service (建议提案办理): NPC suggestions and CPPCC proposals from submission to
// closure, with working-day deadlines, ratings and statistics.
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/service.h"
#include "app/matters_upstream.h"
#include "app/runtime.h"
#include "events/types.h"
#include "rpc/server.h"
#include "store/repository.h"

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  auto rt = zs::app::ServiceRuntime::Create("proposals", argc, argv, zs::proposals::Migrations());
  if (!rt.ok()) {
    std::cerr << "proposals: " << rt.status().message() << "\n";
    return 2;
  }
  auto& c = (*rt)->config();
  zs::proposals::Options options;
  options.limits.utc_offset_minutes = c.Int("limits.utc_offset_minutes", 480, -720, 840);
  options.limits.max_content_chars = c.Int("limits.max_content_chars", 10000, 100, 100000);
  auto& d = options.deadlines;
  d.handling_months = c.Int("deadlines.handling_months", 3, 1, 12);
  d.urgent_months = c.Int("deadlines.urgent_months", 1, 1, 12);
  d.max_months = c.Int("deadlines.max_months", 6, 1, 24);
  d.return_window_working_days = c.Int("deadlines.return_window_working_days", 5, 0, 60);
  d.rehandling_working_days = c.Int("deadlines.rehandling_working_days", 20, 1, 250);
  d.max_rehandlings = c.Int("deadlines.max_rehandlings", 1, 0, 10);
  d.supervision_working_days = c.Int("deadlines.supervision_working_days", 10, 1, 60);
  d.remind_before = {static_cast<int>(c.Int("deadlines.first_reminder_working_days", 10, 1, 60)),
                     static_cast<int>(c.Int("deadlines.last_reminder_working_days", 3, 1, 60))};
  if (d.urgent_months > d.handling_months) {
    c.AddError("deadlines.urgent_months", "longer than deadlines.handling_months");
  }
  if (d.max_months < d.handling_months) {
    c.AddError("deadlines.max_months", "shorter than deadlines.handling_months");
  }
  options.fire_hour = c.Int("deadlines.fire_hour", 9, 0, 23);
  const auto timer_interval = c.Duration("deadlines.check_interval", std::chrono::seconds(10));
  const std::string calendar_dir = c.String("calendar.dir", "deploy/calendar");
  const std::string coordination_stream =
      c.String("events.coordination_stream", "zs:events:coordination");

  // Resolved matters are read back: upstream.coordination.address, .token and .timeout.
  auto coordination = (*rt)->AddUpstream("coordination", "127.0.0.1:7104");

  auto cal = zs::calendar::WorkCalendar::LoadDir(calendar_dir);
  if (!cal.ok()) c.AddError("calendar.dir", std::string(cal.status().message()));

  if (auto s = (*rt)->Open(); !s.ok()) {
    spdlog::critical("proposals: {}", std::string(s.message()));
    return zs::app::ServiceRuntime::StartupExitCode(s);
  }
  zs::proposals::ProposalsServiceImpl service((*rt)->handlers(), (*rt)->org(), (*rt)->clock(), *cal,
                                              options);
  namespace ev = zhongshu::events::v1;
  // A disputed return comes back decided from coordination, and is read back from it.
  const auto read_matter = zs::app::ReadMattersFrom(coordination);
  (*rt)
      ->AddConsumer(coordination_stream)
      .On<ev::MatterResolved>(
          zs::events::type::kCoordinationMatterResolved,
          [&](const ev::Event& e, const ev::MatterResolved& m) {
            return service.PrepareMatterResolved(e, m, read_matter);
          },
          [&](const ev::Event& e, const ev::MatterResolved& m, const std::any& prepared,
              zs::store::Tx& tx) { return service.OnMatterResolved(e, m, prepared, tx); });
  // Reminders and overdue events: due timers are claimed from the database, so replicas never
  // double-fire.
  (*rt)->AddTimers(zs::proposals::kDeadlineTimers, timer_interval,
                   [&service](zs::store::Tx& tx, const zs::store::Timer& timer) {
                     return service.FireDeadlineTimer(tx, timer);
                   });
  // The office's figures for an ops dashboard.
  (*rt)->AddQueryGauge("zs_office_proposals_in_handling",
                       "Proposals assigned and not yet replied (办理中), by tenant", {"tenant"},
                       "SELECT tenant, COUNT(*) FROM proposals WHERE state = 6 GROUP BY tenant");
  return (*rt)->Run(&service, "zhongshu.proposals.v1.ProposalsService");
}

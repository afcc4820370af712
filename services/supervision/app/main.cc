// The supervision service (督查督办): items, tasks, working-day deadlines and the warning ladder.
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <mutex>

#include "api/service.h"
#include "app/runtime.h"
#include "auth/jwt.h"
#include "events/types.h"
#include "rpc/server.h"
#include "store/repository.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace {

namespace rpb = zhongshu::reporting::v1;

// Reads reports from the reporting service as the "service" role of the event's tenant. The token
// is either configured (production: issued to this service) or minted with the dev HS256 secret.
class ReportingClient {
 public:
  ReportingClient(const std::string& address, std::string token, std::string hs256_secret)
      : stub_(rpb::ReportingService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        token_(std::move(token)),
        secret_(std::move(hs256_secret)) {}

  absl::StatusOr<zs::supervision::ReportContext> Fetch(const std::string& tenant,
                                                       const std::string& report_id) {
    std::string token = token_;
    if (token.empty()) {
      auto minted = DevToken(tenant);
      if (!minted.ok()) return minted.status();
      token = *minted;
    }
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    rpb::GetReportRequest req;
    req.set_id(report_id);
    rpb::Report r;
    grpc::Status s = stub_->GetReport(&ctx, req, &r);
    // Reporting always names a report of the event's own tenant; one this tenant's service
    // account cannot find means the event does not hold together: refused, never opened.
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      return absl::FailedPreconditionError(
          "report " + report_id + " named by the instruction is not a report of tenant " + tenant);
    }
    if (!s.ok()) {
      // The code is kept, so the consumer tells an outage (retried) from a bad request.
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          "reporting GetReport " + report_id + ": " + s.error_message());
    }
    return zs::supervision::ReportContext{r.body(), r.sensitivity() == rpb::SENSITIVITY_NEGATIVE,
                                          r.tenant()};
  }

 private:
  // A dev token of the "service" role for the tenant, minted with the HS256 secret and reused
  // until a minute before it expires. Thread-safe.
  absl::StatusOr<std::string> DevToken(const std::string& tenant) {
    const auto now = zs::SystemClock::Get()->Now();
    std::lock_guard lock(mu_);
    auto it = minted_.find(tenant);
    if (it != minted_.end() && it->second.second > now) return it->second.first;
    auto t = zs::auth::IssueHs256(
        secret_, zs::auth::Principal{"svc:supervision", "督查室", tenant, "", {"service"}}, now,
        std::chrono::minutes(10));
    if (!t.ok()) return t.status();
    minted_[tenant] = {*t, now + std::chrono::minutes(9)};
    return *t;
  }

  std::mutex mu_;
  std::map<std::string, std::pair<std::string, zs::TimePoint>> minted_;  // guarded by mu_
  std::unique_ptr<rpb::ReportingService::Stub> stub_;
  std::string token_;
  std::string secret_;
};

}  // namespace

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  auto rt =
      zs::app::ServiceRuntime::Create("supervision", argc, argv, zs::supervision::Migrations());
  if (!rt.ok()) {
    std::cerr << "supervision: " << rt.status().message() << "\n";
    return 2;
  }
  auto& c = (*rt)->config();
  zs::supervision::Options options;
  options.limits.utc_offset_minutes = c.Int("limits.utc_offset_minutes", 480, -720, 840);
  options.ladder.reminder_after_working_days =
      c.Int("ladder.reminder_after_working_days", 1, 1, 30);
  options.ladder.blue_before_working_days = c.Int("ladder.blue_before_working_days", 3, 1, 60);
  options.ladder.red_after_working_days = c.Int("ladder.red_after_working_days", 5, 1, 60);
  options.ladder.talk_after_reds = c.Int("ladder.talk_after_reds", 3, 1, 100);
  options.ladder.talk_period_days = c.Int("ladder.talk_period_days", 90, 1, 366);
  options.fire_hour = c.Int("ladder.fire_hour", 9, 0, 23);
  const auto timer_interval = c.Duration("ladder.check_interval", std::chrono::seconds(10));
  const std::string calendar_dir = c.String("calendar.dir", "deploy/calendar");
  const std::string reporting_stream = c.String("events.reporting_stream", "zs:events:reporting");
  const std::string coordination_stream =
      c.String("events.coordination_stream", "zs:events:coordination");
  const std::string proposals_stream = c.String("events.proposals_stream", "zs:events:proposals");
  const std::string reporting_addr = c.String("upstream.reporting.address", "127.0.0.1:7101");
  const std::string reporting_token = c.String("upstream.reporting.token", "");
  const std::string secret = c.String("auth.hs256_secret", "");

  auto cal = zs::calendar::WorkCalendar::LoadDir(calendar_dir);
  if (!cal.ok()) c.AddError("calendar.dir", std::string(cal.status().message()));
  for (int year : cal.ok() ? cal->years() : std::vector<int>{}) {
    if (cal->Provisional(year)) {
      spdlog::warn(
          "calendar {} is provisional (statutory holidays only); update {}/{}.yaml from "
          "the State Council notice",
          year, calendar_dir, year);
    }
  }

  // Every key is read: check them all, then open and check the database.
  if (auto s = (*rt)->Open(); !s.ok()) {
    spdlog::critical("supervision: {}", std::string(s.message()));
    return zs::app::ServiceRuntime::StartupExitCode(s);
  }
  zs::supervision::SupervisionServiceImpl service((*rt)->handlers(), (*rt)->org(), (*rt)->clock(),
                                                  *cal, options);
  ReportingClient reporting(reporting_addr, reporting_token, secret);
  (*rt)
      ->AddConsumer(reporting_stream)
      .On(
          zs::events::type::kReportingInstructionIssued,
          [&](const auto& event) {
            return service.PrepareInstruction(
                event, [&](const std::string& tenant, const std::string& report_id) {
                  return reporting.Fetch(tenant, report_id);
                });
          },
          [&](const auto& event, const std::any& prepared, zs::store::Tx& tx) {
            return service.OnInstructionIssued(event, prepared, tx);
          });

  using Handler = absl::Status (zs::supervision::SupervisionServiceImpl::*)(
      const zhongshu::events::v1::Event&, zs::store::Tx&);
  auto bind = [&service](Handler h) {
    return [&service, h](const auto& event, zs::store::Tx& tx) { return (service.*h)(event, tx); };
  };
  using S = zs::supervision::SupervisionServiceImpl;
  // One consumer per stream: a consumer acknowledges the types it has no handler for.
  auto& coordination = (*rt)->AddConsumer(coordination_stream);
  coordination.On(zs::events::type::kCoordinationMeetingDecisionRecorded,
                  bind(&S::OnMeetingDecision));
  coordination.On(zs::events::type::kCoordinationDocumentInstructionRecorded,
                  bind(&S::OnDocumentInstruction));
  coordination.On(zs::events::type::kCoordinationMatterResolved, bind(&S::OnMatterResolved));
  (*rt)
      ->AddConsumer(proposals_stream)
      .On(zs::events::type::kProposalsHandlingOverdue, bind(&S::OnProposalOverdue));

  // The warning ladder: due timers are claimed from the database, so replicas never double-fire.
  (*rt)->AddPeriodicJob("timers", timer_interval,
                        [&service] { return service.FireDueTimers().status(); });
  return (*rt)->Run(&service, "zhongshu.supervision.v1.SupervisionService");
}

// The supervision service (督查督办): items, tasks, working-day deadlines and the warning ladder.
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "api/service.h"
#include "app/matters_upstream.h"
#include "app/runtime.h"
#include "events/types.h"
#include "rpc/server.h"
#include "store/repository.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace {

namespace rpb = zhongshu::reporting::v1;

// Reads an instruction's report from the reporting service as this service's account in the
// event's tenant (credentials and deadline from the upstream).
zs::supervision::ReportFetcher ReportsOf(std::shared_ptr<zs::app::Upstream> reporting) {
  std::shared_ptr<rpb::ReportingService::Stub> stub =
      rpb::ReportingService::NewStub(reporting->channel());
  return [reporting, stub](
             const std::string& tenant,
             const std::string& report_id) -> absl::StatusOr<zs::supervision::ReportContext> {
    auto ctx = reporting->Context(tenant);
    if (!ctx.ok()) return ctx.status();
    rpb::GetReportRequest req;
    req.set_id(report_id);
    rpb::Report r;
    grpc::Status s = stub->GetReport(ctx->get(), req, &r);
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
  };
}

namespace ppb = zhongshu::proposals::v1;

// Reads an overdue proposal from the proposals service as this service's account in the event's
// tenant: what the item says of it, and whether the named unit still owes its reply.
zs::supervision::ProposalFetcher ProposalsOf(std::shared_ptr<zs::app::Upstream> proposals) {
  std::shared_ptr<ppb::ProposalsService::Stub> stub =
      ppb::ProposalsService::NewStub(proposals->channel());
  return [proposals, stub](
             const std::string& tenant, const std::string& id,
             const std::string& unit) -> absl::StatusOr<zs::supervision::ProposalContext> {
    auto ctx = proposals->Context(tenant);
    if (!ctx.ok()) return ctx.status();
    ppb::GetProposalRequest req;
    req.set_id(id);
    ppb::Proposal p;
    grpc::Status s = stub->GetProposal(ctx->get(), req, &p);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      return absl::FailedPreconditionError("proposal " + id +
                                           " named by the overdue event is not a proposal of "
                                           "tenant " +
                                           tenant);
    }
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          "proposals GetProposal " + id + ": " + s.error_message());
    }
    zs::supervision::ProposalContext out{
        p.tenant(), p.title(), std::to_string(p.number()),
        p.kind() == ppb::PROPOSAL_KIND_NPC_SUGGESTION ? "npc_suggestion" : "cppcc_proposal", false};
    for (const auto& h : p.handlings()) {
      const bool replies = h.role() == ppb::HANDLING_ROLE_SOLE ||
                           h.role() == ppb::HANDLING_ROLE_LEAD ||
                           h.role() == ppb::HANDLING_ROLE_SPLIT;
      const bool open =
          h.state() == ppb::HANDLING_STATE_ASSIGNED || h.state() == ppb::HANDLING_STATE_SIGNED;
      if (h.unit() == unit && replies && open) out.unit_owes = true;
    }
    return out;
  };
}

namespace cpb = zhongshu::coordination::v1;

// A coordination call's failure as the consumer must see it: NOT_FOUND means the event names a
// record this tenant does not hold (refused, never opened); other codes are kept, so an outage
// is retried and a bad request is not.
absl::Status CoordinationFailure(const grpc::Status& s, const std::string& what,
                                 const std::string& tenant) {
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::FailedPreconditionError(what +
                                         " is not held by the coordination service for "
                                         "tenant " +
                                         tenant);
  }
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      "coordination: " + what + ": " + s.error_message());
}

// Reads a meeting's decision (议定事项) from coordination's meetings module.
zs::supervision::CoordinationFetcher MeetingsOf(std::shared_ptr<zs::app::Upstream> coordination) {
  std::shared_ptr<cpb::MeetingsService::Stub> stub =
      cpb::MeetingsService::NewStub(coordination->channel());
  return
      [coordination, stub](
          const std::string& tenant, const std::string& meeting_id,
          const std::string& decision_id) -> absl::StatusOr<zs::supervision::CoordinationRecord> {
        auto ctx = coordination->Context(tenant);
        if (!ctx.ok()) return ctx.status();
        cpb::GetMeetingRequest req;
        req.set_id(meeting_id);
        cpb::Meeting m;
        grpc::Status s = stub->GetMeeting(ctx->get(), req, &m);
        if (!s.ok()) return CoordinationFailure(s, "meeting " + meeting_id, tenant);
        zs::supervision::CoordinationRecord out;
        out.tenant = m.tenant();
        out.title = m.title();
        out.leader = m.presiding_leader();
        out.leader_name = m.presiding_leader_name();
        for (const auto& d : m.decisions()) {
          if (d.id() != decision_id) continue;
          out.found = true;
          out.text = d.text();
          out.units.push_back(d.lead_unit());
          out.units.insert(out.units.end(), d.co_units().begin(), d.co_units().end());
          out.due_date = d.due_date();
        }
        return out;
      };
}

// Reads a document's instruction (批办件) from coordination's circulation module.
zs::supervision::CoordinationFetcher DocumentsOf(std::shared_ptr<zs::app::Upstream> coordination) {
  std::shared_ptr<cpb::CirculationService::Stub> stub =
      cpb::CirculationService::NewStub(coordination->channel());
  return [coordination, stub](const std::string& tenant, const std::string& document_id,
                              const std::string& instruction_id)
             -> absl::StatusOr<zs::supervision::CoordinationRecord> {
    auto ctx = coordination->Context(tenant);
    if (!ctx.ok()) return ctx.status();
    cpb::GetDocumentRequest req;
    req.set_id(document_id);
    cpb::Document d;
    grpc::Status s = stub->GetDocument(ctx->get(), req, &d);
    if (!s.ok()) return CoordinationFailure(s, "document " + document_id, tenant);
    zs::supervision::CoordinationRecord out;
    out.tenant = d.tenant();
    out.secret = d.secrecy_level() > 0;
    if (!out.secret) out.title = d.title();
    out.number = d.number();
    for (const auto& in : d.instructions()) {
      if (in.id() != instruction_id) continue;
      out.found = true;
      out.text = in.text();
      out.leader = in.leader();
      out.leader_name = in.leader_name();
      out.units.assign(in.directed_units().begin(), in.directed_units().end());
      out.due_date = in.due_date();
    }
    return out;
  };
}

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
  // Reports of instructions: upstream.reporting.address, .token and .timeout.
  auto reporting = (*rt)->AddUpstream("reporting", "127.0.0.1:7101");
  // Overdue proposals: upstream.proposals.address, .token and .timeout.
  auto proposals = (*rt)->AddUpstream("proposals", "127.0.0.1:7103");
  // Meeting decisions and document instructions: upstream.coordination.address, .token, .timeout.
  auto coordination_upstream = (*rt)->AddUpstream("coordination", "127.0.0.1:7104");

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
  const auto fetch_report = ReportsOf(reporting);
  const auto fetch_proposal = ProposalsOf(proposals);
  const auto fetch_decision = MeetingsOf(coordination_upstream);
  const auto fetch_instruction = DocumentsOf(coordination_upstream);
  const auto read_matter = zs::app::ReadMattersFrom(coordination_upstream);
  namespace ev = zhongshu::events::v1;
  namespace type = zs::events::type;
  (*rt)
      ->AddConsumer(reporting_stream)
      .On<ev::InstructionIssued>(
          type::kReportingInstructionIssued,
          [&](const ev::Event& e, const ev::InstructionIssued& in) {
            return service.PrepareInstruction(e, in, fetch_report);
          },
          [&](const ev::Event& e, const ev::InstructionIssued& in, const std::any& prepared,
              zs::store::Tx& tx) { return service.OnInstructionIssued(e, in, prepared, tx); });
  // One consumer per stream: a consumer acknowledges the types it has no handler for.
  auto& coordination = (*rt)->AddConsumer(coordination_stream);
  coordination.On<ev::MeetingDecisionRecorded>(
      type::kCoordinationMeetingDecisionRecorded,
      [&](const ev::Event& e, const ev::MeetingDecisionRecorded& d) {
        return service.PrepareMeetingDecision(e, d, fetch_decision);
      },
      [&](const ev::Event& e, const ev::MeetingDecisionRecorded& d, const std::any& prepared,
          zs::store::Tx& tx) { return service.OnMeetingDecision(e, d, prepared, tx); });
  coordination.On<ev::DocumentInstructionRecorded>(
      type::kCoordinationDocumentInstructionRecorded,
      [&](const ev::Event& e, const ev::DocumentInstructionRecorded& d) {
        return service.PrepareDocumentInstruction(e, d, fetch_instruction);
      },
      [&](const ev::Event& e, const ev::DocumentInstructionRecorded& d, const std::any& prepared,
          zs::store::Tx& tx) { return service.OnDocumentInstruction(e, d, prepared, tx); });
  coordination.On<ev::MatterResolved>(
      type::kCoordinationMatterResolved,
      [&](const ev::Event& e, const ev::MatterResolved& m) {
        return service.PrepareMatterResolved(e, m, read_matter);
      },
      [&](const ev::Event& e, const ev::MatterResolved& m, const std::any& prepared,
          zs::store::Tx& tx) { return service.OnMatterResolved(e, m, prepared, tx); });
  (*rt)
      ->AddConsumer(proposals_stream)
      .On<ev::ProposalOverdue>(
          type::kProposalsHandlingOverdue,
          [&](const ev::Event& e, const ev::ProposalOverdue& p) {
            return service.PrepareProposalOverdue(e, p, fetch_proposal);
          },
          [&](const ev::Event& e, const ev::ProposalOverdue& p, const std::any& prepared,
              zs::store::Tx& tx) { return service.OnProposalOverdue(e, p, prepared, tx); });

  // The warning ladder: due timers are claimed from the database, so replicas never double-fire.
  (*rt)->AddTimers(zs::supervision::kLadderTimers, timer_interval,
                   [&service](zs::store::Tx& tx, const zs::store::Timer& timer) {
                     return service.FireLadderTimer(tx, timer);
                   });
  // The office's figures for an ops dashboard.
  (*rt)->AddQueryGauge("zs_office_open_items", "Supervision items open (在办督查事项), by tenant",
                       {"tenant"},
                       "SELECT tenant, COUNT(*) FROM items WHERE state = 1 GROUP BY tenant");
  // Overdue: still open and past its yellow rung (the first working day after the due date).
  (*rt)->AddQueryGauge(
      "zs_office_overdue_tasks", "Open tasks past their due date (逾期), by tenant", {"tenant"},
      "SELECT t.tenant, COUNT(DISTINCT t.id) FROM tasks t JOIN task_timers r ON r.task_id = t.id"
      " WHERE r.rung IN ('yellow', 'red') AND r.fired_at IS NOT NULL AND t.state NOT IN (5, 6, 8)"
      " GROUP BY t.tenant");
  return (*rt)->Run(&service, "zhongshu.supervision.v1.SupervisionService");
}

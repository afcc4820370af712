// Emergency reports (突发事件): chains from initial to final, and the follow-up reminder.
#include <cstring>
#include <optional>

#include "api/service.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/repository.h"
#include "store/timers.h"
#include "zhongshu/events/v1/reporting.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;

absl::StatusOr<ChainState> ReportingServiceImpl::FollowedChain(store::Tx& tx,
                                                               const auth::Principal& caller,
                                                               const pb::Report& r) {
  const std::string& previous = r.emergency().previous_id();
  auto prev = LoadVisible(tx, caller, previous);
  if (absl::IsNotFound(prev.status())) {
    return absl::NotFoundError("report.emergency.previous_id: report " + previous + " not found");
  }
  if (!prev.ok()) return prev.status();
  if (prev->kind() != pb::REPORT_KIND_EMERGENCY || prev->emergency().chain_id().empty()) {
    return absl::FailedPreconditionError("report.emergency.previous_id: " + previous +
                                         " is not a submitted emergency report");
  }
  auto chain = repo::GetChain(tx, prev->emergency().chain_id());
  if (!chain.ok()) return chain.status();
  if (!chain->has_value()) {
    return absl::FailedPreconditionError("report.emergency.previous_id: no chain for " + previous);
  }
  if (auto s = CheckFollowUp(r, **chain); !s.ok()) return s;
  return **chain;
}

absl::Status ReportingServiceImpl::SubmitEmergency(store::Tx& tx, const auth::Principal& caller,
                                                   pb::Report& r) {
  std::optional<ChainState> chain;
  if (!r.emergency().previous_id().empty()) {
    auto c = FollowedChain(tx, caller, r);
    if (!c.ok()) return c.status();
    chain = *c;
  }
  const TimePoint now = clock_->Now();
  StampSubmission(r, chain ? &*chain : nullptr, now, emergency_.clocks);
  const auto& e = r.emergency();
  const ChainState next{e.chain_id(), r.id(), e.sequence(), e.phase() == pb::EMERGENCY_PHASE_FINAL,
                        chain ? chain->tenant : r.tenant()};
  if (auto s = repo::SaveChain(tx, next, next.tenant, ToMillis(now)); !s.ok()) return s;
  // The chain owes a follow-up within the interval of its latest report, until its final one.
  if (next.closed) {
    if (auto s = store::CancelTimers(tx, kChainFollowUp, next.chain_id); !s.ok()) return s;
  } else {
    const store::Timer due{
        kChainFollowUp, next.chain_id, r.id(), ToMillis(now + emergency_.follow_up_interval), "",
        next.tenant};
    if (auto s = store::ScheduleTimers(tx, kChainFollowUp, next.chain_id, {due}); !s.ok()) {
      return s;
    }
  }
  ev::EmergencyReported payload;
  payload.set_report_id(r.id());
  payload.set_chain_id(e.chain_id());
  payload.set_phase(pb::EmergencyPhase_Name(e.phase()).substr(strlen("EMERGENCY_PHASE_")));
  payload.set_sequence(e.sequence());
  payload.set_grade(e.grade());
  payload.set_title(r.title());
  payload.set_unit_id(r.unit_id());
  payload.set_place(e.place());
  *payload.mutable_occurred_at() = e.occurred_at();
  *payload.mutable_learned_at() = e.learned_at();
  payload.set_deaths(e.casualties().deaths());
  payload.set_injured(e.casualties().injured());
  payload.set_missing(e.casualties().missing());
  payload.set_late(e.late());
  payload.set_negative(r.sensitivity() == pb::SENSITIVITY_NEGATIVE);
  const std::string type =
      e.phase() == pb::EMERGENCY_PHASE_INITIAL ? events::type::kReportingEmergencySubmitted
      : e.phase() == pb::EMERGENCY_PHASE_FINAL ? events::type::kReportingEmergencyFinalized
                                               : events::type::kReportingEmergencyFollowedUp;
  events::Change change{"emergency." + payload.phase(),
                        r.id(),
                        r.tenant(),
                        e.late() ? "迟报" : "",
                        type,
                        &payload,
                        ""};
  return recorder_.Record(tx, caller.ToActor(), change).status();
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetEmergencyChain(
    grpc::CallbackServerContext* ctx, const pb::GetEmergencyChainRequest* req,
    pb::EmergencyChain* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope, [req] { return ValidateId(req->chain_id(), "chain_id"); });
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto chain = repo::GetChain(tx, req->chain_id());
    if (!chain.ok()) return chain.status();
    auto reports = repo::ChainReports(tx, req->chain_id());
    if (!reports.ok()) return reports.status();
    for (auto& r : *reports) {
      if (r.state() != pb::REPORT_STATE_DRAFT && MayRead(scope, r)) {
        *resp->add_reports() = std::move(r);
      }
    }
    if (!chain->has_value() || resp->reports().empty()) {
      return absl::NotFoundError("emergency chain " + req->chain_id() + " not found");
    }
    resp->set_chain_id(req->chain_id());
    resp->set_closed((*chain)->closed);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> ReportingServiceImpl::FireFollowUp(store::Tx& tx,
                                                               const store::Timer& timer) {
  auto chain = repo::GetChain(tx, timer.owner);
  if (!chain.ok()) return chain.status();
  // Scheduled for the chain's latest report: a later report or the final one replaces it.
  if (!chain->has_value() || (*chain)->closed || (*chain)->last_report_id != timer.name) {
    return std::string("superseded");
  }
  const ChainState& c = **chain;
  auto latest = repo::Reports().Get(tx, c.last_report_id);
  if (!latest.ok()) return latest.status();
  ev::EmergencyReported payload;
  payload.set_report_id(latest->id());
  payload.set_chain_id(c.chain_id);
  payload.set_sequence(c.last_sequence);
  payload.set_grade(latest->emergency().grade());
  payload.set_title(latest->title());
  payload.set_unit_id(latest->unit_id());
  payload.set_place(latest->emergency().place());
  payload.set_negative(latest->sensitivity() == pb::SENSITIVITY_NEGATIVE);
  events::Change change{"emergency.follow_up_due",
                        c.chain_id,
                        c.tenant,
                        "no follow-up since " + c.last_report_id,
                        events::type::kReportingEmergencyFollowUpDue,
                        &payload,
                        ""};
  if (auto s = RecordSystem(tx, change); !s.ok()) return s;
  return std::string("fired");
}

}  // namespace zs::reporting

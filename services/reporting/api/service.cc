// Reports (信息): the adapter class, report changes, and the answer from supervision.
#include "api/service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/repository.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;

ReportingServiceImpl::ReportingServiceImpl(const app::Handlers& handlers, const org::OrgTree& org,
                                           const Clock* clock, Limits limits,
                                           EmergencyOptions emergency, BulletinKinds bulletin_kinds,
                                           PointsTable points)
    : handlers_(handlers),
      org_(org),
      clock_(clock),
      limits_(limits),
      emergency_(emergency),
      bulletin_kinds_(std::move(bulletin_kinds)),
      points_(std::move(points)),
      recorder_("reporting", clock) {
  reports_.load = [this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
    return LoadVisible(tx, caller, id);
  };
  reports_.save = [this](store::Tx& tx, const auth::Principal& caller, const pb::Report& before,
                         const pb::Report& after, const app::Audit& audit) -> absl::Status {
    if (auto s = repo::Reports().Update(tx, after, before.version()); !s.ok()) return s;
    ev::ReportChanged payload;
    payload.set_report_id(after.id());
    payload.set_unit_id(after.unit_id());
    payload.set_state(pb::ReportState_Name(after.state()));
    events::Change change{audit.action, after.id(), after.tenant(), audit.detail, audit.event_type,
                          &payload,     ""};
    return recorder_.Record(tx, caller.ToActor(), change).status();
  };
  bulletins_.load = [this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
    return LoadBulletin(tx, caller, id);
  };
  bulletins_.save = [this](store::Tx& tx, const auth::Principal& caller, const pb::Bulletin& before,
                           const pb::Bulletin& b, const app::Audit& audit) -> absl::Status {
    if (auto s = repo::Bulletins().Update(tx, b, before.version()); !s.ok()) return s;
    events::Change change{audit.action, b.id(), b.tenant(), audit.detail, "", nullptr, ""};
    ev::BulletinPublished payload;
    if (audit.event_type == events::type::kReportingBulletinPublished) {
      payload.set_bulletin_id(b.id());
      payload.set_kind(b.kind());
      payload.set_year(b.year());
      payload.set_number(b.number());
      for (const auto& it : b.items()) {
        payload.add_report_ids(it.report_id());
        payload.add_unit_ids(it.unit_id());
      }
      change.detail =
          b.kind_name() + " " + std::to_string(b.year()) + "-" + std::to_string(b.number());
      change.event_type = audit.event_type;
      change.payload = &payload;
    }
    return recorder_.Record(tx, caller.ToActor(), change).status();
  };
}

app::Check ReportingServiceImpl::ScopeCheck(ReadScope* scope,
                                            std::function<absl::Status()> validate) const {
  return [this, scope, validate = std::move(validate)](const auth::Principal& caller) {
    if (validate) {
      if (auto s = validate(); !s.ok()) return s;
    }
    auto got = ScopeOf(caller);
    if (!got.ok()) return got.status();
    *scope = std::move(*got);
    return absl::OkStatus();
  };
}

absl::StatusOr<pb::Report> ReportingServiceImpl::LoadVisible(store::Tx& tx,
                                                             const auth::Principal& caller,
                                                             const std::string& id) const {
  auto scope = ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  return repo::GetVisible(tx, repo::Reports(), id,
                          [&](const pb::Report& r) { return MayRead(*scope, r); });
}

absl::Status ReportingServiceImpl::RecordSystem(store::Tx& tx, const events::Change& change) const {
  zhongshu::common::v1::Actor system;
  system.set_subject("system:reporting");
  return recorder_.Record(tx, system, change).status();
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateReport(grpc::CallbackServerContext* ctx,
                                                             const pb::CreateReportRequest* req,
                                                             pb::Report* resp) {
  const pb::Report& want = req->report();
  auto check = [this, &want](const auth::Principal& caller) -> absl::Status {
    if (auto s = ValidateNewReport(want, org_, limits_); !s.ok()) return s;
    if (auto s = ValidateEmergency(want, clock_->Now()); !s.ok()) return s;
    if (auto s = RequireRole(caller, {"clerk", "editor"}, "writing a report"); !s.ok()) return s;
    const std::string unit_id = want.unit_id().empty() ? caller.unit : want.unit_id();
    if (unit_id.empty() || org_.FindUnit(unit_id) == nullptr) {
      return absl::InvalidArgumentError("report.unit_id: required (the caller has no unit)");
    }
    return MayAuthorFor(org_, caller, unit_id);
  };
  return handlers_.Write(
      ctx, "CreateReport", *req, resp, check,
      [this, &want, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        const org::Unit& unit =
            *org_.FindUnit(want.unit_id().empty() ? caller.unit : want.unit_id());
        pb::Report r =
            NewReport(want, NewResourceId(unit.tenant, "r"), unit, caller.subject, clock_->Now());
        if (!r.emergency().previous_id().empty()) {
          if (auto chain = FollowedChain(tx, caller, r); !chain.ok()) return chain.status();
        }
        if (!r.call_id().empty()) {
          if (auto call = AnsweredCall(tx, caller, r); !call.ok()) return call.status();
        }
        if (auto s = repo::Reports().Insert(tx, r); !s.ok()) return s;
        events::Change change{"report.create", r.id(), r.tenant(), r.title(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(r);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetReport(grpc::CallbackServerContext* ctx,
                                                          const pb::GetReportRequest* req,
                                                          pb::Report* resp) {
  return handlers_.Read(
      ctx, [req](const auth::Principal&) { return ValidateId(req->id(), "id"); },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto r = LoadVisible(tx, caller, req->id());
        if (!r.ok()) return r.status();
        *resp = std::move(*r);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListReports(grpc::CallbackServerContext* ctx,
                                                            const pb::ListReportsRequest* req,
                                                            pb::ListReportsResponse* resp) {
  cond::Cond where;
  auto check = [&](const auth::Principal& caller) -> absl::Status {
    if (!pb::ReportState_IsValid(req->state())) {
      return absl::InvalidArgumentError("state: unknown value");
    }
    if (!req->unit_id().empty() && org_.FindUnit(req->unit_id()) == nullptr) {
      return absl::InvalidArgumentError("unit_id: unknown unit '" + req->unit_id() + "'");
    }
    if (!req->tenant().empty() && org_.FindTenant(req->tenant()) == nullptr) {
      return absl::InvalidArgumentError("tenant: unknown tenant '" + req->tenant() + "'");
    }
    auto scope = ScopeOf(caller);
    if (!scope.ok()) return scope.status();
    if (!req->tenant().empty() && !auth::MaySeeTenant(org_, caller, req->tenant())) {
      return absl::PermissionDeniedError("tenant " + req->tenant() +
                                         " is outside your jurisdiction");
    }
    std::vector<cond::Cond> all = {VisibleReports(*scope)};
    if (req->state() != pb::REPORT_STATE_UNSPECIFIED) {
      all.push_back(cond::Eq("state", int64_t{req->state()}));
    }
    if (!req->unit_id().empty()) all.push_back(cond::Eq("unit_id", req->unit_id()));
    if (!req->tenant().empty()) all.push_back(cond::Eq("tenant", req->tenant()));
    where = cond::All(std::move(all));
    return absl::OkStatus();
  };
  return handlers_.List(ctx, req->page_size(), req->page_token(), check,
                        [&](const auth::Principal&, const app::Page& page, store::Tx& tx) {
                          return repo::ListPage(
                              tx, repo::Reports(), where, page.cursor, page.size,
                              [&](pb::Report&& r) { *resp->add_reports() = std::move(r); },
                              resp->mutable_next_page_token());
                        });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::UpdateReport(grpc::CallbackServerContext* ctx,
                                                             const pb::UpdateReportRequest* req,
                                                             pb::Report* resp) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto check = [this, req, paths](const auth::Principal& caller) -> absl::Status {
    const std::vector<std::string> mask(req->update_mask().paths().begin(),
                                        req->update_mask().paths().end());
    if (auto s = ValidateUpdate(req->report(), mask, limits_, paths.get()); !s.ok()) return s;
    return RequireRole(caller, {"clerk", "editor"}, "changing a report");
  };
  return handlers_.Change<pb::Report>(
      ctx, "UpdateReport", *req, resp, reports_, req->report().id(), check,
      {"report.update", "", ""},
      [this, req, paths](const auth::Principal& caller, store::Tx&, pb::Report& r) {
        if (auto s = MayEdit(caller, r); !s.ok()) return s;
        return ApplyUpdate(r, req->report(), *paths, clock_->Now());
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::SubmitReport(grpc::CallbackServerContext* ctx,
                                                             const pb::SubmitReportRequest* req,
                                                             pb::Report* resp) {
  return handlers_.Change<pb::Report>(
      ctx, "SubmitReport", *req, resp, reports_, req->id(),
      [req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
        return RequireRole(caller, {"clerk", "editor"}, "submitting a report");
      },
      {"report.submit", events::type::kReportingReportSubmitted, ""},
      [this](const auth::Principal& caller, store::Tx& tx, pb::Report& r) -> absl::Status {
        if (auto s = MayEdit(caller, r); !s.ok()) return s;
        if (auto s = Submit(r, clock_->Now()); !s.ok()) return s;
        if (!r.call_id().empty()) {
          if (auto s = AnswerCall(tx, caller, r); !s.ok()) return s;
        }
        if (r.kind() != pb::REPORT_KIND_EMERGENCY) return absl::OkStatus();
        return SubmitEmergency(tx, caller, r);
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ReturnReport(grpc::CallbackServerContext* ctx,
                                                             const pb::ReturnReportRequest* req,
                                                             pb::Report* resp) {
  return handlers_.Change<pb::Report>(
      ctx, "ReturnReport", *req, resp, reports_, req->id(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateReturn(req->id(), req->comment(), limits_); !s.ok()) return s;
        return RequireRole(caller, {"editor"}, "returning a report");
      },
      {"report.return", events::type::kReportingReportReturned, req->comment()},
      [this, req](const auth::Principal&, store::Tx& tx, pb::Report& r) -> absl::Status {
        auto instructed = repo::Instructions().Count(tx, cond::Eq("report_id", r.id()));
        if (!instructed.ok()) return instructed.status();
        if (auto s = MayReturn(r, *instructed); !s.ok()) return s;
        return Return(r, req->comment(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::AdoptReport(grpc::CallbackServerContext* ctx,
                                                            const pb::AdoptReportRequest* req,
                                                            pb::Report* resp) {
  return handlers_.Change<pb::Report>(
      ctx, "AdoptReport", *req, resp, reports_, req->id(),
      [req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateAdopt(req->id(), req->level()); !s.ok()) return s;
        return RequireRole(caller, {"editor"}, "adopting a report");
      },
      {"report.adopt", events::type::kReportingReportAdopted,
       zhongshu::common::v1::Level_Name(req->level())},
      [this, req](const auth::Principal& caller, store::Tx& tx, pb::Report& r) -> absl::Status {
        if (auto s = Adopt(r, req->level(), caller.subject, clock_->Now()); !s.ok()) return s;
        return repo::AddScores(tx, AdoptionAwards(r, req->level(), points_, clock_->Now()));
      });
}

namespace {

// The instruction a supervision event names, if the event may act on it: an instruction of
// another tenant is refused (PERMISSION_DENIED, so the event is dead-lettered and seen).
absl::StatusOr<std::optional<pb::Instruction>> InstructionFor(store::Tx& tx, const ev::Event& event,
                                                              const std::string& instruction_id,
                                                              const std::string& item_id) {
  auto in = repo::Instructions().Get(tx, instruction_id);
  if (absl::IsNotFound(in.status())) {
    spdlog::warn("{} for item {} names unknown instruction {}; ignored", event.type(), item_id,
                 instruction_id);
    return std::nullopt;
  }
  if (!in.ok()) return in.status();
  if (in->tenant() != event.tenant()) {
    return absl::PermissionDeniedError(event.type() + " of tenant " + event.tenant() +
                                       " names instruction " + in->id() + " of tenant " +
                                       in->tenant());
  }
  return std::optional<pb::Instruction>(std::move(*in));
}

}  // namespace

absl::Status ReportingServiceImpl::OnItemOpened(const ev::Event& event,
                                                const ev::ItemOpened& opened, store::Tx& tx) {
  if (opened.item_id().empty()) {
    return absl::InvalidArgumentError("supervision.item.opened names no item");
  }
  if (opened.source_type() != ev::SOURCE_TYPE_LEADER_INSTRUCTION) return absl::OkStatus();
  auto in = InstructionFor(tx, event, opened.source_ref(), opened.item_id());
  if (!in.ok()) return in.status();
  if (!in->has_value()) return absl::OkStatus();
  pb::Instruction& instruction = **in;
  if (instruction.supervision_item_id() == opened.item_id()) return absl::OkStatus();
  if (!instruction.supervision_item_id().empty()) {
    return absl::FailedPreconditionError("item " + opened.item_id() + " claims instruction " +
                                         instruction.id() + ", which item " +
                                         instruction.supervision_item_id() + " handles");
  }
  instruction.set_supervision_item_id(opened.item_id());
  return repo::Save(tx, repo::Instructions(), instruction);
}

absl::Status ReportingServiceImpl::OnItemClosed(const ev::Event& event,
                                                const ev::ItemClosed& closed, store::Tx& tx) {
  if (closed.source_type() != ev::SOURCE_TYPE_LEADER_INSTRUCTION) return absl::OkStatus();
  auto found = InstructionFor(tx, event, closed.source_ref(), closed.item_id());
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::OkStatus();
  auto in = &**found;
  if (in->supervision_item_id().empty()) {
    // The item.opened event precedes this one on the stream; until it is applied, wait.
    return absl::UnavailableError("instruction " + in->id() + " has no item recorded yet");
  }
  if (in->supervision_item_id() != closed.item_id()) {
    return absl::PermissionDeniedError("item " + closed.item_id() + " may not answer instruction " +
                                       in->id() + ", which item " + in->supervision_item_id() +
                                       " handles");
  }
  if (!Answer(*in, closed.item_id(), closed.feedback_summary(), clock_->Now())) {
    return absl::OkStatus();
  }
  if (auto s = repo::Save(tx, repo::Instructions(), *in); !s.ok()) return s;
  ev::InstructionAnswered payload;
  payload.set_instruction_id(in->id());
  payload.set_report_id(in->report_id());
  payload.set_supervision_item_id(closed.item_id());
  payload.set_feedback_summary(closed.feedback_summary());
  events::Change change{"instruction.answer",
                        in->id(),
                        in->tenant(),
                        closed.feedback_summary(),
                        events::type::kReportingInstructionAnswered,
                        &payload,
                        event.trace_id()};
  return recorder_.Record(tx, event.actor(), change).status();
}

}  // namespace zs::reporting

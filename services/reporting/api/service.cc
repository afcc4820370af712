// Reports (信息): the adapter class, report changes, and the answer from supervision.
#include "api/service.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>

#include "auth/interceptor.h"
#include "calendar/calendar.h"
#include "calendar/period.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "rpc/list.h"
#include "rpc/mutation.h"
#include "rpc/status.h"
#include "store/repository.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;
using rpc::Finish;

ReportingServiceImpl::ReportingServiceImpl(const app::Handlers& handlers, const org::OrgTree& org,
                                           const Clock* clock, Limits limits,
                                           EmergencyOptions emergency, BulletinKinds bulletin_kinds,
                                           PointsTable points)
    : handlers_(handlers),
      db_(handlers.db()),
      org_(org),
      clock_(clock),
      limits_(limits),
      emergency_(emergency),
      bulletin_kinds_(std::move(bulletin_kinds)),
      points_(std::move(points)),
      recorder_("reporting", clock) {}

absl::StatusOr<pb::Report> ReportingServiceImpl::LoadVisible(store::Tx& tx,
                                                             const auth::Principal& caller,
                                                             const std::string& id) {
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto r = repo::GetReport(tx, id);
  if (!r.ok()) return r.status();
  if (!MayRead(*scope, *r)) return absl::NotFoundError("report " + id + " not found");
  return r;
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ChangeReport(
    grpc::CallbackServerContext* ctx, const auth::Principal& caller, const char* method,
    const google::protobuf::Message& req, const std::string& request_id, const std::string& id,
    pb::Report* resp, Audit audit, std::function<absl::Status(store::Tx&, pb::Report&)> apply) {
  return rpc::RunMutation(ctx, db_, handlers_.idempotency(),
                          rpc::IdempotencyScope(caller.subject, method), request_id, req, resp,
                          [this, caller, id, resp, audit = std::move(audit),
                           apply = std::move(apply)](store::Tx& tx) -> absl::Status {
                            auto r = LoadVisible(tx, caller, id);
                            if (!r.ok()) return r.status();
                            if (auto s = apply(tx, *r); !s.ok()) return s;
                            if (auto s = repo::UpdateReport(tx, *r); !s.ok()) return s;
                            ev::ReportChanged payload;
                            payload.set_report_id(r->id());
                            payload.set_unit_id(r->unit_id());
                            payload.set_state(pb::ReportState_Name(r->state()));
                            events::Change change{
                                audit.action,     r->id(),  r->tenant(), audit.detail,
                                audit.event_type, &payload, ""};
                            if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok())
                              return s.status();
                            *resp = std::move(*r);
                            return absl::OkStatus();
                          });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateReport(grpc::CallbackServerContext* ctx,
                                                             const pb::CreateReportRequest* req,
                                                             pb::Report* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateNewReport(req->report(), org_, limits_); !s.ok()) return Finish(ctx, s);
  if (auto s = ValidateEmergency(req->report(), clock_->Now()); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"clerk", "editor"}, "writing a report"); !s.ok()) {
    return Finish(ctx, s);
  }
  const std::string unit_id =
      req->report().unit_id().empty() ? caller->unit : req->report().unit_id();
  if (unit_id.empty() || org_.FindUnit(unit_id) == nullptr) {
    return Finish(ctx,
                  absl::InvalidArgumentError("report.unit_id: required (the caller has no unit)"));
  }
  if (auto s = MayAuthorFor(org_, *caller, unit_id); !s.ok()) return Finish(ctx, s);

  const TimePoint now = clock_->Now();
  pb::Report r;
  const std::string tenant = org_.FindUnit(unit_id)->tenant;
  r.set_id(NewResourceId(tenant, "r"));
  r.set_tenant(tenant);
  r.set_title(req->report().title());
  r.set_body(req->report().body());
  r.set_kind(req->report().kind());
  r.set_sensitivity(req->report().sensitivity());
  *r.mutable_tags() = req->report().tags();
  r.set_unit_id(unit_id);
  r.set_author(caller->subject);
  r.set_state(pb::REPORT_STATE_DRAFT);
  *r.mutable_create_time() = ToProto(now);
  *r.mutable_update_time() = ToProto(now);
  r.set_origin_node(tenant);
  r.set_origin_id(r.id());
  r.set_version(1);
  r.set_call_id(req->report().call_id());
  if (r.kind() == pb::REPORT_KIND_EMERGENCY) {
    // What the reporter says; chain, sequence, limits and the late flag are the service's.
    const auto& want = req->report().emergency();
    auto* e = r.mutable_emergency();
    e->set_grade(want.grade());
    *e->mutable_occurred_at() = want.occurred_at();
    if (want.has_learned_at()) *e->mutable_learned_at() = want.learned_at();
    e->set_place(want.place());
    *e->mutable_casualties() = want.casualties();
    e->set_previous_id(want.previous_id());
    e->set_phase(!want.previous_id().empty()
                     ? (want.phase() == pb::EMERGENCY_PHASE_FINAL ? pb::EMERGENCY_PHASE_FINAL
                                                                  : pb::EMERGENCY_PHASE_FOLLOW_UP)
                     : pb::EMERGENCY_PHASE_INITIAL);
  }
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "CreateReport"),
      req->request_id(), *req, resp,
      [this, r = std::move(r), caller = *caller, resp](store::Tx& tx) -> absl::Status {
        if (!r.emergency().previous_id().empty()) {
          if (auto chain = FollowedChain(tx, caller, r); !chain.ok()) return chain.status();
        }
        if (!r.call_id().empty()) {
          if (auto call = AnsweredCall(tx, caller, r); !call.ok()) return call.status();
        }
        if (auto s = repo::InsertReport(tx, r); !s.ok()) return s;
        events::Change change{"report.create", r.id(), r.tenant(), r.title(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) {
          return s.status();
        }
        *resp = r;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetReport(grpc::CallbackServerContext* ctx,
                                                          const pb::GetReportRequest* req,
                                                          pb::Report* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = LoadVisible(tx, *caller, req->id());
    if (!r.ok()) return r.status();
    *resp = std::move(*r);
    return absl::OkStatus();
  });
  return Finish(ctx, s);
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListReports(grpc::CallbackServerContext* ctx,
                                                            const pb::ListReportsRequest* req,
                                                            pb::ListReportsResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  if (!pb::ReportState_IsValid(req->state())) {
    return Finish(ctx, absl::InvalidArgumentError("state: unknown value"));
  }
  if (!req->unit_id().empty() && org_.FindUnit(req->unit_id()) == nullptr) {
    return Finish(ctx,
                  absl::InvalidArgumentError("unit_id: unknown unit '" + req->unit_id() + "'"));
  }
  if (!req->tenant().empty() && org_.FindTenant(req->tenant()) == nullptr) {
    return Finish(ctx,
                  absl::InvalidArgumentError("tenant: unknown tenant '" + req->tenant() + "'"));
  }
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  if (!req->tenant().empty() && !auth::MaySeeTenant(org_, caller, req->tenant())) {
    return Finish(ctx, absl::PermissionDeniedError("tenant " + req->tenant() +
                                                   " is outside your jurisdiction"));
  }
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListReports(tx, *scope, {req->state(), req->unit_id(), req->tenant()}, cursor,
                                  page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size, [&](auto&& m) { *resp->add_reports() = std::move(m); },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  });
  return Finish(ctx, s);
}

grpc::ServerUnaryReactor* ReportingServiceImpl::UpdateReport(grpc::CallbackServerContext* ctx,
                                                             const pb::UpdateReportRequest* req,
                                                             pb::Report* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  std::vector<std::string> paths;
  if (auto s = ValidateUpdate(*req, limits_, &paths); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"clerk", "editor"}, "changing a report"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeReport(
      ctx, *caller, "UpdateReport", *req, req->request_id(), req->report().id(), resp,
      {"report.update", "", ""},
      [this, caller = *caller, req, paths](store::Tx&, pb::Report& r) -> absl::Status {
        if (auto s = MayEdit(caller, r); !s.ok()) return s;
        return ApplyUpdate(r, req->report(), paths, clock_->Now());
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::SubmitReport(grpc::CallbackServerContext* ctx,
                                                             const pb::SubmitReportRequest* req,
                                                             pb::Report* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"clerk", "editor"}, "submitting a report"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeReport(ctx, *caller, "SubmitReport", *req, req->request_id(), req->id(), resp,
                      {"report.submit", events::type::kReportingReportSubmitted, ""},
                      [this, caller = *caller](store::Tx& tx, pb::Report& r) -> absl::Status {
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
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateReturn(*req, limits_); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"editor"}, "returning a report"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeReport(
      ctx, *caller, "ReturnReport", *req, req->request_id(), req->id(), resp,
      {"report.return", events::type::kReportingReportReturned, req->comment()},
      [this, req](store::Tx& tx, pb::Report& r) -> absl::Status {
        // A leader has instructed on it: its words (and sensitivity) are what supervision works
        // from, so it is no longer returned for rewriting.
        auto instructed = repo::CountInstructions(tx, r.id());
        if (!instructed.ok()) return instructed.status();
        if (*instructed > 0) {
          return absl::FailedPreconditionError(
              "report " + r.id() + " has a leader's instruction; it cannot be returned");
        }
        return Return(r, req->comment(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::AdoptReport(grpc::CallbackServerContext* ctx,
                                                            const pb::AdoptReportRequest* req,
                                                            pb::Report* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateAdopt(*req); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"editor"}, "adopting a report"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeReport(
      ctx, *caller, "AdoptReport", *req, req->request_id(), req->id(), resp,
      {"report.adopt", events::type::kReportingReportAdopted,
       zhongshu::common::v1::Level_Name(req->level())},
      [this, req, editor = caller->subject](store::Tx& tx, pb::Report& r) -> absl::Status {
        if (auto s = Adopt(r, req->level(), editor, clock_->Now()); !s.ok()) return s;
        return Award(tx, "adopt:" + r.id(), r.tenant(), r.unit_id(), r.id(), r.sensitivity(),
                     "采用（" + LevelName(req->level()) + "）", points_.adoption[req->level()]);
      });
}

namespace {

// The instruction a supervision event names, if the event may act on it: an instruction of
// another tenant is refused (PERMISSION_DENIED, so the event is dead-lettered and seen).
absl::StatusOr<std::optional<pb::Instruction>> InstructionFor(store::Tx& tx, const ev::Event& event,
                                                              const std::string& instruction_id,
                                                              const std::string& item_id) {
  auto in = repo::GetInstruction(tx, instruction_id);
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

absl::Status ReportingServiceImpl::OnItemOpened(const ev::Event& event, store::Tx& tx) {
  ev::ItemOpened opened;
  if (!event.payload().UnpackTo(&opened) || opened.item_id().empty()) {
    return absl::InvalidArgumentError("supervision.item.opened without an ItemOpened payload");
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
  return repo::UpdateInstruction(tx, instruction);
}

absl::Status ReportingServiceImpl::OnItemClosed(const ev::Event& event, store::Tx& tx) {
  ev::ItemClosed closed;
  if (!event.payload().UnpackTo(&closed)) {
    return absl::InvalidArgumentError("supervision.item.closed without an ItemClosed payload");
  }
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
  if (auto s = repo::UpdateInstruction(tx, *in); !s.ok()) return s;
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
// Calls for information (约稿): create, answer by report, read, remind overdue units.
#include "api/service.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/repository.h"
#include "store/timers.h"
#include "zhongshu/events/v1/reporting.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;

namespace {

ev::CallChanged CallEvent(const pb::Call& c, const std::string& unit, const std::string& report) {
  ev::CallChanged e;
  e.set_call_id(c.id());
  e.set_topic(c.topic());
  e.set_due_date(c.due_date());
  e.set_unit_id(unit);
  e.set_report_id(report);
  *e.mutable_unit_ids() = c.unit_ids();
  return e;
}

}  // namespace

absl::StatusOr<pb::Call> ReportingServiceImpl::AnsweredCall(store::Tx& tx,
                                                            const auth::Principal& caller,
                                                            const pb::Report& r) {
  auto scope = ScopeOf(caller);
  if (!scope.ok()) return scope.status();
  auto call = repo::GetVisible(tx, repo::Calls(), r.call_id(),
                               [&](const pb::Call& c) { return MayReadCall(*scope, c); });
  if (absl::IsNotFound(call.status())) {
    return absl::NotFoundError("report.call_id: " + std::string(call.status().message()));
  }
  if (!call.ok()) return call.status();
  if (auto s = MayAnswer(*call, r.unit_id()); !s.ok()) return s;
  return call;
}

absl::Status ReportingServiceImpl::AnswerCall(store::Tx& tx, const auth::Principal& caller,
                                              const pb::Report& r) {
  auto call = AnsweredCall(tx, caller, r);
  if (!call.ok()) return call.status();
  if (!RecordAnswer(*call, r.unit_id(), r.id(), clock_->Now())) return absl::OkStatus();
  if (auto s = repo::Save(tx, repo::Calls(), *call); !s.ok()) return s;
  // The unit answered: it is not reminded.
  if (auto s = store::CancelTimers(tx, kCallOverdue, call->id(), r.unit_id()); !s.ok()) return s;
  const auto payload = CallEvent(*call, r.unit_id(), r.id());
  events::Change change{
      "call.answer", call->id(), call->tenant(), r.unit_id(), events::type::kReportingCallAnswered,
      &payload,      ""};
  return recorder_.Record(tx, caller.ToActor(), change).status();
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateCall(grpc::CallbackServerContext* ctx,
                                                           const pb::CreateCallRequest* req,
                                                           pb::Call* resp) {
  const pb::Call& want = req->call();
  auto check = [this, &want](const auth::Principal& caller) -> absl::Status {
    if (auto s = ValidateCall(want, org_, limits_, clock_->Now()); !s.ok()) return s;
    if (auto s = RequireRole(caller, {"editor"}, "calling for information"); !s.ok()) return s;
    // The call lives in the editor's tenant, where the units asked read and answer it.
    return auth::CheckUnits(org_, &caller, caller.tenant,
                            {want.unit_ids().begin(), want.unit_ids().end()}, "call.unit_ids");
  };
  return handlers_.Write(
      ctx, "CreateCall", *req, resp, check,
      [this, &want, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        pb::Call c;
        c.set_id(NewResourceId(caller.tenant, "c"));
        c.set_tenant(caller.tenant);
        c.set_topic(want.topic());
        c.set_description(want.description());
        *c.mutable_unit_ids() = want.unit_ids();
        c.set_due_date(want.due_date());
        c.set_created_by(caller.subject);
        *c.mutable_create_time() = ToProto(clock_->Now());
        c.set_version(1);
        if (auto s = repo::Calls().Insert(tx, c); !s.ok()) return s;
        // Each unit asked is reminded once if it has not answered by the end of the due date.
        const int64_t overdue = ToMillis(OverdueFrom(c, limits_.utc_offset_minutes));
        std::vector<store::Timer> timers;
        for (const auto& u : c.unit_ids()) {
          timers.push_back({kCallOverdue, c.id(), u, overdue, "", c.tenant()});
        }
        if (auto s = store::ScheduleTimers(tx, kCallOverdue, c.id(), timers); !s.ok()) return s;
        const auto payload = CallEvent(c, "", "");
        events::Change change{
            "call.create", c.id(), c.tenant(), c.topic(), events::type::kReportingCallCreated,
            &payload,      ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(c);
        FillUnanswered(*resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetCall(grpc::CallbackServerContext* ctx,
                                                        const pb::GetCallRequest* req,
                                                        pb::Call* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope, [req] { return ValidateId(req->id(), "id"); });
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto c = repo::GetVisible(tx, repo::Calls(), req->id(),
                              [&](const pb::Call& c) { return MayReadCall(scope, c); });
    if (!c.ok()) return c.status();
    *resp = std::move(*c);
    FillUnanswered(*resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListCalls(grpc::CallbackServerContext* ctx,
                                                          const pb::ListCallsRequest* req,
                                                          pb::ListCallsResponse* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope);
  return handlers_.List(
      ctx, req->page_size(), req->page_token(), check,
      [&](const auth::Principal&, const app::Page& page, store::Tx& tx) -> absl::Status {
        return repo::ListPage(
            tx, repo::Calls(), VisibleCalls(scope), page.cursor, page.size,
            [&](pb::Call&& c) {
              FillUnanswered(c);
              *resp->add_calls() = std::move(c);
            },
            resp->mutable_next_page_token());
      });
}

absl::StatusOr<std::string> ReportingServiceImpl::FireCallOverdue(store::Tx& tx,
                                                                  const store::Timer& timer) {
  auto call = repo::Calls().Get(tx, timer.owner);
  if (!call.ok()) return call.status();
  // "*": a call from before the timers, whose every unit is due for a reminder.
  const std::vector<std::string> named =
      timer.name == "*" ? std::vector<std::string>(call->unit_ids().begin(), call->unit_ids().end())
                        : std::vector<std::string>{timer.name};
  const auto units = UnitsToRemind(*call, named);
  if (units.empty()) return std::string("skipped");
  for (const auto& unit : units) call->add_reminded_units(unit);
  if (auto s = repo::Save(tx, repo::Calls(), *call); !s.ok()) return s;
  for (const auto& unit : units) {
    const auto payload = CallEvent(*call, unit, "");
    events::Change change{
        "call.overdue", call->id(), call->tenant(), unit, events::type::kReportingCallOverdue,
        &payload,       ""};
    if (auto s = RecordSystem(tx, change); !s.ok()) return s;
  }
  return std::string("fired");
}

}  // namespace zs::reporting

// Calls for information (约稿): create, answer by report, read, remind overdue units.
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

namespace {

bool MayReadCall(const ReadScope& scope, const pb::Call& c) {
  if (std::find(scope.tenants.begin(), scope.tenants.end(), c.tenant()) == scope.tenants.end()) {
    return false;
  }
  return scope.only_unit.empty() ||
         std::find(c.unit_ids().begin(), c.unit_ids().end(), scope.only_unit) != c.unit_ids().end();
}

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
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto call = repo::GetCall(tx, r.call_id());
  if (absl::IsNotFound(call.status()) || (call.ok() && !MayReadCall(*scope, *call))) {
    return absl::NotFoundError("report.call_id: call " + r.call_id() + " not found");
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
  pb::Call view = *call;
  FillUnanswered(view);
  if (auto s = repo::UpdateCall(tx, *call, view.unanswered_units().empty()); !s.ok()) return s;
  const auto payload = CallEvent(*call, r.unit_id(), r.id());
  events::Change change{
      "call.answer", call->id(), call->tenant(), r.unit_id(), events::type::kReportingCallAnswered,
      &payload,      ""};
  return recorder_.Record(tx, caller.ToActor(), change).status();
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateCall(grpc::CallbackServerContext* ctx,
                                                           const pb::CreateCallRequest* req,
                                                           pb::Call* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateCall(req->call(), org_, limits_, clock_->Now()); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireRole(*caller, {"editor"}, "calling for information"); !s.ok()) {
    return Finish(ctx, s);
  }
  // The call lives in the editor's tenant, where the units asked read and answer it.
  if (auto s = auth::CheckUnits(org_, &*caller, caller->tenant,
                                {req->call().unit_ids().begin(), req->call().unit_ids().end()},
                                "call.unit_ids");
      !s.ok()) {
    return Finish(ctx, s);
  }
  pb::Call c;
  c.set_id(NewResourceId(caller->tenant, "c"));
  c.set_tenant(caller->tenant);
  c.set_topic(req->call().topic());
  c.set_description(req->call().description());
  *c.mutable_unit_ids() = req->call().unit_ids();
  c.set_due_date(req->call().due_date());
  c.set_created_by(caller->subject);
  *c.mutable_create_time() = ToProto(clock_->Now());
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "CreateCall"),
      req->request_id(), *req, resp,
      [this, c = std::move(c), caller = *caller, resp](store::Tx& tx) -> absl::Status {
        if (auto s = repo::InsertCall(tx, c); !s.ok()) return s;
        const auto payload = CallEvent(c, "", "");
        events::Change change{
            "call.create", c.id(), c.tenant(), c.topic(), events::type::kReportingCallCreated,
            &payload,      ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = c;
        FillUnanswered(*resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetCall(grpc::CallbackServerContext* ctx,
                                                        const pb::GetCallRequest* req,
                                                        pb::Call* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto c = repo::GetCall(tx, req->id());
    if (!c.ok()) return c.status();
    if (!MayReadCall(*scope, *c)) return absl::NotFoundError("call " + req->id() + " not found");
    *resp = std::move(*c);
    FillUnanswered(*resp);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListCalls(grpc::CallbackServerContext* ctx,
                                                          const pb::ListCallsRequest* req,
                                                          pb::ListCallsResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListCalls(tx, *scope, cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size,
        [&](pb::Call&& c) {
          if (!MayReadCall(*scope, c)) return;
          FillUnanswered(c);
          *resp->add_calls() = std::move(c);
        },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

absl::StatusOr<int> ReportingServiceImpl::RemindOverdueCalls() {
  const CivilDate today = DateOf(clock_->Now(), limits_.utc_offset_minutes);
  std::vector<std::string> ids;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::OverdueCalls(tx, FormatDate(today), 100);
    if (!rows.ok()) return rows.status();
    ids = std::move(*rows);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  int reminded = 0;
  for (const auto& id : ids) {
    // Read, decide and record in one write transaction, so replicas never remind twice.
    s = db_.Write([&](store::Tx& tx) -> absl::Status {
      auto call = repo::GetCall(tx, id);
      if (!call.ok()) return call.status();
      const auto overdue = OverdueUnits(*call, today);
      zhongshu::common::v1::Actor system;
      system.set_subject("system:reporting");
      for (const auto& unit : overdue) {
        call->add_reminded_units(unit);
        const auto payload = CallEvent(*call, unit, "");
        events::Change change{
            "call.overdue", call->id(), call->tenant(), unit, events::type::kReportingCallOverdue,
            &payload,       ""};
        if (auto r = recorder_.Record(tx, system, change); !r.ok()) return r.status();
      }
      reminded += static_cast<int>(overdue.size());
      return repo::UpdateCall(tx, *call, /*settled=*/true);
    });
    if (!s.ok()) return s;
  }
  return reminded;
}

}  // namespace zs::reporting

// Leader instructions (批示): issue, read, list.
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

grpc::ServerUnaryReactor* ReportingServiceImpl::IssueInstruction(
    grpc::CallbackServerContext* ctx, const pb::IssueInstructionRequest* req,
    pb::Instruction* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateInstruction(req->instruction(), org_, limits_, clock_->Now()); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireRole(*caller, {"leader"}, "issuing an instruction"); !s.ok()) {
    return Finish(ctx, s);
  }
  for (const auto& u : req->instruction().directed_units()) {
    if (!auth::MaySeeUnit(org_, *caller, u)) {
      return Finish(ctx,
                    absl::PermissionDeniedError("unit " + u + " is outside your jurisdiction"));
    }
  }
  std::string leader_name = caller->name;
  if (leader_name.empty()) {
    if (const auto* u = org_.FindUser(caller->subject)) leader_name = u->name;
  }
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "IssueInstruction"),
      req->request_id(), *req, resp,
      [this, caller = *caller, req, resp, leader_name](store::Tx& tx) -> absl::Status {
        const auto& want = req->instruction();
        auto r = LoadVisible(tx, caller, want.report_id());
        if (!r.ok()) return r.status();
        if (auto s = CheckInstructable(*r); !s.ok()) return s;
        // The item supervision opens lives in the report's tenant: every unit must be one of its.
        if (auto s = auth::CheckUnits(org_, &caller, r->tenant(),
                                      {want.directed_units().begin(), want.directed_units().end()},
                                      "instruction.directed_units");
            !s.ok()) {
          return s;
        }
        if (!want.bulletin_id().empty()) {
          // An instruction on a bulletin item (期刊批示): the issue is published and holds it.
          auto b = LoadBulletin(tx, caller, want.bulletin_id());
          if (absl::IsNotFound(b.status())) {
            return absl::NotFoundError("instruction.bulletin_id: bulletin " + want.bulletin_id() +
                                       " not found");
          }
          if (!b.ok()) return b.status();
          const bool holds =
              std::any_of(b->items().begin(), b->items().end(),
                          [&](const pb::BulletinItem& it) { return it.report_id() == r->id(); });
          if (b->state() != pb::BULLETIN_STATE_PUBLISHED || !holds) {
            return absl::FailedPreconditionError("instruction.bulletin_id: report " + r->id() +
                                                 " is not an item of published bulletin " +
                                                 b->id());
          }
        }
        const TimePoint now = clock_->Now();
        pb::Instruction in;
        in.set_id(NewResourceId(r->tenant(), "i"));
        in.set_tenant(r->tenant());
        in.set_report_id(r->id());
        in.set_leader(caller.subject);
        in.set_leader_name(leader_name);
        in.set_text(want.text());
        *in.mutable_directed_units() = want.directed_units();
        in.set_due_date(want.due_date());
        in.set_bulletin_id(want.bulletin_id());
        in.set_state(pb::INSTRUCTION_STATE_OPEN);
        *in.mutable_issue_time() = ToProto(now);
        if (auto s = repo::InsertInstruction(tx, in, *r); !s.ok()) return s;
        const auto level = LevelOf(org_, caller.tenant);
        if (auto s = Award(tx, "instruction:" + in.id(), r->tenant(), r->unit_id(), r->id(),
                           r->sensitivity(), "批示（" + LevelName(level) + "领导）",
                           points_.instruction[level]);
            !s.ok()) {
          return s;
        }

        ev::InstructionIssued payload;
        payload.set_instruction_id(in.id());
        payload.set_report_id(r->id());
        payload.set_report_title(r->title());
        payload.set_leader(in.leader());
        payload.set_leader_name(in.leader_name());
        payload.set_text(in.text());
        *payload.mutable_directed_units() = in.directed_units();
        payload.set_due_date(in.due_date());
        *payload.mutable_issued_at() = in.issue_time();
        payload.set_negative(r->sensitivity() == pb::SENSITIVITY_NEGATIVE);
        events::Change change{"instruction.issue",
                              in.id(),
                              in.tenant(),
                              in.text(),
                              events::type::kReportingInstructionIssued,
                              &payload,
                              ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(in);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetInstruction(grpc::CallbackServerContext* ctx,
                                                               const pb::GetInstructionRequest* req,
                                                               pb::Instruction* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto in = repo::GetInstruction(tx, req->id());
    if (!in.ok()) return in.status();
    auto r = repo::GetReport(tx, in->report_id());
    if (!r.ok()) return r.status();
    if (!MayReadInstruction(*scope, *caller, *in, *r)) {
      return absl::NotFoundError("instruction " + req->id() + " not found");
    }
    *resp = std::move(*in);
    return absl::OkStatus();
  });
  return Finish(ctx, s);
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListInstructions(
    grpc::CallbackServerContext* ctx, const pb::ListInstructionsRequest* req,
    pb::ListInstructionsResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  if (!pb::InstructionState_IsValid(req->state())) {
    return Finish(ctx, absl::InvalidArgumentError("state: unknown value"));
  }
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  // A unit handler's instructions come from anywhere in its tenant; visibility is per row.
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    int64_t after = cursor;
    // Scan forward in pages until page_size visible rows are found or the table ends.
    for (;;) {
      auto rows =
          repo::ListInstructions(tx, *scope, {req->report_id(), req->state()}, after, page_size);
      if (!rows.ok()) return rows.status();
      const bool more = static_cast<int>(rows->size()) > page_size;
      for (int i = 0; i < static_cast<int>(rows->size()) && i < page_size; ++i) {
        auto& [seq, in] = (*rows)[i];
        after = seq;
        auto r = repo::GetReport(tx, in.report_id());
        if (!r.ok()) return r.status();
        if (!MayReadInstruction(*scope, caller, in, *r)) continue;
        *resp->add_instructions() = std::move(in);
        if (resp->instructions_size() == page_size) {
          if (more || i + 1 < static_cast<int>(rows->size())) {
            resp->set_next_page_token(EncodePageToken(seq));
          }
          return absl::OkStatus();
        }
      }
      if (!more) return absl::OkStatus();
    }
  });
  return Finish(ctx, s);
}

}  // namespace zs::reporting

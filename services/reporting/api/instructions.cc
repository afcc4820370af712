// Leader instructions (批示): issue, read, list.
#include <algorithm>
#include <map>

#include "api/service.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/repository.h"
#include "zhongshu/events/v1/reporting.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;

grpc::ServerUnaryReactor* ReportingServiceImpl::IssueInstruction(
    grpc::CallbackServerContext* ctx, const pb::IssueInstructionRequest* req,
    pb::Instruction* resp) {
  const pb::Instruction& want = req->instruction();
  auto check = [this, &want](const auth::Principal& caller) -> absl::Status {
    if (auto s = ValidateInstruction(want, org_, limits_, clock_->Now()); !s.ok()) return s;
    if (auto s = RequireRole(caller, {"leader"}, "issuing an instruction"); !s.ok()) return s;
    for (const auto& u : want.directed_units()) {
      if (!auth::MaySeeUnit(org_, caller, u)) {
        return absl::PermissionDeniedError("unit " + u + " is outside your jurisdiction");
      }
    }
    return absl::OkStatus();
  };
  return handlers_.Write(
      ctx, "IssueInstruction", *req, resp, check,
      [this, &want, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
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
          if (auto s = MayInstructOn(*b, r->id()); !s.ok()) return s;
        }
        std::string leader_name = caller.name;
        if (leader_name.empty()) {
          if (const auto* u = org_.FindUser(caller.subject)) leader_name = u->name;
        }
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
        *in.mutable_issue_time() = ToProto(clock_->Now());
        in.set_version(1);
        if (auto s = repo::Instructions().Insert(tx, in); !s.ok()) return s;
        if (auto s = repo::AddScores(
                tx, InstructionAwards(org_, in, *r, caller.tenant, points_, clock_->Now()));
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
  ReadScope scope;
  auto check = ScopeCheck(&scope, [req] { return ValidateId(req->id(), "id"); });
  return handlers_.Read(ctx, check,
                        [&](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
                          auto in = repo::Instructions().Get(tx, req->id());
                          if (!in.ok()) return in.status();
                          auto r = repo::Reports().Get(tx, in->report_id());
                          if (!r.ok()) return r.status();
                          if (!MayReadInstruction(scope, caller, *in, *r)) {
                            return absl::NotFoundError("instruction " + req->id() + " not found");
                          }
                          *resp = std::move(*in);
                          return absl::OkStatus();
                        });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListInstructions(
    grpc::CallbackServerContext* ctx, const pb::ListInstructionsRequest* req,
    pb::ListInstructionsResponse* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope, [req] {
    return pb::InstructionState_IsValid(req->state())
               ? absl::OkStatus()
               : absl::InvalidArgumentError("state: unknown value");
  });
  return handlers_.List(
      ctx, req->page_size(), req->page_token(), check,
      [&](const auth::Principal& caller, const app::Page& page, store::Tx& tx) -> absl::Status {
        std::vector<cond::Cond> all = {cond::In("tenant", scope.tenants)};
        if (!req->report_id().empty()) all.push_back(cond::Eq("report_id", req->report_id()));
        if (req->state() != pb::INSTRUCTION_STATE_UNSPECIFIED) {
          all.push_back(cond::Eq("state", int64_t{req->state()}));
        }
        auto got = repo::VisibleInstructions(tx, cond::All(std::move(all)), page.cursor, page.size,
                                             [&](const pb::Instruction& in, const pb::Report& r) {
                                               return MayReadInstruction(scope, caller, in, r);
                                             });
        if (!got.ok()) return got.status();
        for (auto& in : got->instructions) *resp->add_instructions() = std::move(in);
        if (got->next > 0) resp->set_next_page_token(store::EncodePageToken(got->next));
        return absl::OkStatus();
      });
}

}  // namespace zs::reporting

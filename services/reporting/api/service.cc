#include "api/service.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>

#include "auth/interceptor.h"
#include "calendar/calendar.h"
#include "calendar/period.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "rpc/mutation.h"
#include "rpc/status.h"
#include "store/repository.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;
using rpc::Reject;

namespace {

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const absl::Status& s) {
  return Reject(ctx, s);
}

}  // namespace

ReportingServiceImpl::ReportingServiceImpl(store::Database& db, const org::OrgTree& org,
                                           const Clock* clock, Limits limits,
                                           EmergencyOptions emergency, BulletinKinds bulletin_kinds,
                                           PointsTable points)
    : db_(db),
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
  return rpc::RunMutation(
      ctx, db_, rpc::IdempotencyScope(caller.subject, method), request_id, req, resp,
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
        events::Change change{audit.action,     r->id(),  r->tenant(), audit.detail,
                              audit.event_type, &payload, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
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
      ctx, db_, rpc::IdempotencyScope(caller->subject, "CreateReport"), req->request_id(), *req,
      resp, [this, r = std::move(r), caller = *caller, resp](store::Tx& tx) -> absl::Status {
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
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  int32_t page_size = 0;
  if (auto s = ValidatePageSize(req->page_size(), &page_size); !s.ok()) return Finish(ctx, s);
  auto cursor = DecodePageToken(req->page_token());
  if (!cursor.ok()) return Finish(ctx, cursor.status());
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
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  if (!req->tenant().empty() && !auth::MaySeeTenant(org_, *caller, req->tenant())) {
    return Finish(ctx, absl::PermissionDeniedError("tenant " + req->tenant() +
                                                   " is outside your jurisdiction"));
  }
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListReports(tx, *scope, {req->state(), req->unit_id(), req->tenant()},
                                  *cursor, page_size);
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
                      {"report.submit", "reporting.report.submitted", ""},
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
      {"report.return", "reporting.report.returned", req->comment()},
      [this, req](store::Tx&, pb::Report& r) { return Return(r, req->comment(), clock_->Now()); });
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
      {"report.adopt", "reporting.report.adopted", zhongshu::common::v1::Level_Name(req->level())},
      [this, req, editor = caller->subject](store::Tx& tx, pb::Report& r) -> absl::Status {
        if (auto s = Adopt(r, req->level(), editor, clock_->Now()); !s.ok()) return s;
        return Award(tx, "adopt:" + r.id(), r.tenant(), r.unit_id(), r.id(), r.sensitivity(),
                     "采用（" + LevelName(req->level()) + "）", points_.adoption[req->level()]);
      });
}

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
      ctx, db_, rpc::IdempotencyScope(caller->subject, "IssueInstruction"), req->request_id(), *req,
      resp, [this, caller = *caller, req, resp, leader_name](store::Tx& tx) -> absl::Status {
        const auto& want = req->instruction();
        auto r = LoadVisible(tx, caller, want.report_id());
        if (!r.ok()) return r.status();
        if (auto s = CheckInstructable(*r); !s.ok()) return s;
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
        events::Change change{"instruction.issue",
                              in.id(),
                              in.tenant(),
                              in.text(),
                              "reporting.instruction.issued",
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
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  int32_t page_size = 0;
  if (auto s = ValidatePageSize(req->page_size(), &page_size); !s.ok()) return Finish(ctx, s);
  auto cursor = DecodePageToken(req->page_token());
  if (!cursor.ok()) return Finish(ctx, cursor.status());
  if (!pb::InstructionState_IsValid(req->state())) {
    return Finish(ctx, absl::InvalidArgumentError("state: unknown value"));
  }
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  // A unit handler's instructions come from anywhere in its tenant; visibility is per row.
  absl::Status s = db_.Read([&](store::Tx& tx) -> absl::Status {
    int64_t after = *cursor;
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
        if (!MayReadInstruction(*scope, *caller, in, *r)) continue;
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

absl::Status ReportingServiceImpl::Award(store::Tx& tx, const std::string& key,
                                         const std::string& tenant, const std::string& unit_id,
                                         const std::string& report_id, pb::Sensitivity sensitivity,
                                         const std::string& reason, int points) {
  if (points == 0) return absl::OkStatus();
  return repo::AddScore(tx, {key, tenant, unit_id, report_id, reason, points,
                             ToMillis(clock_->Now()), static_cast<int>(sensitivity)});
}

namespace {

// Milliseconds of local midnight at the start of `d`.
int64_t StartOfDayMs(const CivilDate& d, int utc_offset_minutes) {
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (days - std::chrono::minutes(utc_offset_minutes)).time_since_epoch())
      .count();
}

absl::StatusOr<calendar::Period> RequestedPeriod(const std::string& period,
                                                 const std::string& start, const std::string& end) {
  if (!period.empty()) return calendar::ParsePeriod(period, "period");
  if (start.empty() && end.empty()) {
    return absl::InvalidArgumentError(
        "period: required (YYYY-MM, YYYY-Qn, YYYY), or start_date and end_date");
  }
  return calendar::RangePeriod(start, end, "start_date", "end_date");
}

}  // namespace

absl::StatusOr<pb::ListRankingsResponse> ReportingServiceImpl::Rankings(
    store::Tx& tx, const auth::Principal& caller, const pb::ListRankingsRequest& req) {
  auto period = RequestedPeriod(req.period(), req.start_date(), req.end_date());
  if (!period.ok()) return period.status();
  const std::string tenant = req.tenant().empty() ? caller.tenant : req.tenant();
  if (org_.FindTenant(tenant) == nullptr) {
    return absl::InvalidArgumentError("tenant: unknown tenant '" + tenant + "'");
  }
  if (auto scope = ReadScopeFor(org_, caller); !scope.ok()) return scope.status();
  if (!auth::MaySeeTenant(org_, caller, tenant)) {
    return absl::PermissionDeniedError("tenant " + tenant + " is outside your jurisdiction");
  }
  auto rows =
      repo::Scores(tx, tenant, "", StartOfDayMs(period->start, limits_.utc_offset_minutes),
                   StartOfDayMs(calendar::AddDays(period->end, 1), limits_.utc_offset_minutes));
  if (!rows.ok()) return rows.status();
  std::vector<pb::ScoreEntry> entries;
  for (const auto& r : *rows) {
    pb::ScoreEntry e;
    e.set_unit_id(r.unit_id);
    e.set_points(r.points);
    entries.push_back(std::move(e));
  }
  std::vector<const org::Unit*> units;
  for (const auto& [id, u] : org_.units()) {
    if (u.tenant == tenant) units.push_back(&u);
  }
  pb::ListRankingsResponse resp;
  resp.set_period(period->name);
  resp.set_tenant(tenant);
  for (auto& r : Rank(entries, units)) *resp.add_ranks() = std::move(r);
  return resp;
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListRankings(grpc::CallbackServerContext* ctx,
                                                             const pb::ListRankingsRequest* req,
                                                             pb::ListRankingsResponse* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = Rankings(tx, *caller, *req);
    if (!r.ok()) return r.status();
    *resp = std::move(*r);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportRankings(grpc::CallbackServerContext* ctx,
                                                               const pb::ListRankingsRequest* req,
                                                               pb::ExportRankingsResponse* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = Rankings(tx, *caller, *req);
    if (!r.ok()) return r.status();
    resp->set_csv(RankingsCsv({r->ranks().begin(), r->ranks().end()}));
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListScoreEntries(
    grpc::CallbackServerContext* ctx, const pb::ListScoreEntriesRequest* req,
    pb::ListScoreEntriesResponse* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  const auto* unit = org_.FindUnit(req->unit_id());
  if (unit == nullptr) {
    return Finish(ctx, InvalidField("unit_id", req->unit_id().empty()
                                                   ? "required"
                                                   : "unknown unit '" + req->unit_id() + "'"));
  }
  auto period = RequestedPeriod(req->period(), req->start_date(), req->end_date());
  if (!period.ok()) return Finish(ctx, period.status());
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  if (!auth::MaySeeUnit(org_, *caller, unit->id) ||
      (!scope->only_unit.empty() && scope->only_unit != unit->id)) {
    return Finish(ctx, absl::PermissionDeniedError("the score entries of " + unit->id +
                                                   " are not yours to see"));
  }
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::Scores(
        tx, unit->tenant, unit->id, StartOfDayMs(period->start, limits_.utc_offset_minutes),
        StartOfDayMs(calendar::AddDays(period->end, 1), limits_.utc_offset_minutes));
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      if (r.sensitivity == pb::SENSITIVITY_NEGATIVE && !scope->negative) {
        resp->set_hidden_entries(resp->hidden_entries() + 1);
        continue;
      }
      auto* e = resp->add_entries();
      e->set_unit_id(r.unit_id);
      e->set_report_id(r.report_id);
      e->set_reason(r.reason);
      e->set_points(r.points);
      *e->mutable_time() = ToProto(FromMillis(r.at_ms));
    }
    return absl::OkStatus();
  }));
}

absl::StatusOr<pb::Bulletin> ReportingServiceImpl::LoadBulletin(store::Tx& tx,
                                                                const auth::Principal& caller,
                                                                const std::string& id) {
  auto b = repo::GetBulletin(tx, id);
  if (!b.ok()) return b.status();
  if (!auth::MaySeeTenant(org_, caller, b->tenant())) {
    return absl::NotFoundError("bulletin " + id + " not found");
  }
  return b;
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateBulletin(grpc::CallbackServerContext* ctx,
                                                               const pb::CreateBulletinRequest* req,
                                                               pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind"); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireRole(*caller, {"editor"}, "compiling a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  pb::Bulletin b;
  b.set_id(NewResourceId(caller->tenant, "b"));
  b.set_tenant(caller->tenant);
  b.set_kind(req->kind());
  b.set_kind_name(bulletin_kinds_.at(req->kind()));
  b.set_state(pb::BULLETIN_STATE_DRAFT);
  b.set_editor(caller->subject);
  *b.mutable_create_time() = ToProto(clock_->Now());
  return rpc::RunMutation(
      ctx, db_, rpc::IdempotencyScope(caller->subject, "CreateBulletin"), req->request_id(), *req,
      resp, [this, b = std::move(b), caller = *caller, resp](store::Tx& tx) -> absl::Status {
        if (auto s = repo::InsertBulletin(tx, b); !s.ok()) return s;
        events::Change change{"bulletin.create", b.id(), b.tenant(), b.kind(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = b;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::AddBulletinItem(
    grpc::CallbackServerContext* ctx, const pb::AddBulletinItemRequest* req, pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->bulletin_id(), "bulletin_id"); !s.ok()) return Finish(ctx, s);
  if (auto s = ValidateId(req->report_id(), "report_id"); !s.ok()) return Finish(ctx, s);
  if (auto s = ValidateText(req->title(), "title", limits_.max_title_chars, false); !s.ok()) {
    return Finish(ctx, s);
  }
  if (req->body().size() > limits_.max_body_bytes) {
    return Finish(ctx, InvalidField("body", "longer than " +
                                                std::to_string(limits_.max_body_bytes) + " bytes"));
  }
  if (auto s = RequireRole(*caller, {"editor"}, "compiling a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  return rpc::RunMutation(
      ctx, db_, rpc::IdempotencyScope(caller->subject, "AddBulletinItem"), req->request_id(), *req,
      resp, [this, caller = *caller, req, resp](store::Tx& tx) -> absl::Status {
        auto b = LoadBulletin(tx, caller, req->bulletin_id());
        if (!b.ok()) return b.status();
        auto r = LoadVisible(tx, caller, req->report_id());
        if (!r.ok()) return r.status();
        if (!org_.IsAncestorOrSelf(b->tenant(), r->tenant())) {
          return absl::FailedPreconditionError("report " + r->id() + " is outside bulletin " +
                                               b->id() + "'s jurisdiction");
        }
        if (auto s = MayAddItem(*b, *r); !s.ok()) return s;
        auto* item = b->add_items();
        item->set_report_id(r->id());
        item->set_unit_id(r->unit_id());
        item->set_title(req->title().empty() ? r->title() : req->title());
        item->set_body(req->body().empty() ? r->body() : req->body());
        item->set_sensitivity(r->sensitivity());
        if (auto s = repo::UpdateBulletin(tx, *b); !s.ok()) return s;
        events::Change change{"bulletin.add", b->id(), b->tenant(), r->id(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(*b);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::PublishBulletin(
    grpc::CallbackServerContext* ctx, const pb::PublishBulletinRequest* req, pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"editor"}, "publishing a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  return rpc::RunMutation(
      ctx, db_, rpc::IdempotencyScope(caller->subject, "PublishBulletin"), req->request_id(), *req,
      resp, [this, caller = *caller, req, resp](store::Tx& tx) -> absl::Status {
        auto b = LoadBulletin(tx, caller, req->id());
        if (!b.ok()) return b.status();
        const TimePoint now = clock_->Now();
        const int year = DateOf(now, limits_.utc_offset_minutes).year;
        auto count = repo::PublishedCount(tx, b->tenant(), b->kind(), year);
        if (!count.ok()) return count.status();
        if (auto s = Publish(*b, year, *count, now); !s.ok()) return s;
        if (auto s = repo::UpdateBulletin(tx, *b); !s.ok()) return s;
        const auto per_item = points_.bulletin.find(b->kind());
        for (const auto& it : b->items()) {
          const auto* unit = org_.FindUnit(it.unit_id());
          if (auto s = Award(tx, "bulletin:" + b->id() + ":" + it.report_id(),
                             unit ? unit->tenant : b->tenant(), it.unit_id(), it.report_id(),
                             it.sensitivity(),
                             "《" + b->kind_name() + "》" + std::to_string(b->year()) + "年第" +
                                 std::to_string(b->number()) + "期刊用",
                             per_item == points_.bulletin.end() ? 0 : per_item->second);
              !s.ok()) {
            return s;
          }
        }
        ev::BulletinPublished payload;
        payload.set_bulletin_id(b->id());
        payload.set_kind(b->kind());
        payload.set_year(b->year());
        payload.set_number(b->number());
        for (const auto& it : b->items()) {
          payload.add_report_ids(it.report_id());
          payload.add_unit_ids(it.unit_id());
        }
        events::Change change{
            "bulletin.publish",
            b->id(),
            b->tenant(),
            b->kind_name() + " " + std::to_string(b->year()) + "-" + std::to_string(b->number()),
            "reporting.bulletin.published",
            &payload,
            ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(*b);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBulletin(grpc::CallbackServerContext* ctx,
                                                            const pb::GetBulletinRequest* req,
                                                            pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto b = repo::GetBulletin(tx, req->id());
    if (!b.ok()) return b.status();
    const bool in_scope = std::find(scope->tenants.begin(), scope->tenants.end(), b->tenant()) !=
                          scope->tenants.end();
    if (!in_scope || (b->state() == pb::BULLETIN_STATE_DRAFT && !scope->negative)) {
      return absl::NotFoundError("bulletin " + req->id() + " not found");
    }
    *resp = VisibleBulletin(*b, *scope);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListBulletins(grpc::CallbackServerContext* ctx,
                                                              const pb::ListBulletinsRequest* req,
                                                              pb::ListBulletinsResponse* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  int32_t page_size = 0;
  if (auto s = ValidatePageSize(req->page_size(), &page_size); !s.ok()) return Finish(ctx, s);
  auto cursor = DecodePageToken(req->page_token());
  if (!cursor.ok()) return Finish(ctx, cursor.status());
  if (!req->kind().empty()) {
    if (auto s = ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind"); !s.ok()) {
      return Finish(ctx, s);
    }
  }
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListBulletins(tx, *scope, req->kind(), *cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size,
        [&](pb::Bulletin&& b) { *resp->add_bulletins() = VisibleBulletin(b, *scope); },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

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
      "call.answer", call->id(), call->tenant(), r.unit_id(), "reporting.call.answered",
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
  for (const auto& u : req->call().unit_ids()) {
    if (!auth::MaySeeUnit(org_, *caller, u)) {
      return Finish(ctx,
                    absl::PermissionDeniedError("unit " + u + " is outside your jurisdiction"));
    }
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
      ctx, db_, rpc::IdempotencyScope(caller->subject, "CreateCall"), req->request_id(), *req, resp,
      [this, c = std::move(c), caller = *caller, resp](store::Tx& tx) -> absl::Status {
        if (auto s = repo::InsertCall(tx, c); !s.ok()) return s;
        const auto payload = CallEvent(c, "", "");
        events::Change change{
            "call.create", c.id(), c.tenant(), c.topic(), "reporting.call.created", &payload, ""};
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
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  int32_t page_size = 0;
  if (auto s = ValidatePageSize(req->page_size(), &page_size); !s.ok()) return Finish(ctx, s);
  auto cursor = DecodePageToken(req->page_token());
  if (!cursor.ok()) return Finish(ctx, cursor.status());
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListCalls(tx, *scope, *cursor, page_size);
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
            "call.overdue", call->id(), call->tenant(), unit, "reporting.call.overdue",
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
  const ChainState next{e.chain_id(), r.id(), e.sequence(), e.phase() == pb::EMERGENCY_PHASE_FINAL};
  if (auto s = repo::SaveChain(tx, next, r.tenant(), ToMillis(now)); !s.ok()) return s;
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
  const std::string type =
      e.phase() == pb::EMERGENCY_PHASE_INITIAL ? "reporting.emergency.submitted"
      : e.phase() == pb::EMERGENCY_PHASE_FINAL ? "reporting.emergency.finalized"
                                               : "reporting.emergency.followed_up";
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
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->chain_id(), "chain_id"); !s.ok()) return Finish(ctx, s);
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto chain = repo::GetChain(tx, req->chain_id());
    if (!chain.ok()) return chain.status();
    auto reports = repo::ChainReports(tx, req->chain_id());
    if (!reports.ok()) return reports.status();
    for (auto& r : *reports) {
      if (r.state() != pb::REPORT_STATE_DRAFT && MayRead(*scope, r))
        *resp->add_reports() = std::move(r);
    }
    if (!chain->has_value() || resp->reports().empty()) {
      return absl::NotFoundError("emergency chain " + req->chain_id() + " not found");
    }
    resp->set_chain_id(req->chain_id());
    resp->set_closed((*chain)->closed);
    return absl::OkStatus();
  }));
}

absl::StatusOr<int> ReportingServiceImpl::RemindStaleChains() {
  const TimePoint now = clock_->Now();
  std::vector<std::pair<ChainState, std::string>> stale;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::StaleChains(tx, ToMillis(now - emergency_.follow_up_interval), 100);
    if (!rows.ok()) return rows.status();
    stale = std::move(*rows);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  int chased = 0;
  for (const auto& [chain, tenant] : stale) {
    s = db_.Write([&](store::Tx& tx) -> absl::Status {
      auto claimed = repo::ClaimReminder(tx, chain);
      if (!claimed.ok() || !*claimed) return claimed.status();
      auto latest = repo::GetReport(tx, chain.last_report_id);
      if (!latest.ok()) return latest.status();
      ev::EmergencyReported payload;
      payload.set_report_id(latest->id());
      payload.set_chain_id(chain.chain_id);
      payload.set_sequence(chain.last_sequence);
      payload.set_grade(latest->emergency().grade());
      payload.set_title(latest->title());
      payload.set_unit_id(latest->unit_id());
      payload.set_place(latest->emergency().place());
      zhongshu::common::v1::Actor system;
      system.set_subject("system:reporting");
      events::Change change{"emergency.follow_up_due",
                            chain.chain_id,
                            tenant,
                            "no follow-up since " + chain.last_report_id,
                            "reporting.emergency.follow_up_due",
                            &payload,
                            ""};
      if (auto r = recorder_.Record(tx, system, change); !r.ok()) return r.status();
      ++chased;
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  return chased;
}

absl::Status ReportingServiceImpl::OnItemClosed(const ev::Event& event, store::Tx& tx) {
  ev::ItemClosed closed;
  if (!event.payload().UnpackTo(&closed)) {
    return absl::InvalidArgumentError("supervision.item.closed without an ItemClosed payload");
  }
  if (closed.source_type() != ev::SOURCE_TYPE_LEADER_INSTRUCTION) return absl::OkStatus();
  auto in = repo::GetInstruction(tx, closed.source_ref());
  if (absl::IsNotFound(in.status())) {
    spdlog::warn("item {} closed for unknown instruction {}; ignored", closed.item_id(),
                 closed.source_ref());
    return absl::OkStatus();
  }
  if (!in.ok()) return in.status();
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
                        "reporting.instruction.answered",
                        &payload,
                        event.trace_id()};
  return recorder_.Record(tx, event.actor(), change).status();
}

}  // namespace zs::reporting

// Points and rankings (信息工作考核): the ledger, rankings, details and CSV export.
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
using rpc::Finish;

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

}  // namespace zs::reporting

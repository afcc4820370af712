// Points and rankings (信息工作考核): the ledger, rankings, details and CSV export.
#include "api/service.h"
#include "core/time_util.h"
#include "store/repository.h"

namespace zs::reporting {

absl::Status ReportingServiceImpl::Award(store::Tx& tx, const std::string& key,
                                         const std::string& tenant, const std::string& unit_id,
                                         const std::string& report_id, pb::Sensitivity sensitivity,
                                         const std::string& reason, int points) {
  if (points == 0) return absl::OkStatus();
  return repo::AddScore(tx, {key, tenant, unit_id, report_id, reason, points,
                             ToMillis(clock_->Now()), static_cast<int>(sensitivity)});
}

app::Check ReportingServiceImpl::RankingsCheck(RankingsScope* scope, RankingsQuery query) const {
  return [this, scope, query = std::move(query)](const auth::Principal& caller) -> absl::Status {
    auto got = ResolveRankings(org_, caller, query, limits_.utc_offset_minutes);
    if (!got.ok()) return got.status();
    *scope = std::move(*got);
    return absl::OkStatus();
  };
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListRankings(grpc::CallbackServerContext* ctx,
                                                             const pb::ListRankingsRequest* req,
                                                             pb::ListRankingsResponse* resp) {
  RankingsScope scope;
  auto check =
      RankingsCheck(&scope, {req->period(), req->start_date(), req->end_date(), req->tenant()});
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto rows = repo::Scores(tx, scope.tenant, "", scope.span);
    if (!rows.ok()) return rows.status();
    *resp = Rankings(org_, scope, *rows);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportRankings(grpc::CallbackServerContext* ctx,
                                                               const pb::ExportRankingsRequest* req,
                                                               pb::ExportRankingsResponse* resp) {
  RankingsScope scope;
  auto check =
      RankingsCheck(&scope, {req->period(), req->start_date(), req->end_date(), req->tenant()});
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto rows = repo::Scores(tx, scope.tenant, "", scope.span);
    if (!rows.ok()) return rows.status();
    const auto ranks = Rankings(org_, scope, *rows).ranks();
    resp->set_csv(RankingsCsv({ranks.begin(), ranks.end()}));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListScoreEntries(
    grpc::CallbackServerContext* ctx, const pb::ListScoreEntriesRequest* req,
    pb::ListScoreEntriesResponse* resp) {
  const org::Unit* unit = org_.FindUnit(req->unit_id());
  ReadScope scope;
  Span span;
  auto check = [&](const auth::Principal& caller) -> absl::Status {
    if (unit == nullptr) {
      return InvalidField(
          "unit_id", req->unit_id().empty() ? "required" : "unknown unit '" + req->unit_id() + "'");
    }
    auto period = RequestedPeriod(req->period(), req->start_date(), req->end_date());
    if (!period.ok()) return period.status();
    span = SpanOf(*period, limits_.utc_offset_minutes);
    auto got = ScopeOf(caller);
    if (!got.ok()) return got.status();
    scope = std::move(*got);
    return MayReadScores(org_, caller, scope, unit->id);
  };
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto rows = repo::Scores(tx, unit->tenant, unit->id, span);
    if (!rows.ok()) return rows.status();
    *resp = ScoreEntries(*rows, scope);
    return absl::OkStatus();
  });
}

}  // namespace zs::reporting

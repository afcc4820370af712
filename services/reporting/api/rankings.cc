// Points and rankings (信息工作考核): the ledger, rankings, details and CSV export.
#include "api/service.h"
#include "core/time_util.h"
#include "store/repository.h"

namespace zs::reporting {

grpc::ServerUnaryReactor* ReportingServiceImpl::ReadRankings(
    grpc::CallbackServerContext* ctx, RankingsQuery query,
    const std::function<void(pb::ListRankingsResponse&&)>& answer) {
  RankingsScope scope;
  auto check = [&](const auth::Principal& caller) -> absl::Status {
    auto got = ResolveRankings(org_, caller, query, limits_.utc_offset_minutes);
    if (!got.ok()) return got.status();
    scope = std::move(*got);
    return absl::OkStatus();
  };
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto rows = repo::Scores(tx, scope.tenant, "", scope.span);
    if (!rows.ok()) return rows.status();
    answer(Rankings(org_, scope, *rows));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListRankings(grpc::CallbackServerContext* ctx,
                                                             const pb::ListRankingsRequest* req,
                                                             pb::ListRankingsResponse* resp) {
  return ReadRankings(ctx, {req->period(), req->start_date(), req->end_date(), req->tenant()},
                      [resp](pb::ListRankingsResponse&& r) { *resp = std::move(r); });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportRankings(grpc::CallbackServerContext* ctx,
                                                               const pb::ExportRankingsRequest* req,
                                                               pb::ExportRankingsResponse* resp) {
  return ReadRankings(ctx, {req->period(), req->start_date(), req->end_date(), req->tenant()},
                      [resp](pb::ListRankingsResponse&& r) {
                        resp->set_csv(RankingsCsv({r.ranks().begin(), r.ranks().end()}));
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

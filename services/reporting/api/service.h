#pragma once

#include <string>

#include "app/handler.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "domain/reports.h"
#include "events/outbox.h"
#include "org/org.h"
#include "store/database.h"
#include "store/timers.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::reporting {

struct EmergencyOptions {
  EmergencyClocks clocks;
  std::chrono::minutes follow_up_interval{240};  // an open chain silent this long is chased
};

inline BulletinKinds DefaultBulletinKinds() {
  return {{"daily", "每日要情"}, {"special", "信息专报"}, {"express", "快报"}};
}

// The gRPC adapter: every call is one of the application layer's shapes (app::Handlers) — the
// checks (validation naming the field, then authorization) before any data is read, then the
// domain rules on a read snapshot or in one idempotent write with its audit and outbox rows.
class ReportingServiceImpl final : public pb::ReportingService::CallbackService {
 public:
  ReportingServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                       Limits limits, EmergencyOptions emergency = EmergencyOptions(),
                       BulletinKinds bulletin_kinds = DefaultBulletinKinds(),
                       PointsTable points = PointsTable());

  grpc::ServerUnaryReactor* CreateReport(grpc::CallbackServerContext* ctx,
                                         const pb::CreateReportRequest* req,
                                         pb::Report* resp) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* ctx,
                                      const pb::GetReportRequest* req, pb::Report* resp) override;
  grpc::ServerUnaryReactor* ListReports(grpc::CallbackServerContext* ctx,
                                        const pb::ListReportsRequest* req,
                                        pb::ListReportsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateReport(grpc::CallbackServerContext* ctx,
                                         const pb::UpdateReportRequest* req,
                                         pb::Report* resp) override;
  grpc::ServerUnaryReactor* SubmitReport(grpc::CallbackServerContext* ctx,
                                         const pb::SubmitReportRequest* req,
                                         pb::Report* resp) override;
  grpc::ServerUnaryReactor* ReturnReport(grpc::CallbackServerContext* ctx,
                                         const pb::ReturnReportRequest* req,
                                         pb::Report* resp) override;
  grpc::ServerUnaryReactor* AdoptReport(grpc::CallbackServerContext* ctx,
                                        const pb::AdoptReportRequest* req,
                                        pb::Report* resp) override;
  grpc::ServerUnaryReactor* IssueInstruction(grpc::CallbackServerContext* ctx,
                                             const pb::IssueInstructionRequest* req,
                                             pb::Instruction* resp) override;
  grpc::ServerUnaryReactor* GetInstruction(grpc::CallbackServerContext* ctx,
                                           const pb::GetInstructionRequest* req,
                                           pb::Instruction* resp) override;
  grpc::ServerUnaryReactor* ListInstructions(grpc::CallbackServerContext* ctx,
                                             const pb::ListInstructionsRequest* req,
                                             pb::ListInstructionsResponse* resp) override;
  grpc::ServerUnaryReactor* GetEmergencyChain(grpc::CallbackServerContext* ctx,
                                              const pb::GetEmergencyChainRequest* req,
                                              pb::EmergencyChain* resp) override;
  grpc::ServerUnaryReactor* CreateBulletin(grpc::CallbackServerContext* ctx,
                                           const pb::CreateBulletinRequest* req,
                                           pb::Bulletin* resp) override;
  grpc::ServerUnaryReactor* AddBulletinItem(grpc::CallbackServerContext* ctx,
                                            const pb::AddBulletinItemRequest* req,
                                            pb::Bulletin* resp) override;
  grpc::ServerUnaryReactor* PublishBulletin(grpc::CallbackServerContext* ctx,
                                            const pb::PublishBulletinRequest* req,
                                            pb::Bulletin* resp) override;
  grpc::ServerUnaryReactor* GetBulletin(grpc::CallbackServerContext* ctx,
                                        const pb::GetBulletinRequest* req,
                                        pb::Bulletin* resp) override;
  grpc::ServerUnaryReactor* ListBulletins(grpc::CallbackServerContext* ctx,
                                          const pb::ListBulletinsRequest* req,
                                          pb::ListBulletinsResponse* resp) override;
  grpc::ServerUnaryReactor* ListRankings(grpc::CallbackServerContext* ctx,
                                         const pb::ListRankingsRequest* req,
                                         pb::ListRankingsResponse* resp) override;
  grpc::ServerUnaryReactor* ExportRankings(grpc::CallbackServerContext* ctx,
                                           const pb::ExportRankingsRequest* req,
                                           pb::ExportRankingsResponse* resp) override;
  grpc::ServerUnaryReactor* ListScoreEntries(grpc::CallbackServerContext* ctx,
                                             const pb::ListScoreEntriesRequest* req,
                                             pb::ListScoreEntriesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateCall(grpc::CallbackServerContext* ctx,
                                       const pb::CreateCallRequest* req, pb::Call* resp) override;
  grpc::ServerUnaryReactor* GetCall(grpc::CallbackServerContext* ctx, const pb::GetCallRequest* req,
                                    pb::Call* resp) override;
  grpc::ServerUnaryReactor* ListCalls(grpc::CallbackServerContext* ctx,
                                      const pb::ListCallsRequest* req,
                                      pb::ListCallsResponse* resp) override;

  // Timer kChainFollowUp (owner: chain, name: its latest report when scheduled): emits
  // "reporting.emergency.follow_up_due" unless the chain moved on or closed meanwhile.
  absl::StatusOr<std::string> FireFollowUp(store::Tx& tx, const store::Timer& timer);
  // Timer kCallOverdue (owner: call, name: unit, or "*" for every unit): emits
  // "reporting.call.overdue" once for each such unit that has not answered.
  absl::StatusOr<std::string> FireCallOverdue(store::Tx& tx, const store::Timer& timer);

  // Handler of "supervision.item.opened": an item opened for one of our instructions is recorded
  // on it (the first one only, and only from the instruction's own tenant), so that only that
  // item can answer it.
  absl::Status OnItemOpened(const zhongshu::events::v1::Event& event,
                            const zhongshu::events::v1::ItemOpened& opened, store::Tx& tx);
  // Handler of "supervision.item.closed" and "supervision.item.cancelled": marks the instruction
  // it came from answered (with the feedback or the reason for cancelling), if the
  // event is of the instruction's tenant and the item is the one opened for it.
  absl::Status OnItemClosed(const zhongshu::events::v1::Event& event,
                            const zhongshu::events::v1::ItemClosed& closed, store::Tx& tx);

 private:
  absl::StatusOr<ReadScope> ScopeOf(const auth::Principal& caller) const {
    return ReadScopeFor(org_, caller);
  }
  // The Check of a read: `validate` (the request's fields: INVALID_ARGUMENT naming the field),
  // then the caller's read scope into *scope (PERMISSION_DENIED without a reporting role).
  app::Check ScopeCheck(ReadScope* scope, std::function<absl::Status()> validate = {}) const;
  // ListRankings and ExportRankings: the query checked (period, tenant, the caller's right to
  // see it), then the tenant's units ranked over the period, given to `answer`.
  grpc::ServerUnaryReactor* ReadRankings(
      grpc::CallbackServerContext* ctx, RankingsQuery query,
      const std::function<void(pb::ListRankingsResponse&&)>& answer);
  // A report as the caller may see it: NOT_FOUND when it does not exist or is invisible.
  absl::StatusOr<pb::Report> LoadVisible(store::Tx& tx, const auth::Principal& caller,
                                         const std::string& id) const;
  // A bulletin in the caller's subtree (NOT_FOUND outside it), for an editor to change.
  absl::StatusOr<pb::Bulletin> LoadBulletin(store::Tx& tx, const auth::Principal& caller,
                                            const std::string& id) const;
  // The open chain a follow-up continues: NOT_FOUND or FAILED_PRECONDITION naming
  // report.emergency.previous_id when there is none to continue.
  absl::StatusOr<ChainState> FollowedChain(store::Tx& tx, const auth::Principal& caller,
                                           const pb::Report& r);
  // The call a report answers, if the caller may see it and it asked the report's unit.
  absl::StatusOr<pb::Call> AnsweredCall(store::Tx& tx, const auth::Principal& caller,
                                        const pb::Report& r);
  // At submission of a report that answers a call: records the unit's first answer.
  absl::Status AnswerCall(store::Tx& tx, const auth::Principal& caller, const pb::Report& r);
  // At submission of an emergency report: stamps it, advances its chain and its follow-up
  // timer, records its event.
  absl::Status SubmitEmergency(store::Tx& tx, const auth::Principal& caller, pb::Report& r);
  // Records a change made by the service itself (a timer), not by a caller.
  absl::Status RecordSystem(store::Tx& tx, const events::Change& change) const;

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const Limits limits_;
  const EmergencyOptions emergency_;
  const BulletinKinds bulletin_kinds_;
  const PointsTable points_;
  events::Recorder recorder_;
  // How the layer loads and saves a report and a bulletin for a change (see app::Change).
  app::Resource<pb::Report> reports_;
  app::Resource<pb::Bulletin> bulletins_;
};

}  // namespace zs::reporting

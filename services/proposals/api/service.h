#pragma once

#include <any>
#include <string>

#include "app/handler.h"
#include "app/matters_upstream.h"
#include "auth/principal.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "domain/proposals.h"
#include "events/outbox.h"
#include "org/org.h"
#include "store/database.h"
#include "store/repository.h"
#include "store/timers.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"

namespace zs::proposals {

namespace ev = zhongshu::events::v1;

struct Options {
  Limits limits;
  Deadlines deadlines;
  int fire_hour = 9;  // deadline timers fire at this local hour of their day
};

// The gRPC adapter of proposals on the application layer (app::Handlers): each call names its
// checks and its body; a proposal changes through app::Resource (load as the caller may see it,
// domain change, save with its parties, deadline timers, audit row and event).
class ProposalsServiceImpl final : public pb::ProposalsService::CallbackService {
 public:
  ProposalsServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                       const calendar::WorkCalendar& cal, Options options);

#define ZS_RPC(Method, Request, Response)                                            \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext*, const pb::Request*, \
                                   pb::Response*) override
  ZS_RPC(CreateProposal, CreateProposalRequest, Proposal);
  ZS_RPC(GetProposal, GetProposalRequest, Proposal);
  ZS_RPC(ListProposals, ListProposalsRequest, ListProposalsResponse);
  ZS_RPC(RespondCoSign, RespondCoSignRequest, Proposal);
  ZS_RPC(ReviewProposal, ReviewProposalRequest, Proposal);
  ZS_RPC(ListSimilarProposals, ListSimilarProposalsRequest, ListSimilarProposalsResponse);
  ZS_RPC(MergeProposals, MergeProposalsRequest, Proposal);
  ZS_RPC(AssignProposal, AssignProposalRequest, Proposal);
  ZS_RPC(SignHandling, SignHandlingRequest, Proposal);
  ZS_RPC(ReturnHandling, ReturnHandlingRequest, Proposal);
  ZS_RPC(DisputeReturn, DisputeReturnRequest, Proposal);
  ZS_RPC(SendOpinion, SendOpinionRequest, Proposal);
  ZS_RPC(LogContact, LogContactRequest, Proposal);
  ZS_RPC(ReplyProposal, ReplyProposalRequest, Proposal);
  ZS_RPC(AdjustReplyClass, AdjustReplyClassRequest, Proposal);
  ZS_RPC(FollowUpReply, FollowUpReplyRequest, Proposal);
  ZS_RPC(RequestExtension, RequestExtensionRequest, Proposal);
  ZS_RPC(DecideExtension, DecideExtensionRequest, Proposal);
  ZS_RPC(RateProposal, RateProposalRequest, Proposal);
  ZS_RPC(ListPublicReplies, ListPublicRepliesRequest, ListPublicRepliesResponse);
  ZS_RPC(GetStatistics, GetStatisticsRequest, Statistics);
  ZS_RPC(ExportStatistics, ExportStatisticsRequest, ExportStatisticsResponse);
#undef ZS_RPC

  // "coordination.matter.resolved" raised by proposals: read back from coordination first
  // (outside any transaction, `read`); then the disputed return goes to the decided units.
  absl::StatusOr<std::any> PrepareMatterResolved(const ev::Event& event,
                                                 const ev::MatterResolved& m,
                                                 const app::MatterReader& read);
  absl::Status OnMatterResolved(const ev::Event& event, const ev::MatterResolved& m,
                                const std::any& prepared, store::Tx& tx);
  // A due timer of kDeadlineTimers, in the transaction that claimed it: a reminder
  // ("proposals.handling.due_soon") or the overdue event supervision opens a 督办 item from.
  absl::StatusOr<std::string> FireDeadlineTimer(store::Tx& tx, const store::Timer& timer);

 private:
  // The proposal as `caller` may see it: NOT_FOUND naming it otherwise.
  absl::StatusOr<pb::Proposal> Load(store::Tx& tx, const auth::Principal& caller,
                                    const std::string& id) const;
  // Saves a changed proposal (version-checked) with its parties; reschedules its deadline timers
  // when a handling's due date or duty changed; records the audit row and event.
  absl::Status Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                    const pb::Proposal& before, const pb::Proposal& after, const app::Audit& audit,
                    const std::string& trace_id);
  absl::Status Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                      const pb::Proposal& p, const std::string& unit, const app::Audit& audit,
                      const std::string& trace_id);
  // handlers_.Change of a proposal; the version is raised after `apply` succeeds.
  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, pb::Proposal* resp,
                                   const std::string& id, app::Check check, app::Audit audit,
                                   app::Apply<pb::Proposal> apply) const;
  // A change by the proposal office: the request's validation (computed once), then the role.
  app::Check Office(absl::Status valid, std::string action) const;
  // A unit handler's change of its handling (`unit` from the request).
  app::Apply<pb::Proposal> OnHandling(
      std::string unit, std::string action,
      std::function<absl::Status(const auth::Principal&, pb::Proposal&, pb::Handling&)> step) const;
  // A proposal office's change: the caller is the office of the proposal's own tenant.
  app::Apply<pb::Proposal> AsOffice(std::string action, app::Apply<pb::Proposal> apply) const;
  // A proposal office's change of a unit's handling.
  app::Apply<pb::Proposal> OfficeOnHandling(
      std::string unit, std::string action,
      std::function<absl::Status(pb::Proposal&, pb::Handling&)> step) const;
  // The default due date of an assignment made today, or `requested` when given.
  std::string DueFor(const pb::Proposal& p, const std::string& requested) const;
  CivilDate Today() const;

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const calendar::WorkCalendar& cal_;
  const Options options_;
  events::Recorder recorder_;
  const app::Resource<pb::Proposal> proposals_;
};

}  // namespace zs::proposals

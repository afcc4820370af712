#pragma once

#include <any>
#include <functional>
#include <string>

#include "app/handler.h"
#include "app/matters_upstream.h"
#include "auth/principal.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "domain/notice.h"
#include "domain/sources.h"
#include "domain/supervision.h"
#include "events/outbox.h"
#include "org/org.h"
#include "store/database.h"
#include "store/repository.h"
#include "store/timers.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::supervision {

namespace ev = zhongshu::events::v1;

// Fetches a report from the reporting service on behalf of the given tenant.
// Fetches an overdue proposal from the proposals service, as `tenant`'s service account, with
// whether `unit` still owes its reply.
using ProposalFetcher = std::function<absl::StatusOr<ProposalContext>(
    const std::string& tenant, const std::string& proposal_id, const std::string& unit)>;
// Reads a meeting's decision or a document's instruction from the coordination service as this
// service's account in `tenant`: (tenant, record id, decision or instruction id).
using CoordinationFetcher = std::function<absl::StatusOr<CoordinationRecord>(
    const std::string& tenant, const std::string& record_id, const std::string& entry_id)>;
using ReportFetcher = std::function<absl::StatusOr<ReportContext>(const std::string& tenant,
                                                                  const std::string& report_id)>;

struct Options {
  Limits limits;
  LadderConfig ladder;
  int fire_hour = 9;  // rungs fire at this local hour of their day
};

// The gRPC adapter of supervision on the application layer (app::Handlers): each call names its
// checks and its body; tasks and items change through app::Resource (load as the caller may see
// it, domain change, save with audit row and event).
class SupervisionServiceImpl final : public pb::SupervisionService::CallbackService {
 public:
  SupervisionServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                         const calendar::WorkCalendar& cal, Options options);

  grpc::ServerUnaryReactor* CreateItem(grpc::CallbackServerContext*, const pb::CreateItemRequest*,
                                       pb::Item*) override;
  grpc::ServerUnaryReactor* GetItem(grpc::CallbackServerContext*, const pb::GetItemRequest*,
                                    pb::Item*) override;
  grpc::ServerUnaryReactor* ListItems(grpc::CallbackServerContext*, const pb::ListItemsRequest*,
                                      pb::ListItemsResponse*) override;
  grpc::ServerUnaryReactor* CloseItem(grpc::CallbackServerContext*, const pb::CloseItemRequest*,
                                      pb::Item*) override;
  grpc::ServerUnaryReactor* UpdateItem(grpc::CallbackServerContext*, const pb::UpdateItemRequest*,
                                       pb::Item*) override;
  grpc::ServerUnaryReactor* CancelItem(grpc::CallbackServerContext*, const pb::CancelItemRequest*,
                                       pb::Item*) override;
  grpc::ServerUnaryReactor* AssignTask(grpc::CallbackServerContext*, const pb::AssignTaskRequest*,
                                       pb::Task*) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext*, const pb::GetTaskRequest*,
                                    pb::Task*) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext*, const pb::ListTasksRequest*,
                                      pb::ListTasksResponse*) override;
  grpc::ServerUnaryReactor* AcceptTask(grpc::CallbackServerContext*, const pb::AcceptTaskRequest*,
                                       pb::Task*) override;
  grpc::ServerUnaryReactor* ContestTask(grpc::CallbackServerContext*, const pb::ContestTaskRequest*,
                                        pb::Task*) override;
  grpc::ServerUnaryReactor* ReportProgress(grpc::CallbackServerContext*,
                                           const pb::ReportProgressRequest*, pb::Task*) override;
  grpc::ServerUnaryReactor* ReportCompletion(grpc::CallbackServerContext*,
                                             const pb::ReportCompletionRequest*,
                                             pb::Task*) override;
  grpc::ServerUnaryReactor* VerifyTask(grpc::CallbackServerContext*, const pb::VerifyTaskRequest*,
                                       pb::Task*) override;
  grpc::ServerUnaryReactor* RequestExtension(grpc::CallbackServerContext*,
                                             const pb::RequestExtensionRequest*,
                                             pb::Task*) override;
  grpc::ServerUnaryReactor* DecideExtension(grpc::CallbackServerContext*,
                                            const pb::DecideExtensionRequest*, pb::Task*) override;
  grpc::ServerUnaryReactor* ReassignTask(grpc::CallbackServerContext*,
                                         const pb::ReassignTaskRequest*, pb::Task*) override;
  grpc::ServerUnaryReactor* CancelTask(grpc::CallbackServerContext*, const pb::CancelTaskRequest*,
                                       pb::Task*) override;
  grpc::ServerUnaryReactor* PublishNotice(grpc::CallbackServerContext*,
                                          const pb::PublishNoticeRequest*, pb::Notice*) override;
  grpc::ServerUnaryReactor* PreviewNotice(grpc::CallbackServerContext*,
                                          const pb::PreviewNoticeRequest*, pb::Notice*) override;
  grpc::ServerUnaryReactor* GetNotice(grpc::CallbackServerContext*, const pb::GetNoticeRequest*,
                                      pb::Notice*) override;
  grpc::ServerUnaryReactor* ListNotices(grpc::CallbackServerContext*, const pb::ListNoticesRequest*,
                                        pb::ListNoticesResponse*) override;

  // Handlers of other services' events, each given its payload unpacked (the consumer
  // dead-letters an event whose payload is not of the type at once).
  // "reporting.instruction.issued": fetch the report (outside any transaction) ...
  absl::StatusOr<std::any> PrepareInstruction(const ev::Event& event,
                                              const ev::InstructionIssued& in,
                                              const ReportFetcher& fetch);
  // ... then open an item with one task: the first directed unit leads, the others assist.
  absl::Status OnInstructionIssued(const ev::Event& event, const ev::InstructionIssued& in,
                                   const std::any& prepared, store::Tx& tx);
  // "coordination.meeting.decision_recorded", "coordination.document.instruction_recorded": the
  // decision or instruction is fetched from coordination first (outside any transaction) ...
  absl::StatusOr<std::any> PrepareMeetingDecision(const ev::Event& event,
                                                  const ev::MeetingDecisionRecorded& d,
                                                  const CoordinationFetcher& fetch);
  absl::StatusOr<std::any> PrepareDocumentInstruction(const ev::Event& event,
                                                      const ev::DocumentInstructionRecorded& d,
                                                      const CoordinationFetcher& fetch);
  // ... then the item is opened from what coordination holds (see domain/sources.h).
  absl::Status OnMeetingDecision(const ev::Event& event, const ev::MeetingDecisionRecorded& d,
                                 const std::any& prepared, store::Tx& tx);
  absl::Status OnDocumentInstruction(const ev::Event& event,
                                     const ev::DocumentInstructionRecorded& d,
                                     const std::any& prepared, store::Tx& tx);
  // "proposals.handling.overdue": the proposal is fetched first (outside any transaction), so
  // the item's title is the proposal's own and an event naming another tenant's proposal, or a
  // unit that has replied, opens nothing.
  absl::StatusOr<std::any> PrepareProposalOverdue(const ev::Event& event,
                                                  const ev::ProposalOverdue& p,
                                                  const ProposalFetcher& fetch);
  absl::Status OnProposalOverdue(const ev::Event& event, const ev::ProposalOverdue& p,
                                 const std::any& prepared, store::Tx& tx);
  // "coordination.matter.resolved": the matter is read back from coordination first (outside any
  // transaction, `read`), then the contested task gets the decided lead and co-units.
  absl::StatusOr<std::any> PrepareMatterResolved(const ev::Event& event,
                                                 const ev::MatterResolved& m,
                                                 const app::MatterReader& read);
  absl::Status OnMatterResolved(const ev::Event& event, const ev::MatterResolved& m,
                                const std::any& prepared, store::Tx& tx);

  // A due timer of kLadderTimers, in the transaction that claimed it: issues the card the domain
  // decides (DecideRung) and flags a formal talk; returns the outcome recorded on the timer.
  absl::StatusOr<std::string> FireLadderTimer(store::Tx& tx, const store::Timer& timer);

 private:
  // Opens the item and its task once per source, whatever the event's delivery count.
  absl::Status OpenFromEvent(const zhongshu::events::v1::Event& event,
                             absl::StatusOr<Sourced> source, store::Tx& tx);
  absl::Status OpenItem(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                        const pb::Item& item, const std::string& trace_id);
  absl::Status AddTask(store::Tx& tx, const zhongshu::common::v1::Actor& actor, pb::Item& item,
                       pb::Task& task, const std::string& trace_id);
  // The audit row and event of a change of an item or a task.
  absl::Status RecordItem(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                          const pb::Item& item, const app::Audit& audit);
  absl::Status RecordTask(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                          const pb::Task& task, const app::Audit& audit,
                          const std::string& trace_id);
  // Saves a changed task and what follows from the change: its unit rows, its timers, the
  // finished count of its item; then records it.
  absl::Status SaveTask(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                        const pb::Task& before, const pb::Task& after, const app::Audit& audit,
                        const std::string& trace_id);
  // (Re)schedules the task's ladder and cadence timers; `item` is loaded when not given.
  // `reassigned`: the task was assigned anew, so every rung fires again (store::ScheduleTimers).
  absl::Status Schedule(store::Tx& tx, const pb::Task& task, const pb::Item* item = nullptr,
                        bool reassigned = false);
  // The task or item as `caller` may see it: NOT_FOUND naming it when it is not visible.
  absl::StatusOr<pb::Task> LoadTask(store::Tx& tx, const auth::Principal& caller,
                                    const std::string& id) const;
  absl::StatusOr<pb::Item> LoadItem(store::Tx& tx, const auth::Principal& caller,
                                    const std::string& id) const;
  // The item's words withheld from a caller who may not read negative information.
  void Present(const auth::Principal& caller, pb::Item& item) const;
  // The notice of `period` for `tenant` as of `today`, without id, number or rendering.
  absl::StatusOr<pb::Notice> ComputeNoticeFor(store::Tx& tx, const std::string& tenant,
                                              const Period& period, const CivilDate& today) const;
  // The checks of a call of the supervision office: the request's validation (computed once),
  // then the supervisor role.
  app::Check Office(absl::Status valid, std::string action) const;
  CivilDate Today() const;
  int64_t FireAtMs(const CivilDate& d) const;

  const app::Handlers& handlers_;
  store::Database& db_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const calendar::WorkCalendar& cal_;
  const Options options_;
  events::Recorder recorder_;
  const app::Resource<pb::Task> tasks_;
  const app::Resource<pb::Item> items_;
};

}  // namespace zs::supervision

#pragma once

#include <any>
#include <functional>

#include "app/handler.h"
#include "auth/principal.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "domain/notice.h"
#include "domain/supervision.h"
#include "events/outbox.h"
#include "org/org.h"
#include "store/database.h"
#include "store/repository.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::supervision {

// What supervision needs from the reporting service about an instruction's report.
struct ReportContext {
  std::string body;      // empty when withheld (negative information) or unavailable
  bool negative = true;  // unknown content is treated as negative information (withheld)
  std::string tenant;    // the report's tenant; empty when the report was not found
};
// Fetches a report from the reporting service on behalf of the given tenant.
using ReportFetcher = std::function<absl::StatusOr<ReportContext>(const std::string& tenant,
                                                                  const std::string& report_id)>;

struct Options {
  Limits limits;
  LadderConfig ladder;
  int fire_hour = 9;  // rungs fire at this local hour of their day
};

// Translates between the wire and the supervision domain; every change is one idempotent
// transaction with its audit row and event.
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

  // "reporting.instruction.issued": fetch the report (outside any transaction) ...
  absl::StatusOr<std::any> PrepareInstruction(const zhongshu::events::v1::Event& event,
                                              const ReportFetcher& fetch);
  // ... then open an item with one task: the first directed unit leads, the others assist.
  absl::Status OnInstructionIssued(const zhongshu::events::v1::Event& event,
                                   const std::any& prepared, store::Tx& tx);

  // "coordination.meeting.decision_recorded": a standing-committee-decision item (常委议定事项).
  absl::Status OnMeetingDecision(const zhongshu::events::v1::Event& event, store::Tx& tx);
  // "coordination.document.instruction_recorded": a document-instruction item (批办件).
  absl::Status OnDocumentInstruction(const zhongshu::events::v1::Event& event, store::Tx& tx);
  // "proposals.handling.overdue": an overdue-proposal item (建议提案督办) for the late unit.
  absl::Status OnProposalOverdue(const zhongshu::events::v1::Event& event, store::Tx& tx);
  // "coordination.matter.resolved": a contested task gets the decided lead and co-units.
  absl::Status OnMatterResolved(const zhongshu::events::v1::Event& event, store::Tx& tx);

  // Fires the warning-ladder timers that are due, each exactly once even with several processes
  // on one database. Returns how many rungs fired (issued a warning).
  absl::StatusOr<int> FireDueTimers();

 private:
  // An item to open from another service's event, with its first task.
  struct Sourced {
    pb::Item item;  // title, source_type, source_ref, requirement, background, leader, deadline
    std::string lead_unit;
    std::vector<std::string> co_units;
    std::string deliverable;
  };
  // Opens the item and its task once per source, whatever the event's delivery count.
  absl::Status OpenFromEvent(const zhongshu::events::v1::Event& event, Sourced s, store::Tx& tx);
  struct Audit {
    std::string action;
    std::string event_type;
    std::string detail;
  };
  absl::Status OpenItem(store::Tx& tx, const zhongshu::common::v1::Actor& actor, pb::Item& item,
                        const std::string& trace_id);
  absl::Status AddTask(store::Tx& tx, const zhongshu::common::v1::Actor& actor, pb::Item& item,
                       pb::Task& task, const std::string& trace_id);
  absl::Status RecordTask(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                          const pb::Task& task, const Audit& audit, const std::string& trace_id);
  // (Re)schedules the task's ladder and cadence timers; `item` is loaded when not given.
  // `reassigned`: the task was assigned anew, so every rung fires again (see ScheduleTimers).
  absl::Status Schedule(store::Tx& tx, const pb::Task& task, const pb::Item* item = nullptr,
                        bool reassigned = false);
  absl::StatusOr<pb::Task> LoadVisibleTask(store::Tx& tx, const auth::Principal& caller,
                                           const std::string& id);
  absl::Status FireOne(store::Tx& tx, const repo::Timer& t, bool* fired);
  // Runs one change of a task as an idempotent mutation (see ReportingServiceImpl::ChangeReport).
  grpc::ServerUnaryReactor* ChangeTask(grpc::CallbackServerContext* ctx,
                                       const auth::Principal& caller, const char* method,
                                       const google::protobuf::Message& req,
                                       const std::string& request_id, const std::string& id,
                                       pb::Task* resp, Audit audit,
                                       std::function<absl::Status(pb::Task&)> apply);
  // The notice of `period` for the caller's tenant as of now, rendered, without id or number.
  absl::StatusOr<pb::Notice> ComputeNoticeFor(store::Tx& tx, const auth::Principal& caller,
                                              const Period& period);
  // Item changes (edit, cancel) share load, authorize, save and record.
  grpc::ServerUnaryReactor* ChangeItem(grpc::CallbackServerContext* ctx,
                                       const auth::Principal& caller, const char* method,
                                       const google::protobuf::Message& req,
                                       const std::string& request_id, const std::string& id,
                                       pb::Item* resp,
                                       std::function<absl::Status(store::Tx&, pb::Item&)> apply);
  CivilDate Today() const;
  int64_t FireAtMs(const CivilDate& d) const;

  const app::Handlers& handlers_;
  store::Database& db_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const calendar::WorkCalendar& cal_;
  const Options options_;
  events::Recorder recorder_;
};

}  // namespace zs::supervision

#include "api/service.h"

#include <spdlog/spdlog.h>

#include "auth/interceptor.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "rpc/list.h"
#include "rpc/mutation.h"
#include "rpc/status.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::supervision {

namespace ev = zhongshu::events::v1;
using rpc::Finish;

namespace {

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:supervision");
  return a;
}

// The event suffix of a task state, e.g. events::type::kSupervisionTaskClosed.
std::string TaskEventType(pb::TaskState s) {
  switch (s) {
    case pb::TASK_STATE_ASSIGNED:
      return events::type::kSupervisionTaskAssigned;
    case pb::TASK_STATE_ACCEPTED:
      return events::type::kSupervisionTaskAccepted;
    case pb::TASK_STATE_IN_PROGRESS:
      return events::type::kSupervisionTaskProgress;
    case pb::TASK_STATE_COMPLETION_REPORTED:
      return events::type::kSupervisionTaskCompletionReported;
    case pb::TASK_STATE_CLOSED:
      return events::type::kSupervisionTaskClosed;
    case pb::TASK_STATE_RETURNED:
      return events::type::kSupervisionTaskReturned;
    case pb::TASK_STATE_CANCELLED:
      return events::type::kSupervisionTaskCancelled;
    default:
      return events::type::kSupervisionTaskChanged;
  }
}

}  // namespace

SupervisionServiceImpl::SupervisionServiceImpl(const app::Handlers& handlers,
                                               const org::OrgTree& org, const Clock* clock,
                                               const calendar::WorkCalendar& cal, Options options)
    : handlers_(handlers),
      db_(handlers.db()),
      org_(org),
      clock_(clock),
      cal_(cal),
      options_(options),
      recorder_("supervision", clock) {}

CivilDate SupervisionServiceImpl::Today() const {
  return DateOf(clock_->Now(), options_.limits.utc_offset_minutes);
}

int64_t SupervisionServiceImpl::FireAtMs(const CivilDate& d) const {
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  const auto local = days + std::chrono::hours(options_.fire_hour) -
                     std::chrono::minutes(options_.limits.utc_offset_minutes);
  return std::chrono::duration_cast<std::chrono::milliseconds>(local.time_since_epoch()).count();
}

absl::Status SupervisionServiceImpl::Schedule(store::Tx& tx, const pb::Task& task,
                                              const pb::Item* item, bool reassigned) {
  pb::Item loaded;
  if (item == nullptr) {
    auto it = repo::GetItem(tx, task.item_id());
    if (!it.ok()) return it.status();
    loaded = std::move(*it);
    item = &loaded;
  }
  const CivilDate assigned =
      DateOf(FromProto(task.assign_time()), options_.limits.utc_offset_minutes);
  const CivilDate due = *ParseDate(task.due_date());
  std::vector<repo::Timer> timers;
  for (const auto& r : LadderFor(cal_, options_.ladder, assigned, due)) {
    timers.push_back({task.id(), r.name, FireAtMs(r.date)});
  }
  for (const auto& w : ProgressWindows(cal_, item->cadence(), assigned, due)) {
    timers.push_back({task.id(), w.rung, FireAtMs(w.fire)});
  }
  return repo::ScheduleTimers(tx, task.id(), timers, reassigned);
}

absl::Status SupervisionServiceImpl::OpenItem(store::Tx& tx,
                                              const zhongshu::common::v1::Actor& actor,
                                              pb::Item& item, const std::string& trace_id) {
  if (auto s = repo::InsertItem(tx, item); !s.ok()) return s;
  ev::ItemOpened payload;
  payload.set_item_id(item.id());
  payload.set_source_type(item.source_type());
  payload.set_source_ref(item.source_ref());
  payload.set_title(PublicTitle(item));
  payload.set_deadline(item.deadline());
  payload.set_negative(item.negative());
  events::Change change{
      "item.open", item.id(), item.tenant(), item.title(), events::type::kSupervisionItemOpened,
      &payload,    trace_id};
  return recorder_.Record(tx, actor, change).status();
}

absl::Status SupervisionServiceImpl::RecordTask(store::Tx& tx,
                                                const zhongshu::common::v1::Actor& actor,
                                                const pb::Task& task, const Audit& audit,
                                                const std::string& trace_id) {
  ev::TaskChanged payload;
  payload.set_task_id(task.id());
  payload.set_item_id(task.item_id());
  payload.set_lead_unit(task.lead_unit());
  payload.set_state(pb::TaskState_Name(task.state()));
  payload.set_due_date(task.due_date());
  ev::TaskContested contested;
  const google::protobuf::Message* p = &payload;
  if (task.state() == pb::TASK_STATE_CONTESTED) {
    contested.set_task_id(task.id());
    contested.set_item_id(task.item_id());
    contested.set_unit(task.lead_unit());
    contested.set_reason(task.contest_reason());
    contested.set_contest_ref(task.contest_ref());
    *contested.mutable_co_units() = task.co_units();
    p = &contested;
  }
  events::Change change{audit.action,
                        task.id(),
                        task.tenant(),
                        audit.detail,
                        audit.event_type.empty() ? TaskEventType(task.state()) : audit.event_type,
                        p,
                        trace_id};
  return recorder_.Record(tx, actor, change).status();
}

absl::Status SupervisionServiceImpl::AddTask(store::Tx& tx,
                                             const zhongshu::common::v1::Actor& actor,
                                             pb::Item& item, pb::Task& task,
                                             const std::string& trace_id) {
  if (task.id().empty()) task.set_id(NewResourceId(item.tenant(), "t"));
  task.set_tenant(item.tenant());
  task.set_item_id(item.id());
  task.set_state(pb::TASK_STATE_ASSIGNED);
  *task.mutable_assign_time() = ToProto(clock_->Now());
  task.set_version(1);
  if (auto s = repo::InsertTask(tx, task); !s.ok()) return s;
  if (auto s = Schedule(tx, task, &item); !s.ok()) return s;
  item.set_task_count(item.task_count() + 1);
  item.set_version(item.version() + 1);
  if (auto s = repo::UpdateItem(tx, item); !s.ok()) return s;
  return RecordTask(tx, actor, task, {"task.assign", "", task.deliverable()}, trace_id);
}

absl::StatusOr<pb::Task> SupervisionServiceImpl::LoadVisibleTask(store::Tx& tx,
                                                                 const auth::Principal& caller,
                                                                 const std::string& id) {
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto t = repo::GetTask(tx, id);
  if (!t.ok()) return t.status();
  if (!MayReadTask(*scope, *t)) return absl::NotFoundError("task " + id + " not found");
  return t;
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ChangeTask(
    grpc::CallbackServerContext* ctx, const auth::Principal& caller, const char* method,
    const google::protobuf::Message& req, const std::string& request_id, const std::string& id,
    pb::Task* resp, Audit audit, std::function<absl::Status(pb::Task&)> apply) {
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller.subject, method), request_id,
      req, resp,
      [this, caller, id, resp, audit = std::move(audit),
       apply = std::move(apply)](store::Tx& tx) -> absl::Status {
        auto t = LoadVisibleTask(tx, caller, id);
        if (!t.ok()) return t.status();
        const pb::Task before = *t;
        if (auto s = apply(*t); !s.ok()) return s;
        if (auto s = repo::UpdateTask(tx, *t); !s.ok()) return s;
        const bool units_changed = t->lead_unit() != before.lead_unit() ||
                                   !std::equal(t->co_units().begin(), t->co_units().end(),
                                               before.co_units().begin(), before.co_units().end());
        if (units_changed) {
          if (auto s = repo::SetTaskUnits(tx, *t); !s.ok()) return s;
        }
        const bool reassigned =
            t->assign_time().SerializeAsString() != before.assign_time().SerializeAsString();
        if (t->due_date() != before.due_date() || reassigned) {
          if (auto s = Schedule(tx, *t, nullptr, reassigned); !s.ok()) return s;
        }
        if (t->state() != before.state() &&
            (t->state() == pb::TASK_STATE_CLOSED || t->state() == pb::TASK_STATE_CANCELLED)) {
          auto item = repo::GetItem(tx, t->item_id());
          if (!item.ok()) return item.status();
          CountFinished(*item, *t);
          if (auto s = repo::UpdateItem(tx, *item); !s.ok()) return s;
        }
        if (auto s = RecordTask(tx, caller.ToActor(), *t, audit, ""); !s.ok()) return s;
        *resp = std::move(*t);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CreateItem(grpc::CallbackServerContext* ctx,
                                                             const pb::CreateItemRequest* req,
                                                             pb::Item* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateNewItem(req->item(), options_.limits, Today()); !s.ok())
    return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, caller->tenant, "registering an item"); !s.ok()) {
    return Finish(ctx, s);
  }
  pb::Item item = req->item();
  if (auto s = ResolveInstructingLeader(org_, caller->tenant, item); !s.ok()) {
    return Finish(ctx, s);
  }
  item.set_id(NewResourceId(caller->tenant, "s"));
  item.set_tenant(caller->tenant);
  item.set_negative(false);  // output only: set when opened from negative information
  item.clear_cancel_reason();
  item.set_state(pb::ITEM_STATE_OPEN);
  if (item.priority() == pb::PRIORITY_UNSPECIFIED) item.set_priority(pb::PRIORITY_NORMAL);
  item.clear_feedback_summary();
  item.clear_close_time();
  item.set_task_count(0);
  item.set_closed_task_count(0);
  item.set_cancelled_task_count(0);
  *item.mutable_create_time() = ToProto(clock_->Now());
  item.set_version(1);
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "CreateItem"),
      req->request_id(), *req, resp,
      [this, item, caller = *caller, resp](store::Tx& tx) mutable -> absl::Status {
        if (auto s = OpenItem(tx, caller.ToActor(), item, ""); !s.ok()) return s;
        *resp = item;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetItem(grpc::CallbackServerContext* ctx,
                                                          const pb::GetItemRequest* req,
                                                          pb::Item* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto item = repo::GetItem(tx, req->id());
    if (!item.ok()) return item.status();
    bool has = false;
    if (!scope->only_unit.empty()) {
      auto found = repo::UnitHasTask(tx, item->id(), scope->only_unit);
      if (!found.ok()) return found.status();
      has = *found;
    }
    if (!MayReadItem(*scope, *item, has))
      return absl::NotFoundError("item " + req->id() + " not found");
    Redact(*scope, *item);
    *resp = std::move(*item);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListItems(grpc::CallbackServerContext* ctx,
                                                            const pb::ListItemsRequest* req,
                                                            pb::ListItemsResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  if (!pb::ItemState_IsValid(req->state()))
    return Finish(ctx, absl::InvalidArgumentError("state: unknown value"));
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListItems(tx, *scope, req->state(), cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size,
        [&](auto&& m) {
          Redact(*scope, m);
          *resp->add_items() = std::move(m);
        },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CloseItem(grpc::CallbackServerContext* ctx,
                                                            const pb::CloseItemRequest* req,
                                                            pb::Item* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateCloseItem(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, "", "closing an item"); !s.ok())
    return Finish(ctx, s);
  return ChangeItem(
      ctx, *caller, "CloseItem", *req, req->request_id(), req->id(), resp,
      [this, caller = *caller, req](store::Tx& tx, pb::Item& item) -> absl::Status {
        auto tasks = repo::TasksOfItem(tx, item.id());
        if (!tasks.ok()) return tasks.status();
        if (auto s = supervision::CloseItem(item, *tasks, req->feedback_summary(), clock_->Now());
            !s.ok()) {
          return s;
        }
        ev::ItemClosed payload;
        payload.set_item_id(item.id());
        payload.set_source_type(item.source_type());
        payload.set_source_ref(item.source_ref());
        payload.set_feedback_summary(item.feedback_summary());
        *payload.mutable_closed_at() = item.close_time();
        events::Change change{"item.close",
                              item.id(),
                              item.tenant(),
                              item.feedback_summary(),
                              events::type::kSupervisionItemClosed,
                              &payload,
                              ""};
        return recorder_.Record(tx, caller.ToActor(), change).status();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::AssignTask(grpc::CallbackServerContext* ctx,
                                                             const pb::AssignTaskRequest* req,
                                                             pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateNewTask(req->task(), org_, options_.limits, Today()); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireSupervisor(org_, *caller, "", "assigning a task"); !s.ok())
    return Finish(ctx, s);
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "AssignTask"),
      req->request_id(), *req, resp,
      [this, caller = *caller, req, resp](store::Tx& tx) -> absl::Status {
        auto item = repo::GetItem(tx, req->task().item_id());
        if (!item.ok()) return item.status();
        if (!auth::MaySeeTenant(org_, caller, item->tenant())) {
          return absl::NotFoundError("item " + item->id() + " not found");
        }
        if (item->state() != pb::ITEM_STATE_OPEN) {
          return absl::FailedPreconditionError("item " + item->id() + " is closed");
        }
        if (auto s = auth::CheckUnit(org_, &caller, item->tenant(), req->task().lead_unit(),
                                     "task.lead_unit");
            !s.ok()) {
          return s;
        }
        if (auto s = auth::CheckUnits(
                org_, &caller, item->tenant(),
                {req->task().co_units().begin(), req->task().co_units().end()}, "task.co_units");
            !s.ok()) {
          return s;
        }
        pb::Task task;
        task.set_lead_unit(req->task().lead_unit());
        *task.mutable_co_units() = req->task().co_units();
        task.set_deliverable(req->task().deliverable());
        task.set_due_date(req->task().due_date());
        *task.mutable_milestones() = req->task().milestones();
        if (auto s = AddTask(tx, caller.ToActor(), *item, task, ""); !s.ok()) return s;
        *resp = std::move(task);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetTask(grpc::CallbackServerContext* ctx,
                                                          const pb::GetTaskRequest* req,
                                                          pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto t = LoadVisibleTask(tx, *caller, req->id());
    if (!t.ok()) return t.status();
    *resp = std::move(*t);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListTasks(grpc::CallbackServerContext* ctx,
                                                            const pb::ListTasksRequest* req,
                                                            pb::ListTasksResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  if (!pb::TaskState_IsValid(req->state()))
    return Finish(ctx, absl::InvalidArgumentError("state: unknown value"));
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListTasks(tx, *scope, req->item_id(), req->state(), cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size, [&](auto&& m) { *resp->add_tasks() = std::move(m); },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::AcceptTask(grpc::CallbackServerContext* ctx,
                                                             const pb::AcceptTaskRequest* req,
                                                             pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  return ChangeTask(ctx, *caller, "AcceptTask", *req, req->request_id(), req->id(), resp,
                    {"task.accept", "", ""}, [this, caller = *caller](pb::Task& t) -> absl::Status {
                      if (auto s = RequireLeadUnit(caller, t, "signing for a task"); !s.ok())
                        return s;
                      return Accept(t, clock_->Now());
                    });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ContestTask(grpc::CallbackServerContext* ctx,
                                                              const pb::ContestTaskRequest* req,
                                                              pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateContest(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  return ChangeTask(ctx, *caller, "ContestTask", *req, req->request_id(), req->id(), resp,
                    {"task.contest", events::type::kSupervisionTaskContested, req->reason()},
                    [this, caller = *caller, req](pb::Task& t) -> absl::Status {
                      if (auto s = RequireLeadUnit(caller, t, "contesting a task"); !s.ok())
                        return s;
                      return Contest(t, req->reason(), clock_->Now());
                    });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ReportProgress(
    grpc::CallbackServerContext* ctx, const pb::ReportProgressRequest* req, pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateProgress(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  return ChangeTask(
      ctx, *caller, "ReportProgress", *req, req->request_id(), req->id(), resp,
      {"task.progress", events::type::kSupervisionTaskProgress, req->report().narrative()},
      [this, caller = *caller, req](pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "reporting progress"); !s.ok()) return s;
        pb::ProgressReport r;
        r.set_percent(req->report().percent());
        r.set_narrative(req->report().narrative());
        r.set_problems(req->report().problems());
        *r.mutable_evidence_refs() = req->report().evidence_refs();
        return AddProgress(t, std::move(r), caller.subject, clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ReportCompletion(
    grpc::CallbackServerContext* ctx, const pb::ReportCompletionRequest* req, pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateCompletion(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  return ChangeTask(ctx, *caller, "ReportCompletion", *req, req->request_id(), req->id(), resp,
                    {"task.complete", "", req->summary()},
                    [this, caller = *caller, req](pb::Task& t) -> absl::Status {
                      if (auto s = RequireLeadUnit(caller, t, "reporting completion"); !s.ok())
                        return s;
                      return supervision::ReportCompletion(
                          t, req->summary(),
                          {req->evidence_refs().begin(), req->evidence_refs().end()},
                          clock_->Now());
                    });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::VerifyTask(grpc::CallbackServerContext* ctx,
                                                             const pb::VerifyTaskRequest* req,
                                                             pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateVerify(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, "", "verifying a task"); !s.ok())
    return Finish(ctx, s);
  return ChangeTask(ctx, *caller, "VerifyTask", *req, req->request_id(), req->id(), resp,
                    {"task.verify", "", req->comment()}, [this, req](pb::Task& t) {
                      return Verify(t, req->approve(), req->comment(), clock_->Now());
                    });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::RequestExtension(
    grpc::CallbackServerContext* ctx, const pb::RequestExtensionRequest* req, pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateExtensionRequest(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  return ChangeTask(
      ctx, *caller, "RequestExtension", *req, req->request_id(), req->id(), resp,
      {"task.extension_request", events::type::kSupervisionTaskExtensionRequested, req->reason()},
      [this, caller = *caller, req](pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "asking for an extension"); !s.ok()) return s;
        return supervision::RequestExtension(t, req->new_due_date(), req->reason(), Today(),
                                             clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::DecideExtension(
    grpc::CallbackServerContext* ctx, const pb::DecideExtensionRequest* req, pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  // A refusal says why; an approval may go without a word.
  if (auto s =
          ValidateText(req->comment(), "comment", options_.limits.max_text_chars, !req->approve());
      !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireSupervisor(org_, *caller, "", "deciding an extension"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeTask(
      ctx, *caller, "DecideExtension", *req, req->request_id(), req->id(), resp,
      {"task.extension_decide", events::type::kSupervisionTaskExtensionDecided, req->comment()},
      [this, caller = *caller, req](pb::Task& t) {
        return supervision::DecideExtension(t, req->approve(), caller.subject, req->comment(),
                                            clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::PublishNotice(grpc::CallbackServerContext* ctx,
                                                                const pb::PublishNoticeRequest* req,
                                                                pb::Notice* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  auto period = NoticePeriod(req->period(), Today());
  if (!period.ok()) return Finish(ctx, period.status());
  if (auto s = RequireSupervisor(org_, *caller, caller->tenant, "publishing a notice"); !s.ok()) {
    return Finish(ctx, s);
  }
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "PublishNotice"),
      req->request_id(), *req, resp,
      [this, caller = *caller, period = *period, req, resp](store::Tx& tx) -> absl::Status {
        auto earlier = repo::NoticesOfPeriod(tx, caller.tenant, period.name);
        if (!earlier.ok()) return earlier.status();
        std::string corrects;
        if (auto s = CheckEdition(period, Today(), *earlier, req->provisional(), req->correction(),
                                  &corrects);
            !s.ok()) {
          return s;
        }
        auto published = repo::NoticesInYear(tx, caller.tenant, period.start.year);
        if (!published.ok()) return published.status();
        auto computed = ComputeNoticeFor(tx, caller, period);
        if (!computed.ok()) return computed.status();
        pb::Notice n = std::move(*computed);
        n.set_id(NewResourceId(caller.tenant, "n"));
        n.set_number(static_cast<int32_t>(*published) + 1);
        n.set_provisional(req->provisional());
        n.set_corrects(corrects);
        if (req->provisional()) n.set_title(n.title() + "（阶段性）");
        if (!corrects.empty()) n.set_title(n.title() + "（更正）");
        n.set_published_by(caller.subject);
        *n.mutable_publish_time() = ToProto(clock_->Now());
        n.set_markdown(RenderMarkdown(n));
        n.set_html(RenderHtml(n));
        if (auto s = repo::InsertNotice(tx, n); !s.ok()) return s;
        ev::NoticePublished payload;
        payload.set_notice_id(n.id());
        payload.set_period(n.period());
        payload.set_title(n.title());
        payload.set_number(n.number());
        events::Change change{"notice.publish",
                              n.id(),
                              n.tenant(),
                              n.title(),
                              events::type::kSupervisionNoticePublished,
                              &payload,
                              ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(n);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetNotice(grpc::CallbackServerContext* ctx,
                                                            const pb::GetNoticeRequest* req,
                                                            pb::Notice* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto n = repo::GetNotice(tx, req->id());
    if (!n.ok()) return n.status();
    if (std::find(scope->tenants.begin(), scope->tenants.end(), n->tenant()) ==
        scope->tenants.end()) {
      return absl::NotFoundError("notice " + req->id() + " not found");
    }
    *resp = std::move(*n);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListNotices(grpc::CallbackServerContext* ctx,
                                                              const pb::ListNoticesRequest* req,
                                                              pb::ListNoticesResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListNotices(tx, *scope, cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size, [&](auto&& m) { *resp->add_notices() = std::move(m); },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ReassignTask(grpc::CallbackServerContext* ctx,
                                                               const pb::ReassignTaskRequest* req,
                                                               pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateReassign(*req, options_.limits, Today()); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, "", "reassigning a task"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeTask(
      ctx, *caller, "ReassignTask", *req, req->request_id(), req->id(), resp,
      {"task.reassign", events::type::kSupervisionTaskReassigned, req->reason()},
      [this, caller = *caller, req](pb::Task& t) -> absl::Status {
        std::vector<std::string> co{req->co_units().begin(), req->co_units().end()};
        if (auto s = auth::CheckUnit(org_, &caller, t.tenant(), req->lead_unit(), "lead_unit");
            !s.ok()) {
          return s;
        }
        if (auto s = auth::CheckUnits(org_, &caller, t.tenant(), co, "co_units"); !s.ok()) return s;
        if (std::find(co.begin(), co.end(), req->lead_unit()) != co.end()) {
          return absl::InvalidArgumentError("co_units: the lead unit " + req->lead_unit() +
                                            " cannot also assist");
        }
        return ReassignByOffice(t, req->lead_unit(), co, req->due_date(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CancelTask(grpc::CallbackServerContext* ctx,
                                                             const pb::CancelTaskRequest* req,
                                                             pb::Task* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateCancelTask(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, "", "cancelling a task"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeTask(ctx, *caller, "CancelTask", *req, req->request_id(), req->id(), resp,
                    {"task.cancel", events::type::kSupervisionTaskCancelled, req->reason()},
                    [this, req](pb::Task& t) {
                      return supervision::CancelTask(t, req->reason(), clock_->Now());
                    });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ChangeItem(
    grpc::CallbackServerContext* ctx, const auth::Principal& caller, const char* method,
    const google::protobuf::Message& req, const std::string& request_id, const std::string& id,
    pb::Item* resp, std::function<absl::Status(store::Tx&, pb::Item&)> apply) {
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller.subject, method), request_id,
      req, resp, [this, caller, scope = *scope, id, resp, apply = std::move(apply)](store::Tx& tx) {
        auto item = repo::GetItem(tx, id);
        if (!item.ok()) return item.status();
        if (!auth::MaySeeTenant(org_, caller, item->tenant())) {
          return absl::NotFoundError("item " + id + " not found");
        }
        if (auto s = apply(tx, *item); !s.ok()) return s;
        if (auto s = repo::UpdateItem(tx, *item); !s.ok()) return s;
        Redact(scope, *item);
        *resp = std::move(*item);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::UpdateItem(grpc::CallbackServerContext* ctx,
                                                             const pb::UpdateItemRequest* req,
                                                             pb::Item* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  std::vector<std::string> paths;
  if (auto s = ValidateItemUpdate(*req, options_.limits, Today(), &paths); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireSupervisor(org_, *caller, "", "editing an item"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeItem(
      ctx, *caller, "UpdateItem", *req, req->request_id(), req->item().id(), resp,
      [this, caller = *caller, req, paths](store::Tx& tx, pb::Item& item) -> absl::Status {
        if (auto s =
                supervision::UpdateItem(item, req->item(), paths, auth::MayReadNegative(caller));
            !s.ok()) {
          return s;
        }
        ev::ItemOpened payload;
        payload.set_item_id(item.id());
        payload.set_source_type(item.source_type());
        payload.set_source_ref(item.source_ref());
        payload.set_title(PublicTitle(item));
        payload.set_deadline(item.deadline());
        payload.set_negative(item.negative());
        std::string fields;
        for (const auto& p : paths) fields += (fields.empty() ? "" : ",") + p;
        events::Change change{
            "item.update", item.id(), item.tenant(), fields, events::type::kSupervisionItemUpdated,
            &payload,      ""};
        return recorder_.Record(tx, caller.ToActor(), change).status();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CancelItem(grpc::CallbackServerContext* ctx,
                                                             const pb::CancelItemRequest* req,
                                                             pb::Item* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateCancelItem(*req, options_.limits); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireSupervisor(org_, *caller, "", "cancelling an item"); !s.ok()) {
    return Finish(ctx, s);
  }
  return ChangeItem(
      ctx, *caller, "CancelItem", *req, req->request_id(), req->id(), resp,
      [this, caller = *caller, req](store::Tx& tx, pb::Item& item) -> absl::Status {
        auto tasks = repo::TasksOfItem(tx, item.id());
        if (!tasks.ok()) return tasks.status();
        auto changed = supervision::CancelItem(item, *tasks, req->reason(), clock_->Now());
        if (!changed.ok()) return changed.status();
        const auto actor = caller.ToActor();
        for (pb::Task* t : *changed) {
          CountFinished(item, *t);
          if (auto s = repo::UpdateTask(tx, *t); !s.ok()) return s;
          if (auto s = RecordTask(tx, actor, *t, {"task.cancel", "", req->reason()}, ""); !s.ok()) {
            return s;
          }
        }
        // The leader who instructed gets an answer all the same: the item was cancelled, and why.
        ev::ItemClosed payload;
        payload.set_item_id(item.id());
        payload.set_source_type(item.source_type());
        payload.set_source_ref(item.source_ref());
        payload.set_feedback_summary("督查事项已撤销：" + req->reason());
        *payload.mutable_closed_at() = item.close_time();
        events::Change change{"item.cancel",
                              item.id(),
                              item.tenant(),
                              req->reason(),
                              events::type::kSupervisionItemCancelled,
                              &payload,
                              ""};
        return recorder_.Record(tx, actor, change).status();
      });
}

absl::StatusOr<pb::Notice> SupervisionServiceImpl::ComputeNoticeFor(store::Tx& tx,
                                                                    const auth::Principal& caller,
                                                                    const Period& period) {
  auto tasks = repo::TasksOfTenant(tx, caller.tenant);
  if (!tasks.ok()) return tasks.status();
  auto titles = repo::ItemTitles(tx, caller.tenant);
  if (!titles.ok()) return titles.status();
  pb::Notice n;
  n.set_tenant(caller.tenant);
  const auto* tenant = org_.FindTenant(caller.tenant);
  n.set_title((tenant ? tenant->name : caller.tenant) + "督查通报（" + period.label + "）");
  ComputeNotice(period, Today(), *tasks, *titles, org_, cal_, options_.limits.utc_offset_minutes,
                &n);
  return n;
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::PreviewNotice(grpc::CallbackServerContext* ctx,
                                                                const pb::PreviewNoticeRequest* req,
                                                                pb::Notice* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  auto period = NoticePeriod(req->period(), Today());
  if (!period.ok()) return Finish(ctx, period.status());
  if (auto s = RequireSupervisor(org_, *caller, caller->tenant, "previewing a notice"); !s.ok()) {
    return Finish(ctx, s);
  }
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto n = ComputeNoticeFor(tx, *caller, *period);
    if (!n.ok()) return n.status();
    n->set_provisional(!(period->end < Today()));
    n->set_markdown(RenderMarkdown(*n));
    n->set_html(RenderHtml(*n));
    *resp = std::move(*n);
    return absl::OkStatus();
  }));
}

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareInstruction(const ev::Event& event,
                                                                    const ReportFetcher& fetch) {
  ev::InstructionIssued in;
  if (!event.payload().UnpackTo(&in)) {
    return absl::InvalidArgumentError("reporting.instruction.issued without its payload");
  }
  auto ctx = fetch(event.tenant(), in.report_id());
  if (!ctx.ok()) return ctx.status();
  return std::any(*ctx);
}

absl::Status SupervisionServiceImpl::OpenFromEvent(const ev::Event& event, Sourced src,
                                                   store::Tx& tx) {
  if (org_.FindTenant(event.tenant()) == nullptr) {
    return absl::InvalidArgumentError(event.type() + ": unknown tenant " + event.tenant());
  }
  std::erase(src.co_units, src.lead_unit);
  if (auto s =
          auth::CheckUnit(org_, nullptr, event.tenant(), src.lead_unit, event.type() + ": lead");
      !s.ok()) {
    return s;
  }
  if (auto s = auth::CheckUnits(org_, nullptr, event.tenant(), src.co_units, event.type() + ": co");
      !s.ok()) {
    return s;
  }
  if (!ParseDate(src.item.deadline())) {
    return absl::InvalidArgumentError(event.type() + ": bad due date '" + src.item.deadline() +
                                      "'");
  }
  auto existing = repo::FindItemBySource(tx, src.item.source_type(), src.item.source_ref());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::OkStatus();

  pb::Item& item = src.item;
  // Ids derived from the source: opened again (a database restored from a backup catching up on
  // the stream), the item is the same item, and the service that raised it still knows it.
  const std::string source_key = ev::SourceType_Name(item.source_type()) + "/" + item.source_ref();
  item.set_id(DerivedResourceId(event.tenant(), "s", source_key));
  item.set_tenant(event.tenant());
  if (item.priority() == pb::PRIORITY_UNSPECIFIED) item.set_priority(pb::PRIORITY_HIGH);
  item.set_state(pb::ITEM_STATE_OPEN);
  *item.mutable_create_time() = ToProto(clock_->Now());
  item.set_version(1);
  const auto actor = SystemActor();
  if (auto s = OpenItem(tx, actor, item, event.trace_id()); !s.ok()) return s;
  pb::Task task;
  task.set_id(DerivedResourceId(event.tenant(), "t", source_key + "/1"));
  task.set_lead_unit(src.lead_unit);
  for (const auto& u : src.co_units) task.add_co_units(u);
  task.set_deliverable(src.deliverable);
  task.set_due_date(item.deadline());
  return AddTask(tx, actor, item, task, event.trace_id());
}

absl::Status SupervisionServiceImpl::OnInstructionIssued(const ev::Event& event,
                                                         const std::any& prepared, store::Tx& tx) {
  ev::InstructionIssued in;
  if (!event.payload().UnpackTo(&in) || in.directed_units().empty()) {
    return absl::InvalidArgumentError("reporting.instruction.issued without its payload or units");
  }
  const auto* ctx = std::any_cast<ReportContext>(&prepared);
  if (ctx != nullptr && !ctx->tenant.empty() && ctx->tenant != event.tenant()) {
    return absl::PermissionDeniedError("reporting.instruction.issued of tenant " + event.tenant() +
                                       " names report " + in.report_id() + " of tenant " +
                                       ctx->tenant);
  }
  Sourced src;
  src.item.set_title("关于《" + in.report_title() + "》的批示");
  src.item.set_source_type(ev::SOURCE_TYPE_LEADER_INSTRUCTION);
  src.item.set_source_ref(in.instruction_id());
  src.item.set_requirement(in.text());
  // Negative information (负面信息) travels with the item: reporting says so in the event, and
  // the report fetched says so too; either is enough.
  const bool negative = in.negative() || ctx == nullptr || ctx->negative;
  src.item.set_negative(negative);
  if (!negative) src.item.set_background(ctx->body);
  src.item.set_instructing_leader(in.leader());
  src.item.set_instructing_leader_name(in.leader_name());
  src.item.set_deadline(in.due_date());
  src.lead_unit = in.directed_units(0);
  src.co_units.assign(in.directed_units().begin() + 1, in.directed_units().end());
  src.deliverable = "落实领导批示要求，报送办理结果";
  return OpenFromEvent(event, std::move(src), tx);
}

absl::Status SupervisionServiceImpl::OnMeetingDecision(const ev::Event& event, store::Tx& tx) {
  ev::MeetingDecisionRecorded d;
  if (!event.payload().UnpackTo(&d) || d.decision_id().empty()) {
    return absl::InvalidArgumentError("coordination.meeting.decision_recorded without its payload");
  }
  Sourced src;
  src.item.set_title(d.meeting_title() + " 议定事项");
  src.item.set_source_type(ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION);
  src.item.set_source_ref(d.decision_id());
  src.item.set_requirement(d.text());
  src.item.set_instructing_leader(d.chaired_by());
  src.item.set_instructing_leader_name(d.chaired_by_name());
  src.item.set_deadline(d.due_date());
  src.lead_unit = d.lead_unit();
  src.co_units.assign(d.co_units().begin(), d.co_units().end());
  src.deliverable = "落实会议议定事项，报送落实情况";
  return OpenFromEvent(event, std::move(src), tx);
}

absl::Status SupervisionServiceImpl::OnDocumentInstruction(const ev::Event& event, store::Tx& tx) {
  ev::DocumentInstructionRecorded d;
  if (!event.payload().UnpackTo(&d) || d.instruction_id().empty() || d.directed_units().empty()) {
    return absl::InvalidArgumentError(
        "coordination.document.instruction_recorded without its payload");
  }
  Sourced src;
  src.item.set_title("关于《" + d.document_title() + "》(" + d.document_number() + ")的批示");
  src.item.set_source_type(ev::SOURCE_TYPE_DOCUMENT_INSTRUCTION);
  src.item.set_source_ref(d.instruction_id());
  src.item.set_requirement(d.text());
  src.item.set_instructing_leader(d.leader());
  src.item.set_instructing_leader_name(d.leader_name());
  src.item.set_deadline(d.due_date());
  src.lead_unit = d.directed_units(0);
  src.co_units.assign(d.directed_units().begin() + 1, d.directed_units().end());
  src.deliverable = "落实批办件要求，报送办理结果";
  return OpenFromEvent(event, std::move(src), tx);
}

absl::Status SupervisionServiceImpl::OnProposalOverdue(const ev::Event& event, store::Tx& tx) {
  ev::ProposalOverdue p;
  if (!event.payload().UnpackTo(&p) || p.proposal_id().empty()) {
    return absl::InvalidArgumentError("proposals.handling.overdue without its payload");
  }
  Sourced src;
  src.item.set_title("督办：第 " + p.number() + " 号" +
                     (p.kind() == "npc_suggestion" ? "建议" : "提案") + "《" + p.title() + "》");
  src.item.set_source_type(ev::SOURCE_TYPE_OVERDUE_PROPOSAL);
  src.item.set_source_ref(p.proposal_id() + "/" + p.unit());  // one item per late unit
  src.item.set_requirement("已逾期 " + std::to_string(p.working_days_overdue()) +
                           " 个工作日未答复（原办理期限 " + p.due_date() +
                           "），请抓紧办理并答复代表委员。");
  src.item.set_priority(pb::PRIORITY_URGENT);
  src.item.set_deadline(p.new_due_date().empty() ? p.due_date() : p.new_due_date());
  src.lead_unit = p.unit();
  src.deliverable = "完成办理并正式答复";
  return OpenFromEvent(event, std::move(src), tx);
}

absl::Status SupervisionServiceImpl::OnMatterResolved(const ev::Event& event, store::Tx& tx) {
  ev::MatterResolved m;
  if (!event.payload().UnpackTo(&m)) {
    return absl::InvalidArgumentError("coordination.matter.resolved without its payload");
  }
  if (m.raised_by() != "supervision") return absl::OkStatus();  // another service's matter
  const std::string task_id = m.raised_ref().substr(0, m.raised_ref().find('@'));
  auto task = repo::GetTask(tx, task_id);
  if (absl::IsNotFound(task.status())) {
    spdlog::warn("matter {} resolved for unknown task {}; ignored", m.matter_id(), m.raised_ref());
    return absl::OkStatus();
  }
  if (!task.ok()) return task.status();
  if (task->tenant() != event.tenant()) {
    return absl::PermissionDeniedError("coordination.matter.resolved of tenant " + event.tenant() +
                                       " names task " + task->id() + " of tenant " +
                                       task->tenant());
  }
  if (task->state() != pb::TASK_STATE_CONTESTED || task->contest_ref() != m.raised_ref()) {
    // Already handled, or a decision on an earlier contest (the task moved on since).
    spdlog::info("matter {} resolved for {}, which is not the task's open contest; ignored",
                 m.matter_id(), m.raised_ref());
    return absl::OkStatus();
  }
  std::vector<std::string> co{m.co_units().begin(), m.co_units().end()};
  std::erase(co, m.lead_unit());
  if (auto s = auth::CheckUnit(org_, nullptr, task->tenant(), m.lead_unit(),
                               "coordination.matter.resolved: lead_unit");
      !s.ok()) {
    return s;
  }
  if (auto s = auth::CheckUnits(org_, nullptr, task->tenant(), co,
                                "coordination.matter.resolved: co_units");
      !s.ok()) {
    return s;
  }
  if (auto s = Reassign(*task, m.lead_unit(), co, clock_->Now()); !s.ok()) return s;
  if (auto s = repo::UpdateTask(tx, *task); !s.ok()) return s;
  if (auto s = repo::SetTaskUnits(tx, *task); !s.ok()) return s;
  if (auto s = Schedule(tx, *task, nullptr, /*reassigned=*/true); !s.ok()) return s;
  return RecordTask(tx, SystemActor(), *task, {"task.reassign", "", m.decision()},
                    event.trace_id());
}

absl::Status SupervisionServiceImpl::FireOne(store::Tx& tx, const repo::Timer& timer, bool* fired) {
  *fired = false;
  auto task = repo::GetTask(tx, timer.task_id);
  if (!task.ok()) return task.status();
  const CivilDate assigned =
      DateOf(FromProto(task->assign_time()), options_.limits.utc_offset_minutes);
  const auto ladder = LadderFor(cal_, options_.ladder, assigned, *ParseDate(task->due_date()));
  bool superseded = false;
  bool applies = false;
  std::string rung = timer.rung;
  if (rung.rfind("progress:", 0) == 0) {
    // A cadence period: chased only if no progress report came within it.
    auto item = repo::GetItem(tx, task->item_id());
    if (!item.ok()) return item.status();
    for (const auto& w :
         ProgressWindows(cal_, item->cadence(), assigned, *ParseDate(task->due_date()))) {
      if (w.rung == rung) {
        applies =
            Outstanding(*task) && !ReportedWithin(*task, w, options_.limits.utc_offset_minutes);
      }
    }
    rung = "missed_progress";
  } else {
    superseded = Superseded(rung, ladder, Today());
    applies = RungApplies(rung, *task) && !superseded;
  }
  const int64_t now_ms = ToMillis(clock_->Now());
  auto claimed = repo::ClaimTimer(tx, timer, now_ms,
                                  applies ? "fired" : (superseded ? "superseded" : "skipped"));
  if (!claimed.ok()) return claimed.status();
  if (!*claimed || !applies) return absl::OkStatus();  // another process fired it, or moot

  const CivilDate today = Today();
  const CivilDate due = *ParseDate(task->due_date());
  ev::WarningIssued w;
  w.set_task_id(task->id());
  w.set_item_id(task->item_id());
  w.set_unit(task->lead_unit());
  w.set_rung(rung);
  w.set_due_date(task->due_date());
  w.set_working_days(today <= due ? cal_.WorkingDaysBetween(today, due)
                                  : cal_.WorkingDaysBetween(due, today));
  auto* card = task->add_warnings();
  card->set_rung(rung);
  card->set_unit(task->lead_unit());
  card->set_working_days(w.working_days());
  *card->mutable_issue_time() = ToProto(clock_->Now());
  if (auto s = repo::UpdateTask(tx, *task); !s.ok()) return s;
  const auto actor = SystemActor();
  events::Change change{"warning." + rung,
                        task->id(),
                        task->tenant(),
                        task->lead_unit(),
                        events::type::kSupervisionWarningIssued,
                        &w,
                        ""};
  if (auto s = recorder_.Record(tx, actor, change); !s.ok()) return s.status();
  *fired = true;

  if (rung == "red") {
    const int64_t since = now_ms - int64_t{options_.ladder.talk_period_days} * 86400000;
    auto reds = repo::RedCardsSince(tx, task->lead_unit(), since);
    if (!reds.ok()) return reds.status();
    if (*reds == options_.ladder.talk_after_reds) {
      ev::WarningIssued talk = w;
      talk.set_rung("talk");
      events::Change flag{"warning.talk",
                          task->lead_unit(),
                          task->tenant(),
                          std::to_string(*reds) + " red cards",
                          events::type::kSupervisionUnitTalkFlagged,
                          &talk,
                          ""};
      if (auto s = recorder_.Record(tx, actor, flag); !s.ok()) return s.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> SupervisionServiceImpl::FireDueTimers() {
  std::vector<repo::Timer> due;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::DueTimers(tx, ToMillis(clock_->Now()), 200);
    if (!rows.ok()) return rows.status();
    due = std::move(*rows);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  int fired_count = 0;
  for (const auto& t : due) {
    bool fired = false;
    s = db_.Write([&](store::Tx& tx) { return FireOne(tx, t, &fired); });
    if (!s.ok()) return s;
    fired_count += fired ? 1 : 0;
  }
  return fired_count;
}

}  // namespace zs::supervision

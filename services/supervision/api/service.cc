#include "api/service.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/page_token.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::supervision {

namespace ev = zhongshu::events::v1;
namespace type = events::type;
using repo::Items;
using repo::Notices;
using repo::Tasks;

namespace {

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:supervision");
  return a;
}

// The event of a task's change when the call names none, by the state it reached.
std::string TaskEventType(pb::TaskState s) {
  switch (s) {
    case pb::TASK_STATE_ASSIGNED:
      return type::kSupervisionTaskAssigned;
    case pb::TASK_STATE_ACCEPTED:
      return type::kSupervisionTaskAccepted;
    case pb::TASK_STATE_IN_PROGRESS:
      return type::kSupervisionTaskProgress;
    case pb::TASK_STATE_COMPLETION_REPORTED:
      return type::kSupervisionTaskCompletionReported;
    case pb::TASK_STATE_CLOSED:
      return type::kSupervisionTaskClosed;
    case pb::TASK_STATE_RETURNED:
      return type::kSupervisionTaskReturned;
    case pb::TASK_STATE_CANCELLED:
      return type::kSupervisionTaskCancelled;
    default:
      return type::kSupervisionTaskChanged;
  }
}

// What an item is, for "supervision.item.opened|updated": the title as anyone may read it.
ev::ItemOpened OpenedPayload(const pb::Item& item) {
  ev::ItemOpened p;
  p.set_item_id(item.id());
  p.set_source_type(item.source_type());
  p.set_source_ref(item.source_ref());
  p.set_title(PublicTitle(item));
  p.set_deadline(item.deadline());
  p.set_negative(item.negative());
  return p;
}

// A call's checks when its validation needs only the request (computed once, returned as is).
app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

// A list call's state filter: INVALID_ARGUMENT for a value the enum does not have.
template <typename IsValid>
absl::Status CheckState(int state, IsValid is_valid) {
  return is_valid(state) ? absl::OkStatus() : absl::InvalidArgumentError("state: unknown value");
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
      recorder_("supervision", clock),
      tasks_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
               return LoadTask(tx, caller, id);
             },
             [this](store::Tx& tx, const auth::Principal& caller, const pb::Task& before,
                    const pb::Task& after, const app::Audit& audit) {
               return SaveTask(tx, caller.ToActor(), before, after, audit, "");
             },
             {}},
      items_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
               return LoadItem(tx, caller, id);
             },
             [this](store::Tx& tx, const auth::Principal& caller, const pb::Item& before,
                    const pb::Item& after, const app::Audit& audit) -> absl::Status {
               if (auto s = Items().Update(tx, after, before.version()); !s.ok()) return s;
               return RecordItem(tx, caller.ToActor(), after, audit);
             },
             [this](const auth::Principal& caller, pb::Item& item) { Present(caller, item); }} {}

CivilDate SupervisionServiceImpl::Today() const {
  return DateOf(clock_->Now(), options_.limits.utc_offset_minutes);
}

int64_t SupervisionServiceImpl::FireAtMs(const CivilDate& d) const {
  return ToMillis(AtLocalHour(d, options_.fire_hour, options_.limits.utc_offset_minutes));
}

app::Check SupervisionServiceImpl::Office(absl::Status valid, std::string action) const {
  return [this, valid = std::move(valid),
          action = std::move(action)](const auth::Principal& caller) -> absl::Status {
    if (!valid.ok()) return valid;
    return RequireSupervisor(org_, caller, "", action);
  };
}

// ---- Loading, saving and recording ----

absl::StatusOr<pb::Task> SupervisionServiceImpl::LoadTask(store::Tx& tx,
                                                          const auth::Principal& caller,
                                                          const std::string& id) const {
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto t = Tasks().Get(tx, id);
  if (!t.ok()) return t.status();
  if (!MayReadTask(*scope, *t)) return absl::NotFoundError("task " + id + " not found");
  return t;
}

absl::StatusOr<pb::Item> SupervisionServiceImpl::LoadItem(store::Tx& tx,
                                                          const auth::Principal& caller,
                                                          const std::string& id) const {
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto item = Items().Get(tx, id);
  if (!item.ok()) return item.status();
  bool has = false;
  if (!scope->only_unit.empty()) {
    auto found = repo::UnitHasTask(tx, item->id(), scope->only_unit);
    if (!found.ok()) return found.status();
    has = *found;
  }
  if (!MayReadItem(*scope, *item, has)) return absl::NotFoundError("item " + id + " not found");
  return item;
}

void SupervisionServiceImpl::Present(const auth::Principal& caller, pb::Item& item) const {
  if (auto scope = ScopeFor(org_, caller); scope.ok()) Redact(*scope, item);
}

absl::Status SupervisionServiceImpl::Schedule(store::Tx& tx, const pb::Task& task,
                                              const pb::Item* item, bool reassigned) {
  pb::Item loaded;
  if (item == nullptr) {
    auto it = Items().Get(tx, task.item_id());
    if (!it.ok()) return it.status();
    loaded = std::move(*it);
    item = &loaded;
  }
  const CivilDate assigned =
      DateOf(FromProto(task.assign_time()), options_.limits.utc_offset_minutes);
  const CivilDate due = *ParseDate(task.due_date());
  std::vector<store::Timer> timers;
  auto add = [&](const std::string& name, const CivilDate& d) {
    timers.push_back(
        {kLadderTimers, task.id(), name, FireAtMs(d), task.lead_unit(), task.tenant()});
  };
  for (const auto& r : LadderFor(cal_, options_.ladder, assigned, due)) add(r.name, r.date);
  for (const auto& w : ProgressWindows(cal_, item->cadence(), assigned, due)) add(w.rung, w.fire);
  return store::ScheduleTimers(tx, kLadderTimers, task.id(), timers, reassigned);
}

absl::Status SupervisionServiceImpl::RecordItem(store::Tx& tx,
                                                const zhongshu::common::v1::Actor& actor,
                                                const pb::Item& item, const app::Audit& audit) {
  const ev::ItemOpened opened = OpenedPayload(item);  // updated: what the item is now
  ev::ItemClosed closed;  // closed and cancelled: the answer to the source
  const google::protobuf::Message* payload = &opened;
  if (audit.event_type == type::kSupervisionItemClosed ||
      audit.event_type == type::kSupervisionItemCancelled) {
    closed.set_item_id(item.id());
    closed.set_source_type(item.source_type());
    closed.set_source_ref(item.source_ref());
    // The leader who instructed gets an answer all the same: the item was cancelled, and why.
    closed.set_feedback_summary(audit.event_type == type::kSupervisionItemCancelled
                                    ? "督查事项已撤销：" + item.cancel_reason()
                                    : item.feedback_summary());
    *closed.mutable_closed_at() = item.close_time();
    payload = &closed;
  }
  events::Change change{audit.action, item.id(), item.tenant(), audit.detail, audit.event_type,
                        payload,      ""};
  return recorder_.Record(tx, actor, change).status();
}

absl::Status SupervisionServiceImpl::OpenItem(store::Tx& tx,
                                              const zhongshu::common::v1::Actor& actor,
                                              const pb::Item& item, const std::string& trace_id) {
  if (auto s = Items().Insert(tx, item); absl::IsAlreadyExists(s)) {
    return absl::AlreadyExistsError("an item for source " + item.source_ref() + " already exists");
  } else if (!s.ok()) {
    return s;
  }
  const ev::ItemOpened payload = OpenedPayload(item);
  events::Change change{
      "item.open", item.id(), item.tenant(), item.title(), type::kSupervisionItemOpened,
      &payload,    trace_id};
  return recorder_.Record(tx, actor, change).status();
}

absl::Status SupervisionServiceImpl::RecordTask(store::Tx& tx,
                                                const zhongshu::common::v1::Actor& actor,
                                                const pb::Task& task, const app::Audit& audit,
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
  const int64_t read = item.version();
  item.set_task_count(item.task_count() + 1);
  item.set_version(read + 1);
  if (auto s = Items().Update(tx, item, read); !s.ok()) return s;
  return RecordTask(tx, actor, task, {"task.assign", "", task.deliverable()}, trace_id);
}

absl::Status SupervisionServiceImpl::SaveTask(store::Tx& tx,
                                              const zhongshu::common::v1::Actor& actor,
                                              const pb::Task& before, const pb::Task& after,
                                              const app::Audit& audit,
                                              const std::string& trace_id) {
  if (auto s = Tasks().Update(tx, after, before.version()); !s.ok()) return s;
  const bool units_changed = after.lead_unit() != before.lead_unit() ||
                             !std::equal(after.co_units().begin(), after.co_units().end(),
                                         before.co_units().begin(), before.co_units().end());
  if (units_changed) {
    if (auto s = repo::SetTaskUnits(tx, after); !s.ok()) return s;
  }
  const bool reassigned =
      after.assign_time().SerializeAsString() != before.assign_time().SerializeAsString();
  if (after.due_date() != before.due_date() || reassigned) {
    if (auto s = Schedule(tx, after, nullptr, reassigned); !s.ok()) return s;
  }
  if (after.state() != before.state() &&
      (after.state() == pb::TASK_STATE_CLOSED || after.state() == pb::TASK_STATE_CANCELLED)) {
    auto item = Items().Get(tx, after.item_id());
    if (!item.ok()) return item.status();
    const int64_t read = item->version();
    CountFinished(*item, after);
    if (auto s = Items().Update(tx, *item, read); !s.ok()) return s;
  }
  return RecordTask(tx, actor, after, audit, trace_id);
}

// ---- Items ----

grpc::ServerUnaryReactor* SupervisionServiceImpl::CreateItem(grpc::CallbackServerContext* ctx,
                                                             const pb::CreateItemRequest* req,
                                                             pb::Item* resp) {
  auto item = std::make_shared<pb::Item>(req->item());
  return handlers_.Write(
      ctx, "CreateItem", *req, resp,
      [this, item](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateNewItem(*item, options_.limits, Today()); !s.ok()) return s;
        if (auto s = RequireSupervisor(org_, caller, caller.tenant, "registering an item");
            !s.ok()) {
          return s;
        }
        return ResolveInstructingLeader(org_, caller.tenant, *item);
      },
      [this, item, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        pb::Item it =
            NewItem(*item, NewResourceId(caller.tenant, "s"), caller.tenant, clock_->Now());
        if (auto s = OpenItem(tx, caller.ToActor(), it, ""); !s.ok()) return s;
        *resp = std::move(it);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetItem(grpc::CallbackServerContext* ctx,
                                                          const pb::GetItemRequest* req,
                                                          pb::Item* resp) {
  return handlers_.Read(
      ctx, Valid(ValidateId(req->id(), "id")),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto item = LoadItem(tx, caller, req->id());
        if (!item.ok()) return item.status();
        Present(caller, *item);
        *resp = std::move(*item);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListItems(grpc::CallbackServerContext* ctx,
                                                            const pb::ListItemsRequest* req,
                                                            pb::ListItemsResponse* resp) {
  return handlers_.List(
      ctx, req->page_size(), req->page_token(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = CheckState(req->state(), pb::ItemState_IsValid); !s.ok()) return s;
        return ScopeFor(org_, caller).status();
      },
      [this, req, resp](const auth::Principal& caller, const app::Page& page,
                        store::Tx& tx) -> absl::Status {
        const Scope scope = *ScopeFor(org_, caller);
        auto rows = Items().Page(
            tx,
            cond::All({VisibleItems(scope), req->state() == pb::ITEM_STATE_UNSPECIFIED
                                                ? cond::True()
                                                : cond::Eq("state", int64_t{req->state()})}),
            page.cursor, page.size);
        if (!rows.ok()) return rows.status();
        store::FillPage(
            *rows, page.size,
            [&](pb::Item&& m) {
              Redact(scope, m);
              *resp->add_items() = std::move(m);
            },
            resp->mutable_next_page_token());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CloseItem(grpc::CallbackServerContext* ctx,
                                                            const pb::CloseItemRequest* req,
                                                            pb::Item* resp) {
  return handlers_.Change<pb::Item>(
      ctx, "CloseItem", *req, resp, items_, req->id(),
      Office(ValidateCloseItem(req->id(), req->feedback_summary(), options_.limits),
             "closing an item"),
      {"item.close", type::kSupervisionItemClosed, req->feedback_summary()},
      [this, req](const auth::Principal&, store::Tx& tx, pb::Item& item) -> absl::Status {
        auto tasks = repo::TasksOfItem(tx, item.id());
        if (!tasks.ok()) return tasks.status();
        return supervision::CloseItem(item, *tasks, req->feedback_summary(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::UpdateItem(grpc::CallbackServerContext* ctx,
                                                             const pb::UpdateItemRequest* req,
                                                             pb::Item* resp) {
  const auto paths =
      ItemUpdatePaths({req->update_mask().paths().begin(), req->update_mask().paths().end()});
  std::string fields;
  for (const auto& p : paths) fields += (fields.empty() ? "" : ",") + p;
  return handlers_.Change<pb::Item>(
      ctx, "UpdateItem", *req, resp, items_, req->item().id(),
      Office(ValidateItemUpdate(req->item(), paths, options_.limits, Today()), "editing an item"),
      {"item.update", type::kSupervisionItemUpdated, fields},
      [req, paths](const auth::Principal& caller, store::Tx&, pb::Item& item) {
        return supervision::UpdateItem(item, req->item(), paths, auth::MayReadNegative(caller));
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CancelItem(grpc::CallbackServerContext* ctx,
                                                             const pb::CancelItemRequest* req,
                                                             pb::Item* resp) {
  return handlers_.Change<pb::Item>(
      ctx, "CancelItem", *req, resp, items_, req->id(),
      Office(ValidateCancelItem(req->id(), req->reason(), options_.limits), "cancelling an item"),
      {"item.cancel", type::kSupervisionItemCancelled, req->reason()},
      [this, req](const auth::Principal& caller, store::Tx& tx, pb::Item& item) -> absl::Status {
        auto tasks = repo::TasksOfItem(tx, item.id());
        if (!tasks.ok()) return tasks.status();
        auto changed = supervision::CancelItem(item, *tasks, req->reason(), clock_->Now());
        if (!changed.ok()) return changed.status();
        // The item's open tasks are cancelled with it; the item is saved by the layer.
        for (pb::Task* t : *changed) {
          CountFinished(item, *t);
          if (auto s = Tasks().Update(tx, *t); !s.ok()) return s;
          if (auto s = RecordTask(tx, caller.ToActor(), *t, {"task.cancel", "", req->reason()}, "");
              !s.ok()) {
            return s;
          }
        }
        return absl::OkStatus();
      });
}

// ---- Tasks ----

grpc::ServerUnaryReactor* SupervisionServiceImpl::AssignTask(grpc::CallbackServerContext* ctx,
                                                             const pb::AssignTaskRequest* req,
                                                             pb::Task* resp) {
  return handlers_.Write(
      ctx, "AssignTask", *req, resp,
      Office(ValidateNewTask(req->task(), org_, options_.limits, Today()), "assigning a task"),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        const pb::Task& in = req->task();
        auto item = LoadItem(tx, caller, in.item_id());
        if (!item.ok()) return item.status();
        if (auto s = AcceptsTasks(*item); !s.ok()) return s;
        if (auto s =
                auth::CheckUnit(org_, &caller, item->tenant(), in.lead_unit(), "task.lead_unit");
            !s.ok()) {
          return s;
        }
        if (auto s =
                auth::CheckUnits(org_, &caller, item->tenant(),
                                 {in.co_units().begin(), in.co_units().end()}, "task.co_units");
            !s.ok()) {
          return s;
        }
        pb::Task task = TaskToAssign(in);
        if (auto s = AddTask(tx, caller.ToActor(), *item, task, ""); !s.ok()) return s;
        *resp = std::move(task);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetTask(grpc::CallbackServerContext* ctx,
                                                          const pb::GetTaskRequest* req,
                                                          pb::Task* resp) {
  return handlers_.Read(
      ctx, Valid(ValidateId(req->id(), "id")),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto t = LoadTask(tx, caller, req->id());
        if (!t.ok()) return t.status();
        *resp = std::move(*t);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListTasks(grpc::CallbackServerContext* ctx,
                                                            const pb::ListTasksRequest* req,
                                                            pb::ListTasksResponse* resp) {
  return handlers_.List(
      ctx, req->page_size(), req->page_token(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = CheckState(req->state(), pb::TaskState_IsValid); !s.ok()) return s;
        return ScopeFor(org_, caller).status();
      },
      [this, req, resp](const auth::Principal& caller, const app::Page& page,
                        store::Tx& tx) -> absl::Status {
        auto rows = Tasks().Page(
            tx,
            cond::All({VisibleTasks(*ScopeFor(org_, caller)),
                       req->item_id().empty() ? cond::True() : cond::Eq("item_id", req->item_id()),
                       req->state() == pb::TASK_STATE_UNSPECIFIED
                           ? cond::True()
                           : cond::Eq("state", int64_t{req->state()})}),
            page.cursor, page.size);
        if (!rows.ok()) return rows.status();
        store::FillPage(
            *rows, page.size, [&](pb::Task&& m) { *resp->add_tasks() = std::move(m); },
            resp->mutable_next_page_token());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::AcceptTask(grpc::CallbackServerContext* ctx,
                                                             const pb::AcceptTaskRequest* req,
                                                             pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "AcceptTask", *req, resp, tasks_, req->id(), Valid(ValidateId(req->id(), "id")),
      {"task.accept", "", ""},
      [this](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "signing for a task"); !s.ok()) return s;
        return Accept(t, clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ContestTask(grpc::CallbackServerContext* ctx,
                                                              const pb::ContestTaskRequest* req,
                                                              pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "ContestTask", *req, resp, tasks_, req->id(),
      Valid(ValidateContest(req->id(), req->reason(), options_.limits)),
      {"task.contest", type::kSupervisionTaskContested, req->reason()},
      [this, req](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "contesting a task"); !s.ok()) return s;
        return Contest(t, req->reason(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ReportProgress(
    grpc::CallbackServerContext* ctx, const pb::ReportProgressRequest* req, pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "ReportProgress", *req, resp, tasks_, req->id(),
      Valid(ValidateProgress(req->id(), req->report(), options_.limits)),
      {"task.progress", type::kSupervisionTaskProgress, req->report().narrative()},
      [this, req](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
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
  return handlers_.Change<pb::Task>(
      ctx, "ReportCompletion", *req, resp, tasks_, req->id(),
      Valid(ValidateCompletion(req->id(), req->summary(), req->evidence_refs_size(),
                               options_.limits)),
      {"task.complete", "", req->summary()},
      [this, req](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "reporting completion"); !s.ok()) return s;
        return supervision::ReportCompletion(
            t, req->summary(), {req->evidence_refs().begin(), req->evidence_refs().end()},
            clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::VerifyTask(grpc::CallbackServerContext* ctx,
                                                             const pb::VerifyTaskRequest* req,
                                                             pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "VerifyTask", *req, resp, tasks_, req->id(),
      Office(ValidateVerify(req->id(), req->approve(), req->comment(), options_.limits),
             "verifying a task"),
      {"task.verify", "", req->comment()},
      [this, req](const auth::Principal&, store::Tx&, pb::Task& t) {
        return Verify(t, req->approve(), req->comment(), clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::RequestExtension(
    grpc::CallbackServerContext* ctx, const pb::RequestExtensionRequest* req, pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "RequestExtension", *req, resp, tasks_, req->id(),
      Valid(
          ValidateExtensionRequest(req->id(), req->new_due_date(), req->reason(), options_.limits)),
      {"task.extension_request", type::kSupervisionTaskExtensionRequested, req->reason()},
      [this, req](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
        if (auto s = RequireLeadUnit(caller, t, "asking for an extension"); !s.ok()) return s;
        return supervision::RequestExtension(t, req->new_due_date(), req->reason(), Today(),
                                             clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::DecideExtension(
    grpc::CallbackServerContext* ctx, const pb::DecideExtensionRequest* req, pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "DecideExtension", *req, resp, tasks_, req->id(),
      Office(ValidateExtensionDecision(req->id(), req->approve(), req->comment(), options_.limits),
             "deciding an extension"),
      {"task.extension_decide", type::kSupervisionTaskExtensionDecided, req->comment()},
      [this, req](const auth::Principal& caller, store::Tx&, pb::Task& t) {
        return supervision::DecideExtension(t, req->approve(), caller.subject, req->comment(),
                                            clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ReassignTask(grpc::CallbackServerContext* ctx,
                                                               const pb::ReassignTaskRequest* req,
                                                               pb::Task* resp) {
  const ReassignCommand cmd{req->id(),
                            req->lead_unit(),
                            {req->co_units().begin(), req->co_units().end()},
                            req->due_date(),
                            req->reason()};
  return handlers_.Change<pb::Task>(
      ctx, "ReassignTask", *req, resp, tasks_, req->id(),
      Office(ValidateReassign(cmd, options_.limits, Today()), "reassigning a task"),
      {"task.reassign", type::kSupervisionTaskReassigned, req->reason()},
      [this, cmd](const auth::Principal& caller, store::Tx&, pb::Task& t) -> absl::Status {
        if (auto s = auth::CheckUnit(org_, &caller, t.tenant(), cmd.lead_unit, "lead_unit");
            !s.ok()) {
          return s;
        }
        if (auto s = auth::CheckUnits(org_, &caller, t.tenant(), cmd.co_units, "co_units");
            !s.ok()) {
          return s;
        }
        return ReassignByOffice(t, cmd.lead_unit, cmd.co_units, cmd.due_date, clock_->Now());
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::CancelTask(grpc::CallbackServerContext* ctx,
                                                             const pb::CancelTaskRequest* req,
                                                             pb::Task* resp) {
  return handlers_.Change<pb::Task>(
      ctx, "CancelTask", *req, resp, tasks_, req->id(),
      Office(ValidateCancelTask(req->id(), req->reason(), options_.limits), "cancelling a task"),
      {"task.cancel", type::kSupervisionTaskCancelled, req->reason()},
      [this, req](const auth::Principal&, store::Tx&, pb::Task& t) {
        return supervision::CancelTask(t, req->reason(), clock_->Now());
      });
}

// ---- Notices ----

absl::StatusOr<pb::Notice> SupervisionServiceImpl::ComputeNoticeFor(store::Tx& tx,
                                                                    const std::string& tenant,
                                                                    const Period& period,
                                                                    const CivilDate& today) const {
  auto tasks = repo::TasksOfTenant(tx, tenant);
  if (!tasks.ok()) return tasks.status();
  auto titles = repo::ItemTitles(tx, tenant);
  if (!titles.ok()) return titles.status();
  pb::Notice n;
  n.set_tenant(tenant);
  const auto* t = org_.FindTenant(tenant);
  n.set_title((t ? t->name : tenant) + "督查通报（" + period.label + "）");
  ComputeNotice(period, today, *tasks, *titles, org_, cal_, options_.limits.utc_offset_minutes, &n);
  return n;
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::PublishNotice(grpc::CallbackServerContext* ctx,
                                                                const pb::PublishNoticeRequest* req,
                                                                pb::Notice* resp) {
  // The notice is computed on a read snapshot before the write transaction: reading every task
  // of the tenant must not hold the single writer. Tasks may change between that snapshot and the
  // write; a notice is a snapshot "as of" its computation (its as_of day, its publish time), as a
  // printed report is, and a change committed meanwhile shows in the next edition. Inside the
  // write only what must be exact happens: the edition check against the notices published, the
  // number, the rendering with it, the insert and the event.
  // What the check computed: the notice, and the day it stands as of (the edition is decided on
  // the same day, so a notice computed before midnight on a period's last day stays provisional).
  struct Snapshot {
    pb::Notice notice;
    CivilDate today;
    Period period;
  };
  auto computed = std::make_shared<Snapshot>();
  return handlers_.Write(
      ctx, "PublishNotice", *req, resp,
      [this, req, computed](const auth::Principal& caller) -> absl::Status {
        const CivilDate today = Today();
        auto period = NoticePeriod(req->period(), today);
        if (!period.ok()) return period.status();
        if (auto s = RequireSupervisor(org_, caller, caller.tenant, "publishing a notice");
            !s.ok()) {
          return s;
        }
        return db_.Read([&](store::Tx& tx) -> absl::Status {
          auto n = ComputeNoticeFor(tx, caller.tenant, *period, today);
          if (!n.ok()) return n.status();
          *computed = {std::move(*n), today, *period};
          return absl::OkStatus();
        });
      },
      [this, req, resp, computed](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        const Period& period = computed->period;
        auto earlier = repo::NoticesOfPeriod(tx, caller.tenant, period.name);
        if (!earlier.ok()) return earlier.status();
        std::string corrects;
        if (auto s = CheckEdition(period, computed->today, *earlier, req->provisional(),
                                  req->correction(), &corrects);
            !s.ok()) {
          return s;
        }
        auto number = repo::NextNoticeNumber(tx, caller.tenant, period.start.year);
        if (!number.ok()) return number.status();
        pb::Notice n = computed->notice;
        n.set_id(NewResourceId(caller.tenant, "n"));
        n.set_number(static_cast<int32_t>(*number));
        n.set_provisional(req->provisional());
        n.set_corrects(corrects);
        if (req->provisional()) n.set_title(n.title() + "（阶段性）");
        if (!corrects.empty()) n.set_title(n.title() + "（更正）");
        n.set_published_by(caller.subject);
        *n.mutable_publish_time() = ToProto(clock_->Now());
        n.set_version(1);
        n.set_markdown(RenderMarkdown(n));
        n.set_html(RenderHtml(n));
        if (auto s = Notices().Insert(tx, n); !s.ok()) return s;
        ev::NoticePublished payload;
        payload.set_notice_id(n.id());
        payload.set_period(n.period());
        payload.set_title(n.title());
        payload.set_number(n.number());
        events::Change change{
            "notice.publish", n.id(), n.tenant(), n.title(), type::kSupervisionNoticePublished,
            &payload,         ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(n);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::PreviewNotice(grpc::CallbackServerContext* ctx,
                                                                const pb::PreviewNoticeRequest* req,
                                                                pb::Notice* resp) {
  return handlers_.Read(
      ctx,
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto period = NoticePeriod(req->period(), Today()); !period.ok()) {
          return period.status();
        }
        return RequireSupervisor(org_, caller, caller.tenant, "previewing a notice");
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        const CivilDate today = Today();
        auto period = NoticePeriod(req->period(), today);
        if (!period.ok()) return period.status();
        auto n = ComputeNoticeFor(tx, caller.tenant, *period, today);
        if (!n.ok()) return n.status();
        n->set_provisional(!(period->end < today));
        n->set_markdown(RenderMarkdown(*n));
        n->set_html(RenderHtml(*n));
        *resp = std::move(*n);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::GetNotice(grpc::CallbackServerContext* ctx,
                                                            const pb::GetNoticeRequest* req,
                                                            pb::Notice* resp) {
  return handlers_.Read(
      ctx,
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
        return ScopeFor(org_, caller).status();
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto n = Notices().Get(tx, req->id());
        if (!n.ok()) return n.status();
        if (!MayReadNotice(*ScopeFor(org_, caller), *n)) {
          return absl::NotFoundError("notice " + req->id() + " not found");
        }
        *resp = std::move(*n);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SupervisionServiceImpl::ListNotices(grpc::CallbackServerContext* ctx,
                                                              const pb::ListNoticesRequest* req,
                                                              pb::ListNoticesResponse* resp) {
  return handlers_.List(
      ctx, req->page_size(), req->page_token(),
      [this](const auth::Principal& caller) { return ScopeFor(org_, caller).status(); },
      [this, resp](const auth::Principal& caller, const app::Page& page,
                   store::Tx& tx) -> absl::Status {
        auto rows =
            Notices().Page(tx, VisibleNotices(*ScopeFor(org_, caller)), page.cursor, page.size);
        if (!rows.ok()) return rows.status();
        store::FillPage(
            *rows, page.size, [&](pb::Notice&& m) { *resp->add_notices() = std::move(m); },
            resp->mutable_next_page_token());
        return absl::OkStatus();
      });
}

// ---- Events of other services ----

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareInstruction(const ev::Event& event,
                                                                    const ev::InstructionIssued& in,
                                                                    const ReportFetcher& fetch) {
  auto report = fetch(event.tenant(), in.report_id());
  if (!report.ok()) return report.status();
  return std::any(*report);
}

absl::Status SupervisionServiceImpl::OpenFromEvent(const ev::Event& event,
                                                   absl::StatusOr<Sourced> source, store::Tx& tx) {
  if (!source.ok()) return source.status();
  auto opening = OpenSourced(org_, event.tenant(), event.type(), std::move(*source), clock_->Now());
  if (!opening.ok()) return opening.status();
  auto existing =
      repo::FindItemBySource(tx, opening->item.source_type(), opening->item.source_ref());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::OkStatus();
  const auto actor = SystemActor();
  if (auto s = OpenItem(tx, actor, opening->item, event.trace_id()); !s.ok()) return s;
  return AddTask(tx, actor, opening->item, opening->task, event.trace_id());
}

absl::Status SupervisionServiceImpl::OnInstructionIssued(const ev::Event& event,
                                                         const ev::InstructionIssued& in,
                                                         const std::any& prepared, store::Tx& tx) {
  return OpenFromEvent(
      event, FromInstruction(in, event.tenant(), std::any_cast<ReportContext>(&prepared)), tx);
}

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareMeetingDecision(
    const ev::Event& event, const ev::MeetingDecisionRecorded& d,
    const CoordinationFetcher& fetch) {
  if (d.meeting_id().empty() || d.decision_id().empty()) {
    return absl::InvalidArgumentError(
        "coordination.meeting.decision_recorded without meeting_id or decision_id");
  }
  auto record = fetch(event.tenant(), d.meeting_id(), d.decision_id());
  if (!record.ok()) return record.status();
  return std::any(*record);
}

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareDocumentInstruction(
    const ev::Event& event, const ev::DocumentInstructionRecorded& d,
    const CoordinationFetcher& fetch) {
  if (d.document_id().empty() || d.instruction_id().empty()) {
    return absl::InvalidArgumentError(
        "coordination.document.instruction_recorded without document_id or instruction_id");
  }
  auto record = fetch(event.tenant(), d.document_id(), d.instruction_id());
  if (!record.ok()) return record.status();
  return std::any(*record);
}

absl::Status SupervisionServiceImpl::OnMeetingDecision(const ev::Event& event,
                                                       const ev::MeetingDecisionRecorded& d,
                                                       const std::any& prepared, store::Tx& tx) {
  return OpenFromEvent(
      event, FromMeetingDecision(d, event.tenant(), std::any_cast<CoordinationRecord>(prepared)),
      tx);
}

absl::Status SupervisionServiceImpl::OnDocumentInstruction(const ev::Event& event,
                                                           const ev::DocumentInstructionRecorded& d,
                                                           const std::any& prepared,
                                                           store::Tx& tx) {
  return OpenFromEvent(
      event,
      FromDocumentInstruction(d, event.tenant(), std::any_cast<CoordinationRecord>(prepared)), tx);
}

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareProposalOverdue(
    const ev::Event& event, const ev::ProposalOverdue& p, const ProposalFetcher& fetch) {
  if (p.proposal_id().empty() || p.unit().empty()) {
    return absl::InvalidArgumentError("proposals.handling.overdue without proposal_id or unit");
  }
  auto proposal = fetch(event.tenant(), p.proposal_id(), p.unit());
  if (!proposal.ok()) return proposal.status();
  return std::any(*proposal);
}

absl::Status SupervisionServiceImpl::OnProposalOverdue(const ev::Event& event,
                                                       const ev::ProposalOverdue& p,
                                                       const std::any& prepared, store::Tx& tx) {
  auto source = FromProposalOverdue(p, event.tenant(), std::any_cast<ProposalContext>(prepared));
  if (!source.ok()) return source.status();
  if (!source->has_value()) {
    spdlog::info("proposal {}: {} replied before its overdue event was handled; no item",
                 p.proposal_id(), p.unit());
    return absl::OkStatus();
  }
  return OpenFromEvent(event, std::move(**source), tx);
}

absl::StatusOr<std::any> SupervisionServiceImpl::PrepareMatterResolved(
    const ev::Event& event, const ev::MatterResolved& m, const app::MatterReader& read) {
  if (m.raised_by() != "supervision") return std::any();  // another service's matter
  auto held = read(event, m);
  if (!held.ok()) return held.status();
  return std::any(*held);
}

absl::Status SupervisionServiceImpl::OnMatterResolved(const ev::Event& event,
                                                      const ev::MatterResolved& matter,
                                                      const std::any& prepared, store::Tx& tx) {
  if (matter.raised_by() != "supervision") return absl::OkStatus();  // another service's matter
  // The decision as coordination holds it, not as the event says it.
  const ev::MatterResolved* m = std::any_cast<ev::MatterResolved>(&prepared);
  if (m == nullptr) return absl::InternalError("coordination.matter.resolved was not read back");
  auto task = Tasks().Get(tx, ContestedTask(m->raised_ref()));
  if (absl::IsNotFound(task.status())) {
    spdlog::warn("matter {} resolved for unknown task {}; ignored", m->matter_id(),
                 m->raised_ref());
    return absl::OkStatus();
  }
  if (!task.ok()) return task.status();
  if (task->tenant() != event.tenant()) {
    return absl::PermissionDeniedError("coordination.matter.resolved of tenant " + event.tenant() +
                                       " names task " + task->id() + " of tenant " +
                                       task->tenant());
  }
  if (!AnswersOpenContest(*task, m->raised_ref())) {
    // Already handled, or a decision on an earlier contest (the task moved on since).
    spdlog::info("matter {} resolved for {}, which is not the task's open contest; ignored",
                 m->matter_id(), m->raised_ref());
    return absl::OkStatus();
  }
  std::vector<std::string> co{m->co_units().begin(), m->co_units().end()};
  std::erase(co, m->lead_unit());
  if (auto s = auth::CheckUnit(org_, nullptr, task->tenant(), m->lead_unit(),
                               "coordination.matter.resolved: lead_unit");
      !s.ok()) {
    return s;
  }
  if (auto s = auth::CheckUnits(org_, nullptr, task->tenant(), co,
                                "coordination.matter.resolved: co_units");
      !s.ok()) {
    return s;
  }
  const pb::Task before = *task;
  if (auto s = Reassign(*task, m->lead_unit(), co, clock_->Now()); !s.ok()) return s;
  return SaveTask(tx, SystemActor(), before, *task, {"task.reassign", "", m->decision()},
                  event.trace_id());
}

// ---- The warning ladder ----

absl::StatusOr<std::string> SupervisionServiceImpl::FireLadderTimer(store::Tx& tx,
                                                                    const store::Timer& timer) {
  auto task = Tasks().Get(tx, timer.owner);
  if (!task.ok()) return task.status();
  pb::Cadence cadence;
  if (ChasesProgress(timer.name)) {
    auto item = Items().Get(tx, task->item_id());
    if (!item.ok()) return item.status();
    cadence = item->cadence();
  }
  const RungDecision d = DecideRung(cal_, options_.ladder, *task, cadence, timer.name, Today(),
                                    options_.limits.utc_offset_minutes);
  if (d.outcome != kFired) return d.outcome;

  const TimePoint now = clock_->Now();
  const int64_t read = task->version();
  IssueCard(*task, d, now);
  if (auto s = Tasks().Update(tx, *task, read); !s.ok()) return s;
  ev::WarningIssued w;
  w.set_task_id(task->id());
  w.set_item_id(task->item_id());
  w.set_unit(task->lead_unit());
  w.set_rung(d.card);
  w.set_due_date(task->due_date());
  w.set_working_days(d.working_days);
  const auto actor = SystemActor();
  events::Change change{"warning." + d.card,
                        task->id(),
                        task->tenant(),
                        task->lead_unit(),
                        type::kSupervisionWarningIssued,
                        &w,
                        ""};
  if (auto s = recorder_.Record(tx, actor, change); !s.ok()) return s.status();

  if (d.card == "red") {
    // This timer is still being fired (its outcome is set when this returns): count it apart.
    auto earlier =
        repo::RedCardsSince(tx, task->lead_unit(), ToMillis(TalkPeriodStart(options_.ladder, now)));
    if (!earlier.ok()) return earlier.status();
    const int64_t reds = *earlier + 1;
    if (FlagsTalk(options_.ladder, d.card, reds)) {
      ev::WarningIssued talk = w;
      talk.set_rung("talk");
      events::Change flag{"warning.talk",
                          task->lead_unit(),
                          task->tenant(),
                          std::to_string(reds) + " red cards",
                          type::kSupervisionUnitTalkFlagged,
                          &talk,
                          ""};
      if (auto s = recorder_.Record(tx, actor, flag); !s.ok()) return s.status();
    }
  }
  return std::string(kFired);
}

}  // namespace zs::supervision

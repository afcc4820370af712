#include "domain/supervision.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/time_util.h"
#include "core/validation.h"

namespace zs::supervision {
namespace {

absl::Status Date(const std::string& s, const std::string& field, const CivilDate& not_before) {
  auto d = ParseDate(s);
  if (!d) return InvalidField(field, "required as YYYY-MM-DD");
  if (*d < not_before) return InvalidField(field, s + " is before " + FormatDate(not_before));
  return absl::OkStatus();
}

std::string Name(pb::TaskState s) { return pb::TaskState_Name(s); }

absl::Status OutOfOrder(const pb::Task& t, const std::string& action) {
  return absl::FailedPreconditionError("task " + t.id() + " is " + Name(t.state()) + "; cannot " +
                                       action);
}

void Touch(pb::Task& t) { t.set_version(t.version() + 1); }

}  // namespace

absl::Status ValidateNewItem(const pb::Item& item, const Limits& l, const CivilDate& today) {
  if (auto s = ValidateText(item.title(), "item.title", l.max_title_chars, true); !s.ok()) return s;
  if (auto s = ValidateText(item.requirement(), "item.requirement", l.max_text_chars, true);
      !s.ok())
    return s;
  if (item.source_type() == zhongshu::events::v1::SOURCE_TYPE_UNSPECIFIED ||
      !zhongshu::events::v1::SourceType_IsValid(item.source_type())) {
    return InvalidField("item.source_type", "required");
  }
  switch (item.source_type()) {
    case zhongshu::events::v1::SOURCE_TYPE_LEADER_INSTRUCTION:
      return InvalidField("item.source_type",
                          "items from leader instructions are opened only from reporting's "
                          "instruction events");
    case zhongshu::events::v1::SOURCE_TYPE_STANDING_COMMITTEE_DECISION:
    case zhongshu::events::v1::SOURCE_TYPE_DOCUMENT_INSTRUCTION:
      return InvalidField("item.source_type",
                          "items from meeting decisions and document instructions are opened only "
                          "from coordination's events");
    case zhongshu::events::v1::SOURCE_TYPE_OVERDUE_PROPOSAL:
      return InvalidField("item.source_type",
                          "items for overdue proposals are opened only from proposals' events");
    default:
      break;
  }
  if (item.source_ref().size() > 128)
    return InvalidField("item.source_ref", "longer than 128 characters");
  if (!pb::Priority_IsValid(item.priority())) return InvalidField("item.priority", "unknown value");
  if (auto s = ValidateCadence(item.cadence(), "item.cadence"); !s.ok()) return s;
  return Date(item.deadline(), "item.deadline", today);
}

absl::Status ValidateNewTask(const pb::Task& task, const org::OrgTree& org, const Limits& l,
                             const CivilDate& today) {
  if (auto s = ValidateId(task.item_id(), "task.item_id"); !s.ok()) return s;
  if (org.FindUnit(task.lead_unit()) == nullptr) {
    return InvalidField("task.lead_unit", task.lead_unit().empty()
                                              ? "required"
                                              : "unknown unit '" + task.lead_unit() + "'");
  }
  if (static_cast<size_t>(task.co_units_size()) > l.max_co_units) {
    return InvalidField("task.co_units", "more than " + std::to_string(l.max_co_units) + " units");
  }
  std::set<std::string> seen;
  for (const auto& u : task.co_units()) {
    if (org.FindUnit(u) == nullptr)
      return InvalidField("task.co_units", "unknown unit '" + u + "'");
    if (u == task.lead_unit()) {
      return InvalidField("task.co_units",
                          "'" + u + "' is the lead unit; a unit cannot also assist itself");
    }
    if (!seen.insert(u).second) return InvalidField("task.co_units", "'" + u + "' named twice");
  }
  if (auto s = ValidateText(task.deliverable(), "task.deliverable", l.max_text_chars, true);
      !s.ok())
    return s;
  if (auto s = Date(task.due_date(), "task.due_date", today); !s.ok()) return s;
  for (int i = 0; i < task.milestones_size(); ++i) {
    const std::string f = "task.milestones[" + std::to_string(i) + "]";
    const auto& m = task.milestones(i);
    if (auto s = Date(m.due_date(), f + ".due_date", today); !s.ok()) return s;
    if (*ParseDate(m.due_date()) > *ParseDate(task.due_date())) {
      return InvalidField(f + ".due_date", "after the task's due date");
    }
    if (auto s = ValidateText(m.description(), f + ".description", l.max_title_chars, true);
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateProgress(const std::string& id, const pb::ProgressReport& r, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  if (r.percent() < 0 || r.percent() > 100) {
    return InvalidField("report.percent",
                        std::to_string(r.percent()) + " is not between 0 and 100");
  }
  if (auto s = ValidateText(r.narrative(), "report.narrative", l.max_text_chars, true); !s.ok())
    return s;
  if (auto s = ValidateText(r.problems(), "report.problems", l.max_text_chars, false); !s.ok())
    return s;
  if (static_cast<size_t>(r.evidence_refs_size()) > l.max_evidence) {
    return InvalidField("report.evidence_refs", "more than " + std::to_string(l.max_evidence));
  }
  return absl::OkStatus();
}

absl::Status ValidateCompletion(const std::string& id, const std::string& summary,
                                int evidence_count, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  if (auto s = ValidateText(summary, "summary", l.max_text_chars, true); !s.ok()) return s;
  if (static_cast<size_t>(evidence_count) > l.max_evidence) {
    return InvalidField("evidence_refs", "more than " + std::to_string(l.max_evidence));
  }
  return absl::OkStatus();
}

absl::Status ValidateVerify(const std::string& id, bool approve, const std::string& comment,
                            const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(comment, "comment", l.max_text_chars, !approve);
}

absl::Status ValidateContest(const std::string& id, const std::string& reason, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(reason, "reason", l.max_text_chars, true);
}

absl::Status ValidateExtensionRequest(const std::string& id, const std::string& new_due_date,
                                      const std::string& reason, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  if (!ParseDate(new_due_date)) return InvalidField("new_due_date", "required as YYYY-MM-DD");
  return ValidateText(reason, "reason", l.max_text_chars, true);
}

absl::Status ValidateExtensionDecision(const std::string& id, bool approve,
                                       const std::string& comment, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(comment, "comment", l.max_text_chars, !approve);
}

absl::Status ValidateCloseItem(const std::string& id, const std::string& feedback_summary,
                               const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(feedback_summary, "feedback_summary", l.max_text_chars, true);
}

std::vector<std::string> ItemUpdatePaths(const std::vector<std::string>& mask) {
  if (!mask.empty()) return mask;
  return {"title", "requirement", "priority", "deadline"};
}

absl::Status ValidateItemUpdate(const pb::Item& it, const std::vector<std::string>& paths,
                                const Limits& l, const CivilDate& today) {
  if (auto s = ValidateId(it.id(), "item.id"); !s.ok()) return s;
  for (const auto& p : paths) {
    absl::Status s;
    if (p == "title") {
      s = ValidateText(it.title(), "item.title", l.max_title_chars, true);
    } else if (p == "requirement") {
      s = ValidateText(it.requirement(), "item.requirement", l.max_text_chars, true);
    } else if (p == "priority") {
      if (it.priority() == pb::PRIORITY_UNSPECIFIED || !pb::Priority_IsValid(it.priority())) {
        s = InvalidField("item.priority", "required: normal, high or urgent");
      }
    } else if (p == "deadline") {
      s = Date(it.deadline(), "item.deadline", today);
    } else {
      s = InvalidField(
          "update_mask",
          "'" + p + "' cannot be updated; use title, requirement, priority or deadline");
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateCancelItem(const std::string& id, const std::string& reason, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(reason, "reason", l.max_text_chars, true);
}

absl::Status ValidateReassign(const ReassignCommand& c, const Limits& l, const CivilDate& today) {
  if (auto s = ValidateId(c.id, "id"); !s.ok()) return s;
  if (c.lead_unit.empty()) return InvalidField("lead_unit", "required");
  if (c.co_units.size() > l.max_co_units) {
    return InvalidField("co_units", "more than " + std::to_string(l.max_co_units) + " units");
  }
  if (!c.due_date.empty()) {
    if (auto s = Date(c.due_date, "due_date", today); !s.ok()) return s;
  }
  return ValidateText(c.reason, "reason", l.max_text_chars, true);
}

absl::Status ValidateCancelTask(const std::string& id, const std::string& reason, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(reason, "reason", l.max_text_chars, true);
}

absl::Status ResolveInstructingLeader(const org::OrgTree& org, const std::string& tenant,
                                      pb::Item& item) {
  item.clear_instructing_leader_name();
  if (item.instructing_leader().empty()) return absl::OkStatus();
  const org::User* u = org.FindUser(item.instructing_leader());
  if (u == nullptr || std::find(u->roles.begin(), u->roles.end(), "leader") == u->roles.end()) {
    return InvalidField("item.instructing_leader",
                        "'" + item.instructing_leader() + "' is not a leader of the org tree");
  }
  if (!org.IsAncestorOrSelf(u->tenant, tenant)) {
    return InvalidField(
        "item.instructing_leader",
        "'" + item.instructing_leader() + "' is not a leader of tenant " + tenant + " or above it");
  }
  item.set_instructing_leader_name(u->name);
  return absl::OkStatus();
}

void Redact(const Scope& scope, pb::Item& item) {
  if (!item.negative() || scope.negative) return;
  item.set_title(kWithheldTitle);
  item.set_requirement(kWithheldText);
  item.clear_background();
}

std::string PublicTitle(const pb::Item& item) {
  return item.negative() ? kWithheldTitle : item.title();
}

absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller) {
  if (org.FindTenant(caller.tenant) == nullptr) {
    return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
  }
  Scope scope;
  scope.negative = auth::MayReadNegative(caller);
  if (caller.HasAnyRole({"supervisor", "leader", "coordinator", "service"})) {
    scope.tenants = org.Subtree(caller.tenant);
  } else if (caller.HasRole("unit_handler")) {
    if (caller.unit.empty()) return absl::PermissionDeniedError("caller belongs to no unit");
    scope.tenants = {caller.tenant};
    scope.only_unit = caller.unit;
  } else {
    return absl::PermissionDeniedError(
        "supervision needs the supervisor, leader, coordinator or unit_handler role");
  }
  return scope;
}

namespace {

cond::Cond Scoped(const Scope& scope, const char* relation) {
  return cond::All(
      {cond::In("tenant", scope.tenants),
       scope.only_unit.empty() ? cond::True() : cond::Related(relation, scope.only_unit)});
}

}  // namespace

cond::Cond VisibleItems(const Scope& scope) { return Scoped(scope, kUnitHasTask); }
cond::Cond VisibleTasks(const Scope& scope) { return Scoped(scope, kUnitOnTask); }
cond::Cond VisibleNotices(const Scope& scope) { return cond::In("tenant", scope.tenants); }

bool MayReadTask(const Scope& scope, const pb::Task& t) {
  return cond::Matches(
      VisibleTasks(scope),
      {[&t](std::string_view c) -> cond::Value {
         if (c == "tenant") return t.tenant();
         if (c == "item_id") return t.item_id();
         if (c == "lead_unit") return t.lead_unit();
         return int64_t{t.state()};
       },
       [&t](std::string_view relation, const cond::Value& key) {
         const auto* unit = std::get_if<std::string>(&key);
         return relation == kUnitOnTask && unit != nullptr &&
                (t.lead_unit() == *unit ||
                 std::find(t.co_units().begin(), t.co_units().end(), *unit) != t.co_units().end());
       }});
}

bool MayReadItem(const Scope& scope, const pb::Item& item, bool unit_has_task) {
  return cond::Matches(VisibleItems(scope),
                       {[&item](std::string_view c) -> cond::Value {
                          if (c == "tenant") return item.tenant();
                          if (c == "source_ref") return item.source_ref();
                          if (c == "source_type") return int64_t{item.source_type()};
                          return int64_t{item.state()};
                        },
                        [&scope, unit_has_task](std::string_view relation, const cond::Value& key) {
                          return relation == kUnitHasTask && unit_has_task &&
                                 key == cond::Value(scope.only_unit);
                        }});
}

bool MayReadNotice(const Scope& scope, const pb::Notice& n) {
  return cond::Matches(VisibleNotices(scope), {[&n](std::string_view c) -> cond::Value {
                                                 if (c == "tenant") return n.tenant();
                                                 return n.period();
                                               },
                                               {}});
}

absl::Status RequireSupervisor(const org::OrgTree& org, const auth::Principal& caller,
                               const std::string& tenant, std::string_view action) {
  if (!caller.HasRole("supervisor")) {
    return absl::PermissionDeniedError(std::string(action) + " needs the supervisor role");
  }
  if (!tenant.empty() && !auth::MaySeeTenant(org, caller, tenant)) {
    return absl::PermissionDeniedError("tenant " + tenant + " is outside your jurisdiction");
  }
  return absl::OkStatus();
}

absl::Status RequireLeadUnit(const auth::Principal& caller, const pb::Task& t,
                             std::string_view action) {
  if (caller.HasRole("unit_handler") && caller.unit == t.lead_unit()) return absl::OkStatus();
  return absl::PermissionDeniedError(std::string(action) + " is for the lead unit " +
                                     t.lead_unit());
}

void CountFinished(pb::Item& item, const pb::Task& t) {
  if (t.state() == pb::TASK_STATE_CLOSED) item.set_closed_task_count(item.closed_task_count() + 1);
  if (t.state() == pb::TASK_STATE_CANCELLED) {
    item.set_cancelled_task_count(item.cancelled_task_count() + 1);
  }
  item.set_version(item.version() + 1);
}

bool Outstanding(const pb::Task& t) {
  return t.state() != pb::TASK_STATE_CLOSED && t.state() != pb::TASK_STATE_COMPLETION_REPORTED &&
         t.state() != pb::TASK_STATE_CANCELLED;
}

pb::Item NewItem(const pb::Item& requested, const std::string& id, const std::string& tenant,
                 TimePoint now) {
  pb::Item item = requested;
  item.set_id(id);
  item.set_tenant(tenant);
  item.set_negative(false);  // output only: set when opened from negative information
  item.clear_cancel_reason();
  item.set_state(pb::ITEM_STATE_OPEN);
  if (item.priority() == pb::PRIORITY_UNSPECIFIED) item.set_priority(pb::PRIORITY_NORMAL);
  item.clear_feedback_summary();
  item.clear_close_time();
  item.set_task_count(0);
  item.set_closed_task_count(0);
  item.set_cancelled_task_count(0);
  *item.mutable_create_time() = ToProto(now);
  item.set_version(1);
  return item;
}

absl::Status AcceptsTasks(const pb::Item& item) {
  if (item.state() != pb::ITEM_STATE_OPEN) {
    return absl::FailedPreconditionError("item " + item.id() + " is closed");
  }
  return absl::OkStatus();
}

pb::Task TaskToAssign(const pb::Task& requested) {
  pb::Task task;
  task.set_lead_unit(requested.lead_unit());
  *task.mutable_co_units() = requested.co_units();
  task.set_deliverable(requested.deliverable());
  task.set_due_date(requested.due_date());
  *task.mutable_milestones() = requested.milestones();
  return task;
}

std::string ContestedTask(const std::string& contest_ref) {
  return contest_ref.substr(0, contest_ref.find('@'));
}

bool AnswersOpenContest(const pb::Task& t, const std::string& contest_ref) {
  return t.state() == pb::TASK_STATE_CONTESTED && t.contest_ref() == contest_ref;
}

absl::Status Accept(pb::Task& t, TimePoint) {
  if (t.state() != pb::TASK_STATE_ASSIGNED) return OutOfOrder(t, "sign for it");
  t.set_state(pb::TASK_STATE_ACCEPTED);
  Touch(t);
  return absl::OkStatus();
}

absl::Status Contest(pb::Task& t, const std::string& reason, TimePoint) {
  if (t.state() != pb::TASK_STATE_ASSIGNED) return OutOfOrder(t, "contest it");
  t.set_state(pb::TASK_STATE_CONTESTED);
  t.set_contest_reason(reason);
  Touch(t);
  t.set_contest_ref(t.id() + "@" + std::to_string(t.version()));
  return absl::OkStatus();
}

absl::Status AddProgress(pb::Task& t, pb::ProgressReport report, const std::string& author,
                         TimePoint now) {
  if (t.state() != pb::TASK_STATE_ACCEPTED && t.state() != pb::TASK_STATE_IN_PROGRESS &&
      t.state() != pb::TASK_STATE_RETURNED) {
    return OutOfOrder(t, "report progress");
  }
  report.set_author(author);
  *report.mutable_report_time() = ToProto(now);
  t.set_percent(report.percent());
  *t.add_progress() = std::move(report);
  t.set_state(pb::TASK_STATE_IN_PROGRESS);
  Touch(t);
  return absl::OkStatus();
}

absl::Status ReportCompletion(pb::Task& t, const std::string& summary,
                              const std::vector<std::string>& evidence, TimePoint) {
  if (t.state() != pb::TASK_STATE_ACCEPTED && t.state() != pb::TASK_STATE_IN_PROGRESS &&
      t.state() != pb::TASK_STATE_RETURNED) {
    return OutOfOrder(t, "report completion");
  }
  t.set_state(pb::TASK_STATE_COMPLETION_REPORTED);
  t.set_completion_summary(summary);
  t.clear_completion_evidence();
  for (const auto& e : evidence) t.add_completion_evidence(e);
  Touch(t);
  return absl::OkStatus();
}

absl::Status Verify(pb::Task& t, bool approve, const std::string& comment, TimePoint now) {
  if (t.state() != pb::TASK_STATE_COMPLETION_REPORTED) return OutOfOrder(t, "verify it");
  t.set_verification_comment(comment);
  if (approve) {
    t.set_state(pb::TASK_STATE_CLOSED);
    t.set_percent(100);
    *t.mutable_close_time() = ToProto(now);
  } else {
    t.set_state(pb::TASK_STATE_RETURNED);
  }
  Touch(t);
  return absl::OkStatus();
}

absl::Status RequestExtension(pb::Task& t, const std::string& new_due, const std::string& reason,
                              const CivilDate& today, TimePoint now) {
  if (t.state() == pb::TASK_STATE_CLOSED || t.state() == pb::TASK_STATE_COMPLETION_REPORTED ||
      t.state() == pb::TASK_STATE_CONTESTED || t.state() == pb::TASK_STATE_CANCELLED) {
    return OutOfOrder(t, "ask for an extension");
  }
  const CivilDate due = *ParseDate(t.due_date());
  if (today > due) {
    return absl::FailedPreconditionError("task " + t.id() + " was due " + t.due_date() +
                                         "; extensions are asked for before the deadline");
  }
  if (*ParseDate(new_due) <= due) {
    return absl::InvalidArgumentError("new_due_date: " + new_due + " is not after the due date " +
                                      t.due_date());
  }
  for (const auto& e : t.extensions()) {
    if (e.state() == pb::EXTENSION_STATE_PENDING) {
      return absl::FailedPreconditionError("task " + t.id() + " already has a pending extension");
    }
  }
  auto* e = t.add_extensions();
  e->set_requested_due_date(new_due);
  e->set_reason(reason);
  e->set_state(pb::EXTENSION_STATE_PENDING);
  *e->mutable_request_time() = ToProto(now);
  Touch(t);
  return absl::OkStatus();
}

absl::Status DecideExtension(pb::Task& t, bool approve, const std::string& by,
                             const std::string& comment, TimePoint) {
  // A finished task's due date is history (notices' on-time figures rest on it).
  if (t.state() == pb::TASK_STATE_CLOSED || t.state() == pb::TASK_STATE_CANCELLED ||
      t.state() == pb::TASK_STATE_COMPLETION_REPORTED) {
    return OutOfOrder(t, "decide an extension");
  }
  for (auto& e : *t.mutable_extensions()) {
    if (e.state() != pb::EXTENSION_STATE_PENDING) continue;
    e.set_state(approve ? pb::EXTENSION_STATE_APPROVED : pb::EXTENSION_STATE_REFUSED);
    e.set_decided_by(by);
    e.set_decision_comment(comment);
    if (approve) t.set_due_date(e.requested_due_date());
    Touch(t);
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("task " + t.id() + " has no pending extension");
}

absl::Status CloseItem(pb::Item& item, const std::vector<pb::Task>& tasks,
                       const std::string& feedback, TimePoint now) {
  if (item.state() != pb::ITEM_STATE_OPEN) {
    return absl::FailedPreconditionError("item " + item.id() + " is already closed");
  }
  if (tasks.empty()) {
    return absl::FailedPreconditionError("item " + item.id() +
                                         " has no tasks; assign and close them first");
  }
  bool any_closed = false;
  for (const auto& t : tasks) {
    if (t.state() == pb::TASK_STATE_CANCELLED) continue;
    if (t.state() != pb::TASK_STATE_CLOSED) {
      return absl::FailedPreconditionError("task " + t.id() + " of item " + item.id() + " is " +
                                           Name(t.state()) + "; every task must be closed first");
    }
    any_closed = true;
  }
  if (!any_closed) {
    return absl::FailedPreconditionError("every task of item " + item.id() +
                                         " was cancelled; cancel the item instead");
  }
  item.set_state(pb::ITEM_STATE_CLOSED);
  item.set_feedback_summary(feedback);
  *item.mutable_close_time() = ToProto(now);
  item.set_version(item.version() + 1);
  return absl::OkStatus();
}

namespace {

// Pending extension requests end with the work they were asked for (reassigned, cancelled).
void WithdrawPendingExtensions(pb::Task& t, const std::string& why) {
  for (auto& e : *t.mutable_extensions()) {
    if (e.state() != pb::EXTENSION_STATE_PENDING) continue;
    e.set_state(pb::EXTENSION_STATE_REFUSED);
    e.set_decision_comment(why);
  }
}

void AssignAnew(pb::Task& t, const std::string& lead, const std::vector<std::string>& co,
                TimePoint now) {
  // The new lead starts afresh: the old lead's progress stays in the history (progress reports)
  // but no longer counts as this assignment's (percent, cadence windows start now).
  WithdrawPendingExtensions(t, "任务已改派");
  t.set_percent(0);
  t.clear_completion_summary();
  t.clear_completion_evidence();
  t.set_lead_unit(lead);
  t.clear_co_units();
  for (const auto& u : co) {
    if (u != lead) t.add_co_units(u);
  }
  t.set_state(pb::TASK_STATE_ASSIGNED);
  t.clear_contest_reason();
  *t.mutable_assign_time() = ToProto(now);
  Touch(t);
}

bool Final(const pb::Task& t) {
  return t.state() == pb::TASK_STATE_CLOSED || t.state() == pb::TASK_STATE_CANCELLED;
}

}  // namespace

absl::Status Reassign(pb::Task& t, const std::string& lead, const std::vector<std::string>& co,
                      TimePoint now) {
  if (t.state() != pb::TASK_STATE_CONTESTED) return OutOfOrder(t, "reassign it");
  AssignAnew(t, lead, co, now);
  return absl::OkStatus();
}

absl::Status ReassignByOffice(pb::Task& t, const std::string& lead,
                              const std::vector<std::string>& co, const std::string& due,
                              TimePoint now) {
  if (std::find(co.begin(), co.end(), lead) != co.end()) {
    return absl::InvalidArgumentError("co_units: the lead unit " + lead + " cannot also assist");
  }
  if (Final(t)) return OutOfOrder(t, "reassign it");
  AssignAnew(t, lead, co, now);
  if (!due.empty()) t.set_due_date(due);
  return absl::OkStatus();
}

absl::Status CancelTask(pb::Task& t, const std::string& reason, TimePoint) {
  if (Final(t)) return OutOfOrder(t, "cancel it");
  WithdrawPendingExtensions(t, "任务已撤销");
  t.set_state(pb::TASK_STATE_CANCELLED);
  t.set_cancel_reason(reason);
  Touch(t);
  return absl::OkStatus();
}

absl::Status UpdateItem(pb::Item& item, const pb::Item& patch,
                        const std::vector<std::string>& paths, bool may_read_negative) {
  if (item.state() != pb::ITEM_STATE_OPEN) {
    return absl::FailedPreconditionError("item " + item.id() + " is " +
                                         pb::ItemState_Name(item.state()) + "; cannot edit it");
  }
  for (const auto& p : paths) {
    if (item.negative() && !may_read_negative && (p == "title" || p == "requirement")) {
      return absl::PermissionDeniedError("item " + item.id() +
                                         " comes from negative information; only editors and "
                                         "leaders may change its " +
                                         p);
    }
    if (p == "title") item.set_title(patch.title());
    if (p == "requirement") item.set_requirement(patch.requirement());
    if (p == "priority") item.set_priority(patch.priority());
    if (p == "deadline") item.set_deadline(patch.deadline());
  }
  item.set_version(item.version() + 1);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Task*>> CancelItem(pb::Item& item, std::vector<pb::Task>& tasks,
                                                  const std::string& reason, TimePoint now) {
  if (item.state() != pb::ITEM_STATE_OPEN) {
    return absl::FailedPreconditionError("item " + item.id() + " is " +
                                         pb::ItemState_Name(item.state()) + "; cannot cancel it");
  }
  std::vector<pb::Task*> changed;
  for (auto& t : tasks) {
    if (Final(t)) continue;
    if (auto s = CancelTask(t, reason, now); !s.ok()) return s;
    changed.push_back(&t);
  }
  item.set_state(pb::ITEM_STATE_CANCELLED);
  item.set_cancel_reason(reason);
  *item.mutable_close_time() = ToProto(now);
  item.set_version(item.version() + 1);
  return changed;
}

std::vector<Rung> LadderFor(const calendar::WorkCalendar& cal, const LadderConfig& c,
                            const CivilDate& assigned, const CivilDate& due) {
  std::vector<Rung> rungs;
  // In escalation order; the reminder (签收提醒) stands apart from the deadline rungs.
  rungs.push_back({"reminder", cal.AddWorkingDays(assigned, c.reminder_after_working_days)});
  // Blue: the working day that leaves blue_before_working_days working days to the due date.
  CivilDate blue = cal.NextWorkingDay(due);
  for (int i = 0; i < c.blue_before_working_days; ++i) {
    CivilDate d = calendar::AddDays(blue, -1);
    while (!cal.IsWorkingDay(d)) d = calendar::AddDays(d, -1);
    blue = d;
  }
  if (blue > assigned) rungs.push_back({"blue", blue});
  const CivilDate yellow = cal.AddWorkingDays(due, 1);
  rungs.push_back({"yellow", yellow});
  rungs.push_back({"red", cal.AddWorkingDays(due, c.red_after_working_days)});
  return rungs;
}

bool Superseded(const std::string& rung, const std::vector<Rung>& ladder, const CivilDate& today) {
  if (rung == "reminder") return false;
  bool after = false;
  for (const auto& r : ladder) {
    if (after && r.name != "reminder" && r.date <= today) return true;
    if (r.name == rung) after = true;
  }
  return false;
}

absl::Status ValidateCadence(const pb::Cadence& c, const std::string& field) {
  if (!pb::Cadence::Kind_IsValid(c.kind())) return InvalidField(field + ".kind", "unknown value");
  if (c.kind() == pb::Cadence::KIND_UNSPECIFIED) return absl::OkStatus();
  if (c.day() < 1 || c.day() > 28) return InvalidField(field + ".day", "must be between 1 and 28");
  return absl::OkStatus();
}

std::vector<ProgressWindow> ProgressWindows(const calendar::WorkCalendar& cal, const pb::Cadence& c,
                                            const CivilDate& assigned, const CivilDate& due) {
  std::vector<ProgressWindow> out;
  if (c.kind() == pb::Cadence::KIND_UNSPECIFIED) return out;
  const int step = c.kind() == pb::Cadence::KIND_QUARTERLY ? 3 : 1;
  // The first month of the period after the assignment's period.
  int year = assigned.year;
  int month =
      c.kind() == pb::Cadence::KIND_QUARTERLY ? ((assigned.month - 1) / 3) * 3 + 1 : assigned.month;
  CivilDate after = calendar::AddDays(assigned, -1);  // a report on the day of assignment counts
  for (int guard = 0; guard < 240; ++guard) {
    month += step;
    if (month > 12) {
      month -= 12;
      ++year;
    }
    const CivilDate deadline = cal.NextWorkingDay(CivilDate{year, month, c.day()});
    if (deadline > due) break;
    char rung[32];
    std::snprintf(rung, sizeof rung, "progress:%04d-%02d", year, month);
    out.push_back({rung, after, deadline, cal.AddWorkingDays(deadline, 1)});
    after = deadline;
  }
  return out;
}

bool ReportedWithin(const pb::Task& t, const ProgressWindow& w, int utc_offset_minutes) {
  for (const auto& p : t.progress()) {
    const CivilDate on = DateOf(FromProto(p.report_time()), utc_offset_minutes);
    if (on > w.after && on <= w.deadline) return true;
  }
  return false;
}

bool RungApplies(const std::string& rung, const pb::Task& t) {
  if (rung == "reminder") return t.state() == pb::TASK_STATE_ASSIGNED;
  return Outstanding(t);
}

bool ChasesProgress(const std::string& timer) { return timer.rfind("progress:", 0) == 0; }

RungDecision DecideRung(const calendar::WorkCalendar& cal, const LadderConfig& c,
                        const pb::Task& task, const pb::Cadence& cadence, const std::string& timer,
                        const CivilDate& today, int utc_offset_minutes) {
  const CivilDate assigned = DateOf(FromProto(task.assign_time()), utc_offset_minutes);
  const CivilDate due = *ParseDate(task.due_date());
  RungDecision d;
  bool applies = false;
  bool superseded = false;
  if (ChasesProgress(timer)) {
    // A cadence period: chased only if no progress report came within it.
    for (const auto& w : ProgressWindows(cal, cadence, assigned, due)) {
      if (w.rung == timer) {
        applies = Outstanding(task) && !ReportedWithin(task, w, utc_offset_minutes);
      }
    }
    d.card = "missed_progress";
  } else {
    superseded = Superseded(timer, LadderFor(cal, c, assigned, due), today);
    applies = RungApplies(timer, task) && !superseded;
    d.card = timer;
  }
  d.outcome = applies ? kFired : (superseded ? kSuperseded : kSkipped);
  d.working_days =
      today <= due ? cal.WorkingDaysBetween(today, due) : cal.WorkingDaysBetween(due, today);
  return d;
}

void IssueCard(pb::Task& task, const RungDecision& d, TimePoint now) {
  auto* card = task.add_warnings();
  card->set_rung(d.card);
  card->set_unit(task.lead_unit());
  card->set_working_days(d.working_days);
  *card->mutable_issue_time() = ToProto(now);
  task.set_version(task.version() + 1);  // a card is a change clients see
}

TimePoint TalkPeriodStart(const LadderConfig& c, TimePoint now) {
  return now - std::chrono::hours(24) * c.talk_period_days;
}

bool FlagsTalk(const LadderConfig& c, const std::string& card, int64_t reds_in_period) {
  return card == "red" && reds_in_period == c.talk_after_reds;
}

}  // namespace zs::supervision

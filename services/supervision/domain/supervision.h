#pragma once

// The supervision domain core: validation, who may see and do what, the task lifecycle and the
// warning ladder's dates. Plain functions over the generated message types; no gRPC, Redis or SQL.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "core/condition.h"
#include "core/validation.h"
#include "org/org.h"
#include "zhongshu/supervision/v1/supervision.pb.h"

namespace zs::supervision {

namespace pb = zhongshu::supervision::v1;

struct Limits {
  size_t max_title_chars = 200;
  size_t max_text_chars = 8000;
  size_t max_co_units = 20;
  size_t max_evidence = 20;
  int utc_offset_minutes = 480;  // dates are read in China Standard Time
};

// ---- Validation: INVALID_ARGUMENT naming the field; no storage is read. ----

// An item registered by hand (CreateItem). Sources that belong to another service — a leader
// instruction, a meeting decision, a document instruction, an overdue proposal — are refused
// (INVALID_ARGUMENT naming item.source_type): those items are opened only from that service's
// events, so no client can claim one.
absl::Status ValidateNewItem(const pb::Item& item, const Limits& l, const CivilDate& today);
// The instructing leader a hand-registered item names, checked against the org tree: empty, or a
// user with the leader role in `tenant` or above it (INVALID_ARGUMENT naming
// item.instructing_leader otherwise). Sets the leader's name from the org tree.
absl::Status ResolveInstructingLeader(const org::OrgTree& org, const std::string& tenant,
                                      pb::Item& item);
// A new task; `today` is the assignment date (a due date before it is refused).
absl::Status ValidateNewTask(const pb::Task& task, const org::OrgTree& org, const Limits& l,
                             const CivilDate& today);
// The checks of the task and item commands, on the fields each command carries (`id` is the task's
// or the item's).
absl::Status ValidateProgress(const std::string& id, const pb::ProgressReport& report,
                              const Limits& l);
absl::Status ValidateCompletion(const std::string& id, const std::string& summary,
                                int evidence_count, const Limits& l);
// A return for re-handling (重办) says why; an approval may go without a word.
absl::Status ValidateVerify(const std::string& id, bool approve, const std::string& comment,
                            const Limits& l);
absl::Status ValidateContest(const std::string& id, const std::string& reason, const Limits& l);
absl::Status ValidateExtensionRequest(const std::string& id, const std::string& new_due_date,
                                      const std::string& reason, const Limits& l);
// A refusal of an extension says why; an approval may go without a word.
absl::Status ValidateExtensionDecision(const std::string& id, bool approve,
                                       const std::string& comment, const Limits& l);
absl::Status ValidateCloseItem(const std::string& id, const std::string& feedback_summary,
                               const Limits& l);
// The fields an item update changes: those of its update mask, all four editable ones (title,
// requirement, priority, deadline) when the mask is empty.
std::vector<std::string> ItemUpdatePaths(const std::vector<std::string>& mask);
// Each path of an item update checked on `patch` as for a new item; `today` bounds the deadline.
absl::Status ValidateItemUpdate(const pb::Item& patch, const std::vector<std::string>& paths,
                                const Limits& l, const CivilDate& today);
absl::Status ValidateCancelItem(const std::string& id, const std::string& reason, const Limits& l);
// The supervision office's reassignment of a task (ReassignTask).
struct ReassignCommand {
  std::string id;
  std::string lead_unit;
  std::vector<std::string> co_units;
  std::string due_date;  // empty: unchanged
  std::string reason;
};
// New units are checked against the org tree by the caller (auth::CheckUnits).
absl::Status ValidateReassign(const ReassignCommand& c, const Limits& l, const CivilDate& today);
absl::Status ValidateCancelTask(const std::string& id, const std::string& reason, const Limits& l);

// ---- Authorization ----

// What a caller may read: supervisors and leaders their tenant subtree; a unit handler only
// tasks where its unit is lead or co-unit (and the items those tasks belong to).
struct Scope {
  std::vector<std::string> tenants;
  std::string only_unit;  // set for unit handlers
  bool negative = false;  // may read items that come from negative information (负面信息)
};
absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller);

// What a scope may read, as one condition on the stored columns (items: tenant, state,
// source_type, source_ref; tasks: tenant, item_id, lead_unit, state; notices: tenant, period):
// the store selects lists with it, and the predicates below evaluate it on one loaded resource.
// `negative` does not hide anything: it decides what Redact withholds.
// The relations the conditions use (the store renders them as subqueries on task_units):
inline constexpr char kUnitHasTask[] = "unit_has_task";  // an item: the unit leads or assists a
                                                         // task of it
inline constexpr char kUnitOnTask[] = "unit_on_task";    // a task: the unit leads or assists it
cond::Cond VisibleItems(const Scope& scope);
cond::Cond VisibleTasks(const Scope& scope);
cond::Cond VisibleNotices(const Scope& scope);
bool MayReadTask(const Scope& scope, const pb::Task& task);
// `unit_has_task`: whether the scope's unit has a task in the item (the relation kUnitHasTask,
// looked up by the caller; only asked for unit handlers).
bool MayReadItem(const Scope& scope, const pb::Item& item, bool unit_has_task);
bool MayReadNotice(const Scope& scope, const pb::Notice& notice);

// What an item from negative information shows in place of its words.
inline constexpr char kWithheldTitle[] = "（涉及负面信息的督查事项，标题不予显示）";
inline constexpr char kWithheldText[] =
    "（涉及负面信息，内容仅限领导和信息科阅看，请向交办领导了解）";
// The item as `scope` may read it: an item from negative information keeps its title,
// requirement and background only for those who may read negative information.
void Redact(const Scope& scope, pb::Item& item);
// The title anyone may read (notices, event payloads): withheld for negative information.
std::string PublicTitle(const pb::Item& item);

// PERMISSION_DENIED unless the caller is a supervisor whose subtree holds `tenant`.
absl::Status RequireSupervisor(const org::OrgTree& org, const auth::Principal& caller,
                               const std::string& tenant, std::string_view action);
// PERMISSION_DENIED unless the caller handles the task's lead unit.
absl::Status RequireLeadUnit(const auth::Principal& caller, const pb::Task& task,
                             std::string_view action);

// ---- Lifecycle: FAILED_PRECONDITION naming the state for a transition out of order ----

// An item registered by hand (CreateItem) as `requested`: its fields that only the service sets
// (state, counts, negative, feedback, times) start afresh; priority defaults to normal.
pb::Item NewItem(const pb::Item& requested, const std::string& id, const std::string& tenant,
                 TimePoint now);
// FAILED_PRECONDITION unless the item is open for new tasks.
absl::Status AcceptsTasks(const pb::Item& item);
// A task assigned by hand (AssignTask): the fields of `requested` a supervisor chooses.
pb::Task TaskToAssign(const pb::Task& requested);

absl::Status Accept(pb::Task& t, TimePoint now);
absl::Status Contest(pb::Task& t, const std::string& reason, TimePoint now);
absl::Status AddProgress(pb::Task& t, pb::ProgressReport report, const std::string& author,
                         TimePoint now);
absl::Status ReportCompletion(pb::Task& t, const std::string& summary,
                              const std::vector<std::string>& evidence, TimePoint now);
absl::Status Verify(pb::Task& t, bool approve, const std::string& comment, TimePoint now);
// An extension is asked for on or before the due date, for a later date, one at a time.
absl::Status RequestExtension(pb::Task& t, const std::string& new_due, const std::string& reason,
                              const CivilDate& today, TimePoint now);
absl::Status DecideExtension(pb::Task& t, bool approve, const std::string& by,
                             const std::string& comment, TimePoint now);
// Every task closed (and at least one): the item closes with the feedback summary.
absl::Status CloseItem(pb::Item& item, const std::vector<pb::Task>& tasks,
                       const std::string& feedback, TimePoint now);
// A contested task gets the lead and co-units a coordination decision named (CONTESTED ->
// ASSIGNED, assigned anew from `now`).
absl::Status Reassign(pb::Task& t, const std::string& lead, const std::vector<std::string>& co,
                      TimePoint now);
// The supervision office reassigns a task itself: from any state but CLOSED and CANCELLED, to
// ASSIGNED with the new units, assigned anew from `now`; a non-empty `due` moves the due date.
// A lead unit named among the co-units is INVALID_ARGUMENT naming co_units.
absl::Status ReassignByOffice(pb::Task& t, const std::string& lead,
                              const std::vector<std::string>& co, const std::string& due,
                              TimePoint now);
// The task of a contest reference ("<task id>@<version>", TaskContested.contest_ref).
std::string ContestedTask(const std::string& contest_ref);
// Whether a coordination decision on `contest_ref` answers the task's open contest: it is
// CONTESTED and that is its latest contest (a late decision on an earlier one changes nothing).
bool AnswersOpenContest(const pb::Task& t, const std::string& contest_ref);
// A task no longer needed: CANCELLED with the reason, from any state but CLOSED and CANCELLED.
absl::Status CancelTask(pb::Task& t, const std::string& reason, TimePoint now);
// Edits an open item: the fields of `patch` named by `paths`. An item from negative information
// keeps its words for those who may read them: `may_read_negative` false refuses title and
// requirement edits (the caller cannot see what they would replace).
absl::Status UpdateItem(pb::Item& item, const pb::Item& patch,
                        const std::vector<std::string>& paths, bool may_read_negative);
// Cancels (撤销) an open item and every task of it that is not closed; returns the tasks changed.
absl::StatusOr<std::vector<pb::Task*>> CancelItem(pb::Item& item, std::vector<pb::Task>& tasks,
                                                  const std::string& reason, TimePoint now);
// Counts a task that just became CLOSED or CANCELLED on its item (closed_task_count,
// cancelled_task_count).
void CountFinished(pb::Item& item, const pb::Task& t);
// True while the task still owes work (not completed, closed or cancelled).
bool Outstanding(const pb::Task& t);

// ---- The warning ladder (亮牌) ----

struct LadderConfig {
  int reminder_after_working_days = 1;  // not yet signed for (签收) this long after assignment
  int blue_before_working_days = 3;     // due within this many working days (提醒)
  int red_after_working_days = 5;       // overdue by this many working days (通报)
  int talk_after_reds = 3;              // reds for one unit in a period flag a formal talk (约谈)
  int talk_period_days = 90;
};

// One rung of one task, due on a date (fires at the start of that day, local time).
struct Rung {
  std::string name;  // "reminder", "blue", "yellow", "red"
  CivilDate date;
};
// The rungs of a task assigned on `assigned` and due on `due`. Yellow is the first working day
// after the due date; red is `red_after_working_days` working days after it.
std::vector<Rung> LadderFor(const calendar::WorkCalendar& cal, const LadderConfig& c,
                            const CivilDate& assigned, const CivilDate& due);
// Whether a rung still applies to the task in its current state when it comes due.
bool RungApplies(const std::string& rung, const pb::Task& t);
// Whether a later rung of the same ladder is already due on `today`: then this one is stale
// (the service was down, or time jumped) and only the latest due rung is issued.
bool Superseded(const std::string& rung, const std::vector<Rung>& ladder, const CivilDate& today);

// ---- Cadences: periodic progress reports (每月一督查) ----

absl::Status ValidateCadence(const pb::Cadence& c, const std::string& field);

// One reporting period of a task: a progress report is due in (after, deadline]; if none came,
// the chase ("missed_progress", 催办) fires on `fire`, the working day after the deadline.
struct ProgressWindow {
  std::string rung;  // "progress:YYYY-MM", unique per task
  CivilDate after;
  CivilDate deadline;
  CivilDate fire;
};
// The windows of a task assigned on `assigned` and due on `due` under the item's cadence: the
// first deadline falls in the period after the assignment's; none after the due date (the
// completion report covers the end). Empty without a cadence.
std::vector<ProgressWindow> ProgressWindows(const calendar::WorkCalendar& cal, const pb::Cadence& c,
                                            const CivilDate& assigned, const CivilDate& due);
bool ReportedWithin(const pb::Task& t, const ProgressWindow& w, int utc_offset_minutes);

// ---- Firing a timer of the ladder ----

// The outcomes a ladder timer ends with.
inline constexpr char kFired[] = "fired";            // a card was issued
inline constexpr char kSkipped[] = "skipped";        // moot in the task's state (signed, done)
inline constexpr char kSuperseded[] = "superseded";  // a later rung is already due

// A cadence period's timer ("progress:YYYY-MM") rather than a rung of the ladder.
bool ChasesProgress(const std::string& timer);

// What a due timer of a task does. `timer` is a rung name or a cadence period ("progress:..."),
// for which `cadence` is the item's; `today` is the local date it is handled on.
struct RungDecision {
  std::string outcome;   // kFired, kSkipped or kSuperseded
  std::string card;      // the card issued: the rung, or "missed_progress" (催办) for a period
  int working_days = 0;  // before the due date (up to it) or past it, as of today
};
RungDecision DecideRung(const calendar::WorkCalendar& cal, const LadderConfig& c,
                        const pb::Task& task, const pb::Cadence& cadence, const std::string& timer,
                        const CivilDate& today, int utc_offset_minutes);
// Adds the card of a fired decision to the task's warnings (it goes to the lead unit).
void IssueCard(pb::Task& task, const RungDecision& d, TimePoint now);

// The formal-talk rule (约谈): counting the red cards of one unit since TalkPeriodStart (this one
// included), the talk_after_reds-th flags a talk, once per run of reds.
TimePoint TalkPeriodStart(const LadderConfig& c, TimePoint now);
bool FlagsTalk(const LadderConfig& c, const std::string& card, int64_t reds_in_period);

}  // namespace zs::supervision

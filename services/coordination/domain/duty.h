#pragma once

// Duty and emergencies (值班/应急), pure rules: the roster of a day and swaps, emergency plans
// (预案) and their selection, the alert and its escalation ladder, incidents joined by the reports
// of one emergency chain, checklist steps, notes and closing, and what a reader may see of an
// incident. No gRPC, SQLite or Redis here; time is passed in.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "org/org.h"
#include "zhongshu/coordination/v1/duty.pb.h"

namespace zs::coordination::duty {

namespace pb = zhongshu::coordination::v1;

inline constexpr char kSystemActor[] = "system:coordination";
// Shown instead of a title or a timeline text the reader may not see.
inline constexpr char kWithheld[] = "（负面信息，内容不予显示）";

// ---- Roster (值班表) ----

// Checks a day of the roster for `tenant`: the date, the leader (required: "a duty day without a
// leader"; a user of the tenant with the leader role), the officers (users of the tenant with the
// duty_officer role, none twice), the note. INVALID_ARGUMENT naming the field.
absl::Status ValidateDutyDay(const org::OrgTree& org, const std::string& tenant,
                             const std::string& date, const std::string& leader,
                             const std::vector<std::string>& officers, const std::string& note);

// A new or replaced day: names filled in from the org, id "<tenant>:<date>".
pb::DutyDay MakeDutyDay(const org::OrgTree& org, const std::string& tenant, const std::string& date,
                        const std::string& leader, const std::vector<std::string>& officers,
                        const std::string& note, const std::string& by, TimePoint now);

// Checks a swap request: two distinct valid dates and a role.
absl::Status ValidateSwap(const std::string& date_a, const std::string& date_b, int role,
                          const std::string& reason);

// Swaps the role's people of days `a` and `b` and records the swap on both.
// FAILED_PRECONDITION when a day has nobody of the role to swap.
absl::Status SwapDuty(const org::OrgTree& org, pb::DutyDay& a, pb::DutyDay& b, pb::DutyRole role,
                      const std::string& reason, const std::string& by, TimePoint now);

// ---- Plans (预案) ----

struct PlanStep {
  std::string name;
  bool mandatory = true;
};

struct Plan {
  std::string key;  // its key under duty.plans, e.g. "general", "hazmat"
  std::string title;
  std::string type;             // the incident type (a report tag) it answers; "" for general
  std::vector<int> grades;      // the grades it answers; empty: every grade
  std::vector<PlanStep> steps;  // the checklist, in order
};

inline constexpr char kGeneralPlan[] = "general";

// Checks a set of plans: "general" present, every plan has a title and at least one step, a
// specific plan names its type, grades are 1..4. INVALID_ARGUMENT naming the key
// ("duty.plans.general", "duty.plans.<key>.steps").
absl::Status ValidatePlans(const std::map<std::string, Plan>& plans);

// The plan for an incident of `grade` whose report carries `tags`: a specific plan whose type is
// one of the tags and whose grades include the grade (one listing the grade before one listing
// none; keys in order among equals); else the general plan. `plans` passed ValidatePlans.
const Plan& SelectPlan(const std::map<std::string, Plan>& plans,
                       const std::vector<std::string>& tags, int grade);

// ---- Alerts and escalation ----

struct AlertPolicy {
  int64_t ack_limit_ms = 15 * 60 * 1000;                       // default for every grade
  std::map<int, int64_t> ack_limit_by_grade;                   // overrides per grade
  std::map<std::string, std::string> fallback;                 // tenant -> user
  std::map<std::string, std::vector<std::string>> escalation;  // tenant -> ordered users
};

// How long an alert of `grade` waits for its acknowledgement.
int64_t AckLimitMs(const AlertPolicy& policy, int grade);

// Who is alerted at `level` of a tenant's ladder: level 0 is `first` (the duty leader of the day
// or the fallback); level n is the n-th person of the escalation list who is not `first`.
// nullopt when the list has ended.
std::optional<std::string> AlerteeAt(const AlertPolicy& policy, const std::string& tenant,
                                     const std::string& first, int level);

// The escalation timer's name for the alert at `level` ("escalate:<level+1>").
std::string EscalationTimerName(int level);
// The level an escalation timer raises to; nullopt for a malformed name.
std::optional<int> LevelOfTimer(const std::string& name);

// ---- Incidents ----

// What an emergency report says, verified against reporting.
struct EmergencyFacts {
  std::string tenant;
  std::string report_id;
  std::string chain_id;
  std::string phase;  // INITIAL, FOLLOW_UP, FINAL
  int grade = 0;
  std::string title;
  bool negative = false;
  std::vector<std::string> tags;
};

// A new incident of the chain: the plan's checklist, the first alert to `alertee` (level 0) with
// its acknowledgement limit, the timeline's opening and alert entries.
pb::Incident OpenIncident(const EmergencyFacts& facts, const Plan& plan, const std::string& id,
                          const std::string& duty_date, const std::string& alertee,
                          const org::OrgTree& org, int64_t ack_limit_ms, TimePoint now);

// A report of the chain reaching the incident: false when it is already recorded (nothing
// changes); else a "joined" timeline entry (the grade follows the latest report).
// INVALID_ARGUMENT when the report belongs to another chain.
absl::StatusOr<bool> JoinIncident(pb::Incident& inc, const EmergencyFacts& facts, TimePoint now);

// The alert is acknowledged by `who`, the person currently alerted (PERMISSION_DENIED otherwise;
// FAILED_PRECONDITION when already acknowledged or the incident is closed).
absl::Status Acknowledge(pb::Incident& inc, const std::string& who, TimePoint now);

// The escalation timer for `level` fired: when the alert is still unacknowledged at level-1,
// the alert moves to `next` at `level` (true). False: nothing to do (acknowledged, closed, or
// superseded).
bool Escalate(pb::Incident& inc, int level, const std::string& next, const org::OrgTree& org,
              int64_t ack_limit_ms, TimePoint now);
// The last person's limit (`level` - 1 is theirs) passed without an acknowledgement and the
// ladder has nobody left: the alert is marked exhausted, once (true); false when acknowledged,
// closed, superseded or already marked.
bool ExhaustEscalation(pb::Incident& inc, int level, TimePoint now);

// A step done by `who`: NOT_FOUND-free INVALID_ARGUMENT for an unknown step ("step_id"),
// FAILED_PRECONDITION naming the step when it is done already or the incident is closed.
absl::Status CompleteStep(pb::Incident& inc, const std::string& step_id, const std::string& note,
                          const std::string& who, TimePoint now);

absl::Status AddNote(pb::Incident& inc, const std::string& text, const std::string& who,
                     TimePoint now);

// Closes the incident: with every mandatory step done by anyone who may act on it; otherwise
// only with a reason and by the duty leader or a coordinator (`may_force`), else
// FAILED_PRECONDITION naming the open mandatory steps.
absl::Status CloseIncident(pb::Incident& inc, const std::string& reason, bool may_force,
                           const std::string& who, TimePoint now);

// The mandatory steps not yet done.
std::vector<std::string> OpenMandatorySteps(const pb::Incident& inc);

// ---- Who may see what ----

// Coordinators, duty officers and leaders of the incident's tenant, and anyone alerted for it.
bool MayRead(const org::OrgTree& org, const std::string& caller_tenant,
             const std::vector<std::string>& caller_roles, const std::string& caller,
             const pb::Incident& inc);
// The incident as a reader sees it: a negative incident's title and timeline texts withheld
// unless the reader may read negative information.
void Present(bool may_read_negative, pb::Incident& inc);

}  // namespace zs::coordination::duty

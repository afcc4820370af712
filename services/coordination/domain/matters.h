#pragma once

// Coordination matters (协调事项): the pure rules — who may do what, the state machine
// OPEN -> IN_COORDINATION -> RESOLVED (or WITHDRAWN), party positions, decision validation,
// what a reader may see of a sensitive matter, and how a matter is opened from another service's
// contested task or disputed return once that service confirmed it. No gRPC, SQLite or Redis; time
// is passed in.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "org/org.h"
#include "zhongshu/coordination/v1/matters.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_matters.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::coordination::matters {

namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;

struct Limits {
  size_t max_title_chars = 200;
  size_t max_text_chars = 4000;
  int max_parties = 30;
};

// What a reader who may not read a sensitive matter sees in place of its words.
inline constexpr char kWithheldTitle[] = "（涉及敏感信息的协调事项，标题不予显示）";
inline constexpr char kWithheldText[] = "（内容不予显示）";

inline constexpr char kBySupervision[] = "supervision";
inline constexpr char kByProposals[] = "proposals";

// Who acts (a user, or the system for raised matters).
struct Actor {
  std::string subject;
  std::string name;
};

// ---- Roles ----

// The office of the caller's tenant: coordinator (综合协调), office_director (办公室主任), leader.
bool IsOffice(const auth::Principal& caller);
// Starts coordination: coordinator or office director.
bool MayStartCoordination(const auth::Principal& caller);
// Resolves (decides) a matter: office director or leader — never a coordinator alone.
bool MayResolve(const auth::Principal& caller);
// Whether the caller may see the words (title, description, others' positions) of `m` when it is
// sensitive: those who may read negative information (leaders, editors, services), the office
// director, and the one who opened it by hand.
bool MayReadSensitive(const auth::Principal& caller, const pb::Matter& m);

// Whether the caller may see the matter at all: its own tenant's office, or a unit handler of a
// party unit. Anyone else gets NOT_FOUND.
bool MayRead(const auth::Principal& caller, const pb::Matter& m);
// Whether the caller may list matters at all (office or unit handler with a unit).
absl::Status MayList(const auth::Principal& caller);

// The matter as `caller` may read it: a sensitive matter's title, description, decision words
// and other parties' positions are withheld (and `withheld` set) for those who may not read it.
void Present(const auth::Principal& caller, pb::Matter& m);
// The title anyone may read (event payloads): withheld when sensitive.
std::string PublicTitle(const pb::Matter& m);

// ---- Validation (INVALID_ARGUMENT naming the field) ----

absl::Status ValidateCreate(const pb::CreateMatterRequest& req, const Limits& limits);
// Every party a unit of `tenant`, none twice; at least two for a dispute, one for a question.
absl::Status CheckParties(const org::OrgTree& org, const std::string& tenant, pb::MatterKind kind,
                          const std::vector<std::string>& units, const Limits& limits);

struct DecisionInput {
  std::string text;
  std::string reasons;
  std::string lead_unit;
  std::vector<std::string> co_units;
};
// A decision names what was decided, a lead unit of `tenant`, co-units of `tenant` (none twice,
// not the lead); reasons are optional text.
absl::Status ValidateDecision(const org::OrgTree& org, const std::string& tenant,
                              const DecisionInput& d, const Limits& limits);
absl::Status ValidatePosition(const std::string& id, const std::string& text, const Limits& limits);
absl::Status ValidateNote(const std::string& id, const std::string& text, const char* field,
                          bool required, const Limits& limits);

// ---- The state machine ----

// A matter opened by hand by the office (OPEN), parties named with their unit names.
pb::Matter NewMatter(const org::OrgTree& org, const pb::CreateMatterRequest& req,
                     const std::string& id, const std::string& tenant, const Actor& by,
                     TimePoint now);
// OPEN -> IN_COORDINATION.
absl::Status StartCoordination(pb::Matter& m, const Actor& by, const std::string& note,
                               TimePoint now);
// The position of a party `unit` (stated or restated) while the matter is OPEN or
// IN_COORDINATION. NOT_FOUND-free: the caller checked visibility; a unit that is no party is
// PERMISSION_DENIED.
absl::Status StatePosition(pb::Matter& m, const std::string& unit, const std::string& text,
                           const Actor& by, TimePoint now);
// OPEN or IN_COORDINATION -> RESOLVED with the decision (validated before).
absl::Status Resolve(const org::OrgTree& org, pb::Matter& m, const DecisionInput& d,
                     const Actor& by, TimePoint now, const Limits& limits = Limits{});
// A matter opened by hand, OPEN or IN_COORDINATION -> WITHDRAWN.
absl::Status Withdraw(pb::Matter& m, const std::string& reason, const Actor& by, TimePoint now);

// ---- Events ----

// The module's own event payload; `unit` names the party of a position.
ev::MatterChanged ChangedPayload(const pb::Matter& m, const std::string& unit = "");
// The fixed coordination.matter.resolved payload of a resolved matter; a sensitive matter's
// decision text is left out.
ev::MatterResolved ResolvedPayload(const pb::Matter& m);

// ---- Matters raised by other services ----

// What the raising service confirmed, re-read from it (never taken from the event alone).
struct TaskFacts {
  std::string tenant;
  std::string item_id;
  std::string lead_unit;
  std::vector<std::string> co_units;
  bool contested = false;  // TASK_STATE_CONTESTED
  std::string contest_ref;
  std::string contest_reason;  // the unit's reason, as supervision keeps it
  std::string item_title;
  bool item_negative = false;  // the item comes from negative information (负面信息)
};

struct HandlingFacts {
  std::string unit;
  std::string dispute_ref;
  bool disputed = false;
  bool returned = false;      // HANDLING_STATE_RETURNED (still waiting for coordination)
  bool active = false;        // still handling (not replaced, not returned)
  std::string return_reason;  // the unit's reason for returning, as proposals keeps it
};
struct ProposalFacts {
  std::string tenant;
  std::string title;
  std::vector<HandlingFacts> handlings;
};

// A matter to open from another service's fact.
struct Raised {
  std::string tenant;
  std::string raised_by;
  std::string raised_ref;
  std::string source_id;
  std::string title;
  std::string description;
  bool sensitive = false;
  std::vector<std::string> parties;
};

// From a supervision.task.contested event of `event_tenant`, with the task as supervision has it:
// FAILED_PRECONDITION (a dead letter) when the event does not hold together with the task (another
// tenant, another item, a ref not of that task, another unit); nullopt when the task has moved on
// since (no longer that contest): nothing to open.
absl::StatusOr<std::optional<Raised>> FromContest(const org::OrgTree& org,
                                                  const std::string& event_tenant,
                                                  const ev::TaskContested& e, const TaskFacts& t);
// From a proposals.assignment.disputed event with the proposal as proposals has it; the same
// outcomes.
absl::StatusOr<std::optional<Raised>> FromDispute(const org::OrgTree& org,
                                                  const std::string& event_tenant,
                                                  const ev::ProposalAssignmentDisputed& e,
                                                  const ProposalFacts& p);
// The matter opened from it (OPEN, kind DISPUTE).
pb::Matter NewRaisedMatter(const org::OrgTree& org, const Raised& r, const std::string& id,
                           TimePoint now);

}  // namespace zs::coordination::matters

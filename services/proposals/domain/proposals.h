#pragma once

// The proposals domain core (建议提案办理): validation, who may see and do what, the lifecycle of a
// proposal and of each unit's handling, and the dates of deadlines and their timers. Plain
// functions over the generated message types; no gRPC, Redis or SQL.

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
#include "zhongshu/proposals/v1/proposals.pb.h"

namespace zs::proposals {

namespace pb = zhongshu::proposals::v1;

struct Limits {
  size_t max_title_chars = 100;
  size_t max_content_chars = 10000;  // the configured length limit of a proposal's text
  size_t max_text_chars = 4000;      // replies, opinions, reasons, comments
  size_t max_co_signers = 30;
  size_t max_attachments = 20;
  size_t max_units = 20;  // units of one assignment
  int utc_offset_minutes = 480;
};

// The deadline rules, on the working-day calendar.
struct Deadlines {
  int handling_months = 3;                   // from assignment (办理期限)
  int urgent_months = 1;                     // for proposals marked urgent
  int max_months = 6;                        // an extension may reach this far from assignment
  int return_window_working_days = 5;        // a unit may return a wrong assignment this long
  int rehandling_working_days = 20;          // the deadline of a re-handling (重新办理)
  int max_rehandlings = 1;                   // 不满意 starts re-handling at most this many times
  std::vector<int> remind_before = {10, 3};  // reminders, in working days before the due date
  int supervision_working_days = 10;         // an overdue unit must reply within this many more
};

// ---- Names ----

// "npc_suggestion" / "cppcc_proposal", as event payloads spell kinds.
std::string KindName(pb::ProposalKind k);
// 人大代表建议 / 政协提案; 满意 ...; the Chinese labels of the lifecycle.
std::string KindLabel(pb::ProposalKind k);

// ---- Validation: INVALID_ARGUMENT naming the field; no storage is read. ----

// A new proposal (CreateProposal): kind, session, title, content, category, attachments and the
// co-signers' list (none twice, at most max_co_signers). `proposer` is the main proposer the
// caller submits for (checked against the org by ResolveParties).
absl::Status ValidateNewProposal(const pb::Proposal& p, const Limits& l);
// The people a new proposal names, against the org tree: the main proposer and every co-signer
// are users with the proposer role in `tenant`; no co-signer is the main proposer. Fills their
// names. INVALID_ARGUMENT naming proposal.proposer or proposal.co_signers otherwise.
absl::Status ResolveParties(const org::OrgTree& org, const std::string& tenant, pb::Proposal& p);
absl::Status ValidateReview(const pb::ReviewProposalRequest& r, const Limits& l);
absl::Status ValidateMerge(const pb::MergeProposalsRequest& r);
// An assignment's shape: the units of its mode, none twice, a due date (if given) after `today`.
// Units are checked against the tenant by the caller (auth::CheckUnits).
// `latest`: the furthest due date an assignment may give (max_months from today).
absl::Status ValidateAssign(const pb::AssignProposalRequest& r, const Limits& l,
                            const CivilDate& today, const CivilDate& latest);
// The units an assignment names, in order (lead, co-units, or the split parts' units).
std::vector<std::string> AssignedUnits(const pb::AssignProposalRequest& r);
absl::Status ValidateReason(const std::string& id, const std::string& text,
                            const std::string& field, const Limits& l);
absl::Status ValidateContact(const pb::LogContactRequest& r, const Limits& l,
                             const CivilDate& today);
absl::Status ValidateReply(const pb::ReplyProposalRequest& r, const Limits& l);
absl::Status ValidateAdjust(const pb::AdjustReplyClassRequest& r, const Limits& l);
absl::Status ValidateExtensionRequest(const pb::RequestExtensionRequest& r, const Limits& l);
absl::Status ValidateExtensionDecision(const pb::DecideExtensionRequest& r, const Limits& l);
absl::Status ValidateRate(const pb::RateProposalRequest& r, const Limits& l);

// ---- Authorization ----

// What a caller may read, the union over its roles: the proposal office its tenant, leaders (and
// service accounts) their tenant subtree; a proposer the proposals of its tenant it is party to
// (main proposer, invited or confirmed co-signer, rater of a merged one); a unit handler those of
// its tenant assigned to its unit.
struct Scope {
  std::vector<std::string> tenants;  // read whole
  std::string own_tenant;            // where `parties` read
  std::vector<std::string> parties;  // "user:<id>" (proposers), "unit:<id>" (unit handlers)
};
absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller);

// The relation the visibility condition uses: the proposal has the party (PartiesOf).
inline constexpr char kHasParty[] = "has_party";
// Columns: tenant, state, session, kind. Rendered as SQL by the store, evaluated by MayRead.
cond::Cond Visible(const Scope& scope);
bool MayRead(const Scope& scope, const pb::Proposal& p);
// The parties of a proposal, as stored beside it: "user:<id>" of the proposer, co-signers who
// were invited or confirmed and the raters of merged proposals; "unit:<id>" of every unit with a
// handling that is not replaced.
std::vector<std::string> PartiesOf(const pb::Proposal& p);
std::string UserParty(const std::string& subject);
std::string UnitParty(const std::string& unit);

// PERMISSION_DENIED unless the caller is the proposal office of the proposal's tenant.
absl::Status RequireOffice(const auth::Principal& caller, const std::string& tenant,
                           std::string_view action);
// The handling a unit handler acts on: `unit` when given (it must be the caller's), else the
// caller's unit. PERMISSION_DENIED when the caller handles no such unit, NOT_FOUND naming the unit
// when the proposal has no open handling of it.
absl::StatusOr<pb::Handling*> HandlingOf(pb::Proposal& p, const auth::Principal& caller,
                                         const std::string& unit, std::string_view action);
// The handling of `unit` that is not replaced, or nullptr.
pb::Handling* FindHandling(pb::Proposal& p, const std::string& unit);
// The same, NOT_FOUND naming the unit when there is none.
absl::StatusOr<pb::Handling*> RequireHandling(pb::Proposal& p, const std::string& unit);

// ---- Lifecycle: FAILED_PRECONDITION naming the state for a step out of order ----

// A submitted proposal: the caller's choices of `requested` plus what only the service sets.
pb::Proposal NewProposal(const pb::Proposal& requested, const std::string& id,
                         const std::string& tenant, const std::string& entered_by, TimePoint now);
absl::Status RespondCoSign(pb::Proposal& p, const std::string& subject, bool confirm,
                           TimePoint now);
// Review: `number` is the registration number the caller allocated (registration only).
absl::Status Review(pb::Proposal& p, pb::ReviewDecision decision, const std::string& reason,
                    int number, const std::string& by, TimePoint now);
// Whoever rates a proposal's replies: its proposer and confirmed co-signers.
std::vector<std::string> OwnRaters(const pb::Proposal& p);
// 并案: each of `merged` is handled with `primary` (both registered, not yet assigned, same
// tenant, kind and session).
absl::Status Merge(pb::Proposal& primary, std::vector<pb::Proposal>& merged);

// The default due date of an assignment made on `today`: handling_months (urgent_months for an
// urgent proposal) later, on the next working day.
CivilDate DefaultDue(const calendar::WorkCalendar& cal, const Deadlines& d, bool urgent,
                     const CivilDate& today);
// 交办, or re-assignment of a proposal in handling: units that keep their role (and part) keep
// their handling; the others are REPLACED and new ones ASSIGNED with `due`. A handling that has
// replied in this round cannot be replaced. Returns the units newly assigned.
absl::StatusOr<std::vector<std::string>> Assign(pb::Proposal& p, const pb::AssignProposalRequest& r,
                                                const std::string& due, TimePoint now);
absl::Status Sign(pb::Handling& h, TimePoint now);
// A return within the window (working days after the assignment); later is refused.
absl::Status Return(pb::Handling& h, const std::string& reason, const calendar::WorkCalendar& cal,
                    const Deadlines& d, const CivilDate& today, int utc_offset_minutes,
                    TimePoint now);
// The office sends a returned handling to coordination; sets its dispute_ref.
absl::Status Dispute(const pb::Proposal& p, pb::Handling& h);
// A coordination decision on `dispute_ref`: the returned handling goes to `lead` (same role and
// part), and `co` join as co-handling units of a sole or lead handling. A decided unit that
// already handles the proposal in another role gets a fresh handling in the decided one (a split
// unit answers both parts). Returns the units newly assigned; empty (and nothing changed) when
// the dispute is no longer open.
absl::StatusOr<std::vector<std::string>> ResolveDispute(pb::Proposal& p,
                                                        const std::string& dispute_ref,
                                                        const std::string& lead,
                                                        const std::vector<std::string>& co,
                                                        const std::string& due, TimePoint now);
absl::Status SendOpinion(pb::Handling& h, const std::string& opinion);
// A contact counts for the proposal's current round (a re-handling needs a new one).
absl::Status LogContact(pb::Handling& h, pb::Contact contact, int round, const std::string& author,
                        TimePoint now);
// 答复: a replying unit that signed, logged a contact in this round and (lead) has every
// co-handling opinion. The proposal is REPLIED when every replying unit has replied.
absl::Status ReplyTo(pb::Proposal& p, pb::Handling& h, pb::Reply reply, const std::string& author,
                     const CivilDate& today, TimePoint now);
absl::Status AdjustClass(pb::Handling& h, pb::ReplyClass c, const std::string& reason);
absl::Status AddFollowUp(pb::Handling& h, const std::string& text, const std::string& author,
                         TimePoint now);
// An extension: to a later date, at most max_months after the handling's assignment (INVALID_
// ARGUMENT naming requested_due_date past it), one pending at a time, before the reply.
absl::Status RequestExtension(pb::Handling& h, const std::string& due, const std::string& reason,
                              const Deadlines& d, int utc_offset_minutes, TimePoint now);
// Only while the unit still owes its reply; a pending request lapses when the unit replies or is
// replaced.
absl::Status DecideExtension(pb::Handling& h, bool approve, const std::string& by,
                             const std::string& comment, TimePoint now);

// What a rating did.
enum class Rated { kRecorded, kRehandling, kClosed };
// 评价 by `rater` (on behalf of their own proposal `own_id`): after the reply, once per round,
// only by a rater (PERMISSION_DENIED otherwise). A 不满意 starts re-handling (the replying units
// back to SIGNED, due `rehandling_due`) while fewer than max_rehandlings happened; the proposal
// closes when every rater has rated the round and no re-handling started.
absl::StatusOr<Rated> Rate(pb::Proposal& p, const std::string& rater, const std::string& own_id,
                           pb::Satisfaction s, const std::string& comment,
                           const std::string& rehandling_due, const Deadlines& d, TimePoint now);

// Whether the role answers the proposal (sole, lead, split) rather than sending an opinion.
bool Replies(pb::HandlingRole role);
// Whether the handling still owes its answer (replying role, assigned or signed).
bool Owes(const pb::Handling& h);

// ---- Deadline timers: one set per handling, kind kDeadlineTimers ----

// The timers of one handling: "<seq>:remind:<n>@<due>" n working days before the due date, and
// "<seq>:overdue@<due>" the first working day after it. The due date in the name makes a moved
// deadline (an extension) a new set of timers, which fire again.
struct DeadlineTimer {
  std::string name;
  CivilDate date;
};
std::vector<DeadlineTimer> TimersFor(const calendar::WorkCalendar& cal, const Deadlines& d,
                                     const pb::Handling& h, const CivilDate& today);

inline constexpr char kFired[] = "fired";
inline constexpr char kSkipped[] = "skipped";
// What a due timer does: the handling it belongs to, whether it fires, the working days left
// (reminder) or late (overdue).
struct TimerDecision {
  std::string outcome;  // kFired or kSkipped
  bool overdue = false;
  int seq = 0;
  int working_days = 0;
};
TimerDecision DecideTimer(const calendar::WorkCalendar& cal, const pb::Proposal& p,
                          const std::string& timer, const CivilDate& today);

}  // namespace zs::proposals

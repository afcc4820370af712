#pragma once

// Document circulation (公文传阅/办文), the pure rules: validation naming the field, who may see a
// document, whose turn it is on its route, reading, instructions, completion, and the times of
// the handling-limit timers. No gRPC, SQL or Redis; time comes in as arguments.

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "core/condition.h"
#include "core/time_util.h"
#include "org/org.h"
#include "zhongshu/coordination/v1/circulation.pb.h"

namespace zs::coordination::circulation {

namespace pb = zhongshu::coordination::v1;

struct Limits {
  size_t max_title_chars = 200;
  size_t max_text_chars = 2000;  // comments, instructions
  size_t max_readers = 50;       // of one stage
  size_t max_stages = 20;
  size_t max_units = 20;  // directed units of one instruction
};

// "NORMAL" / "URGENT" / "EXTRA_URGENT".
std::string UrgencyName(pb::Urgency u);
bool IsUrgent(pb::Urgency u);
// A secret document (秘密 and above) never shows its title where its readers' clearance is not
// checked: events, supervision items.
inline bool IsSecret(const pb::Document& d) { return d.secrecy_level() >= 1; }
// The document's title as derived text (events, supervision items) may carry it: the title, or
// for a secret document "<文号> 批办件".
std::string DerivedTitle(const pb::Document& d);

// ---- Validation: INVALID_ARGUMENT naming the field; nothing read. ----

// A document to register: source, number, title, urgency, secrecy_level 0..3, handling_limit
// (required for urgent documents, after received_at — or `now` when that is unset).
absl::Status ValidateRegistration(const pb::Document& d, const Limits& l, TimePoint now);
// The stages of a route (field "stages[i]" or `field` for a single stage): kind, order, at least
// one reader, no reader twice within them nor in `already` (the readers routed before).
absl::Status ValidateStages(const std::vector<pb::StageSpec>& stages, const Limits& l,
                            const std::vector<std::string>& already, const std::string& field);
// Every reader is a user of `tenant` (INVALID_ARGUMENT naming the reader otherwise).
absl::Status CheckReadersExist(const org::OrgTree& org, const std::string& tenant,
                               const std::vector<pb::StageSpec>& stages, const std::string& field);
// Every reader's clearance reaches the document's secrecy level (INVALID_ARGUMENT naming the
// reader and both levels otherwise).
absl::Status CheckClearance(const org::OrgTree& org, int secrecy_level,
                            const std::vector<pb::StageSpec>& stages, const std::string& field);
absl::Status ValidateInstruction(const pb::RecordInstructionRequest& r, const Limits& l,
                                 const CivilDate& today);

// ---- Visibility ----

// What a caller may read: a service account of a tenant every document of it; a coordinator of
// the tenant every document up to their clearance; anyone else only documents routed to them up
// to their clearance.
struct Scope {
  std::string tenant;
  bool all = false;    // coordinator or service
  int clearance = 0;   // the highest secrecy level readable
  std::string reader;  // the caller's subject, for routed documents
};
absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller);
// The relation the visibility condition uses: "the document is routed to <subject>".
inline constexpr char kRoutedTo[] = "routed_to";
// Columns: tenant, secrecy.
cond::Cond Visible(const Scope& scope);
bool MayRead(const Scope& scope, const pb::Document& d);

// ---- The route ----

// Every reader of the route, in route order.
std::vector<std::string> ReadersOf(const pb::Document& d);
bool IsRoutedTo(const pb::Document& d, const std::string& subject);
// The readers whose turn it is: the unread readers of the first stage not read completely —
// its first unread reader when SEQUENTIAL, all unread readers when PARALLEL. Empty when every
// reader has read.
std::vector<std::string> CurrentReaders(const pb::Document& d);
// Every reader who has not read yet.
std::vector<std::string> PendingReaders(const pb::Document& d);
bool AllRead(const pb::Document& d);

// A new registered document.
pb::Document NewDocument(const pb::Document& requested, const std::string& id,
                         const std::string& tenant, const std::string& by, TimePoint now);
// Appends stages (the first route, or a later step); FAILED_PRECONDITION for a completed
// document, and for `first` when the document is routed already.
absl::Status AddStages(pb::Document& d, const std::vector<pb::StageSpec>& stages, bool first,
                       const org::OrgTree& org);
// `subject` reads the document: FAILED_PRECONDITION when completed, read already, or not their
// turn, or not routed to them at all.
absl::Status MarkRead(pb::Document& d, const std::string& subject, const std::string& comment,
                      TimePoint now);
// A leader's instruction: the caller must be a leader routed to the document (PERMISSION_DENIED
// otherwise) and the document not completed (FAILED_PRECONDITION).
absl::StatusOr<pb::Instruction> AddInstruction(pb::Document& d, const auth::Principal& leader,
                                               const pb::RecordInstructionRequest& r,
                                               const std::string& id, TimePoint now);
// A new handling limit (urgent documents must keep one): FAILED_PRECONDITION when completed.
absl::Status SetLimit(pb::Document& d, const google::protobuf::Timestamp& limit);
// 办结: every reader has read (FAILED_PRECONDITION naming who has not otherwise).
absl::Status Complete(pb::Document& d, const std::string& by, TimePoint now);

// ---- Timers of the handling limit ----

struct LimitTimer {
  std::string name;  // "remind@<limit ms>" or "escalate@<limit ms>"
  int64_t fire_at_ms = 0;
};
// The reminder (`remind_before` before the limit) and the escalation (at the limit) of an urgent
// document still circulating; none for a normal or completed one. The names carry the limit, so
// a new limit schedules timers that fire anew while a fired one never fires twice.
std::vector<LimitTimer> LimitTimers(const pb::Document& d, std::chrono::milliseconds remind_before);
// What a due timer does now: "fired" when it still stands for the document's current limit and
// the document is not completed; "skipped" (completed or not urgent), "superseded" (the limit
// moved) otherwise.
std::string DecideLimitTimer(const pb::Document& d, const std::string& name);
bool IsEscalation(const std::string& timer_name);

}  // namespace zs::coordination::circulation

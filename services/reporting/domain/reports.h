#pragma once

// The reporting domain core: validation, who may see and do what, and the report lifecycle.
// Plain functions over the generated message types; no gRPC, Redis or SQL here.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "auth/principal.h"
#include "calendar/period.h"
#include "core/clock.h"
#include "core/condition.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "org/org.h"
#include "zhongshu/reporting/v1/reporting.pb.h"

namespace zs::reporting {

namespace pb = zhongshu::reporting::v1;

struct Limits {
  size_t max_title_chars = 200;
  size_t max_body_bytes = 64 * 1024;
  size_t max_tags = 20;
  size_t max_tag_chars = 32;
  size_t max_comment_chars = 2000;
  size_t max_instruction_chars = 4000;
  size_t max_directed_units = 50;
  int utc_offset_minutes = 480;  // dates (due dates) are read in China Standard Time
};

// ---- Validation: INVALID_ARGUMENT naming the field; nothing here reads storage. ----

// Fields of a new report. `prefix` is "report." so messages read "report.title: ...".
absl::Status ValidateNewReport(const pb::Report& r, const org::OrgTree& org, const Limits& limits);
// A new draft `id` of `unit` by `author` from what the reporter wrote (`want`): title, body,
// kind, sensitivity, tags, the call it answers and the emergency facts; the chain, sequence,
// limits and late flag are the service's, stamped on submission.
pb::Report NewReport(const pb::Report& want, const std::string& id, const org::Unit& unit,
                     const std::string& author, TimePoint now);
// The fields of `patch` named by `mask` (empty mask: all editable fields); `paths` receives the
// fields to change.
absl::Status ValidateUpdate(const pb::Report& patch, const std::vector<std::string>& mask,
                            const Limits& limits, std::vector<std::string>* paths);
absl::Status ValidateReturn(const std::string& id, const std::string& comment,
                            const Limits& limits);
absl::Status ValidateAdopt(const std::string& id, zhongshu::common::v1::Level level);
absl::Status ValidateInstruction(const pb::Instruction& in, const org::OrgTree& org,
                                 const Limits& limits, TimePoint now);

// ---- Authorization ----

// What a caller may read. Derived from the caller's roles, tenant and unit.
struct ReadScope {
  std::vector<std::string> tenants;  // tenants whose reports are visible
  std::string only_unit;             // when set, only this unit's reports
  bool negative = false;             // may see negative information (负面信息)
  std::string own_unit;              // drafts are visible to their own unit only
  std::string subject;               // an author always sees their own reports
};

// PERMISSION_DENIED for a caller with no reporting role or an unknown tenant. The "service" role
// (another Zhongshu service, e.g. supervision fetching an instruction's report) reads like a
// leader.
absl::StatusOr<ReadScope> ReadScopeFor(const org::OrgTree& org, const auth::Principal& caller);
// The reports `scope` may read, as one condition: the store selects lists with it, MayRead
// evaluates it on one report. Columns: tenant, unit_id, author, state, sensitivity.
cond::Cond VisibleReports(const ReadScope& scope);
cond::Columns ReportColumns(const pb::Report& r);
bool MayRead(const ReadScope& scope, const pb::Report& r);
// Who may read an instruction: those who may read its report, and handlers of a directed unit
// (unless the report is negative).
bool MayReadInstruction(const ReadScope& scope, const auth::Principal& caller,
                        const pb::Instruction& in, const pb::Report& report);

// Role checks made before any storage is read: PERMISSION_DENIED naming the missing role.
absl::Status RequireRole(const auth::Principal& caller, std::initializer_list<std::string_view> any,
                         std::string_view action);

// May the caller write a report for `unit_id`? Clerks: their own unit only; editors: any unit
// they may see.
absl::Status MayAuthorFor(const org::OrgTree& org, const auth::Principal& caller,
                          const std::string& unit_id);
// May the caller change or submit this report (its own unit's, or their own)?
absl::Status MayEdit(const auth::Principal& caller, const pb::Report& r);

// ---- Lifecycle: FAILED_PRECONDITION for an illegal transition ----

absl::Status ApplyUpdate(pb::Report& r, const pb::Report& patch,
                         const std::vector<std::string>& paths, TimePoint now);
absl::Status Submit(pb::Report& r, TimePoint now);
absl::Status Return(pb::Report& r, const std::string& comment, TimePoint now);
// A report a leader has instructed on (`instructions` > 0) is what supervision works from: it is
// no longer returned for rewriting.
absl::Status MayReturn(const pb::Report& r, int64_t instructions);
absl::Status Adopt(pb::Report& r, zhongshu::common::v1::Level level, const std::string& editor,
                   TimePoint now);
// An instruction may be written on a submitted or adopted report.
absl::Status CheckInstructable(const pb::Report& r);
// Marks an open instruction answered; answering twice is a no-op returning false.
bool Answer(pb::Instruction& in, const std::string& item_id, const std::string& summary,
            TimePoint now);

// ---- Emergency reports (突发事件信息) ----

// Reporting limits of one grade, counted from when the office learned of the event.
struct EmergencyClock {
  std::chrono::minutes phone{15};
  std::chrono::minutes written{30};
};
// Limits by grade: index 1 (I, 特别重大) to 4 (IV, 一般); defaults I–II 15/30 min, III 30/60 min,
// IV 6 h.
struct EmergencyClocks {
  EmergencyClock grade[5] = {{},
                             {std::chrono::minutes(15), std::chrono::minutes(30)},
                             {std::chrono::minutes(15), std::chrono::minutes(30)},
                             {std::chrono::minutes(30), std::chrono::minutes(60)},
                             {std::chrono::minutes(360), std::chrono::minutes(360)}};
};

// The emergency fields of a new report: for kind EMERGENCY a grade and occurred_at are required,
// learned_at (default occurred_at) may not precede occurred_at, neither may lie in the future, and
// casualties are not negative; other kinds carry no emergency part. `now` is the injected clock.
absl::Status ValidateEmergency(const pb::Report& r, TimePoint now);

// 迟报: a written report submitted more than the grade's written limit after it was learned of.
bool IsLate(const pb::Emergency& e, TimePoint submitted, const EmergencyClocks& clocks);

// What the service knows of a chain (初报 → 续报 … → 终报).
struct ChainState {
  std::string chain_id;
  std::string last_report_id;
  int last_sequence = 0;
  bool closed = false;  // its final report was submitted
  std::string tenant;   // the initial report's tenant
};
// A follow-up or final report must follow the chain's latest report, and the chain must be open:
// FAILED_PRECONDITION naming emergency.previous_id otherwise.
absl::Status CheckFollowUp(const pb::Report& r, const ChainState& chain);
// Stamps phase, chain, sequence, limits and the late flag when the report is submitted: an initial
// report starts a chain of its own; a follow-up or final continues `chain`.
void StampSubmission(pb::Report& r, const ChainState* chain, TimePoint now,
                     const EmergencyClocks& clocks);

// ---- Calls for information (约稿) ----

// A new call: topic required, at least one known unit named once, a due date not in the past.
absl::Status ValidateCall(const pb::Call& c, const org::OrgTree& org, const Limits& limits,
                          TimePoint now);
// Whether `unit` may answer the call: it must be one of the units asked.
absl::Status MayAnswer(const pb::Call& c, const std::string& unit);
// Records the unit's first answer; false when the unit had answered already.
bool RecordAnswer(pb::Call& c, const std::string& unit, const std::string& report_id,
                  TimePoint now);
// Fills unanswered_units: asked units without an answer, in the order they were asked.
void FillUnanswered(pb::Call& c);
// Units overdue on `today`: past the due date, unanswered and not yet reminded.
std::vector<std::string> OverdueUnits(const pb::Call& c, const CivilDate& today);
// When the units that have not answered become overdue: the start of the day after the due date,
// in local time (`utc_offset_minutes`).
TimePoint OverdueFrom(const pb::Call& c, int utc_offset_minutes);
// Of `units`, those to remind now: asked, unanswered and not yet reminded (in the order given).
std::vector<std::string> UnitsToRemind(const pb::Call& c, const std::vector<std::string>& units);
// The calls `scope` may read: those of its tenants, and for a unit's clerks and handlers only the
// calls that asked their unit (relation "asks_unit"). Columns: tenant.
cond::Cond VisibleCalls(const ReadScope& scope);
bool MayReadCall(const ReadScope& scope, const pb::Call& c);

// ---- Bulletins (期刊) ----

// Configured bulletin kinds: code -> display name (e.g. "daily" -> 每日要情).
using BulletinKinds = std::map<std::string, std::string>;
absl::Status ValidateBulletinKind(const std::string& kind, const BulletinKinds& kinds,
                                  const std::string& field);
// A report may go into a bulletin once it is adopted (采用), and only into a draft issue, once.
absl::Status MayAddItem(const pb::Bulletin& b, const pb::Report& r);
// MayAddItem, and the report lies in the bulletin's jurisdiction (its tenant or below).
absl::Status MayCompile(const org::OrgTree& org, const pb::Bulletin& b, const pb::Report& r);
// A leader instructs on a bulletin item (期刊批示) only of a published issue that holds the report.
absl::Status MayInstructOn(const pb::Bulletin& b, const std::string& report_id);
// Publication: a draft with at least one item gets its year and its number (第 N 期).
absl::Status MayPublish(const pb::Bulletin& b);
absl::Status Publish(pb::Bulletin& b, int year, int number, TimePoint now);
// The counter series a bulletin kind is numbered in (per tenant and year).
std::string BulletinSeries(const std::string& kind);
// The bulletins `scope` may read: those of its tenants; drafts (the editors' working copies)
// only for editors and leaders. Columns: tenant, state.
cond::Cond VisibleBulletins(const ReadScope& scope);
bool MayReadBulletin(const ReadScope& scope, const pb::Bulletin& b);
// The bulletin as `scope` may read it: items of negative reports withheld (and counted).
pb::Bulletin VisibleBulletin(const pb::Bulletin& b, const ReadScope& scope);

// ---- Points and rankings (信息工作考核) ----

// Points per event; configuration (points.*). Indexes are zhongshu.common.v1.Level values
// (1 county, 2 city, 3 province, 4 central).
struct PointsTable {
  int adoption[5] = {0, 1, 3, 5, 10};  // a report adopted at a level
  std::map<std::string, int> bulletin = {{"daily", 1}, {"special", 3}, {"express", 2}};
  int instruction[5] = {0, 2, 4, 8, 15};  // a leader of a level instructed on it
};

// The administrative level of a tenant from its depth: a root is a province, its children cities,
// deeper tenants counties.
zhongshu::common::v1::Level LevelOf(const org::OrgTree& org, const std::string& tenant);
// "县级", "市级", "省级", "中央".
std::string LevelName(zhongshu::common::v1::Level level);

// One row of the append-only score ledger.
struct LedgerRow {
  std::string key;  // makes awarding it twice a no-op
  std::string tenant;
  std::string unit_id;
  std::string report_id;
  std::string reason;
  int points = 0;
  int64_t at_ms = 0;
  int sensitivity = 0;
};

// Sums points per unit (every row adds up, across levels and kinds) and ranks every unit of
// `units`: best first, equal points share a rank (1, 1, 3), ties listed by unit id.
std::vector<pb::UnitRank> Rank(const std::vector<LedgerRow>& rows,
                               const std::vector<const org::Unit*>& units);
std::string RankingsCsv(const std::vector<pb::UnitRank>& ranks);
// The ledger row a report earns when adopted at `level` (采用（市级）), none for zero points.
std::vector<LedgerRow> AdoptionAwards(const pb::Report& r, zhongshu::common::v1::Level level,
                                      const PointsTable& points, TimePoint now);
// The ledger row a report earns when a leader of `leader_tenant` instructs on it (批示（市级领导）;
// the level is the tenant's depth), none for zero points.
std::vector<LedgerRow> InstructionAwards(const org::OrgTree& org, const pb::Instruction& in,
                                         const pb::Report& r, const std::string& leader_tenant,
                                         const PointsTable& points, TimePoint now);
// The ledger rows a published bulletin earns: per item, the kind's points for the report's unit
// (in the unit's tenant), reason 《kind》YYYY年第N期刊用; none for zero points.
std::vector<LedgerRow> BulletinAwards(const org::OrgTree& org, const pb::Bulletin& b,
                                      const PointsTable& points, TimePoint now);

// A period asked for as a name ("2026-11", "2026-Q4", "2026") or as start_date..end_date.
absl::StatusOr<calendar::Period> RequestedPeriod(const std::string& period,
                                                 const std::string& start_date,
                                                 const std::string& end_date);
// The ledger times [from_ms, to_ms) of a period's days in local time.
struct Span {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};
Span SpanOf(const calendar::Period& period, int utc_offset_minutes);

// What rankings are asked for, and what is resolved from it.
struct RankingsQuery {
  std::string period;
  std::string start_date;
  std::string end_date;
  std::string tenant;  // empty: the caller's
};
struct RankingsScope {
  std::string tenant;
  calendar::Period period;
  Span span;
};
// Checks the query and the caller's right to see the tenant, before any data is read:
// INVALID_ARGUMENT naming the field, then PERMISSION_DENIED.
absl::StatusOr<RankingsScope> ResolveRankings(const org::OrgTree& org,
                                              const auth::Principal& caller,
                                              const RankingsQuery& query, int utc_offset_minutes);
// Every unit of the scope's tenant ranked by the ledger rows of the period.
pb::ListRankingsResponse Rankings(const org::OrgTree& org, const RankingsScope& scope,
                                  const std::vector<LedgerRow>& rows);

// Who may see a unit's ledger rows: those who may see the unit, and for clerks and unit handlers
// only their own unit's. PERMISSION_DENIED otherwise.
absl::Status MayReadScores(const org::OrgTree& org, const auth::Principal& caller,
                           const ReadScope& scope, const std::string& unit_id);
// The ledger rows as `scope` may read them: rows of negative information counted as hidden.
pb::ListScoreEntriesResponse ScoreEntries(const std::vector<LedgerRow>& rows,
                                          const ReadScope& scope);

}  // namespace zs::reporting

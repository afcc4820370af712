#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/reports.h"
#include "store/database.h"
#include "store/page_token.h"

namespace zs::reporting {

// The reporting service's tables. Reports and instructions are stored whole as protobuf blobs,
// with the columns that queries filter on copied beside them.
std::vector<store::Migration> Migrations();

// Data access inside a transaction. Stateless; every method takes the transaction.
namespace repo {

// NOT_FOUND naming the report when it does not exist.
absl::StatusOr<pb::Report> GetReport(store::Tx& tx, const std::string& id);
absl::Status InsertReport(store::Tx& tx, const pb::Report& r);
absl::Status UpdateReport(store::Tx& tx, const pb::Report& r);

struct ReportFilter {
  pb::ReportState state = pb::REPORT_STATE_UNSPECIFIED;
  std::string unit_id;
  std::string tenant;
};
// Newest first; `after` is the page cursor (0 for the first page). Returns up to limit+1 rows
// so the caller can tell whether another page follows.
absl::StatusOr<std::vector<std::pair<int64_t, pb::Report>>> ListReports(store::Tx& tx,
                                                                        const ReadScope& scope,
                                                                        const ReportFilter& filter,
                                                                        int64_t after, int limit);

// How many instructions a report has.
absl::StatusOr<int64_t> CountInstructions(store::Tx& tx, const std::string& report_id);
absl::StatusOr<pb::Instruction> GetInstruction(store::Tx& tx, const std::string& id);
absl::Status InsertInstruction(store::Tx& tx, const pb::Instruction& in, const pb::Report& report);
absl::Status UpdateInstruction(store::Tx& tx, const pb::Instruction& in);

struct InstructionFilter {
  std::string report_id;
  pb::InstructionState state = pb::INSTRUCTION_STATE_UNSPECIFIED;
};
// Instructions in the scope's tenants, newest first, limit+1 rows. Visibility of each row is
// then decided by the caller with MayReadInstruction (it needs the report).
absl::StatusOr<std::vector<std::pair<int64_t, pb::Instruction>>> ListInstructions(
    store::Tx& tx, const ReadScope& scope, const InstructionFilter& filter, int64_t after,
    int limit);

// Emergency chains (初报 → 续报 … → 终报).
absl::StatusOr<std::optional<ChainState>> GetChain(store::Tx& tx, const std::string& chain_id);
// Creates or advances a chain after one of its reports was submitted at `at_ms`.
absl::Status SaveChain(store::Tx& tx, const ChainState& chain, const std::string& tenant,
                       int64_t at_ms);
// The submitted reports of a chain, in sequence order.
absl::StatusOr<std::vector<pb::Report>> ChainReports(store::Tx& tx, const std::string& chain_id);
// Open chains whose latest report is older than `before_ms` and not yet reminded about.
absl::StatusOr<std::vector<std::pair<ChainState, std::string>>> StaleChains(store::Tx& tx,
                                                                            int64_t before_ms,
                                                                            int limit);
// Marks the reminder for the chain's current latest report sent; false if already sent.
absl::StatusOr<bool> ClaimReminder(store::Tx& tx, const ChainState& chain);

// Calls for information (约稿).
absl::Status InsertCall(store::Tx& tx, const pb::Call& c);
absl::StatusOr<pb::Call> GetCall(store::Tx& tx, const std::string& id);
// Saves a changed call; `settled` once no reminder can fall due any more.
absl::Status UpdateCall(store::Tx& tx, const pb::Call& c, bool settled);
absl::StatusOr<std::vector<std::pair<int64_t, pb::Call>>> ListCalls(store::Tx& tx,
                                                                    const ReadScope& scope,
                                                                    int64_t after, int limit);
// Ids of unsettled calls due before `today` (YYYY-MM-DD).
absl::StatusOr<std::vector<std::string>> OverdueCalls(store::Tx& tx, const std::string& today,
                                                      int limit);

// Bulletins (期刊).
absl::Status InsertBulletin(store::Tx& tx, const pb::Bulletin& b);
absl::StatusOr<pb::Bulletin> GetBulletin(store::Tx& tx, const std::string& id);
absl::Status UpdateBulletin(store::Tx& tx, const pb::Bulletin& b);
absl::StatusOr<std::vector<std::pair<int64_t, pb::Bulletin>>> ListBulletins(
    store::Tx& tx, const ReadScope& scope, const std::string& kind, int64_t after, int limit);
// How many issues of `kind` the tenant published in `year`.
absl::StatusOr<int> PublishedCount(store::Tx& tx, const std::string& tenant,
                                   const std::string& kind, int year);

// The score ledger: append-only; a row's key makes awarding it twice a no-op.
struct ScoreRow {
  std::string key;
  std::string tenant;
  std::string unit_id;
  std::string report_id;
  std::string reason;
  int points = 0;
  int64_t at_ms = 0;
  int sensitivity = 0;
};
absl::Status AddScore(store::Tx& tx, const ScoreRow& row);
// Rows of a tenant (and of one unit, if given) in [from_ms, to_ms), oldest first.
absl::StatusOr<std::vector<ScoreRow>> Scores(store::Tx& tx, const std::string& tenant,
                                             const std::string& unit_id, int64_t from_ms,
                                             int64_t to_ms);

}  // namespace repo

using store::DecodePageToken;
using store::EncodePageToken;
using store::FillPage;
using store::ValidatePageSize;

}  // namespace zs::reporting

#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/reports.h"
#include "store/database.h"
#include "store/page_token.h"
#include "store/table.h"
#include "telemetry/metrics.h"

namespace zs::reporting {

// The reporting service's tables. Reports, instructions, calls and bulletins are store::Tables:
// the message stored whole, the columns that queries filter on copied beside it.
std::vector<store::Migration> Migrations();

// Timer kinds (store/timers.h) of the reporting service.
inline constexpr char kChainFollowUp[] = "chain_follow_up";  // owner: chain id; name: latest report
inline constexpr char kCallOverdue[] = "call_overdue";  // owner: call id; name: unit ("*": all)

namespace repo {

// Columns: tenant, unit_id, author, state, sensitivity, updated_at, chain_id (VisibleReports).
const store::Table<pb::Report>& Reports();
// Columns: tenant, report_id, state.
const store::Table<pb::Instruction>& Instructions();
// Columns: tenant, due_date; relation "asks_unit" (VisibleCalls).
const store::Table<pb::Call>& Calls();
// Columns: tenant, kind, year, state (VisibleBulletins).
const store::Table<pb::Bulletin>& Bulletins();

// The resource if the reader may see it (`visible`), NOT_FOUND naming it either way, so that its
// existence does not leak.
template <typename T, typename Visible>
absl::StatusOr<T> GetVisible(store::Tx& tx, const store::Table<T>& table, const std::string& id,
                             const Visible& visible) {
  auto value = table.Get(tx, id);
  if (value.ok() && !visible(*value)) {
    return absl::NotFoundError(table.kind() + " " + id + " not found");
  }
  return value;
}

// One keyset page of the rows matching `where`, newest first, each passed to `add`, and the
// token of the next page when more follow.
template <typename T, typename Add>
absl::Status ListPage(store::Tx& tx, const store::Table<T>& table, const cond::Cond& where,
                      int64_t cursor, int32_t size, const Add& add, std::string* next_page_token) {
  auto rows = table.Page(tx, where, cursor, size);
  if (!rows.ok()) return rows.status();
  store::FillPage(*rows, size, add, next_page_token);
  return absl::OkStatus();
}

// A page of the instructions matching `where` that `visible` lets the reader see (the rule needs
// each instruction's report), newest first after `cursor`. Bounded: it reads at most
// kInstructionBatches batches of size + 1 instructions, each batch's reports in one query; when
// those hold fewer than `size` visible ones the page is shorter and `next` continues after the
// last row read. `next` is 0 when no rows follow.
inline constexpr int kInstructionBatches = 4;
struct InstructionPage {
  std::vector<pb::Instruction> instructions;
  int64_t next = 0;
};
absl::StatusOr<InstructionPage> VisibleInstructions(
    store::Tx& tx, const cond::Cond& where, int64_t cursor, int32_t size,
    const std::function<bool(const pb::Instruction&, const pb::Report&)>& visible);

// Saves a resource changed in this transaction: its version goes up by one.
template <typename T>
absl::Status Save(store::Tx& tx, const store::Table<T>& table, T& msg) {
  const int64_t read = msg.version();
  msg.set_version(read + 1);
  return table.Update(tx, msg, read);
}

// Finishes what migration 6 began, with the configured times: the timers it scheduled for open
// chains and unreminded calls are moved to their due time (`follow_up_interval` after the chain's
// latest report; the start of the day after the due date in local time), and calls written
// before it get their units column. Idempotent; run at start-up before timers are driven.
absl::Status FinishUpgrade(store::Tx& tx, std::chrono::milliseconds follow_up_interval,
                           int utc_offset_minutes);

// Emergency chains (初报 → 续报 … → 终报).
absl::StatusOr<std::optional<ChainState>> GetChain(store::Tx& tx, const std::string& chain_id);
// Creates or advances a chain after one of its reports was submitted at `at_ms`.
absl::Status SaveChain(store::Tx& tx, const ChainState& chain, const std::string& tenant,
                       int64_t at_ms);
// The submitted reports of a chain, in sequence order.
absl::StatusOr<std::vector<pb::Report>> ChainReports(store::Tx& tx, const std::string& chain_id);

// Emergency reports submitted after their written limit (迟报), one sample per tenant: read
// through the chain index, so it grows with emergencies, not with all reports.
absl::StatusOr<std::vector<telemetry::Sample>> LateReports(store::Tx& tx);

// The score ledger: append-only; a row's key makes awarding it twice a no-op.
absl::Status AddScores(store::Tx& tx, const std::vector<LedgerRow>& rows);
// Rows of a tenant (and of one unit, if given) in [from_ms, to_ms), oldest first.
absl::StatusOr<std::vector<LedgerRow>> Scores(store::Tx& tx, const std::string& tenant,
                                              const std::string& unit_id, const Span& span);

}  // namespace repo
}  // namespace zs::reporting

#include "store/repository.h"

#include <algorithm>
#include <map>

#include "core/time_util.h"
#include "store/proto_rows.h"

namespace zs::reporting {

std::vector<store::Migration> Migrations() {
  return {
      {1, "reports and instructions",
       "CREATE TABLE reports ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " unit_id TEXT NOT NULL,"
       " author TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " sensitivity INTEGER NOT NULL,"
       " updated_at INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX reports_tenant ON reports (tenant, seq);"
       "CREATE INDEX reports_unit ON reports (unit_id, seq);"
       "CREATE TABLE instructions ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " report_id TEXT NOT NULL REFERENCES reports (id),"
       " state INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX instructions_report ON instructions (report_id);"
       "CREATE INDEX instructions_tenant ON instructions (tenant, seq)"},
      {2, "emergency chains",
       "ALTER TABLE reports ADD COLUMN chain_id TEXT NOT NULL DEFAULT '';"
       "CREATE INDEX reports_chain ON reports (chain_id) WHERE chain_id <> '';"
       "CREATE TABLE emergency_chains ("
       " chain_id TEXT PRIMARY KEY,"
       " tenant TEXT NOT NULL,"
       " last_report_id TEXT NOT NULL,"
       " last_sequence INTEGER NOT NULL,"
       " closed INTEGER NOT NULL,"
       " last_at INTEGER NOT NULL,"
       " reminded_for TEXT NOT NULL DEFAULT '');"
       "CREATE INDEX emergency_chains_open ON emergency_chains (last_at) WHERE closed = 0"},
      {3, "calls for information",
       "CREATE TABLE calls ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " due_date TEXT NOT NULL,"
       " settled INTEGER NOT NULL DEFAULT 0,"
       " data BLOB NOT NULL);"
       "CREATE INDEX calls_tenant ON calls (tenant, seq);"
       "CREATE INDEX calls_due ON calls (due_date) WHERE settled = 0"},
      {4, "bulletins",
       "CREATE TABLE bulletins ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " kind TEXT NOT NULL,"
       " year INTEGER NOT NULL,"
       " state INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX bulletins_tenant ON bulletins (tenant, seq);"
       "CREATE INDEX bulletins_number ON bulletins (tenant, kind, year, state)"},
      {5, "score ledger",
       "CREATE TABLE score_ledger ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " award_key TEXT NOT NULL UNIQUE,"
       " tenant TEXT NOT NULL,"
       " unit_id TEXT NOT NULL,"
       " report_id TEXT NOT NULL,"
       " reason TEXT NOT NULL,"
       " points INTEGER NOT NULL,"
       " at INTEGER NOT NULL,"
       " sensitivity INTEGER NOT NULL);"
       "CREATE INDEX score_ledger_tenant ON score_ledger (tenant, at)"},
      // Resources on store::Table (optimistic versions; rows written before keep -1), the units
      // a call asked as a column (filled for older calls by FinishUpgrade), and "remind once" on
      // durable timers: a timer for every open chain and every call not yet reminded, due at the
      // time the reminder job would have sent it (moved by the configured interval and UTC offset
      // in FinishUpgrade). emergency_chains.reminded_for and calls.settled are no longer used.
      {6, "tables, timers",
       "ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE instructions ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE calls ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE bulletins ADD COLUMN version INTEGER NOT NULL DEFAULT -1;"
       "ALTER TABLE calls ADD COLUMN units TEXT NOT NULL DEFAULT '';"
       "INSERT INTO timers (kind, owner, name, fire_at, tag, tenant)"
       " SELECT 'chain_follow_up', chain_id, last_report_id, last_at, 'upgrade', tenant"
       " FROM emergency_chains WHERE closed = 0 AND reminded_for <> last_report_id;"
       "INSERT INTO timers (kind, owner, name, fire_at, tag, tenant)"
       " SELECT 'call_overdue', id, '*', CAST(strftime('%s', due_date, '+1 day') AS INTEGER) * "
       "1000,"
       " 'upgrade', tenant FROM calls WHERE settled = 0"},
  };
}

namespace repo {
namespace {

std::string UnitsColumn(const pb::Call& c) {
  std::string units = "|";
  for (const auto& u : c.unit_ids()) units += u + "|";
  return units;
}

}  // namespace

const store::Table<pb::Report>& Reports() {
  static const store::Table<pb::Report> table{
      "reports",
      "report",
      {{"tenant", [](const pb::Report& r) -> store::Param { return r.tenant(); }},
       {"unit_id", [](const pb::Report& r) -> store::Param { return r.unit_id(); }},
       {"author", [](const pb::Report& r) -> store::Param { return r.author(); }},
       {"state", [](const pb::Report& r) -> store::Param { return int64_t{r.state()}; }},
       {"sensitivity",
        [](const pb::Report& r) -> store::Param { return int64_t{r.sensitivity()}; }},
       {"updated_at",
        [](const pb::Report& r) -> store::Param { return ToMillis(FromProto(r.update_time())); }},
       {"chain_id", [](const pb::Report& r) -> store::Param { return r.emergency().chain_id(); }}}};
  return table;
}

const store::Table<pb::Instruction>& Instructions() {
  static const store::Table<pb::Instruction> table{
      "instructions",
      "instruction",
      {{"tenant", [](const pb::Instruction& i) -> store::Param { return i.tenant(); }},
       {"report_id", [](const pb::Instruction& i) -> store::Param { return i.report_id(); }},
       {"state", [](const pb::Instruction& i) -> store::Param { return int64_t{i.state()}; }}}};
  return table;
}

const store::Table<pb::Call>& Calls() {
  static const store::Table<pb::Call> table{
      "calls",
      "call",
      {{"tenant", [](const pb::Call& c) -> store::Param { return c.tenant(); }},
       {"due_date", [](const pb::Call& c) -> store::Param { return c.due_date(); }},
       {"units", [](const pb::Call& c) -> store::Param { return UnitsColumn(c); }}},
      {{"asks_unit", "instr(units, '|' || ? || '|') > 0"}}};
  return table;
}

const store::Table<pb::Bulletin>& Bulletins() {
  static const store::Table<pb::Bulletin> table{
      "bulletins",
      "bulletin",
      {{"tenant", [](const pb::Bulletin& b) -> store::Param { return b.tenant(); }},
       {"kind", [](const pb::Bulletin& b) -> store::Param { return b.kind(); }},
       {"year", [](const pb::Bulletin& b) -> store::Param { return int64_t{b.year()}; }},
       {"state", [](const pb::Bulletin& b) -> store::Param { return int64_t{b.state()}; }}}};
  return table;
}

absl::Status FinishUpgrade(store::Tx& tx, std::chrono::milliseconds follow_up_interval,
                           int utc_offset_minutes) {
  const std::string upgraded = " tag = '' WHERE kind = ? AND tag = 'upgrade' AND fired_at IS NULL";
  auto chains = tx.Exec("UPDATE timers SET fire_at = fire_at + ?," + upgraded,
                        {int64_t{follow_up_interval.count()}, std::string(kChainFollowUp)});
  if (!chains.ok()) return chains.status();
  auto calls = tx.Exec("UPDATE timers SET fire_at = fire_at - ?," + upgraded,
                       {int64_t{utc_offset_minutes} * 60000, std::string(kCallOverdue)});
  if (!calls.ok()) return calls.status();
  auto rows = store::ParseSeqRows<pb::Call>(
      tx.Query("SELECT seq, data FROM calls WHERE units = ''"), "call");
  if (!rows.ok()) return rows.status();
  for (const auto& [seq, c] : *rows) {
    auto n = tx.Exec("UPDATE calls SET units = ? WHERE seq = ?", {UnitsColumn(c), seq});
    if (!n.ok()) return n.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<InstructionPage> VisibleInstructions(
    store::Tx& tx, const cond::Cond& where, int64_t cursor, int32_t size,
    const std::function<bool(const pb::Instruction&, const pb::Report&)>& visible) {
  InstructionPage page;
  int64_t after = cursor;
  for (int batch = 0; batch < kInstructionBatches; ++batch) {
    auto rows = Instructions().Page(tx, where, after, size);
    if (!rows.ok()) return rows.status();
    const int n = std::min(static_cast<int>(rows->size()), size);
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back((*rows)[i].second.report_id());
    auto reports = Reports().All(tx, cond::In("id", ids));
    if (!reports.ok()) return reports.status();
    std::map<std::string, const pb::Report*> by_id;
    for (const auto& r : *reports) by_id[r.id()] = &r;
    for (int i = 0; i < n; ++i) {
      auto& [seq, in] = (*rows)[i];
      after = seq;
      const auto r = by_id.find(in.report_id());
      if (r == by_id.end()) return absl::NotFoundError("report " + in.report_id() + " not found");
      if (!visible(in, *r->second)) continue;
      page.instructions.push_back(std::move(in));
      if (static_cast<int>(page.instructions.size()) == size) {
        if (i + 1 < static_cast<int>(rows->size())) page.next = seq;
        return page;
      }
    }
    if (static_cast<int>(rows->size()) <= size) return page;
  }
  page.next = after;
  return page;
}

absl::Status AddScores(store::Tx& tx, const std::vector<LedgerRow>& rows) {
  for (const auto& r : rows) {
    auto n = tx.Exec(
        "INSERT INTO score_ledger (award_key, tenant, unit_id, report_id, reason, points, at,"
        " sensitivity) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (award_key) DO NOTHING",
        {r.key, r.tenant, r.unit_id, r.report_id, r.reason, int64_t{r.points}, r.at_ms,
         int64_t{r.sensitivity}});
    if (!n.ok()) return n.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LedgerRow>> Scores(store::Tx& tx, const std::string& tenant,
                                              const std::string& unit_id, const Span& span) {
  std::string sql =
      "SELECT award_key, tenant, unit_id, report_id, reason, points, at, sensitivity"
      " FROM score_ledger WHERE tenant = ? AND at >= ? AND at < ?";
  std::vector<store::Param> params{tenant, span.from_ms, span.to_ms};
  if (!unit_id.empty()) {
    sql += " AND unit_id = ?";
    params.emplace_back(unit_id);
  }
  sql += " ORDER BY seq";
  auto rows = tx.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<LedgerRow> out;
  for (const auto& r : *rows) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                   static_cast<int>(r.Int(5)), r.Int(6), static_cast<int>(r.Int(7))});
  }
  return out;
}

absl::StatusOr<std::optional<ChainState>> GetChain(store::Tx& tx, const std::string& chain_id) {
  auto rows = tx.Query(
      "SELECT last_report_id, last_sequence, closed, tenant FROM emergency_chains"
      " WHERE chain_id = ?",
      {chain_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<ChainState>();
  const auto& r = (*rows)[0];
  return std::optional<ChainState>(
      ChainState{chain_id, r.Text(0), static_cast<int>(r.Int(1)), r.Int(2) != 0, r.Text(3)});
}

absl::Status SaveChain(store::Tx& tx, const ChainState& c, const std::string& tenant,
                       int64_t at_ms) {
  return tx
      .Exec(
          "INSERT INTO emergency_chains (chain_id, tenant, last_report_id, last_sequence, closed,"
          " last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id) DO UPDATE SET"
          " last_report_id = excluded.last_report_id, last_sequence = excluded.last_sequence,"
          " closed = excluded.closed, last_at = excluded.last_at",
          {c.chain_id, tenant, c.last_report_id, int64_t{c.last_sequence}, int64_t{c.closed},
           at_ms})
      .status();
}

absl::StatusOr<std::vector<pb::Report>> ChainReports(store::Tx& tx, const std::string& chain_id) {
  auto out = Reports().All(tx, cond::Eq("chain_id", chain_id));
  if (!out.ok()) return out.status();
  std::sort(out->begin(), out->end(), [](const pb::Report& a, const pb::Report& b) {
    return a.emergency().sequence() < b.emergency().sequence();
  });
  return out;
}

absl::StatusOr<std::vector<telemetry::Sample>> LateReports(store::Tx& tx) {
  auto rows = tx.Query("SELECT tenant, data FROM reports WHERE chain_id <> ''");
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> late;
  for (const auto& row : *rows) {
    pb::Report r;
    if (!r.ParseFromString(row.Text(1))) continue;
    if (r.has_emergency() && r.emergency().late()) ++late[row.Text(0)];
  }
  std::vector<telemetry::Sample> out;
  for (const auto& [tenant, n] : late)
    out.push_back({{{"tenant", tenant}}, static_cast<double>(n)});
  return out;
}

}  // namespace repo

}  // namespace zs::reporting

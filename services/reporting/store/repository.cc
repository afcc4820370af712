#include "store/repository.h"

#include <algorithm>

#include "store/proto_rows.h"

#include "core/time_util.h"

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
  };
}

namespace repo {
namespace {

// "(?, ?, ?)" with n placeholders.
std::string Placeholders(size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s + ")";
}

}  // namespace

absl::StatusOr<pb::Report> GetReport(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM reports WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("report " + id + " not found");
  return store::ParseStored<pb::Report>((*rows)[0].Text(0), "report " + id);
}

absl::Status InsertReport(store::Tx& tx, const pb::Report& r) {
  return tx
      .Exec(
          "INSERT INTO reports (id, tenant, unit_id, author, state, sensitivity, updated_at, data)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {r.id(), r.tenant(), r.unit_id(), r.author(), int64_t{r.state()},
           int64_t{r.sensitivity()}, ToMillis(FromProto(r.update_time())),
           store::Blob{r.SerializeAsString()}})
      .status();
}

absl::Status UpdateReport(store::Tx& tx, const pb::Report& r) {
  auto n = tx.Exec(
      "UPDATE reports SET state = ?, sensitivity = ?, updated_at = ?, chain_id = ?, data = ? "
      "WHERE id = ?",
      {int64_t{r.state()}, int64_t{r.sensitivity()}, ToMillis(FromProto(r.update_time())),
       r.emergency().chain_id(), store::Blob{r.SerializeAsString()}, r.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("report " + r.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Report>>> ListReports(store::Tx& tx,
                                                                        const ReadScope& scope,
                                                                        const ReportFilter& filter,
                                                                        int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql =
      "SELECT seq, data FROM reports WHERE tenant IN " + Placeholders(scope.tenants.size());
  for (const auto& t : scope.tenants) params.emplace_back(t);
  if (!scope.only_unit.empty()) {
    sql += " AND unit_id = ?";
    params.emplace_back(scope.only_unit);
  }
  if (!scope.negative) {
    sql += " AND (sensitivity <> ? OR author = ?)";
    params.emplace_back(int64_t{pb::SENSITIVITY_NEGATIVE});
    params.emplace_back(scope.subject);
  }
  sql += " AND (state <> ? OR unit_id = ? OR author = ?)";
  params.emplace_back(int64_t{pb::REPORT_STATE_DRAFT});
  params.emplace_back(scope.own_unit);
  params.emplace_back(scope.subject);
  if (filter.state != pb::REPORT_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.emplace_back(int64_t{filter.state});
  }
  if (!filter.unit_id.empty()) {
    sql += " AND unit_id = ?";
    params.emplace_back(filter.unit_id);
  }
  if (!filter.tenant.empty()) {
    sql += " AND tenant = ?";
    params.emplace_back(filter.tenant);
  }
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Report>(tx.Query(sql, params), "report");
}

absl::StatusOr<int64_t> CountInstructions(store::Tx& tx, const std::string& report_id) {
  auto rows = tx.Query("SELECT COUNT(*) FROM instructions WHERE report_id = ?", {report_id});
  if (!rows.ok()) return rows.status();
  return (*rows)[0].Int(0);
}

absl::StatusOr<pb::Instruction> GetInstruction(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM instructions WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("instruction " + id + " not found");
  return store::ParseStored<pb::Instruction>((*rows)[0].Text(0), "instruction " + id);
}

absl::Status InsertInstruction(store::Tx& tx, const pb::Instruction& in, const pb::Report& report) {
  return tx
      .Exec("INSERT INTO instructions (id, tenant, report_id, state, data) VALUES (?, ?, ?, ?, ?)",
            {in.id(), in.tenant(), report.id(), int64_t{in.state()},
             store::Blob{in.SerializeAsString()}})
      .status();
}

absl::Status UpdateInstruction(store::Tx& tx, const pb::Instruction& in) {
  auto n = tx.Exec("UPDATE instructions SET state = ?, data = ? WHERE id = ?",
                   {int64_t{in.state()}, store::Blob{in.SerializeAsString()}, in.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("instruction " + in.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Instruction>>> ListInstructions(
    store::Tx& tx, const ReadScope& scope, const InstructionFilter& filter, int64_t after,
    int limit) {
  std::vector<store::Param> params;
  std::string sql =
      "SELECT seq, data FROM instructions WHERE tenant IN " + Placeholders(scope.tenants.size());
  for (const auto& t : scope.tenants) params.emplace_back(t);
  if (!filter.report_id.empty()) {
    sql += " AND report_id = ?";
    params.emplace_back(filter.report_id);
  }
  if (filter.state != pb::INSTRUCTION_STATE_UNSPECIFIED) {
    sql += " AND state = ?";
    params.emplace_back(int64_t{filter.state});
  }
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Instruction>(tx.Query(sql, params), "instruction");
}

absl::Status AddScore(store::Tx& tx, const ScoreRow& r) {
  return tx
      .Exec(
          "INSERT INTO score_ledger (award_key, tenant, unit_id, report_id, reason, points, at,"
          " sensitivity) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (award_key) DO NOTHING",
          {r.key, r.tenant, r.unit_id, r.report_id, r.reason, int64_t{r.points}, r.at_ms,
           int64_t{r.sensitivity}})
      .status();
}

absl::StatusOr<std::vector<ScoreRow>> Scores(store::Tx& tx, const std::string& tenant,
                                             const std::string& unit_id, int64_t from_ms,
                                             int64_t to_ms) {
  std::string sql =
      "SELECT award_key, tenant, unit_id, report_id, reason, points, at, sensitivity"
      " FROM score_ledger WHERE tenant = ? AND at >= ? AND at < ?";
  std::vector<store::Param> params{tenant, from_ms, to_ms};
  if (!unit_id.empty()) {
    sql += " AND unit_id = ?";
    params.emplace_back(unit_id);
  }
  sql += " ORDER BY seq";
  auto rows = tx.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::vector<ScoreRow> out;
  for (const auto& r : *rows) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                   static_cast<int>(r.Int(5)), r.Int(6), static_cast<int>(r.Int(7))});
  }
  return out;
}

absl::Status InsertBulletin(store::Tx& tx, const pb::Bulletin& b) {
  return tx
      .Exec("INSERT INTO bulletins (id, tenant, kind, year, state, data) VALUES (?, ?, ?, ?, ?, ?)",
            {b.id(), b.tenant(), b.kind(), int64_t{b.year()}, int64_t{b.state()},
             store::Blob{b.SerializeAsString()}})
      .status();
}

absl::StatusOr<pb::Bulletin> GetBulletin(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM bulletins WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("bulletin " + id + " not found");
  return store::ParseStored<pb::Bulletin>((*rows)[0].Text(0), "bulletin " + id);
}

absl::Status UpdateBulletin(store::Tx& tx, const pb::Bulletin& b) {
  auto n =
      tx.Exec("UPDATE bulletins SET year = ?, state = ?, data = ? WHERE id = ?",
              {int64_t{b.year()}, int64_t{b.state()}, store::Blob{b.SerializeAsString()}, b.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("bulletin " + b.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Bulletin>>> ListBulletins(
    store::Tx& tx, const ReadScope& scope, const std::string& kind, int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql =
      "SELECT seq, data FROM bulletins WHERE tenant IN " + Placeholders(scope.tenants.size());
  for (const auto& t : scope.tenants) params.emplace_back(t);
  if (!kind.empty()) {
    sql += " AND kind = ?";
    params.emplace_back(kind);
  }
  if (!scope.negative) {  // drafts are the editors' (and leaders') working copies
    sql += " AND state = ?";
    params.emplace_back(int64_t{pb::BULLETIN_STATE_PUBLISHED});
  }
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Bulletin>(tx.Query(sql, params), "bulletin");
}

absl::StatusOr<int> PublishedCount(store::Tx& tx, const std::string& tenant,
                                   const std::string& kind, int year) {
  auto rows = tx.Query(
      "SELECT COUNT(*) FROM bulletins WHERE tenant = ? AND kind = ? AND year = ? AND state = ?",
      {tenant, kind, int64_t{year}, int64_t{pb::BULLETIN_STATE_PUBLISHED}});
  if (!rows.ok()) return rows.status();
  return static_cast<int>((*rows)[0].Int(0));
}

absl::Status InsertCall(store::Tx& tx, const pb::Call& c) {
  return tx
      .Exec("INSERT INTO calls (id, tenant, due_date, data) VALUES (?, ?, ?, ?)",
            {c.id(), c.tenant(), c.due_date(), store::Blob{c.SerializeAsString()}})
      .status();
}

absl::StatusOr<pb::Call> GetCall(store::Tx& tx, const std::string& id) {
  auto rows = tx.Query("SELECT data FROM calls WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::NotFoundError("call " + id + " not found");
  return store::ParseStored<pb::Call>((*rows)[0].Text(0), "call " + id);
}

absl::Status UpdateCall(store::Tx& tx, const pb::Call& c, bool settled) {
  auto n = tx.Exec("UPDATE calls SET settled = ?, data = ? WHERE id = ?",
                   {int64_t{settled}, store::Blob{c.SerializeAsString()}, c.id()});
  if (!n.ok()) return n.status();
  if (*n != 1) return absl::NotFoundError("call " + c.id() + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<int64_t, pb::Call>>> ListCalls(store::Tx& tx,
                                                                    const ReadScope& scope,
                                                                    int64_t after, int limit) {
  std::vector<store::Param> params;
  std::string sql =
      "SELECT seq, data FROM calls WHERE tenant IN " + Placeholders(scope.tenants.size());
  for (const auto& t : scope.tenants) params.emplace_back(t);
  if (after > 0) {
    sql += " AND seq < ?";
    params.emplace_back(after);
  }
  sql += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(int64_t{limit + 1});
  return store::ParseSeqRows<pb::Call>(tx.Query(sql, params), "call");
}

absl::StatusOr<std::vector<std::string>> OverdueCalls(store::Tx& tx, const std::string& today,
                                                      int limit) {
  auto rows = tx.Query("SELECT id FROM calls WHERE settled = 0 AND due_date < ? LIMIT ?",
                       {today, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (const auto& r : *rows) out.push_back(r.Text(0));
  return out;
}

absl::StatusOr<std::optional<ChainState>> GetChain(store::Tx& tx, const std::string& chain_id) {
  auto rows = tx.Query(
      "SELECT last_report_id, last_sequence, closed FROM emergency_chains WHERE chain_id = ?",
      {chain_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<ChainState>();
  const auto& r = (*rows)[0];
  return std::optional<ChainState>(
      ChainState{chain_id, r.Text(0), static_cast<int>(r.Int(1)), r.Int(2) != 0});
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
  auto rows = store::ParseSeqRows<pb::Report>(
      tx.Query("SELECT seq, data FROM reports WHERE chain_id = ?", {chain_id}), "report");
  if (!rows.ok()) return rows.status();
  std::vector<pb::Report> out;
  for (auto& [seq, r] : *rows) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const pb::Report& a, const pb::Report& b) {
    return a.emergency().sequence() < b.emergency().sequence();
  });
  return out;
}

absl::StatusOr<std::vector<std::pair<ChainState, std::string>>> StaleChains(store::Tx& tx,
                                                                            int64_t before_ms,
                                                                            int limit) {
  auto rows = tx.Query(
      "SELECT chain_id, last_report_id, last_sequence, tenant FROM emergency_chains"
      " WHERE closed = 0 AND last_at <= ? AND reminded_for <> last_report_id"
      " ORDER BY last_at LIMIT ?",
      {before_ms, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<ChainState, std::string>> out;
  for (const auto& r : *rows) {
    out.push_back({ChainState{r.Text(0), r.Text(1), static_cast<int>(r.Int(2)), false}, r.Text(3)});
  }
  return out;
}

absl::StatusOr<bool> ClaimReminder(store::Tx& tx, const ChainState& c) {
  auto n = tx.Exec(
      "UPDATE emergency_chains SET reminded_for = last_report_id"
      " WHERE chain_id = ? AND last_report_id = ? AND closed = 0 AND reminded_for <> "
      "last_report_id",
      {c.chain_id, c.last_report_id});
  if (!n.ok()) return n.status();
  return *n == 1;
}

}  // namespace repo

}  // namespace zs::reporting

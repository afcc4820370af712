#include "store/repository.h"

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
      "UPDATE reports SET state = ?, sensitivity = ?, updated_at = ?, data = ? WHERE id = ?",
      {int64_t{r.state()}, int64_t{r.sensitivity()}, ToMillis(FromProto(r.update_time())),
       store::Blob{r.SerializeAsString()}, r.id()});
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

}  // namespace repo

}  // namespace zs::reporting

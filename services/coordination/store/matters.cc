#include "store/matters.h"

namespace zs::coordination::matters {

std::vector<store::Migration> Migrations() {
  return {
      {100, "matters: matters and their parties",
       "CREATE TABLE matters ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " raised_by TEXT NOT NULL,"
       " raised_ref TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX matters_tenant ON matters (tenant, seq);"
       "CREATE INDEX matters_state ON matters (tenant, state, seq);"
       // A contest or dispute opens one matter, however often its event arrives.
       "CREATE UNIQUE INDEX matters_raised ON matters (tenant, raised_by, raised_ref)"
       " WHERE raised_by <> '';"
       "CREATE TABLE matters_parties ("
       " matter_id TEXT NOT NULL REFERENCES matters (id),"
       " unit TEXT NOT NULL,"
       " PRIMARY KEY (matter_id, unit));"
       "CREATE INDEX matters_parties_unit ON matters_parties (unit, matter_id)"},
  };
}

namespace repo {
namespace {

absl::Status SetParties(store::Tx& tx, const pb::Matter& m) {
  auto del = tx.Exec("DELETE FROM matters_parties WHERE matter_id = ?", {m.id()});
  if (!del.ok()) return del.status();
  for (const auto& p : m.parties()) {
    auto s =
        tx.Exec("INSERT INTO matters_parties (matter_id, unit) VALUES (?, ?)", {m.id(), p.unit()});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

}  // namespace

const store::Table<pb::Matter>& Matters() {
  static const store::Table<pb::Matter> table(
      "matters", "matter",
      {{"tenant", [](const pb::Matter& m) -> store::Param { return m.tenant(); }},
       {"state", [](const pb::Matter& m) -> store::Param { return int64_t{m.state()}; }},
       {"raised_by", [](const pb::Matter& m) -> store::Param { return m.raised_by(); }},
       {"raised_ref", [](const pb::Matter& m) -> store::Param { return m.raised_ref(); }}},
      {{kHasParty, "id IN (SELECT matter_id FROM matters_parties WHERE unit = ?)"}});
  return table;
}

absl::Status InsertMatter(store::Tx& tx, const pb::Matter& m) {
  if (auto s = Matters().Insert(tx, m); !s.ok()) return s;
  return SetParties(tx, m);
}

absl::Status UpdateMatter(store::Tx& tx, const pb::Matter& m, int64_t read_version) {
  // Parties never change after opening; only the matter row is written.
  return Matters().Update(tx, m, read_version);
}

absl::StatusOr<bool> RaisedExists(store::Tx& tx, const std::string& tenant,
                                  const std::string& raised_by, const std::string& raised_ref) {
  auto rows = tx.Query(
      "SELECT 1 FROM matters WHERE tenant = ? AND raised_by = ? AND raised_ref = ? LIMIT 1",
      {tenant, raised_by, raised_ref});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

}  // namespace repo
}  // namespace zs::coordination::matters

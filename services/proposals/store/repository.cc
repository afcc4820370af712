#include "store/repository.h"

#include "store/counter.h"

namespace zs::proposals {

std::vector<store::Migration> Migrations() {
  return {
      {1, "proposals and their parties",
       "CREATE TABLE proposals ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " session TEXT NOT NULL,"
       " kind INTEGER NOT NULL,"
       " number INTEGER NOT NULL,"
       " public_replies INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX proposals_tenant ON proposals (tenant, seq);"
       // A number is given once per tenant, kind and session (第 N 号); 0 until registration.
       "CREATE UNIQUE INDEX proposals_number ON proposals (tenant, kind, session, number)"
       " WHERE number > 0;"
       "CREATE INDEX proposals_numbered ON proposals (tenant, kind, session, number);"
       "CREATE INDEX proposals_public ON proposals (tenant, public_replies, seq);"
       // Who may read a proposal besides its tenant's office and leaders: "user:<id>" of its
       // proposers and raters, "unit:<id>" of its handling units (domain PartiesOf).
       "CREATE TABLE proposal_parties ("
       " proposal_id TEXT NOT NULL REFERENCES proposals (id),"
       " party TEXT NOT NULL,"
       " PRIMARY KEY (proposal_id, party));"
       "CREATE INDEX proposal_parties_party ON proposal_parties (party, proposal_id)"},
  };
}

namespace repo {
namespace {

int64_t PublicReplies(const pb::Proposal& p) {
  int64_t n = 0;
  for (const auto& h : p.handlings()) {
    if (h.state() == pb::HANDLING_STATE_REPLIED && !h.reply().not_public()) ++n;
  }
  return n;
}

absl::Status SetParties(store::Tx& tx, const pb::Proposal& p) {
  auto del = tx.Exec("DELETE FROM proposal_parties WHERE proposal_id = ?", {p.id()});
  if (!del.ok()) return del.status();
  for (const auto& party : PartiesOf(p)) {
    auto s =
        tx.Exec("INSERT INTO proposal_parties (proposal_id, party) VALUES (?, ?)", {p.id(), party});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

}  // namespace

const store::Table<pb::Proposal>& Proposals() {
  static const store::Table<pb::Proposal> table(
      "proposals", "proposal",
      {{"tenant", [](const pb::Proposal& p) -> store::Param { return p.tenant(); }},
       {"state", [](const pb::Proposal& p) -> store::Param { return int64_t{p.state()}; }},
       {"session", [](const pb::Proposal& p) -> store::Param { return p.session(); }},
       {"kind", [](const pb::Proposal& p) -> store::Param { return int64_t{p.kind()}; }},
       {"number", [](const pb::Proposal& p) -> store::Param { return int64_t{p.number()}; }},
       {"public_replies", [](const pb::Proposal& p) -> store::Param { return PublicReplies(p); }}},
      {{kHasParty, "id IN (SELECT proposal_id FROM proposal_parties WHERE party = ?)"}});
  return table;
}

absl::Status InsertProposal(store::Tx& tx, const pb::Proposal& p) {
  if (auto s = Proposals().Insert(tx, p); !s.ok()) return s;
  return SetParties(tx, p);
}

absl::Status UpdateProposal(store::Tx& tx, const pb::Proposal& p, int64_t read_version) {
  if (auto s = Proposals().Update(tx, p, read_version); !s.ok()) return s;
  return SetParties(tx, p);
}

absl::StatusOr<bool> NumberTaken(store::Tx& tx, const pb::Proposal& p, int number) {
  auto rows = tx.Query(
      "SELECT 1 FROM proposals WHERE tenant = ? AND kind = ? AND session = ? AND number = ? "
      "AND id <> ? LIMIT 1",
      {p.tenant(), int64_t{p.kind()}, p.session(), int64_t{number}, p.id()});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::StatusOr<int> NextNumber(store::Tx& tx, const pb::Proposal& p) {
  const std::string series = "proposal:" + KindName(p.kind()) + ":" + p.session();
  for (int tries = 0; tries < 10000; ++tries) {
    auto n = store::NextNumber(tx, p.tenant(), series, 0, [&]() -> absl::StatusOr<int64_t> {
      auto rows = tx.Query(
          "SELECT COALESCE(MAX(number), 0) FROM proposals WHERE tenant = ? AND kind = ? AND "
          "session = ?",
          {p.tenant(), int64_t{p.kind()}, p.session()});
      if (!rows.ok()) return rows.status();
      return (*rows)[0].Int(0);
    });
    if (!n.ok()) return n.status();
    auto taken = NumberTaken(tx, p, static_cast<int>(*n));
    if (!taken.ok()) return taken.status();
    if (!*taken) return static_cast<int>(*n);  // else a paper proposal has it: the next one
  }
  return absl::ResourceExhaustedError("no free number in series " + series);
}

absl::StatusOr<std::vector<pb::Proposal>> ProposalsOfTenant(store::Tx& tx,
                                                            const std::string& tenant) {
  return Proposals().All(tx, cond::Eq("tenant", tenant));
}

}  // namespace repo
}  // namespace zs::proposals

#include "store/circulation.h"

namespace zs::coordination::circulation {

std::vector<store::Migration> Migrations() {
  return {
      {400, "circulation: documents and their readers",
       "CREATE TABLE circulation_documents ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " secrecy TEXT NOT NULL,"
       " source TEXT NOT NULL,"
       " number TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX circulation_documents_tenant ON circulation_documents (tenant, seq);"
       // 文号 is unique per tenant and issuing source.
       "CREATE UNIQUE INDEX circulation_documents_number ON circulation_documents"
       " (tenant, source, number);"
       "CREATE TABLE circulation_readers ("
       " document_id TEXT NOT NULL REFERENCES circulation_documents (id),"
       " reader TEXT NOT NULL,"
       " PRIMARY KEY (document_id, reader));"
       "CREATE INDEX circulation_readers_reader ON circulation_readers (reader, document_id)"},
  };
}

namespace repo {
namespace {

absl::Status SetReaders(store::Tx& tx, const pb::Document& d) {
  auto del = tx.Exec("DELETE FROM circulation_readers WHERE document_id = ?", {d.id()});
  if (!del.ok()) return del.status();
  for (const auto& r : ReadersOf(d)) {
    auto s =
        tx.Exec("INSERT INTO circulation_readers (document_id, reader) VALUES (?, ?)", {d.id(), r});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

}  // namespace

const store::Table<pb::Document>& Documents() {
  static const store::Table<pb::Document> table(
      "circulation_documents", "document",
      {{"tenant", [](const pb::Document& d) -> store::Param { return d.tenant(); }},
       {"state", [](const pb::Document& d) -> store::Param { return int64_t{d.state()}; }},
       {"secrecy",
        [](const pb::Document& d) -> store::Param { return std::to_string(d.secrecy_level()); }},
       {"source", [](const pb::Document& d) -> store::Param { return d.source(); }},
       {"number", [](const pb::Document& d) -> store::Param { return d.number(); }}},
      {{kRoutedTo, "id IN (SELECT document_id FROM circulation_readers WHERE reader = ?)"}});
  return table;
}

absl::Status InsertDocument(store::Tx& tx, const pb::Document& d) {
  if (auto s = Documents().Insert(tx, d); !s.ok()) return s;
  return SetReaders(tx, d);
}

absl::Status UpdateDocument(store::Tx& tx, const pb::Document& d, int64_t read_version) {
  if (auto s = Documents().Update(tx, d, read_version); !s.ok()) return s;
  return SetReaders(tx, d);
}

absl::StatusOr<bool> NumberTaken(store::Tx& tx, const std::string& tenant,
                                 const std::string& source, const std::string& number) {
  auto rows = tx.Query(
      "SELECT 1 FROM circulation_documents WHERE tenant = ? AND source = ? AND number = ? LIMIT 1",
      {tenant, source, number});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

}  // namespace repo
}  // namespace zs::coordination::circulation

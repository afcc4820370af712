#pragma once

// The circulation module's tables: documents stored whole as protobuf blobs with their query
// columns beside them (store::Table), and the readers each is routed to (for visibility). The
// handling-limit timers are durable timers of kind kLimitTimers (store/timers.h).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/circulation.h"
#include "store/database.h"
#include "store/table.h"

namespace zs::coordination::circulation {

// Versions 400–499 of the coordination process.
std::vector<store::Migration> Migrations();

// Owner the document id, name "remind@<limit ms>" / "escalate@<limit ms>", tenant the document's.
inline constexpr char kLimitTimers[] = "circulation_limit";

namespace repo {

// Columns: tenant, state, secrecy; relation kRoutedTo.
const store::Table<pb::Document>& Documents();
absl::Status InsertDocument(store::Tx& tx, const pb::Document& d);
absl::Status UpdateDocument(store::Tx& tx, const pb::Document& d, int64_t read_version);
// Whether the tenant registered a document of `source` numbered `number` already.
absl::StatusOr<bool> NumberTaken(store::Tx& tx, const std::string& tenant,
                                 const std::string& source, const std::string& number);

}  // namespace repo
}  // namespace zs::coordination::circulation

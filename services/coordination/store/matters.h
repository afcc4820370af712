#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/matters.h"
#include "store/database.h"
#include "store/table.h"

namespace zs::coordination::matters {

// The matters module's tables (versions 100-199): matters stored whole with their query columns,
// their party units (for a unit handler's visibility) and a unique (tenant, raised_by, raised_ref)
// so the same contest or dispute opens one matter.
std::vector<store::Migration> Migrations();

// The relation "the matter has this party unit" (cond::Related(kHasParty, unit)).
inline constexpr char kHasParty[] = "has_party";

namespace repo {

// Columns: tenant, state, raised_by, raised_ref; relation kHasParty.
const store::Table<pb::Matter>& Matters();

absl::Status InsertMatter(store::Tx& tx, const pb::Matter& m);
absl::Status UpdateMatter(store::Tx& tx, const pb::Matter& m, int64_t read_version);
// Whether a matter raised by `raised_by` with `raised_ref` exists in `tenant`.
absl::StatusOr<bool> RaisedExists(store::Tx& tx, const std::string& tenant,
                                  const std::string& raised_by, const std::string& raised_ref);

}  // namespace repo
}  // namespace zs::coordination::matters

#pragma once

// Numbers handed out in sequence per tenant, series and year (第 N 号 of a bulletin kind, of a
// notice, of a proposal kind and session): a row per (tenant, series, year) incremented in the
// caller's transaction, so a number is never given twice and a rolled-back write gives its number
// back.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace zs::store {

// The counters table; apply with Migrate(db, "counters", CounterMigrations()) (the runtime does).
std::vector<Migration> CounterMigrations();

// The next number of the series (1 for the first). `seed`, when given, is asked once, when the
// series has no row yet, for the highest number already handed out before the counter existed
// (the services count what they published, which is the same while numbers have no gaps);
// without it the series starts at 1.
absl::StatusOr<int64_t> NextNumber(Tx& tx, const std::string& tenant, const std::string& series,
                                   int year, const std::function<absl::StatusOr<int64_t>()>& seed);

}  // namespace zs::store

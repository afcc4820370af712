#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/supervision.h"
#include "store/database.h"
#include "store/table.h"
#include "store/timers.h"

namespace zs::supervision {

// The supervision service's tables: items, tasks and notices stored whole as protobuf blobs with
// their query columns beside them (store::Table), and the units of each task. The warning ladder
// and the cadence periods are durable timers of kind kLadderTimers (store/timers.h).
std::vector<store::Migration> Migrations();

// The timers of a task: owner the task id, name the rung ("reminder", "blue", "yellow", "red") or
// the cadence period ("progress:YYYY-MM"), tag the lead unit warned, tenant the task's.
inline constexpr char kLadderTimers[] = "task_ladder";

namespace repo {

// Columns: items (tenant, state, source_type, source_ref; relation kUnitHasTask), tasks (item_id,
// tenant, lead_unit, state; relation kUnitOnTask), notices (tenant, year, period).
const store::Table<pb::Item>& Items();
const store::Table<pb::Task>& Tasks();
const store::Table<pb::Notice>& Notices();

// The item opened from a source, if any (served by an index).
absl::StatusOr<std::optional<pb::Item>> FindItemBySource(store::Tx& tx, int source_type,
                                                         const std::string& source_ref);
// Whether `unit` leads or assists a task of the item; a database error is returned as such.
absl::StatusOr<bool> UnitHasTask(store::Tx& tx, const std::string& item_id,
                                 const std::string& unit);

// Inserts the task with its unit rows.
absl::Status InsertTask(store::Tx& tx, const pb::Task& task);
// Rewrites the task's unit rows (lead and co-units) after a reassignment.
absl::Status SetTaskUnits(store::Tx& tx, const pb::Task& task);
absl::StatusOr<std::vector<pb::Task>> TasksOfItem(store::Tx& tx, const std::string& item_id);
// Every task of a tenant, and every item's title anyone may read (for notices).
absl::StatusOr<std::vector<pb::Task>> TasksOfTenant(store::Tx& tx, const std::string& tenant);
absl::StatusOr<std::map<std::string, std::string>> ItemTitles(store::Tx& tx,
                                                              const std::string& tenant);

// The notices of a tenant for one period, in publication order.
absl::StatusOr<std::vector<pb::Notice>> NoticesOfPeriod(store::Tx& tx, const std::string& tenant,
                                                        const std::string& period);
// The next notice number of the tenant's year (第 N 期), seeded with the notices published before
// the counter existed.
absl::StatusOr<int64_t> NextNoticeNumber(store::Tx& tx, const std::string& tenant, int year);

// Red cards issued to a unit since `since_ms` (from the ladder timers, history included).
absl::StatusOr<int64_t> RedCardsSince(store::Tx& tx, const std::string& unit, int64_t since_ms);

}  // namespace repo
}  // namespace zs::supervision

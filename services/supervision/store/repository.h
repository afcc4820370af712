#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/supervision.h"
#include "store/database.h"
#include "store/page_token.h"

namespace zs::supervision {

// The supervision service's tables: items and tasks stored whole as protobuf blobs with their
// query columns beside them, the units of each task, and the warning-ladder timers.
std::vector<store::Migration> Migrations();

namespace repo {

absl::StatusOr<pb::Item> GetItem(store::Tx& tx, const std::string& id);
// The item opened from a source, if any.
absl::StatusOr<std::optional<pb::Item>> FindItemBySource(store::Tx& tx, int source_type,
                                                         const std::string& source_ref);
absl::Status InsertItem(store::Tx& tx, const pb::Item& item);
absl::Status UpdateItem(store::Tx& tx, const pb::Item& item);
// Items in the scope's tenants, newest first, limit+1 rows; for a unit handler only items in
// which its unit has a task.
absl::StatusOr<std::vector<std::pair<int64_t, pb::Item>>> ListItems(store::Tx& tx,
                                                                    const Scope& scope,
                                                                    pb::ItemState state,
                                                                    int64_t after, int limit);
// Whether `unit` leads or assists a task of the item; a database error is returned as such.
absl::StatusOr<bool> UnitHasTask(store::Tx& tx, const std::string& item_id,
                                 const std::string& unit);

absl::StatusOr<pb::Task> GetTask(store::Tx& tx, const std::string& id);
absl::Status InsertTask(store::Tx& tx, const pb::Task& task);
absl::Status UpdateTask(store::Tx& tx, const pb::Task& task);
// Rewrites the task's unit rows (lead and co-units) after a reassignment.
absl::Status SetTaskUnits(store::Tx& tx, const pb::Task& task);
absl::StatusOr<std::vector<pb::Task>> TasksOfItem(store::Tx& tx, const std::string& item_id);
absl::StatusOr<std::vector<std::pair<int64_t, pb::Task>>> ListTasks(store::Tx& tx,
                                                                    const Scope& scope,
                                                                    const std::string& item_id,
                                                                    pb::TaskState state,
                                                                    int64_t after, int limit);

// Timers: one row per (task, rung), fired at most once.
struct Timer {
  std::string task_id;
  std::string rung;
  int64_t fire_at_ms;
};
// Replaces the task's unfired timers with `timers` (fired rungs stay fired). When the task was
// assigned anew (`reassigned`), the rungs that fired for the earlier assignment are kept as
// history under "<rung>#<fired_at>" (red cards still count for their unit) and the new ladder
// fires every rung again.
absl::Status ScheduleTimers(store::Tx& tx, const std::string& task_id,
                            const std::vector<Timer>& timers, bool reassigned = false);
absl::StatusOr<std::vector<Timer>> DueTimers(store::Tx& tx, int64_t now_ms, int limit);
// Marks the timer fired; false when another process fired it first.
absl::StatusOr<bool> ClaimTimer(store::Tx& tx, const Timer& t, int64_t now_ms,
                                const std::string& outcome);
// Every task of a tenant, and every item's title anyone may read (for notices).
absl::StatusOr<std::vector<pb::Task>> TasksOfTenant(store::Tx& tx, const std::string& tenant);
absl::StatusOr<std::map<std::string, std::string>> ItemTitles(store::Tx& tx,
                                                              const std::string& tenant);

absl::Status InsertNotice(store::Tx& tx, const pb::Notice& n);
absl::StatusOr<pb::Notice> GetNotice(store::Tx& tx, const std::string& id);
// Notices of the scope's tenants, newest first, limit+1 rows.
absl::StatusOr<std::vector<std::pair<int64_t, pb::Notice>>> ListNotices(store::Tx& tx,
                                                                        const Scope& scope,
                                                                        int64_t after, int limit);
// How many notices the tenant published in `year` (numbering is per tenant and year).
absl::StatusOr<int64_t> NoticesInYear(store::Tx& tx, const std::string& tenant, int year);
// The notices of a tenant for one period, in publication order.
absl::StatusOr<std::vector<pb::Notice>> NoticesOfPeriod(store::Tx& tx, const std::string& tenant,
                                                        const std::string& period);

// Red cards issued to a unit since `since_ms`.
absl::StatusOr<int64_t> RedCardsSince(store::Tx& tx, const std::string& unit, int64_t since_ms);

}  // namespace repo

using store::DecodePageToken;
using store::EncodePageToken;
using store::FillPage;
using store::ValidatePageSize;

}  // namespace zs::supervision

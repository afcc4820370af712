#pragma once

// The schedule module's tables: activities and attendance requests stored whole (store::Table)
// with their query columns; expiry of pending requests as durable timers of kAttendanceTimers.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/schedule.h"
#include "store/database.h"
#include "store/table.h"

namespace zs::coordination::schedule {

// Migrations 300-399.
std::vector<store::Migration> Migrations();

// A pending request's expiry: owner the request id, name "expire", due at the event's start.
inline constexpr char kAttendanceTimers[] = "schedule_attendance_expiry";

// Relations of the activity table: kStartsBefore (start_ms < ?), kEndsAfter (end_ms > ?).
inline constexpr char kStartsBefore[] = "starts_before";
inline constexpr char kEndsAfter[] = "ends_after";

namespace repo {

// Columns: tenant, leader, state, venue, start_ms, end_ms, requesting_unit.
const store::Table<pb::Activity>& Activities();
// Columns: tenant, leader, state, requesting_unit, start_ms.
const store::Table<pb::AttendanceRequest>& Attendance();

// The scheduled activities of the tenant overlapping [start_ms, end_ms) of `leader` or at `venue`
// (empty venue: the leader's only).
absl::StatusOr<std::vector<pb::Activity>> Overlapping(store::Tx& tx, const std::string& tenant,
                                                      const std::string& leader,
                                                      const std::string& venue, int64_t start_ms,
                                                      int64_t end_ms);

}  // namespace repo
}  // namespace zs::coordination::schedule

#pragma once

// The leader schedule (领导活动安排): pure rules of activities, conflicts, the week view and
// attendance requests (no gRPC, SQLite or Redis; time is passed in).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "calendar/calendar.h"
#include "core/time_util.h"
#include "zhongshu/coordination/v1/schedule.pb.h"

namespace zs::coordination::schedule {

namespace pb = zhongshu::coordination::v1;

struct Limits {
  int max_activity_days = 7;        // schedule.max_activity_days
  std::vector<std::string> venues;  // schedule.venues: the bookable venues (会议室, ...)
  bool allow_free_location = true;  // schedule.allow_free_location
  int max_title_chars = 200;
  int max_text_chars = 2000;
};

int64_t Millis(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp TimestampOf(int64_t ms);

// The when/where of an activity or request: title required, end after start and at most
// max_activity_days later, a venue of Limits::venues or (when allowed) a free-text location,
// exactly one of them. INVALID_ARGUMENT naming `<prefix>.<field>`.
absl::Status ValidatePlan(const std::string& prefix, const std::string& title,
                          const google::protobuf::Timestamp& start,
                          const google::protobuf::Timestamp& end, const std::string& venue,
                          const std::string& location, const Limits& limits);

// The entries `candidate` clashes with among `existing`: the same leader at an overlapping time,
// or the same (configured) venue at an overlapping time. Half-open spans: touching ends do not
// clash. Cancelled entries and the candidate itself (same id) are ignored. One entry per clashing
// activity (kind LEADER when it is both).
std::vector<pb::Conflict> FindConflicts(const pb::Activity& candidate,
                                        const std::vector<pb::Activity>& existing);

// "conflicts with: <id> 张书记 (zhang.shuji) 「title」 2026-12-07 09:00–11:00 [leader]; ..." in
// the office's local time.
std::string ConflictMessage(const std::vector<pb::Conflict>& conflicts, int utc_offset_minutes);

// Who may override a conflict: the office director, or the leader whose schedule it is.
bool MayOverride(const std::string& subject, const std::vector<std::string>& roles,
                 const std::string& leader);

// ---- Week view ----

int64_t DaysFromCivil(const CivilDate& d);
CivilDate CivilFromDays(int64_t days);
CivilDate AddDays(const CivilDate& d, int n);
// 1 Monday .. 7 Sunday.
int Weekday(const CivilDate& d);
// The local day of an instant.
CivilDate LocalDate(int64_t ms, int utc_offset_minutes);
// [00:00, 24:00) of a local day, in Unix ms.
int64_t LocalDayStart(const CivilDate& d, int utc_offset_minutes);

// The Monday-based week containing `date` (local time): days Monday..Sunday, each listing the
// scheduled activities that overlap that local day in start order, and whether it is a working
// day on `cal`.
pb::WeekViewResponse BuildWeek(const std::string& leader, const std::string& leader_name,
                               const CivilDate& date, int utc_offset_minutes,
                               const calendar::WorkCalendar& cal,
                               const std::vector<pb::Activity>& activities);

// ---- Attendance requests (出席申请) ----

// A decision of a pending request at `now_ms`: FAILED_PRECONDITION when it is not pending or its
// event has started (it expires instead); a refusal needs a reason (INVALID_ARGUMENT "reason").
absl::Status Decide(pb::AttendanceRequest& r, bool approve, const std::string& reason,
                    const std::string& decider, int64_t now_ms);

// Whether the expiry timer should expire `r` at `now_ms`: still pending and its event started.
bool ShouldExpire(const pb::AttendanceRequest& r, int64_t now_ms);
void Expire(pb::AttendanceRequest& r, int64_t now_ms);

// The activity an approved request creates on the leader's schedule.
pb::Activity ActivityFromRequest(const pb::AttendanceRequest& r, const std::string& id,
                                 const std::string& created_by, int64_t now_ms);

std::string StateName(pb::ActivityState s);
std::string StateName(pb::AttendanceState s);

}  // namespace zs::coordination::schedule

#include "store/schedule.h"

namespace zs::coordination::schedule {

std::vector<store::Migration> Migrations() {
  return {
      {300, "schedule: leaders' activities",
       "CREATE TABLE schedule_activities ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " leader TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " venue TEXT NOT NULL,"
       " start_ms INTEGER NOT NULL,"
       " end_ms INTEGER NOT NULL,"
       " requesting_unit TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX schedule_activities_leader ON schedule_activities (tenant, leader, start_ms);"
       "CREATE INDEX schedule_activities_venue ON schedule_activities (tenant, venue, start_ms);"},
      {301, "schedule: attendance requests",
       "CREATE TABLE schedule_attendance ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " leader TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " requesting_unit TEXT NOT NULL,"
       " start_ms INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX schedule_attendance_tenant ON schedule_attendance (tenant, seq);"
       "CREATE INDEX schedule_attendance_unit ON schedule_attendance (requesting_unit, seq);"},
  };
}

namespace repo {

const store::Table<pb::Activity>& Activities() {
  static const store::Table<pb::Activity> table(
      "schedule_activities", "activity",
      {{"tenant", [](const pb::Activity& a) -> store::Param { return a.tenant(); }},
       {"leader", [](const pb::Activity& a) -> store::Param { return a.leader(); }},
       {"state", [](const pb::Activity& a) -> store::Param { return int64_t{a.state()}; }},
       {"venue", [](const pb::Activity& a) -> store::Param { return a.venue(); }},
       {"start_ms", [](const pb::Activity& a) -> store::Param { return Millis(a.start_time()); }},
       {"end_ms", [](const pb::Activity& a) -> store::Param { return Millis(a.end_time()); }},
       {"requesting_unit",
        [](const pb::Activity& a) -> store::Param { return a.requesting_unit(); }}},
      {{kStartsBefore, "start_ms < ?"}, {kEndsAfter, "end_ms > ?"}});
  return table;
}

const store::Table<pb::AttendanceRequest>& Attendance() {
  static const store::Table<pb::AttendanceRequest> table(
      "schedule_attendance", "attendance request",
      {{"tenant", [](const pb::AttendanceRequest& r) -> store::Param { return r.tenant(); }},
       {"leader", [](const pb::AttendanceRequest& r) -> store::Param { return r.leader(); }},
       {"state", [](const pb::AttendanceRequest& r) -> store::Param { return int64_t{r.state()}; }},
       {"requesting_unit",
        [](const pb::AttendanceRequest& r) -> store::Param { return r.requesting_unit(); }},
       {"start_ms",
        [](const pb::AttendanceRequest& r) -> store::Param { return Millis(r.start_time()); }}});
  return table;
}

absl::StatusOr<std::vector<pb::Activity>> Overlapping(store::Tx& tx, const std::string& tenant,
                                                      const std::string& leader,
                                                      const std::string& venue, int64_t start_ms,
                                                      int64_t end_ms) {
  std::vector<cond::Cond> who{cond::Eq("leader", leader)};
  if (!venue.empty()) who.push_back(cond::Eq("venue", venue));
  return Activities().All(
      tx, cond::All({cond::Eq("tenant", tenant),
                     cond::Eq("state", int64_t{pb::ACTIVITY_STATE_SCHEDULED}),
                     cond::Related(kStartsBefore, end_ms), cond::Related(kEndsAfter, start_ms),
                     cond::Any(std::move(who))}));
}

}  // namespace repo
}  // namespace zs::coordination::schedule

// Unit tests of the leader schedule's rules (pure; time passed in).
#include "domain/schedule.h"

#include <gtest/gtest.h>

namespace zs::coordination::schedule {
namespace {

constexpr int kUtc8 = 480;

// Unix ms of a local (UTC+8) time.
int64_t Local(const std::string& date, int hour, int minute = 0) {
  return LocalDayStart(*ParseDate(date), kUtc8) + (int64_t{hour} * 60 + minute) * 60000;
}

pb::Activity Act(const std::string& id, const std::string& leader, int64_t start, int64_t end,
                 const std::string& venue = "") {
  pb::Activity a;
  a.set_id(id);
  a.set_leader(leader);
  a.set_leader_name(leader == "zhang.shuji" ? "张书记" : "");
  a.set_title("活动 " + id);
  *a.mutable_start_time() = TimestampOf(start);
  *a.mutable_end_time() = TimestampOf(end);
  a.set_venue(venue);
  a.set_state(pb::ACTIVITY_STATE_SCHEDULED);
  return a;
}

const calendar::WorkCalendar& Cal() {
  static const calendar::WorkCalendar cal =
      *calendar::WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");
  return cal;
}

TEST(ScheduleConflicts, SameLeaderOverlappingClashes) {
  const auto existing = {Act("a1", "zhang.shuji", Local("2026-12-07", 9), Local("2026-12-07", 11)),
                         Act("a2", "liu.quzhang", Local("2026-12-07", 9), Local("2026-12-07", 11))};
  auto c = FindConflicts(Act("", "zhang.shuji", Local("2026-12-07", 10), Local("2026-12-07", 12)),
                         existing);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].activity_id(), "a1");
  EXPECT_EQ(c[0].kind(), pb::CONFLICT_KIND_LEADER);
  EXPECT_EQ(c[0].title(), "活动 a1");
  const std::string msg = ConflictMessage(c, kUtc8);
  EXPECT_NE(msg.find("a1 张书记 (zhang.shuji)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2026-12-07 09:00–11:00"), std::string::npos) << msg;
}

TEST(ScheduleConflicts, SameVenueOfAnotherLeaderClashes) {
  const auto existing = {
      Act("a1", "liu.quzhang", Local("2026-12-07", 9), Local("2026-12-07", 11), "一号会议室"),
      Act("a2", "xie.fushuji", Local("2026-12-07", 9), Local("2026-12-07", 11), "二号会议室")};
  auto c = FindConflicts(
      Act("", "zhang.shuji", Local("2026-12-07", 10), Local("2026-12-07", 12), "一号会议室"),
      existing);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].activity_id(), "a1");
  EXPECT_EQ(c[0].kind(), pb::CONFLICT_KIND_VENUE);
  EXPECT_NE(ConflictMessage(c, kUtc8).find("[venue]"), std::string::npos);
}

TEST(ScheduleConflicts, TouchingSpansDoNotClash) {
  const auto existing = {
      Act("a1", "zhang.shuji", Local("2026-12-07", 9), Local("2026-12-07", 10), "一号会议室")};
  EXPECT_TRUE(FindConflicts(Act("", "zhang.shuji", Local("2026-12-07", 10), Local("2026-12-07", 11),
                                "一号会议室"),
                            existing)
                  .empty());
  EXPECT_TRUE(FindConflicts(Act("", "zhang.shuji", Local("2026-12-07", 8), Local("2026-12-07", 9),
                                "一号会议室"),
                            existing)
                  .empty());
  // One minute of overlap clashes.
  EXPECT_EQ(FindConflicts(Act("", "zhang.shuji", Local("2026-12-07", 8), Local("2026-12-07", 9, 1)),
                          existing)
                .size(),
            1u);
}

TEST(ScheduleConflicts, CancelledEntriesAreIgnored) {
  auto cancelled = Act("a1", "zhang.shuji", Local("2026-12-07", 9), Local("2026-12-07", 11));
  cancelled.set_state(pb::ACTIVITY_STATE_CANCELLED);
  EXPECT_TRUE(FindConflicts(Act("", "zhang.shuji", Local("2026-12-07", 9), Local("2026-12-07", 11)),
                            {cancelled})
                  .empty());
}

TEST(ScheduleConflicts, TheEditedActivityItselfIsIgnored) {
  const auto existing = {
      Act("a1", "zhang.shuji", Local("2026-12-07", 9), Local("2026-12-07", 11)),
      Act("a2", "zhang.shuji", Local("2026-12-07", 13), Local("2026-12-07", 14))};
  // a1 moved by half an hour overlaps only its old self: no clash.
  EXPECT_TRUE(FindConflicts(
                  Act("a1", "zhang.shuji", Local("2026-12-07", 9, 30), Local("2026-12-07", 11, 30)),
                  existing)
                  .empty());
  // Moved onto a2: clashes with a2 only.
  auto c = FindConflicts(
      Act("a1", "zhang.shuji", Local("2026-12-07", 12, 30), Local("2026-12-07", 13, 30)), existing);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].activity_id(), "a2");
}

TEST(ScheduleConflicts, OnlyTheLeaderOrTheOfficeDirectorOverrides) {
  EXPECT_TRUE(MayOverride("huang.zhuren", {"coordinator", "office_director"}, "zhang.shuji"));
  EXPECT_TRUE(MayOverride("zhang.shuji", {"leader"}, "zhang.shuji"));
  EXPECT_FALSE(MayOverride("liu.quzhang", {"leader"}, "zhang.shuji"));
  EXPECT_FALSE(MayOverride("sun.zonghe", {"coordinator"}, "zhang.shuji"));
}

TEST(SchedulePlan, ValidatesNamingTheField) {
  Limits limits;
  limits.venues = {"一号会议室"};
  limits.max_activity_days = 2;
  auto ts = [](int64_t ms) { return TimestampOf(ms); };
  const int64_t s = Local("2026-12-07", 9);
  EXPECT_TRUE(
      ValidatePlan("activity", "调研", ts(s), ts(s + 3600000), "一号会议室", "", limits).ok());
  EXPECT_TRUE(
      ValidatePlan("activity", "调研", ts(s), ts(s + 3600000), "", "清水塘街道", limits).ok());
  auto bad = ValidatePlan("activity", "调研", ts(s), ts(s), "一号会议室", "", limits);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("activity.end_time"), std::string::npos);
  bad = ValidatePlan("activity", "调研", ts(s), ts(s + 3 * 86400000LL), "一号会议室", "", limits);
  EXPECT_NE(bad.message().find("activity.end_time"), std::string::npos);
  bad = ValidatePlan("activity", "调研", ts(s), ts(s + 3600000), "五号会议室", "", limits);
  EXPECT_NE(bad.message().find("activity.venue"), std::string::npos);
  bad = ValidatePlan("activity", " ", ts(s), ts(s + 3600000), "一号会议室", "", limits);
  EXPECT_NE(bad.message().find("activity.title"), std::string::npos);
  bad = ValidatePlan("activity", "调研", ts(s), ts(s + 3600000), "", "", limits);
  EXPECT_NE(bad.message().find("activity.venue"), std::string::npos);
  limits.allow_free_location = false;
  bad = ValidatePlan("activity", "调研", ts(s), ts(s + 3600000), "", "清水塘街道", limits);
  EXPECT_NE(bad.message().find("activity.location"), std::string::npos);
}

TEST(ScheduleWeek, MondayBasedWeekInUtc8) {
  // 2026-10-04 is a Sunday; its week starts on Monday 2026-09-28.
  EXPECT_EQ(Weekday(*ParseDate("2026-10-04")), 7);
  EXPECT_EQ(Weekday(*ParseDate("2026-09-28")), 1);
  // Sunday 23:30 local is Sunday 15:30 UTC; Monday 00:30 local is still Sunday in UTC.
  const int64_t sunday_late = Local("2026-10-04", 23, 30);
  const int64_t monday_early = Local("2026-10-05", 0, 30);
  EXPECT_EQ(FormatDate(LocalDate(monday_early, kUtc8)), "2026-10-05");
  EXPECT_EQ(FormatDate(LocalDate(monday_early, 0)), "2026-10-04");
  const std::vector<pb::Activity> acts = {
      Act("late", "zhang.shuji", sunday_late, sunday_late + 20 * 60000),
      Act("early", "zhang.shuji", monday_early, monday_early + 3600000),
      Act("other", "liu.quzhang", sunday_late, sunday_late + 60000)};
  auto week = BuildWeek("zhang.shuji", "张书记", *ParseDate("2026-10-04"), kUtc8, Cal(), acts);
  EXPECT_EQ(week.week_start(), "2026-09-28");
  ASSERT_EQ(week.days_size(), 7);
  EXPECT_EQ(week.days(6).date(), "2026-10-04");
  ASSERT_EQ(week.days(6).activities_size(), 1);
  EXPECT_EQ(week.days(6).activities(0).id(), "late");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(week.days(i).activities_size(), 0) << i;
  // The next week holds the Monday activity, on its Monday.
  auto next = BuildWeek("zhang.shuji", "张书记", *ParseDate("2026-10-05"), kUtc8, Cal(), acts);
  EXPECT_EQ(next.week_start(), "2026-10-05");
  ASSERT_EQ(next.days(0).activities_size(), 1);
  EXPECT_EQ(next.days(0).activities(0).id(), "early");
  // 国庆节: 10-01..10-04 of that week are days off; Monday 09-28 works.
  EXPECT_TRUE(week.days(0).working_day());
  EXPECT_FALSE(week.days(3).working_day());
  EXPECT_EQ(week.days(3).holiday(), "国庆节");
}

TEST(ScheduleWeek, AnActivityOverMidnightShowsOnBothDays) {
  const std::vector<pb::Activity> acts = {
      Act("night", "zhang.shuji", Local("2026-12-08", 22), Local("2026-12-09", 2))};
  auto week = BuildWeek("zhang.shuji", "", *ParseDate("2026-12-09"), kUtc8, Cal(), acts);
  EXPECT_EQ(week.week_start(), "2026-12-07");
  EXPECT_EQ(week.days(1).activities_size(), 1);
  EXPECT_EQ(week.days(2).activities_size(), 1);
  EXPECT_EQ(week.days(3).activities_size(), 0);
}

pb::AttendanceRequest Pending(int64_t start) {
  pb::AttendanceRequest r;
  r.set_id("r1");
  r.set_leader("zhang.shuji");
  r.set_title("防汛调度会");
  *r.mutable_start_time() = TimestampOf(start);
  *r.mutable_end_time() = TimestampOf(start + 3600000);
  r.set_state(pb::ATTENDANCE_STATE_PENDING);
  r.set_requesting_unit("430204/slj");
  return r;
}

TEST(ScheduleAttendance, ExpiresOnceTheEventStarted) {
  const int64_t start = Local("2026-12-07", 9);
  auto r = Pending(start);
  EXPECT_FALSE(ShouldExpire(r, start - 1));
  EXPECT_TRUE(ShouldExpire(r, start));
  Expire(r, start);
  EXPECT_EQ(r.state(), pb::ATTENDANCE_STATE_EXPIRED);
  EXPECT_FALSE(ShouldExpire(r, start + 1));  // exactly once
  auto approved = Pending(start);
  ASSERT_TRUE(Decide(approved, true, "", "zhang.shuji", start - 60000).ok());
  EXPECT_FALSE(ShouldExpire(approved, start + 1));
}

TEST(ScheduleAttendance, DecisionRules) {
  const int64_t start = Local("2026-12-07", 9);
  auto r = Pending(start);
  EXPECT_EQ(Decide(r, false, "", "zhang.shuji", start - 1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Decide(r, true, "", "zhang.shuji", start).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Decide(r, false, "另有安排", "zhang.shuji", start - 1).ok());
  EXPECT_EQ(r.state(), pb::ATTENDANCE_STATE_REFUSED);
  EXPECT_EQ(r.decision_reason(), "另有安排");
  EXPECT_EQ(Decide(r, true, "", "zhang.shuji", start - 1).code(),
            absl::StatusCode::kFailedPrecondition);
  auto ok = Pending(start);
  ASSERT_TRUE(Decide(ok, true, "", "zhang.shuji", start - 1).ok());
  const auto a = ActivityFromRequest(ok, "act1", "zhang.shuji", start - 1);
  EXPECT_EQ(a.attendance_request_id(), "r1");
  EXPECT_EQ(a.requesting_unit(), "430204/slj");
  EXPECT_EQ(a.state(), pb::ACTIVITY_STATE_SCHEDULED);
}

}  // namespace
}  // namespace zs::coordination::schedule

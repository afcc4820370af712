#include "domain/meetings.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::coordination::meetings {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430200", name: 市}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430204/sthj", name: 生态环境分局, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
users:
  - {id: zhang, name: 张书记, tenant: "430204", unit: "430204/slj", roles: [leader]}
  - {id: liu, name: 刘区长, tenant: "430204", unit: "430204/slj", roles: [leader]}
  - {id: yang, name: 杨书记, tenant: "430203", unit: "430203/slj", roles: [leader]}
  - {id: sun, name: 孙综合, tenant: "430204", unit: "430204/slj", roles: [coordinator]}
  - {id: chen, name: 陈水利, tenant: "430204", unit: "430204/slj", roles: [unit_handler]}
)";

CivilDate D(const char* s) { return *ParseDate(s); }

auth::Principal Who(std::string subject, std::string unit, std::vector<std::string> roles,
                    std::string tenant = "430204") {
  return auth::Principal{std::move(subject), "", std::move(tenant), std::move(unit),
                         std::move(roles)};
}

class MeetingsDomainTest : public ::testing::Test {
 protected:
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  calendar::WorkCalendar cal_ =
      *calendar::WorkCalendar::LoadDir(std::string(ZS_SOURCE_DIR) + "/deploy/calendar");
  Rules rules_{{"第一会议室", "第二会议室"}, 10, 480};
  // 2026-11-23 09:00 in Beijing (a Monday), injected.
  TimePoint now_ = AtLocalHour(D("2026-11-23"), 9, 480);
  auth::Principal coordinator_ = Who("sun", "430204/slj", {"coordinator"});

  pb::Meeting Requested(int start_hour = 10, int end_hour = 12) {
    pb::Meeting m;
    m.set_kind(pb::MEETING_KIND_JOINT);
    m.set_title("清水塘水质联席会议");
    *m.mutable_start_time() = ToProto(AtLocalHour(D("2026-11-24"), start_hour, 480));
    *m.mutable_end_time() = ToProto(AtLocalHour(D("2026-11-24"), end_hour, 480));
    m.set_venue("第一会议室");
    m.set_presiding_leader("zhang");
    m.add_participant_leaders("liu");
    m.add_participant_units("430204/slj");
    m.add_agenda("水质检测结果通报");
    return m;
  }
  pb::MeetingSeries Weekly(int weekday) {
    pb::MeetingSeries s;
    s.set_id("430204-ms-1");
    s.set_tenant("430204");
    s.set_kind(pb::MEETING_KIND_DISPATCH);
    s.set_title("周调度会");
    s.set_frequency(pb::SERIES_FREQUENCY_WEEKLY);
    s.set_weekday(weekday);
    s.set_start_local_time("09:00");
    s.set_duration_minutes(90);
    s.set_venue("第二会议室");
    s.set_presiding_leader("liu");
    return s;
  }
};

TEST_F(MeetingsDomainTest, EndMustBeAfterStart) {
  EXPECT_TRUE(ValidateMeeting(Requested(), rules_, "meeting").ok());
  auto equal = ValidateMeeting(Requested(10, 10), rules_, "meeting");
  EXPECT_EQ(equal.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(equal.message().find("meeting.end_time"), std::string::npos) << equal.message();
  auto before = ValidateMeeting(Requested(12, 10), rules_, "meeting");
  EXPECT_NE(before.message().find("meeting.end_time"), std::string::npos);
  pb::Meeting no_end = Requested();
  no_end.clear_end_time();
  EXPECT_NE(ValidateMeeting(no_end, rules_, "meeting").message().find("end_time"),
            std::string::npos);
}

TEST_F(MeetingsDomainTest, UnknownVenueLeaderOrUnitIsNamed) {
  pb::Meeting m = Requested();
  m.set_venue("礼堂");
  auto s = ValidateMeeting(m, rules_, "meeting");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("meeting.venue"), std::string::npos);
  EXPECT_NE(s.message().find("礼堂"), std::string::npos);

  m = Requested();
  m.set_kind(pb::MEETING_KIND_UNSPECIFIED);
  EXPECT_NE(ValidateMeeting(m, rules_, "meeting").message().find("meeting.kind"),
            std::string::npos);

  m = Requested();
  ASSERT_TRUE(ResolveParticipants(org_, "430204", m, "meeting").ok());
  EXPECT_EQ(m.presiding_leader_name(), "张书记");

  m = Requested();
  m.set_presiding_leader("sun");  // a coordinator, not a leader
  s = ResolveParticipants(org_, "430204", m, "meeting");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("meeting.presiding_leader"), std::string::npos);
  EXPECT_NE(s.message().find("sun"), std::string::npos);

  m = Requested();
  m.add_participant_leaders("yang");  // a leader of another county
  s = ResolveParticipants(org_, "430204", m, "meeting");
  EXPECT_NE(s.message().find("meeting.participant_leaders[1]"), std::string::npos) << s.message();

  m = Requested();
  m.add_participant_units("430203/slj");
  s = ResolveParticipants(org_, "430204", m, "meeting");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("meeting.participant_units"), std::string::npos) << s.message();

  m = Requested();
  m.add_participant_units("430204/nowhere");
  EXPECT_EQ(ResolveParticipants(org_, "430204", m, "meeting").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MeetingsDomainTest, VenueClashIsHalfOpen) {
  const Span span = SpanOf(Requested(10, 12));
  std::vector<Booking> others = {
      {"a", "之前", SpanOf(Requested(8, 10))},   // ends as ours starts: no clash
      {"b", "重叠", SpanOf(Requested(11, 13))},  // overlaps
      {"c", "之后", SpanOf(Requested(12, 14))},  // starts as ours ends: no clash
      {"d", "包含", SpanOf(Requested(9, 15))},   // contains ours
      {"self", "自己", SpanOf(Requested(10, 12))},
  };
  auto clashes = Clashes(span, others, "self");
  ASSERT_EQ(clashes.size(), 2u);
  EXPECT_EQ(clashes[0].id, "b");
  EXPECT_EQ(clashes[1].id, "d");
  auto err = ClashError("第一会议室", clashes, 480);
  EXPECT_EQ(err.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(err.message().find("b 《重叠》 2026-11-24 11:00"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("d 《包含》"), std::string::npos);
  // A caller who does not see every meeting learns the times only.
  auto brief = ClashError("第一会议室", clashes, 480, false);
  EXPECT_EQ(brief.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(brief.message().find("重叠"), std::string::npos) << brief.message();
  EXPECT_NE(brief.message().find("2026-11-24 11:00"), std::string::npos) << brief.message();
}

TEST_F(MeetingsDomainTest, OverrideIsForTheDirectorOrALeader) {
  EXPECT_FALSE(MayOverride(coordinator_).ok());
  EXPECT_TRUE(MayOverride(Who("huang", "430204/slj", {"coordinator", "office_director"})).ok());
  EXPECT_TRUE(MayOverride(Who("zhang", "430204/slj", {"leader"})).ok());
}

TEST_F(MeetingsDomainTest, LifecycleAndVisibility) {
  const auto handler = Who("chen", "430204/sthj", {"unit_handler"});
  pb::Meeting m = NewMeeting(Requested(), "430204-mt-1", handler, now_);
  EXPECT_EQ(m.state(), pb::MEETING_STATE_REQUESTED);
  EXPECT_EQ(m.requesting_unit(), "430204/sthj");
  EXPECT_TRUE(MayRead(handler, m));
  EXPECT_FALSE(MayRead(Who("x", "430204/zjj", {"unit_handler"}), m));
  EXPECT_TRUE(MayRead(Who("svc:supervision", "", {"service"}), m));
  EXPECT_FALSE(MayRead(Who("qin", "430203/slj", {"coordinator"}, "430203"), m));

  // Minutes only of an approved meeting that has started.
  EXPECT_EQ(RecordMinutes(m, coordinator_, "纪要", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Approve(m, coordinator_, false, now_).ok());
  EXPECT_EQ(Approve(m, coordinator_, false, now_).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RecordMinutes(m, coordinator_, "纪要", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  // A decision needs the minutes.
  EXPECT_EQ(AddDecision(m, coordinator_, pb::Decision(), now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const TimePoint started = AtLocalHour(D("2026-11-24"), 10, 480);
  ASSERT_TRUE(RecordMinutes(m, coordinator_, "纪要", started).ok());
  pb::Decision d;
  d.set_text("水利局牵头排查管网");
  d.set_lead_unit("430204/slj");
  auto added = AddDecision(m, coordinator_, d, started);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->id(), "430204-mt-1-d1");
  EXPECT_EQ(AddDecision(m, coordinator_, d, started)->id(), "430204-mt-1-d2");
  EXPECT_EQ(Cancel(m, coordinator_, "", started).code(), absl::StatusCode::kFailedPrecondition);

  // The requesting unit cancels its own request, not an approved meeting.
  pb::Meeting other = NewMeeting(Requested(), "430204-mt-2", handler, now_);
  EXPECT_EQ(Cancel(other, Who("x", "430204/zjj", {"unit_handler"}), "", now_).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Cancel(other, handler, "改期", now_).ok());
  EXPECT_EQ(other.state(), pb::MEETING_STATE_CANCELLED);
  pb::Meeting rejected = NewMeeting(Requested(), "430204-mt-3", coordinator_, now_);
  EXPECT_TRUE(Reject(rejected, coordinator_, "议题不成熟", now_).ok());
  EXPECT_EQ(rejected.reject_reason(), "议题不成熟");
}

TEST_F(MeetingsDomainTest, DecisionNeedsAResponsibleUnitAndADueDateOnOrAfterTheMeeting) {
  auto s = ValidateDecision("排查管网", "", {}, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("lead_unit"), std::string::npos);
  EXPECT_NE(ValidateDecision("", "430204/slj", {}, "").message().find("text"), std::string::npos);
  EXPECT_NE(ValidateDecision("x", "430204/slj", {"430204/slj"}, "").message().find("co_units"),
            std::string::npos);
  EXPECT_NE(ValidateDecision("x", "430204/slj", {}, "2026-13-01").message().find("due_date"),
            std::string::npos);
  EXPECT_TRUE(ValidateDecision("x", "430204/slj", {"430204/sthj"}, "2026-12-01").ok());

  const pb::Meeting m = Requested();  // on Tuesday 2026-11-24
  auto early = DecisionDue(cal_, rules_, m, "2026-11-23");
  EXPECT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(early.status().message().find("due_date"), std::string::npos);
  EXPECT_EQ(*DecisionDue(cal_, rules_, m, "2026-11-24"), "2026-11-24");
  // Ten working days after Tuesday 2026-11-24: Tuesday 2026-12-08.
  EXPECT_EQ(*DecisionDue(cal_, rules_, m, ""), "2026-12-08");
  // Across the National Day holiday: a meeting on 2026-09-30, 3 working days → 10-09 (10-08, 09, 10
  // is a make-up Saturday: 10-10).
  pb::Meeting before_holiday = Requested();
  *before_holiday.mutable_start_time() = ToProto(AtLocalHour(D("2026-09-30"), 9, 480));
  Rules three = rules_;
  three.decision_due_working_days = 3;
  EXPECT_EQ(*DecisionDue(cal_, three, before_holiday, ""), "2026-10-10");
}

TEST_F(MeetingsDomainTest, WeeklySeriesMovesAHolidayToTheNextWorkingDay) {
  // Mondays from 2026-09-28: 10-05 is in the National Day holiday (10-01..07) → Thursday 10-08.
  auto dates = SeriesDates(Weekly(1), cal_, D("2026-09-28"), D("2026-10-26"));
  std::vector<std::string> got;
  for (const auto& d : dates) got.push_back(FormatDate(d));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-09-28", "2026-10-08", "2026-10-12", "2026-10-19",
                                           "2026-10-26"}));
  // Thursdays: 10-01 is a holiday and moves to 10-08, which is also the next Thursday: one.
  dates = SeriesDates(Weekly(4), cal_, D("2026-09-28"), D("2026-10-16"));
  got.clear();
  for (const auto& d : dates) got.push_back(FormatDate(d));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-10-08", "2026-10-15"}));
  // A holiday Friday just before the range still lands in it: 2026-09-25 (中秋) → Monday 09-28.
  dates = SeriesDates(Weekly(5), cal_, D("2026-09-28"), D("2026-09-30"));
  ASSERT_EQ(dates.size(), 1u);
  EXPECT_EQ(FormatDate(dates[0]), "2026-09-28");
  // first/until bound the series.
  auto bounded = Weekly(1);
  bounded.set_first_date("2026-10-10");
  bounded.set_until_date("2026-10-20");
  dates = SeriesDates(bounded, cal_, D("2026-09-28"), D("2026-10-26"));
  ASSERT_EQ(dates.size(), 2u);
  EXPECT_EQ(FormatDate(dates[0]), "2026-10-12");
}

TEST_F(MeetingsDomainTest, MonthlySeriesCountsWorkingDaysWithMakeUpDays) {
  auto s = Weekly(1);
  s.set_frequency(pb::SERIES_FREQUENCY_MONTHLY);
  s.set_kind(pb::MEETING_KIND_MONTHLY);
  s.set_nth_working_day(3);
  // October 2026: 01..07 off, 08 Thu, 09 Fri, 10 Sat a make-up working day → the 3rd is 10-10.
  // November: 02, 03, 04 → 11-04. December: 01, 02, 03 → 12-03.
  auto dates = SeriesDates(s, cal_, D("2026-10-01"), D("2026-12-31"));
  std::vector<std::string> got;
  for (const auto& d : dates) got.push_back(FormatDate(d));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-10-10", "2026-11-04", "2026-12-03"}));
  s.set_nth_working_day(1);
  dates = SeriesDates(s, cal_, D("2026-05-01"), D("2026-05-31"));  // 05-01..05 off
  ASSERT_EQ(dates.size(), 1u);
  EXPECT_EQ(FormatDate(dates[0]), "2026-05-06");
}

TEST_F(MeetingsDomainTest, SeriesValidationAndItsMeetings) {
  EXPECT_TRUE(ValidateSeries(Weekly(1), rules_).ok());
  auto s = Weekly(8);
  EXPECT_NE(ValidateSeries(s, rules_).message().find("series.weekday"), std::string::npos);
  s = Weekly(1);
  s.set_start_local_time("25:00");
  EXPECT_NE(ValidateSeries(s, rules_).message().find("series.start_local_time"), std::string::npos);
  s = Weekly(1);
  s.set_venue("礼堂");
  EXPECT_NE(ValidateSeries(s, rules_).message().find("series.venue"), std::string::npos);
  s = Weekly(1);
  s.set_frequency(pb::SERIES_FREQUENCY_UNSPECIFIED);
  EXPECT_NE(ValidateSeries(s, rules_).message().find("series.frequency"), std::string::npos);

  const pb::Meeting m = SeriesMeeting(Weekly(1), D("2026-10-08"), "430204-mt-x", 480, now_);
  EXPECT_EQ(m.title(), "周调度会 (2026-10-08)");
  EXPECT_EQ(m.state(), pb::MEETING_STATE_APPROVED);
  EXPECT_EQ(m.series_date(), "2026-10-08");
  EXPECT_EQ(ToMillis(FromProto(m.start_time())), ToMillis(AtLocalHour(D("2026-10-08"), 9, 480)));
  EXPECT_EQ(SpanOf(m).end_ms - SpanOf(m).start_ms, 90 * 60000);
}

}  // namespace
}  // namespace zs::coordination::meetings

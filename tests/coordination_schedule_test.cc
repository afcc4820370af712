// The schedule module of the coordination service (领导活动安排) black-box over real gRPC, with the
// real binary, a real redis-server and a real SQLite file, as the demo roles of
// deploy/local/org.yaml: activities and their conflicts (refused, listed, overridden only by the
// office director or the leader), attendance requests approved onto the week view, refused, and
// expired by the durable timer when the clock passes their start; bad input, another tenant and
// retries.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/ids.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/schedule.grpc.pb.h"

namespace zs::testing {
namespace {

namespace spb = zhongshu::coordination::v1;
using grpc::StatusCode;

// 2026-11-23 is a Monday; 01:00 UTC is 09:00 in China.
constexpr int64_t kMonday0900 = 1795395600000;
constexpr int64_t kHour = 3600000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kMondayMidnight = kMonday0900 - 9 * kHour;  // 2026-11-23 00:00 local

// Local (UTC+8) time `day` days after Monday 2026-11-23, at hour:minute.
int64_t At(int day, int hour, int minute = 0) {
  return kMondayMidnight + day * kDay + hour * kHour + minute * 60000;
}

google::protobuf::Timestamp Ts(int64_t ms) {
  google::protobuf::Timestamp t;
  t.set_seconds(ms / 1000);
  return t;
}

#define EXPECT_CODE(status, code) EXPECT_TRUE(HasCode((status), (code)))

#define EXPECT_INVALID(status, field)                                               \
  do {                                                                              \
    const grpc::Status s_ = (status);                                               \
    EXPECT_EQ(s_.error_code(), StatusCode::INVALID_ARGUMENT) << s_.error_message(); \
    EXPECT_EQ(s_.error_message().rfind(std::string(field) + ":", 0), 0u)            \
        << "expected field " << (field) << ": " << s_.error_message();              \
  } while (0)

class ScheduleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_SCHEDULE_VENUES", "一号会议室,二号会议室,常委会议室"},
                           {"ZS_SCHEDULE_EXPIRY_CHECK_INTERVAL", "100ms"}})
            .release();
  }
  static std::map<std::string, std::string> Env() {
    return {{"ZS_SCHEDULE_VENUES", "一号会议室,二号会议室,常委会议室"},
            {"ZS_SCHEDULE_EXPIRY_CHECK_INTERVAL", "100ms"}};
  }
  static void TearDownTestSuite() {
    delete coordination_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override { stub_ = spb::ScheduleService::NewStub(coordination_->Channel()); }
  void TearDown() override { SetNow(kMonday0900); }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  int64_t Count(const std::string& sql) { return QueryInt(coordination_->db_path(), sql); }
  std::vector<int64_t> Footprint() {
    return {Count("SELECT COUNT(*) FROM schedule_activities"),
            Count("SELECT COALESCE(SUM(version), 0) FROM schedule_activities"),
            Count("SELECT COUNT(*) FROM schedule_attendance"),
            Count("SELECT COALESCE(SUM(version), 0) FROM schedule_attendance"),
            Count("SELECT COUNT(*) FROM audit_log"),
            Count("SELECT COUNT(*) FROM outbox"),
            Count("SELECT COUNT(*) FROM timers")};
  }
  int64_t EventsFor(const std::string& id, const std::string& type) {
    return Count("SELECT COUNT(*) FROM outbox WHERE type = '" + type +
                 "' AND event_id IN (SELECT event_id FROM audit_log WHERE resource = '" + id +
                 "')");
  }

  spb::CreateActivityRequest NewActivity(const std::string& leader, const std::string& title,
                                         int64_t start, int64_t end, const std::string& venue = "",
                                         const std::string& location = "") {
    spb::CreateActivityRequest c;
    c.set_request_id(NewUuid());
    auto& a = *c.mutable_activity();
    a.set_leader(leader);
    a.set_title(title);
    *a.mutable_start_time() = Ts(start);
    *a.mutable_end_time() = Ts(end);
    a.set_venue(venue);
    a.set_location(venue.empty() && location.empty() ? "清水塘街道" : location);
    return c;
  }
  grpc::Status Create(const std::string& user, const spb::CreateActivityRequest& c,
                      spb::Activity* out) {
    return stub_->CreateActivity(As(user).get(), c, out);
  }
  spb::Activity MustCreate(const std::string& user, const spb::CreateActivityRequest& c) {
    spb::Activity a;
    auto s = Create(user, c, &a);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return a;
  }
  grpc::Status Get(const std::string& user, const std::string& id, spb::Activity* out) {
    spb::GetActivityRequest g;
    g.set_id(id);
    return stub_->GetActivity(As(user).get(), g, out);
  }
  spb::AttendanceRequest MustRequest(const std::string& user, const std::string& leader,
                                     const std::string& title, int64_t start, int64_t end,
                                     const std::string& venue = "") {
    spb::RequestAttendanceRequest r;
    r.set_request_id(NewUuid());
    auto& a = *r.mutable_attendance();
    a.set_leader(leader);
    a.set_title(title);
    *a.mutable_start_time() = Ts(start);
    *a.mutable_end_time() = Ts(end);
    a.set_venue(venue);
    if (venue.empty()) a.set_location("清水塘水厂");
    a.set_reason("汛前检查，请领导出席指导");
    spb::AttendanceRequest out;
    auto s = stub_->RequestAttendance(As(user).get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Decide(const std::string& user, const std::string& id, bool approve,
                      const std::string& reason, spb::AttendanceRequest* out,
                      bool override_conflicts = false, const std::string& request_id = "") {
    spb::DecideAttendanceRequest d;
    d.set_request_id(request_id.empty() ? NewUuid() : request_id);
    d.set_id(id);
    d.set_approve(approve);
    d.set_reason(reason);
    d.set_override_conflicts(override_conflicts);
    return stub_->DecideAttendance(As(user).get(), d, out);
  }
  spb::AttendanceRequest GetRequest(const std::string& user, const std::string& id) {
    spb::GetAttendanceRequestRequest g;
    g.set_id(id);
    spb::AttendanceRequest r;
    auto s = stub_->GetAttendanceRequest(As(user).get(), g, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r;
  }
  spb::WeekViewResponse Week(const std::string& user, const std::string& leader,
                             const std::string& date, grpc::Status* status = nullptr) {
    spb::WeekViewRequest w;
    w.set_leader(leader);
    w.set_date(date);
    spb::WeekViewResponse resp;
    auto s = stub_->WeekView(As(user).get(), w, &resp);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp;
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* coordination_;
  std::unique_ptr<spb::ScheduleService::Stub> stub_;
};

TempDir* ScheduleTest::dir_ = nullptr;
std::string ScheduleTest::clock_file_;
RedisServer* ScheduleTest::redis_ = nullptr;
ServiceProcess* ScheduleTest::coordination_ = nullptr;

TEST_F(ScheduleTest, EveryMethodNeedsAValidToken) {
  ExpectEveryMethodNeedsAValidToken(coordination_->Channel(),
                                    "zhongshu.coordination.v1.ScheduleService");
}

TEST_F(ScheduleTest, ACoordinatorArrangesAnActivity) {
  const auto a = MustCreate("sun.zonghe", NewActivity("zhang.shuji", "调研清水塘街道防汛工作",
                                                      At(1, 9), At(1, 11), "一号会议室"));
  EXPECT_EQ(a.leader_name(), "张书记");
  EXPECT_EQ(a.state(), spb::ACTIVITY_STATE_SCHEDULED);
  EXPECT_EQ(a.tenant(), "430204");
  EXPECT_EQ(a.created_by(), "sun.zonghe");
  spb::Activity got;
  ASSERT_TRUE(Get("zhang.shuji", a.id(), &got).ok());
  EXPECT_EQ(got.title(), "调研清水塘街道防汛工作");
  EXPECT_EQ(EventsFor(a.id(), "coordination.activity.created"), 1);
  // A unit handler sees nothing it did not ask for.
  EXPECT_CODE(Get("chen.shuili", a.id(), &got), StatusCode::NOT_FOUND);
  // Listing by leader and range.
  spb::ListActivitiesRequest l;
  l.set_leader("zhang.shuji");
  *l.mutable_from_time() = Ts(At(1, 0));
  *l.mutable_to_time() = Ts(At(2, 0));
  spb::ListActivitiesResponse resp;
  ASSERT_TRUE(stub_->ListActivities(As("huang.zhuren").get(), l, &resp).ok());
  ASSERT_EQ(resp.activities_size(), 1);
  EXPECT_EQ(resp.activities(0).id(), a.id());
}

TEST_F(ScheduleTest, TheFormsOfferTheConfiguredVenues) {
  spb::ListVenuesResponse resp;
  ASSERT_TRUE(stub_->ListVenues(As("chen.shuili").get(), spb::ListVenuesRequest(), &resp).ok());
  EXPECT_EQ(std::vector<std::string>(resp.venues().begin(), resp.venues().end()),
            (std::vector<std::string>{"一号会议室", "二号会议室", "常委会议室"}));
  EXPECT_TRUE(resp.allow_free_location());
}

TEST_F(ScheduleTest, AClashIsRefusedListingTheClashingEntries) {
  const auto a = MustCreate(
      "sun.zonghe", NewActivity("zhang.shuji", "区委常委会", At(2, 9), At(2, 11), "常委会议室"));
  const auto before = Footprint();
  spb::Activity out;
  // The same leader at an overlapping time, elsewhere.
  auto s = Create("sun.zonghe",
                  NewActivity("zhang.shuji", "接待来访", At(2, 10), At(2, 12), "二号会议室"), &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find(a.id()), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("区委常委会"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("张书记 (zhang.shuji)"), std::string::npos);
  EXPECT_NE(s.error_message().find("2026-11-25 09:00–11:00"), std::string::npos)
      << s.error_message();
  // Another leader in the same venue.
  s = Create("sun.zonghe",
             NewActivity("liu.quzhang", "政府常务会", At(2, 10, 30), At(2, 11, 30), "常委会议室"),
             &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find(a.id()), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("[venue]"), std::string::npos) << s.error_message();
  EXPECT_EQ(Footprint(), before);
  // The dry run lists them structurally.
  spb::CheckActivityConflictsRequest c;
  c.set_leader("zhang.shuji");
  *c.mutable_start_time() = Ts(At(2, 10));
  *c.mutable_end_time() = Ts(At(2, 12));
  spb::CheckActivityConflictsResponse conflicts;
  ASSERT_TRUE(stub_->CheckActivityConflicts(As("sun.zonghe").get(), c, &conflicts).ok());
  ASSERT_EQ(conflicts.conflicts_size(), 1);
  EXPECT_EQ(conflicts.conflicts(0).activity_id(), a.id());
  EXPECT_EQ(conflicts.conflicts(0).kind(), spb::CONFLICT_KIND_LEADER);
  EXPECT_EQ(conflicts.conflicts(0).title(), "区委常委会");
  // A unit handler may not probe the schedule.
  EXPECT_CODE(stub_->CheckActivityConflicts(As("chen.shuili").get(), c, &conflicts),
              StatusCode::PERMISSION_DENIED);
  // Touching ends do not clash.
  MustCreate("sun.zonghe",
             NewActivity("zhang.shuji", "听取汇报", At(2, 11), At(2, 12), "常委会议室"));
  // A cancelled activity no longer clashes.
  spb::CancelActivityRequest cancel;
  cancel.set_request_id(NewUuid());
  cancel.set_id(a.id());
  cancel.set_reason("改期");
  spb::Activity cancelled;
  ASSERT_TRUE(stub_->CancelActivity(As("sun.zonghe").get(), cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), spb::ACTIVITY_STATE_CANCELLED);
  EXPECT_EQ(EventsFor(a.id(), "coordination.activity.cancelled"), 1);
  MustCreate("sun.zonghe",
             NewActivity("zhang.shuji", "接待来访", At(2, 10), At(2, 11), "二号会议室"));
}

TEST_F(ScheduleTest, OnlyTheDirectorOrTheLeaderOverrides) {
  const auto a = MustCreate(
      "sun.zonghe", NewActivity("liu.quzhang", "政府常务会议", At(3, 9), At(3, 12), "一号会议室"));
  auto clash = NewActivity("liu.quzhang", "项目现场办公", At(3, 10), At(3, 11));
  clash.set_override_conflicts(true);
  const auto before = Footprint();
  spb::Activity out;
  // A coordinator cannot override; nor can another leader.
  EXPECT_CODE(Create("sun.zonghe", clash, &out), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Create("zhang.shuji", clash, &out), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Footprint(), before);
  // The office director does, and the override is on the activity and in the audit trail.
  ASSERT_TRUE(Create("huang.zhuren", clash, &out).ok());
  ASSERT_EQ(out.overrides_size(), 1);
  EXPECT_EQ(out.overrides(0).by(), "huang.zhuren");
  ASSERT_EQ(out.overrides(0).conflicts_size(), 1);
  EXPECT_EQ(out.overrides(0).conflicts(0).activity_id(), a.id());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE resource = '" + out.id() +
                  "' AND detail LIKE '%overridden by huang.zhuren%'"),
            1);
  // The leader overrides on their own schedule.
  auto own = NewActivity("liu.quzhang", "接见企业代表", At(3, 11), At(3, 13));
  own.set_override_conflicts(true);
  ASSERT_TRUE(Create("liu.quzhang", own, &out).ok());
  EXPECT_EQ(out.overrides_size(), 1);
}

TEST_F(ScheduleTest, UpdatesAreRecheckedAndVersioned) {
  const auto a = MustCreate(
      "sun.zonghe", NewActivity("xie.fushuji", "信访接待日", At(4, 9), At(4, 10), "二号会议室"));
  const auto b = MustCreate(
      "sun.zonghe", NewActivity("xie.fushuji", "党建督导", At(4, 14), At(4, 16), "一号会议室"));
  spb::UpdateActivityRequest u;
  u.set_request_id(NewUuid());
  u.set_id(a.id());
  u.set_version(a.version());
  *u.mutable_start_time() = Ts(At(4, 9, 30));
  *u.mutable_end_time() = Ts(At(4, 10, 30));  // overlaps only its old self
  spb::Activity moved;
  ASSERT_TRUE(stub_->UpdateActivity(As("sun.zonghe").get(), u, &moved).ok());
  EXPECT_EQ(moved.version(), a.version() + 1);
  EXPECT_EQ(EventsFor(a.id(), "coordination.activity.updated"), 1);
  // A stale version is refused.
  u.set_request_id(NewUuid());
  EXPECT_CODE(stub_->UpdateActivity(As("sun.zonghe").get(), u, &moved), StatusCode::ABORTED);
  // Onto b: a clash, listing b.
  u.set_request_id(NewUuid());
  u.set_version(a.version() + 1);
  *u.mutable_start_time() = Ts(At(4, 15));
  *u.mutable_end_time() = Ts(At(4, 17));
  auto s = stub_->UpdateActivity(As("sun.zonghe").get(), u, &moved);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find(b.id()), std::string::npos) << s.error_message();
  // End before start after the merge names the field.
  u.set_request_id(NewUuid());
  *u.mutable_start_time() = Ts(At(4, 12));
  *u.mutable_end_time() = Ts(At(4, 11));
  EXPECT_INVALID(stub_->UpdateActivity(As("sun.zonghe").get(), u, &moved), "end_time");
}

TEST_F(ScheduleTest, AnApprovedRequestLandsOnTheWeekView) {
  const auto r = MustRequest("chen.shuili", "zhang.shuji", "防汛应急演练", At(3, 14), At(3, 16));
  EXPECT_EQ(r.state(), spb::ATTENDANCE_STATE_PENDING);
  EXPECT_EQ(r.requesting_unit(), "430204/slj");
  EXPECT_EQ(EventsFor(r.id(), "coordination.attendance.requested"), 1);
  // Another unit does not see it; the leader and coordinators do.
  spb::GetAttendanceRequestRequest g;
  g.set_id(r.id());
  spb::AttendanceRequest other;
  EXPECT_CODE(stub_->GetAttendanceRequest(As("zhou.huanbao").get(), g, &other),
              StatusCode::NOT_FOUND);
  EXPECT_EQ(GetRequest("sun.zonghe", r.id()).id(), r.id());
  // Another leader may not decide it.
  spb::AttendanceRequest decided;
  EXPECT_CODE(Decide("liu.quzhang", r.id(), true, "", &decided), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Decide("chen.shuili", r.id(), true, "", &decided), StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Decide("zhang.shuji", r.id(), true, "", &decided).ok());
  EXPECT_EQ(decided.state(), spb::ATTENDANCE_STATE_APPROVED);
  ASSERT_FALSE(decided.activity_id().empty());
  EXPECT_EQ(EventsFor(r.id(), "coordination.attendance.decided"), 1);
  EXPECT_EQ(EventsFor(decided.activity_id(), "coordination.activity.created"), 1);
  // Deciding again is refused.
  EXPECT_CODE(Decide("zhang.shuji", r.id(), false, "改主意", &decided),
              StatusCode::FAILED_PRECONDITION);
  // On the leader's week (Thursday 2026-11-26), as a coordinator sees it.
  const auto week = Week("sun.zonghe", "zhang.shuji", "2026-11-26");
  EXPECT_EQ(week.week_start(), "2026-11-23");
  ASSERT_EQ(week.days_size(), 7);
  bool found = false;
  for (const auto& a : week.days(3).activities()) found |= a.id() == decided.activity_id();
  EXPECT_TRUE(found);
  EXPECT_TRUE(week.days(3).working_day());
  EXPECT_FALSE(week.days(5).working_day());  // Saturday
  // The unit sees its own activity, and only that, on the week.
  spb::Activity mine;
  ASSERT_TRUE(Get("chen.shuili", decided.activity_id(), &mine).ok());
  EXPECT_EQ(mine.attendance_request_id(), r.id());
  const auto unit_week = Week("chen.shuili", "zhang.shuji", "2026-11-26");
  int seen = 0;
  for (const auto& d : unit_week.days()) {
    for (const auto& a : d.activities()) {
      ++seen;
      EXPECT_EQ(a.requesting_unit(), "430204/slj");
    }
  }
  EXPECT_EQ(seen, 1);
  // The unit's list holds its own requests only.
  spb::ListAttendanceRequestsRequest l;
  spb::ListAttendanceRequestsResponse mine_list, theirs;
  ASSERT_TRUE(stub_->ListAttendanceRequests(As("chen.shuili").get(), l, &mine_list).ok());
  ASSERT_TRUE(stub_->ListAttendanceRequests(As("zhou.huanbao").get(), l, &theirs).ok());
  bool listed = false;
  for (const auto& x : mine_list.requests()) listed |= x.id() == r.id();
  EXPECT_TRUE(listed);
  for (const auto& x : theirs.requests()) EXPECT_NE(x.id(), r.id());
}

TEST_F(ScheduleTest, AnApprovalThatClashesNeedsAnOverride) {
  const auto a = MustCreate("sun.zonghe", NewActivity("zhang.shuji", "理论中心组学习", At(5, 9),
                                                      At(5, 11), "常委会议室"));
  const auto r = MustRequest("zhou.huanbao", "zhang.shuji", "环保督察反馈会", At(5, 10), At(5, 11));
  spb::AttendanceRequest out;
  auto s = Decide("sun.zonghe", r.id(), true, "", &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find(a.id()), std::string::npos) << s.error_message();
  EXPECT_CODE(Decide("sun.zonghe", r.id(), true, "", &out, true), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetRequest("zhang.shuji", r.id()).state(), spb::ATTENDANCE_STATE_PENDING);
  ASSERT_TRUE(Decide("zhang.shuji", r.id(), true, "", &out, true).ok());
  spb::Activity created;
  ASSERT_TRUE(Get("zhang.shuji", out.activity_id(), &created).ok());
  ASSERT_EQ(created.overrides_size(), 1);
  EXPECT_EQ(created.overrides(0).conflicts(0).activity_id(), a.id());
}

TEST_F(ScheduleTest, ARefusalKeepsTheScheduleFree) {
  const auto r =
      MustRequest("wei.zhujian", "liu.quzhang", "保障房项目开工仪式", At(6, 9), At(6, 10));
  spb::AttendanceRequest out;
  EXPECT_INVALID(Decide("liu.quzhang", r.id(), false, "", &out), "reason");
  const int64_t acts = Count("SELECT COUNT(*) FROM schedule_activities");
  ASSERT_TRUE(Decide("liu.quzhang", r.id(), false, "当日另有安排", &out).ok());
  EXPECT_EQ(out.state(), spb::ATTENDANCE_STATE_REFUSED);
  EXPECT_EQ(out.decision_reason(), "当日另有安排");
  EXPECT_TRUE(out.activity_id().empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schedule_activities"), acts);
  // Its expiry timer is gone.
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM timers WHERE owner = '" + r.id() + "' AND fired_at IS NULL"), 0);
}

TEST_F(ScheduleTest, APendingRequestExpiresOnceWhenItsEventStarts) {
  const auto r = MustRequest("deng.yingji", "xie.fushuji", "应急物资储备检查", At(2, 8), At(2, 9));
  const auto decided_ok =
      MustRequest("deng.yingji", "xie.fushuji", "应急演练观摩", At(2, 7), At(2, 7, 30));
  spb::AttendanceRequest out;
  ASSERT_TRUE(Decide("xie.fushuji", decided_ok.id(), true, "", &out).ok());
  // Not before its start.
  SetNow(At(2, 7, 59));
  EXPECT_FALSE(Eventually(
      [&] { return GetRequest("xie.fushuji", r.id()).state() != spb::ATTENDANCE_STATE_PENDING; },
      std::chrono::milliseconds(500)));
  SetNow(At(2, 8, 1));
  EXPECT_TRUE(Eventually(
      [&] { return GetRequest("xie.fushuji", r.id()).state() == spb::ATTENDANCE_STATE_EXPIRED; }));
  const auto expired = GetRequest("xie.fushuji", r.id());
  EXPECT_EQ(expired.decided_by(), "system:coordination");
  EXPECT_TRUE(expired.activity_id().empty());
  // Exactly once: one decided event; an approved request is untouched.
  SetNow(At(2, 10));
  EXPECT_FALSE(Eventually([&] { return EventsFor(r.id(), "coordination.attendance.decided") > 1; },
                          std::chrono::milliseconds(500)));
  EXPECT_EQ(EventsFor(r.id(), "coordination.attendance.decided"), 1);
  EXPECT_EQ(GetRequest("xie.fushuji", decided_ok.id()).state(), spb::ATTENDANCE_STATE_APPROVED);
  EXPECT_EQ(EventsFor(decided_ok.id(), "coordination.attendance.decided"), 1);
  EXPECT_CODE(Decide("xie.fushuji", r.id(), true, "", &out), StatusCode::FAILED_PRECONDITION);
}

TEST_F(ScheduleTest, BadInputWritesNothing) {
  const auto before = Footprint();
  spb::Activity out;
  auto c = NewActivity("zhang.shuji", "调研", At(7, 11), At(7, 10), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.end_time");
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(7, 10), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.end_time");
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(17, 10), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.end_time");
  c = NewActivity("nobody", "调研", At(7, 10), At(7, 11), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.leader");
  c = NewActivity("chen.shuili", "调研", At(7, 10), At(7, 11), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.leader");
  c = NewActivity("yang.shuji", "调研", At(7, 10), At(7, 11), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.leader");
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(7, 11), "九号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.venue");
  c = NewActivity("zhang.shuji", "   ", At(7, 10), At(7, 11), "一号会议室");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.title");
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(7, 11), "一号会议室");
  c.mutable_activity()->set_location("也写了地点");
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "activity.location");
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(7, 11), "一号会议室");
  c.clear_request_id();
  EXPECT_INVALID(Create("sun.zonghe", c, &out), "request_id");
  // Not a coordinator: refused.
  c = NewActivity("zhang.shuji", "调研", At(7, 10), At(7, 11), "一号会议室");
  EXPECT_CODE(Create("chen.shuili", c, &out), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Create("liu.quzhang", c, &out), StatusCode::PERMISSION_DENIED);
  // A request for an event already started, or without a reason.
  spb::RequestAttendanceRequest r;
  r.set_request_id(NewUuid());
  auto& a = *r.mutable_attendance();
  a.set_leader("zhang.shuji");
  a.set_title("座谈会");
  *a.mutable_start_time() = Ts(At(0, 8));
  *a.mutable_end_time() = Ts(At(0, 10));
  a.set_location("区政府");
  a.set_reason("请出席");
  spb::AttendanceRequest ar;
  EXPECT_INVALID(stub_->RequestAttendance(As("chen.shuili").get(), r, &ar),
                 "attendance.start_time");
  *a.mutable_start_time() = Ts(At(7, 8));
  *a.mutable_end_time() = Ts(At(7, 10));
  a.clear_reason();
  EXPECT_INVALID(stub_->RequestAttendance(As("chen.shuili").get(), r, &ar), "attendance.reason");
  a.set_reason("请出席");
  EXPECT_CODE(stub_->RequestAttendance(As("he.zhiban").get(), r, &ar),
              StatusCode::PERMISSION_DENIED);
  spb::WeekViewRequest w;
  w.set_leader("zhang.shuji");
  w.set_date("2026-13-01");
  spb::WeekViewResponse wr;
  EXPECT_INVALID(stub_->WeekView(As("sun.zonghe").get(), w, &wr), "date");
  EXPECT_EQ(Footprint(), before);
}

TEST_F(ScheduleTest, AnotherTenantGetsNotFound) {
  const auto a = MustCreate(
      "sun.zonghe", NewActivity("zhang.shuji", "项目观摩", At(8, 9), At(8, 11), "一号会议室"));
  const auto r = MustRequest("chen.shuili", "zhang.shuji", "水库巡查", At(8, 14), At(8, 15));
  const auto before = Footprint();
  spb::Activity out;
  EXPECT_CODE(Get("qin.zonghe", a.id(), &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(Get("yang.shuji", a.id(), &out), StatusCode::NOT_FOUND);
  spb::UpdateActivityRequest u;
  u.set_request_id(NewUuid());
  u.set_id(a.id());
  u.set_version(a.version());
  u.set_title("改");
  EXPECT_CODE(stub_->UpdateActivity(As("qin.zonghe").get(), u, &out), StatusCode::NOT_FOUND);
  spb::CancelActivityRequest cancel;
  cancel.set_request_id(NewUuid());
  cancel.set_id(a.id());
  EXPECT_CODE(stub_->CancelActivity(As("qin.zonghe").get(), cancel, &out), StatusCode::NOT_FOUND);
  spb::AttendanceRequest ar;
  EXPECT_CODE(Decide("qin.zonghe", r.id(), true, "", &ar), StatusCode::NOT_FOUND);
  EXPECT_CODE(Decide("yang.shuji", r.id(), true, "", &ar), StatusCode::NOT_FOUND);
  spb::GetAttendanceRequestRequest g;
  g.set_id(r.id());
  EXPECT_CODE(stub_->GetAttendanceRequest(As("qin.zonghe").get(), g, &ar), StatusCode::NOT_FOUND);
  grpc::Status s;
  Week("qin.zonghe", "zhang.shuji", "2026-12-01", &s);
  EXPECT_CODE(s, StatusCode::NOT_FOUND);
  spb::ListActivitiesRequest l;
  spb::ListActivitiesResponse resp;
  ASSERT_TRUE(stub_->ListActivities(As("qin.zonghe").get(), l, &resp).ok());
  for (const auto& x : resp.activities()) EXPECT_EQ(x.tenant(), "430203");
  spb::ListAttendanceRequestsRequest lr;
  spb::ListAttendanceRequestsResponse lresp;
  ASSERT_TRUE(stub_->ListAttendanceRequests(As("qin.zonghe").get(), lr, &lresp).ok());
  EXPECT_EQ(lresp.requests_size(), 0);
  EXPECT_EQ(Footprint(), before);
}

TEST_F(ScheduleTest, ARetryWithTheSameRequestIdMakesOneEffect) {
  auto c = NewActivity("liu.quzhang", "招商引资洽谈", At(9, 9), At(9, 10), "二号会议室");
  spb::Activity first, second;
  ASSERT_TRUE(Create("sun.zonghe", c, &first).ok());
  const auto after_first = Footprint();
  ASSERT_TRUE(Create("sun.zonghe", c, &second).ok());
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(Footprint(), after_first);
  EXPECT_EQ(EventsFor(first.id(), "coordination.activity.created"), 1);

  const auto r = MustRequest("chen.shuili", "liu.quzhang", "河长制工作会", At(9, 14), At(9, 15));
  const std::string rid = NewUuid();
  spb::AttendanceRequest d1, d2;
  ASSERT_TRUE(Decide("liu.quzhang", r.id(), true, "", &d1, false, rid).ok());
  const auto after_decide = Footprint();
  ASSERT_TRUE(Decide("liu.quzhang", r.id(), true, "", &d2, false, rid).ok());
  EXPECT_EQ(d1.activity_id(), d2.activity_id());
  EXPECT_EQ(Footprint(), after_decide);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schedule_activities WHERE id = '" + d1.activity_id() + "'"),
            1);
}

TEST_F(ScheduleTest, TwoReplicasAndAKillExpireARequestExactlyOnce) {
  const auto r = MustRequest("chen.shuili", "xie.fushuji", "堤防巡查", At(10, 9), At(10, 10));
  // A second replica on the same database; the first is killed (-9) before the event starts.
  auto second = StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination",
                                  clock_file_, Env(), "second");
  coordination_->Kill();
  SetNow(At(10, 9, 1));
  auto second_stub = spb::ScheduleService::NewStub(second->Channel());
  auto state = [&] {
    spb::GetAttendanceRequestRequest g;
    g.set_id(r.id());
    spb::AttendanceRequest got;
    auto s = second_stub->GetAttendanceRequest(As("xie.fushuji").get(), g, &got);
    return s.ok() ? got.state() : spb::ATTENDANCE_STATE_UNSPECIFIED;
  };
  EXPECT_TRUE(Eventually([&] { return state() == spb::ATTENDANCE_STATE_EXPIRED; }));
  // The first comes back; both drive the timers; still one effect.
  coordination_->Start();
  SetNow(At(10, 12));
  EXPECT_FALSE(Eventually([&] { return EventsFor(r.id(), "coordination.attendance.decided") > 1; },
                          std::chrono::milliseconds(800)));
  EXPECT_EQ(EventsFor(r.id(), "coordination.attendance.decided"), 1);
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM timers WHERE owner = '" + r.id() + "' AND outcome = 'fired'"), 1);
  second->Stop();
}

}  // namespace
}  // namespace zs::testing

// The meetings module of the coordination service (会议) with the real supervision service on a
// real Redis: a 联席会议 requested, approved, its minutes and a decision (议定事项) that opens
// exactly one supervision item (also when the decision is retried); bad input writes nothing;
// another county sees nothing; venue clashes refused and overridden by the office director; a
// weekly 调度会 series on the working-day calendar (the National Day holiday moves a Monday
// meeting).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {
namespace {

namespace ev = zhongshu::events::v1;
namespace mpb = zhongshu::coordination::v1;
namespace spb = zhongshu::supervision::v1;
using grpc::StatusCode;

// 2026-09-28 is a Monday; 01:00 UTC is 09:00 in China. 10-01..10-07 is the National Day holiday.
constexpr int64_t kMonday0900 = 1790557200000;
constexpr int64_t kHour = 3600000;
constexpr int64_t kDay = 24 * kHour;
constexpr char kCoordinationStream[] = "zs:events:coordination";
constexpr char kDecisionRecorded[] = "coordination.meeting.decision_recorded";

#define EXPECT_CODE(status, code) EXPECT_TRUE(HasCode((status), (code)))

CivilDate D(const char* s) { return *ParseDate(s); }

class CoordinationMeetingsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kMonday0900);
    redis_ = new RedisServer();
    coordination_ = StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination",
                                      clock_file_, {{"ZS_MEETINGS_SERIES_INTERVAL", "200ms"}})
                        .release();
    supervision_ = new ServiceProcess(
        "supervision", ZS_SUPERVISION_BIN, redis_->address(), dir_->path() + "/supervision",
        {{"ZS_CLOCK_FILE", clock_file_},
         {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
         {"ZS_UPSTREAM_REPORTING_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
         {"ZS_UPSTREAM_PROPOSALS_ADDRESS", "127.0.0.1:" + std::to_string(FreePort())},
         {"ZS_UPSTREAM_COORDINATION_ADDRESS", coordination_->address()}});
    supervision_->Start();
  }
  static void TearDownTestSuite() {
    delete supervision_;
    delete coordination_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override {
    stub_ = mpb::MeetingsService::NewStub(coordination_->Channel());
    sstub_ = spb::SupervisionService::NewStub(supervision_->Channel());
  }
  void TearDown() override { SetNow(kMonday0900); }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }
  int64_t Count(const std::string& sql) { return QueryInt(coordination_->db_path(), sql); }
  // Meetings, outbox events and audit rows: what a refused call must not have written.
  int64_t Written() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM meetings) + (SELECT COUNT(*) FROM outbox) + "
        "(SELECT COUNT(*) FROM audit_log)");
  }

  // A meeting on `day` from `from` to `to` o'clock (local) at `venue`.
  static mpb::Meeting Draft(const std::string& title, const char* day, int from, int to,
                            const std::string& venue = "第一会议室",
                            mpb::MeetingKind kind = mpb::MEETING_KIND_JOINT) {
    mpb::Meeting m;
    m.set_kind(kind);
    m.set_title(title);
    *m.mutable_start_time() = ToProto(AtLocalHour(D(day), from, 480));
    *m.mutable_end_time() = ToProto(AtLocalHour(D(day), to, 480));
    m.set_venue(venue);
    m.set_presiding_leader("zhang.shuji");
    m.add_participant_leaders("liu.quzhang");
    m.add_participant_units("430204/slj");
    m.add_participant_units("430204/sthj");
    m.add_agenda("通报清水塘片区水质检测结果");
    m.add_agenda("研究管网排查分工");
    return m;
  }
  grpc::Status Request(const std::string& user, const mpb::Meeting& m, mpb::Meeting* out,
                       bool override_conflicts = false) {
    mpb::RequestMeetingRequest r;
    r.set_request_id(NewUuid());
    *r.mutable_meeting() = m;
    r.set_override_conflicts(override_conflicts);
    return stub_->RequestMeeting(As(user).get(), r, out);
  }
  grpc::Status Approve(const std::string& user, const std::string& id, mpb::Meeting* out,
                       bool override_conflicts = false) {
    mpb::ApproveMeetingRequest r;
    r.set_request_id(NewUuid());
    r.set_id(id);
    r.set_override_conflicts(override_conflicts);
    return stub_->ApproveMeeting(As(user).get(), r, out);
  }
  mpb::Meeting Approved(const mpb::Meeting& draft) {
    mpb::Meeting m;
    auto s = Request("sun.zonghe", draft, &m);
    EXPECT_TRUE(s.ok()) << s.error_message();
    mpb::Meeting a;
    s = Approve("huang.zhuren", m.id(), &a);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(a.state(), mpb::MEETING_STATE_APPROVED);
    return a;
  }
  std::vector<ev::MeetingDecisionRecorded> DecisionsOnStream(const std::string& decision_id) {
    std::vector<ev::MeetingDecisionRecorded> out;
    for (const auto& e : EventsOfType(*redis_, kCoordinationStream, kDecisionRecorded)) {
      ev::MeetingDecisionRecorded d;
      if (e.payload().UnpackTo(&d) && d.decision_id() == decision_id) {
        EXPECT_EQ(e.tenant(), "430204");
        EXPECT_EQ(e.source(), "coordination");
        out.push_back(d);
      }
    }
    return out;
  }
  std::vector<mpb::Meeting> OfSeries(const std::string& series_id) {
    mpb::ListMeetingsRequest r;
    r.set_series_id(series_id);
    r.set_page_size(500);
    mpb::ListMeetingsResponse resp;
    auto s = stub_->ListMeetings(As("sun.zonghe").get(), r, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.meetings().begin(), resp.meetings().end()};
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* coordination_;
  static ServiceProcess* supervision_;
  std::unique_ptr<mpb::MeetingsService::Stub> stub_;
  std::unique_ptr<spb::SupervisionService::Stub> sstub_;
};

TempDir* CoordinationMeetingsTest::dir_ = nullptr;
std::string CoordinationMeetingsTest::clock_file_;
RedisServer* CoordinationMeetingsTest::redis_ = nullptr;
ServiceProcess* CoordinationMeetingsTest::coordination_ = nullptr;
ServiceProcess* CoordinationMeetingsTest::supervision_ = nullptr;

TEST_F(CoordinationMeetingsTest, JointMeetingDecisionOpensExactlyOneSupervisionItem) {
  // 联席会议 on Tuesday 09-29, 09:00–11:00, requested by the office and approved by the director.
  mpb::Meeting m;
  ASSERT_TRUE(
      Request("sun.zonghe", Draft("清水塘饮用水安全联席会议", "2026-09-29", 9, 11), &m).ok());
  EXPECT_EQ(m.state(), mpb::MEETING_STATE_REQUESTED);
  EXPECT_EQ(m.presiding_leader_name(), "张书记");
  mpb::Meeting approved;
  ASSERT_TRUE(Approve("huang.zhuren", m.id(), &approved).ok());
  EXPECT_EQ(approved.state(), mpb::MEETING_STATE_APPROVED);

  // No minutes before it starts.
  mpb::RecordMinutesRequest minutes;
  minutes.set_request_id(NewUuid());
  minutes.set_id(m.id());
  minutes.set_text("会议听取了水质检测情况汇报，研究了管网排查分工。");
  mpb::Meeting out;
  EXPECT_CODE(stub_->RecordMinutes(As("sun.zonghe").get(), minutes, &out),
              StatusCode::FAILED_PRECONDITION);
  SetNow(kMonday0900 + kDay + kHour);  // Tuesday 10:00
  minutes.set_request_id(NewUuid());
  ASSERT_TRUE(stub_->RecordMinutes(As("sun.zonghe").get(), minutes, &out).ok());
  EXPECT_EQ(out.minutes(), minutes.text());

  mpb::RecordDecisionRequest d;
  d.set_request_id(NewUuid());
  d.set_id(m.id());
  d.set_text("区水利局牵头，一个月内完成清水塘片区供水管网排查");
  d.set_lead_unit("430204/slj");
  d.add_co_units("430204/sthj");
  d.set_due_date("2026-10-30");
  mpb::Meeting decided;
  auto s = stub_->RecordDecision(As("sun.zonghe").get(), d, &decided);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(decided.decisions_size(), 1);
  const mpb::Decision decision = decided.decisions(0);
  EXPECT_EQ(decision.lead_unit_name(), "区水利局");
  // The retry answers the same and records nothing more.
  mpb::Meeting again;
  ASSERT_TRUE(stub_->RecordDecision(As("sun.zonghe").get(), d, &again).ok());
  ASSERT_EQ(again.decisions_size(), 1);
  EXPECT_EQ(again.decisions(0).id(), decision.id());

  // Supervision opens one 常委议定事项 item, with one task for the lead unit.
  std::vector<spb::Item> items;
  ASSERT_TRUE(Eventually([&] {
    items = ItemsWithSource(*sstub_, decision.id());
    return !items.empty();
  })) << supervision_->Log();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].source_type(), ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION);
  EXPECT_EQ(items[0].instructing_leader(), "zhang.shuji");
  EXPECT_EQ(items[0].deadline(), "2026-10-30");
  spb::ListTasksRequest lt;
  lt.set_item_id(items[0].id());
  spb::ListTasksResponse tasks;
  ASSERT_TRUE(sstub_->ListTasks(As("zhao.ducha").get(), lt, &tasks).ok());
  ASSERT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(tasks.tasks(0).lead_unit(), "430204/slj");
  ASSERT_EQ(tasks.tasks(0).co_units_size(), 1);
  EXPECT_EQ(tasks.tasks(0).co_units(0), "430204/sthj");
  spb::GetItemRequest gi;
  gi.set_id(items[0].id());
  spb::Item item;
  EXPECT_TRUE(sstub_->GetItem(As("zhao.ducha").get(), gi, &item).ok());

  auto on_stream = DecisionsOnStream(decision.id());
  ASSERT_EQ(on_stream.size(), 1u);
  EXPECT_EQ(on_stream[0].chaired_by(), "zhang.shuji");
  EXPECT_EQ(on_stream[0].meeting_id(), m.id());
  // One item, ever: supervision's items are unique per source.
  EXPECT_EQ(ItemsWithSource(*sstub_, decision.id()).size(), 1u);

  // A service of the tenant (supervision verifying the event) reads every decision.
  auth::Principal svc{"svc:supervision", "", "430204", "", {"service"}};
  mpb::GetMeetingRequest g;
  g.set_id(m.id());
  mpb::Meeting seen;
  ASSERT_TRUE(stub_->GetMeeting(ContextFor(TokenFor(svc)).get(), g, &seen).ok());
  ASSERT_EQ(seen.decisions_size(), 1);
  EXPECT_EQ(seen.decisions(0).id(), decision.id());
  EXPECT_EQ(seen.decisions(0).text(), d.text());
  EXPECT_EQ(seen.decisions(0).lead_unit(), "430204/slj");
  EXPECT_EQ(seen.decisions(0).due_date(), "2026-10-30");
  // A participating unit reads it; a unit that takes no part does not.
  EXPECT_TRUE(stub_->GetMeeting(As("chen.shuili").get(), g, &seen).ok());
  EXPECT_CODE(stub_->GetMeeting(As("wei.zhujian").get(), g, &seen), StatusCode::NOT_FOUND);
  auth::Principal other_svc{"svc:supervision", "", "430203", "", {"service"}};
  EXPECT_CODE(stub_->GetMeeting(ContextFor(TokenFor(other_svc)).get(), g, &seen),
              StatusCode::NOT_FOUND);

  // A decision without a due date is due 10 working days after the meeting (09-29 → 10-19,
  // across the holiday and the make-up Saturday 10-10).
  d.set_request_id(NewUuid());
  d.clear_due_date();
  d.clear_co_units();
  ASSERT_TRUE(stub_->RecordDecision(As("sun.zonghe").get(), d, &decided).ok());
  ASSERT_EQ(decided.decisions_size(), 2);
  EXPECT_EQ(decided.decisions(1).due_date(), "2026-10-19");
}

TEST_F(CoordinationMeetingsTest, BadInputWritesNothing) {
  const mpb::Meeting a = Approved(Draft("防汛调度联席会议", "2026-09-29", 14, 16));
  SetNow(kMonday0900 + kDay + 6 * kHour);  // Tuesday 15:00
  mpb::RecordMinutesRequest minutes;
  minutes.set_request_id(NewUuid());
  minutes.set_id(a.id());
  minutes.set_text("纪要");
  mpb::Meeting out;
  ASSERT_TRUE(stub_->RecordMinutes(As("sun.zonghe").get(), minutes, &out).ok());

  const int64_t before = Written();
  auto expect_invalid = [&](const grpc::Status& s, const std::string& field) {
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  };
  expect_invalid(Request("sun.zonghe", Draft("倒序会议", "2026-09-30", 11, 9), &out),
                 "meeting.end_time");
  expect_invalid(Request("sun.zonghe", Draft("空会议", "2026-09-30", 9, 9), &out),
                 "meeting.end_time");
  expect_invalid(Request("sun.zonghe", Draft("无处开会", "2026-09-30", 9, 10, "礼堂"), &out),
                 "meeting.venue");
  auto m = Draft("无人主持", "2026-09-30", 9, 10);
  m.set_presiding_leader("sun.zonghe");
  expect_invalid(Request("sun.zonghe", m, &out), "meeting.presiding_leader");
  m = Draft("外县领导", "2026-09-30", 9, 10);
  m.add_participant_leaders("yang.shuji");
  expect_invalid(Request("sun.zonghe", m, &out), "meeting.participant_leaders[1]");
  m = Draft("外县单位", "2026-09-30", 9, 10);
  m.add_participant_units("430203/slj");
  expect_invalid(Request("sun.zonghe", m, &out), "meeting.participant_units");

  mpb::RecordDecisionRequest d;
  d.set_request_id(NewUuid());
  d.set_id(a.id());
  d.set_text("加强汛期值守");
  expect_invalid(stub_->RecordDecision(As("sun.zonghe").get(), d, &out), "lead_unit");
  d.set_lead_unit("430204/nowhere");
  expect_invalid(stub_->RecordDecision(As("sun.zonghe").get(), d, &out), "lead_unit");
  d.set_lead_unit("430204/yjj");
  d.set_due_date("2026-09-28");  // before the meeting
  expect_invalid(stub_->RecordDecision(As("sun.zonghe").get(), d, &out), "due_date");
  d.set_due_date("2026-10-30");
  d.add_co_units("430203/slj");
  expect_invalid(stub_->RecordDecision(As("sun.zonghe").get(), d, &out), "co_units");
  // Not allowed: a clerk requests, a unit handler approves or records.
  EXPECT_CODE(Request("wang.xinxi", Draft("x", "2026-09-30", 9, 10), &out),
              StatusCode::PERMISSION_DENIED);
  mpb::Meeting pending;
  ASSERT_TRUE(Request("chen.shuili", Draft("水利局申报", "2026-10-13", 9, 10), &pending).ok());
  EXPECT_EQ(pending.requesting_unit(), "430204/slj");
  const int64_t after_request = Written();
  EXPECT_GT(after_request, before);
  EXPECT_CODE(Approve("chen.shuili", pending.id(), &out), StatusCode::PERMISSION_DENIED);
  mpb::RejectMeetingRequest rj;
  rj.set_request_id(NewUuid());
  rj.set_id(pending.id());
  EXPECT_CODE(stub_->RejectMeeting(As("huang.zhuren").get(), rj, &out),
              StatusCode::INVALID_ARGUMENT);  // no reason
  EXPECT_EQ(Written(), after_request);
  EXPECT_TRUE(DecisionsOnStream(a.id() + "-d1").empty());
}

TEST_F(CoordinationMeetingsTest, AnotherCountySeesNothing) {
  const mpb::Meeting a = Approved(Draft("石峰区月例会", "2026-10-09", 9, 10));
  mpb::GetMeetingRequest g;
  g.set_id(a.id());
  mpb::Meeting out;
  EXPECT_CODE(stub_->GetMeeting(As("qin.zonghe").get(), g, &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(stub_->GetMeeting(As("yang.shuji").get(), g, &out), StatusCode::NOT_FOUND);
  mpb::CancelMeetingRequest c;
  c.set_request_id(NewUuid());
  c.set_id(a.id());
  EXPECT_CODE(stub_->CancelMeeting(As("qin.zonghe").get(), c, &out), StatusCode::NOT_FOUND);
  mpb::RecordMinutesRequest r;
  r.set_request_id(NewUuid());
  r.set_id(a.id());
  r.set_text("x");
  EXPECT_CODE(stub_->RecordMinutes(As("qin.zonghe").get(), r, &out), StatusCode::NOT_FOUND);
  mpb::ListMeetingsRequest l;
  mpb::ListMeetingsResponse lr;
  ASSERT_TRUE(stub_->ListMeetings(As("qin.zonghe").get(), l, &lr).ok());
  for (const auto& m : lr.meetings()) EXPECT_EQ(m.tenant(), "430203");
  // Its own county's meeting is still there.
  ASSERT_TRUE(stub_->GetMeeting(As("sun.zonghe").get(), g, &out).ok());
  EXPECT_EQ(out.state(), mpb::MEETING_STATE_APPROVED);
}

TEST_F(CoordinationMeetingsTest, TheFormsOfferTheConfiguredRooms) {
  mpb::ListVenuesResponse resp;
  ASSERT_TRUE(stub_->ListVenues(As("chen.shuili").get(), mpb::ListVenuesRequest(), &resp).ok());
  EXPECT_EQ(std::vector<std::string>(resp.venues().begin(), resp.venues().end()),
            (std::vector<std::string>{"常委会议室", "第一会议室", "第二会议室"}));
}

TEST_F(CoordinationMeetingsTest, VenueClashRefusedThenOverriddenByTheDirector) {
  const mpb::Meeting a = Approved(Draft("安全生产调度会", "2026-09-30", 14, 16, "第二会议室"));
  mpb::Meeting out;
  // Overlapping the approved meeting: refused, naming it.
  auto s = Request("sun.zonghe", Draft("环保督察整改会", "2026-09-30", 15, 17, "第二会议室"), &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find(a.id()), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("安全生产调度会"), std::string::npos);
  EXPECT_NE(s.error_message().find("2026-09-30 14:00"), std::string::npos);
  // Touching ends do not clash; another room does not either.
  EXPECT_TRUE(
      Request("sun.zonghe", Draft("紧接着的会", "2026-09-30", 16, 17, "第二会议室"), &out).ok());
  EXPECT_TRUE(
      Request("sun.zonghe", Draft("另一间的会", "2026-09-30", 15, 17, "第一会议室"), &out).ok());
  // Only the director (or a leader) overrides.
  EXPECT_CODE(Request("sun.zonghe", Draft("环保督察整改会", "2026-09-30", 15, 17, "第二会议室"),
                      &out, true),
              StatusCode::PERMISSION_DENIED);
  mpb::Meeting overridden;
  s = Request("huang.zhuren", Draft("环保督察整改会", "2026-09-30", 15, 17, "第二会议室"),
              &overridden, true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(overridden.conflicts_overridden());

  // Approval checks the clash again: two requests for one slot, the first approved.
  mpb::Meeting f, g;
  ASSERT_TRUE(Request("sun.zonghe", Draft("甲会", "2026-10-09", 14, 16, "常委会议室"), &f).ok());
  ASSERT_TRUE(Request("sun.zonghe", Draft("乙会", "2026-10-09", 15, 16, "常委会议室"), &g).ok());
  ASSERT_TRUE(Approve("sun.zonghe", f.id(), &out).ok());
  s = Approve("sun.zonghe", g.id(), &out);
  EXPECT_EQ(s.error_code(), StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find(f.id()), std::string::npos) << s.error_message();
  EXPECT_CODE(Approve("sun.zonghe", g.id(), &out, true), StatusCode::PERMISSION_DENIED);
  s = Approve("huang.zhuren", g.id(), &out, true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), mpb::MEETING_STATE_APPROVED);
  EXPECT_TRUE(out.conflicts_overridden());
  // A cancelled meeting frees its room.
  mpb::CancelMeetingRequest c;
  c.set_request_id(NewUuid());
  c.set_id(a.id());
  c.set_reason("改期");
  ASSERT_TRUE(stub_->CancelMeeting(As("sun.zonghe").get(), c, &out).ok());
  mpb::Meeting late;
  ASSERT_TRUE(
      Request("sun.zonghe", Draft("改在原时段", "2026-09-30", 14, 15, "第二会议室"), &late).ok());
  // The meetings requested over the clash are not approved: approving 14–15 is fine.
  ASSERT_TRUE(Approve("sun.zonghe", late.id(), &out).ok());
}

TEST_F(CoordinationMeetingsTest, WeeklySeriesMovesAHolidayMeetingToTheNextWorkingDay) {
  mpb::CreateMeetingSeriesRequest r;
  r.set_request_id(NewUuid());
  auto& s = *r.mutable_series();
  s.set_kind(mpb::MEETING_KIND_DISPATCH);
  s.set_title("区政府周调度会");
  s.set_frequency(mpb::SERIES_FREQUENCY_WEEKLY);
  s.set_weekday(1);
  s.set_start_local_time("08:00");
  s.set_duration_minutes(60);
  s.set_venue("常委会议室");
  s.set_presiding_leader("liu.quzhang");
  s.add_participant_units("430204/zjj");
  mpb::MeetingSeries series;
  auto st = stub_->CreateMeetingSeries(As("sun.zonghe").get(), r, &series);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(series.first_date(), "2026-09-28");
  EXPECT_EQ(series.generated_through(), "2026-10-26");  // horizon_days 28

  auto dates = [&] {
    std::set<std::string> out;
    for (const auto& m : OfSeries(series.id())) {
      EXPECT_EQ(m.state(), mpb::MEETING_STATE_APPROVED);
      EXPECT_TRUE(out.insert(m.series_date()).second) << "twice: " << m.series_date();
    }
    return out;
  };
  EXPECT_EQ(dates(), (std::set<std::string>{"2026-09-28", "2026-10-08", "2026-10-12", "2026-10-19",
                                            "2026-10-26"}));
  // A unit taking part sees them; one that does not, does not.
  mpb::ListMeetingsRequest l;
  l.set_series_id(series.id());
  mpb::ListMeetingsResponse lr;
  ASSERT_TRUE(stub_->ListMeetings(As("wei.zhujian").get(), l, &lr).ok());
  EXPECT_EQ(lr.meetings_size(), 5);
  mpb::ListMeetingsResponse none;
  ASSERT_TRUE(stub_->ListMeetings(As("deng.yingji").get(), l, &none).ok());
  EXPECT_EQ(none.meetings_size(), 0);

  // A week later the periodic job of two replicas on one database extends the series to the new
  // horizon, each day once.
  auto replica = StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination",
                                   clock_file_, {{"ZS_MEETINGS_SERIES_INTERVAL", "50ms"}}, "b");
  SetNow(kMonday0900 + 7 * kDay);
  const std::set<std::string> expected{"2026-09-28", "2026-10-08", "2026-10-12",
                                       "2026-10-19", "2026-10-26", "2026-11-02"};
  ASSERT_TRUE(Eventually([&] { return dates() == expected; })) << coordination_->Log();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM meetings WHERE series_id = '" + series.id() + "'"), 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'meeting.generate' AND detail "
                  "LIKE '" +
                  series.id() + "|%'"),
            6);
  replica.reset();
  mpb::GetMeetingSeriesRequest g;
  g.set_id(series.id());
  mpb::MeetingSeries got;
  ASSERT_TRUE(stub_->GetMeetingSeries(As("huang.zhuren").get(), g, &got).ok());
  EXPECT_EQ(got.generated_through(), "2026-11-02");
  EXPECT_CODE(stub_->GetMeetingSeries(As("qin.zonghe").get(), g, &got), StatusCode::NOT_FOUND);

  // Bad series input writes nothing.
  const int64_t before = Written();
  r.set_request_id(NewUuid());
  s.set_weekday(9);
  mpb::MeetingSeries bad;
  EXPECT_CODE(stub_->CreateMeetingSeries(As("sun.zonghe").get(), r, &bad),
              StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Written(), before);
}

}  // namespace
}  // namespace zs::testing

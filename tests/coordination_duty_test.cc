// Duty and emergencies (值班/应急) against the real coordination and reporting binaries, real
// SQLite and a real redis-server: a real emergency report opens exactly one incident with its
// plan's checklist and alerts the day's duty leader; a follow-up joins it; an unacknowledged alert
// escalates exactly once; acknowledging stops it; forged events are dead-lettered; bad input
// writes nothing; another tenant gets NOT_FOUND.
#include <gtest/gtest.h>

#include <fstream>

#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "harness/harness.h"
#include "harness/office.h"
#include "zhongshu/coordination/v1/duty.grpc.pb.h"
#include "zhongshu/events/v1/coordination_duty.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace pb = zhongshu::coordination::v1;
namespace rpb = zhongshu::reporting::v1;
namespace ev = zhongshu::events::v1;
using grpc::StatusCode;

constexpr int64_t kNow = 1795395600000;  // 2026-11-23 09:00 China time
constexpr int64_t kMinute = 60000;
constexpr char kToday[] = "2026-11-23";

#define EXPECT_CODE(status, code) EXPECT_EQ((status).error_code(), code) << (status).error_message()

class CoordinationDutyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kNow);
    redis_ = new RedisServer();
    reporting_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                    dir_->path() + "/reporting",
                                    {{"ZS_CLOCK_FILE", clock_file_},
                                     {"ZS_EVENTS_RELAY_CHECK_INTERVAL", "200ms"},
                                     {"ZS_EVENTS_RELAY_BACKOFF_MAX", "200ms"}});
    reporting_->Start();
    coordination_ =
        StartCoordination(ZS_COORDINATION_BIN, *redis_, dir_->path() + "/coordination", clock_file_,
                          {{"ZS_UPSTREAM_REPORTING_ADDRESS", reporting_->address()},
                           {"ZS_DUTY_CHECK_INTERVAL", "100ms"}})
            .release();
  }
  static void TearDownTestSuite() {
    delete coordination_;
    delete reporting_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override { SetNow(kNow); }

  std::unique_ptr<pb::DutyService::Stub> duty_ = pb::DutyService::NewStub(coordination_->Channel());
  std::unique_ptr<rpb::ReportingService::Stub> reports_ =
      rpb::ReportingService::NewStub(reporting_->Channel());

  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    return ContextFor(TokenFor(user));
  }

  // A submitted emergency report of 王信息 (grade III, tagged `tag`), following `previous`.
  rpb::Report Emergency(const std::string& title, const std::string& tag,
                        const std::string& previous = "",
                        rpb::Sensitivity sensitivity = rpb::SENSITIVITY_INTERNAL) {
    rpb::CreateReportRequest c;
    c.set_request_id(NewUuid());
    rpb::Report& r = *c.mutable_report();
    r.set_title(title);
    r.set_body("现场已疏散周边群众。");
    r.set_kind(rpb::REPORT_KIND_EMERGENCY);
    r.set_sensitivity(sensitivity);
    if (!tag.empty()) r.add_tags(tag);
    auto* e = r.mutable_emergency();
    e->set_grade(rpb::EMERGENCY_GRADE_III);
    *e->mutable_occurred_at() = ToProto(FromMillis(kNow - 20 * kMinute));
    *e->mutable_learned_at() = ToProto(FromMillis(kNow - 10 * kMinute));
    e->set_place("清水塘街道霞湾路");
    e->set_previous_id(previous);
    rpb::Report out;
    auto s = reports_->CreateReport(As("wang.xinxi").get(), c, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    rpb::SubmitReportRequest sub;
    sub.set_request_id(NewUuid());
    sub.set_id(out.id());
    s = reports_->SubmitReport(As("wang.xinxi").get(), sub, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status SetDuty(const std::string& user, const std::string& date, const std::string& leader,
                       const std::vector<std::string>& officers, pb::DutyDay* out) {
    pb::SetDutyRequest req;
    req.set_request_id(NewUuid());
    req.set_date(date);
    req.set_leader(leader);
    for (const auto& o : officers) req.add_officers(o);
    return duty_->SetDuty(As(user).get(), req, out);
  }

  std::vector<pb::Incident> Incidents(const std::string& user = "sun.zonghe") {
    pb::ListIncidentsRequest req;
    req.set_page_size(100);
    pb::ListIncidentsResponse resp;
    auto s = duty_->ListIncidents(As(user).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.incidents().begin(), resp.incidents().end()};
  }
  // The incidents of a chain (there must be at most one).
  std::vector<pb::Incident> OfChain(const std::string& chain,
                                    const std::string& user = "sun.zonghe") {
    std::vector<pb::Incident> out;
    for (auto& i : Incidents(user)) {
      if (i.chain_id() == chain) out.push_back(std::move(i));
    }
    return out;
  }
  pb::Incident WaitIncident(
      const std::string& chain, const std::function<bool(const pb::Incident&)>& done =
                                    [](const pb::Incident&) { return true; }) {
    pb::Incident found;
    EXPECT_TRUE(Eventually([&] {
      auto v = OfChain(chain);
      if (v.size() != 1 || !done(v[0])) return false;
      found = v[0];
      return true;
    })) << "no incident for chain "
        << chain << "\n"
        << coordination_->Log();
    return found;
  }
  grpc::Status Ack(const std::string& user, const std::string& id, pb::Incident* out) {
    pb::AcknowledgeAlertRequest req;
    req.set_request_id(NewUuid());
    req.set_id(id);
    return duty_->AcknowledgeAlert(As(user).get(), req, out);
  }
  int64_t Count(const std::string& sql) { return QueryInt(coordination_->db_path(), sql); }
  int64_t EventsFor(const std::string& type, const std::string& incident) {
    int64_t n = 0;
    for (const auto& e : EventsOfType(*redis_, "zs:events:coordination", type)) {
      ev::IncidentChanged p;
      if (e.payload().UnpackTo(&p) && p.incident_id() == incident) ++n;
    }
    return n;
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* reporting_;
  static ServiceProcess* coordination_;
};

TempDir* CoordinationDutyTest::dir_ = nullptr;
std::string CoordinationDutyTest::clock_file_;
RedisServer* CoordinationDutyTest::redis_ = nullptr;
ServiceProcess* CoordinationDutyTest::reporting_ = nullptr;
ServiceProcess* CoordinationDutyTest::coordination_ = nullptr;

TEST_F(CoordinationDutyTest, AnEmergencyOpensOneIncidentAFollowUpJoinsAndTheAlertEscalatesOnce) {
  pb::DutyDay day;
  ASSERT_TRUE(SetDuty("sun.zonghe", kToday, "zhang.shuji", {"he.zhiban"}, &day).ok());
  EXPECT_EQ(day.leader_name(), "张书记");

  const rpb::Report first = Emergency("清水塘某化工厂发生泄漏", "危化品");
  const std::string chain = first.emergency().chain_id();
  pb::Incident inc = WaitIncident(chain);
  EXPECT_EQ(inc.plan(), "hazmat") << "grade III of 危化品: the type's plan for every grade";
  ASSERT_EQ(inc.steps_size(), 4);
  EXPECT_EQ(inc.steps(0).id(), "s1");
  EXPECT_FALSE(inc.steps(3).mandatory());
  EXPECT_EQ(inc.alert().alerted(), "zhang.shuji") << "the duty leader of the day";
  EXPECT_EQ(inc.duty_date(), kToday);
  EXPECT_EQ(inc.title(), "清水塘某化工厂发生泄漏");

  // A follow-up of the chain joins the same incident.
  const rpb::Report second = Emergency("清水塘某化工厂泄漏续报", "危化品", first.id());
  inc = WaitIncident(chain, [](const pb::Incident& i) { return i.report_ids_size() == 2; });
  EXPECT_EQ(inc.report_ids(1), second.id());
  EXPECT_EQ(inc.timeline(inc.timeline_size() - 1).kind(), "joined");
  EXPECT_EQ(OfChain(chain).size(), 1u);

  // Not acknowledged within 15 minutes: the next person of the ladder, exactly once.
  SetNow(kNow + 16 * kMinute);
  inc = WaitIncident(chain, [](const pb::Incident& i) { return i.alert().level() == 1; });
  EXPECT_EQ(inc.alert().alerted(), "liu.quzhang");
  EXPECT_TRUE(Eventually(
      [&] { return EventsFor(events::type::kCoordinationIncidentEscalated, inc.id()) == 1; }));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timers WHERE kind = 'duty_escalation' AND owner = '" +
                  inc.id() + "' AND outcome = 'fired'"),
            1);

  // Only the person alerted now acknowledges; then the ladder stops.
  pb::Incident acked;
  EXPECT_CODE(Ack("zhang.shuji", inc.id(), &acked), StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Ack("liu.quzhang", inc.id(), &acked).ok());
  EXPECT_TRUE(acked.alert().acknowledged());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM timers WHERE kind = 'duty_escalation' AND owner = '" +
                  inc.id() + "' AND fired_at IS NULL"),
            0);
  SetNow(kNow + 60 * kMinute);
  pb::GetIncidentRequest get;
  get.set_id(inc.id());
  pb::Incident now;
  ASSERT_TRUE(duty_->GetIncident(As("he.zhiban").get(), get, &now).ok());
  EXPECT_EQ(now.alert().alerted(), "liu.quzhang");
  EXPECT_EQ(EventsFor(events::type::kCoordinationIncidentOpened, inc.id()), 1);
  EXPECT_EQ(EventsFor(events::type::kCoordinationIncidentJoined, inc.id()), 1);
}

TEST_F(CoordinationDutyTest, StepsCompleteOnceARetryIsOneEffectAndClosingNeedsThem) {
  const rpb::Report r = Emergency("某小区燃气泄漏", "");
  pb::Incident inc = WaitIncident(r.emergency().chain_id());
  EXPECT_EQ(inc.plan(), "general");
  pb::CompleteStepRequest step;
  step.set_request_id(NewUuid());
  step.set_id(inc.id());
  step.set_step_id("s1");
  pb::Incident a, b;
  ASSERT_TRUE(duty_->CompleteStep(As("he.zhiban").get(), step, &a).ok());
  ASSERT_TRUE(duty_->CompleteStep(As("he.zhiban").get(), step, &b).ok()) << "a retry";
  EXPECT_EQ(a.version(), b.version());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'incident.step' AND resource = '" +
                  inc.id() + "'"),
            1)
      << "one effect";
  step.set_request_id(NewUuid());
  auto s = duty_->CompleteStep(As("sun.zonghe").get(), step, &b);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("s1"), std::string::npos) << s.error_message();

  pb::CloseIncidentRequest close;
  close.set_request_id(NewUuid());
  close.set_id(inc.id());
  s = duty_->CloseIncident(As("sun.zonghe").get(), close, &b);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("s2"), std::string::npos) << s.error_message();
  close.set_reason("误报，经核实无泄漏");
  ASSERT_TRUE(duty_->CloseIncident(As("sun.zonghe").get(), close, &b).ok());
  EXPECT_EQ(b.state(), pb::INCIDENT_STATE_CLOSED);
}

TEST_F(CoordinationDutyTest, ANegativeIncidentWithholdsItsTitleFromThoseWhoMayNotReadIt) {
  const rpb::Report r = Emergency("某局干部酒驾肇事", "", "", rpb::SENSITIVITY_NEGATIVE);
  pb::Incident inc = WaitIncident(r.emergency().chain_id());
  EXPECT_TRUE(inc.withheld()) << "a coordinator reads no negative information";
  EXPECT_EQ(inc.title().find("酒驾"), std::string::npos);
  for (const auto& e : inc.timeline()) EXPECT_EQ(e.text().find("酒驾"), std::string::npos);
  pb::GetIncidentRequest get;
  get.set_id(inc.id());
  pb::Incident leader;
  ASSERT_TRUE(duty_->GetIncident(As("zhang.shuji").get(), get, &leader).ok());
  EXPECT_EQ(leader.title(), "某局干部酒驾肇事");
  for (const auto& e :
       EventsOfType(*redis_, "zs:events:coordination", events::type::kCoordinationIncidentOpened)) {
    EXPECT_EQ(e.payload().value().find("酒驾"), std::string::npos) << "event payloads withhold it";
  }
}

TEST_F(CoordinationDutyTest, ForgedAndForeignEventsAreDeadLettered) {
  const rpb::Report real = Emergency("霞湾路塌陷", "");
  WaitIncident(real.emergency().chain_id());
  const int64_t incidents = Count("SELECT COUNT(*) FROM duty_incidents");
  ev::EmergencyReported forged;
  forged.set_report_id("430204-r-forged");
  forged.set_chain_id("430204-r-forged");
  forged.set_phase("INITIAL");
  forged.set_grade(1);
  forged.set_title("伪造的事件");
  const ev::Event f =
      PublishEvent(*redis_, "zs:events:reporting", events::type::kReportingEmergencySubmitted,
                   "reporting", "430204", forged);
  // Another tenant's event naming a real report of 430204.
  ev::EmergencyReported foreign;
  foreign.set_report_id(real.id());
  foreign.set_chain_id(real.emergency().chain_id());
  foreign.set_phase("INITIAL");
  const ev::Event g =
      PublishEvent(*redis_, "zs:events:reporting", events::type::kReportingEmergencySubmitted,
                   "reporting", "430203", foreign);
  for (const auto& e : {f, g}) {
    EXPECT_TRUE(Eventually([&] {
      return Count("SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + e.id() + "'") == 1;
    })) << e.id()
        << "\n"
        << coordination_->Log();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM duty_incidents"), incidents);
}

TEST_F(CoordinationDutyTest, BadInputWritesNothing) {
  auto footprint = [&] {
    return std::vector<int64_t>{Count("SELECT COUNT(*) FROM duty_days"),
                                Count("SELECT COUNT(*) FROM audit_log"),
                                Count("SELECT COUNT(*) FROM outbox")};
  };
  const auto before = footprint();
  pb::DutyDay d;
  auto s = SetDuty("sun.zonghe", "2026-11-30", "", {"he.zhiban"}, &d);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("leader"), std::string::npos) << s.error_message();
  EXPECT_CODE(SetDuty("sun.zonghe", "2026-11-30", "he.zhiban", {}, &d),
              StatusCode::INVALID_ARGUMENT);
  EXPECT_CODE(SetDuty("sun.zonghe", "2026-11-30", "yang.shuji", {}, &d),
              StatusCode::INVALID_ARGUMENT)
      << "another tenant's leader";
  EXPECT_CODE(SetDuty("sun.zonghe", "2026-13-01", "zhang.shuji", {}, &d),
              StatusCode::INVALID_ARGUMENT);
  EXPECT_CODE(SetDuty("he.zhiban", "2026-11-30", "zhang.shuji", {}, &d),
              StatusCode::PERMISSION_DENIED);
  pb::SwapDutyRequest swap;
  swap.set_request_id(NewUuid());
  swap.set_date_a("2026-11-30");
  swap.set_date_b("2026-11-30");
  swap.set_role(pb::DUTY_ROLE_LEADER);
  pb::SwapDutyResponse sr;
  EXPECT_CODE(duty_->SwapDuty(As("sun.zonghe").get(), swap, &sr), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(footprint(), before);
}

TEST_F(CoordinationDutyTest, ARosterSwapIsRecordedOnBothDays) {
  pb::DutyDay d;
  ASSERT_TRUE(SetDuty("sun.zonghe", "2026-12-01", "zhang.shuji", {"he.zhiban"}, &d).ok());
  ASSERT_TRUE(SetDuty("sun.zonghe", "2026-12-02", "liu.quzhang", {"luo.zhiban"}, &d).ok());
  pb::SwapDutyRequest swap;
  swap.set_request_id(NewUuid());
  swap.set_date_a("2026-12-01");
  swap.set_date_b("2026-12-02");
  swap.set_role(pb::DUTY_ROLE_LEADER);
  swap.set_reason("出差");
  pb::SwapDutyResponse sr;
  ASSERT_TRUE(duty_->SwapDuty(As("sun.zonghe").get(), swap, &sr).ok());
  EXPECT_EQ(sr.a().leader(), "liu.quzhang");
  EXPECT_EQ(sr.b().leader(), "zhang.shuji");
  pb::GetRosterRequest get;
  get.set_from_date("2026-12-01");
  get.set_to_date("2026-12-07");
  pb::Roster roster;
  ASSERT_TRUE(duty_->GetRoster(As("he.zhiban").get(), get, &roster).ok());
  ASSERT_EQ(roster.days_size(), 2);
  EXPECT_EQ(roster.days(0).swaps_size(), 1);
  EXPECT_EQ(roster.days(1).swaps(0).other_date(), "2026-12-01");
  // Another tenant sees none of it.
  pb::Roster other;
  ASSERT_TRUE(duty_->GetRoster(As("yang.shuji").get(), get, &other).ok());
  EXPECT_EQ(other.days_size(), 0);
}

TEST_F(CoordinationDutyTest, AnotherTenantGetsNotFound) {
  const rpb::Report r = Emergency("石峰区山体滑坡", "");
  const pb::Incident inc = WaitIncident(r.emergency().chain_id());
  pb::GetIncidentRequest get;
  get.set_id(inc.id());
  pb::Incident out;
  EXPECT_CODE(duty_->GetIncident(As("yang.shuji").get(), get, &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(duty_->GetIncident(As("qin.zonghe").get(), get, &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(Ack("yang.shuji", inc.id(), &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(duty_->GetIncident(As("chen.shuili").get(), get, &out), StatusCode::NOT_FOUND)
      << "a unit handler of the tenant is not a reader";
  EXPECT_TRUE(OfChain(r.emergency().chain_id(), "qin.zonghe").empty());
}

// Last: it stops and restarts reporting. While reporting is away an emergency event is retried,
// never dead-lettered; once it is back the event is applied (here: a redelivery that changes
// nothing, since its report already opened its incident).
TEST_F(CoordinationDutyTest, WhileReportingIsDownEventsAreRetriedNotDeadLettered) {
  const rpb::Report r = Emergency("龙头铺镇民房火灾", "");
  const pb::Incident inc = WaitIncident(r.emergency().chain_id());
  const std::string address = reporting_->address();
  reporting_->Stop();
  ev::EmergencyReported again;
  again.set_report_id(r.id());
  again.set_chain_id(r.emergency().chain_id());
  again.set_phase("INITIAL");
  again.set_grade(3);
  const ev::Event e =
      PublishEvent(*redis_, "zs:events:reporting", events::type::kReportingEmergencySubmitted,
                   "reporting", "430204", again);
  // Several retry rounds pass (retries every 50-200 ms) with no dead letter and nothing applied.
  const std::string failures =
      "SELECT COUNT(*) FROM consumer_failures WHERE event_key = '" + e.id() + "'";
  EXPECT_FALSE(Eventually(
      [&] {
        return Count("SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + e.id() + "'") > 0 ||
               Count(failures) > 0;
      },
      std::chrono::milliseconds(1500)))
      << "an outage is not a deterministic failure";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + e.id() + "'"), 0);
  reporting_->env()["ZS_GRPC_LISTEN"] = address;
  reporting_->Start();
  EXPECT_TRUE(Eventually([&] {
    return Count("SELECT COUNT(*) FROM consumed_events WHERE event_id = '" + e.id() + "'") == 1;
  })) << coordination_->Log();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM dead_letters WHERE event_id = '" + e.id() + "'"), 0);
  EXPECT_EQ(OfChain(r.emergency().chain_id()).size(), 1u);
  EXPECT_EQ(EventsFor(events::type::kCoordinationIncidentOpened, inc.id()), 1);
}

}  // namespace
}  // namespace zs::testing

// Emergency reports against the real binary and Redis: a chain from initial to final as one
// timeline, its events exactly once, the late flag, the follow-up reminder, and bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace pb = zhongshu::reporting::v1;
namespace ev = zhongshu::events::v1;
using grpc::StatusCode;

constexpr int64_t kNow = 1795395600000;  // 2026-11-23 09:00 China time
constexpr int64_t kMinute = 60000;

#define EXPECT_CODE(status, code) EXPECT_EQ((status).error_code(), code) << (status).error_message()

class ReportingEmergencyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_file_ = dir_->path() + "/now";
    SetNow(kNow);
    redis_ = new RedisServer();
    service_ = new ServiceProcess(
        "reporting", ZS_REPORTING_BIN, redis_->address(), dir_->path() + "/reporting",
        {{"ZS_CLOCK_FILE", clock_file_}, {"ZS_EMERGENCY_CHECK_INTERVAL", "100ms"}});
    service_->Start();
  }
  static void TearDownTestSuite() {
    delete service_;
    delete redis_;
    delete dir_;
  }
  static void SetNow(int64_t ms) {
    std::ofstream(clock_file_ + ".tmp") << ms << "\n";
    std::rename((clock_file_ + ".tmp").c_str(), clock_file_.c_str());
  }
  void SetUp() override { SetNow(kNow); }

  std::unique_ptr<pb::ReportingService::Stub> stub_ =
      pb::ReportingService::NewStub(service_->Channel());

  static pb::Report Emergency(pb::EmergencyGrade grade, int64_t learned_ms,
                              const std::string& previous = "",
                              pb::EmergencyPhase phase = pb::EMERGENCY_PHASE_UNSPECIFIED) {
    pb::Report r;
    r.set_title("清水塘某化工厂发生泄漏");
    r.set_body("现场已疏散周边群众。");
    r.set_kind(pb::REPORT_KIND_EMERGENCY);
    r.set_sensitivity(pb::SENSITIVITY_INTERNAL);
    auto* e = r.mutable_emergency();
    e->set_grade(grade);
    *e->mutable_occurred_at() = ToProto(FromMillis(learned_ms - 10 * kMinute));
    *e->mutable_learned_at() = ToProto(FromMillis(learned_ms));
    e->set_place("清水塘街道霞湾路");
    e->mutable_casualties()->set_injured(3);
    e->set_previous_id(previous);
    e->set_phase(phase);
    return r;
  }
  grpc::Status Create(const pb::Report& r, pb::Report* out) {
    pb::CreateReportRequest req;
    req.set_request_id(NewUuid());
    *req.mutable_report() = r;
    return stub_->CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), req, out);
  }
  grpc::Status Submit(const std::string& id, pb::Report* out, const std::string& rid = NewUuid()) {
    pb::SubmitReportRequest req;
    req.set_request_id(rid);
    req.set_id(id);
    return stub_->SubmitReport(ContextFor(TokenFor("wang.xinxi")).get(), req, out);
  }
  pb::Report CreateAndSubmit(const pb::Report& r) {
    pb::Report out;
    EXPECT_TRUE(Create(r, &out).ok());
    auto s = Submit(out.id(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  // Events of `type` on the reporting stream for `chain`.
  std::vector<ev::EmergencyReported> Events(const std::string& type, const std::string& chain) {
    std::vector<ev::EmergencyReported> out;
    auto c = redis_->Connect();
    for (const auto& e : ReadStream(*c, "zs:events:reporting")) {
      if (e.type != type) continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::EmergencyReported p;
      if (env.payload().UnpackTo(&p) && p.chain_id() == chain) out.push_back(p);
    }
    return out;
  }
  std::vector<int64_t> Footprint() {
    std::vector<int64_t> out;
    for (const char* t : {"reports", "outbox", "audit_log", "emergency_chains"}) {
      out.push_back(QueryInt(service_->db_path(), std::string("SELECT COUNT(*) FROM ") + t));
    }
    return out;
  }

  static TempDir* dir_;
  static std::string clock_file_;
  static RedisServer* redis_;
  static ServiceProcess* service_;
};

TempDir* ReportingEmergencyTest::dir_ = nullptr;
std::string ReportingEmergencyTest::clock_file_;
RedisServer* ReportingEmergencyTest::redis_ = nullptr;
ServiceProcess* ReportingEmergencyTest::service_ = nullptr;

TEST_F(ReportingEmergencyTest, AChainFromInitialToFinalIsOneTimelineAndEachEventIsPublishedOnce) {
  // Grade III (较大): written report within 60 minutes; learned 40 minutes ago: on time.
  pb::Report first;
  ASSERT_TRUE(Create(Emergency(pb::EMERGENCY_GRADE_III, kNow - 40 * kMinute), &first).ok());
  const std::string rid = NewUuid();
  ASSERT_TRUE(Submit(first.id(), &first, rid).ok());
  pb::Report again;
  ASSERT_TRUE(Submit(first.id(), &again, rid).ok()) << "a retried submission";
  EXPECT_EQ(first.emergency().phase(), pb::EMERGENCY_PHASE_INITIAL);
  EXPECT_EQ(first.emergency().chain_id(), first.id());
  EXPECT_FALSE(first.emergency().late());
  EXPECT_EQ(first.emergency().written_limit_minutes(), 60);

  SetNow(kNow + 90 * kMinute);
  const pb::Report second = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_II, kNow, first.id()));
  EXPECT_EQ(second.emergency().phase(), pb::EMERGENCY_PHASE_FOLLOW_UP);
  EXPECT_EQ(second.emergency().sequence(), 1);
  EXPECT_EQ(second.emergency().chain_id(), first.id());
  const pb::Report last = CreateAndSubmit(
      Emergency(pb::EMERGENCY_GRADE_II, kNow, second.id(), pb::EMERGENCY_PHASE_FINAL));
  EXPECT_EQ(last.emergency().phase(), pb::EMERGENCY_PHASE_FINAL);
  EXPECT_EQ(last.emergency().sequence(), 2);

  pb::GetEmergencyChainRequest get;
  get.set_chain_id(first.id());
  pb::EmergencyChain chain;
  ASSERT_TRUE(stub_->GetEmergencyChain(ContextFor(TokenFor("li.bianji")).get(), get, &chain).ok());
  EXPECT_TRUE(chain.closed());
  ASSERT_EQ(chain.reports_size(), 3);
  EXPECT_EQ(chain.reports(0).id(), first.id());
  EXPECT_EQ(chain.reports(1).id(), second.id());
  EXPECT_EQ(chain.reports(2).id(), last.id());

  ASSERT_TRUE(
      Eventually([&] { return Events("reporting.emergency.finalized", first.id()).size() == 1; }));
  const auto submitted = Events("reporting.emergency.submitted", first.id());
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0].grade(), 3);
  EXPECT_EQ(submitted[0].injured(), 3);
  EXPECT_EQ(submitted[0].place(), "清水塘街道霞湾路");
  EXPECT_EQ(Events("reporting.emergency.followed_up", first.id()).size(), 1u);
}

TEST_F(ReportingEmergencyTest, ANegativeChainIsWithheldFromThoseWhoMayNotSeeIt) {
  pb::Report neg = Emergency(pb::EMERGENCY_GRADE_IV, kNow - 5 * kMinute);
  neg.set_sensitivity(pb::SENSITIVITY_NEGATIVE);
  const pb::Report r = CreateAndSubmit(neg);
  pb::GetEmergencyChainRequest get;
  get.set_chain_id(r.id());
  pb::EmergencyChain chain;
  // Another clerk of the same unit: not an editor or leader, not the author.
  const auto colleague =
      TokenFor(auth::Principal{"qtt.other", "", "430204", "430204/qtt", {"clerk"}});
  EXPECT_CODE(stub_->GetEmergencyChain(ContextFor(colleague).get(), get, &chain),
              StatusCode::NOT_FOUND);
  EXPECT_TRUE(
      stub_->GetEmergencyChain(ContextFor(TokenFor("zhang.shuji")).get(), get, &chain).ok());
  EXPECT_EQ(chain.reports_size(), 1);
}

TEST_F(ReportingEmergencyTest, ALateInitialReportIsFlagged) {
  // Grade I (特别重大): written report within 30 minutes; learned 31 minutes ago.
  const pb::Report r = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_I, kNow - 31 * kMinute));
  EXPECT_TRUE(r.emergency().late());
  ASSERT_TRUE(
      Eventually([&] { return Events("reporting.emergency.submitted", r.id()).size() == 1; }));
  EXPECT_TRUE(Events("reporting.emergency.submitted", r.id())[0].late());
}

TEST_F(ReportingEmergencyTest, ASilentChainIsChasedOncePerLatestReport) {
  const pb::Report r = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_IV, kNow - 5 * kMinute));
  SetNow(kNow + 241 * kMinute);  // the follow-up interval is 4 h
  ASSERT_TRUE(
      Eventually([&] { return Events("reporting.emergency.follow_up_due", r.id()).size() == 1; }));
  SetNow(kNow + 300 * kMinute);
  const pb::Report next = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_IV, kNow, r.id()));
  EXPECT_EQ(Events("reporting.emergency.follow_up_due", r.id()).size(), 1u) << "not repeated";
  SetNow(kNow + 300 * kMinute + 241 * kMinute);
  ASSERT_TRUE(
      Eventually([&] { return Events("reporting.emergency.follow_up_due", r.id()).size() == 2; }));
  EXPECT_EQ(Events("reporting.emergency.follow_up_due", r.id())[1].report_id(), next.id());
}

TEST_F(ReportingEmergencyTest, BadEmergencyInputIsRefusedAndWritesNothing) {
  const pb::Report first = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_III, kNow));
  const pb::Report second = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_III, kNow, first.id()));
  const pb::Report closing = CreateAndSubmit(
      Emergency(pb::EMERGENCY_GRADE_III, kNow, second.id(), pb::EMERGENCY_PHASE_FINAL));
  const auto before = Footprint();
  pb::Report out;
  auto expect = [&](const grpc::Status& s, StatusCode code, const std::string& field) {
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  };
  pb::Report no_grade = Emergency(pb::EMERGENCY_GRADE_UNSPECIFIED, kNow);
  expect(Create(no_grade, &out), StatusCode::INVALID_ARGUMENT, "report.emergency.grade");
  pb::Report no_time = Emergency(pb::EMERGENCY_GRADE_III, kNow);
  no_time.mutable_emergency()->clear_occurred_at();
  expect(Create(no_time, &out), StatusCode::INVALID_ARGUMENT, "report.emergency.occurred_at");
  expect(Create(Emergency(pb::EMERGENCY_GRADE_III, kNow, "430204-r-0000000000000000"), &out),
         StatusCode::NOT_FOUND, "report.emergency.previous_id");
  // A follow-up to a closed chain; a final after the final; a follow-up to an older report.
  expect(Create(Emergency(pb::EMERGENCY_GRADE_III, kNow, closing.id()), &out),
         StatusCode::FAILED_PRECONDITION, "closed");
  expect(Create(Emergency(pb::EMERGENCY_GRADE_III, kNow, closing.id(), pb::EMERGENCY_PHASE_FINAL),
                &out),
         StatusCode::FAILED_PRECONDITION, "closed");
  expect(Create(Emergency(pb::EMERGENCY_GRADE_III, kNow, first.id()), &out),
         StatusCode::FAILED_PRECONDITION, "closed");
  EXPECT_EQ(Footprint(), before);

  // Two drafts following the same report: the second submission finds the chain moved on.
  const pb::Report open = CreateAndSubmit(Emergency(pb::EMERGENCY_GRADE_IV, kNow));
  pb::Report a, b;
  ASSERT_TRUE(Create(Emergency(pb::EMERGENCY_GRADE_IV, kNow, open.id()), &a).ok());
  ASSERT_TRUE(Create(Emergency(pb::EMERGENCY_GRADE_IV, kNow, open.id()), &b).ok());
  ASSERT_TRUE(Submit(a.id(), &a).ok());
  auto s = Submit(b.id(), &b);
  EXPECT_CODE(s, StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("follow up on " + a.id()), std::string::npos)
      << s.error_message();
}

TEST_F(ReportingEmergencyTest, ACallShowsWhoAnsweredAndRemindsTheRestOnce) {
  pb::CreateCallRequest cc;
  cc.set_request_id(NewUuid());
  auto* call = cc.mutable_call();
  call->set_topic("今冬明春供水保障情况");
  call->add_unit_ids("430204/qtt");
  call->add_unit_ids("430204/slj");
  call->set_due_date("2026-11-30");
  pb::Call created;
  ASSERT_TRUE(stub_->CreateCall(ContextFor(TokenFor("li.bianji")).get(), cc, &created).ok());
  EXPECT_EQ(created.unanswered_units_size(), 2);
  // Only editors call for information; a unit that was not asked cannot answer.
  cc.set_request_id(NewUuid());
  EXPECT_CODE(stub_->CreateCall(ContextFor(TokenFor("wang.xinxi")).get(), cc, &created),
              StatusCode::PERMISSION_DENIED);
  // The call lives in the editor's own tenant: a city editor cannot orphan it on a county unit
  // (the county's clerks would never see it), and the refusal names the unit.
  {
    pb::Call orphan;
    cc.set_request_id(NewUuid());
    auto s = stub_->CreateCall(ContextFor(TokenFor("qian.shiwei")).get(), cc, &orphan);
    EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message().rfind("call.unit_ids[0]", 0), 0u) << s.error_message();
  }
  pb::Report answer;
  answer.set_title("清水塘街道供水保障情况");
  answer.set_kind(pb::REPORT_KIND_DYNAMIC);
  answer.set_sensitivity(pb::SENSITIVITY_INTERNAL);
  answer.set_call_id(created.id());
  pb::Report foreign = answer;
  foreign.set_unit_id("430204/zjj");
  pb::CreateReportRequest cr;
  cr.set_request_id(NewUuid());
  *cr.mutable_report() = foreign;
  pb::Report out;
  EXPECT_CODE(stub_->CreateReport(ContextFor(TokenFor("li.bianji")).get(), cr, &out),
              StatusCode::FAILED_PRECONDITION);
  pb::Report missing = answer;
  missing.set_call_id("430204-c-0000000000000000");
  EXPECT_CODE(Create(missing, &out), StatusCode::NOT_FOUND);

  const pb::Report r = CreateAndSubmit(answer);  // 清水塘街道 answers
  pb::GetCallRequest get;
  get.set_id(created.id());
  pb::Call seen;
  ASSERT_TRUE(stub_->GetCall(ContextFor(TokenFor("li.bianji")).get(), get, &seen).ok());
  ASSERT_EQ(seen.answers_size(), 1);
  EXPECT_EQ(seen.answers(0).report_id(), r.id());
  ASSERT_EQ(seen.unanswered_units_size(), 1);
  EXPECT_EQ(seen.unanswered_units(0), "430204/slj");

  auto overdue = [&] {
    int n = 0;
    auto c = redis_->Connect();
    for (const auto& e : ReadStream(*c, "zs:events:reporting")) {
      if (e.type != "reporting.call.overdue") continue;
      ev::Event env;
      env.ParseFromString(e.raw_event);
      ev::CallChanged p;
      if (env.payload().UnpackTo(&p) && p.call_id() == created.id()) {
        EXPECT_EQ(p.unit_id(), "430204/slj");
        ++n;
      }
    }
    return n;
  };
  // (That the due day itself is not late is a domain test: CallTest.AnswersUnansweredAndOverdue.)
  SetNow(kNow + 8 * 24 * 60 * kMinute);  // 2026-12-01
  ASSERT_TRUE(Eventually([&] { return overdue() == 1; }));
  SetNow(kNow + 9 * 24 * 60 * kMinute);
  ASSERT_TRUE(stub_->GetCall(ContextFor(TokenFor("li.bianji")).get(), get, &seen).ok());
  EXPECT_EQ(seen.reminded_units_size(), 1);
  EXPECT_EQ(overdue(), 1) << "reminded once";
}

}  // namespace
}  // namespace zs::testing

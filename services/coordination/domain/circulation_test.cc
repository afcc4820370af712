#include "domain/circulation.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace zs::coordination::circulation {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430200", name: 市}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/qwb", name: 区委办, tenant: "430204"}
  - {id: "430203/qwb", name: 区委办, tenant: "430203"}
users:
  - {id: sun, name: 孙综合, tenant: "430204", unit: "430204/qwb", roles: [coordinator], clearance: 2}
  - {id: zhang, name: 张书记, tenant: "430204", unit: "430204/qwb", roles: [leader], clearance: 3}
  - {id: liu, name: 刘区长, tenant: "430204", unit: "430204/qwb", roles: [leader], clearance: 3}
  - {id: he, name: 何值班, tenant: "430204", unit: "430204/qwb", roles: [duty_officer], clearance: 1}
  - {id: chen, name: 陈水利, tenant: "430204", unit: "430204/qwb", roles: [unit_handler]}
  - {id: qin, name: 秦综合, tenant: "430203", unit: "430203/qwb", roles: [coordinator], clearance: 2}
)";

// 2026-11-23 09:00 in China; the injected clock of these tests.
const TimePoint kNow = FromMillis(1795395600000);
constexpr int64_t kHour = 3600000;

pb::StageSpec Stage(pb::StageOrder order, std::vector<std::string> readers,
                    pb::StageKind kind = pb::STAGE_KIND_CIRCULATE) {
  pb::StageSpec s;
  s.set_kind(kind);
  s.set_order(order);
  for (auto& r : readers) s.add_readers(r);
  return s;
}

class CirculationTest : public ::testing::Test {
 protected:
  pb::Document Registered(pb::Urgency u = pb::URGENCY_NORMAL, int secrecy = 0) {
    pb::Document r;
    r.set_source("市委办公室");
    r.set_number("株市办发〔2026〕12号");
    r.set_title("关于做好冬季供水保障工作的通知");
    r.set_urgency(u);
    r.set_secrecy_level(secrecy);
    if (IsUrgent(u)) *r.mutable_handling_limit() = ToProto(kNow + std::chrono::hours(48));
    EXPECT_TRUE(ValidateRegistration(r, limits_, kNow).ok());
    return NewDocument(r, "430204-doc-1", "430204", "sun", kNow);
  }
  pb::Document Routed(std::vector<pb::StageSpec> stages, int secrecy = 0) {
    pb::Document d = Registered(pb::URGENCY_NORMAL, secrecy);
    EXPECT_TRUE(AddStages(d, stages, true, org_).ok());
    return d;
  }
  org::OrgTree org_ = *org::OrgTree::Parse(kOrg);
  Limits limits_;
};

TEST_F(CirculationTest, RegistrationNamesTheBadField) {
  pb::Document r;
  r.set_source("市委办公室");
  r.set_number("12");
  r.set_title("t");
  r.set_urgency(pb::URGENCY_NORMAL);
  EXPECT_TRUE(ValidateRegistration(r, limits_, kNow).ok());
  auto bad = [&](auto mutate, const std::string& field) {
    pb::Document x = r;
    mutate(x);
    auto s = ValidateRegistration(x, limits_, kNow);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << field;
    EXPECT_TRUE(std::string(s.message()).starts_with(field)) << s.message();
  };
  bad([](pb::Document& x) { x.set_source(" "); }, "document.source");
  bad([](pb::Document& x) { x.clear_number(); }, "document.number");
  bad([](pb::Document& x) { x.clear_title(); }, "document.title");
  bad([](pb::Document& x) { x.set_urgency(pb::URGENCY_UNSPECIFIED); }, "document.urgency");
  bad([](pb::Document& x) { x.set_secrecy_level(4); }, "document.secrecy_level");
  bad([](pb::Document& x) { x.set_secrecy_level(-1); }, "document.secrecy_level");
  // An urgent document needs its handling limit, after it was received.
  bad([](pb::Document& x) { x.set_urgency(pb::URGENCY_URGENT); }, "document.handling_limit");
  bad(
      [](pb::Document& x) {
        x.set_urgency(pb::URGENCY_EXTRA_URGENT);
        *x.mutable_handling_limit() = ToProto(kNow - std::chrono::hours(1));
      },
      "document.handling_limit");
}

TEST_F(CirculationTest, SequentialStageReadsOneAfterAnother) {
  pb::Document d =
      Routed({Stage(pb::STAGE_ORDER_SEQUENTIAL, {"sun"}, pb::STAGE_KIND_PROPOSE),
              Stage(pb::STAGE_ORDER_SEQUENTIAL, {"zhang", "liu"}, pb::STAGE_KIND_INSTRUCT),
              Stage(pb::STAGE_ORDER_PARALLEL, {"he", "chen"})});
  EXPECT_EQ(d.state(), pb::DOCUMENT_STATE_CIRCULATING);
  EXPECT_EQ(CurrentReaders(d), std::vector<std::string>{"sun"});
  // Out of turn: 张书记 before 拟办 is done, 刘区长 before 张书记.
  EXPECT_TRUE(absl::IsFailedPrecondition(MarkRead(d, "zhang", "", kNow)));
  ASSERT_TRUE(MarkRead(d, "sun", "拟请张书记、刘区长阅示", kNow).ok());
  EXPECT_EQ(CurrentReaders(d), std::vector<std::string>{"zhang"});
  EXPECT_TRUE(absl::IsFailedPrecondition(MarkRead(d, "liu", "", kNow)));
  ASSERT_TRUE(MarkRead(d, "zhang", "同意", kNow).ok());
  // Twice is refused.
  EXPECT_TRUE(absl::IsFailedPrecondition(MarkRead(d, "zhang", "", kNow)));
  ASSERT_TRUE(MarkRead(d, "liu", "", kNow).ok());
  EXPECT_EQ(CurrentReaders(d), (std::vector<std::string>{"he", "chen"}));
  EXPECT_EQ(d.stages(0).readings(0).comment(), "拟请张书记、刘区长阅示");
  EXPECT_EQ(d.stages(1).readings(0).reader_name(), "张书记");
}

TEST_F(CirculationTest, ParallelStageReadsInAnyOrder) {
  pb::Document d = Routed({Stage(pb::STAGE_ORDER_PARALLEL, {"he", "chen", "sun"})});
  ASSERT_TRUE(MarkRead(d, "sun", "", kNow).ok());
  ASSERT_TRUE(MarkRead(d, "he", "", kNow).ok());
  EXPECT_EQ(CurrentReaders(d), std::vector<std::string>{"chen"});
  EXPECT_FALSE(AllRead(d));
  ASSERT_TRUE(MarkRead(d, "chen", "", kNow).ok());
  EXPECT_TRUE(AllRead(d));
  EXPECT_TRUE(CurrentReaders(d).empty());
  // Not routed at all.
  EXPECT_TRUE(absl::IsFailedPrecondition(MarkRead(d, "zhang", "", kNow)));
}

TEST_F(CirculationTest, AReaderRoutedTwiceIsRefused) {
  auto s = ValidateStages({Stage(pb::STAGE_ORDER_SEQUENTIAL, {"sun"}),
                           Stage(pb::STAGE_ORDER_PARALLEL, {"zhang", "sun"})},
                          limits_, {}, "stages");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_TRUE(std::string(s.message()).starts_with("stages[1].readers[1]")) << s.message();
  // Against the readers routed before (AddRouteStep).
  s = ValidateStages({Stage(pb::STAGE_ORDER_PARALLEL, {"he", "zhang"})}, limits_, {"zhang"},
                     "stage");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_TRUE(std::string(s.message()).starts_with("stage.readers[1]")) << s.message();
  // Shape: kind, order, readers.
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateStages({}, limits_, {}, "stages")));
  pb::StageSpec no_order = Stage(pb::STAGE_ORDER_UNSPECIFIED, {"he"});
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateStages({no_order}, limits_, {}, "stages")));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ValidateStages({Stage(pb::STAGE_ORDER_PARALLEL, {})}, limits_, {}, "stages")));
}

TEST_F(CirculationTest, ReadersMustExistAndHaveClearance) {
  const std::vector<pb::StageSpec> stages{Stage(pb::STAGE_ORDER_PARALLEL, {"zhang", "he", "chen"})};
  EXPECT_TRUE(CheckReadersExist(org_, "430204", stages, "stages").ok());
  auto s = CheckReadersExist(org_, "430204", {Stage(pb::STAGE_ORDER_PARALLEL, {"zhang", "qin"})},
                             "stages");
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(std::string(s.message()).find("qin"), std::string::npos);
  EXPECT_TRUE(CheckClearance(org_, 0, stages, "stages").ok());
  s = CheckClearance(org_, 1, stages, "stages");  // 陈水利 has none
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(std::string(s.message()).find("chen"), std::string::npos) << s.message();
  s = CheckClearance(org_, 2, {Stage(pb::STAGE_ORDER_PARALLEL, {"zhang", "he"})}, "stages");
  EXPECT_NE(std::string(s.message()).find("he"), std::string::npos) << s.message();
  EXPECT_TRUE(CheckClearance(org_, 3, {Stage(pb::STAGE_ORDER_PARALLEL, {"zhang"})}, "s").ok());
}

TEST_F(CirculationTest, VisibilityByRouteClearanceAndRole) {
  pb::Document d = Routed({Stage(pb::STAGE_ORDER_PARALLEL, {"zhang", "he"})}, 1);
  auto scope = [&](const std::string& who, std::vector<std::string> roles) {
    auth::Principal p{who, "", org_.FindUser(who) ? org_.FindUser(who)->tenant : "430204", "",
                      std::move(roles)};
    return *ScopeFor(org_, p);
  };
  EXPECT_TRUE(MayRead(scope("zhang", {"leader"}), d));
  EXPECT_TRUE(MayRead(scope("he", {"duty_officer"}), d));
  EXPECT_FALSE(MayRead(scope("liu", {"leader"}), d));       // not routed
  EXPECT_TRUE(MayRead(scope("sun", {"coordinator"}), d));   // coordinator, clearance 2
  EXPECT_FALSE(MayRead(scope("qin", {"coordinator"}), d));  // another tenant
  EXPECT_TRUE(MayRead(scope("svc:supervision", {"service"}), d));
  d.set_secrecy_level(2);
  EXPECT_FALSE(MayRead(scope("he", {"duty_officer"}), d));  // routed, clearance 1 < 机密
  EXPECT_TRUE(MayRead(scope("sun", {"coordinator"}), d));
  d.set_secrecy_level(3);
  EXPECT_FALSE(MayRead(scope("sun", {"coordinator"}), d));  // 绝密 beyond 孙综合
}

TEST_F(CirculationTest, CompletionNeedsEveryReader) {
  pb::Document d = Registered();
  EXPECT_TRUE(absl::IsFailedPrecondition(Complete(d, "sun", kNow)));  // not routed
  ASSERT_TRUE(AddStages(d, {Stage(pb::STAGE_ORDER_SEQUENTIAL, {"zhang", "liu"})}, true, org_).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(AddStages(d, {}, true, org_)));  // routed already
  ASSERT_TRUE(MarkRead(d, "zhang", "", kNow).ok());
  auto s = Complete(d, "sun", kNow);
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(std::string(s.message()).find("liu"), std::string::npos);
  ASSERT_TRUE(MarkRead(d, "liu", "", kNow).ok());
  ASSERT_TRUE(Complete(d, "sun", kNow).ok());
  EXPECT_EQ(d.state(), pb::DOCUMENT_STATE_COMPLETED);
  EXPECT_TRUE(absl::IsFailedPrecondition(Complete(d, "sun", kNow)));
  EXPECT_TRUE(absl::IsFailedPrecondition(
      AddStages(d, {Stage(pb::STAGE_ORDER_PARALLEL, {"he"})}, false, org_)));
}

TEST_F(CirculationTest, InstructionsAreByRoutedLeaders) {
  pb::Document d = Routed({Stage(pb::STAGE_ORDER_SEQUENTIAL, {"zhang", "he"})}, 1);
  pb::RecordInstructionRequest r;
  r.set_id(d.id());
  r.set_text("请区水利局牵头落实");
  r.add_directed_units("430204/qwb");
  r.set_due_date("2026-12-31");
  EXPECT_TRUE(ValidateInstruction(r, limits_, DateOf(kNow, 480)).ok());
  pb::RecordInstructionRequest past = r;
  past.set_due_date("2026-11-01");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateInstruction(past, limits_, DateOf(kNow, 480))));
  pb::RecordInstructionRequest no_units = r;
  no_units.clear_directed_units();
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateInstruction(no_units, limits_, DateOf(kNow, 480))));

  auth::Principal liu{"liu", "刘区长", "430204", "", {"leader"}};
  EXPECT_TRUE(absl::IsPermissionDenied(AddInstruction(d, liu, r, "i1", kNow).status()));
  auth::Principal he{"he", "何值班", "430204", "", {"duty_officer"}};
  EXPECT_TRUE(absl::IsPermissionDenied(AddInstruction(d, he, r, "i1", kNow).status()));
  auth::Principal zhang{"zhang", "张书记", "430204", "", {"leader"}};
  auto in = AddInstruction(d, zhang, r, "i1", kNow);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->id(), "i1");
  EXPECT_EQ(d.instructions_size(), 1);
  // A secret document's derived title is its number, never its title.
  EXPECT_EQ(DerivedTitle(d), "株市办发〔2026〕12号 批办件");
  d.set_secrecy_level(0);
  EXPECT_EQ(DerivedTitle(d), "关于做好冬季供水保障工作的通知");
}

TEST_F(CirculationTest, ReminderAndEscalationTimes) {
  EXPECT_TRUE(LimitTimers(Registered(), std::chrono::hours(24)).empty());  // NORMAL: none
  pb::Document d = Registered(pb::URGENCY_URGENT);
  const int64_t limit = ToMillis(kNow) + 48 * kHour;
  auto timers = LimitTimers(d, std::chrono::hours(24));
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[0].name, "remind@" + std::to_string(limit));
  EXPECT_EQ(timers[0].fire_at_ms, limit - 24 * kHour);
  EXPECT_EQ(timers[1].name, "escalate@" + std::to_string(limit));
  EXPECT_EQ(timers[1].fire_at_ms, limit);
  EXPECT_TRUE(IsEscalation(timers[1].name));
  EXPECT_FALSE(IsEscalation(timers[0].name));
  EXPECT_EQ(DecideLimitTimer(d, timers[0].name), "fired");
  // The limit moved: the old timers are superseded, the new ones carry the new limit.
  ASSERT_TRUE(SetLimit(d, ToProto(kNow + std::chrono::hours(72))).ok());
  EXPECT_EQ(DecideLimitTimer(d, timers[0].name), "superseded");
  auto moved = LimitTimers(d, std::chrono::hours(24));
  EXPECT_EQ(moved[1].fire_at_ms, limit + 24 * kHour);
  EXPECT_EQ(DecideLimitTimer(d, moved[1].name), "fired");
  EXPECT_TRUE(absl::IsInvalidArgument(SetLimit(d, ToProto(kNow - std::chrono::hours(1)))));
  // Completed: nothing more.
  ASSERT_TRUE(AddStages(d, {Stage(pb::STAGE_ORDER_PARALLEL, {"zhang"})}, true, org_).ok());
  ASSERT_TRUE(MarkRead(d, "zhang", "", kNow).ok());
  ASSERT_TRUE(Complete(d, "sun", kNow).ok());
  EXPECT_TRUE(LimitTimers(d, std::chrono::hours(24)).empty());
  EXPECT_EQ(DecideLimitTimer(d, moved[1].name), "skipped");
}

}  // namespace
}  // namespace zs::coordination::circulation

#include "domain/statistics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "core/time_util.h"

namespace zs::proposals {
namespace {

// ---- Texts of the seeded data set. Two topics come back in the second session: drinking water
// in 清水塘 and parking in the old town; every other proposal is on a topic of its own. ----

constexpr char kWaterTitle[] = "关于保障清水塘片区居民饮用水安全的建议";
constexpr char kWaterText[] =
    "清水塘片区部分小区供水管网老化，饮用水水质不稳定，夏季常有浑浊和异味。建议加快老旧供水管网"
    "改造，加强二次供水设施的清洗消毒和水质检测，定期公开水质信息，切实保障居民饮用水安全。";
// Merged into the one above: the same concern in other words, same session.
constexpr char kWaterMergedTitle[] = "关于解决清水塘片区自来水浑浊问题的建议";
constexpr char kWaterMergedText[] =
    "清水塘片区居民反映自来水经常浑浊发黄，有异味，饮用水安全得不到保障。建议供水企业排查片区"
    "供水管网，更换老化管道，加强水质检测，保障居民饮用水安全。";
constexpr char kWaterAgainTitle[] = "关于加快清水塘老旧小区供水管网改造保障饮用水安全的建议";
constexpr char kWaterAgainText[] =
    "清水塘一带老旧小区的供水管网使用年限长，水质时好时坏，居民反映自来水有异味。建议将清水塘片区"
    "供水管网改造列入年度计划，落实二次供水设施定期清洗消毒，加强水质检测并向社会公开，保障群众"
    "饮用水安全。";
constexpr char kParkingTitle[] = "关于缓解老城区停车难问题的建议";
constexpr char kParkingText[] =
    "老城区道路狭窄，停车位严重不足，车辆乱停乱放现象突出，早晚高峰拥堵严重。建议利用闲置地块"
    "建设立体停车场，推行错时共享停车，完善智慧停车诱导系统，加强违停治理。";
constexpr char kParkingAgainTitle[] = "关于进一步解决老城区停车难的建议";
constexpr char kParkingAgainText[] =
    "老城区停车位缺口仍然很大，车辆乱停乱放、占道停车问题突出。建议挖掘闲置地块建设立体停车场，"
    "推动机关企事业单位停车位错时共享，完善智慧停车系统，缓解老城区停车难。";
constexpr char kElderlyTitle[] = "关于加强社区居家养老服务的建议";
constexpr char kElderlyText[] =
    "我区老龄化程度不断加深，社区养老服务设施不足，助餐助浴等服务覆盖面小。建议统筹建设社区嵌入式"
    "养老服务中心，培育专业养老服务机构，落实运营补贴，满足老年人多样化养老需求。";
constexpr char kTreesTitle[] = "关于加强古树名木保护的建议";
constexpr char kTreesText[] =
    "我区古树名木资源丰富，但部分古树生长环境恶化，存在病虫害和人为损伤。建议开展古树名木普查建档，"
    "落实养护责任，划定保护范围，严厉查处破坏古树行为。";
constexpr char kWasteTitle[] = "关于加快推进生活垃圾分类的建议";
constexpr char kWasteText[] =
    "我区生活垃圾分类工作推进不平衡，分类投放设施不完善，混装混运现象时有发生。建议完善分类收运"
    "体系，加强宣传引导，建立激励机制，提高居民分类投放的积极性。";
constexpr char kClinicTitle[] = "关于在新建小区增设社区卫生服务站的建议";
constexpr char kClinicText[] =
    "近年新建小区入住人口快速增长，周边缺少社区卫生服务站，居民看小病要跑远路。建议按标准配建"
    "社区卫生服务站，引导优质医疗资源下沉，方便群众就近就医。";
constexpr char kRoadsTitle[] = "关于提升农村公路养护水平的建议";
constexpr char kRoadsText[] =
    "部分农村公路建成多年，路面破损、边沟堵塞，养护资金和人员不足。建议建立农村公路长效养护机制，"
    "落实县乡村三级路长制，加大养护资金投入，保障群众安全出行。";
constexpr char kNightTitle[] = "关于发展夜间经济激发消费活力的提案";
constexpr char kNightText[] =
    "夜间经济是扩大消费的重要抓手。建议打造特色夜市街区，延长文旅场馆开放时间，优化夜间公交线路，"
    "完善夜间经营管理和安全保障，激发消费活力。";
constexpr char kAfterSchoolTitle[] = "关于加强中小学课后服务的建议";
constexpr char kAfterSchoolText[] =
    "双职工家庭接送孩子难，中小学课后服务内容单一。建议丰富课后服务课程，引入体育艺术科技等"
    "特色项目，合理核定教师课后服务补助，减轻家长负担。";

constexpr char kS1[] = "十七届二次";  // 2024
constexpr char kS2[] = "十七届三次";  // 2025; sorts before kS1 by its bytes, not by time

constexpr char kSlj[] = "430204/slj";  // 区水利局
constexpr char kZjj[] = "430204/zjj";  // 区住建局
constexpr char kJtj[] = "430204/jtj";  // 区交通运输局
constexpr char kMzj[] = "430204/mzj";  // 区民政局
constexpr char kCgj[] = "430204/cgj";  // 区城管局
constexpr char kJyj[] = "430204/jyj";  // 区教育局

// ---- Builders ----

// Noon China time on a date.
google::protobuf::Timestamp At(const char* date) {
  const CivilDate d = *ParseDate(date);
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  return ToProto(TimePoint(days + std::chrono::hours(4)));
}

pb::Proposal Prop(const char* id, const char* session, const char* created, pb::ProposalState state,
                  const char* title, const char* content,
                  pb::ProposalKind kind = pb::PROPOSAL_KIND_NPC_SUGGESTION) {
  pb::Proposal p;
  p.set_id(id);
  p.set_tenant("430204");
  p.set_session(session);
  p.set_kind(kind);
  p.set_state(state);
  p.set_title(title);
  p.set_content(content);
  *p.mutable_create_time() = At(created);
  p.set_round(1);
  return p;
}

pb::Reply Reply(int round, pb::ReplyClass cls, bool on_time,
                pb::ReplyClass original = pb::REPLY_CLASS_UNSPECIFIED) {
  pb::Reply r;
  r.set_round(round);
  r.set_reply_class(cls);
  r.set_original_class(original == pb::REPLY_CLASS_UNSPECIFIED ? cls : original);
  if (original != pb::REPLY_CLASS_UNSPECIFIED) r.set_adjust_reason("答复内容与分类不符");
  r.set_on_time(on_time);
  r.set_text("答复正文");
  return r;
}

pb::Handling& Handle(pb::Proposal& p, const char* unit, pb::HandlingRole role,
                     pb::HandlingState state, const char* due) {
  auto* h = p.add_handlings();
  h->set_unit(unit);
  h->set_role(role);
  h->set_state(state);
  h->set_due_date(due);
  h->set_assigned_due_date(due);
  h->set_seq(p.handlings_size());
  return *h;
}

void Rate(pb::Proposal& p, const char* rater, int round, pb::Satisfaction s) {
  auto* r = p.add_ratings();
  r->set_rater(rater);
  r->set_round(round);
  r->set_satisfaction(s);
  r->set_proposal_id(p.id());
}

void Raters(pb::Proposal& p, std::initializer_list<const char*> raters) {
  for (const char* r : raters) p.add_raters(r);
}

// ---- The seeded data set: 15 proposals of 区 430204 over two sessions, five units ----
//
// Session 十七届二次 (March 2024), all past their first round but p07:
//   p01 CLOSED     water         slj SOLE, replied round 1 class A on time; raters d1 d2 rated
//                                满意 / 基本满意 in round 1 (d2 is p05's proposer)
//   p02 CLOSED     parking       jtj LEAD replied round 1 class B late; zjj CO (opinion sent);
//                                d3 rated 基本满意
//   p03 CLOSED     elderly       re-handled once: mzj SOLE replied round 1 class C on time (now
//                                an earlier reply), round 2 class A late; d4 rated 不满意 in
//                                round 1, 满意 in round 2
//   p04 NOT_REGISTERED
//   p05 MERGED     water (other words) into p01; carries a rating, which must not count
//   p06 CONVERTED  old trees
//   p07 REPLIED    waste         SPLIT: slj replied class C adjusted to B, on time; zjj class A
//                                late; of raters d5 d6 only d5 has rated
// Session 十七届三次 (March 2025), as of 2025-09-30:
//   p08 HANDLING   water again   slj SOLE signed, due 2025-09-15: overdue
//   p09 HANDLING   clinic        cgj SOLE returned and REPLACED (due 2025-06-01); zjj SOLE
//                                assigned, due 2025-09-30: not overdue (due on the day)
//   p10 HANDLING   rural roads   jtj LEAD assigned, due 2025-08-31: overdue; zjj CO signed,
//                                due 2025-08-31: a co-handling unit, not counted
//   p11 SUBMITTED  water (p01's very text): awaiting review, no recurring topic
//   p12 REGISTERED parking again
//   p13 CLOSED     night economy (a CPPCC proposal) jtj SOLE replied class C on time; m1 m2 rated
//                                满意 / 基本满意
//   p14 NOT_REGISTERED water (p01's very text): refused, no recurring topic
//   p15 REPLIED    after-school  jyj SOLE replied class A on time; d7 has not rated yet
std::vector<pb::Proposal> Seed() {
  using S = pb::ProposalState;
  auto p01 = Prop("p01", kS1, "2024-03-01", S::PROPOSAL_STATE_CLOSED, kWaterTitle, kWaterText);
  p01.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  p01.add_merged_ids("p05");
  *Handle(p01, kSlj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_REPLIED, "2024-06-30")
       .mutable_reply() = Reply(1, pb::REPLY_CLASS_A, true);
  Raters(p01, {"d1", "d2"});
  Rate(p01, "d1", 1, pb::SATISFACTION_SATISFIED);
  Rate(p01, "d2", 1, pb::SATISFACTION_BASICALLY);

  auto p02 = Prop("p02", kS1, "2024-03-02", S::PROPOSAL_STATE_CLOSED, kParkingTitle, kParkingText);
  p02.set_mode(pb::ASSIGNMENT_MODE_LEAD);
  *Handle(p02, kJtj, pb::HANDLING_ROLE_LEAD, pb::HANDLING_STATE_REPLIED, "2024-06-30")
       .mutable_reply() = Reply(1, pb::REPLY_CLASS_B, false);
  Handle(p02, kZjj, pb::HANDLING_ROLE_CO, pb::HANDLING_STATE_OPINION_SENT, "2024-06-30")
      .set_opinion("同意主办单位意见");
  Raters(p02, {"d3"});
  Rate(p02, "d3", 1, pb::SATISFACTION_BASICALLY);

  auto p03 = Prop("p03", kS1, "2024-03-03", S::PROPOSAL_STATE_CLOSED, kElderlyTitle, kElderlyText);
  p03.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  p03.set_round(2);
  p03.set_rehandling_count(1);
  {
    auto& h = Handle(p03, kMzj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_REPLIED, "2024-09-30");
    h.set_unit_name("区民政局");
    *h.add_earlier_replies() = Reply(1, pb::REPLY_CLASS_C, true);
    *h.mutable_reply() = Reply(2, pb::REPLY_CLASS_A, false);
  }
  Raters(p03, {"d4"});
  Rate(p03, "d4", 1, pb::SATISFACTION_UNSATISFIED);
  Rate(p03, "d4", 2, pb::SATISFACTION_SATISFIED);

  auto p04 = Prop("p04", kS1, "2024-03-04", S::PROPOSAL_STATE_NOT_REGISTERED,
                  "关于解决本人子女入学问题的建议", "请求协调解决本人子女就近入学问题。");
  p04.set_review_reason("属个人诉求，不予立案");

  auto p05 =
      Prop("p05", kS1, "2024-03-05", S::PROPOSAL_STATE_MERGED, kWaterMergedTitle, kWaterMergedText);
  p05.set_merged_into("p01");
  Raters(p05, {"d2"});
  Rate(p05, "d2", 1, pb::SATISFACTION_SATISFIED);

  auto p06 = Prop("p06", kS1, "2024-03-06", S::PROPOSAL_STATE_CONVERTED, kTreesTitle, kTreesText);
  p06.set_review_reason("转为意见，交林业部门参考");

  auto p07 = Prop("p07", kS1, "2024-03-07", S::PROPOSAL_STATE_REPLIED, kWasteTitle, kWasteText);
  p07.set_mode(pb::ASSIGNMENT_MODE_SPLIT);
  {
    auto& h = Handle(p07, kSlj, pb::HANDLING_ROLE_SPLIT, pb::HANDLING_STATE_REPLIED, "2024-06-30");
    h.set_part("垃圾中转站建设");
    *h.mutable_reply() = Reply(1, pb::REPLY_CLASS_B, true, /*original=*/pb::REPLY_CLASS_C);
  }
  {
    auto& h = Handle(p07, kZjj, pb::HANDLING_ROLE_SPLIT, pb::HANDLING_STATE_REPLIED, "2024-06-30");
    h.set_part("小区分类投放设施");
    *h.mutable_reply() = Reply(1, pb::REPLY_CLASS_A, false);
  }
  Raters(p07, {"d5", "d6"});
  Rate(p07, "d5", 1, pb::SATISFACTION_SATISFIED);

  auto p08 =
      Prop("p08", kS2, "2025-03-01", S::PROPOSAL_STATE_HANDLING, kWaterAgainTitle, kWaterAgainText);
  p08.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  Handle(p08, kSlj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_SIGNED, "2025-09-15");
  Raters(p08, {"d8"});

  auto p09 = Prop("p09", kS2, "2025-03-02", S::PROPOSAL_STATE_HANDLING, kClinicTitle, kClinicText);
  p09.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  Handle(p09, kCgj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_REPLACED, "2025-06-01")
      .set_return_reason("不属本单位职责");
  Handle(p09, kZjj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_ASSIGNED, "2025-09-30");
  Raters(p09, {"d9"});

  auto p10 = Prop("p10", kS2, "2025-03-03", S::PROPOSAL_STATE_HANDLING, kRoadsTitle, kRoadsText);
  p10.set_mode(pb::ASSIGNMENT_MODE_LEAD);
  Handle(p10, kJtj, pb::HANDLING_ROLE_LEAD, pb::HANDLING_STATE_ASSIGNED, "2025-08-31");
  Handle(p10, kZjj, pb::HANDLING_ROLE_CO, pb::HANDLING_STATE_SIGNED, "2025-08-31");
  Raters(p10, {"d1"});

  auto p11 = Prop("p11", kS2, "2025-03-04", S::PROPOSAL_STATE_SUBMITTED, kWaterTitle, kWaterText);
  Raters(p11, {"d2"});

  auto p12 = Prop("p12", kS2, "2025-03-05", S::PROPOSAL_STATE_REGISTERED, kParkingAgainTitle,
                  kParkingAgainText);
  p12.set_number(12);
  Raters(p12, {"d3"});

  auto p13 = Prop("p13", kS2, "2025-03-06", S::PROPOSAL_STATE_CLOSED, kNightTitle, kNightText,
                  pb::PROPOSAL_KIND_CPPCC_PROPOSAL);
  p13.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  *Handle(p13, kJtj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_REPLIED, "2025-06-30")
       .mutable_reply() = Reply(1, pb::REPLY_CLASS_C, true);
  Raters(p13, {"m1", "m2"});
  Rate(p13, "m1", 1, pb::SATISFACTION_SATISFIED);
  Rate(p13, "m2", 1, pb::SATISFACTION_BASICALLY);

  auto p14 =
      Prop("p14", kS2, "2025-03-07", S::PROPOSAL_STATE_NOT_REGISTERED, kWaterTitle, kWaterText);
  p14.set_review_reason("与上届建议重复");

  auto p15 = Prop("p15", kS2, "2025-03-08", S::PROPOSAL_STATE_REPLIED, kAfterSchoolTitle,
                  kAfterSchoolText);
  p15.set_mode(pb::ASSIGNMENT_MODE_SOLE);
  *Handle(p15, kJyj, pb::HANDLING_ROLE_SOLE, pb::HANDLING_STATE_REPLIED, "2025-06-30")
       .mutable_reply() = Reply(1, pb::REPLY_CLASS_A, true);
  Raters(p15, {"d7"});

  // The later session first, as a store might return them: no order is taken from the input.
  return {p15, p14, p13, p12, p11, p10, p09, p08, p07, p06, p05, p04, p03, p02, p01};
}

std::string UnitName(const std::string& unit) {
  static const std::map<std::string, std::string> names = {{kSlj, "区水利局"},
                                                           {kZjj, "区住建局"},
                                                           {kJtj, "区交通运输局"},
                                                           {kJyj, "区教育局"},
                                                           {kCgj, "区城管局"}};
  auto it = names.find(unit);
  return it == names.end() ? "" : it->second;  // 区民政局 is named by its handling only
}

// The figures as one line, so that a whole row is compared at once and a failure shows it:
// key name | submitted reviewed registered | replies on_time | rated satisfied | A B C | overdue.
std::string Counts(const pb::Figures& f) {
  return f.key() + " " + f.name() + " | " + std::to_string(f.submitted()) + " " +
         std::to_string(f.reviewed()) + " " + std::to_string(f.registered()) + " | " +
         std::to_string(f.replies()) + " " + std::to_string(f.on_time_replies()) + " | " +
         std::to_string(f.rated()) + " " + std::to_string(f.first_time_satisfied()) + " | " +
         std::to_string(f.class_a()) + " " + std::to_string(f.class_b()) + " " +
         std::to_string(f.class_c()) + " | " + std::to_string(f.overdue_open());
}

void ExpectRates(const pb::Figures& f, double registration, double on_time, double satisfied) {
  SCOPED_TRACE(f.key());
  EXPECT_DOUBLE_EQ(f.registration_rate(), registration);
  EXPECT_DOUBLE_EQ(f.on_time_rate(), on_time);
  EXPECT_DOUBLE_EQ(f.first_time_satisfaction_rate(), satisfied);
}

// ---- The hand count ----

TEST(ComputeStatistics, SeededDataSetEqualsTheHandCount) {
  const pb::Statistics s = ComputeStatistics(Seed(), {}, "2025-09-30", UnitName, "430204");
  EXPECT_EQ(s.tenant(), "430204");
  EXPECT_EQ(s.as_of_date(), "2025-09-30");

  // submitted 15; reviewed 14 (all but p11); registered 11 (not p04 p14 refused, p06 converted,
  // p11 unreviewed); replies 7 (p01 p02 p03 p07×2 p13 p15), on time 5 (not p02, p07/zjj; p03 by
  // its round-1 reply); rated 4 (p01 p02 p03 p13; not p05 merged, p07 d6 missing, p08 p09 p10
  // p12 p15 unrated), satisfied 3 (p03 had 不满意); A 4 (p01 p03's round 2 p07/zjj p15), B 2 (p02,
  // p07/slj adjusted from C), C 1 (p13); overdue 2 (p08/slj, p10/jtj).
  EXPECT_EQ(Counts(s.total()), "  | 15 14 11 | 7 5 | 4 3 | 4 2 1 | 2");
  ExpectRates(s.total(), 11.0 / 14, 5.0 / 7, 3.0 / 4);

  // Oldest session first although 十七届三次 sorts first by its bytes and comes first in the input.
  ASSERT_EQ(s.by_session_size(), 2);
  EXPECT_EQ(Counts(s.by_session(0)), "十七届二次  | 7 7 5 | 5 3 | 3 2 | 3 2 0 | 0");
  ExpectRates(s.by_session(0), 5.0 / 7, 3.0 / 5, 2.0 / 3);
  EXPECT_EQ(Counts(s.by_session(1)), "十七届三次  | 8 7 6 | 2 2 | 1 1 | 1 0 1 | 2");
  ExpectRates(s.by_session(1), 6.0 / 7, 1.0, 1.0);

  // By unit id; 区城管局 (cgj) only returned p09 and was replaced, so it has no row. Co-handling
  // (zjj on p02 and p10) counts for nothing.
  ASSERT_EQ(s.by_unit_size(), 5);
  // jtj: p02 lead (B, late; rated, satisfied), p10 lead (open, overdue), p13 (C, on time; rated,
  // satisfied).
  EXPECT_EQ(Counts(s.by_unit(0)), "430204/jtj 区交通运输局 | 0 0 0 | 2 1 | 2 2 | 0 1 1 | 1");
  ExpectRates(s.by_unit(0), 0, 0.5, 1.0);
  // jyj: p15 (A, on time; not rated yet).
  EXPECT_EQ(Counts(s.by_unit(1)), "430204/jyj 区教育局 | 0 0 0 | 1 1 | 0 0 | 1 0 0 | 0");
  ExpectRates(s.by_unit(1), 0, 1.0, 0);
  // mzj: p03 (round 1 on time; now A; rated, 不满意 in round 1). Named by its handling.
  EXPECT_EQ(Counts(s.by_unit(2)), "430204/mzj 区民政局 | 0 0 0 | 1 1 | 1 0 | 1 0 0 | 0");
  ExpectRates(s.by_unit(2), 0, 1.0, 0);
  // slj: p01 (A, on time; rated, satisfied), p07 split (B adjusted, on time; not fully rated),
  // p08 (signed, overdue).
  EXPECT_EQ(Counts(s.by_unit(3)), "430204/slj 区水利局 | 0 0 0 | 2 2 | 1 1 | 1 1 0 | 1");
  ExpectRates(s.by_unit(3), 0, 1.0, 1.0);
  // zjj: p07 split (A, late; not fully rated), p09 (assigned, due on the as-of day: not overdue).
  EXPECT_EQ(Counts(s.by_unit(4)), "430204/zjj 区住建局 | 0 0 0 | 1 0 | 0 0 | 1 0 0 | 0");
  ExpectRates(s.by_unit(4), 0, 0, 0);

  // Two topics came back in 十七届三次: water (p01, p05 merged into it, p08) and parking (p02,
  // p12). p11 and p14 carry p01's very text but were not registered: left out.
  ASSERT_EQ(s.recurring_topics_size(), 2);
  const auto& water = s.recurring_topics(0);
  EXPECT_EQ(water.title(), kWaterAgainTitle);
  EXPECT_EQ(std::vector<std::string>(water.sessions().begin(), water.sessions().end()),
            (std::vector<std::string>{kS1, kS2}));
  EXPECT_EQ(std::vector<std::string>(water.proposal_ids().begin(), water.proposal_ids().end()),
            (std::vector<std::string>{"p01", "p05", "p08"}));
  // Links p01–p08 (0.66) and p05–p08 (0.49); p01–p05 are of one session. Both links are on the
  // tree, the weaker is the score.
  EXPECT_NEAR(water.score(), 0.4947, 1e-4);
  EXPECT_DOUBLE_EQ(water.score(), Similarity(ProfileOf(kWaterMergedTitle, kWaterMergedText),
                                             ProfileOf(kWaterAgainTitle, kWaterAgainText)));
  const auto& parking = s.recurring_topics(1);
  EXPECT_EQ(parking.title(), kParkingAgainTitle);
  EXPECT_EQ(std::vector<std::string>(parking.proposal_ids().begin(), parking.proposal_ids().end()),
            (std::vector<std::string>{"p02", "p12"}));
  EXPECT_EQ(parking.sessions_size(), 2);
  EXPECT_NEAR(parking.score(), 0.6928, 1e-4);
}

TEST(ComputeStatistics, SessionFilter) {
  const pb::Statistics s =
      ComputeStatistics(Seed(), {.session = kS1}, "2025-09-30", UnitName, "430204");
  EXPECT_EQ(Counts(s.total()), "  | 7 7 5 | 5 3 | 3 2 | 3 2 0 | 0");
  ASSERT_EQ(s.by_session_size(), 1);
  EXPECT_EQ(s.by_session(0).key(), kS1);
  // Units with a replying handling in 十七届二次 only: jyj (p15) is gone.
  ASSERT_EQ(s.by_unit_size(), 4);
  EXPECT_EQ(Counts(s.by_unit(0)), "430204/jtj 区交通运输局 | 0 0 0 | 1 0 | 1 1 | 0 1 0 | 0");
  EXPECT_EQ(Counts(s.by_unit(1)), "430204/mzj 区民政局 | 0 0 0 | 1 1 | 1 0 | 1 0 0 | 0");
  EXPECT_EQ(Counts(s.by_unit(2)), "430204/slj 区水利局 | 0 0 0 | 2 2 | 1 1 | 1 1 0 | 0");
  EXPECT_EQ(Counts(s.by_unit(3)), "430204/zjj 区住建局 | 0 0 0 | 1 0 | 0 0 | 1 0 0 | 0");
  // One session: nothing can come back.
  EXPECT_EQ(s.recurring_topics_size(), 0);
}

TEST(ComputeStatistics, KindFilter) {
  StatsFilter cppcc;
  cppcc.kind = pb::PROPOSAL_KIND_CPPCC_PROPOSAL;
  const pb::Statistics s = ComputeStatistics(Seed(), cppcc, "2025-09-30", UnitName, "430204");
  // p13 only.
  EXPECT_EQ(Counts(s.total()), "  | 1 1 1 | 1 1 | 1 1 | 0 0 1 | 0");
  ExpectRates(s.total(), 1.0, 1.0, 1.0);
  ASSERT_EQ(s.by_session_size(), 1);
  EXPECT_EQ(s.by_session(0).key(), kS2);
  ASSERT_EQ(s.by_unit_size(), 1);
  EXPECT_EQ(Counts(s.by_unit(0)), "430204/jtj 区交通运输局 | 0 0 0 | 1 1 | 1 1 | 0 0 1 | 0");
}

TEST(ComputeStatistics, AsOfDateMovesOverdue) {
  // On 2025-09-15 p08's due day has not passed; p10's (2025-08-31) has.
  EXPECT_EQ(ComputeStatistics(Seed(), {}, "2025-09-15", UnitName, "t").total().overdue_open(), 1);
  // A day after p09's due day: p08, p09, p10.
  EXPECT_EQ(ComputeStatistics(Seed(), {}, "2025-10-01", UnitName, "t").total().overdue_open(), 3);
  // Not a date: nothing is overdue rather than everything.
  EXPECT_EQ(ComputeStatistics(Seed(), {}, "soon", UnitName, "t").total().overdue_open(), 0);
}

TEST(ComputeStatistics, EmptyAndWithoutUnitNames) {
  const pb::Statistics none = ComputeStatistics({}, {}, "2025-09-30", nullptr, "t");
  EXPECT_EQ(Counts(none.total()), "  | 0 0 0 | 0 0 | 0 0 | 0 0 0 | 0");
  ExpectRates(none.total(), 0, 0, 0);
  EXPECT_EQ(none.by_session_size(), 0);
  EXPECT_EQ(none.by_unit_size(), 0);
  // Without a naming function units are named by their handlings, else by id.
  const pb::Statistics s = ComputeStatistics(Seed(), {}, "2025-09-30", nullptr, "t");
  EXPECT_EQ(s.by_unit(0).name(), "430204/jtj");
  EXPECT_EQ(s.by_unit(2).name(), "区民政局");
}

TEST(ComputeStatistics, FirstRoundNeedsEveryRaterOfRoundOne) {
  auto p = Prop("p", kS1, "2024-03-01", pb::PROPOSAL_STATE_REPLIED, "t", "c");
  // No raters at all: not rated (rather than vacuously "everyone has rated").
  EXPECT_EQ(ComputeStatistics({p}, {}, "2025-01-01", nullptr, "t").total().rated(), 0);
  Raters(p, {"a", "b"});
  Rate(p, "a", 1, pb::SATISFACTION_SATISFIED);
  Rate(p, "b", 2, pb::SATISFACTION_SATISFIED);  // a later round does not finish round 1
  Rate(p, "x", 1, pb::SATISFACTION_SATISFIED);  // nor does someone who is not a rater
  EXPECT_EQ(ComputeStatistics({p}, {}, "2025-01-01", nullptr, "t").total().rated(), 0);
  Rate(p, "b", 1, pb::SATISFACTION_BASICALLY);
  const auto f = ComputeStatistics({p}, {}, "2025-01-01", nullptr, "t").total();
  EXPECT_EQ(f.rated(), 1);
  EXPECT_EQ(f.first_time_satisfied(), 1);
}

// ---- Recurring topics on texts whose similarities are counted by hand ----
// Content only, letters as characters: X {ab bc cd de ef}, Y {ab bc cd de eg}, Z {cd de eg gh hi}.
// X·Y = 4 of 5 bigrams: 0.8; Y·Z = 3/5: 0.6; X·Z = 2/5: 0.4.

std::vector<pb::Proposal> Chain() {
  return {Prop("z", "第三届", "2025-03-01", pb::PROPOSAL_STATE_REGISTERED, "", "cdeghi"),
          Prop("x", "第一届", "2023-03-01", pb::PROPOSAL_STATE_CLOSED, "", "abcdef"),
          Prop("y", "第二届", "2024-03-01", pb::PROPOSAL_STATE_CLOSED, "", "abcdeg")};
}

std::vector<const pb::Proposal*> Ptrs(const std::vector<pb::Proposal>& ps) {
  std::vector<const pb::Proposal*> out;
  for (const auto& p : ps) out.push_back(&p);
  return out;
}

TEST(RecurringTopics, StrongestLinksMakeTheTree) {
  const auto ps = Chain();
  // All three links hold at 0.35; the tree takes 0.8 and 0.6, so 0.4 is not the score.
  auto topics = RecurringTopics(Ptrs(ps), 0.35);
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_DOUBLE_EQ(topics[0].score(), 0.6);
  EXPECT_EQ(topics[0].title(), "");  // z's, the latest
  EXPECT_EQ(std::vector<std::string>(topics[0].sessions().begin(), topics[0].sessions().end()),
            (std::vector<std::string>{"第一届", "第二届", "第三届"}));
  EXPECT_EQ(
      std::vector<std::string>(topics[0].proposal_ids().begin(), topics[0].proposal_ids().end()),
      (std::vector<std::string>{"x", "y", "z"}));
  // At 0.5 x and z are not similar enough, but both are linked to y: single link keeps them.
  topics = RecurringTopics(Ptrs(ps), 0.5);
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_EQ(topics[0].proposal_ids_size(), 3);
  EXPECT_DOUBLE_EQ(topics[0].score(), 0.6);
  // At 0.7 only x–y hold; z is left alone and is no topic.
  topics = RecurringTopics(Ptrs(ps), 0.7);
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_EQ(
      std::vector<std::string>(topics[0].proposal_ids().begin(), topics[0].proposal_ids().end()),
      (std::vector<std::string>{"x", "y"}));
  EXPECT_DOUBLE_EQ(topics[0].score(), 0.8);
  EXPECT_TRUE(RecurringTopics(Ptrs(ps), 0.9).empty());
}

TEST(RecurringTopics, OneSessionIsNoTopic) {
  const std::vector<pb::Proposal> ps = {
      Prop("a", "第一届", "2023-03-01", pb::PROPOSAL_STATE_CLOSED, kWaterTitle, kWaterText),
      Prop("b", "第一届", "2023-03-02", pb::PROPOSAL_STATE_MERGED, kWaterTitle, kWaterText)};
  EXPECT_TRUE(RecurringTopics(Ptrs(ps)).empty());
}

TEST(RecurringTopics, MostSessionsFirst) {
  auto ps = Chain();
  // A second topic over two sessions, with four proposals: listed after the three-session one.
  ps.push_back(Prop("w1", "第一届", "2023-04-01", pb::PROPOSAL_STATE_CLOSED, "", "uvwxyz"));
  ps.push_back(Prop("w2", "第一届", "2023-04-02", pb::PROPOSAL_STATE_CLOSED, "", "uvwxyz"));
  ps.push_back(Prop("w3", "第二届", "2024-04-01", pb::PROPOSAL_STATE_CLOSED, "", "uvwxyz"));
  ps.push_back(Prop("w4", "第二届", "2024-04-02", pb::PROPOSAL_STATE_CONVERTED, "", "uvwxyz"));
  const auto topics = RecurringTopics(Ptrs(ps));
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].proposal_ids(0), "x");
  EXPECT_EQ(topics[1].proposal_ids_size(), 4);
  EXPECT_EQ(topics[1].score(), 1.0);
}

// ---- CSV ----

TEST(StatisticsCsv, SeededDataSet) {
  const std::string csv =
      StatisticsCsv(ComputeStatistics(Seed(), {}, "2025-09-30", UnitName, "430204"));
  const std::string expected =
      "\xEF\xBB\xBF"
      "汇总\r\n"
      "统计截至,提出件数,已审查,立案件数,立案率,答复件数,按期答复件数,按期答复率,已评价件数,"
      "首次满意件数,首次满意率,A类,B类,C类,逾期未答复\r\n"
      "2025-09-30,15,14,11,78.6%,7,5,71.4%,4,3,75.0%,4,2,1,2\r\n"
      "\r\n"
      "按届次\r\n"
      "届次,提出件数,已审查,立案件数,立案率,答复件数,按期答复件数,按期答复率,已评价件数,"
      "首次满意件数,首次满意率,A类,B类,C类,逾期未答复\r\n"
      "十七届二次,7,7,5,71.4%,5,3,60.0%,3,2,66.7%,3,2,0,0\r\n"
      "十七届三次,8,7,6,85.7%,2,2,100.0%,1,1,100.0%,1,0,1,2\r\n"
      "\r\n"
      "按承办单位\r\n"
      "承办单位,单位编码,答复件数,按期答复件数,按期答复率,已评价件数,首次满意件数,首次满意率,"
      "A类,B类,C类,逾期未答复\r\n"
      "区交通运输局,430204/jtj,2,1,50.0%,2,2,100.0%,0,1,1,1\r\n"
      "区教育局,430204/jyj,1,1,100.0%,0,0,—,1,0,0,0\r\n"
      "区民政局,430204/mzj,1,1,100.0%,1,0,0.0%,1,0,0,0\r\n"
      "区水利局,430204/slj,2,2,100.0%,1,1,100.0%,1,1,0,1\r\n"
      "区住建局,430204/zjj,1,0,0.0%,0,0,—,1,0,0,0\r\n"
      "\r\n"
      "年年提\r\n"
      "标题,届次,件数,相似度\r\n"
      "关于加快清水塘老旧小区供水管网改造保障饮用水安全的建议,十七届二次、十七届三次,3,0.49\r\n"
      "关于进一步解决老城区停车难的建议,十七届二次、十七届三次,2,0.69\r\n";
  EXPECT_EQ(csv, expected);
  // Every line ends with CRLF: no bare LF, no bare CR.
  for (size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '\n') {
      EXPECT_EQ(csv[i - 1], '\r') << i;
    }
    if (csv[i] == '\r') {
      EXPECT_EQ(csv[i + 1], '\n') << i;
    }
  }
}

TEST(StatisticsCsv, QuotingAndFormulaInjection) {
  pb::Statistics s;
  s.set_as_of_date("2025-09-30");
  auto* total = s.mutable_total();
  total->set_reviewed(3);
  total->set_registered(2);
  total->set_registration_rate(2.0 / 3);
  auto* session = s.add_by_session();
  session->set_key("-1届");
  auto* unit = s.add_by_unit();
  unit->set_key("=cmd|' /C calc'!A0");
  unit->set_name("区\"智慧\"城管局,二科");
  auto* topic = s.add_recurring_topics();
  topic->set_title("=HYPERLINK(\"http://x\")");
  topic->add_sessions("@届");
  topic->add_sessions("+二届");
  topic->add_proposal_ids("a");
  topic->set_score(0.354);
  auto* topic2 = s.add_recurring_topics();
  topic2->set_title("两行\r\n标题");
  topic2->set_score(1);

  const std::string csv = StatisticsCsv(s);
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  // A rate of 2/3, one decimal; a rate over nothing is a dash.
  EXPECT_NE(csv.find("\r\n2025-09-30,0,3,2,66.7%,0,0,—,0,0,—,0,0,0,0\r\n"), std::string::npos)
      << csv;
  // Formula-like text gets an apostrophe; quotes are doubled and the field quoted.
  EXPECT_NE(csv.find("\r\n'-1届,0,0,0,—,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\r\n\"区\"\"智慧\"\"城管局,二科\",'=cmd|' /C calc'!A0,0,"), std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\r\n\"'=HYPERLINK(\"\"http://x\"\")\",'@届、+二届,1,0.35\r\n"),
            std::string::npos)
      << csv;
  // A line break inside a field stays inside its quotes.
  EXPECT_NE(csv.find("\r\n\"两行\r\n标题\",,0,1.00\r\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace zs::proposals

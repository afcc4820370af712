#include "documents.h"

#include <gtest/gtest.h>

namespace zs::gateway::documents {
namespace {

namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace rpb = zhongshu::reporting::v1;

bool Has(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(DocumentsTest, ANoticeStatesEachUnitsFiguresAndTheOverdueTasks) {
  spb::Notice n;
  n.set_number(3);
  n.set_title("石峰区委办公室督查通报（2026年11月）");
  n.set_period_start("2026-11-01");
  n.set_period_end("2026-11-30");
  n.mutable_publish_time()->set_seconds(
      1796313600);  // 2026-12-03 16:00 UTC: the 4th, 00:00 in Beijing
  auto* u = n.add_units();
  u->set_unit_name("区水利局");
  u->set_due(3);
  u->set_closed(2);
  u->set_closed_on_time(1);
  u->set_completion_rate(2.0 / 3);
  u->set_on_time_rate(0.5);
  u->set_overdue(1);
  u->set_red(1);
  auto* o = n.add_overdue();
  o->set_unit_name("区水利局");
  o->set_item_title("二次供水水质核查");
  o->set_due_date("2026-11-20");
  o->set_working_days_overdue(7);
  const pdf::OfficialDocument d = NoticeDocument(n, "石峰区委办公室");
  EXPECT_EQ(d.issuer, "督查通报");
  EXPECT_EQ(d.number, "第3期");
  EXPECT_EQ(d.title, n.title());
  EXPECT_TRUE(Has(d.paragraphs, "区水利局：到期任务3项，办结2项，其中按期办结1项，完成率66.7%"));
  EXPECT_TRUE(Has(d.paragraphs, "红牌1张"));
  EXPECT_TRUE(Has(d.paragraphs, "二次供水水质核查，期限2026-11-20，已逾期7个工作日"));
  EXPECT_EQ(d.date, "2026年12月4日");
  EXPECT_TRUE(pdf::Render(d).ok());
}

TEST(DocumentsTest, AReplyIsTheUnitsLetterToTheProposerAndOnlyWhenItReplied) {
  ppb::Proposal p;
  p.set_kind(ppb::PROPOSAL_KIND_CPPCC_PROPOSAL);
  p.set_session("十届三次");
  p.set_number(12);
  p.set_title("关于加快老旧小区二次供水设施改造的提案");
  p.set_proposer_name("郑委员");
  auto* h = p.add_handlings();
  h->set_unit("430204/slj");
  h->set_unit_name("区水利局");
  EXPECT_EQ(ReplyDocument(p, "430204/slj", "石峰区委办公室").status().code(),
            absl::StatusCode::kNotFound);
  h->mutable_reply()->set_reply_class(ppb::REPLY_CLASS_B);
  h->mutable_reply()->set_text("已列入明年计划。\n先行完成水箱清洗。");
  auto d = ReplyDocument(p, "430204/slj", "石峰区委办公室");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->issuer, "区水利局");
  EXPECT_EQ(d->number, "B类");
  EXPECT_EQ(d->title, "关于十届三次第12号提案的答复");
  EXPECT_EQ(d->recipients, "郑委员委员：");
  EXPECT_TRUE(Has(d->paragraphs, "已列入明年计划。"));
  EXPECT_TRUE(Has(d->paragraphs, "先行完成水箱清洗。"));
  EXPECT_EQ(d->copy_to, "石峰区委办公室");
}

TEST(DocumentsTest, ADraftIssueIsNotADocumentYet) {
  rpb::Bulletin b;
  b.set_state(rpb::BULLETIN_STATE_DRAFT);
  EXPECT_EQ(BulletinDocument(b, "x").status().code(), absl::StatusCode::kFailedPrecondition);
  b.set_state(rpb::BULLETIN_STATE_PUBLISHED);
  b.set_kind_name("每日要情");
  b.set_year(2026);
  b.set_number(5);
  auto* i = b.add_items();
  i->set_title("清水塘街道完成二次供水水箱清洗");
  i->set_body("12个小区水箱已清洗。");
  auto d = BulletinDocument(b, "石峰区委办公室");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->issuer, "每日要情");
  EXPECT_EQ(d->number, "2026年第5期");
  EXPECT_EQ(d->title, "清水塘街道完成二次供水水箱清洗");
}

TEST(DocumentsTest, TheLedgerHasARowPerTaskWithItsItemAndCards) {
  spb::Item item;
  item.set_id("i1");
  item.set_title("二次供水水质核查");
  item.set_instructing_leader_name("张书记");
  item.set_deadline("2026-12-31");
  spb::Task t;
  t.set_item_id("i1");
  t.set_lead_unit("430204/slj");
  t.add_co_units("430204/zjj");
  t.set_deliverable("完成水质检测");
  t.set_state(spb::TASK_STATE_IN_PROGRESS);
  t.set_percent(60);
  t.add_warnings()->set_rung("yellow");
  spb::Task orphan;  // a task whose item the caller does not see is left out
  orphan.set_item_id("other");
  const auto sheet = LedgerSheet(
      {item}, {t, orphan}, [](const std::string& id) { return "名" + id; }, "台账");
  ASSERT_EQ(sheet.rows.size(), 1u);
  EXPECT_EQ(sheet.rows[0][0].text, "二次供水水质核查");
  EXPECT_EQ(sheet.rows[0][3].text, "名430204/slj");
  EXPECT_EQ(sheet.rows[0][4].text, "名430204/zjj");
  EXPECT_EQ(sheet.rows[0][7].text, "办理中");
  EXPECT_TRUE(sheet.rows[0][8].is_number);
  EXPECT_EQ(sheet.rows[0][8].number, 60);
  EXPECT_EQ(sheet.rows[0][9].text, "黄牌1");
  EXPECT_TRUE(xlsx::Write({sheet}).ok());
}

}  // namespace
}  // namespace zs::gateway::documents

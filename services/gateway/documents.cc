#include "documents.h"

#include <google/protobuf/util/time_util.h>

#include <ctime>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace zs::gateway::documents {
namespace spb = zhongshu::supervision::v1;
namespace rpb = zhongshu::reporting::v1;
namespace ppb = zhongshu::proposals::v1;
namespace {

std::string Percent(double rate) { return absl::StrFormat("%.1f%%", rate * 100); }

// A text's paragraphs: one per non-empty line.
void AddParagraphs(const std::string& text, std::vector<std::string>* out) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) out->push_back(s);
  }
}

const char* kChineseNumbers[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
std::string Ordinal(int i) {  // 一、二、… 十、then digits
  return i < 10 ? std::string(kChineseNumbers[i]) : std::to_string(i + 1);
}

const std::map<spb::TaskState, const char*>& TaskStates() {
  static const std::map<spb::TaskState, const char*> m = {
      {spb::TASK_STATE_ASSIGNED, "交办"},
      {spb::TASK_STATE_ACCEPTED, "签收"},
      {spb::TASK_STATE_CONTESTED, "有异议"},
      {spb::TASK_STATE_IN_PROGRESS, "办理中"},
      {spb::TASK_STATE_COMPLETION_REPORTED, "办结报告"},
      {spb::TASK_STATE_CLOSED, "核查销号"},
      {spb::TASK_STATE_RETURNED, "重办"},
      {spb::TASK_STATE_CANCELLED, "撤销"}};
  return m;
}

}  // namespace

std::string ChineseDate(const google::protobuf::Timestamp& t) {
  const std::time_t secs = static_cast<std::time_t>(t.seconds()) + 8 * 3600;  // Beijing, no DST
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

pdf::OfficialDocument NoticeDocument(const spb::Notice& n, const std::string& office) {
  pdf::OfficialDocument d;
  d.issuer = "督查通报";
  d.number = absl::StrFormat("第%d期", n.number());
  d.title = n.title();
  d.recipients = "各有关单位：";
  d.paragraphs.push_back(absl::StrFormat(
      "现将%s至%s督查督办事项办理情况通报如下%s。", n.period_start(), n.period_end(),
      n.provisional() ? absl::StrFormat("（数据截至%s，阶段性通报）", n.as_of()) : ""));
  d.paragraphs.push_back("一、各单位办理情况");
  for (const auto& u : n.units()) {
    std::string line =
        absl::StrFormat("%s：到期任务%d项，办结%d项，其中按期办结%d项，完成率%s", u.unit_name(),
                        u.due(), u.closed(), u.closed_on_time(), Percent(u.completion_rate()));
    if (u.closed() > 0) line += "，按期率" + Percent(u.on_time_rate());
    if (u.overdue() > 0) line += absl::StrFormat("，逾期未办结%d项", u.overdue());
    if (u.blue() + u.yellow() + u.red() > 0) {
      line +=
          absl::StrFormat("，亮牌：蓝牌%d张、黄牌%d张、红牌%d张", u.blue(), u.yellow(), u.red());
    }
    if (u.missed_progress() > 0) {
      line += absl::StrFormat("，未按时报送进展%d次", u.missed_progress());
    }
    d.paragraphs.push_back(line + "。");
  }
  if (n.units().empty()) d.paragraphs.push_back("本期无到期任务。");
  d.paragraphs.push_back("二、逾期未办结事项");
  for (const auto& o : n.overdue()) {
    d.paragraphs.push_back(absl::StrFormat("%s：%s，期限%s，已逾期%d个工作日。", o.unit_name(),
                                           o.item_title(), o.due_date(), o.working_days_overdue()));
  }
  if (n.overdue().empty()) d.paragraphs.push_back("本期无逾期未办结事项。");
  d.paragraphs.push_back("请各单位对照通报情况，抓紧推进未办结事项，按时报送办理进展。");
  d.signer = office;
  d.date = ChineseDate(n.publish_time());
  d.printer = office;
  d.print_date = d.date;
  return d;
}

absl::StatusOr<pdf::OfficialDocument> BulletinDocument(const rpb::Bulletin& b,
                                                       const std::string& office) {
  if (b.state() != rpb::BULLETIN_STATE_PUBLISHED) {
    return absl::FailedPreconditionError("the issue is not published yet");
  }
  pdf::OfficialDocument d;
  d.issuer = b.kind_name();
  d.number = absl::StrFormat("%d年第%d期", b.year(), b.number());
  d.title = b.items_size() == 1 ? b.items(0).title() : "本期要目";
  int i = 0;
  for (const auto& item : b.items()) {
    if (b.items_size() > 1) d.paragraphs.push_back(Ordinal(i++) + "、" + item.title());
    AddParagraphs(item.body(), &d.paragraphs);
  }
  if (d.paragraphs.empty()) d.paragraphs.push_back("本期无内容。");
  if (b.hidden_items() > 0) {
    d.paragraphs.push_back(absl::StrFormat("（另有%d条信息按规定不予显示。）", b.hidden_items()));
  }
  d.signer = office;
  d.date = ChineseDate(b.publish_time());
  d.printer = office;
  d.print_date = d.date;
  return d;
}

absl::StatusOr<pdf::OfficialDocument> ReplyDocument(const ppb::Proposal& p, const std::string& unit,
                                                    const std::string& office) {
  const ppb::Handling* h = nullptr;
  for (const auto& x : p.handlings()) {
    if ((unit.empty() || x.unit() == unit) && !x.reply().text().empty()) h = &x;
  }
  if (h == nullptr) return absl::NotFoundError("unit: no reply of '" + unit + "' on this proposal");
  static const std::map<ppb::ReplyClass, const char*> kClass = {
      {ppb::REPLY_CLASS_A, "A"}, {ppb::REPLY_CLASS_B, "B"}, {ppb::REPLY_CLASS_C, "C"}};
  const bool npc = p.kind() == ppb::PROPOSAL_KIND_NPC_SUGGESTION;
  const std::string what = npc ? "建议" : "提案";
  pdf::OfficialDocument d;
  d.issuer = h->unit_name();
  auto cls = kClass.find(h->reply().reply_class());
  d.number = absl::StrFormat("%s类", cls == kClass.end() ? "" : cls->second);
  d.title = absl::StrFormat("关于%s第%d号%s的答复", p.session(), p.number(), what);
  d.recipients = p.proposer_name() + (npc ? "代表：" : "委员：");
  d.paragraphs.push_back(absl::StrFormat("您提出的《%s》（%s第%d号）收悉。现答复如下：", p.title(),
                                         p.session(), p.number()));
  AddParagraphs(h->reply().text(), &d.paragraphs);
  d.paragraphs.push_back(absl::StrFormat("感谢您对我们工作的关心和支持。"));
  d.signer = h->unit_name();
  d.date = ChineseDate(h->reply().reply_time());
  d.copy_to = office;
  d.printer = h->unit_name();
  d.print_date = d.date;
  return d;
}

xlsx::Sheet LedgerSheet(const std::vector<spb::Item>& items, const std::vector<spb::Task>& tasks,
                        const std::function<std::string(const std::string&)>& unit_name,
                        const std::string& title) {
  xlsx::Sheet s;
  s.name = "督查台账";
  s.title = title;
  s.headers = {"事项", "批示领导", "事项期限", "牵头单位",  "配合单位",
               "任务", "任务期限", "状态",     "进度（%）", "预警"};
  std::map<std::string, const spb::Item*> by_id;
  for (const auto& i : items) by_id[i.id()] = &i;
  for (const auto& t : tasks) {
    auto it = by_id.find(t.item_id());
    if (it == by_id.end()) continue;
    const spb::Item& item = *it->second;
    std::string co;
    for (const auto& u : t.co_units()) co += (co.empty() ? "" : "、") + unit_name(u);
    std::map<std::string, int> cards;
    for (const auto& w : t.warnings()) cards[w.rung()]++;
    std::string warn;
    for (const auto& [rung, name] : std::vector<std::pair<std::string, std::string>>{
             {"blue", "蓝牌"}, {"yellow", "黄牌"}, {"red", "红牌"}}) {
      if (cards[rung] > 0) warn += (warn.empty() ? "" : "、") + name + std::to_string(cards[rung]);
    }
    auto st = TaskStates().find(t.state());
    s.rows.push_back(
        {xlsx::Cell::Text(item.title()), xlsx::Cell::Text(item.instructing_leader_name()),
         xlsx::Cell::Text(item.deadline()), xlsx::Cell::Text(unit_name(t.lead_unit())),
         xlsx::Cell::Text(co), xlsx::Cell::Text(t.deliverable()), xlsx::Cell::Text(t.due_date()),
         xlsx::Cell::Text(st == TaskStates().end() ? "" : st->second),
         xlsx::Cell::Number(t.percent()), xlsx::Cell::Text(warn)});
  }
  return s;
}

xlsx::Sheet RankingSheet(const rpb::ListRankingsResponse& r, const std::string& title) {
  xlsx::Sheet s;
  s.name = "信息工作排名";
  s.title = title;
  s.headers = {"名次", "单位", "积分", "计分条目"};
  for (const auto& u : r.ranks()) {
    s.rows.push_back({xlsx::Cell::Number(u.rank()), xlsx::Cell::Text(u.unit_name()),
                      xlsx::Cell::Number(u.points()), xlsx::Cell::Number(u.entries())});
  }
  return s;
}

std::vector<xlsx::Sheet> StatisticsSheets(const ppb::Statistics& st, const std::string& title) {
  const std::vector<std::string> figures = {
      "提交",   "审查",     "立案",       "立案率", "答复", "按期答复", "按期答复率",
      "已评价", "首次满意", "首次满意率", "A类",    "B类",  "C类",      "逾期未答复"};
  auto row = [](const std::string& first, const ppb::Figures& f) {
    return std::vector<xlsx::Cell>{xlsx::Cell::Text(first),
                                   xlsx::Cell::Number(f.submitted()),
                                   xlsx::Cell::Number(f.reviewed()),
                                   xlsx::Cell::Number(f.registered()),
                                   xlsx::Cell::Number(f.registration_rate()),
                                   xlsx::Cell::Number(f.replies()),
                                   xlsx::Cell::Number(f.on_time_replies()),
                                   xlsx::Cell::Number(f.on_time_rate()),
                                   xlsx::Cell::Number(f.rated()),
                                   xlsx::Cell::Number(f.first_time_satisfied()),
                                   xlsx::Cell::Number(f.first_time_satisfaction_rate()),
                                   xlsx::Cell::Number(f.class_a()),
                                   xlsx::Cell::Number(f.class_b()),
                                   xlsx::Cell::Number(f.class_c()),
                                   xlsx::Cell::Number(f.overdue_open())};
  };
  xlsx::Sheet sessions;
  sessions.name = "按届次";
  sessions.title = title;
  sessions.headers = {"届次"};
  sessions.headers.insert(sessions.headers.end(), figures.begin(), figures.end());
  for (const auto& f : st.by_session()) sessions.rows.push_back(row(f.key(), f));
  sessions.rows.push_back(row("合计", st.total()));
  xlsx::Sheet units;
  units.name = "按承办单位";
  units.title = title;
  units.headers = {"承办单位"};
  units.headers.insert(units.headers.end(), figures.begin(), figures.end());
  for (const auto& f : st.by_unit()) units.rows.push_back(row(f.name(), f));
  return {sessions, units};
}

}  // namespace zs::gateway::documents

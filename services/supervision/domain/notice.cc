#include "domain/notice.h"

#include "domain/supervision.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace zs::supervision {
namespace {

std::string Percent(double rate, int denominator) {
  if (denominator == 0) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

}  // namespace

void ComputeNotice(const Period& period, const CivilDate& today, const std::vector<pb::Task>& tasks,
                   const std::map<std::string, std::string>& item_titles, const org::OrgTree& org,
                   const calendar::WorkCalendar& cal, int utc_offset_minutes, pb::Notice* notice) {
  const CivilDate cutoff = std::min(period.end, today);
  std::map<std::string, pb::UnitStats> units;
  auto stats = [&](const std::string& unit) -> pb::UnitStats& {
    auto& s = units[unit];
    if (s.unit_id().empty()) {
      s.set_unit_id(unit);
      const auto* u = org.FindUnit(unit);
      s.set_unit_name(u ? u->name : unit);
    }
    return s;
  };
  notice->set_as_of(FormatDate(cutoff));
  for (const auto& t : tasks) {
    const auto due = ParseDate(t.due_date());
    if (!due || t.state() == pb::TASK_STATE_CANCELLED) continue;  // 撤销: owed by nobody
    const bool closed_by_cutoff = t.state() == pb::TASK_STATE_CLOSED &&
                                  DateOf(FromProto(t.close_time()), utc_offset_minutes) <= cutoff;
    if (*due >= period.start && *due <= period.end) {
      auto& s = stats(t.lead_unit());
      s.set_due(s.due() + 1);
      if (closed_by_cutoff) {
        s.set_closed(s.closed() + 1);
        if (DateOf(FromProto(t.close_time()), utc_offset_minutes) <= *due) {
          s.set_closed_on_time(s.closed_on_time() + 1);
        }
      }
    }
    if (*due < cutoff && !closed_by_cutoff &&
        (Outstanding(t) || t.state() == pb::TASK_STATE_CLOSED)) {
      auto& s = stats(t.lead_unit());
      s.set_overdue(s.overdue() + 1);
      auto* o = notice->add_overdue();
      o->set_task_id(t.id());
      auto it = item_titles.find(t.item_id());
      o->set_item_title(it == item_titles.end() ? t.item_id() : it->second);
      o->set_unit_id(t.lead_unit());
      o->set_unit_name(s.unit_name());
      o->set_due_date(t.due_date());
      o->set_working_days_overdue(cal.WorkingDaysBetween(*due, cutoff));
    }
    for (const auto& w : t.warnings()) {
      const CivilDate on = DateOf(FromProto(w.issue_time()), utc_offset_minutes);
      if (on < period.start || on > period.end) continue;
      // A card counts for the unit that got it, also after the task was reassigned.
      auto& s = stats(w.unit().empty() ? t.lead_unit() : w.unit());
      if (w.rung() == "blue") s.set_blue(s.blue() + 1);
      if (w.rung() == "yellow") s.set_yellow(s.yellow() + 1);
      if (w.rung() == "red") s.set_red(s.red() + 1);
      if (w.rung() == "missed_progress") s.set_missed_progress(s.missed_progress() + 1);
    }
  }
  for (auto& [id, s] : units) {
    s.set_completion_rate(s.due() ? static_cast<double>(s.closed()) / s.due() : 0);
    s.set_on_time_rate(s.closed() ? static_cast<double>(s.closed_on_time()) / s.closed() : 0);
    *notice->add_units() = s;
  }
  // Worst first: most overdue, then most red cards, then lowest completion.
  std::sort(notice->mutable_units()->begin(), notice->mutable_units()->end(),
            [](const pb::UnitStats& a, const pb::UnitStats& b) {
              if (a.overdue() != b.overdue()) return a.overdue() > b.overdue();
              if (a.red() != b.red()) return a.red() > b.red();
              if (a.completion_rate() != b.completion_rate()) {
                return a.completion_rate() < b.completion_rate();
              }
              return a.unit_id() < b.unit_id();
            });
  std::sort(notice->mutable_overdue()->begin(), notice->mutable_overdue()->end(),
            [](const pb::OverdueTask& a, const pb::OverdueTask& b) {
              if (a.working_days_overdue() != b.working_days_overdue()) {
                return a.working_days_overdue() > b.working_days_overdue();
              }
              return a.task_id() < b.task_id();
            });
  notice->set_period(period.name);
  notice->set_period_start(FormatDate(period.start));
  notice->set_period_end(FormatDate(period.end));
}

std::string EscapeHtml(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Markdown table cells: pipes and line breaks would break the row.
std::string Cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// "第 N 期 · 统计期间 a 至 b", with what makes this edition different: a preview has no number
// yet, a provisional notice says how far its figures go, a correction names what it replaces.
std::string Heading(const pb::Notice& n) {
  std::string s = n.number() > 0 ? "第 " + std::to_string(n.number()) + " 期" : "预览（未编号）";
  s += " · 统计期间 " + n.period_start() + " 至 " + n.period_end();
  if (n.provisional()) s += " · 阶段性通报，数据截至 " + n.as_of();
  if (!n.corrects().empty()) s += " · 更正版，替代 " + n.corrects();
  return s;
}

}  // namespace

absl::StatusOr<Period> NoticePeriod(const std::string& text, const CivilDate& today) {
  auto period = ParsePeriod(text);
  if (!period.ok()) return period.status();
  if (period->start > today) {
    return absl::InvalidArgumentError("period: " + text + " has not begun");
  }
  return period;
}

absl::Status CheckEdition(const Period& period, const CivilDate& today,
                          const std::vector<pb::Notice>& published, bool provisional,
                          bool correction, std::string* corrects) {
  const bool open = !(period.end < today);
  if (provisional) {
    if (!open) {
      return absl::FailedPreconditionError("period " + period.name + " has ended (" +
                                           FormatDate(period.end) +
                                           "); publish its notice without provisional");
    }
    if (correction) {
      return absl::FailedPreconditionError(
          "a provisional notice is not a correction; publish the period's notice once it ends");
    }
    return absl::OkStatus();
  }
  if (open) {
    return absl::FailedPreconditionError(
        "period " + period.name + " runs until " + FormatDate(period.end) +
        "; preview its notice, or publish it as provisional (阶段性)");
  }
  const pb::Notice* latest = nullptr;
  for (const auto& n : published) {
    if (!n.provisional()) latest = &n;
  }
  if (latest != nullptr && !correction) {
    return absl::FailedPreconditionError("the notice for " + period.name + " was published as 第 " +
                                         std::to_string(latest->number()) + " 期 (" + latest->id() +
                                         "); publish again only as a correction");
  }
  if (latest == nullptr && correction) {
    return absl::FailedPreconditionError("no notice for " + period.name +
                                         " was published; there is nothing to correct");
  }
  if (latest != nullptr) *corrects = latest->id();
  return absl::OkStatus();
}

std::string RenderMarkdown(const pb::Notice& n) {
  std::ostringstream md;
  md << "# " << n.title() << "\n\n";
  md << Heading(n) << "\n\n";
  md << "## 各单位办理情况\n\n";
  md << "| 单位 | 到期任务 | 已销号 | 按期销号 | 办结率 | 按期率 | 逾期 | 蓝牌 | 黄牌 | 红牌 | "
        "未按期报进展 |\n";
  md << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& u : n.units()) {
    md << "| " << Cell(u.unit_name()) << " | " << u.due() << " | " << u.closed() << " | "
       << u.closed_on_time() << " | " << Percent(u.completion_rate(), u.due()) << " | "
       << Percent(u.on_time_rate(), u.closed()) << " | " << u.overdue() << " | " << u.blue()
       << " | " << u.yellow() << " | " << u.red() << " | " << u.missed_progress() << " |\n";
  }
  if (n.units().empty()) md << "| （本期无到期任务） | | | | | | | | | | |\n";
  md << "\n## 逾期未办结任务\n\n";
  if (n.overdue().empty()) {
    md << "无。\n";
  } else {
    md << "| 单位 | 事项 | 期限 | 逾期（工作日） |\n|---|---|---|---:|\n";
    for (const auto& o : n.overdue()) {
      md << "| " << Cell(o.unit_name()) << " | " << Cell(o.item_title()) << " | " << o.due_date()
         << " | " << o.working_days_overdue() << " |\n";
    }
  }
  md << "\n说明：办结率 = 已销号 / 到期任务；按期率 = 按期销号 / 已销号；逾期按工作日计算。\n";
  return md.str();
}

std::string RenderHtml(const pb::Notice& n) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
    << EscapeHtml(n.title()) << "</title>\n"
    << "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
       "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:4px 8px}"
       "td.n{text-align:right}.red{color:#b00}</style>\n</head>\n<body>\n";
  h << "<h1>" << EscapeHtml(n.title()) << "</h1>\n";
  h << "<p>" << EscapeHtml(Heading(n)) << "</p>\n";
  h << "<h2>各单位办理情况</h2>\n<table>\n<tr><th>单位</th><th>到期任务</th><th>已销号</th>"
       "<th>按期销号</th><th>办结率</th><th>按期率</th><th>逾期</th><th>蓝牌</th><th>黄牌</th>"
       "<th>红牌</th><th>未按期报进展</th></tr>\n";
  for (const auto& u : n.units()) {
    h << "<tr><td>" << EscapeHtml(u.unit_name()) << "</td><td class=\"n\">" << u.due()
      << "</td><td class=\"n\">" << u.closed() << "</td><td class=\"n\">" << u.closed_on_time()
      << "</td><td class=\"n\">" << Percent(u.completion_rate(), u.due()) << "</td><td class=\"n\">"
      << Percent(u.on_time_rate(), u.closed()) << "</td><td class=\"n"
      << (u.overdue() ? " red" : "") << "\">" << u.overdue() << "</td><td class=\"n\">" << u.blue()
      << "</td><td class=\"n\">" << u.yellow() << "</td><td class=\"n" << (u.red() ? " red" : "")
      << "\">" << u.red() << "</td><td class=\"n\">" << u.missed_progress() << "</td></tr>\n";
  }
  h << "</table>\n<h2>逾期未办结任务</h2>\n";
  if (n.overdue().empty()) {
    h << "<p>无。</p>\n";
  } else {
    h << "<table>\n<tr><th>单位</th><th>事项</th><th>期限</th><th>逾期（工作日）</th></tr>\n";
    for (const auto& o : n.overdue()) {
      h << "<tr><td>" << EscapeHtml(o.unit_name()) << "</td><td>" << EscapeHtml(o.item_title())
        << "</td><td>" << EscapeHtml(o.due_date()) << "</td><td class=\"n red\">"
        << o.working_days_overdue() << "</td></tr>\n";
    }
    h << "</table>\n";
  }
  h << "<p><small>办结率 = 已销号 / 到期任务；按期率 = 按期销号 / "
       "已销号；逾期按工作日计算。</small></p>\n"
    << "</body>\n</html>\n";
  return h.str();
}

}  // namespace zs::supervision

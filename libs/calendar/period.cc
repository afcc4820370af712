#include "calendar/period.h"

#include <cctype>

#include "calendar/calendar.h"

namespace zs::calendar {

absl::StatusOr<Period> ParsePeriod(const std::string& text, const std::string& field) {
  const auto bad = absl::InvalidArgumentError(
      field + ": '" + text + "' is not a month YYYY-MM, a quarter YYYY-Qn or a year YYYY");
  if (text.size() < 4) return bad;
  int year = 0;
  for (int i = 0; i < 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad;
    year = year * 10 + (text[i] - '0');
  }
  if (year < 2000 || year > 2200) return bad;
  Period p;
  p.name = text;
  if (text.size() == 4) {
    p.start = {year, 1, 1};
    p.end = {year, 12, 31};
    p.label = std::to_string(year) + "年";
    return p;
  }
  if (text.size() != 7 || text[4] != '-') return bad;
  static const char* kQuarters[] = {"一", "二", "三", "四"};
  if (text[5] == 'Q') {
    const int q = text[6] - '0';
    if (q < 1 || q > 4) return bad;
    p.start = {year, (q - 1) * 3 + 1, 1};
    p.end = AddDays(CivilDate{q == 4 ? year + 1 : year, q == 4 ? 1 : q * 3 + 1, 1}, -1);
    p.label = std::to_string(year) + "年第" + kQuarters[q - 1] + "季度";
    return p;
  }
  if (!std::isdigit(static_cast<unsigned char>(text[5])) ||
      !std::isdigit(static_cast<unsigned char>(text[6]))) {
    return bad;
  }
  const int m = (text[5] - '0') * 10 + (text[6] - '0');
  if (m < 1 || m > 12) return bad;
  p.start = {year, m, 1};
  p.end = AddDays(CivilDate{m == 12 ? year + 1 : year, m == 12 ? 1 : m + 1, 1}, -1);
  p.label = std::to_string(year) + "年" + std::to_string(m) + "月";
  return p;
}

absl::StatusOr<Period> RangePeriod(const std::string& start, const std::string& end,
                                   const std::string& start_field, const std::string& end_field) {
  const auto s = ParseDate(start);
  if (!s) return absl::InvalidArgumentError(start_field + ": required as YYYY-MM-DD");
  const auto e = ParseDate(end);
  if (!e) return absl::InvalidArgumentError(end_field + ": required as YYYY-MM-DD");
  if (*e < *s) {
    return absl::InvalidArgumentError(end_field + ": " + end + " is before " + start_field + " " +
                                      start + "; the period ends before it starts");
  }
  Period p;
  p.name = start + ".." + end;
  p.start = *s;
  p.end = *e;
  p.label = start + " 至 " + end;
  return p;
}

}  // namespace zs::calendar

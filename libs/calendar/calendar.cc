#include "calendar/calendar.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace zs::calendar {
namespace {

std::chrono::sys_days ToDays(const CivilDate& d) {
  return std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
}

CivilDate FromDays(std::chrono::sys_days days) {
  const std::chrono::year_month_day ymd(days);
  return CivilDate{int(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                   static_cast<int>(unsigned(ymd.day()))};
}

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError("calendar " + where + ": " + what);
}

absl::StatusOr<CivilDate> DateField(const YAML::Node& n, const char* key, int year,
                                    const std::string& where) {
  const YAML::Node v = n[key];
  if (!v.IsDefined() || !v.IsScalar()) return Bad(where + "." + key, "required as YYYY-MM-DD");
  auto d = ParseDate(v.Scalar());
  if (!d) return Bad(where + "." + key, "'" + v.Scalar() + "' is not a date YYYY-MM-DD");
  if (d->year != year)
    return Bad(where + "." + key, v.Scalar() + " is not in " + std::to_string(year));
  return *d;
}

}  // namespace

CivilDate AddDays(const CivilDate& d, int days) {
  return FromDays(ToDays(d) + std::chrono::days(days));
}

int Weekday(const CivilDate& d) {
  return static_cast<int>(std::chrono::weekday(ToDays(d)).iso_encoding());
}

absl::StatusOr<WorkCalendar> WorkCalendar::Parse(
    const std::vector<std::pair<std::string, std::string>>& named_texts) {
  WorkCalendar cal;
  for (const auto& [name, text] : named_texts) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      return Bad(name, e.what());
    }
    if (!root.IsMap() || !root["year"].IsScalar()) return Bad(name + ": year", "required");
    int year = 0;
    try {
      year = root["year"].as<int>();
    } catch (const YAML::Exception&) {
      return Bad(name + ": year", "not a number");
    }
    if (year < 1949 || year > 2200) return Bad(name + ": year", "out of range");
    const std::string status = root["status"].IsScalar() ? root["status"].Scalar() : "";
    if (status != "official" && status != "provisional") {
      return Bad(name + ": status", "must be official or provisional");
    }
    if (!cal.years_.emplace(year, status == "provisional").second) {
      return Bad(name + ": year", std::to_string(year) + " is loaded twice");
    }
    int i = 0;
    for (const auto& h : root["holidays"]) {
      const std::string where = name + ": holidays[" + std::to_string(i++) + "]";
      auto from = DateField(h, "from", year, where);
      if (!from.ok()) return from.status();
      auto to = DateField(h, "to", year, where);
      if (!to.ok()) return to.status();
      if (*to < *from) return Bad(where + ".to", "before from");
      const std::string label = h["name"].IsScalar() ? h["name"].Scalar() : "";
      for (CivilDate d = *from; d <= *to; d = AddDays(d, 1)) cal.holidays_[d] = label;
    }
    i = 0;
    for (const auto& w : root["workdays"]) {
      const std::string where = name + ": workdays[" + std::to_string(i++) + "]";
      auto d = DateField(w, "date", year, where);
      if (!d.ok()) return d.status();
      if (Weekday(*d) <= 5) return Bad(where + ".date", FormatDate(*d) + " is a weekday already");
      if (cal.holidays_.count(*d))
        return Bad(where + ".date", FormatDate(*d) + " is also a holiday");
      cal.workdays_[*d] = w["name"].IsScalar() ? w["name"].Scalar() : "";
    }
  }
  return cal;
}

absl::StatusOr<WorkCalendar> WorkCalendar::LoadDir(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    files.emplace_back(entry.path().filename().string(), ss.str());
  }
  if (ec) return absl::InvalidArgumentError("calendar directory " + dir + ": " + ec.message());
  if (files.empty())
    return absl::InvalidArgumentError("calendar directory " + dir + ": no *.yaml files");
  return Parse(files);
}

bool WorkCalendar::IsWorkingDay(const CivilDate& d) const {
  if (workdays_.count(d)) return true;
  if (holidays_.count(d)) return false;
  return Weekday(d) <= 5;
}

CivilDate WorkCalendar::AddWorkingDays(const CivilDate& start, int n) const {
  CivilDate d = start;
  while (n > 0) {
    d = AddDays(d, 1);
    if (IsWorkingDay(d)) --n;
  }
  return d;
}

int WorkCalendar::WorkingDaysBetween(const CivilDate& from, const CivilDate& to) const {
  int n = 0;
  for (CivilDate d = AddDays(from, 1); d <= to; d = AddDays(d, 1)) {
    if (IsWorkingDay(d)) ++n;
  }
  return n;
}

CivilDate WorkCalendar::NextWorkingDay(const CivilDate& d) const {
  return IsWorkingDay(d) ? d : AddWorkingDays(d, 1);
}

bool WorkCalendar::Provisional(int year) const {
  auto it = years_.find(year);
  return it != years_.end() && it->second;
}

std::vector<int> WorkCalendar::years() const {
  std::vector<int> out;
  for (const auto& [y, p] : years_) out.push_back(y);
  return out;
}

std::string WorkCalendar::NameOf(const CivilDate& d) const {
  if (auto it = holidays_.find(d); it != holidays_.end()) return it->second;
  if (auto it = workdays_.find(d); it != workdays_.end()) return it->second;
  return "";
}

}  // namespace zs::calendar

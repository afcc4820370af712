#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/time_util.h"

namespace zs::calendar {

// The working-day calendar (工作日): Monday to Friday are working days, except the public holidays
// (放假) of the loaded year files, plus the make-up working days (调休上班) that fall on weekends.
// Holidays are data — one YAML file per year (see deploy/calendar/) — not code.
//
// Dates outside every loaded year fall back to plain weekends; Covers() tells whether a year has
// data, and Provisional() whether its data still awaits the official notice.
// Immutable after loading; safe to share between threads.
class WorkCalendar {
 public:
  // Parses year files. Errors name the file and entry, e.g. "2026.yaml: holidays[2].to: ...".
  static absl::StatusOr<WorkCalendar> Parse(
      const std::vector<std::pair<std::string, std::string>>& named_texts);
  // Loads every *.yaml file in `dir`.
  static absl::StatusOr<WorkCalendar> LoadDir(const std::string& dir);

  bool IsWorkingDay(const CivilDate& d) const;
  // The `n`-th working day strictly after `start` (n >= 1); `start` itself when n == 0.
  CivilDate AddWorkingDays(const CivilDate& start, int n) const;
  // Working days in (from, to]: 0 when to <= from. "How many working days late" when to is today.
  int WorkingDaysBetween(const CivilDate& from, const CivilDate& to) const;
  // The next working day on or after `d`.
  CivilDate NextWorkingDay(const CivilDate& d) const;
  // A deadline in hours for urgent items (急件): plain elapsed hours — urgent work does not pause
  // for weekends or holidays.
  static TimePoint DeadlineAfterHours(TimePoint start, std::chrono::hours hours) {
    return start + hours;
  }

  bool Covers(int year) const { return years_.count(year) > 0; }
  bool Provisional(int year) const;
  std::vector<int> years() const;
  // The holiday's name when `d` is a listed day off or make-up working day; empty otherwise.
  std::string NameOf(const CivilDate& d) const;

 private:
  std::map<int, bool> years_;                  // year -> provisional
  std::map<CivilDate, std::string> holidays_;  // days off
  std::map<CivilDate, std::string> workdays_;  // make-up working days
};

// Day arithmetic on the proleptic Gregorian calendar.
CivilDate AddDays(const CivilDate& d, int days);
// 1 = Monday ... 7 = Sunday.
int Weekday(const CivilDate& d);

}  // namespace zs::calendar

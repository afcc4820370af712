#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "core/time_util.h"

namespace zs::calendar {

// A reporting period: a month, a quarter or a year, or an explicit range of dates.
struct Period {
  std::string name;  // "2026-11", "2026-Q4", "2026" or "2026-11-01..2026-11-15"
  CivilDate start;
  CivilDate end;      // inclusive
  std::string label;  // "2026年11月", "2026年第四季度", "2026年"
};

// Parses "YYYY-MM", "YYYY-Qn" or "YYYY"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<Period> ParsePeriod(const std::string& text, const std::string& field = "period");
// An explicit range; INVALID_ARGUMENT naming `end_field` when it ends before it starts.
absl::StatusOr<Period> RangePeriod(const std::string& start, const std::string& end,
                                   const std::string& start_field, const std::string& end_field);

}  // namespace zs::calendar

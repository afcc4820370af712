#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace zs {

google::protobuf::Timestamp ToProto(TimePoint t);
TimePoint FromProto(const google::protobuf::Timestamp& ts);

// Milliseconds since the Unix epoch: how timestamps are stored in SQL columns.
int64_t ToMillis(TimePoint t);
TimePoint FromMillis(int64_t ms);

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-21T04:58:32.123Z".
std::string FormatRfc3339(TimePoint t);

// A calendar date "YYYY-MM-DD".
struct CivilDate {
  int year = 0;
  int month = 0;
  int day = 0;
  auto operator<=>(const CivilDate&) const = default;
};
// Parses a strict "YYYY-MM-DD" that names a real day; nullopt otherwise.
std::optional<CivilDate> ParseDate(std::string_view text);
std::string FormatDate(const CivilDate& d);
// The calendar date of `t` in the zone `utc_offset_minutes` east of UTC (China: +480).
CivilDate DateOf(TimePoint t, int utc_offset_minutes);
// The instant `hour`:00 local time on `d` in the zone `utc_offset_minutes` east of UTC (when a
// timer of that day fires).
TimePoint AtLocalHour(const CivilDate& d, int hour, int utc_offset_minutes);
// `months` calendar months after `d`, on the same day of the month or the month's last day.
CivilDate AddMonths(const CivilDate& d, int months);

}  // namespace zs

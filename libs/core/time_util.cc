#include "core/time_util.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace zs {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

google::protobuf::Timestamp ToProto(TimePoint t) {
  const auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  int64_t secs = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  ts.set_seconds(secs);
  ts.set_nanos(static_cast<int32_t>(nanos));
  return ts;
}

TimePoint FromProto(const google::protobuf::Timestamp& ts) {
  return TimePoint(
      duration_cast<TimePoint::duration>(seconds(ts.seconds()) + nanoseconds(ts.nanos())));
}

int64_t ToMillis(TimePoint t) { return duration_cast<milliseconds>(t.time_since_epoch()).count(); }

TimePoint FromMillis(int64_t ms) {
  return TimePoint(duration_cast<TimePoint::duration>(milliseconds(ms)));
}

std::string FormatRfc3339(TimePoint t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const auto ms = duration_cast<milliseconds>(t - days).count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), static_cast<long long>(ms / 3600000),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::optional<CivilDate> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  CivilDate d{num(0, 4), num(5, 2), num(8, 2)};
  const std::chrono::year_month_day ymd{std::chrono::year(d.year),
                                        std::chrono::month(static_cast<unsigned>(d.month)),
                                        std::chrono::day(static_cast<unsigned>(d.day))};
  if (!ymd.ok()) return std::nullopt;
  return d;
}

std::string FormatDate(const CivilDate& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

CivilDate DateOf(TimePoint t, int utc_offset_minutes) {
  const auto local = t + std::chrono::minutes(utc_offset_minutes);
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(local)};
  return CivilDate{int(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                   static_cast<int>(unsigned(ymd.day()))};
}

TimePoint AtLocalHour(const CivilDate& d, int hour, int utc_offset_minutes) {
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  return TimePoint(days + std::chrono::hours(hour) - std::chrono::minutes(utc_offset_minutes));
}

CivilDate AddMonths(const CivilDate& d, int months) {
  const int m = d.year * 12 + (d.month - 1) + months;
  const std::chrono::year_month ym{std::chrono::year(m / 12),
                                   std::chrono::month(static_cast<unsigned>(m % 12 + 1))};
  const unsigned last = unsigned(
      std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day());
  return CivilDate{m / 12, m % 12 + 1, static_cast<int>(std::min<unsigned>(d.day, last))};
}

}  // namespace zs

#include "domain/schedule.h"

#include <algorithm>
#include <cstdio>

#include "core/validation.h"
#include "domain/coordination.h"

namespace zs::coordination::schedule {

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

Span SpanOf(const pb::Activity& a) { return {Millis(a.start_time()), Millis(a.end_time())}; }

std::string LocalTime(int64_t ms, int utc_offset_minutes) {
  const int64_t local = ms + int64_t{utc_offset_minutes} * 60000;
  int64_t days = local / kDayMs;
  if (local % kDayMs < 0) --days;
  const int64_t in_day = local - days * kDayMs;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(in_day / 3600000),
                static_cast<int>(in_day / 60000 % 60));
  return FormatDate(CivilFromDays(days)) + " " + buf;
}

}  // namespace

int64_t Millis(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000 + ts.nanos() / 1000000;
}

google::protobuf::Timestamp TimestampOf(int64_t ms) {
  google::protobuf::Timestamp ts;
  int64_t s = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --s;
  }
  ts.set_seconds(s);
  ts.set_nanos(static_cast<int32_t>(rem * 1000000));
  return ts;
}

absl::Status ValidatePlan(const std::string& prefix, const std::string& title,
                          const google::protobuf::Timestamp& start,
                          const google::protobuf::Timestamp& end, const std::string& venue,
                          const std::string& location, const Limits& limits) {
  if (auto s = ValidateText(title, prefix + ".title", limits.max_title_chars, true); !s.ok()) {
    return s;
  }
  if (start.seconds() <= 0) return InvalidField(prefix + ".start_time", "required");
  if (end.seconds() <= 0) return InvalidField(prefix + ".end_time", "required");
  if (start.nanos() < 0 || start.nanos() > 999999999) {
    return InvalidField(prefix + ".start_time", "nanos out of range");
  }
  if (end.nanos() < 0 || end.nanos() > 999999999) {
    return InvalidField(prefix + ".end_time", "nanos out of range");
  }
  const int64_t s_ms = Millis(start), e_ms = Millis(end);
  if (e_ms <= s_ms) return InvalidField(prefix + ".end_time", "must be after start_time");
  if (e_ms - s_ms > int64_t{limits.max_activity_days} * kDayMs) {
    return InvalidField(prefix + ".end_time",
                        "more than " + std::to_string(limits.max_activity_days) +
                            " days after start_time (schedule.max_activity_days)");
  }
  if (!venue.empty() && !location.empty()) {
    return InvalidField(prefix + ".location", "give a venue or a free-text location, not both");
  }
  if (!venue.empty()) {
    if (std::find(limits.venues.begin(), limits.venues.end(), venue) == limits.venues.end()) {
      return InvalidField(prefix + ".venue", "unknown venue '" + venue + "' (schedule.venues)");
    }
    return absl::OkStatus();
  }
  if (location.empty() || Blank(location)) {
    return InvalidField(prefix + ".venue",
                        limits.allow_free_location
                            ? "required: a venue of schedule.venues or a free-text location"
                            : "required: a venue of schedule.venues");
  }
  if (!limits.allow_free_location) {
    return InvalidField(prefix + ".location",
                        "free-text locations are not allowed (schedule.allow_free_location); "
                        "give a venue of schedule.venues");
  }
  return ValidateText(location, prefix + ".location", limits.max_title_chars, true);
}

std::vector<pb::Conflict> FindConflicts(const pb::Activity& candidate,
                                        const std::vector<pb::Activity>& existing) {
  std::vector<pb::Conflict> out;
  const Span span = SpanOf(candidate);
  for (const auto& a : existing) {
    if (a.state() == pb::ACTIVITY_STATE_CANCELLED) continue;
    if (!candidate.id().empty() && a.id() == candidate.id()) continue;
    if (!Overlaps(span, SpanOf(a))) continue;
    pb::ConflictKind kind = pb::CONFLICT_KIND_UNSPECIFIED;
    if (!candidate.leader().empty() && a.leader() == candidate.leader()) {
      kind = pb::CONFLICT_KIND_LEADER;
    } else if (!candidate.venue().empty() && a.venue() == candidate.venue()) {
      kind = pb::CONFLICT_KIND_VENUE;
    }
    if (kind == pb::CONFLICT_KIND_UNSPECIFIED) continue;
    pb::Conflict c;
    c.set_kind(kind);
    c.set_activity_id(a.id());
    c.set_leader(a.leader());
    c.set_leader_name(a.leader_name());
    c.set_title(a.title());
    *c.mutable_start_time() = a.start_time();
    *c.mutable_end_time() = a.end_time();
    c.set_venue(a.venue());
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const pb::Conflict& x, const pb::Conflict& y) {
    const int64_t a = Millis(x.start_time()), b = Millis(y.start_time());
    return a != b ? a < b : x.activity_id() < y.activity_id();
  });
  return out;
}

std::string ConflictMessage(const std::vector<pb::Conflict>& conflicts, int utc_offset_minutes) {
  std::string s = "conflicts with: ";
  for (size_t i = 0; i < conflicts.size(); ++i) {
    const auto& c = conflicts[i];
    if (i > 0) s += "; ";
    const std::string who =
        c.leader_name().empty() ? c.leader() : c.leader_name() + " (" + c.leader() + ")";
    s += c.activity_id() + " " + who + " 「" + c.title() + "」 " +
         LocalTime(Millis(c.start_time()), utc_offset_minutes) + "–" +
         LocalTime(Millis(c.end_time()), utc_offset_minutes).substr(11) +
         (c.venue().empty() ? "" : " @" + c.venue()) +
         (c.kind() == pb::CONFLICT_KIND_VENUE ? " [venue]" : " [leader]");
  }
  return s;
}

bool MayOverride(const std::string& subject, const std::vector<std::string>& roles,
                 const std::string& leader) {
  if (std::find(roles.begin(), roles.end(), "office_director") != roles.end()) return true;
  return subject == leader && std::find(roles.begin(), roles.end(), "leader") != roles.end();
}

// ---- Week view ----

int64_t DaysFromCivil(const CivilDate& d) {
  // Howard Hinnant's days_from_civil.
  const int y = d.year - (d.month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int64_t{era} * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

CivilDate AddDays(const CivilDate& d, int n) { return CivilFromDays(DaysFromCivil(d) + n); }

int Weekday(const CivilDate& d) {
  // 1970-01-01 was a Thursday (4).
  const int64_t days = DaysFromCivil(d);
  const int64_t w = ((days % 7) + 7 + 3) % 7;  // 0 Monday
  return static_cast<int>(w) + 1;
}

CivilDate LocalDate(int64_t ms, int utc_offset_minutes) {
  const int64_t local = ms + int64_t{utc_offset_minutes} * 60000;
  int64_t days = local / kDayMs;
  if (local % kDayMs < 0) --days;
  return CivilFromDays(days);
}

int64_t LocalDayStart(const CivilDate& d, int utc_offset_minutes) {
  return DaysFromCivil(d) * kDayMs - int64_t{utc_offset_minutes} * 60000;
}

pb::WeekViewResponse BuildWeek(const std::string& leader, const std::string& leader_name,
                               const CivilDate& date, int utc_offset_minutes,
                               const calendar::WorkCalendar& cal,
                               const std::vector<pb::Activity>& activities) {
  pb::WeekViewResponse out;
  out.set_leader(leader);
  out.set_leader_name(leader_name);
  const CivilDate monday = AddDays(date, 1 - Weekday(date));
  out.set_week_start(FormatDate(monday));
  std::vector<const pb::Activity*> sorted;
  for (const auto& a : activities) {
    if (a.state() == pb::ACTIVITY_STATE_CANCELLED || a.leader() != leader) continue;
    sorted.push_back(&a);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const pb::Activity* x, const pb::Activity* y) {
    return Millis(x->start_time()) < Millis(y->start_time());
  });
  for (int i = 0; i < 7; ++i) {
    const CivilDate d = AddDays(monday, i);
    auto* day = out.add_days();
    day->set_date(FormatDate(d));
    day->set_weekday(i + 1);
    day->set_working_day(cal.IsWorkingDay(d));
    day->set_holiday(cal.NameOf(d));
    const Span span{LocalDayStart(d, utc_offset_minutes),
                    LocalDayStart(AddDays(d, 1), utc_offset_minutes)};
    for (const auto* a : sorted) {
      if (Overlaps(span, SpanOf(*a))) *day->add_activities() = *a;
    }
  }
  return out;
}

// ---- Attendance ----

absl::Status Decide(pb::AttendanceRequest& r, bool approve, const std::string& reason,
                    const std::string& decider, int64_t now_ms) {
  if (!approve && Blank(reason)) return InvalidField("reason", "required when refusing");
  if (r.state() != pb::ATTENDANCE_STATE_PENDING) {
    return absl::FailedPreconditionError("attendance request " + r.id() + " is already " +
                                         StateName(r.state()));
  }
  if (Millis(r.start_time()) <= now_ms) {
    return absl::FailedPreconditionError("attendance request " + r.id() +
                                         ": the event has started; the request expires");
  }
  r.set_state(approve ? pb::ATTENDANCE_STATE_APPROVED : pb::ATTENDANCE_STATE_REFUSED);
  r.set_decided_by(decider);
  r.set_decision_reason(reason);
  *r.mutable_decide_time() = TimestampOf(now_ms);
  return absl::OkStatus();
}

bool ShouldExpire(const pb::AttendanceRequest& r, int64_t now_ms) {
  return r.state() == pb::ATTENDANCE_STATE_PENDING && Millis(r.start_time()) <= now_ms;
}

void Expire(pb::AttendanceRequest& r, int64_t now_ms) {
  r.set_state(pb::ATTENDANCE_STATE_EXPIRED);
  r.set_decided_by("system:coordination");
  r.set_decision_reason("expired: the event started before a decision");
  *r.mutable_decide_time() = TimestampOf(now_ms);
}

pb::Activity ActivityFromRequest(const pb::AttendanceRequest& r, const std::string& id,
                                 const std::string& created_by, int64_t now_ms) {
  pb::Activity a;
  a.set_id(id);
  a.set_tenant(r.tenant());
  a.set_leader(r.leader());
  a.set_leader_name(r.leader_name());
  a.set_title(r.title());
  *a.mutable_start_time() = r.start_time();
  *a.mutable_end_time() = r.end_time();
  a.set_venue(r.venue());
  a.set_location(r.location());
  a.set_state(pb::ACTIVITY_STATE_SCHEDULED);
  a.set_created_by(created_by);
  a.set_attendance_request_id(r.id());
  a.set_requesting_unit(r.requesting_unit());
  a.set_notes(r.reason());
  *a.mutable_create_time() = TimestampOf(now_ms);
  *a.mutable_update_time() = TimestampOf(now_ms);
  a.set_version(1);
  return a;
}

std::string StateName(pb::ActivityState s) {
  switch (s) {
    case pb::ACTIVITY_STATE_SCHEDULED:
      return "SCHEDULED";
    case pb::ACTIVITY_STATE_CANCELLED:
      return "CANCELLED";
    default:
      return "UNSPECIFIED";
  }
}

std::string StateName(pb::AttendanceState s) {
  switch (s) {
    case pb::ATTENDANCE_STATE_PENDING:
      return "PENDING";
    case pb::ATTENDANCE_STATE_APPROVED:
      return "APPROVED";
    case pb::ATTENDANCE_STATE_REFUSED:
      return "REFUSED";
    case pb::ATTENDANCE_STATE_EXPIRED:
      return "EXPIRED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace zs::coordination::schedule

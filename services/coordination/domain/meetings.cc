#include "domain/meetings.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/validation.h"

namespace zs::coordination::meetings {

namespace {

constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxText = 20000;
constexpr int kMaxAgenda = 50;
constexpr int kMaxParticipants = 100;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> ToVector(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
}

// "YYYY-MM-DD HH:MM" local.
std::string LocalTime(int64_t ms, int utc_offset_minutes) {
  const TimePoint t = FromMillis(ms);
  const CivilDate d = DateOf(t, utc_offset_minutes);
  int64_t minutes = (ms / 60000 + utc_offset_minutes) % (24 * 60);
  if (minutes < 0) minutes += 24 * 60;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return FormatDate(d) + buf;
}

absl::Status CheckLeader(const org::OrgTree& org, const std::string& tenant,
                         const std::string& user, const std::string& field) {
  const org::User* u = org.FindUser(user);
  if (u == nullptr || u->tenant != tenant ||
      std::find(u->roles.begin(), u->roles.end(), "leader") == u->roles.end()) {
    return InvalidField(field, "unknown leader " + user + " (not a leader of " + tenant + ")");
  }
  return absl::OkStatus();
}

absl::Status ValidateAgenda(const google::protobuf::RepeatedPtrField<std::string>& agenda,
                            const std::string& field) {
  if (agenda.size() > kMaxAgenda) {
    return InvalidField(field, "at most " + std::to_string(kMaxAgenda) + " items");
  }
  for (int i = 0; i < agenda.size(); ++i) {
    if (auto s = ValidateText(agenda[i], field + "[" + std::to_string(i) + "]", 500, true);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateVenue(const std::string& venue, const Rules& rules, const std::string& field) {
  if (Blank(venue)) return InvalidField(field, "required");
  if (!Contains(rules.venues, venue)) return InvalidField(field, "unknown venue " + venue);
  return absl::OkStatus();
}

// "HH:MM" → minutes after midnight; -1 when malformed.
int ParseClock(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return -1;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

}  // namespace

std::string KindName(pb::MeetingKind k) {
  switch (k) {
    case pb::MEETING_KIND_STANDING_COMMITTEE:
      return "常委会";
    case pb::MEETING_KIND_JOINT:
      return "联席会议";
    case pb::MEETING_KIND_DISPATCH:
      return "调度会";
    case pb::MEETING_KIND_MONTHLY:
      return "月例会";
    case pb::MEETING_KIND_OTHER:
      return "其他会议";
    default:
      return "";
  }
}

std::string StateName(pb::MeetingState s) { return pb::MeetingState_Name(s); }

absl::Status ValidateMeeting(const pb::Meeting& m, const Rules& rules, const std::string& prefix) {
  if (m.kind() == pb::MEETING_KIND_UNSPECIFIED || !pb::MeetingKind_IsValid(m.kind())) {
    return InvalidField(prefix + ".kind", "required: 常委会, 联席会议, 调度会, 月例会 or other");
  }
  if (auto s = ValidateText(m.title(), prefix + ".title", kMaxTitle, true); !s.ok()) return s;
  if (auto s = CheckTime(m.start_time(), prefix + ".start_time"); !s.ok()) return s;
  if (auto s = CheckTime(m.end_time(), prefix + ".end_time"); !s.ok()) return s;
  if (ToMillis(FromProto(m.end_time())) <= ToMillis(FromProto(m.start_time()))) {
    return InvalidField(prefix + ".end_time", "must be after start_time");
  }
  if (auto s = ValidateVenue(m.venue(), rules, prefix + ".venue"); !s.ok()) return s;
  if (Blank(m.presiding_leader())) return InvalidField(prefix + ".presiding_leader", "required");
  if (m.participant_leaders_size() > kMaxParticipants) {
    return InvalidField(prefix + ".participant_leaders", "too many");
  }
  if (m.participant_units_size() > kMaxParticipants) {
    return InvalidField(prefix + ".participant_units", "too many");
  }
  return ValidateAgenda(m.agenda(), prefix + ".agenda");
}

absl::Status ResolveParticipants(const org::OrgTree& org, const std::string& tenant, pb::Meeting& m,
                                 const std::string& prefix) {
  if (auto s = CheckLeader(org, tenant, m.presiding_leader(), prefix + ".presiding_leader");
      !s.ok()) {
    return s;
  }
  std::set<std::string> seen;
  for (int i = 0; i < m.participant_leaders_size(); ++i) {
    const std::string field = prefix + ".participant_leaders[" + std::to_string(i) + "]";
    if (auto s = CheckLeader(org, tenant, m.participant_leaders(i), field); !s.ok()) return s;
    if (!seen.insert(m.participant_leaders(i)).second) return InvalidField(field, "named twice");
  }
  if (auto s = auth::CheckUnits(org, nullptr, tenant, ToVector(m.participant_units()),
                                prefix + ".participant_units");
      !s.ok()) {
    return s;
  }
  m.set_presiding_leader_name(org.FindUser(m.presiding_leader())->name);
  return absl::OkStatus();
}

pb::Meeting NewMeeting(const pb::Meeting& requested, const std::string& id,
                       const auth::Principal& caller, TimePoint now) {
  pb::Meeting m;
  m.set_id(id);
  m.set_tenant(caller.tenant);
  m.set_kind(requested.kind());
  m.set_title(requested.title());
  *m.mutable_start_time() = requested.start_time();
  *m.mutable_end_time() = requested.end_time();
  m.set_venue(requested.venue());
  m.set_presiding_leader(requested.presiding_leader());
  m.set_presiding_leader_name(requested.presiding_leader_name());
  *m.mutable_participant_leaders() = requested.participant_leaders();
  *m.mutable_participant_units() = requested.participant_units();
  *m.mutable_agenda() = requested.agenda();
  m.set_state(pb::MEETING_STATE_REQUESTED);
  m.set_requested_by(caller.subject);
  if (!caller.HasRole("coordinator") && caller.HasRole("unit_handler")) {
    m.set_requesting_unit(caller.unit);
    if (!Contains(ToVector(m.participant_units()), caller.unit)) {
      m.add_participant_units(caller.unit);
    }
  }
  *m.mutable_create_time() = ToProto(now);
  *m.mutable_update_time() = ToProto(now);
  m.set_version(1);
  return m;
}

bool SeesAllMeetings(const auth::Principal& caller) {
  return caller.HasAnyRole({"coordinator", "office_director", "leader", "service"});
}

bool MayRead(const auth::Principal& caller, const pb::Meeting& m) {
  if (caller.tenant != m.tenant()) return false;
  if (SeesAllMeetings(caller)) return true;
  if (caller.unit.empty() || !caller.HasRole("unit_handler")) return false;
  return Contains(UnitsOf(m), caller.unit);
}

std::vector<std::string> UnitsOf(const pb::Meeting& m) {
  std::vector<std::string> out = ToVector(m.participant_units());
  if (!m.requesting_unit().empty() && !Contains(out, m.requesting_unit())) {
    out.push_back(m.requesting_unit());
  }
  return out;
}

absl::Status MayRequest(const auth::Principal& caller) {
  if (caller.HasRole("coordinator")) return absl::OkStatus();
  if (caller.HasRole("unit_handler") && !caller.unit.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "meetings are requested by a coordinator or by a unit handler for its unit");
}

absl::Status MayDecide(const auth::Principal& caller, const std::string& action) {
  if (caller.HasAnyRole({"coordinator", "office_director"})) return absl::OkStatus();
  return absl::PermissionDeniedError(action + " is for a coordinator or the office director");
}

absl::Status MayOverride(const auth::Principal& caller) {
  if (caller.HasAnyRole({"office_director", "leader"})) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "override_conflicts: only the office director or a leader books a venue over a clash");
}

Span SpanOf(const pb::Meeting& m) {
  return {ToMillis(FromProto(m.start_time())), ToMillis(FromProto(m.end_time()))};
}

std::vector<Booking> Clashes(const Span& span, const std::vector<Booking>& others,
                             const std::string& self_id) {
  std::vector<Booking> out;
  for (const auto& b : others) {
    if (b.id != self_id && Overlaps(span, b.span)) out.push_back(b);
  }
  return out;
}

absl::Status ClashError(const std::string& venue, const std::vector<Booking>& clashes,
                        int utc_offset_minutes, bool detailed) {
  std::string msg = "venue " + venue + " is booked by " + std::to_string(clashes.size()) +
                    " approved meeting(s) at that time:";
  for (const auto& b : clashes) {
    msg += " [" + (detailed ? b.id + " 《" + b.title + "》 " : std::string()) +
           LocalTime(b.span.start_ms, utc_offset_minutes) + " – " +
           LocalTime(b.span.end_ms, utc_offset_minutes) + "]";
  }
  msg += "; override_conflicts (office director or leader) books it anyway";
  return absl::FailedPreconditionError(msg);
}

absl::Status Approve(pb::Meeting& m, const auth::Principal& caller, bool overridden,
                     TimePoint now) {
  if (m.state() != pb::MEETING_STATE_REQUESTED) {
    return absl::FailedPreconditionError("meeting " + m.id() + " is " + StateName(m.state()) +
                                         "; only a requested meeting is approved");
  }
  m.set_state(pb::MEETING_STATE_APPROVED);
  m.set_decided_by(caller.subject);
  if (overridden) m.set_conflicts_overridden(true);
  *m.mutable_update_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status Reject(pb::Meeting& m, const auth::Principal& caller, const std::string& reason,
                    TimePoint now) {
  if (m.state() != pb::MEETING_STATE_REQUESTED) {
    return absl::FailedPreconditionError("meeting " + m.id() + " is " + StateName(m.state()) +
                                         "; only a requested meeting is rejected");
  }
  m.set_state(pb::MEETING_STATE_REJECTED);
  m.set_decided_by(caller.subject);
  m.set_reject_reason(reason);
  *m.mutable_update_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status Cancel(pb::Meeting& m, const auth::Principal& caller, const std::string& reason,
                    TimePoint now) {
  const bool office = caller.HasAnyRole({"coordinator", "office_director"});
  const bool requester = !m.requesting_unit().empty() && caller.HasRole("unit_handler") &&
                         caller.unit == m.requesting_unit();
  if (!office && !requester) {
    return absl::PermissionDeniedError(
        "a meeting is cancelled by a coordinator, the office director or its requesting unit");
  }
  if (m.state() != pb::MEETING_STATE_REQUESTED && m.state() != pb::MEETING_STATE_APPROVED) {
    return absl::FailedPreconditionError("meeting " + m.id() + " is " + StateName(m.state()));
  }
  if (!office && m.state() != pb::MEETING_STATE_REQUESTED) {
    return absl::PermissionDeniedError(
        "an approved meeting is cancelled by a coordinator or the office director");
  }
  if (!m.minutes().empty()) {
    return absl::FailedPreconditionError("meeting " + m.id() + " has minutes; it took place");
  }
  m.set_state(pb::MEETING_STATE_CANCELLED);
  m.set_cancel_reason(reason);
  *m.mutable_update_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status RecordMinutes(pb::Meeting& m, const auth::Principal& caller, const std::string& text,
                           TimePoint now) {
  if (m.state() != pb::MEETING_STATE_APPROVED) {
    return absl::FailedPreconditionError("meeting " + m.id() + " is " + StateName(m.state()) +
                                         "; minutes are of an approved meeting");
  }
  if (ToMillis(now) < ToMillis(FromProto(m.start_time()))) {
    return absl::FailedPreconditionError("meeting " + m.id() +
                                         " has not started yet; minutes come after its start");
  }
  m.set_minutes(text);
  m.set_minutes_by(caller.subject);
  *m.mutable_minutes_time() = ToProto(now);
  *m.mutable_update_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status ValidateDecision(const std::string& text, const std::string& lead_unit,
                              const std::vector<std::string>& co_units,
                              const std::string& due_date) {
  if (auto s = ValidateText(text, "text", 2000, true); !s.ok()) return s;
  if (Blank(lead_unit)) {
    return InvalidField("lead_unit", "required: a decision without a responsible unit");
  }
  if (Contains(co_units, lead_unit)) {
    return InvalidField("co_units", "the lead unit " + lead_unit + " is not also a co-unit");
  }
  if (!due_date.empty() && !ParseDate(due_date)) {
    return InvalidField("due_date", "not a date YYYY-MM-DD");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DecisionDue(const calendar::WorkCalendar& cal, const Rules& rules,
                                        const pb::Meeting& m, const std::string& requested) {
  const CivilDate day = DateOf(FromProto(m.start_time()), rules.utc_offset_minutes);
  if (requested.empty()) {
    return FormatDate(cal.AddWorkingDays(day, rules.decision_due_working_days));
  }
  auto d = ParseDate(requested);
  if (!d) return InvalidField("due_date", "not a date YYYY-MM-DD");
  if (*d < day) {
    return InvalidField("due_date", requested + " is before the meeting's day " + FormatDate(day));
  }
  return requested;
}

absl::StatusOr<pb::Decision> AddDecision(pb::Meeting& m, const auth::Principal& caller,
                                         pb::Decision d, TimePoint now) {
  if (m.state() != pb::MEETING_STATE_APPROVED) {
    return absl::FailedPreconditionError("meeting " + m.id() + " is " + StateName(m.state()) +
                                         "; decisions are of an approved meeting");
  }
  if (m.minutes().empty()) {
    return absl::FailedPreconditionError("meeting " + m.id() +
                                         " has no minutes; record the minutes first");
  }
  d.set_id(m.id() + "-d" + std::to_string(m.decisions_size() + 1));
  d.set_recorded_by(caller.subject);
  *d.mutable_decided_at() = ToProto(now);
  *m.add_decisions() = d;
  *m.mutable_update_time() = ToProto(now);
  return d;
}

absl::Status ValidateSeries(const pb::MeetingSeries& s, const Rules& rules) {
  if (s.kind() == pb::MEETING_KIND_UNSPECIFIED || !pb::MeetingKind_IsValid(s.kind())) {
    return InvalidField("series.kind", "required");
  }
  if (auto st = ValidateText(s.title(), "series.title", kMaxTitle, true); !st.ok()) return st;
  if (s.frequency() == pb::SERIES_FREQUENCY_WEEKLY) {
    if (s.weekday() < 1 || s.weekday() > 7) {
      return InvalidField("series.weekday", "1 (Monday) .. 7 (Sunday)");
    }
  } else if (s.frequency() == pb::SERIES_FREQUENCY_MONTHLY) {
    if (s.nth_working_day() < 1 || s.nth_working_day() > 15) {
      return InvalidField("series.nth_working_day", "1 .. 15");
    }
  } else {
    return InvalidField("series.frequency", "required: WEEKLY or MONTHLY");
  }
  if (ParseClock(s.start_local_time()) < 0) {
    return InvalidField("series.start_local_time", "HH:MM");
  }
  if (s.duration_minutes() < 1 || s.duration_minutes() > 720) {
    return InvalidField("series.duration_minutes", "1 .. 720");
  }
  if (auto st = ValidateVenue(s.venue(), rules, "series.venue"); !st.ok()) return st;
  if (Blank(s.presiding_leader())) return InvalidField("series.presiding_leader", "required");
  if (!s.first_date().empty() && !ParseDate(s.first_date())) {
    return InvalidField("series.first_date", "not a date YYYY-MM-DD");
  }
  if (!s.until_date().empty()) {
    auto until = ParseDate(s.until_date());
    if (!until) return InvalidField("series.until_date", "not a date YYYY-MM-DD");
    if (!s.first_date().empty() && *until < *ParseDate(s.first_date())) {
      return InvalidField("series.until_date", "before first_date");
    }
  }
  return ValidateAgenda(s.agenda(), "series.agenda");
}

std::vector<CivilDate> SeriesDates(const pb::MeetingSeries& s, const calendar::WorkCalendar& cal,
                                   const CivilDate& from_in, const CivilDate& to_in) {
  CivilDate from = from_in;
  CivilDate to = to_in;
  if (auto first = ParseDate(s.first_date()); first && from < *first) from = *first;
  if (auto until = ParseDate(s.until_date()); until && *until < to) to = *until;
  std::set<CivilDate> out;
  if (to < from) return {};
  if (s.frequency() == pb::SERIES_FREQUENCY_WEEKLY) {
    // Nominal days from the week before `from` (a holiday may push one into the range).
    CivilDate d = calendar::AddDays(from, -7);
    while (calendar::Weekday(d) != s.weekday()) d = calendar::AddDays(d, 1);
    for (; !(to < d); d = calendar::AddDays(d, 7)) {
      const CivilDate actual = cal.NextWorkingDay(d);
      if (!(actual < from) && !(to < actual)) out.insert(actual);
    }
  } else if (s.frequency() == pb::SERIES_FREQUENCY_MONTHLY) {
    CivilDate month{from.year, from.month, 1};
    for (; !(to < month); month = AddMonths(month, 1)) {
      int n = 0;
      for (CivilDate d = month; d.month == month.month; d = calendar::AddDays(d, 1)) {
        if (cal.IsWorkingDay(d) && ++n == s.nth_working_day()) {
          if (!(d < from) && !(to < d)) out.insert(d);
          break;
        }
      }
    }
  }
  return {out.begin(), out.end()};
}

pb::Meeting SeriesMeeting(const pb::MeetingSeries& s, const CivilDate& d, const std::string& id,
                          int utc_offset_minutes, TimePoint now) {
  pb::Meeting m;
  m.set_id(id);
  m.set_tenant(s.tenant());
  m.set_kind(s.kind());
  m.set_title(s.title() + " (" + FormatDate(d) + ")");
  const TimePoint start = AtLocalHour(d, 0, utc_offset_minutes) +
                          std::chrono::minutes(ParseClock(s.start_local_time()));
  *m.mutable_start_time() = ToProto(start);
  *m.mutable_end_time() = ToProto(start + std::chrono::minutes(s.duration_minutes()));
  m.set_venue(s.venue());
  m.set_presiding_leader(s.presiding_leader());
  *m.mutable_participant_leaders() = s.participant_leaders();
  *m.mutable_participant_units() = s.participant_units();
  *m.mutable_agenda() = s.agenda();
  m.set_state(pb::MEETING_STATE_APPROVED);
  m.set_requested_by(s.created_by());
  m.set_decided_by(s.created_by());
  m.set_series_id(s.id());
  m.set_series_date(FormatDate(d));
  *m.mutable_create_time() = ToProto(now);
  *m.mutable_update_time() = ToProto(now);
  m.set_version(1);
  return m;
}

}  // namespace zs::coordination::meetings

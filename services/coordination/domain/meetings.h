#pragma once

// The rules of meetings (会议): what a requested meeting must be (times, venue, leaders and units
// of the tenant), venue clashes (half-open spans, domain/coordination.h), who may read and change
// a meeting, its states, the decisions (议定事项) of its minutes with their due dates, and the days
// of a recurring series on the working-day calendar. Pure: no gRPC, SQLite or Redis; time is
// passed in.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "domain/coordination.h"
#include "org/org.h"
#include "zhongshu/coordination/v1/meetings.pb.h"

namespace zs::coordination::meetings {

namespace pb = zhongshu::coordination::v1;

struct Rules {
  std::vector<std::string> venues;     // meetings.venues: the rooms a meeting may book
  int decision_due_working_days = 10;  // a decision's default due date after the meeting's day
  int utc_offset_minutes = 480;        // the office's local time
};

// ---- A requested meeting ----

// The request's own fields, before anything is read: kind, title, start and end (end after
// start, INVALID_ARGUMENT naming `<prefix>.end_time`), a configured venue, a presiding leader,
// agenda items. `prefix` names the message in errors ("meeting").
absl::Status ValidateMeeting(const pb::Meeting& m, const Rules& rules, const std::string& prefix);

// The people and units a meeting names, against the org tree: the presiding and participant
// leaders are users with the leader role in `tenant`, the units are units of `tenant` (each named
// once). Fills the presiding leader's name. INVALID_ARGUMENT naming the field and the unknown one.
absl::Status ResolveParticipants(const org::OrgTree& org, const std::string& tenant, pb::Meeting& m,
                                 const std::string& prefix);

// A new meeting requested by `caller` (its choices of `requested` plus what only the service
// sets): REQUESTED; a unit handler's request names its unit and takes part in it.
pb::Meeting NewMeeting(const pb::Meeting& requested, const std::string& id,
                       const auth::Principal& caller, TimePoint now);

// ---- Roles and visibility ----

// Coordinators, the office director, leaders and service accounts of the tenant see all its
// meetings; a unit handler those its unit takes part in or requested.
bool SeesAllMeetings(const auth::Principal& caller);
bool MayRead(const auth::Principal& caller, const pb::Meeting& m);
// The units a meeting is visible to by unit (participants and the requesting unit).
std::vector<std::string> UnitsOf(const pb::Meeting& m);

// Who may request: a coordinator (any units of the tenant) or a unit handler (for its unit).
absl::Status MayRequest(const auth::Principal& caller);
// Who approves and rejects: a coordinator or the office director.
absl::Status MayDecide(const auth::Principal& caller, const std::string& action);
// Who may book over a clash: the office director or a leader.
absl::Status MayOverride(const auth::Principal& caller);

// ---- Venue clashes ----

struct Booking {
  std::string id;
  std::string title;
  Span span;
};

Span SpanOf(const pb::Meeting& m);
// The bookings of `others` whose span overlaps `span` (half-open), except `self_id`.
std::vector<Booking> Clashes(const Span& span, const std::vector<Booking>& others,
                             const std::string& self_id);
// FAILED_PRECONDITION naming the venue and each clashing meeting: id, title and local times for
// a caller who sees every meeting (`detailed`), only the times for anyone else (a unit handler
// learns the room is taken, not which meeting of the office takes it).
absl::Status ClashError(const std::string& venue, const std::vector<Booking>& clashes,
                        int utc_offset_minutes, bool detailed = true);

// ---- Changes ----

absl::Status Approve(pb::Meeting& m, const auth::Principal& caller, bool overridden, TimePoint now);
absl::Status Reject(pb::Meeting& m, const auth::Principal& caller, const std::string& reason,
                    TimePoint now);
// A coordinator or the office director cancels a requested or approved meeting; the requesting
// unit's handler its own request while it is still REQUESTED.
absl::Status Cancel(pb::Meeting& m, const auth::Principal& caller, const std::string& reason,
                    TimePoint now);
// Minutes of an approved meeting once it has started (FAILED_PRECONDITION before).
absl::Status RecordMinutes(pb::Meeting& m, const auth::Principal& caller, const std::string& text,
                           TimePoint now);

// A decision as requested, before anything is read: text, lead unit (required), co-units, due
// date format. Fields named as in RecordDecisionRequest.
absl::Status ValidateDecision(const std::string& text, const std::string& lead_unit,
                              const std::vector<std::string>& co_units,
                              const std::string& due_date);
// The decision's due date: `requested` (on or after the meeting's local day, INVALID_ARGUMENT
// naming due_date otherwise) or rules.decision_due_working_days working days after that day.
absl::StatusOr<std::string> DecisionDue(const calendar::WorkCalendar& cal, const Rules& rules,
                                        const pb::Meeting& m, const std::string& requested);
// Adds the decision to the minutes of `m` (which must have minutes); its id is
// "<meeting id>-d<n>". Returns the added decision.
absl::StatusOr<pb::Decision> AddDecision(pb::Meeting& m, const auth::Principal& caller,
                                         pb::Decision d, TimePoint now);

// ---- Series (例会) ----

// The series' own fields: kind, title, frequency with its weekday or nth working day, start time
// "HH:MM", duration, venue, presiding leader, dates.
absl::Status ValidateSeries(const pb::MeetingSeries& s, const Rules& rules);
// The days of the series in [from, to] (and within its first/until dates): weekly on its weekday,
// moved to the next working day when that is a holiday (a day reached twice counts once); monthly
// on the nth working day of each month (make-up working days count).
std::vector<CivilDate> SeriesDates(const pb::MeetingSeries& s, const calendar::WorkCalendar& cal,
                                   const CivilDate& from, const CivilDate& to);
// The meeting of series `s` on day `d` (APPROVED: the series was set up by the office).
pb::Meeting SeriesMeeting(const pb::MeetingSeries& s, const CivilDate& d, const std::string& id,
                          int utc_offset_minutes, TimePoint now);

std::string KindName(pb::MeetingKind k);
std::string StateName(pb::MeetingState s);

}  // namespace zs::coordination::meetings

// The schedule module (领导活动安排): leaders' activities with conflict checks, the week view per
// leader and units' requests for a leader to attend, on the application layer (app::Handlers).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "api/module.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "domain/schedule.h"
#include "events/outbox.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/schedule.h"
#include "store/timers.h"
#include "zhongshu/coordination/v1/schedule.grpc.pb.h"
#include "zhongshu/events/v1/coordination_schedule.pb.h"

namespace zs::coordination {
namespace {

namespace sch = schedule;
namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace type = events::type;
using sch::Millis;
using sch::TimestampOf;
using sch::repo::Activities;
using sch::repo::Attendance;

struct Options {
  sch::Limits limits;
  int utc_offset_minutes = 480;
  std::chrono::milliseconds expiry_interval{10000};
};

// Coordinators, leaders and the office director see every activity and request of their tenant.
bool Staff(const auth::Principal& p) {
  return p.HasAnyRole({"coordinator", "leader", "office_director"});
}

app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& ts, const std::string& field) {
  if (ts.nanos() < 0 || ts.nanos() > 999999999 || ts.seconds() < 0) {
    return InvalidField(field, "not a valid time");
  }
  return absl::OkStatus();
}

// What the caller may see: the tenant's activities (staff) or those from its unit's requests.
cond::Cond VisibleActivities(const auth::Principal& caller) {
  if (Staff(caller)) return cond::Eq("tenant", caller.tenant);
  if (caller.unit.empty()) return cond::False();
  return cond::All({cond::Eq("tenant", caller.tenant), cond::Eq("requesting_unit", caller.unit),
                    cond::Ne("requesting_unit", std::string())});
}

bool MaySee(const auth::Principal& caller, const pb::Activity& a) {
  if (a.tenant() != caller.tenant) return false;
  if (Staff(caller)) return true;
  return !caller.unit.empty() && !a.attendance_request_id().empty() &&
         a.requesting_unit() == caller.unit;
}

bool MaySee(const auth::Principal& caller, const pb::AttendanceRequest& r) {
  if (r.tenant() != caller.tenant) return false;
  if (Staff(caller)) return true;
  return !caller.unit.empty() && r.requesting_unit() == caller.unit;
}

ev::ActivityChanged ActivityPayload(const pb::Activity& a, bool overridden) {
  ev::ActivityChanged p;
  p.set_activity_id(a.id());
  p.set_leader(a.leader());
  p.set_leader_name(a.leader_name());
  p.set_title(a.title());
  *p.mutable_start_time() = a.start_time();
  *p.mutable_end_time() = a.end_time();
  p.set_venue(a.venue());
  p.set_location(a.location());
  p.set_state(sch::StateName(a.state()));
  p.set_attendance_request_id(a.attendance_request_id());
  p.set_conflicts_overridden(overridden);
  return p;
}

ev::AttendanceChanged AttendancePayload(const pb::AttendanceRequest& r) {
  ev::AttendanceChanged p;
  p.set_request_id(r.id());
  p.set_leader(r.leader());
  p.set_leader_name(r.leader_name());
  p.set_title(r.title());
  *p.mutable_start_time() = r.start_time();
  *p.mutable_end_time() = r.end_time();
  p.set_requesting_unit(r.requesting_unit());
  p.set_state(sch::StateName(r.state()));
  p.set_decided_by(r.decided_by());
  p.set_decision_reason(r.decision_reason());
  p.set_activity_id(r.activity_id());
  return p;
}

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:coordination");
  return a;
}

class ScheduleServiceImpl final : public pb::ScheduleService::CallbackService {
 public:
  ScheduleServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                      const calendar::WorkCalendar& cal, Options options)
      : handlers_(handlers),
        org_(org),
        clock_(clock),
        cal_(cal),
        options_(std::move(options)),
        recorder_("coordination", clock),
        activities_{[](store::Tx& tx, const auth::Principal& caller, const std::string& id)
                        -> absl::StatusOr<pb::Activity> { return LoadActivity(tx, caller, id); },
                    [this](store::Tx& tx, const auth::Principal& caller, const pb::Activity& before,
                           const pb::Activity& after, const app::Audit& audit) -> absl::Status {
                      if (auto s = Activities().Update(tx, after, before.version()); !s.ok()) {
                        return s;
                      }
                      return RecordActivity(tx, caller.ToActor(), after,
                                            after.overrides_size() > before.overrides_size(),
                                            audit);
                    },
                    {}},
        requests_{[](store::Tx& tx, const auth::Principal& caller,
                     const std::string& id) -> absl::StatusOr<pb::AttendanceRequest> {
                    return LoadRequest(tx, caller, id);
                  },
                  [this](store::Tx& tx, const auth::Principal& caller,
                         const pb::AttendanceRequest& before, const pb::AttendanceRequest& after,
                         const app::Audit& audit) -> absl::Status {
                    if (auto s = Attendance().Update(tx, after, before.version()); !s.ok()) {
                      return s;
                    }
                    return RecordRequest(tx, caller.ToActor(), after, audit);
                  },
                  {}} {}

  int64_t NowMs() const { return ToMillis(clock_->Now()); }

  // ---- Activities ----

  grpc::ServerUnaryReactor* CreateActivity(grpc::CallbackServerContext* ctx,
                                           const pb::CreateActivityRequest* req,
                                           pb::Activity* resp) override {
    const auto& a = req->activity();
    return handlers_.Write(
        ctx, "schedule.CreateActivity", *req, resp,
        [this, req, &a](const auth::Principal& caller) -> absl::Status {
          if (auto s = sch::ValidatePlan("activity", a.title(), a.start_time(), a.end_time(),
                                         a.venue(), a.location(), options_.limits);
              !s.ok()) {
            return s;
          }
          if (auto s =
                  ValidateText(a.notes(), "activity.notes", options_.limits.max_text_chars, false);
              !s.ok()) {
            return s;
          }
          if (auto s = CheckLeaderForWrite("activity.leader", a.leader(), caller.tenant); !s.ok()) {
            return s;
          }
          if (auto s = MayArrange(caller, a.leader(), "arranging a leader's activity"); !s.ok()) {
            return s;
          }
          return MayOverrideCheck(caller, req->override_conflicts(), a.leader());
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          const int64_t now = NowMs();
          pb::Activity a;
          a.set_id(NewResourceId(caller.tenant, "act"));
          a.set_tenant(caller.tenant);
          a.set_leader(req->activity().leader());
          a.set_leader_name(LeaderName(a.leader()));
          a.set_title(req->activity().title());
          *a.mutable_start_time() = req->activity().start_time();
          *a.mutable_end_time() = req->activity().end_time();
          a.set_venue(req->activity().venue());
          a.set_location(req->activity().location());
          a.set_notes(req->activity().notes());
          a.set_state(pb::ACTIVITY_STATE_SCHEDULED);
          a.set_created_by(caller.subject);
          *a.mutable_create_time() = TimestampOf(now);
          *a.mutable_update_time() = TimestampOf(now);
          a.set_version(1);
          std::string detail = a.title();
          if (auto s = ResolveConflicts(tx, caller, req->override_conflicts(), a, detail);
              !s.ok()) {
            return s;
          }
          if (auto s = Activities().Insert(tx, a); !s.ok()) return s;
          if (auto s =
                  RecordActivity(tx, caller.ToActor(), a, a.overrides_size() > 0,
                                 {"activity.create", type::kCoordinationActivityCreated, detail});
              !s.ok()) {
            return s;
          }
          *resp = std::move(a);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* UpdateActivity(grpc::CallbackServerContext* ctx,
                                           const pb::UpdateActivityRequest* req,
                                           pb::Activity* resp) override {
    return handlers_.Change<pb::Activity>(
        ctx, "schedule.UpdateActivity", *req, resp, activities_, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (req->version() <= 0) return InvalidField("version", "required: the version read");
          if (!req->title().empty()) {
            if (auto s = ValidateText(req->title(), "title", options_.limits.max_title_chars, true);
                !s.ok()) {
              return s;
            }
          }
          if (auto s = CheckTimestamp(req->start_time(), "start_time"); !s.ok()) return s;
          if (auto s = CheckTimestamp(req->end_time(), "end_time"); !s.ok()) return s;
          if (!req->venue().empty() && !req->location().empty()) {
            return InvalidField("location", "give a venue or a free-text location, not both");
          }
          if (auto s = ValidateText(req->notes(), "notes", options_.limits.max_text_chars, false);
              !s.ok()) {
            return s;
          }
          if (!caller.HasAnyRole({"coordinator", "office_director", "leader"})) {
            return absl::PermissionDeniedError(
                "changing an activity is for coordinators, the office director and the leader");
          }
          if (req->override_conflicts() && !caller.HasAnyRole({"office_director", "leader"})) {
            return absl::PermissionDeniedError(
                "override_conflicts: only the office director or the leader may override a "
                "schedule conflict");
          }
          return absl::OkStatus();
        },
        {"activity.update", type::kCoordinationActivityUpdated, ""},
        [this, req](const auth::Principal& caller, store::Tx& tx, pb::Activity& a) -> absl::Status {
          if (auto s = MayArrange(caller, a.leader(), "changing this activity"); !s.ok()) return s;
          if (auto s = MayOverrideCheck(caller, req->override_conflicts(), a.leader()); !s.ok()) {
            return s;
          }
          if (a.state() != pb::ACTIVITY_STATE_SCHEDULED) {
            return absl::FailedPreconditionError("activity " + a.id() + " is cancelled");
          }
          if (req->version() != a.version()) {
            return absl::AbortedError("activity " + a.id() +
                                      " was changed by someone else (version " +
                                      std::to_string(a.version()) + ", read " +
                                      std::to_string(req->version()) + "); read it again");
          }
          if (!req->title().empty()) a.set_title(req->title());
          if (req->has_start_time()) *a.mutable_start_time() = req->start_time();
          if (req->has_end_time()) *a.mutable_end_time() = req->end_time();
          if (!req->venue().empty()) {
            a.set_venue(req->venue());
            a.clear_location();
          } else if (!req->location().empty()) {
            a.set_location(req->location());
            a.clear_venue();
          }
          if (!req->notes().empty()) a.set_notes(req->notes());
          if (auto s = sch::ValidatePlan("activity", a.title(), a.start_time(), a.end_time(),
                                         a.venue(), a.location(), options_.limits);
              !s.ok()) {
            // The request's own field names: the merged plan came from them.
            std::string msg(s.message());
            if (msg.rfind("activity.", 0) == 0) msg = msg.substr(9);
            return absl::InvalidArgumentError(msg);
          }
          std::string detail = a.title();
          if (auto s = ResolveConflicts(tx, caller, req->override_conflicts(), a, detail);
              !s.ok()) {
            return s;
          }
          *a.mutable_update_time() = TimestampOf(NowMs());
          a.set_version(a.version() + 1);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* CancelActivity(grpc::CallbackServerContext* ctx,
                                           const pb::CancelActivityRequest* req,
                                           pb::Activity* resp) override {
    return handlers_.Change<pb::Activity>(
        ctx, "schedule.CancelActivity", *req, resp, activities_, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (auto s = ValidateText(req->reason(), "reason", options_.limits.max_text_chars, false);
              !s.ok()) {
            return s;
          }
          if (req->version() < 0) return InvalidField("version", "must not be negative");
          if (!caller.HasAnyRole({"coordinator", "office_director", "leader"})) {
            return absl::PermissionDeniedError(
                "cancelling an activity is for coordinators, the office director and the leader");
          }
          return absl::OkStatus();
        },
        {"activity.cancel", type::kCoordinationActivityCancelled, req->reason()},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Activity& a) -> absl::Status {
          if (auto s = MayArrange(caller, a.leader(), "cancelling this activity"); !s.ok()) {
            return s;
          }
          if (a.state() != pb::ACTIVITY_STATE_SCHEDULED) {
            return absl::FailedPreconditionError("activity " + a.id() + " is already cancelled");
          }
          if (req->version() > 0 && req->version() != a.version()) {
            return absl::AbortedError("activity " + a.id() +
                                      " was changed by someone else (version " +
                                      std::to_string(a.version()) + ", read " +
                                      std::to_string(req->version()) + "); read it again");
          }
          a.set_state(pb::ACTIVITY_STATE_CANCELLED);
          a.set_cancel_reason(req->reason());
          *a.mutable_update_time() = TimestampOf(NowMs());
          a.set_version(a.version() + 1);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* GetActivity(grpc::CallbackServerContext* ctx,
                                        const pb::GetActivityRequest* req,
                                        pb::Activity* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto a = LoadActivity(tx, caller, req->id());
          if (!a.ok()) return a.status();
          *resp = std::move(*a);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListActivities(grpc::CallbackServerContext* ctx,
                                           const pb::ListActivitiesRequest* req,
                                           pb::ListActivitiesResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = CheckTimestamp(req->from_time(), "from_time"); !s.ok()) return s;
          if (auto s = CheckTimestamp(req->to_time(), "to_time"); !s.ok()) return s;
          if (req->has_from_time() && req->has_to_time() &&
              Millis(req->to_time()) <= Millis(req->from_time())) {
            return InvalidField("to_time", "must be after from_time");
          }
          if (!req->leader().empty()) return CheckLeaderForRead("leader", req->leader(), caller);
          return absl::OkStatus();
        },
        [req, resp](const auth::Principal& caller, const app::Page& page,
                    store::Tx& tx) -> absl::Status {
          std::vector<cond::Cond> where{VisibleActivities(caller)};
          if (!req->leader().empty()) where.push_back(cond::Eq("leader", req->leader()));
          if (!req->include_cancelled()) {
            where.push_back(cond::Eq("state", int64_t{pb::ACTIVITY_STATE_SCHEDULED}));
          }
          if (req->has_from_time()) {
            where.push_back(cond::Related(sch::kEndsAfter, Millis(req->from_time())));
          }
          if (req->has_to_time()) {
            where.push_back(cond::Related(sch::kStartsBefore, Millis(req->to_time())));
          }
          auto rows = Activities().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          store::FillPage(
              *rows, page.size, [&](pb::Activity&& a) { *resp->add_activities() = std::move(a); },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListVenues(grpc::CallbackServerContext* ctx,
                                       const pb::ListVenuesRequest*,
                                       pb::ListVenuesResponse* resp) override {
    return AnswerVenues(handlers_, ctx, options_.limits.venues, options_.limits.allow_free_location,
                        resp);
  }

  grpc::ServerUnaryReactor* WeekView(grpc::CallbackServerContext* ctx,
                                     const pb::WeekViewRequest* req,
                                     pb::WeekViewResponse* resp) override {
    return handlers_.Read(
        ctx,
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (req->leader().empty()) return InvalidField("leader", "required");
          if (!req->date().empty() && !ParseDate(req->date())) {
            return InvalidField("date", "not a date YYYY-MM-DD");
          }
          return CheckLeaderForRead("leader", req->leader(), caller);
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          const CivilDate date = req->date().empty()
                                     ? sch::LocalDate(NowMs(), options_.utc_offset_minutes)
                                     : *ParseDate(req->date());
          const CivilDate monday = sch::AddDays(date, 1 - sch::Weekday(date));
          const int64_t from = sch::LocalDayStart(monday, options_.utc_offset_minutes);
          const int64_t to =
              sch::LocalDayStart(sch::AddDays(monday, 7), options_.utc_offset_minutes);
          auto acts = Activities().All(
              tx, cond::All({VisibleActivities(caller), cond::Eq("leader", req->leader()),
                             cond::Eq("state", int64_t{pb::ACTIVITY_STATE_SCHEDULED}),
                             cond::Related(sch::kStartsBefore, to),
                             cond::Related(sch::kEndsAfter, from)}));
          if (!acts.ok()) return acts.status();
          *resp = sch::BuildWeek(req->leader(), LeaderName(req->leader()), date,
                                 options_.utc_offset_minutes, cal_, *acts);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* CheckActivityConflicts(
      grpc::CallbackServerContext* ctx, const pb::CheckActivityConflictsRequest* req,
      pb::CheckActivityConflictsResponse* resp) override {
    return handlers_.Read(
        ctx,
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (!req->activity_id().empty()) {
            if (auto s = ValidateId(req->activity_id(), "activity_id"); !s.ok()) return s;
          }
          if (req->leader().empty()) return InvalidField("leader", "required");
          if (req->start_time().seconds() <= 0) return InvalidField("start_time", "required");
          if (auto s = CheckTimestamp(req->start_time(), "start_time"); !s.ok()) return s;
          if (auto s = CheckTimestamp(req->end_time(), "end_time"); !s.ok()) return s;
          if (Millis(req->end_time()) <= Millis(req->start_time())) {
            return InvalidField("end_time", "must be after start_time");
          }
          const auto& venues = options_.limits.venues;
          if (!req->venue().empty() &&
              std::find(venues.begin(), venues.end(), req->venue()) == venues.end()) {
            return InvalidField("venue", "unknown venue '" + req->venue() + "' (schedule.venues)");
          }
          if (!Staff(caller)) {
            return absl::PermissionDeniedError(
                "checking schedule conflicts is for coordinators, leaders and the office director");
          }
          return CheckLeaderForRead("leader", req->leader(), caller);
        },
        [req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          pb::Activity candidate;
          candidate.set_id(req->activity_id());
          candidate.set_leader(req->leader());
          *candidate.mutable_start_time() = req->start_time();
          *candidate.mutable_end_time() = req->end_time();
          candidate.set_venue(req->venue());
          auto existing =
              sch::repo::Overlapping(tx, caller.tenant, req->leader(), req->venue(),
                                     Millis(req->start_time()), Millis(req->end_time()));
          if (!existing.ok()) return existing.status();
          for (auto& c : sch::FindConflicts(candidate, *existing)) {
            *resp->add_conflicts() = std::move(c);
          }
          return absl::OkStatus();
        });
  }

  // ---- Attendance requests ----

  grpc::ServerUnaryReactor* RequestAttendance(grpc::CallbackServerContext* ctx,
                                              const pb::RequestAttendanceRequest* req,
                                              pb::AttendanceRequest* resp) override {
    const auto& r = req->attendance();
    return handlers_.Write(
        ctx, "schedule.RequestAttendance", *req, resp,
        [this, &r](const auth::Principal& caller) -> absl::Status {
          if (auto s = sch::ValidatePlan("attendance", r.title(), r.start_time(), r.end_time(),
                                         r.venue(), r.location(), options_.limits);
              !s.ok()) {
            return s;
          }
          if (auto s = ValidateText(r.reason(), "attendance.reason", options_.limits.max_text_chars,
                                    true);
              !s.ok()) {
            return s;
          }
          if (Millis(r.start_time()) <= NowMs()) {
            return InvalidField("attendance.start_time", "the event has already started");
          }
          if (auto s = CheckLeaderForWrite("attendance.leader", r.leader(), caller.tenant);
              !s.ok()) {
            return s;
          }
          if (!caller.HasAnyRole({"unit_handler", "coordinator", "office_director"})) {
            return absl::PermissionDeniedError(
                "asking a leader to attend is for unit handlers and coordinators");
          }
          if (caller.unit.empty()) {
            return absl::PermissionDeniedError("asking a leader to attend needs the caller's unit");
          }
          return absl::OkStatus();
        },
        [this, &r, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          const int64_t now = NowMs();
          pb::AttendanceRequest a;
          a.set_id(NewResourceId(caller.tenant, "att"));
          a.set_tenant(caller.tenant);
          a.set_leader(r.leader());
          a.set_leader_name(LeaderName(r.leader()));
          a.set_title(r.title());
          *a.mutable_start_time() = r.start_time();
          *a.mutable_end_time() = r.end_time();
          a.set_venue(r.venue());
          a.set_location(r.location());
          a.set_reason(r.reason());
          a.set_requesting_unit(caller.unit);
          a.set_requested_by(caller.subject);
          a.set_state(pb::ATTENDANCE_STATE_PENDING);
          *a.mutable_create_time() = TimestampOf(now);
          a.set_version(1);
          if (auto s = Attendance().Insert(tx, a); !s.ok()) return s;
          if (auto s = store::ScheduleTimers(
                  tx, sch::kAttendanceTimers, a.id(),
                  {{sch::kAttendanceTimers, a.id(), "expire", Millis(a.start_time()),
                    a.requesting_unit(), a.tenant()}});
              !s.ok()) {
            return s;
          }
          if (auto s = RecordRequest(
                  tx, caller.ToActor(), a,
                  {"attendance.request", type::kCoordinationAttendanceRequested, a.title()});
              !s.ok()) {
            return s;
          }
          *resp = std::move(a);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* DecideAttendance(grpc::CallbackServerContext* ctx,
                                             const pb::DecideAttendanceRequest* req,
                                             pb::AttendanceRequest* resp) override {
    return handlers_.Change<pb::AttendanceRequest>(
        ctx, "schedule.DecideAttendance", *req, resp, requests_, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (!req->approve() && Blank(req->reason())) {
            return InvalidField("reason", "required when refusing");
          }
          if (auto s = ValidateText(req->reason(), "reason", options_.limits.max_text_chars, false);
              !s.ok()) {
            return s;
          }
          if (!caller.HasAnyRole({"coordinator", "office_director", "leader"})) {
            return absl::PermissionDeniedError(
                "deciding an attendance request is for the leader, coordinators and the office "
                "director");
          }
          if (req->override_conflicts() && !caller.HasAnyRole({"office_director", "leader"})) {
            return absl::PermissionDeniedError(
                "override_conflicts: only the office director or the leader may override a "
                "schedule conflict");
          }
          return absl::OkStatus();
        },
        {"attendance.decide", type::kCoordinationAttendanceDecided, req->reason()},
        [this, req](const auth::Principal& caller, store::Tx& tx,
                    pb::AttendanceRequest& r) -> absl::Status {
          // A leader decides only their own requests.
          if (!caller.HasAnyRole({"coordinator", "office_director"}) &&
              caller.subject != r.leader()) {
            return absl::PermissionDeniedError("attendance request " + r.id() + " asks " +
                                               r.leader() + ", not you");
          }
          if (auto s = MayOverrideCheck(caller, req->override_conflicts(), r.leader()); !s.ok()) {
            return s;
          }
          const int64_t now = NowMs();
          if (auto s = sch::Decide(r, req->approve(), req->reason(), caller.subject, now);
              !s.ok()) {
            return s;
          }
          if (r.state() == pb::ATTENDANCE_STATE_APPROVED) {
            pb::Activity a =
                sch::ActivityFromRequest(r, NewResourceId(r.tenant(), "act"), caller.subject, now);
            std::string detail = a.title();
            if (auto s = ResolveConflicts(tx, caller, req->override_conflicts(), a, detail);
                !s.ok()) {
              return s;
            }
            if (auto s = Activities().Insert(tx, a); !s.ok()) return s;
            if (auto s =
                    RecordActivity(tx, caller.ToActor(), a, a.overrides_size() > 0,
                                   {"activity.create", type::kCoordinationActivityCreated, detail});
                !s.ok()) {
              return s;
            }
            r.set_activity_id(a.id());
          }
          if (auto s = store::CancelTimers(tx, sch::kAttendanceTimers, r.id()); !s.ok()) return s;
          r.set_version(r.version() + 1);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* GetAttendanceRequest(grpc::CallbackServerContext* ctx,
                                                 const pb::GetAttendanceRequestRequest* req,
                                                 pb::AttendanceRequest* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto r = LoadRequest(tx, caller, req->id());
          if (!r.ok()) return r.status();
          *resp = std::move(*r);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListAttendanceRequests(
      grpc::CallbackServerContext* ctx, const pb::ListAttendanceRequestsRequest* req,
      pb::ListAttendanceRequestsResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (!pb::AttendanceState_IsValid(req->state())) {
            return InvalidField("state", "unknown value");
          }
          if (!req->leader().empty()) return CheckLeaderForRead("leader", req->leader(), caller);
          return absl::OkStatus();
        },
        [req, resp](const auth::Principal& caller, const app::Page& page,
                    store::Tx& tx) -> absl::Status {
          std::vector<cond::Cond> where{cond::Eq("tenant", caller.tenant)};
          if (!Staff(caller)) {
            where.push_back(caller.unit.empty() ? cond::False()
                                                : cond::Eq("requesting_unit", caller.unit));
          }
          if (!req->leader().empty()) where.push_back(cond::Eq("leader", req->leader()));
          if (req->state() != pb::ATTENDANCE_STATE_UNSPECIFIED) {
            where.push_back(cond::Eq("state", int64_t{req->state()}));
          }
          auto rows = Attendance().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          store::FillPage(
              *rows, page.size,
              [&](pb::AttendanceRequest&& r) { *resp->add_requests() = std::move(r); },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  // A due expiry timer, in the transaction that claimed it: a request still pending when its
  // event started is refused as expired.
  absl::StatusOr<std::string> FireExpiry(store::Tx& tx, const store::Timer& timer) {
    auto r = Attendance().Get(tx, timer.owner);
    if (absl::IsNotFound(r.status())) return std::string("skipped");
    if (!r.ok()) return r.status();
    const int64_t now = NowMs();
    if (!sch::ShouldExpire(*r, now)) return std::string("skipped");
    const int64_t read = r->version();
    sch::Expire(*r, now);
    r->set_version(read + 1);
    if (auto s = Attendance().Update(tx, *r, read); !s.ok()) return s;
    if (auto s = RecordRequest(tx, SystemActor(), *r,
                               {"attendance.expire", type::kCoordinationAttendanceDecided,
                                "the event started before a decision"});
        !s.ok()) {
      return s;
    }
    return std::string("fired");
  }

 private:
  static absl::StatusOr<pb::Activity> LoadActivity(store::Tx& tx, const auth::Principal& caller,
                                                   const std::string& id) {
    auto a = Activities().Get(tx, id);
    if (!a.ok()) return a.status();
    if (!MaySee(caller, *a)) return absl::NotFoundError("activity " + id + " not found");
    return a;
  }

  static absl::StatusOr<pb::AttendanceRequest> LoadRequest(store::Tx& tx,
                                                           const auth::Principal& caller,
                                                           const std::string& id) {
    auto r = Attendance().Get(tx, id);
    if (!r.ok()) return r.status();
    if (!MaySee(caller, *r)) return absl::NotFoundError("attendance request " + id + " not found");
    return r;
  }

  std::string LeaderName(const std::string& id) const {
    const auto* u = org_.FindUser(id);
    return u == nullptr ? "" : u->name;
  }

  // A leader a write names: a user with role leader of the caller's tenant.
  absl::Status CheckLeaderForWrite(const std::string& field, const std::string& leader,
                                   const std::string& tenant) const {
    if (leader.empty()) return InvalidField(field, "required");
    if (leader.size() > 64) return InvalidField(field, "longer than 64 bytes");
    const auto* u = org_.FindUser(leader);
    if (u == nullptr) return InvalidField(field, "unknown leader " + leader);
    if (std::find(u->roles.begin(), u->roles.end(), "leader") == u->roles.end()) {
      return InvalidField(field, leader + " is not a leader");
    }
    if (u->tenant != tenant) return InvalidField(field, leader + " is not a leader of " + tenant);
    return absl::OkStatus();
  }

  // A leader a read names: unknown is INVALID_ARGUMENT, one of another tenant NOT_FOUND.
  absl::Status CheckLeaderForRead(const std::string& field, const std::string& leader,
                                  const auth::Principal& caller) const {
    if (leader.size() > 64) return InvalidField(field, "longer than 64 bytes");
    const auto* u = org_.FindUser(leader);
    if (u == nullptr || std::find(u->roles.begin(), u->roles.end(), "leader") == u->roles.end()) {
      return InvalidField(field, "unknown leader " + leader);
    }
    if (u->tenant != caller.tenant) return absl::NotFoundError("leader " + leader + " not found");
    return absl::OkStatus();
  }

  // Coordinators and the office director arrange any leader's schedule of their tenant; a
  // leader their own.
  static absl::Status MayArrange(const auth::Principal& caller, const std::string& leader,
                                 const std::string& what) {
    if (caller.HasAnyRole({"coordinator", "office_director"})) return absl::OkStatus();
    if (caller.HasRole("leader") && caller.subject == leader) return absl::OkStatus();
    return absl::PermissionDeniedError(
        what + " is for coordinators, the office director and the leader themself");
  }

  static absl::Status MayOverrideCheck(const auth::Principal& caller, bool override_conflicts,
                                       const std::string& leader) {
    if (!override_conflicts || sch::MayOverride(caller.subject, caller.roles, leader)) {
      return absl::OkStatus();
    }
    return absl::PermissionDeniedError(
        "override_conflicts: only the office director or the leader " + leader +
        " may override a schedule conflict");
  }

  // The conflicts of `a`: FAILED_PRECONDITION listing them, or, overridden by an authorised
  // caller, recorded on the activity and in `detail` (the audit row).
  absl::Status ResolveConflicts(store::Tx& tx, const auth::Principal& caller, bool override,
                                pb::Activity& a, std::string& detail) const {
    auto existing = sch::repo::Overlapping(tx, a.tenant(), a.leader(), a.venue(),
                                           Millis(a.start_time()), Millis(a.end_time()));
    if (!existing.ok()) return existing.status();
    auto conflicts = sch::FindConflicts(a, *existing);
    if (conflicts.empty()) return absl::OkStatus();
    const std::string msg = sch::ConflictMessage(conflicts, options_.utc_offset_minutes);
    if (!override) {
      return absl::FailedPreconditionError(
          "schedule conflict: " + msg +
          " (refused; the office director or the leader may set override_conflicts)");
    }
    auto* o = a.add_overrides();
    o->set_by(caller.subject);
    o->set_by_name(caller.name);
    *o->mutable_override_time() = TimestampOf(NowMs());
    for (auto& c : conflicts) *o->add_conflicts() = std::move(c);
    detail += " | conflicts overridden by " + caller.subject + ": " + msg;
    return absl::OkStatus();
  }

  absl::Status RecordActivity(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                              const pb::Activity& a, bool overridden,
                              const app::Audit& audit) const {
    const ev::ActivityChanged payload = ActivityPayload(a, overridden);
    std::string detail = audit.detail;
    if (overridden && detail.find("overridden") == std::string::npos) {
      const auto& o = a.overrides(a.overrides_size() - 1);
      std::vector<pb::Conflict> cs(o.conflicts().begin(), o.conflicts().end());
      detail += " | conflicts overridden by " + o.by() + ": " +
                sch::ConflictMessage(cs, options_.utc_offset_minutes);
    }
    events::Change change{audit.action, a.id(), a.tenant(), detail, audit.event_type, &payload, ""};
    return recorder_.Record(tx, actor, change).status();
  }

  absl::Status RecordRequest(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                             const pb::AttendanceRequest& r, const app::Audit& audit) const {
    const ev::AttendanceChanged payload = AttendancePayload(r);
    events::Change change{audit.action,     r.id(),   r.tenant(), audit.detail,
                          audit.event_type, &payload, ""};
    return recorder_.Record(tx, actor, change).status();
  }

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const calendar::WorkCalendar& cal_;
  const Options options_;
  events::Recorder recorder_;
  const app::Resource<pb::Activity> activities_;
  const app::Resource<pb::AttendanceRequest> requests_;
};

class ScheduleModuleImpl final : public Module {
 public:
  std::string name() const override { return "schedule"; }
  std::vector<store::Migration> Migrations() const override { return sch::Migrations(); }

  void Configure(app::ServiceRuntime& rt, const Shared& shared) override {
    auto& c = rt.config();
    options_.utc_offset_minutes = shared.utc_offset_minutes;
    options_.limits.max_activity_days =
        static_cast<int>(c.Int("schedule.max_activity_days", 7, 1, 366));
    options_.limits.venues = c.StringList("schedule.venues", {});
    for (const auto& v : options_.limits.venues) {
      if (Blank(v) || v.size() > 128) c.AddError("schedule.venues", "a blank or too long venue");
    }
    options_.limits.allow_free_location = c.Bool("schedule.allow_free_location", true);
    options_.expiry_interval =
        c.Duration("schedule.expiry_check_interval", std::chrono::seconds(10));
  }

  grpc::Service* Start(app::ServiceRuntime& rt, const Shared& shared) override {
    if (shared.calendar == nullptr) return nullptr;
    service_ = std::make_unique<ScheduleServiceImpl>(rt.handlers(), rt.org(), rt.clock(),
                                                     *shared.calendar, options_);
    auto* svc = service_.get();
    rt.AddTimers(
        sch::kAttendanceTimers, options_.expiry_interval,
        [svc](store::Tx& tx, const store::Timer& timer) { return svc->FireExpiry(tx, timer); });
    return svc;
  }

  std::string health_name() const override { return "zhongshu.coordination.v1.ScheduleService"; }

 private:
  Options options_;
  std::unique_ptr<ScheduleServiceImpl> service_;
};

}  // namespace

std::unique_ptr<Module> ScheduleModule() { return std::make_unique<ScheduleModuleImpl>(); }

}  // namespace zs::coordination

// The meetings module (会议) of the coordination service: MeetingsService on the application layer
// (app::Handlers), its tables (a store section: meetings with their units, series), and the
// periodic job that extends every series out to meetings.horizon_days.
#include <spdlog/spdlog.h>

#include <memory>

#include "api/module.h"
#include "auth/principal.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "domain/meetings.h"
#include "events/outbox.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/table.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_meetings.pb.h"

namespace zs::coordination {
namespace {

namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace type = events::type;
using meetings::Rules;

// ---- Store ----

constexpr char kHasUnit[] = "has_unit";
constexpr char kStartsBefore[] = "starts_before";
constexpr char kEndsAfter[] = "ends_after";

std::vector<store::Migration> MeetingMigrations() {
  return {
      {200, "meetings, their units and series",
       "CREATE TABLE meetings ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " venue TEXT NOT NULL,"
       " start_ms INTEGER NOT NULL,"
       " end_ms INTEGER NOT NULL,"
       " series_id TEXT NOT NULL,"
       // "<series id>|<date>": each generated meeting exactly once, whoever generates it.
       " series_key TEXT,"
       " data BLOB NOT NULL);"
       "CREATE UNIQUE INDEX meetings_series_key ON meetings (series_key)"
       " WHERE series_key IS NOT NULL;"
       "CREATE INDEX meetings_tenant ON meetings (tenant, seq);"
       "CREATE INDEX meetings_venue ON meetings (tenant, venue, state, start_ms);"
       "CREATE INDEX meetings_by_series ON meetings (series_id, seq);"
       // The units a meeting is visible to (participants and the requesting unit).
       "CREATE TABLE meetings_units ("
       " meeting_id TEXT NOT NULL REFERENCES meetings (id),"
       " unit TEXT NOT NULL,"
       " PRIMARY KEY (meeting_id, unit));"
       "CREATE INDEX meetings_units_unit ON meetings_units (unit, meeting_id);"
       "CREATE TABLE meetings_series ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " data BLOB NOT NULL)"},
  };
}

const store::Table<pb::Meeting>& Meetings() {
  static const store::Table<pb::Meeting> table(
      "meetings", "meeting",
      {{"tenant", [](const pb::Meeting& m) -> store::Param { return m.tenant(); }},
       {"state", [](const pb::Meeting& m) -> store::Param { return int64_t{m.state()}; }},
       {"venue", [](const pb::Meeting& m) -> store::Param { return m.venue(); }},
       {"start_ms",
        [](const pb::Meeting& m) -> store::Param { return meetings::SpanOf(m).start_ms; }},
       {"end_ms", [](const pb::Meeting& m) -> store::Param { return meetings::SpanOf(m).end_ms; }},
       {"series_id", [](const pb::Meeting& m) -> store::Param { return m.series_id(); }},
       {"series_key",
        [](const pb::Meeting& m) -> store::Param {
          if (m.series_id().empty()) return nullptr;
          return m.series_id() + "|" + m.series_date();
        }}},
      {{kHasUnit, "id IN (SELECT meeting_id FROM meetings_units WHERE unit = ?)"},
       {kStartsBefore, "start_ms < ?"},
       {kEndsAfter, "end_ms > ?"}});
  return table;
}

const store::Table<pb::MeetingSeries>& Series() {
  static const store::Table<pb::MeetingSeries> table(
      "meetings_series", "meeting series",
      {{"tenant", [](const pb::MeetingSeries& s) -> store::Param { return s.tenant(); }}});
  return table;
}

absl::Status SetUnits(store::Tx& tx, const pb::Meeting& m) {
  auto del = tx.Exec("DELETE FROM meetings_units WHERE meeting_id = ?", {m.id()});
  if (!del.ok()) return del.status();
  for (const auto& u : meetings::UnitsOf(m)) {
    auto s = tx.Exec("INSERT INTO meetings_units (meeting_id, unit) VALUES (?, ?)", {m.id(), u});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

// Approved meetings of the tenant at `venue` overlapping `span`.
absl::StatusOr<std::vector<meetings::Booking>> ApprovedAt(store::Tx& tx, const std::string& tenant,
                                                          const std::string& venue,
                                                          const Span& span) {
  auto rows = tx.Query(
      "SELECT seq, data FROM meetings WHERE tenant = ? AND venue = ? AND state = ? AND "
      "start_ms < ? AND end_ms > ? ORDER BY start_ms",
      {tenant, venue, int64_t{pb::MEETING_STATE_APPROVED}, span.end_ms, span.start_ms});
  auto parsed = store::ParseSeqRows<pb::Meeting>(rows, "meeting");
  if (!parsed.ok()) return parsed.status();
  std::vector<meetings::Booking> out;
  for (const auto& [seq, m] : *parsed) out.push_back({m.id(), m.title(), meetings::SpanOf(m)});
  return out;
}

absl::StatusOr<std::vector<meetings::Booking>> ClashesOf(store::Tx& tx, const pb::Meeting& m) {
  auto booked = ApprovedAt(tx, m.tenant(), m.venue(), meetings::SpanOf(m));
  if (!booked.ok()) return booked.status();
  return meetings::Clashes(meetings::SpanOf(m), *booked, m.id());
}

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:coordination.meetings");
  return a;
}

ev::MeetingChanged ChangedPayload(const pb::Meeting& m) {
  ev::MeetingChanged p;
  p.set_meeting_id(m.id());
  p.set_kind(pb::MeetingKind_Name(m.kind()));
  p.set_title(m.title());
  p.set_state(pb::MeetingState_Name(m.state()));
  p.set_start_time(FormatRfc3339(FromProto(m.start_time())));
  p.set_end_time(FormatRfc3339(FromProto(m.end_time())));
  p.set_venue(m.venue());
  p.set_presiding_leader(m.presiding_leader());
  *p.mutable_participant_leaders() = m.participant_leaders();
  *p.mutable_participant_units() = m.participant_units();
  p.set_series_id(m.series_id());
  p.set_conflicts_overridden(m.conflicts_overridden());
  return p;
}

app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

// ---- Service ----

class MeetingsImpl final : public pb::MeetingsService::CallbackService {
 public:
  MeetingsImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
               const calendar::WorkCalendar& cal, Rules rules, int horizon_days)
      : handlers_(handlers),
        org_(org),
        clock_(clock),
        cal_(cal),
        rules_(std::move(rules)),
        horizon_days_(horizon_days),
        recorder_("coordination", clock),
        resource_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
                    return Load(tx, caller, id);
                  },
                  [this](store::Tx& tx, const auth::Principal& caller, const pb::Meeting& before,
                         const pb::Meeting& after, const app::Audit& audit) {
                    return Save(tx, caller.ToActor(), before, after, audit);
                  },
                  {}} {}

  grpc::ServerUnaryReactor* RequestMeeting(grpc::CallbackServerContext* ctx,
                                           const pb::RequestMeetingRequest* req,
                                           pb::Meeting* resp) override {
    auto requested = std::make_shared<pb::Meeting>(req->meeting());
    const bool override_conflicts = req->override_conflicts();
    return handlers_.Write(
        ctx, "RequestMeeting", *req, resp,
        [this, requested, override_conflicts](const auth::Principal& caller) -> absl::Status {
          // Validation first, the org checks included (INVALID_ARGUMENT naming the field), then
          // who may ask.
          if (auto s = meetings::ValidateMeeting(*requested, rules_, "meeting"); !s.ok()) return s;
          if (auto s = meetings::ResolveParticipants(org_, caller.tenant, *requested, "meeting");
              !s.ok()) {
            return s;
          }
          if (auto s = meetings::MayRequest(caller); !s.ok()) return s;
          if (override_conflicts) return meetings::MayOverride(caller);
          return absl::OkStatus();
        },
        [this, requested, override_conflicts, resp](const auth::Principal& caller,
                                                    store::Tx& tx) -> absl::Status {
          pb::Meeting m = meetings::NewMeeting(*requested, NewResourceId(caller.tenant, "mt"),
                                               caller, clock_->Now());
          auto clashes = ClashesOf(tx, m);
          if (!clashes.ok()) return clashes.status();
          if (!clashes->empty()) {
            if (!override_conflicts) {
              return meetings::ClashError(m.venue(), *clashes, rules_.utc_offset_minutes,
                                          meetings::SeesAllMeetings(caller));
            }
            m.set_conflicts_overridden(true);
          }
          if (auto s = Meetings().Insert(tx, m); !s.ok()) return s;
          if (auto s = SetUnits(tx, m); !s.ok()) return s;
          if (auto s = Record(tx, caller.ToActor(), m,
                              {"meeting.request", type::kCoordinationMeetingRequested, m.title()});
              !s.ok()) {
            return s;
          }
          *resp = std::move(m);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ApproveMeeting(grpc::CallbackServerContext* ctx,
                                           const pb::ApproveMeetingRequest* req,
                                           pb::Meeting* resp) override {
    const bool override_conflicts = req->override_conflicts();
    return Change(
        ctx, "ApproveMeeting", *req, resp, req->id(),
        [valid = ValidateId(req->id(), "id"),
         override_conflicts](const auth::Principal& caller) -> absl::Status {
          if (!valid.ok()) return valid;
          if (auto s = meetings::MayDecide(caller, "approving a meeting"); !s.ok()) return s;
          if (override_conflicts) return meetings::MayOverride(caller);
          return absl::OkStatus();
        },
        {"meeting.approve", type::kCoordinationMeetingApproved, ""},
        [this, override_conflicts](const auth::Principal& caller, store::Tx& tx,
                                   pb::Meeting& m) -> absl::Status {
          auto clashes = ClashesOf(tx, m);
          if (!clashes.ok()) return clashes.status();
          if (!clashes->empty() && !override_conflicts) {
            return meetings::ClashError(m.venue(), *clashes, rules_.utc_offset_minutes,
                                        meetings::SeesAllMeetings(caller));
          }
          return meetings::Approve(m, caller, !clashes->empty(), clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* RejectMeeting(grpc::CallbackServerContext* ctx,
                                          const pb::RejectMeetingRequest* req,
                                          pb::Meeting* resp) override {
    return Change(
        ctx, "RejectMeeting", *req, resp, req->id(),
        [valid = [&]() -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          return ValidateText(req->reason(), "reason", 2000, true);
        }()](const auth::Principal& caller) -> absl::Status {
          if (!valid.ok()) return valid;
          return meetings::MayDecide(caller, "rejecting a meeting");
        },
        {"meeting.reject", type::kCoordinationMeetingRejected, req->reason()},
        [this, reason = req->reason()](const auth::Principal& caller, store::Tx&, pb::Meeting& m) {
          return meetings::Reject(m, caller, reason, clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* CancelMeeting(grpc::CallbackServerContext* ctx,
                                          const pb::CancelMeetingRequest* req,
                                          pb::Meeting* resp) override {
    return Change(
        ctx, "CancelMeeting", *req, resp, req->id(), Valid([&]() -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          return ValidateText(req->reason(), "reason", 2000, false);
        }()),
        {"meeting.cancel", type::kCoordinationMeetingCancelled, req->reason()},
        [this, reason = req->reason()](const auth::Principal& caller, store::Tx&, pb::Meeting& m) {
          return meetings::Cancel(m, caller, reason, clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* ListVenues(grpc::CallbackServerContext* ctx,
                                       const pb::ListVenuesRequest*,
                                       pb::ListVenuesResponse* resp) override {
    return AnswerVenues(handlers_, ctx, rules_.venues, false, resp);
  }

  grpc::ServerUnaryReactor* GetMeeting(grpc::CallbackServerContext* ctx,
                                       const pb::GetMeetingRequest* req,
                                       pb::Meeting* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto m = Load(tx, caller, req->id());
          if (!m.ok()) return m.status();
          *resp = std::move(*m);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* ctx,
                                         const pb::ListMeetingsRequest* req,
                                         pb::ListMeetingsResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [req](const auth::Principal& caller) -> absl::Status {
          if (!req->from_date().empty() && !ParseDate(req->from_date())) {
            return InvalidField("from_date", "not a date YYYY-MM-DD");
          }
          if (!req->to_date().empty() && !ParseDate(req->to_date())) {
            return InvalidField("to_date", "not a date YYYY-MM-DD");
          }
          if (!pb::MeetingState_IsValid(req->state())) return InvalidField("state", "unknown");
          if (req->series_id().size() > 64) return InvalidField("series_id", "too long");
          if (meetings::SeesAllMeetings(caller)) return absl::OkStatus();
          if (caller.HasRole("unit_handler") && !caller.unit.empty()) return absl::OkStatus();
          return absl::PermissionDeniedError(
              "meetings are listed by coordinators, leaders and the units taking part");
        },
        [this, req, resp](const auth::Principal& caller, const app::Page& page,
                          store::Tx& tx) -> absl::Status {
          std::vector<cond::Cond> where{cond::Eq("tenant", caller.tenant)};
          if (!meetings::SeesAllMeetings(caller)) {
            where.push_back(cond::Related(kHasUnit, caller.unit));
          }
          if (auto from = ParseDate(req->from_date())) {
            where.push_back(cond::Related(
                kEndsAfter, ToMillis(AtLocalHour(*from, 0, rules_.utc_offset_minutes))));
          }
          if (auto to = ParseDate(req->to_date())) {
            where.push_back(cond::Related(
                kStartsBefore,
                ToMillis(AtLocalHour(calendar::AddDays(*to, 1), 0, rules_.utc_offset_minutes))));
          }
          if (req->state() != pb::MEETING_STATE_UNSPECIFIED) {
            where.push_back(cond::Eq("state", int64_t{req->state()}));
          }
          if (!req->series_id().empty()) where.push_back(cond::Eq("series_id", req->series_id()));
          auto rows = Meetings().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          store::FillPage(
              *rows, page.size, [&](pb::Meeting&& m) { *resp->add_meetings() = std::move(m); },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* RecordMinutes(grpc::CallbackServerContext* ctx,
                                          const pb::RecordMinutesRequest* req,
                                          pb::Meeting* resp) override {
    return Change(
        ctx, "RecordMinutes", *req, resp, req->id(),
        [valid = [&]() -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          return ValidateText(req->text(), "text", 100000, true);
        }()](const auth::Principal& caller) -> absl::Status {
          if (!valid.ok()) return valid;
          return meetings::MayDecide(caller, "recording minutes");
        },
        {"meeting.minutes", type::kCoordinationMeetingMinutesRecorded, ""},
        [this, text = req->text()](const auth::Principal& caller, store::Tx&, pb::Meeting& m) {
          return meetings::RecordMinutes(m, caller, text, clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* RecordDecision(grpc::CallbackServerContext* ctx,
                                           const pb::RecordDecisionRequest* req,
                                           pb::Meeting* resp) override {
    auto decision = std::make_shared<pb::Decision>();
    decision->set_text(req->text());
    decision->set_lead_unit(req->lead_unit());
    *decision->mutable_co_units() = req->co_units();
    const std::vector<std::string> co(req->co_units().begin(), req->co_units().end());
    return Change(
        ctx, "RecordDecision", *req, resp, req->id(),
        [this, decision, co, due = req->due_date(),
         valid = ValidateId(req->id(), "id")](const auth::Principal& caller) -> absl::Status {
          if (!valid.ok()) return valid;
          if (auto s = meetings::ValidateDecision(decision->text(), decision->lead_unit(), co, due);
              !s.ok()) {
            return s;
          }
          if (auto s =
                  auth::CheckUnit(org_, nullptr, caller.tenant, decision->lead_unit(), "lead_unit");
              !s.ok()) {
            return s;
          }
          if (auto s = auth::CheckUnits(org_, nullptr, caller.tenant, co, "co_units"); !s.ok()) {
            return s;
          }
          return meetings::MayDecide(caller, "recording a decision");
        },
        {"meeting.decision", type::kCoordinationMeetingDecisionRecorded, ""},
        [this, decision, due = req->due_date()](const auth::Principal& caller, store::Tx&,
                                                pb::Meeting& m) -> absl::Status {
          auto due_date = meetings::DecisionDue(cal_, rules_, m, due);
          if (!due_date.ok()) return due_date.status();
          pb::Decision d = *decision;
          d.set_due_date(*due_date);
          if (const auto* u = org_.FindUnit(d.lead_unit())) d.set_lead_unit_name(u->name);
          return meetings::AddDecision(m, caller, std::move(d), clock_->Now()).status();
        });
  }

  grpc::ServerUnaryReactor* CreateMeetingSeries(grpc::CallbackServerContext* ctx,
                                                const pb::CreateMeetingSeriesRequest* req,
                                                pb::MeetingSeries* resp) override {
    auto requested = std::make_shared<pb::MeetingSeries>(req->series());
    return handlers_.Write(
        ctx, "CreateMeetingSeries", *req, resp,
        [this, requested](const auth::Principal& caller) -> absl::Status {
          if (auto s = meetings::ValidateSeries(*requested, rules_); !s.ok()) return s;
          pb::Meeting probe;
          probe.set_presiding_leader(requested->presiding_leader());
          *probe.mutable_participant_leaders() = requested->participant_leaders();
          *probe.mutable_participant_units() = requested->participant_units();
          if (auto s = meetings::ResolveParticipants(org_, caller.tenant, probe, "series");
              !s.ok()) {
            return s;
          }
          return meetings::MayDecide(caller, "setting up a meeting series");
        },
        [this, requested, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          pb::MeetingSeries s = *requested;
          s.set_id(NewResourceId(caller.tenant, "ms"));
          s.set_tenant(caller.tenant);
          s.set_created_by(caller.subject);
          s.clear_generated_through();
          if (s.first_date().empty()) s.set_first_date(FormatDate(Today()));
          *s.mutable_create_time() = ToProto(clock_->Now());
          s.set_version(1);
          if (auto st = Series().Insert(tx, s); !st.ok()) return st;
          ev::MeetingSeriesCreated payload;
          payload.set_series_id(s.id());
          payload.set_title(s.title());
          payload.set_frequency(pb::SeriesFrequency_Name(s.frequency()));
          payload.set_venue(s.venue());
          events::Change change{"meeting_series.create",
                                s.id(),
                                s.tenant(),
                                s.title(),
                                type::kCoordinationMeetingSeriesCreated,
                                &payload,
                                ""};
          if (auto r = recorder_.Record(tx, caller.ToActor(), change); !r.ok()) return r.status();
          auto generated = Generate(tx, s.id());
          if (!generated.ok()) return generated.status();
          *resp = std::move(*generated);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* GetMeetingSeries(grpc::CallbackServerContext* ctx,
                                             const pb::GetMeetingSeriesRequest* req,
                                             pb::MeetingSeries* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto s = Series().Get(tx, req->id());
          if (!s.ok()) return s.status();
          if (s->tenant() != caller.tenant || !meetings::SeesAllMeetings(caller)) {
            return absl::NotFoundError("meeting series " + req->id() + " not found");
          }
          *resp = std::move(*s);
          return absl::OkStatus();
        });
  }

  // Extends every series out to the horizon, each series in its own transaction; a meeting
  // already generated (by this or another replica) is not generated again.
  absl::Status ExtendAllSeries() {
    std::vector<std::string> ids;
    auto read = handlers_.db().Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query("SELECT id FROM meetings_series ORDER BY seq");
      if (!rows.ok()) return rows.status();
      for (const auto& r : *rows) ids.push_back(r.Text(0));
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    absl::Status first;
    for (const auto& id : ids) {
      auto s = handlers_.db().Write(
          [&](store::Tx& tx) -> absl::Status { return Generate(tx, id).status(); });
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

 private:
  CivilDate Today() const { return DateOf(clock_->Now(), rules_.utc_offset_minutes); }

  absl::StatusOr<pb::Meeting> Load(store::Tx& tx, const auth::Principal& caller,
                                   const std::string& id) const {
    auto m = Meetings().Get(tx, id);
    if (!m.ok()) return m.status();
    if (!meetings::MayRead(caller, *m)) return absl::NotFoundError("meeting " + id + " not found");
    return m;
  }

  absl::Status Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor, const pb::Meeting& m,
                      const app::Audit& audit) const {
    if (audit.event_type == type::kCoordinationMeetingDecisionRecorded) {
      const pb::Decision& d = m.decisions(m.decisions_size() - 1);
      ev::MeetingDecisionRecorded payload;
      payload.set_meeting_id(m.id());
      payload.set_decision_id(d.id());
      payload.set_meeting_title(m.title());
      payload.set_text(d.text());
      payload.set_lead_unit(d.lead_unit());
      *payload.mutable_co_units() = d.co_units();
      payload.set_due_date(d.due_date());
      payload.set_chaired_by(m.presiding_leader());
      payload.set_chaired_by_name(m.presiding_leader_name());
      *payload.mutable_decided_at() = d.decided_at();
      events::Change change{audit.action,     m.id(),   m.tenant(), d.id() + " " + d.lead_unit(),
                            audit.event_type, &payload, ""};
      return recorder_.Record(tx, actor, change).status();
    }
    const ev::MeetingChanged payload = ChangedPayload(m);
    events::Change change{audit.action,     m.id(),   m.tenant(), audit.detail,
                          audit.event_type, &payload, ""};
    return recorder_.Record(tx, actor, change).status();
  }

  absl::Status Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                    const pb::Meeting& before, const pb::Meeting& after, const app::Audit& audit) {
    if (auto s = Meetings().Update(tx, after, before.version()); !s.ok()) return s;
    if (auto s = SetUnits(tx, after); !s.ok()) return s;
    return Record(tx, actor, after, audit);
  }

  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, pb::Meeting* resp,
                                   const std::string& id, app::Check check, app::Audit audit,
                                   app::Apply<pb::Meeting> apply) const {
    return handlers_.Change<pb::Meeting>(
        ctx, method, request, resp, resource_, id, std::move(check), std::move(audit),
        [apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx,
                                   pb::Meeting& m) -> absl::Status {
          const int64_t read = m.version();
          if (auto s = apply(caller, tx, m); !s.ok()) return s;
          m.set_version(read + 1);
          return absl::OkStatus();
        });
  }

  // Generates the series' missing meetings from today out to the horizon; a generated meeting
  // whose venue is taken by an approved meeting is left REQUESTED for the office to settle.
  absl::StatusOr<pb::MeetingSeries> Generate(store::Tx& tx, const std::string& series_id) {
    auto s = Series().Get(tx, series_id);
    if (!s.ok()) return s.status();
    const CivilDate today = Today();
    const CivilDate horizon = calendar::AddDays(today, horizon_days_);
    const TimePoint now = clock_->Now();
    std::string through = s->generated_through();
    for (const CivilDate& d : meetings::SeriesDates(*s, cal_, today, horizon)) {
      const std::string key = s->id() + "|" + FormatDate(d);
      auto exists = tx.Query("SELECT 1 FROM meetings WHERE series_key = ?", {key});
      if (!exists.ok()) return exists.status();
      if (!exists->empty()) continue;
      pb::Meeting m = meetings::SeriesMeeting(*s, d, DerivedResourceId(s->tenant(), "mt", key),
                                              rules_.utc_offset_minutes, now);
      if (const auto* u = org_.FindUser(m.presiding_leader())) {
        m.set_presiding_leader_name(u->name);
      }
      auto clashes = ClashesOf(tx, m);
      if (!clashes.ok()) return clashes.status();
      if (!clashes->empty()) {
        m.set_state(pb::MEETING_STATE_REQUESTED);
        m.clear_decided_by();
      }
      if (auto st = Meetings().Insert(tx, m); !st.ok()) return st;
      if (auto st = SetUnits(tx, m); !st.ok()) return st;
      if (auto st = Record(tx, SystemActor(), m,
                           {"meeting.generate", type::kCoordinationMeetingGenerated, key});
          !st.ok()) {
        return st;
      }
    }
    const std::string horizon_text = FormatDate(horizon);
    if (through < horizon_text) {
      s->set_generated_through(horizon_text);
      s->set_version(s->version() + 1);
      if (auto st = Series().Update(tx, *s); !st.ok()) return st;
    }
    return s;
  }

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const calendar::WorkCalendar& cal_;
  const Rules rules_;
  const int horizon_days_;
  events::Recorder recorder_;
  const app::Resource<pb::Meeting> resource_;
};

// ---- Module ----

class MeetingsModuleImpl final : public Module {
 public:
  std::string name() const override { return "meetings"; }
  std::vector<store::Migration> Migrations() const override { return MeetingMigrations(); }

  void Configure(app::ServiceRuntime& rt, const Shared& shared) override {
    auto& c = rt.config();
    rules_.venues = c.StringList("meetings.venues", {"常委会议室", "第一会议室", "第二会议室"});
    if (rules_.venues.empty()) c.AddError("meetings.venues", "at least one venue");
    rules_.decision_due_working_days =
        static_cast<int>(c.Int("meetings.decision_due_working_days", 10, 1, 250));
    rules_.utc_offset_minutes = shared.utc_offset_minutes;
    horizon_days_ = static_cast<int>(c.Int("meetings.horizon_days", 28, 1, 366));
    series_interval_ = c.Duration("meetings.series_interval", std::chrono::hours(1));
  }

  grpc::Service* Start(app::ServiceRuntime& rt, const Shared& shared) override {
    if (shared.calendar == nullptr) return nullptr;
    impl_ = std::make_unique<MeetingsImpl>(rt.handlers(), rt.org(), rt.clock(), *shared.calendar,
                                           rules_, horizon_days_);
    MeetingsImpl* impl = impl_.get();
    rt.AddPeriodicJob("meetings.series", series_interval_,
                      [impl]() { return impl->ExtendAllSeries(); });
    return impl;
  }

  std::string health_name() const override { return "zhongshu.coordination.v1.MeetingsService"; }

 private:
  Rules rules_;
  int horizon_days_ = 28;
  std::chrono::milliseconds series_interval_{std::chrono::hours(1)};
  std::unique_ptr<MeetingsImpl> impl_;
};

}  // namespace

std::unique_ptr<Module> MeetingsModule() { return std::make_unique<MeetingsModuleImpl>(); }

}  // namespace zs::coordination

// The duty module (值班/应急): the duty roster, and incidents opened by reporting's emergency
// reports — the plan's checklist, the alert of the day's duty leader, escalation on durable timers,
// the chain's follow-ups joining the incident, and its timeline. Store section and gRPC adapter;
// the rules are in domain/duty.h.
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <any>
#include <map>

#include "api/module.h"
#include "auth/principal.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "domain/duty.h"
#include "events/outbox.h"
#include "events/types.h"
#include "store/page_token.h"
#include "store/table.h"
#include "store/timers.h"
#include "zhongshu/coordination/v1/duty.grpc.pb.h"
#include "zhongshu/events/v1/coordination_duty.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::coordination {
namespace {

namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace rpb = zhongshu::reporting::v1;
namespace type = events::type;
using namespace duty;  // NOLINT

constexpr char kEscalationTimers[] = "duty_escalation";
constexpr char kAlertedRelation[] = "alerted";

// ---- Store ----

std::vector<store::Migration> DutyMigrations() {
  return {
      {500, "duty: the roster and incidents",
       "CREATE TABLE duty_days ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " date TEXT NOT NULL,"
       " data BLOB NOT NULL);"
       "CREATE INDEX duty_days_tenant_date ON duty_days (tenant, date);"
       "CREATE TABLE duty_incidents ("
       " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
       " id TEXT NOT NULL UNIQUE,"
       " version INTEGER NOT NULL DEFAULT -1,"
       " tenant TEXT NOT NULL,"
       " chain_id TEXT NOT NULL,"
       " state INTEGER NOT NULL,"
       " data BLOB NOT NULL);"
       // One incident per emergency chain.
       "CREATE UNIQUE INDEX duty_incidents_chain ON duty_incidents (tenant, chain_id);"
       "CREATE INDEX duty_incidents_tenant ON duty_incidents (tenant, state, seq);"
       // Everyone alerted for an incident reads it.
       "CREATE TABLE duty_incident_alerted ("
       " incident_id TEXT NOT NULL REFERENCES duty_incidents (id),"
       " user_id TEXT NOT NULL,"
       " PRIMARY KEY (incident_id, user_id));"
       "CREATE INDEX duty_incident_alerted_user ON duty_incident_alerted (user_id, incident_id)"},
  };
}

const store::Table<pb::DutyDay>& Days() {
  static const store::Table<pb::DutyDay> table(
      "duty_days", "duty day",
      {{"tenant", [](const pb::DutyDay& d) -> store::Param { return d.tenant(); }},
       {"date", [](const pb::DutyDay& d) -> store::Param { return d.date(); }}});
  return table;
}

const store::Table<pb::Incident>& Incidents() {
  static const store::Table<pb::Incident> table(
      "duty_incidents", "incident",
      {{"tenant", [](const pb::Incident& i) -> store::Param { return i.tenant(); }},
       {"chain_id", [](const pb::Incident& i) -> store::Param { return i.chain_id(); }},
       {"state", [](const pb::Incident& i) -> store::Param { return int64_t{i.state()}; }}},
      {{kAlertedRelation,
        "id IN (SELECT incident_id FROM duty_incident_alerted WHERE user_id = ?)"}});
  return table;
}

absl::Status SetAlerted(store::Tx& tx, const pb::Incident& inc) {
  for (const auto& u : inc.alerted_users()) {
    auto s =
        tx.Exec("INSERT OR IGNORE INTO duty_incident_alerted (incident_id, user_id) VALUES (?, ?)",
                {inc.id(), u});
    if (!s.ok()) return s.status();
  }
  return absl::OkStatus();
}

// ---- Configuration ----

struct Options {
  std::map<std::string, Plan> plans;
  AlertPolicy policy;
  std::chrono::milliseconds check_interval{10000};
  int utc_offset_minutes = 480;
};

std::map<std::string, Plan> ReadPlans(config::Config& c) {
  std::map<std::string, Plan> plans;
  YAML::Node node = c.Subtree("duty.plans");
  if (!node || !node.IsDefined() || node.IsNull()) {
    c.AddError("duty.plans.general", "required: the plan used when no other matches");
    return plans;
  }
  if (!node.IsMap()) {
    c.AddError("duty.plans", "expected a map of plans by key");
    return plans;
  }
  try {
    for (const auto& kv : node) {
      Plan p;
      p.key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      const std::string k = "duty.plans." + p.key;
      if (!v.IsMap()) {
        c.AddError(k, "expected title, type, grades and steps");
        continue;
      }
      if (v["title"]) p.title = v["title"].as<std::string>();
      if (v["type"]) p.type = v["type"].as<std::string>();
      if (v["grades"]) {
        for (const auto& g : v["grades"]) p.grades.push_back(g.as<int>());
      }
      if (v["steps"] && v["steps"].IsSequence()) {
        for (const auto& s : v["steps"]) {
          PlanStep step;
          if (s.IsScalar()) {
            step.name = s.as<std::string>();
          } else if (s.IsMap()) {
            if (s["name"]) step.name = s["name"].as<std::string>();
            if (s["optional"]) step.mandatory = !s["optional"].as<bool>();
          }
          p.steps.push_back(std::move(step));
        }
      }
      plans[p.key] = std::move(p);
    }
  } catch (const YAML::Exception& e) {
    c.AddError("duty.plans", e.what());
  }
  if (auto s = ValidatePlans(plans); !s.ok()) {
    // "duty.plans.<key>...: why": the message names the key.
    const std::string m(s.message());
    const auto colon = m.find(": ");
    c.AddError(m.substr(0, colon), colon == std::string::npos ? m : m.substr(colon + 2));
  }
  return plans;
}

Options ReadOptions(app::ServiceRuntime& rt, const Shared& shared) {
  auto& c = rt.config();
  Options o;
  o.utc_offset_minutes = shared.utc_offset_minutes;
  o.check_interval = c.Duration("duty.check_interval", std::chrono::seconds(10));
  const auto ack = c.Duration("duty.ack_limit", std::chrono::minutes(15));
  if (ack.count() <= 0) c.AddError("duty.ack_limit", "must be positive");
  o.policy.ack_limit_ms = ack.count();
  for (int g = 1; g <= 4; ++g) {
    const std::string key = "duty.ack_limit_grade_" + std::to_string(g);
    const auto d = c.Duration(key, ack);
    if (d.count() <= 0) c.AddError(key, "must be positive");
    if (d != ack) o.policy.ack_limit_by_grade[g] = d.count();
  }
  o.plans = ReadPlans(c);
  const auto& org = rt.org();
  auto check_user = [&](const std::string& key, const std::string& tenant,
                        const std::string& user) {
    const org::User* u = org.FindUser(user);
    if (u == nullptr || u->tenant != tenant) {
      c.AddError(key, "unknown user '" + user + "' in tenant " + tenant);
    }
  };
  for (const auto& [code, t] : org.tenants()) {
    const std::string fk = "duty.fallback." + code;
    const std::string fallback = c.String(fk, "");
    if (!fallback.empty()) {
      check_user(fk, code, fallback);
      o.policy.fallback[code] = fallback;
    }
    const std::string ek = "duty.escalation." + code;
    auto list = c.StringList(ek, {});
    for (const auto& u : list) check_user(ek, code, u);
    if (!list.empty()) o.policy.escalation[code] = std::move(list);
  }
  return o;
}

// ---- Reporting, the upstream ----

using ReportFetcher =
    std::function<absl::StatusOr<EmergencyFacts>(const ev::Event&, const ev::EmergencyReported&)>;

// Reads the event's report from reporting as this service's account in the event's tenant and
// checks it is what the event says: an emergency report of that tenant in that chain, of the
// phase the event type names. A report that does not hold together is a deterministic failure
// (FAILED_PRECONDITION: dead-lettered); an outage keeps its code (retried).
ReportFetcher ReportsOf(std::shared_ptr<app::Upstream> reporting) {
  std::shared_ptr<rpb::ReportingService::Stub> stub =
      rpb::ReportingService::NewStub(reporting->channel());
  return [reporting, stub](const ev::Event& e,
                           const ev::EmergencyReported& p) -> absl::StatusOr<EmergencyFacts> {
    if (p.report_id().empty() || p.chain_id().empty()) {
      return absl::InvalidArgumentError(e.type() + " without report_id or chain_id");
    }
    auto ctx = reporting->Context(e.tenant());
    if (!ctx.ok()) return ctx.status();
    rpb::GetReportRequest req;
    req.set_id(p.report_id());
    rpb::Report r;
    grpc::Status s = stub->GetReport(ctx->get(), req, &r);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND ||
        s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return absl::FailedPreconditionError("report " + p.report_id() + " named by " + e.type() +
                                           " is not a report of tenant " + e.tenant());
    }
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          "reporting GetReport " + p.report_id() + ": " + s.error_message());
    }
    const std::string expected_phase = e.type() == type::kReportingEmergencySubmitted ? "INITIAL"
                                       : e.type() == type::kReportingEmergencyFinalized
                                           ? "FINAL"
                                           : "FOLLOW_UP";
    std::string phase = rpb::EmergencyPhase_Name(r.emergency().phase());
    if (phase.rfind("EMERGENCY_PHASE_", 0) == 0) phase = phase.substr(16);
    std::string why;
    if (r.tenant() != e.tenant()) {
      why = "belongs to tenant " + r.tenant();
    } else if (r.kind() != rpb::REPORT_KIND_EMERGENCY || !r.has_emergency()) {
      why = "is not an emergency report";
    } else if (r.state() == rpb::REPORT_STATE_DRAFT) {
      why = "was not submitted";
    } else if (r.emergency().chain_id() != p.chain_id()) {
      why = "belongs to chain " + r.emergency().chain_id() + ", not " + p.chain_id();
    } else if (phase != expected_phase) {
      why = "is a " + phase + " report, not " + expected_phase;
    }
    if (!why.empty()) {
      return absl::FailedPreconditionError("report " + p.report_id() + " named by " + e.type() +
                                           " of tenant " + e.tenant() + " " + why);
    }
    EmergencyFacts f;
    f.tenant = r.tenant();
    f.report_id = r.id();
    f.chain_id = r.emergency().chain_id();
    f.phase = phase;
    f.grade = r.emergency().grade();
    f.title = r.title();
    f.negative = r.sensitivity() == rpb::SENSITIVITY_NEGATIVE;
    f.tags.assign(r.tags().begin(), r.tags().end());
    return f;
  };
}

// ---- The service ----

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject(kSystemActor);
  return a;
}

app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

bool HasRoles(const auth::Principal& p) {
  return p.HasAnyRole({"coordinator", "duty_officer", "leader"});
}

class DutyServiceImpl final : public pb::DutyService::CallbackService {
 public:
  DutyServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                  Options options)
      : handlers_(handlers),
        org_(org),
        clock_(clock),
        options_(std::move(options)),
        recorder_("coordination", clock),
        incidents_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
                     return Load(tx, caller, id);
                   },
                   [this](store::Tx& tx, const auth::Principal& caller, const pb::Incident& before,
                          const pb::Incident& after, const app::Audit& audit) {
                     return Save(tx, caller.ToActor(), before, after, audit, "");
                   },
                   [](const auth::Principal& caller, pb::Incident& inc) {
                     Present(auth::MayReadNegative(caller), inc);
                   }} {}

  // ---- Roster ----

  grpc::ServerUnaryReactor* SetDuty(grpc::CallbackServerContext* ctx, const pb::SetDutyRequest* req,
                                    pb::DutyDay* resp) override {
    return handlers_.Write(
        ctx, "SetDuty", *req, resp,
        [this, req](const auth::Principal& caller) -> absl::Status {
          std::vector<std::string> officers(req->officers().begin(), req->officers().end());
          if (auto s = ValidateDutyDay(org_, caller.tenant, req->date(), req->leader(), officers,
                                       req->note());
              !s.ok()) {
            return s;
          }
          return Coordinator(caller, "setting the duty roster");
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          std::vector<std::string> officers(req->officers().begin(), req->officers().end());
          pb::DutyDay d = MakeDutyDay(org_, caller.tenant, req->date(), req->leader(), officers,
                                      req->note(), caller.subject, clock_->Now());
          auto old = Days().Get(tx, d.id());
          if (old.ok()) {
            *d.mutable_swaps() = old->swaps();
            d.set_version(old->version() + 1);
            if (auto s = Days().Update(tx, d, old->version()); !s.ok()) return s;
          } else if (absl::IsNotFound(old.status())) {
            d.set_version(1);
            if (auto s = Days().Insert(tx, d); !s.ok()) return s;
          } else {
            return old.status();
          }
          events::Change change{"duty.set", d.id(),  d.tenant(), "leader " + d.leader(),
                                "",         nullptr, ""};
          if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
          *resp = std::move(d);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* GetRoster(grpc::CallbackServerContext* ctx,
                                      const pb::GetRosterRequest* req, pb::Roster* resp) override {
    return handlers_.Read(
        ctx,
        [this, req](const auth::Principal& caller) -> absl::Status {
          const auto from = ParseDate(req->from_date());
          if (!from) return InvalidField("from_date", "must be a day YYYY-MM-DD");
          const auto to = ParseDate(req->to_date());
          if (!to) return InvalidField("to_date", "must be a day YYYY-MM-DD");
          if (*to < *from) return InvalidField("to_date", "before from_date");
          if (*to > AddMonths(*from, 3)) return InvalidField("to_date", "at most 3 months");
          if (org_.FindTenant(caller.tenant) == nullptr) {
            return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
          }
          if (!HasRoles(caller)) {
            return absl::PermissionDeniedError(
                "the roster is for coordinators, duty officers and leaders");
          }
          return absl::OkStatus();
        },
        [req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto rows = tx.Query(
              "SELECT data FROM duty_days WHERE tenant = ? AND date >= ? AND date <= ? "
              "ORDER BY date",
              {caller.tenant, req->from_date(), req->to_date()});
          if (!rows.ok()) return rows.status();
          for (const auto& row : *rows) {
            auto d = store::ParseStored<pb::DutyDay>(row.Text(0), "duty day");
            if (!d.ok()) return d.status();
            *resp->add_days() = std::move(*d);
          }
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* SwapDuty(grpc::CallbackServerContext* ctx,
                                     const pb::SwapDutyRequest* req,
                                     pb::SwapDutyResponse* resp) override {
    return handlers_.Write(
        ctx, "SwapDuty", *req, resp,
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateSwap(req->date_a(), req->date_b(), req->role(), req->reason());
              !s.ok()) {
            return s;
          }
          return Coordinator(caller, "swapping duty");
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto get = [&](const std::string& date) -> absl::StatusOr<pb::DutyDay> {
            auto d = Days().Get(tx, caller.tenant + ":" + date);
            if (absl::IsNotFound(d.status())) {
              return absl::FailedPreconditionError("no duty roster for " + date);
            }
            return d;
          };
          auto a = get(req->date_a());
          if (!a.ok()) return a.status();
          auto b = get(req->date_b());
          if (!b.ok()) return b.status();
          const int64_t va = a->version(), vb = b->version();
          if (auto s = duty::SwapDuty(org_, *a, *b, req->role(), req->reason(), caller.subject,
                                      clock_->Now());
              !s.ok()) {
            return s;
          }
          a->set_version(va + 1);
          b->set_version(vb + 1);
          if (auto s = Days().Update(tx, *a, va); !s.ok()) return s;
          if (auto s = Days().Update(tx, *b, vb); !s.ok()) return s;
          events::Change change{"duty.swap", a->id(),
                                a->tenant(), pb::DutyRole_Name(req->role()) + " with " + b->date(),
                                "",          nullptr,
                                ""};
          if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
          *resp->mutable_a() = std::move(*a);
          *resp->mutable_b() = std::move(*b);
          return absl::OkStatus();
        });
  }

  // ---- Incidents ----

  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* ctx,
                                        const pb::GetIncidentRequest* req,
                                        pb::Incident* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto inc = Load(tx, caller, req->id());
          if (!inc.ok()) return inc.status();
          Present(auth::MayReadNegative(caller), *inc);
          *resp = std::move(*inc);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListIncidents(grpc::CallbackServerContext* ctx,
                                          const pb::ListIncidentsRequest* req,
                                          pb::ListIncidentsResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [req](const auth::Principal&) -> absl::Status {
          if (!pb::IncidentState_IsValid(req->state())) {
            return InvalidField("state", "unknown value");
          }
          return absl::OkStatus();
        },
        [req, resp](const auth::Principal& caller, const app::Page& page,
                    store::Tx& tx) -> absl::Status {
          std::vector<cond::Cond> where{cond::Eq("tenant", caller.tenant)};
          if (!HasRoles(caller)) where.push_back(cond::Related(kAlertedRelation, caller.subject));
          if (req->state() != pb::INCIDENT_STATE_UNSPECIFIED) {
            where.push_back(cond::Eq("state", int64_t{req->state()}));
          }
          auto rows = Incidents().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          const bool negative = auth::MayReadNegative(caller);
          store::FillPage(
              *rows, page.size,
              [&](pb::Incident&& inc) {
                Present(negative, inc);
                *resp->add_incidents() = std::move(inc);
              },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* AcknowledgeAlert(grpc::CallbackServerContext* ctx,
                                             const pb::AcknowledgeAlertRequest* req,
                                             pb::Incident* resp) override {
    return Change(ctx, "AcknowledgeAlert", *req, resp, req->id(),
                  Valid(ValidateId(req->id(), "id")),
                  {"incident.acknowledge", type::kCoordinationIncidentAcknowledged, ""},
                  [this](const auth::Principal& caller, store::Tx& tx, pb::Incident& inc) {
                    if (auto s = Acknowledge(inc, caller.subject, clock_->Now()); !s.ok()) {
                      return s;
                    }
                    return store::CancelTimers(tx, kEscalationTimers, inc.id());
                  });
  }

  grpc::ServerUnaryReactor* CompleteStep(grpc::CallbackServerContext* ctx,
                                         const pb::CompleteStepRequest* req,
                                         pb::Incident* resp) override {
    absl::Status valid = ValidateId(req->id(), "id");
    if (valid.ok()) valid = ValidateId(req->step_id(), "step_id");
    if (valid.ok()) valid = ValidateText(req->note(), "note", 1000, false);
    return Change(ctx, "CompleteStep", *req, resp, req->id(), Valid(valid),
                  {"incident.step", type::kCoordinationIncidentStepCompleted, req->step_id()},
                  [this, req](const auth::Principal& caller, store::Tx&, pb::Incident& inc) {
                    return duty::CompleteStep(inc, req->step_id(), req->note(), caller.subject,
                                              clock_->Now());
                  });
  }

  grpc::ServerUnaryReactor* AddNote(grpc::CallbackServerContext* ctx, const pb::AddNoteRequest* req,
                                    pb::Incident* resp) override {
    absl::Status valid = ValidateId(req->id(), "id");
    if (valid.ok()) valid = ValidateText(req->text(), "text", 2000, true);
    return Change(ctx, "AddNote", *req, resp, req->id(), Valid(valid), {"incident.note", "", ""},
                  [this, req](const auth::Principal& caller, store::Tx&, pb::Incident& inc) {
                    return duty::AddNote(inc, req->text(), caller.subject, clock_->Now());
                  });
  }

  grpc::ServerUnaryReactor* CloseIncident(grpc::CallbackServerContext* ctx,
                                          const pb::CloseIncidentRequest* req,
                                          pb::Incident* resp) override {
    absl::Status valid = ValidateId(req->id(), "id");
    if (valid.ok()) valid = ValidateText(req->reason(), "reason", 1000, false);
    return Change(ctx, "CloseIncident", *req, resp, req->id(), Valid(valid),
                  {"incident.close", type::kCoordinationIncidentClosed, ""},
                  [this, req](const auth::Principal& caller, store::Tx& tx, pb::Incident& inc) {
                    const bool may_force =
                        (caller.HasRole("coordinator")) || caller.subject == inc.duty_leader();
                    if (auto s = duty::CloseIncident(inc, req->reason(), may_force, caller.subject,
                                                     clock_->Now());
                        !s.ok()) {
                      return s;
                    }
                    return store::CancelTimers(tx, kEscalationTimers, inc.id());
                  });
  }

  // ---- Events and timers ----

  absl::StatusOr<std::any> Prepare(const ev::Event& e, const ev::EmergencyReported& p,
                                   const ReportFetcher& fetch) const {
    if (org_.FindTenant(e.tenant()) == nullptr) {
      return absl::FailedPreconditionError(e.type() + " of unknown tenant " + e.tenant());
    }
    auto facts = fetch(e, p);
    if (!facts.ok()) return facts.status();
    return std::any(*facts);
  }

  absl::Status OnEmergency(const ev::Event& e, const std::any& prepared, store::Tx& tx) {
    const EmergencyFacts& facts = std::any_cast<const EmergencyFacts&>(prepared);
    auto existing = Incidents().Find(
        tx, cond::All({cond::Eq("tenant", facts.tenant), cond::Eq("chain_id", facts.chain_id)}));
    if (!existing.ok()) return existing.status();
    const auto actor = SystemActor();
    if (existing->has_value()) {
      pb::Incident inc = **existing;
      const pb::Incident before = inc;
      auto joined = JoinIncident(inc, facts, clock_->Now());
      if (!joined.ok()) return joined.status();
      if (!*joined) return absl::OkStatus();
      inc.set_version(before.version() + 1);
      return Save(tx, actor, before, inc,
                  {"incident.join", type::kCoordinationIncidentJoined, facts.report_id},
                  e.trace_id(), facts.report_id);
    }
    // Opening: the plan, the day's duty leader (or the fallback), the first alert and its timer.
    const TimePoint now = clock_->Now();
    const std::string date = FormatDate(DateOf(now, options_.utc_offset_minutes));
    std::string first;
    auto day = Days().Get(tx, facts.tenant + ":" + date);
    if (day.ok()) {
      first = day->leader();
    } else if (!absl::IsNotFound(day.status())) {
      return day.status();
    }
    if (first.empty()) {
      auto it = options_.policy.fallback.find(facts.tenant);
      if (it != options_.policy.fallback.end()) first = it->second;
    }
    if (first.empty()) {
      auto next = AlerteeAt(options_.policy, facts.tenant, "", 1);
      if (next) first = *next;
    }
    if (first.empty()) {
      return absl::FailedPreconditionError("no duty leader for " + date + " in tenant " +
                                           facts.tenant + " and no duty.fallback." + facts.tenant);
    }
    const Plan& plan = SelectPlan(options_.plans, facts.tags, facts.grade);
    pb::Incident inc =
        OpenIncident(facts, plan, DerivedResourceId(facts.tenant, "inc", facts.chain_id), date,
                     first, org_, AckLimitMs(options_.policy, facts.grade), now);
    inc.set_version(1);
    if (auto s = Incidents().Insert(tx, inc); !s.ok()) return s;
    if (auto s = SetAlerted(tx, inc); !s.ok()) return s;
    if (auto s = ScheduleEscalation(tx, inc); !s.ok()) return s;
    if (auto s = Record(tx, actor, inc, {"incident.open", type::kCoordinationIncidentOpened, ""},
                        e.trace_id(), facts.report_id);
        !s.ok()) {
      return s;
    }
    return Record(tx, actor, inc, {"incident.alert", type::kCoordinationIncidentAlerted, first},
                  e.trace_id(), "");
  }

  absl::StatusOr<std::string> FireEscalation(store::Tx& tx, const store::Timer& timer) {
    auto inc = Incidents().Get(tx, timer.owner);
    if (!inc.ok()) return inc.status();
    const auto level = LevelOfTimer(timer.name);
    if (!level) return std::string("skipped");
    auto next = AlerteeAt(options_.policy, inc->tenant(), inc->duty_leader(), *level);
    const pb::Incident before = *inc;
    if (!next) {
      // Nobody is left on the ladder: the alert is marked as run out, once.
      if (!ExhaustEscalation(*inc, *level, clock_->Now())) return std::string("superseded");
      inc->set_version(before.version() + 1);
      if (auto s = Save(
              tx, SystemActor(), before, *inc,
              {"incident.escalation_exhausted", type::kCoordinationIncidentEscalationExhausted, ""},
              "", "");
          !s.ok()) {
        return s;
      }
      return std::string("exhausted");
    }
    if (!Escalate(*inc, *level, *next, org_, AckLimitMs(options_.policy, inc->grade()),
                  clock_->Now())) {
      return std::string("superseded");
    }
    inc->set_version(before.version() + 1);
    if (auto s = ScheduleEscalation(tx, *inc); !s.ok()) return s;
    if (auto s = Save(tx, SystemActor(), before, *inc,
                      {"incident.escalate", type::kCoordinationIncidentEscalated, *next}, "", "");
        !s.ok()) {
      return s;
    }
    return std::string("fired");
  }

  std::chrono::milliseconds check_interval() const { return options_.check_interval; }

 private:
  absl::Status Coordinator(const auth::Principal& caller, const std::string& action) const {
    if (org_.FindTenant(caller.tenant) == nullptr) {
      return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
    }
    if (!caller.HasRole("coordinator")) {
      return absl::PermissionDeniedError(action + " is for coordinators");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<pb::Incident> Load(store::Tx& tx, const auth::Principal& caller,
                                    const std::string& id) const {
    auto inc = Incidents().Get(tx, id);
    if (!inc.ok()) return inc.status();
    if (!MayRead(org_, caller.tenant, caller.roles, caller.subject, *inc)) {
      return absl::NotFoundError("incident " + id + " not found");
    }
    return inc;
  }

  // The timer of the alert's next rung, when the ladder has one.
  absl::Status ScheduleEscalation(store::Tx& tx, const pb::Incident& inc) {
    // A timer at every limit, the last person's too: with nobody left, it marks the alert as run
    // out.
    const int level = inc.alert().level() + 1;
    auto next = AlerteeAt(options_.policy, inc.tenant(), inc.duty_leader(), level);
    store::Timer t{kEscalationTimers,
                   inc.id(),
                   EscalationTimerName(level - 1),
                   ToMillis(FromProto(inc.alert().ack_due())),
                   next.value_or(""),
                   inc.tenant()};
    return store::ScheduleTimers(tx, kEscalationTimers, inc.id(), {t});
  }

  absl::Status Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                      const pb::Incident& inc, const app::Audit& audit, const std::string& trace_id,
                      const std::string& report_id) {
    ev::IncidentChanged p;
    p.set_incident_id(inc.id());
    p.set_chain_id(inc.chain_id());
    p.set_report_id(report_id);
    if (!inc.negative()) p.set_title(inc.title());
    p.set_negative(inc.negative());
    p.set_grade(inc.grade());
    p.set_state(inc.state() == pb::INCIDENT_STATE_CLOSED ? "CLOSED" : "OPEN");
    p.set_plan(inc.plan());
    p.set_alerted(inc.alert().alerted());
    p.set_escalation_level(inc.alert().level());
    *p.mutable_ack_due() = inc.alert().ack_due();
    p.set_actor(actor.subject());
    *p.mutable_at() = ToProto(clock_->Now());
    if (audit.event_type == type::kCoordinationIncidentStepCompleted) {
      for (const auto& s : inc.steps()) {
        if (s.id() == audit.detail) {
          p.set_step_id(s.id());
          p.set_step_name(s.name());
        }
      }
    }
    events::Change change{audit.action, inc.id(),         inc.tenant(),
                          audit.detail, audit.event_type, audit.event_type.empty() ? nullptr : &p,
                          trace_id};
    return recorder_.Record(tx, actor, change).status();
  }

  absl::Status Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                    const pb::Incident& before, const pb::Incident& after, const app::Audit& audit,
                    const std::string& trace_id, const std::string& report_id = "") {
    if (auto s = Incidents().Update(tx, after, before.version()); !s.ok()) return s;
    if (auto s = SetAlerted(tx, after); !s.ok()) return s;
    return Record(tx, actor, after, audit, trace_id, report_id);
  }

  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, pb::Incident* resp,
                                   const std::string& id, app::Check check, app::Audit audit,
                                   app::Apply<pb::Incident> apply) const {
    return handlers_.Change<pb::Incident>(
        ctx, method, request, resp, incidents_, id, std::move(check), std::move(audit),
        [apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx,
                                   pb::Incident& inc) -> absl::Status {
          const int64_t read = inc.version();
          if (auto s = apply(caller, tx, inc); !s.ok()) return s;
          inc.set_version(read + 1);
          return absl::OkStatus();
        });
  }

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  Options options_;
  events::Recorder recorder_;
  app::Resource<pb::Incident> incidents_;
};

class Duty final : public Module {
 public:
  std::string name() const override { return "duty"; }
  std::vector<store::Migration> Migrations() const override { return DutyMigrations(); }
  void Configure(app::ServiceRuntime& rt, const Shared& shared) override {
    options_ = ReadOptions(rt, shared);
    // Emergency reports are re-read here: upstream.reporting.address, .token and .timeout.
    reporting_ = rt.AddUpstream("reporting", "127.0.0.1:7101");
  }
  grpc::Service* Start(app::ServiceRuntime& rt, const Shared& shared) override {
    service_ = std::make_unique<DutyServiceImpl>(rt.handlers(), rt.org(), rt.clock(), options_);
    DutyServiceImpl* svc = service_.get();
    const ReportFetcher fetch = ReportsOf(reporting_);
    // The only coordination consumer of the reporting stream.
    auto& consumer = rt.AddConsumer(shared.reporting_stream);
    for (const char* t : {type::kReportingEmergencySubmitted, type::kReportingEmergencyFollowedUp,
                          type::kReportingEmergencyFinalized}) {
      consumer.On<ev::EmergencyReported>(
          t,
          [svc, fetch](const ev::Event& e, const ev::EmergencyReported& p) {
            return svc->Prepare(e, p, fetch);
          },
          [svc](const ev::Event& e, const ev::EmergencyReported&, const std::any& prepared,
                store::Tx& tx) { return svc->OnEmergency(e, prepared, tx); });
    }
    rt.AddTimers(
        kEscalationTimers, svc->check_interval(),
        [svc](store::Tx& tx, const store::Timer& timer) { return svc->FireEscalation(tx, timer); });
    return svc;
  }
  std::string health_name() const override { return "zhongshu.coordination.v1.DutyService"; }

 private:
  Options options_;
  std::shared_ptr<app::Upstream> reporting_;
  std::unique_ptr<DutyServiceImpl> service_;
};

}  // namespace

std::unique_ptr<Module> DutyModule() { return std::make_unique<Duty>(); }

}  // namespace zs::coordination

#include "domain/duty.h"

#include <algorithm>
#include <set>

#include "core/time_util.h"
#include "core/validation.h"

namespace zs::coordination::duty {

namespace {

bool HasRole(const org::User& u, const std::string& role) {
  return std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end();
}

std::string NameOf(const org::OrgTree& org, const std::string& user) {
  const org::User* u = org.FindUser(user);
  return u == nullptr ? user : u->name;
}

absl::Status CheckPerson(const org::OrgTree& org, const std::string& tenant,
                         const std::string& user, const std::string& role,
                         const std::string& field) {
  const org::User* u = org.FindUser(user);
  if (u == nullptr || u->tenant != tenant) {
    return InvalidField(field, "unknown user '" + user + "' in tenant " + tenant);
  }
  if (!HasRole(*u, role)) return InvalidField(field, user + " does not have the " + role + " role");
  return absl::OkStatus();
}

void AddEntry(pb::Incident& inc, TimePoint now, const std::string& actor, const std::string& kind,
              const std::string& text, const std::string& report_id = "") {
  pb::TimelineEntry& e = *inc.add_timeline();
  *e.mutable_time() = ToProto(now);
  e.set_actor(actor);
  e.set_kind(kind);
  e.set_text(text);
  e.set_report_id(report_id);
}

std::string PhaseName(const std::string& phase) {
  if (phase == "INITIAL") return "初报";
  if (phase == "FINAL") return "终报";
  return "续报";
}

void SetAlert(pb::Incident& inc, const std::string& who, int level, const org::OrgTree& org,
              int64_t ack_limit_ms, TimePoint now) {
  pb::Alert& a = *inc.mutable_alert();
  a.Clear();
  a.set_alerted(who);
  a.set_alerted_name(NameOf(org, who));
  a.set_level(level);
  *a.mutable_alert_time() = ToProto(now);
  *a.mutable_ack_due() = ToProto(now + std::chrono::milliseconds(ack_limit_ms));
  if (std::find(inc.alerted_users().begin(), inc.alerted_users().end(), who) ==
      inc.alerted_users().end()) {
    inc.add_alerted_users(who);
  }
}

}  // namespace

// ---- Roster ----

absl::Status ValidateDutyDay(const org::OrgTree& org, const std::string& tenant,
                             const std::string& date, const std::string& leader,
                             const std::vector<std::string>& officers, const std::string& note) {
  if (!ParseDate(date)) return InvalidField("date", "must be a day YYYY-MM-DD");
  if (Blank(leader)) return InvalidField("leader", "required: a duty day without a leader");
  if (auto s = CheckPerson(org, tenant, leader, "leader", "leader"); !s.ok()) return s;
  if (officers.size() > 10) return InvalidField("officers", "at most 10");
  std::set<std::string> seen;
  for (size_t i = 0; i < officers.size(); ++i) {
    const std::string field = "officers[" + std::to_string(i) + "]";
    if (!seen.insert(officers[i]).second) return InvalidField(field, officers[i] + " named twice");
    if (auto s = CheckPerson(org, tenant, officers[i], "duty_officer", field); !s.ok()) return s;
  }
  return ValidateText(note, "note", 500, false);
}

pb::DutyDay MakeDutyDay(const org::OrgTree& org, const std::string& tenant, const std::string& date,
                        const std::string& leader, const std::vector<std::string>& officers,
                        const std::string& note, const std::string& by, TimePoint now) {
  pb::DutyDay d;
  d.set_id(tenant + ":" + date);
  d.set_tenant(tenant);
  d.set_date(date);
  d.set_leader(leader);
  d.set_leader_name(NameOf(org, leader));
  for (const auto& o : officers) {
    d.add_officers(o);
    d.add_officer_names(NameOf(org, o));
  }
  d.set_note(note);
  d.set_updated_by(by);
  *d.mutable_update_time() = ToProto(now);
  return d;
}

absl::Status ValidateSwap(const std::string& date_a, const std::string& date_b, int role,
                          const std::string& reason) {
  if (!ParseDate(date_a)) return InvalidField("date_a", "must be a day YYYY-MM-DD");
  if (!ParseDate(date_b)) return InvalidField("date_b", "must be a day YYYY-MM-DD");
  if (date_a == date_b) return InvalidField("date_b", "must differ from date_a");
  if (role != pb::DUTY_ROLE_LEADER && role != pb::DUTY_ROLE_OFFICER) {
    return InvalidField("role", "DUTY_ROLE_LEADER or DUTY_ROLE_OFFICER");
  }
  return ValidateText(reason, "reason", 500, false);
}

absl::Status SwapDuty(const org::OrgTree& org, pb::DutyDay& a, pb::DutyDay& b, pb::DutyRole role,
                      const std::string& reason, const std::string& by, TimePoint now) {
  auto people = [role](const pb::DutyDay& d) {
    std::vector<std::string> out;
    if (role == pb::DUTY_ROLE_LEADER) {
      if (!d.leader().empty()) out.push_back(d.leader());
    } else {
      out.assign(d.officers().begin(), d.officers().end());
    }
    return out;
  };
  const auto pa = people(a);
  const auto pb_ = people(b);
  if (pa.empty() || pb_.empty()) {
    return absl::FailedPreconditionError("day " + (pa.empty() ? a.date() : b.date()) +
                                         " has nobody of the role to swap");
  }
  if (pa == pb_) {
    return absl::FailedPreconditionError("days " + a.date() + " and " + b.date() +
                                         " already have the same people for the role");
  }
  auto set = [&org, role](pb::DutyDay& d, const std::vector<std::string>& who) {
    if (role == pb::DUTY_ROLE_LEADER) {
      d.set_leader(who[0]);
      d.set_leader_name(NameOf(org, who[0]));
    } else {
      d.clear_officers();
      d.clear_officer_names();
      for (const auto& o : who) {
        d.add_officers(o);
        d.add_officer_names(NameOf(org, o));
      }
    }
  };
  auto record = [&](pb::DutyDay& d, const std::string& other,
                    const std::vector<std::string>& before, const std::vector<std::string>& after) {
    pb::DutySwap& s = *d.add_swaps();
    s.set_role(role);
    s.set_other_date(other);
    for (const auto& x : before) s.add_before(x);
    for (const auto& x : after) s.add_after(x);
    s.set_reason(reason);
    s.set_swapped_by(by);
    *s.mutable_swap_time() = ToProto(now);
    d.set_updated_by(by);
    *d.mutable_update_time() = ToProto(now);
  };
  set(a, pb_);
  set(b, pa);
  record(a, b.date(), pa, pb_);
  record(b, a.date(), pb_, pa);
  return absl::OkStatus();
}

// ---- Plans ----

absl::Status ValidatePlans(const std::map<std::string, Plan>& plans) {
  if (!plans.contains(kGeneralPlan)) {
    return InvalidField("duty.plans.general", "required: the plan used when no other matches");
  }
  for (const auto& [key, p] : plans) {
    const std::string k = "duty.plans." + key;
    if (Blank(p.title)) return InvalidField(k + ".title", "required");
    if (p.steps.empty()) return InvalidField(k + ".steps", "at least one step");
    for (size_t i = 0; i < p.steps.size(); ++i) {
      if (Blank(p.steps[i].name)) {
        return InvalidField(k + ".steps[" + std::to_string(i) + "]", "a step needs a name");
      }
    }
    if (key != kGeneralPlan && Blank(p.type)) {
      return InvalidField(k + ".type", "required: the incident type (report tag) it answers");
    }
    for (int g : p.grades) {
      if (g < 1 || g > 4) return InvalidField(k + ".grades", "grades are 1..4");
    }
  }
  return absl::OkStatus();
}

const Plan& SelectPlan(const std::map<std::string, Plan>& plans,
                       const std::vector<std::string>& tags, int grade) {
  const Plan* best = nullptr;
  int best_rank = 0;
  for (const auto& [key, p] : plans) {
    if (key == kGeneralPlan) continue;
    if (std::find(tags.begin(), tags.end(), p.type) == tags.end()) continue;
    int rank = 0;
    if (p.grades.empty()) {
      rank = 1;
    } else if (std::find(p.grades.begin(), p.grades.end(), grade) != p.grades.end()) {
      rank = 2;
    }
    if (rank > best_rank) {
      best = &p;
      best_rank = rank;
    }
  }
  return best != nullptr ? *best : plans.at(kGeneralPlan);
}

// ---- Alerts ----

int64_t AckLimitMs(const AlertPolicy& policy, int grade) {
  auto it = policy.ack_limit_by_grade.find(grade);
  return it != policy.ack_limit_by_grade.end() ? it->second : policy.ack_limit_ms;
}

std::optional<std::string> AlerteeAt(const AlertPolicy& policy, const std::string& tenant,
                                     const std::string& first, int level) {
  if (level == 0) return first;
  auto it = policy.escalation.find(tenant);
  if (it == policy.escalation.end()) return std::nullopt;
  int n = 0;
  for (const auto& u : it->second) {
    if (u == first) continue;
    if (++n == level) return u;
  }
  return std::nullopt;
}

std::string EscalationTimerName(int level) { return "escalate:" + std::to_string(level + 1); }

std::optional<int> LevelOfTimer(const std::string& name) {
  constexpr std::string_view kPrefix = "escalate:";
  if (name.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::string n = name.substr(kPrefix.size());
  if (n.empty() || n.size() > 3 || !std::all_of(n.begin(), n.end(), ::isdigit)) return std::nullopt;
  const int level = std::stoi(n);
  if (level < 1) return std::nullopt;
  return level;
}

// ---- Incidents ----

pb::Incident OpenIncident(const EmergencyFacts& facts, const Plan& plan, const std::string& id,
                          const std::string& duty_date, const std::string& alertee,
                          const org::OrgTree& org, int64_t ack_limit_ms, TimePoint now) {
  pb::Incident inc;
  inc.set_id(id);
  inc.set_tenant(facts.tenant);
  inc.set_chain_id(facts.chain_id);
  inc.set_title(facts.title);
  inc.set_negative(facts.negative);
  inc.set_grade(facts.grade);
  inc.set_incident_type(plan.type);
  inc.set_plan(plan.key);
  inc.set_plan_title(plan.title);
  inc.set_state(pb::INCIDENT_STATE_OPEN);
  inc.add_report_ids(facts.report_id);
  inc.set_duty_date(duty_date);
  inc.set_duty_leader(alertee);
  *inc.mutable_open_time() = ToProto(now);
  int n = 0;
  for (const auto& s : plan.steps) {
    pb::IncidentStep& st = *inc.add_steps();
    st.set_id("s" + std::to_string(++n));
    st.set_name(s.name);
    st.set_mandatory(s.mandatory);
  }
  AddEntry(inc, now, kSystemActor, "opened",
           PhaseName(facts.phase) + "：" + facts.title + "（" + std::to_string(facts.grade) +
               " 级，预案：" + plan.title + "）",
           facts.report_id);
  SetAlert(inc, alertee, 0, org, ack_limit_ms, now);
  AddEntry(inc, now, kSystemActor, "alerted", "提醒值班领导 " + NameOf(org, alertee));
  return inc;
}

absl::StatusOr<bool> JoinIncident(pb::Incident& inc, const EmergencyFacts& facts, TimePoint now) {
  if (facts.chain_id != inc.chain_id()) {
    return absl::InvalidArgumentError("report " + facts.report_id + " belongs to chain " +
                                      facts.chain_id + ", not " + inc.chain_id());
  }
  if (std::find(inc.report_ids().begin(), inc.report_ids().end(), facts.report_id) !=
      inc.report_ids().end()) {
    return false;
  }
  inc.add_report_ids(facts.report_id);
  if (facts.grade >= 1 && facts.grade <= 4) inc.set_grade(facts.grade);
  if (facts.negative) inc.set_negative(true);
  AddEntry(inc, now, kSystemActor, "joined", PhaseName(facts.phase) + "：" + facts.title,
           facts.report_id);
  return true;
}

absl::Status Acknowledge(pb::Incident& inc, const std::string& who, TimePoint now) {
  if (inc.state() == pb::INCIDENT_STATE_CLOSED) {
    return absl::FailedPreconditionError("incident " + inc.id() + " is closed");
  }
  if (inc.alert().acknowledged()) {
    return absl::FailedPreconditionError("the alert of incident " + inc.id() +
                                         " was acknowledged by " + inc.alert().acknowledged_by());
  }
  if (inc.alert().alerted() != who) {
    return absl::PermissionDeniedError("only the person currently alerted (" +
                                       inc.alert().alerted() + ") acknowledges the alert");
  }
  pb::Alert& a = *inc.mutable_alert();
  a.set_acknowledged(true);
  a.set_acknowledged_by(who);
  *a.mutable_ack_time() = ToProto(now);
  AddEntry(inc, now, who, "acknowledged", "已确认收到提醒");
  return absl::OkStatus();
}

bool Escalate(pb::Incident& inc, int level, const std::string& next, const org::OrgTree& org,
              int64_t ack_limit_ms, TimePoint now) {
  if (inc.state() != pb::INCIDENT_STATE_OPEN || inc.alert().acknowledged() ||
      inc.alert().level() != level - 1) {
    return false;
  }
  const std::string from = inc.alert().alerted();
  SetAlert(inc, next, level, org, ack_limit_ms, now);
  AddEntry(inc, now, kSystemActor, "escalated",
           NameOf(org, from) + " 未在时限内确认，升级提醒 " + NameOf(org, next));
  return true;
}

bool ExhaustEscalation(pb::Incident& inc, int level, TimePoint now) {
  if (inc.state() != pb::INCIDENT_STATE_OPEN || inc.alert().acknowledged() ||
      inc.alert().exhausted() || inc.alert().level() != level - 1) {
    return false;
  }
  inc.mutable_alert()->set_exhausted(true);
  AddEntry(inc, now, kSystemActor, "escalation_exhausted", "升级名单已用尽，提醒仍未确认");
  return true;
}

absl::Status CompleteStep(pb::Incident& inc, const std::string& step_id, const std::string& note,
                          const std::string& who, TimePoint now) {
  pb::IncidentStep* step = nullptr;
  for (auto& s : *inc.mutable_steps()) {
    if (s.id() == step_id) step = &s;
  }
  if (step == nullptr) return InvalidField("step_id", "no step " + step_id + " in the checklist");
  if (inc.state() == pb::INCIDENT_STATE_CLOSED) {
    return absl::FailedPreconditionError("incident " + inc.id() + " is closed");
  }
  if (step->done()) {
    return absl::FailedPreconditionError("step " + step_id + " (" + step->name() +
                                         ") was completed already by " + step->done_by());
  }
  step->set_done(true);
  step->set_done_by(who);
  *step->mutable_done_time() = ToProto(now);
  step->set_note(note);
  AddEntry(inc, now, who, "step_completed",
           step_id + " " + step->name() + (note.empty() ? "" : "：" + note));
  return absl::OkStatus();
}

absl::Status AddNote(pb::Incident& inc, const std::string& text, const std::string& who,
                     TimePoint now) {
  if (inc.state() == pb::INCIDENT_STATE_CLOSED) {
    return absl::FailedPreconditionError("incident " + inc.id() + " is closed");
  }
  AddEntry(inc, now, who, "note", text);
  return absl::OkStatus();
}

std::vector<std::string> OpenMandatorySteps(const pb::Incident& inc) {
  std::vector<std::string> out;
  for (const auto& s : inc.steps()) {
    if (s.mandatory() && !s.done()) out.push_back(s.id() + " " + s.name());
  }
  return out;
}

absl::Status CloseIncident(pb::Incident& inc, const std::string& reason, bool may_force,
                           const std::string& who, TimePoint now) {
  if (inc.state() == pb::INCIDENT_STATE_CLOSED) {
    return absl::FailedPreconditionError("incident " + inc.id() + " is closed already");
  }
  const auto open = OpenMandatorySteps(inc);
  if (!open.empty()) {
    std::string list;
    for (const auto& s : open) list += (list.empty() ? "" : ", ") + s;
    if (Blank(reason)) {
      return absl::FailedPreconditionError("mandatory steps not done: " + list +
                                           "; closing now needs a reason");
    }
    if (!may_force) {
      return absl::PermissionDeniedError("closing with mandatory steps open (" + list +
                                         ") is for the incident's duty leader or a coordinator");
    }
  }
  inc.set_state(pb::INCIDENT_STATE_CLOSED);
  inc.set_close_reason(reason);
  inc.set_closed_by(who);
  *inc.mutable_close_time() = ToProto(now);
  AddEntry(inc, now, who, "closed", reason.empty() ? "全部必办步骤已完成" : reason);
  return absl::OkStatus();
}

// ---- Visibility ----

bool MayRead(const org::OrgTree& org, const std::string& caller_tenant,
             const std::vector<std::string>& caller_roles, const std::string& caller,
             const pb::Incident& inc) {
  (void)org;
  if (caller_tenant != inc.tenant()) return false;
  for (const auto& r : caller_roles) {
    if (r == "coordinator" || r == "duty_officer" || r == "leader") return true;
  }
  return std::find(inc.alerted_users().begin(), inc.alerted_users().end(), caller) !=
         inc.alerted_users().end();
}

void Present(bool may_read_negative, pb::Incident& inc) {
  if (!inc.negative() || may_read_negative) return;
  inc.set_title(kWithheld);
  inc.set_withheld(true);
  for (auto& e : *inc.mutable_timeline()) {
    if (e.text().empty()) continue;
    e.set_text(kWithheld);
    e.set_withheld(true);
  }
  for (auto& s : *inc.mutable_steps()) {
    if (!s.note().empty()) s.set_note(kWithheld);
  }
  if (!inc.close_reason().empty()) inc.set_close_reason(kWithheld);
}

}  // namespace zs::coordination::duty

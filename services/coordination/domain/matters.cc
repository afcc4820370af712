#include "domain/matters.h"

#include <algorithm>
#include <set>

#include "core/time_util.h"
#include "core/validation.h"

namespace zs::coordination::matters {

namespace {

std::string StateName(pb::MatterState s) {
  switch (s) {
    case pb::MATTER_STATE_OPEN:
      return "OPEN";
    case pb::MATTER_STATE_IN_COORDINATION:
      return "IN_COORDINATION";
    case pb::MATTER_STATE_RESOLVED:
      return "RESOLVED";
    case pb::MATTER_STATE_WITHDRAWN:
      return "WITHDRAWN";
    default:
      return "UNSPECIFIED";
  }
}

absl::Status OutOfOrder(const pb::Matter& m, const std::string& action) {
  return absl::FailedPreconditionError("matter " + m.id() + " is " + StateName(m.state()) +
                                       "; cannot " + action);
}

bool Pending(const pb::Matter& m) {
  return m.state() == pb::MATTER_STATE_OPEN || m.state() == pb::MATTER_STATE_IN_COORDINATION;
}

void AddStep(pb::Matter& m, const Actor& by, const std::string& action, const std::string& unit,
             const std::string& note, TimePoint now) {
  auto* s = m.add_timeline();
  *s->mutable_time() = ToProto(now);
  s->set_actor(by.subject);
  s->set_actor_name(by.name);
  s->set_action(action);
  s->set_unit(unit);
  s->set_note(note);
  *m.mutable_update_time() = ToProto(now);
}

std::string UnitName(const org::OrgTree& org, const std::string& unit) {
  const org::Unit* u = org.FindUnit(unit);
  return u == nullptr ? unit : u->name;
}

void AddParties(const org::OrgTree& org, pb::Matter& m, const std::vector<std::string>& units) {
  for (const auto& u : units) {
    auto* p = m.add_parties();
    p->set_unit(u);
    p->set_unit_name(UnitName(org, u));
  }
}

std::string KindName(pb::MatterKind k) {
  return k == pb::MATTER_KIND_DISPUTE ? "dispute" : k == pb::MATTER_KIND_QUESTION ? "question" : "";
}

bool IsParty(const pb::Matter& m, const std::string& unit) {
  return std::any_of(m.parties().begin(), m.parties().end(),
                     [&](const pb::Party& p) { return p.unit() == unit; });
}

// A unit of `tenant`: INVALID_ARGUMENT naming `field` otherwise.
absl::Status UnitOf(const org::OrgTree& org, const std::string& tenant, const std::string& unit,
                    const std::string& field) {
  if (unit.empty()) return InvalidField(field, "required");
  const org::Unit* u = org.FindUnit(unit);
  if (u == nullptr) return InvalidField(field, "unknown unit '" + unit + "'");
  if (u->tenant != tenant) {
    return InvalidField(field, unit + " is not a unit of tenant " + tenant);
  }
  return absl::OkStatus();
}

}  // namespace

// ---- Roles ----

bool IsOffice(const auth::Principal& caller) {
  return caller.HasAnyRole({"coordinator", "office_director", "leader"});
}

bool MayStartCoordination(const auth::Principal& caller) {
  return caller.HasAnyRole({"coordinator", "office_director"});
}

bool MayResolve(const auth::Principal& caller) {
  return caller.HasAnyRole({"office_director", "leader"});
}

bool MayReadSensitive(const auth::Principal& caller, const pb::Matter& m) {
  if (auth::MayReadNegative(caller) || caller.HasRole("office_director")) return true;
  return !m.created_by().empty() && m.created_by() == caller.subject;
}

bool MayRead(const auth::Principal& caller, const pb::Matter& m) {
  if (caller.tenant != m.tenant()) return false;
  if (IsOffice(caller) || caller.HasRole("service")) return true;
  return caller.HasRole("unit_handler") && !caller.unit.empty() && IsParty(m, caller.unit);
}

absl::Status MayList(const auth::Principal& caller) {
  if (IsOffice(caller) || caller.HasRole("service")) return absl::OkStatus();
  if (caller.HasRole("unit_handler")) {
    if (caller.unit.empty()) return absl::PermissionDeniedError("caller belongs to no unit");
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "matters are for the office (coordinator, office_director, leader) and party units "
      "(unit_handler)");
}

void Present(const auth::Principal& caller, pb::Matter& m) {
  if (!m.sensitive() || MayReadSensitive(caller, m)) return;
  m.set_title(kWithheldTitle);
  if (!m.description().empty()) m.set_description(kWithheldText);
  for (auto& p : *m.mutable_parties()) {
    if (p.unit() != caller.unit && !p.position().empty()) p.set_position(kWithheldText);
  }
  if (m.has_decision()) {
    m.mutable_decision()->set_text(kWithheldText);
    if (!m.decision().reasons().empty()) m.mutable_decision()->set_reasons(kWithheldText);
  }
  if (!m.withdraw_reason().empty()) m.set_withdraw_reason(kWithheldText);
  for (auto& s : *m.mutable_timeline()) {
    if (!s.note().empty()) s.set_note(kWithheldText);
  }
  m.set_withheld(true);
}

std::string PublicTitle(const pb::Matter& m) { return m.sensitive() ? kWithheldTitle : m.title(); }

// ---- Validation ----

absl::Status ValidateCreate(const pb::CreateMatterRequest& req, const Limits& limits) {
  if (auto s = ValidateText(req.title(), "title", limits.max_title_chars, true); !s.ok()) return s;
  if (auto s = ValidateText(req.description(), "description", limits.max_text_chars, false);
      !s.ok()) {
    return s;
  }
  if (req.kind() != pb::MATTER_KIND_DISPUTE && req.kind() != pb::MATTER_KIND_QUESTION) {
    return InvalidField("kind", "must be DISPUTE or QUESTION");
  }
  return absl::OkStatus();
}

absl::Status CheckParties(const org::OrgTree& org, const std::string& tenant, pb::MatterKind kind,
                          const std::vector<std::string>& units, const Limits& limits) {
  const size_t min = kind == pb::MATTER_KIND_DISPUTE ? 2 : 1;
  if (units.size() < min) {
    return InvalidField("parties", kind == pb::MATTER_KIND_DISPUTE
                                       ? "a dispute needs at least two party units"
                                       : "at least one party unit is required");
  }
  if (units.size() > static_cast<size_t>(limits.max_parties)) {
    return InvalidField("parties", "at most " + std::to_string(limits.max_parties) + " units");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string field = "parties[" + std::to_string(i) + "]";
    if (auto s = UnitOf(org, tenant, units[i], field); !s.ok()) return s;
    if (!seen.insert(units[i]).second) return InvalidField(field, units[i] + " is named twice");
  }
  return absl::OkStatus();
}

absl::Status ValidateDecision(const org::OrgTree& org, const std::string& tenant,
                              const DecisionInput& d, const Limits& limits) {
  if (auto s = ValidateText(d.text, "decision", limits.max_text_chars, true); !s.ok()) return s;
  if (auto s = ValidateText(d.reasons, "reasons", limits.max_text_chars, false); !s.ok()) return s;
  if (d.lead_unit.empty()) return InvalidField("lead_unit", "a decision names the lead unit");
  if (auto s = UnitOf(org, tenant, d.lead_unit, "lead_unit"); !s.ok()) return s;
  std::set<std::string> seen;
  for (size_t i = 0; i < d.co_units.size(); ++i) {
    const std::string field = "co_units[" + std::to_string(i) + "]";
    if (auto s = UnitOf(org, tenant, d.co_units[i], field); !s.ok()) return s;
    if (d.co_units[i] == d.lead_unit) {
      return InvalidField(field, d.co_units[i] + " is the lead unit; it cannot also assist");
    }
    if (!seen.insert(d.co_units[i]).second) {
      return InvalidField(field, d.co_units[i] + " is named twice");
    }
  }
  if (d.co_units.size() > static_cast<size_t>(limits.max_parties)) {
    return InvalidField("co_units", "at most " + std::to_string(limits.max_parties) + " units");
  }
  return absl::OkStatus();
}

absl::Status ValidatePosition(const std::string& id, const std::string& text,
                              const Limits& limits) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(text, "position", limits.max_text_chars, true);
}

absl::Status ValidateNote(const std::string& id, const std::string& text, const char* field,
                          bool required, const Limits& limits) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  return ValidateText(text, field, limits.max_text_chars, required);
}

// ---- The state machine ----

pb::Matter NewMatter(const org::OrgTree& org, const pb::CreateMatterRequest& req,
                     const std::string& id, const std::string& tenant, const Actor& by,
                     TimePoint now) {
  pb::Matter m;
  m.set_id(id);
  m.set_tenant(tenant);
  m.set_version(1);
  m.set_kind(req.kind());
  m.set_state(pb::MATTER_STATE_OPEN);
  m.set_title(req.title());
  m.set_description(req.description());
  m.set_sensitive(req.sensitive());
  AddParties(org, m, {req.parties().begin(), req.parties().end()});
  m.set_created_by(by.subject);
  m.set_created_by_name(by.name);
  *m.mutable_create_time() = ToProto(now);
  AddStep(m, by, "opened", "", "", now);
  return m;
}

absl::Status StartCoordination(pb::Matter& m, const Actor& by, const std::string& note,
                               TimePoint now) {
  if (m.state() != pb::MATTER_STATE_OPEN) return OutOfOrder(m, "start coordination");
  m.set_state(pb::MATTER_STATE_IN_COORDINATION);
  AddStep(m, by, "coordinating", "", note, now);
  return absl::OkStatus();
}

absl::Status StatePosition(pb::Matter& m, const std::string& unit, const std::string& text,
                           const Actor& by, TimePoint now) {
  if (!Pending(m)) return OutOfOrder(m, "state a position");
  for (auto& p : *m.mutable_parties()) {
    if (p.unit() != unit) continue;
    p.set_position(text);
    p.set_stated_by(by.subject);
    p.set_stated_by_name(by.name);
    *p.mutable_stated_time() = ToProto(now);
    p.set_statements(p.statements() + 1);
    AddStep(m, by, "position_stated", unit, "", now);
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(unit + " is not a party to matter " + m.id());
}

absl::Status Resolve(const org::OrgTree& org, pb::Matter& m, const DecisionInput& d,
                     const Actor& by, TimePoint now, const Limits& limits) {
  if (!Pending(m)) return OutOfOrder(m, "resolve it");
  if (auto s = ValidateDecision(org, m.tenant(), d, limits); !s.ok()) return s;
  m.set_state(pb::MATTER_STATE_RESOLVED);
  auto* dec = m.mutable_decision();
  dec->set_text(d.text);
  dec->set_reasons(d.reasons);
  dec->set_lead_unit(d.lead_unit);
  dec->set_lead_unit_name(UnitName(org, d.lead_unit));
  for (const auto& u : d.co_units) dec->add_co_units(u);
  dec->set_decided_by(by.subject);
  dec->set_decided_by_name(by.name);
  *dec->mutable_decided_time() = ToProto(now);
  AddStep(m, by, "resolved", d.lead_unit, "", now);
  return absl::OkStatus();
}

absl::Status Withdraw(pb::Matter& m, const std::string& reason, const Actor& by, TimePoint now) {
  if (!m.raised_by().empty()) {
    return absl::FailedPreconditionError(
        "matter " + m.id() + " was raised by " + m.raised_by() +
        "; only a matter opened by hand can be withdrawn (resolve it instead)");
  }
  if (!Pending(m)) return OutOfOrder(m, "withdraw it");
  m.set_state(pb::MATTER_STATE_WITHDRAWN);
  m.set_withdraw_reason(reason);
  AddStep(m, by, "withdrawn", "", "", now);
  return absl::OkStatus();
}

// ---- Events ----

ev::MatterChanged ChangedPayload(const pb::Matter& m, const std::string& unit) {
  ev::MatterChanged c;
  c.set_matter_id(m.id());
  c.set_kind(KindName(m.kind()));
  c.set_state("MATTER_STATE_" + StateName(m.state()));
  c.set_title(PublicTitle(m));
  c.set_sensitive(m.sensitive());
  c.set_raised_by(m.raised_by());
  c.set_raised_ref(m.raised_ref());
  for (const auto& p : m.parties()) c.add_parties(p.unit());
  c.set_unit(unit);
  return c;
}

ev::MatterResolved ResolvedPayload(const pb::Matter& m) {
  ev::MatterResolved r;
  r.set_matter_id(m.id());
  r.set_raised_by(m.raised_by());
  r.set_raised_ref(m.raised_ref());
  r.set_lead_unit(m.decision().lead_unit());
  *r.mutable_co_units() = m.decision().co_units();
  // A sensitive matter's words stay with those who may read them: the raising service reads the
  // decision back from GetMatter as its own account.
  if (!m.sensitive()) r.set_decision(m.decision().text());
  return r;
}

// ---- Raised matters ----

absl::StatusOr<std::optional<Raised>> FromContest(const org::OrgTree& org,
                                                  const std::string& event_tenant,
                                                  const ev::TaskContested& e, const TaskFacts& t) {
  const std::string what = "supervision.task.contested for task " + e.task_id();
  if (e.task_id().empty() || e.contest_ref().empty() || e.unit().empty()) {
    return absl::FailedPreconditionError(what + ": task_id, contest_ref and unit are required");
  }
  if (t.tenant != event_tenant) {
    return absl::FailedPreconditionError(what + " of tenant " + event_tenant +
                                         " names a task of tenant " + t.tenant);
  }
  if (t.item_id != e.item_id()) {
    return absl::FailedPreconditionError(what + " names item " + e.item_id() +
                                         "; the task belongs to " + t.item_id);
  }
  if (e.contest_ref().rfind(e.task_id() + "@", 0) != 0) {
    return absl::FailedPreconditionError(what + ": contest_ref " + e.contest_ref() +
                                         " is not a contest of that task");
  }
  if (!t.contested || t.contest_ref != e.contest_ref()) {
    // Supervision keeps the task's latest contest_ref. The same ref no longer contested was
    // answered since; an earlier contest of the task was overtaken: both are facts with nothing
    // left to open. A ref the task never had is not a fact.
    const auto version = [](const std::string& ref) -> int64_t {
      const auto at = ref.rfind('@');
      if (at == std::string::npos || at + 1 >= ref.size()) return -1;
      int64_t v = 0;
      for (char c : ref.substr(at + 1)) {
        if (c < '0' || c > '9' || v > (int64_t{1} << 40)) return -1;
        v = v * 10 + (c - '0');
      }
      return v;
    };
    const int64_t ev_v = version(e.contest_ref());
    const int64_t cur_v = version(t.contest_ref);
    if (t.contest_ref == e.contest_ref() || (ev_v >= 0 && cur_v >= 0 && ev_v < cur_v)) {
      return std::optional<Raised>();
    }
    return absl::FailedPreconditionError(what + ": contest_ref " + e.contest_ref() +
                                         " is not a contest of the task");
  }
  if (t.lead_unit != e.unit()) {
    return absl::FailedPreconditionError(what + " names unit " + e.unit() +
                                         "; the task's lead unit is " + t.lead_unit);
  }
  Raised r;
  r.tenant = t.tenant;
  r.raised_by = kBySupervision;
  r.raised_ref = e.contest_ref();
  r.source_id = e.task_id();
  r.title = "督办任务职责争议：" + t.item_title;
  // The words are supervision's, not the event's: a forged event cannot write the matter's text.
  r.description = t.contest_reason;
  r.sensitive = t.item_negative;
  std::vector<std::string> parties{t.lead_unit};
  for (const auto& u : t.co_units) {
    if (std::find(parties.begin(), parties.end(), u) == parties.end()) parties.push_back(u);
  }
  for (size_t i = 0; i < parties.size(); ++i) {
    if (auto s = UnitOf(org, t.tenant, parties[i], "party"); !s.ok()) {
      return absl::FailedPreconditionError(what + ": " + std::string(s.message()));
    }
  }
  r.parties = std::move(parties);
  return std::optional<Raised>(std::move(r));
}

absl::StatusOr<std::optional<Raised>> FromDispute(const org::OrgTree& org,
                                                  const std::string& event_tenant,
                                                  const ev::ProposalAssignmentDisputed& e,
                                                  const ProposalFacts& p) {
  const std::string what = "proposals.assignment.disputed for proposal " + e.proposal_id();
  if (e.proposal_id().empty() || e.dispute_ref().empty() || e.unit().empty()) {
    return absl::FailedPreconditionError(what + ": proposal_id, dispute_ref and unit are required");
  }
  if (p.tenant != event_tenant) {
    return absl::FailedPreconditionError(what + " of tenant " + event_tenant +
                                         " names a proposal of tenant " + p.tenant);
  }
  const HandlingFacts* disputed = nullptr;
  for (const auto& h : p.handlings) {
    if (h.dispute_ref == e.dispute_ref() && h.disputed) disputed = &h;
  }
  if (disputed == nullptr) {
    return absl::FailedPreconditionError(what + ": the proposal has no disputed return " +
                                         e.dispute_ref());
  }
  if (disputed->unit != e.unit()) {
    return absl::FailedPreconditionError(what + " names unit " + e.unit() + "; the dispute is " +
                                         disputed->unit + "'s");
  }
  if (!disputed->returned) return std::optional<Raised>();  // decided since: nothing to open
  Raised r;
  r.tenant = p.tenant;
  r.raised_by = kByProposals;
  r.raised_ref = e.dispute_ref();
  r.source_id = e.proposal_id();
  r.title = "建议提案交办争议：" + p.title;
  // The words are the proposals service's, not the event's (the office's note travels only in the
  // event, so it is not taken: a forged event cannot write the matter's text).
  r.description = disputed->return_reason;
  std::vector<std::string> parties{disputed->unit};
  for (const auto& h : p.handlings) {
    if (h.active && std::find(parties.begin(), parties.end(), h.unit) == parties.end()) {
      parties.push_back(h.unit);
    }
  }
  for (const auto& u : parties) {
    if (auto s = UnitOf(org, p.tenant, u, "party"); !s.ok()) {
      return absl::FailedPreconditionError(what + ": " + std::string(s.message()));
    }
  }
  r.parties = std::move(parties);
  return std::optional<Raised>(std::move(r));
}

pb::Matter NewRaisedMatter(const org::OrgTree& org, const Raised& r, const std::string& id,
                           TimePoint now) {
  pb::Matter m;
  m.set_id(id);
  m.set_tenant(r.tenant);
  m.set_version(1);
  m.set_kind(pb::MATTER_KIND_DISPUTE);
  m.set_state(pb::MATTER_STATE_OPEN);
  m.set_title(r.title);
  m.set_description(r.description);
  m.set_sensitive(r.sensitive);
  AddParties(org, m, r.parties);
  m.set_raised_by(r.raised_by);
  m.set_raised_ref(r.raised_ref);
  m.set_source_id(r.source_id);
  m.set_created_by("system:" + r.raised_by);
  *m.mutable_create_time() = ToProto(now);
  AddStep(m, {"system:" + r.raised_by, ""}, "opened", "",
          r.raised_by == kBySupervision ? "督办任务被承办单位提出异议，提请协调"
                                        : "建议提案交办退回争议，提请协调",
          now);
  return m;
}

}  // namespace zs::coordination::matters

#include "domain/proposals.h"

#include <algorithm>
#include <set>

#include "core/time_util.h"

namespace zs::proposals {
namespace {

std::string Name(pb::ProposalState s) { return pb::ProposalState_Name(s); }
std::string Name(pb::HandlingState s) { return pb::HandlingState_Name(s); }

absl::Status OutOfOrder(const pb::Proposal& p, const std::string& action) {
  return absl::FailedPreconditionError("proposal " + p.id() + " is " + Name(p.state()) +
                                       "; cannot " + action);
}

absl::Status OutOfOrder(const pb::Handling& h, const std::string& action) {
  return absl::FailedPreconditionError("the handling of " + h.unit() + " is " + Name(h.state()) +
                                       "; cannot " + action);
}

absl::Status Id(const std::string& id) { return ValidateId(id, "id"); }

absl::Status OptionalUnit(const std::string& unit) {
  if (unit.size() > 64) return InvalidField("unit", "longer than 64 bytes");
  return absl::OkStatus();
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

pb::HandlingRole RoleFor(pb::AssignmentMode mode, bool lead) {
  switch (mode) {
    case pb::ASSIGNMENT_MODE_SOLE:
      return pb::HANDLING_ROLE_SOLE;
    case pb::ASSIGNMENT_MODE_LEAD:
      return lead ? pb::HANDLING_ROLE_LEAD : pb::HANDLING_ROLE_CO;
    default:
      return pb::HANDLING_ROLE_SPLIT;
  }
}

int NextSeq(const pb::Proposal& p) {
  int seq = 0;
  for (const auto& h : p.handlings()) seq = std::max(seq, h.seq());
  return seq + 1;
}

pb::Handling& AddHandling(pb::Proposal& p, const std::string& unit, pb::HandlingRole role,
                          const std::string& part, const std::string& due, TimePoint now) {
  pb::Handling& h = *p.add_handlings();
  h.set_seq(NextSeq(p));
  h.set_unit(unit);
  h.set_role(role);
  h.set_part(part);
  h.set_state(pb::HANDLING_STATE_ASSIGNED);
  h.set_due_date(due);
  h.set_assigned_due_date(due);
  *h.mutable_assign_time() = ToProto(now);
  return h;
}

bool Open(const pb::Handling& h) { return h.state() != pb::HANDLING_STATE_REPLACED; }

// A pending extension of a handling that no longer owes its reply lapses.
void LapseExtensions(pb::Handling& h) {
  for (auto& e : *h.mutable_extensions()) {
    if (e.state() == pb::EXTENSION_STATE_PENDING) e.set_state(pb::EXTENSION_STATE_LAPSED);
  }
}

// A handling given to another unit (or role): kept as history.
void Replace(pb::Handling& h) {
  h.set_state(pb::HANDLING_STATE_REPLACED);
  LapseExtensions(h);
}

// Every replying handling answered: the proposal is replied.
void MaybeReplied(pb::Proposal& p, TimePoint now) {
  bool all = true, any = false;
  for (const auto& h : p.handlings()) {
    if (!Open(h) || !Replies(h.role())) continue;
    any = true;
    if (h.state() != pb::HANDLING_STATE_REPLIED) all = false;
  }
  if (any && all) {
    p.set_state(pb::PROPOSAL_STATE_REPLIED);
    *p.mutable_reply_time() = ToProto(now);
  }
}

}  // namespace

std::string KindName(pb::ProposalKind k) {
  switch (k) {
    case pb::PROPOSAL_KIND_NPC_SUGGESTION:
      return "npc_suggestion";
    case pb::PROPOSAL_KIND_CPPCC_PROPOSAL:
      return "cppcc_proposal";
    default:
      return "";
  }
}

std::string KindLabel(pb::ProposalKind k) {
  switch (k) {
    case pb::PROPOSAL_KIND_NPC_SUGGESTION:
      return "人大代表建议";
    case pb::PROPOSAL_KIND_CPPCC_PROPOSAL:
      return "政协提案";
    default:
      return "";
  }
}

// ---- Validation ----

absl::Status ValidateNewProposal(const pb::Proposal& p, const Limits& l) {
  if (p.kind() == pb::PROPOSAL_KIND_UNSPECIFIED || !pb::ProposalKind_IsValid(p.kind())) {
    return InvalidField("proposal.kind",
                        "required: PROPOSAL_KIND_NPC_SUGGESTION (人大代表建议) or "
                        "PROPOSAL_KIND_CPPCC_PROPOSAL (政协提案)");
  }
  if (auto s = ValidateText(p.session(), "proposal.session", 32, true); !s.ok()) return s;
  if (auto s = ValidateText(p.title(), "proposal.title", l.max_title_chars, true); !s.ok()) {
    return s;
  }
  if (auto s = ValidateText(p.content(), "proposal.content", l.max_content_chars, true); !s.ok()) {
    return s;
  }
  if (auto s = ValidateText(p.category(), "proposal.category", 32, false); !s.ok()) return s;
  if (static_cast<size_t>(p.attachment_refs_size()) > l.max_attachments) {
    return InvalidField("proposal.attachment_refs",
                        "more than " + std::to_string(l.max_attachments) + " attachments");
  }
  for (int i = 0; i < p.attachment_refs_size(); ++i) {
    if (auto s = ValidateText(p.attachment_refs(i),
                              "proposal.attachment_refs[" + std::to_string(i) + "]", 256, true);
        !s.ok()) {
      return s;
    }
  }
  if (p.proposer().size() > 64) return InvalidField("proposal.proposer", "longer than 64 bytes");
  if (static_cast<size_t>(p.co_signers_size()) > l.max_co_signers) {
    return InvalidField("proposal.co_signers",
                        "more than " + std::to_string(l.max_co_signers) + " co-signers");
  }
  std::set<std::string> seen;
  for (int i = 0; i < p.co_signers_size(); ++i) {
    const std::string field = "proposal.co_signers[" + std::to_string(i) + "].subject";
    const std::string& who = p.co_signers(i).subject();
    if (who.empty()) return InvalidField(field, "required");
    if (who.size() > 64) return InvalidField(field, "longer than 64 bytes");
    if (!seen.insert(who).second) return InvalidField(field, who + " is listed twice");
  }
  return absl::OkStatus();
}

absl::Status ResolveParties(const org::OrgTree& org, const std::string& tenant, pb::Proposal& p) {
  auto proposer = [&](const std::string& id, const std::string& field) -> const org::User* {
    const org::User* u = org.FindUser(id);
    if (u == nullptr || u->tenant != tenant ||
        std::find(u->roles.begin(), u->roles.end(), "proposer") == u->roles.end()) {
      return nullptr;
    }
    return u;
  };
  const org::User* main = proposer(p.proposer(), "proposal.proposer");
  if (main == nullptr) {
    return InvalidField("proposal.proposer", "'" + p.proposer() +
                                                 "' is not a deputy or member (proposer) of "
                                                 "tenant " +
                                                 tenant);
  }
  p.set_proposer_name(main->name);
  for (int i = 0; i < p.co_signers_size(); ++i) {
    const std::string field = "proposal.co_signers[" + std::to_string(i) + "].subject";
    pb::CoSigner& c = *p.mutable_co_signers(i);
    if (c.subject() == p.proposer()) {
      return InvalidField(field, c.subject() + " is the main proposer and cannot also co-sign");
    }
    const org::User* u = proposer(c.subject(), field);
    if (u == nullptr) {
      return InvalidField(
          field, "'" + c.subject() + "' is not a deputy or member (proposer) of tenant " + tenant);
    }
    c.set_name(u->name);
  }
  return absl::OkStatus();
}

absl::Status ValidateReview(const pb::ReviewProposalRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (r.decision() == pb::REVIEW_DECISION_UNSPECIFIED ||
      !pb::ReviewDecision_IsValid(r.decision())) {
    return InvalidField("decision", "required: REGISTER, REJECT or CONVERT");
  }
  if (auto s = ValidateText(r.reason(), "reason", l.max_text_chars,
                            r.decision() != pb::REVIEW_DECISION_REGISTER);
      !s.ok()) {
    return s;
  }
  if (r.number() < 0) return InvalidField("number", "must be positive");
  if (r.number() > 0 && r.decision() != pb::REVIEW_DECISION_REGISTER) {
    return InvalidField("number", "only a registered proposal is numbered");
  }
  return absl::OkStatus();
}

absl::Status ValidateMerge(const pb::MergeProposalsRequest& r) {
  if (auto s = ValidateId(r.primary_id(), "primary_id"); !s.ok()) return s;
  if (r.merged_ids().empty()) return InvalidField("merged_ids", "required");
  if (r.merged_ids_size() > 50) return InvalidField("merged_ids", "more than 50 proposals");
  std::set<std::string> seen;
  for (int i = 0; i < r.merged_ids_size(); ++i) {
    const std::string field = "merged_ids[" + std::to_string(i) + "]";
    if (auto s = ValidateId(r.merged_ids(i), field); !s.ok()) return s;
    if (r.merged_ids(i) == r.primary_id()) {
      return InvalidField(field, "is the primary proposal itself");
    }
    if (!seen.insert(r.merged_ids(i)).second) return InvalidField(field, "listed twice");
  }
  return absl::OkStatus();
}

std::vector<std::string> AssignedUnits(const pb::AssignProposalRequest& r) {
  std::vector<std::string> units;
  if (r.mode() == pb::ASSIGNMENT_MODE_SPLIT) {
    for (const auto& part : r.parts()) units.push_back(part.unit());
  } else {
    units.push_back(r.lead_unit());
    if (r.mode() == pb::ASSIGNMENT_MODE_LEAD) {
      units.insert(units.end(), r.co_units().begin(), r.co_units().end());
    }
  }
  return units;
}

absl::Status ValidateAssign(const pb::AssignProposalRequest& r, const Limits& l,
                            const CivilDate& today, const CivilDate& latest) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  switch (r.mode()) {
    case pb::ASSIGNMENT_MODE_SOLE:
      if (!r.co_units().empty()) return InvalidField("co_units", "a sole assignment has none");
      if (!r.parts().empty()) return InvalidField("parts", "only a split assignment has parts");
      if (r.lead_unit().empty()) return InvalidField("lead_unit", "required");
      break;
    case pb::ASSIGNMENT_MODE_LEAD:
      if (r.lead_unit().empty()) return InvalidField("lead_unit", "required");
      if (r.co_units().empty()) {
        return InvalidField("co_units", "a lead assignment names co-handling units (else: SOLE)");
      }
      if (!r.parts().empty()) return InvalidField("parts", "only a split assignment has parts");
      break;
    case pb::ASSIGNMENT_MODE_SPLIT:
      if (!r.lead_unit().empty() || !r.co_units().empty()) {
        return InvalidField("lead_unit", "a split assignment names its units in parts");
      }
      if (r.parts_size() < 2) return InvalidField("parts", "a split assignment has two or more");
      for (int i = 0; i < r.parts_size(); ++i) {
        if (auto s = ValidateText(r.parts(i).part(), "parts[" + std::to_string(i) + "].part",
                                  l.max_text_chars, true);
            !s.ok()) {
          return s;
        }
      }
      break;
    default:
      return InvalidField("mode", "required: SOLE (独办), LEAD (主办/会办) or SPLIT (分办)");
  }
  const auto units = AssignedUnits(r);
  if (units.size() > l.max_units) {
    return InvalidField(r.mode() == pb::ASSIGNMENT_MODE_SPLIT ? "parts" : "co_units",
                        "more than " + std::to_string(l.max_units) + " units");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string field = r.mode() == pb::ASSIGNMENT_MODE_SPLIT
                                  ? "parts[" + std::to_string(i) + "].unit"
                              : i == 0 ? "lead_unit"
                                       : "co_units[" + std::to_string(i - 1) + "]";
    if (units[i].empty()) return InvalidField(field, "required");
    if (!seen.insert(units[i]).second) {
      return InvalidField(field, "unit " + units[i] + " is named twice");
    }
  }
  if (!r.due_date().empty()) {
    auto d = ParseDate(r.due_date());
    if (!d) return InvalidField("due_date", "YYYY-MM-DD");
    if (!(today < *d)) return InvalidField("due_date", r.due_date() + " is not after today");
    if (latest < *d) {
      return InvalidField("due_date", r.due_date() + " is later than the longest handling time (" +
                                          FormatDate(latest) + ")");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReason(const std::string& id, const std::string& text,
                            const std::string& field, const Limits& l) {
  if (auto s = Id(id); !s.ok()) return s;
  return ValidateText(text, field, l.max_text_chars, true);
}

absl::Status ValidateContact(const pb::LogContactRequest& r, const Limits& l,
                             const CivilDate& today) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (auto s = OptionalUnit(r.unit()); !s.ok()) return s;
  const auto& c = r.contact();
  if (c.method() == pb::CONTACT_METHOD_UNSPECIFIED || !pb::ContactMethod_IsValid(c.method())) {
    return InvalidField(
        "contact.method",
        "required: VISIT (走访), PHONE (电话), MEETING (座谈) or SITE_SURVEY (实地调研)");
  }
  if (!c.contact_date().empty()) {
    auto d = ParseDate(c.contact_date());
    if (!d) return InvalidField("contact.contact_date", "YYYY-MM-DD");
    if (today < *d) {
      return InvalidField("contact.contact_date", c.contact_date() + " is in the future");
    }
  }
  return ValidateText(c.summary(), "contact.summary", l.max_text_chars, true);
}

absl::Status ValidateReply(const pb::ReplyProposalRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (auto s = OptionalUnit(r.unit()); !s.ok()) return s;
  const auto& reply = r.reply();
  if (reply.reply_class() == pb::REPLY_CLASS_UNSPECIFIED ||
      !pb::ReplyClass_IsValid(reply.reply_class())) {
    return InvalidField("reply.reply_class",
                        "required: A (已解决或采纳), B (正在解决或列入计划) or "
                        "C (暂时不能解决, with reasons)");
  }
  if (auto s = ValidateText(reply.text(), "reply.text", l.max_content_chars, true); !s.ok()) {
    return s;
  }
  if (reply.not_public()) {
    if (auto s = ValidateText(reply.not_public_reason(), "reply.not_public_reason",
                              l.max_text_chars, true);
        !s.ok()) {
      return s;
    }
  } else if (!reply.not_public_reason().empty()) {
    return InvalidField("reply.not_public_reason", "only for a reply marked not public");
  }
  return absl::OkStatus();
}

absl::Status ValidateAdjust(const pb::AdjustReplyClassRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (r.unit().empty()) return InvalidField("unit", "required");
  if (auto s = OptionalUnit(r.unit()); !s.ok()) return s;
  if (r.reply_class() == pb::REPLY_CLASS_UNSPECIFIED || !pb::ReplyClass_IsValid(r.reply_class())) {
    return InvalidField("reply_class", "required: A, B or C");
  }
  return ValidateText(r.reason(), "reason", l.max_text_chars, true);
}

absl::Status ValidateExtensionRequest(const pb::RequestExtensionRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (auto s = OptionalUnit(r.unit()); !s.ok()) return s;
  if (!ParseDate(r.requested_due_date())) {
    return InvalidField("requested_due_date", "required as YYYY-MM-DD");
  }
  return ValidateText(r.reason(), "reason", l.max_text_chars, true);
}

absl::Status ValidateExtensionDecision(const pb::DecideExtensionRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (r.unit().empty()) return InvalidField("unit", "required");
  if (auto s = OptionalUnit(r.unit()); !s.ok()) return s;
  return ValidateText(r.comment(), "comment", l.max_text_chars, !r.approve());
}

absl::Status ValidateRate(const pb::RateProposalRequest& r, const Limits& l) {
  if (auto s = Id(r.id()); !s.ok()) return s;
  if (r.satisfaction() == pb::SATISFACTION_UNSPECIFIED ||
      !pb::Satisfaction_IsValid(r.satisfaction())) {
    return InvalidField("satisfaction",
                        "required: SATISFIED (满意), BASICALLY (基本满意) or "
                        "UNSATISFIED (不满意)");
  }
  return ValidateText(r.comment(), "comment", l.max_text_chars,
                      r.satisfaction() == pb::SATISFACTION_UNSATISFIED);
}

// ---- Authorization ----

std::string UserParty(const std::string& subject) { return "user:" + subject; }
std::string UnitParty(const std::string& unit) { return "unit:" + unit; }

absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller) {
  if (org.FindTenant(caller.tenant) == nullptr) {
    return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
  }
  Scope scope;
  scope.own_tenant = caller.tenant;
  if (caller.HasAnyRole({"leader", "service"})) {
    scope.tenants = org.Subtree(caller.tenant);
  } else if (caller.HasRole("proposal_office")) {
    scope.tenants = {caller.tenant};
  }
  if (caller.HasRole("unit_handler") && !caller.unit.empty()) {
    scope.parties.push_back(UnitParty(caller.unit));
  }
  if (caller.HasRole("proposer")) scope.parties.push_back(UserParty(caller.subject));
  if (scope.tenants.empty() && scope.parties.empty()) {
    return absl::PermissionDeniedError(
        "proposals need the proposal_office, leader, unit_handler (with a unit) or proposer role");
  }
  return scope;
}

cond::Cond Visible(const Scope& scope) {
  std::vector<cond::Cond> by_party;
  for (const auto& party : scope.parties) by_party.push_back(cond::Related(kHasParty, party));
  return cond::Any(
      {scope.tenants.empty() ? cond::False() : cond::In("tenant", scope.tenants),
       cond::All({cond::Eq("tenant", scope.own_tenant), cond::Any(std::move(by_party))})});
}

bool MayRead(const Scope& scope, const pb::Proposal& p) {
  const auto parties = PartiesOf(p);
  return cond::Matches(Visible(scope), {[&p](std::string_view c) -> cond::Value {
                                          if (c == "tenant") return p.tenant();
                                          if (c == "session") return p.session();
                                          if (c == "kind") return int64_t{p.kind()};
                                          return int64_t{p.state()};
                                        },
                                        [&parties](std::string_view, const cond::Value& key) {
                                          const auto* s = std::get_if<std::string>(&key);
                                          return s != nullptr && Contains(parties, *s);
                                        }});
}

std::vector<std::string> PartiesOf(const pb::Proposal& p) {
  std::vector<std::string> out;
  auto add = [&out](std::string s) {
    if (!Contains(out, s)) out.push_back(std::move(s));
  };
  add(UserParty(p.proposer()));
  for (const auto& c : p.co_signers()) {
    if (c.state() == pb::CO_SIGN_STATE_INVITED || c.state() == pb::CO_SIGN_STATE_CONFIRMED) {
      add(UserParty(c.subject()));
    }
  }
  for (const auto& r : p.raters()) add(UserParty(r));
  for (const auto& h : p.handlings()) {
    if (Open(h)) add(UnitParty(h.unit()));
  }
  return out;
}

absl::Status RequireOffice(const auth::Principal& caller, const std::string& tenant,
                           std::string_view action) {
  if (!caller.HasRole("proposal_office") || caller.tenant != tenant) {
    return absl::PermissionDeniedError(std::string(action) +
                                       " is for the proposal office of tenant " + tenant);
  }
  return absl::OkStatus();
}

pb::Handling* FindHandling(pb::Proposal& p, const std::string& unit) {
  for (auto& h : *p.mutable_handlings()) {
    if (h.unit() == unit && Open(h)) return &h;
  }
  return nullptr;
}

absl::StatusOr<pb::Handling*> HandlingOf(pb::Proposal& p, const auth::Principal& caller,
                                         const std::string& unit, std::string_view action) {
  if (!caller.HasRole("unit_handler") || caller.unit.empty()) {
    return absl::PermissionDeniedError(std::string(action) + " is for a handling unit");
  }
  const std::string& u = unit.empty() ? caller.unit : unit;
  if (u != caller.unit) {
    return absl::PermissionDeniedError(std::string(action) + " for " + u +
                                       " is for that unit's handlers");
  }
  return RequireHandling(p, u);
}

absl::StatusOr<pb::Handling*> RequireHandling(pb::Proposal& p, const std::string& unit) {
  pb::Handling* h = FindHandling(p, unit);
  if (h == nullptr) {
    return absl::NotFoundError("proposal " + p.id() + " has no handling of unit " + unit);
  }
  return h;
}

// ---- Lifecycle ----

pb::Proposal NewProposal(const pb::Proposal& requested, const std::string& id,
                         const std::string& tenant, const std::string& entered_by, TimePoint now) {
  pb::Proposal p;
  p.set_id(id);
  p.set_tenant(tenant);
  p.set_kind(requested.kind());
  p.set_session(requested.session());
  p.set_title(requested.title());
  p.set_content(requested.content());
  p.set_category(requested.category());
  *p.mutable_attachment_refs() = requested.attachment_refs();
  p.set_proposer(requested.proposer());
  p.set_proposer_name(requested.proposer_name());
  for (const auto& c : requested.co_signers()) {
    pb::CoSigner& out = *p.add_co_signers();
    out.set_subject(c.subject());
    out.set_name(c.name());
    out.set_state(pb::CO_SIGN_STATE_INVITED);
  }
  p.set_urgent(requested.urgent());
  p.set_state(pb::PROPOSAL_STATE_SUBMITTED);
  p.set_entered_by(entered_by);
  p.set_round(1);
  *p.mutable_create_time() = ToProto(now);
  p.set_version(1);
  return p;
}

absl::Status RespondCoSign(pb::Proposal& p, const std::string& subject, bool confirm,
                           TimePoint now) {
  for (auto& c : *p.mutable_co_signers()) {
    if (c.subject() != subject) continue;
    if (p.state() != pb::PROPOSAL_STATE_SUBMITTED) return OutOfOrder(p, "answer a co-signing");
    if (c.state() != pb::CO_SIGN_STATE_INVITED) {
      return absl::FailedPreconditionError(subject +
                                           " already answered: " + pb::CoSignState_Name(c.state()));
    }
    c.set_state(confirm ? pb::CO_SIGN_STATE_CONFIRMED : pb::CO_SIGN_STATE_DECLINED);
    *c.mutable_respond_time() = ToProto(now);
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(subject + " is not invited to co-sign proposal " + p.id());
}

std::vector<std::string> OwnRaters(const pb::Proposal& p) {
  std::vector<std::string> out{p.proposer()};
  for (const auto& c : p.co_signers()) {
    if (c.state() == pb::CO_SIGN_STATE_CONFIRMED) out.push_back(c.subject());
  }
  return out;
}

absl::Status Review(pb::Proposal& p, pb::ReviewDecision decision, const std::string& reason,
                    int number, const std::string& by, TimePoint now) {
  if (p.state() != pb::PROPOSAL_STATE_SUBMITTED) return OutOfOrder(p, "review it");
  for (auto& c : *p.mutable_co_signers()) {
    if (c.state() == pb::CO_SIGN_STATE_INVITED) c.set_state(pb::CO_SIGN_STATE_LAPSED);
  }
  p.set_reviewed_by(by);
  p.set_review_reason(reason);
  switch (decision) {
    case pb::REVIEW_DECISION_REGISTER:
      if (number <= 0) return absl::InternalError("registration without a number");
      p.set_state(pb::PROPOSAL_STATE_REGISTERED);
      p.set_number(number);
      *p.mutable_register_time() = ToProto(now);
      p.clear_raters();
      for (const auto& r : OwnRaters(p)) p.add_raters(r);
      break;
    case pb::REVIEW_DECISION_REJECT:
      p.set_state(pb::PROPOSAL_STATE_NOT_REGISTERED);
      break;
    case pb::REVIEW_DECISION_CONVERT:
      p.set_state(pb::PROPOSAL_STATE_CONVERTED);
      break;
    default:
      return InvalidField("decision", "required");
  }
  return absl::OkStatus();
}

absl::Status Merge(pb::Proposal& primary, std::vector<pb::Proposal>& merged) {
  if (primary.state() != pb::PROPOSAL_STATE_REGISTERED) {
    return OutOfOrder(primary, "take merged proposals (only a registered, unassigned one can)");
  }
  for (auto& m : merged) {
    if (m.state() != pb::PROPOSAL_STATE_REGISTERED) {
      return OutOfOrder(m, "be merged (only a registered, unassigned one can)");
    }
    if (m.tenant() != primary.tenant() || m.kind() != primary.kind() ||
        m.session() != primary.session()) {
      return absl::FailedPreconditionError("proposal " + m.id() +
                                           " is of another kind or session than " + primary.id());
    }
    if (!m.merged_ids().empty()) {
      return absl::FailedPreconditionError("proposal " + m.id() +
                                           " already has merged proposals; merge into it instead");
    }
  }
  for (auto& m : merged) {
    m.set_state(pb::PROPOSAL_STATE_MERGED);
    m.set_merged_into(primary.id());
    primary.add_merged_ids(m.id());
    for (const auto& r : m.raters()) {
      if (std::find(primary.raters().begin(), primary.raters().end(), r) ==
          primary.raters().end()) {
        primary.add_raters(r);
      }
    }
  }
  return absl::OkStatus();
}

CivilDate DefaultDue(const calendar::WorkCalendar& cal, const Deadlines& d, bool urgent,
                     const CivilDate& today) {
  return cal.NextWorkingDay(AddMonths(today, urgent ? d.urgent_months : d.handling_months));
}

absl::StatusOr<std::vector<std::string>> Assign(pb::Proposal& p, const pb::AssignProposalRequest& r,
                                                const std::string& due, TimePoint now) {
  const bool first = p.state() == pb::PROPOSAL_STATE_REGISTERED;
  if (!first && p.state() != pb::PROPOSAL_STATE_HANDLING) return OutOfOrder(p, "assign it");
  // What the assignment asks for: unit -> (role, part).
  struct Wanted {
    std::string unit;
    pb::HandlingRole role;
    std::string part;
  };
  std::vector<Wanted> wanted;
  if (r.mode() == pb::ASSIGNMENT_MODE_SPLIT) {
    for (const auto& part : r.parts())
      wanted.push_back({part.unit(), RoleFor(r.mode(), false), part.part()});
  } else {
    wanted.push_back({r.lead_unit(), RoleFor(r.mode(), true), ""});
    for (const auto& u : r.co_units()) wanted.push_back({u, pb::HANDLING_ROLE_CO, ""});
  }
  // Handlings that stay as they are keep their progress; the rest are replaced.
  std::vector<std::string> kept;
  std::vector<pb::Handling*> replaced;
  for (auto& h : *p.mutable_handlings()) {
    if (!Open(h)) continue;
    auto it = std::find_if(wanted.begin(), wanted.end(), [&](const Wanted& w) {
      return w.unit == h.unit() && w.role == h.role() && w.part == h.part();
    });
    if (it != wanted.end() && h.state() != pb::HANDLING_STATE_RETURNED) {
      kept.push_back(h.unit());
    } else if (h.state() == pb::HANDLING_STATE_REPLIED) {
      return absl::FailedPreconditionError(
          h.unit() + " has already replied to proposal " + p.id() +
          " in this round; a re-assignment must keep its handling as it is");
    } else {
      replaced.push_back(&h);
    }
  }
  for (pb::Handling* h : replaced) Replace(*h);
  std::vector<std::string> added;
  for (const auto& w : wanted) {
    if (Contains(kept, w.unit)) continue;
    AddHandling(p, w.unit, w.role, w.part, due, now);
    added.push_back(w.unit);
  }
  if (added.empty() && !first) {
    return absl::FailedPreconditionError("the assignment of proposal " + p.id() +
                                         " is already so; nothing to re-assign");
  }
  p.set_mode(r.mode());
  p.set_state(pb::PROPOSAL_STATE_HANDLING);
  if (first) *p.mutable_assign_time() = ToProto(now);
  return added;
}

absl::Status Sign(pb::Handling& h, TimePoint now) {
  if (h.state() != pb::HANDLING_STATE_ASSIGNED) return OutOfOrder(h, "sign for it");
  h.set_state(pb::HANDLING_STATE_SIGNED);
  *h.mutable_sign_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status Return(pb::Handling& h, const std::string& reason, const calendar::WorkCalendar& cal,
                    const Deadlines& d, const CivilDate& today, int utc_offset_minutes,
                    TimePoint now) {
  if (h.state() != pb::HANDLING_STATE_ASSIGNED && h.state() != pb::HANDLING_STATE_SIGNED) {
    return OutOfOrder(h, "return it");
  }
  const CivilDate assigned = DateOf(FromProto(h.assign_time()), utc_offset_minutes);
  const CivilDate last = cal.AddWorkingDays(assigned, d.return_window_working_days);
  if (last < today) {
    return absl::FailedPreconditionError("a wrong assignment may be returned within " +
                                         std::to_string(d.return_window_working_days) +
                                         " working days of it; that ended on " + FormatDate(last));
  }
  h.set_state(pb::HANDLING_STATE_RETURNED);
  h.set_return_reason(reason);
  *h.mutable_return_time() = ToProto(now);
  h.set_disputed(false);
  h.clear_dispute_ref();
  return absl::OkStatus();
}

absl::Status Dispute(const pb::Proposal& p, pb::Handling& h) {
  if (h.state() != pb::HANDLING_STATE_RETURNED) return OutOfOrder(h, "dispute its return");
  if (h.disputed()) {
    return absl::FailedPreconditionError("the return of " + h.unit() +
                                         " is already with coordination (" + h.dispute_ref() + ")");
  }
  h.set_disputed(true);
  h.set_dispute_ref(p.id() + "@" + std::to_string(h.seq()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ResolveDispute(pb::Proposal& p,
                                                        const std::string& dispute_ref,
                                                        const std::string& lead,
                                                        const std::vector<std::string>& co,
                                                        const std::string& due, TimePoint now) {
  pb::Handling* returned = nullptr;
  for (auto& h : *p.mutable_handlings()) {
    if (h.dispute_ref() == dispute_ref) returned = &h;
  }
  if (returned == nullptr || returned->state() != pb::HANDLING_STATE_RETURNED ||
      !returned->disputed() || p.state() != pb::PROPOSAL_STATE_HANDLING) {
    return std::vector<std::string>{};  // re-assigned meanwhile: the decision is moot
  }
  const pb::HandlingRole role = returned->role();
  const std::string part = returned->part();
  Replace(*returned);
  std::vector<std::string> added;
  // The decided unit takes role `r` (and `part_text`); one it already handles in another role is
  // given a fresh handling in this one — a split unit answers both parts.
  auto take = [&](const std::string& unit, pb::HandlingRole r, std::string part_text) {
    if (pb::Handling* existing = FindHandling(p, unit); existing != nullptr) {
      const bool returned_too = existing->state() == pb::HANDLING_STATE_RETURNED;
      if (!returned_too && existing->role() == r && r != pb::HANDLING_ROLE_SPLIT) return;
      // A unit that already leads or answers a part is not also a co-handling unit.
      if (!returned_too && r == pb::HANDLING_ROLE_CO) return;
      if (!returned_too && r == pb::HANDLING_ROLE_SPLIT &&
          existing->role() == pb::HANDLING_ROLE_SPLIT) {
        part_text = existing->part() + "；" + part_text;
      }
      Replace(*existing);
    }
    AddHandling(p, unit, r, part_text, due, now);
    added.push_back(unit);
  };
  take(lead, role, part);
  if (role == pb::HANDLING_ROLE_SOLE || role == pb::HANDLING_ROLE_LEAD) {
    for (const auto& u : co) {
      if (u != lead) take(u, pb::HANDLING_ROLE_CO, "");
    }
    // Sole with co-handling units is lead; lead without any is sole.
    bool any_co = false;
    for (const auto& h : p.handlings()) any_co |= Open(h) && h.role() == pb::HANDLING_ROLE_CO;
    for (auto& h : *p.mutable_handlings()) {
      if (!Open(h)) continue;
      if (any_co && h.role() == pb::HANDLING_ROLE_SOLE) h.set_role(pb::HANDLING_ROLE_LEAD);
      if (!any_co && h.role() == pb::HANDLING_ROLE_LEAD) h.set_role(pb::HANDLING_ROLE_SOLE);
    }
    p.set_mode(any_co ? pb::ASSIGNMENT_MODE_LEAD : pb::ASSIGNMENT_MODE_SOLE);
  }
  return added;
}

absl::Status SendOpinion(pb::Handling& h, const std::string& opinion) {
  if (h.role() != pb::HANDLING_ROLE_CO) {
    return absl::FailedPreconditionError(h.unit() +
                                         " is not a co-handling unit; it replies instead");
  }
  if (h.state() != pb::HANDLING_STATE_SIGNED) return OutOfOrder(h, "send its opinion");
  h.set_opinion(opinion);
  h.set_state(pb::HANDLING_STATE_OPINION_SENT);
  return absl::OkStatus();
}

absl::Status LogContact(pb::Handling& h, pb::Contact contact, int round, const std::string& author,
                        TimePoint now) {
  if (!Replies(h.role())) {
    return absl::FailedPreconditionError(h.unit() +
                                         " is a co-handling unit; the lead unit contacts the "
                                         "proposer");
  }
  if (h.state() != pb::HANDLING_STATE_SIGNED && h.state() != pb::HANDLING_STATE_REPLIED) {
    return OutOfOrder(h, "log a contact (sign for it first)");
  }
  contact.set_author(author);
  contact.set_round(round);
  *contact.mutable_log_time() = ToProto(now);
  *h.add_contacts() = std::move(contact);
  return absl::OkStatus();
}

absl::Status ReplyTo(pb::Proposal& p, pb::Handling& h, pb::Reply reply, const std::string& author,
                     const CivilDate& today, TimePoint now) {
  if (!Replies(h.role())) {
    return absl::FailedPreconditionError(h.unit() +
                                         " is a co-handling unit; it sends its opinion to the "
                                         "lead unit");
  }
  if (p.state() != pb::PROPOSAL_STATE_HANDLING) return OutOfOrder(p, "be replied to");
  if (h.state() != pb::HANDLING_STATE_SIGNED) return OutOfOrder(h, "reply (sign for it first)");
  // A contact logged in this round (a re-handling needs a new one).
  const bool contacted = std::any_of(h.contacts().begin(), h.contacts().end(),
                                     [&](const auto& c) { return c.round() == p.round(); });
  if (!contacted) {
    return absl::FailedPreconditionError(
        "no contact with the proposer is logged for this round; log one (LogContact) before "
        "replying");
  }
  if (h.role() == pb::HANDLING_ROLE_LEAD) {
    for (const auto& co : p.handlings()) {
      if (Open(co) && co.role() == pb::HANDLING_ROLE_CO &&
          co.state() != pb::HANDLING_STATE_OPINION_SENT) {
        return absl::FailedPreconditionError("the co-handling opinion of " + co.unit() +
                                             " is not in yet (" + Name(co.state()) + ")");
      }
    }
  }
  const auto due = ParseDate(h.due_date());
  reply.set_original_class(reply.reply_class());
  reply.clear_adjust_reason();
  reply.set_author(author);
  *reply.mutable_reply_time() = ToProto(now);
  reply.set_on_time(due && !(*due < today));
  reply.set_round(p.round());
  *h.mutable_reply() = std::move(reply);
  h.set_state(pb::HANDLING_STATE_REPLIED);
  LapseExtensions(h);
  MaybeReplied(p, now);
  return absl::OkStatus();
}

absl::Status AdjustClass(pb::Handling& h, pb::ReplyClass c, const std::string& reason) {
  if (h.reply().reply_class() == pb::REPLY_CLASS_UNSPECIFIED) {
    return absl::FailedPreconditionError(h.unit() +
                                         " has not replied; there is no class to adjust");
  }
  if (h.reply().reply_class() == c) {
    return absl::FailedPreconditionError("the reply of " + h.unit() + " is already class " +
                                         pb::ReplyClass_Name(c));
  }
  h.mutable_reply()->set_reply_class(c);
  h.mutable_reply()->set_adjust_reason(reason);
  return absl::OkStatus();
}

absl::Status AddFollowUp(pb::Handling& h, const std::string& text, const std::string& author,
                         TimePoint now) {
  const auto c = h.reply().reply_class();
  if (c != pb::REPLY_CLASS_B && c != pb::REPLY_CLASS_C) {
    return absl::FailedPreconditionError(
        "a follow-up (落实情况) is for a reply of class B or C; " + h.unit() + "'s is " +
        (c == pb::REPLY_CLASS_UNSPECIFIED ? std::string("not given") : pb::ReplyClass_Name(c)));
  }
  pb::FollowUp& f = *h.add_follow_ups();
  f.set_text(text);
  f.set_author(author);
  *f.mutable_report_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status RequestExtension(pb::Handling& h, const std::string& due, const std::string& reason,
                              const Deadlines& d, int utc_offset_minutes, TimePoint now) {
  if (!Owes(h)) return OutOfOrder(h, "ask for an extension");
  for (const auto& e : h.extensions()) {
    if (e.state() == pb::EXTENSION_STATE_PENDING) {
      return absl::FailedPreconditionError("an extension of " + h.unit() +
                                           " is already awaiting a decision");
    }
  }
  const CivilDate wanted = *ParseDate(due);
  const auto current = ParseDate(h.due_date());
  if (current && !(*current < wanted)) {
    return InvalidField("requested_due_date", due + " is not after the due date " + h.due_date());
  }
  const CivilDate assigned = DateOf(FromProto(h.assign_time()), utc_offset_minutes);
  const CivilDate limit = AddMonths(assigned, d.max_months);
  if (limit < wanted) {
    return InvalidField("requested_due_date",
                        due + " is more than " + std::to_string(d.max_months) +
                            " months after the assignment (at most " + FormatDate(limit) + ")");
  }
  pb::Extension& e = *h.add_extensions();
  e.set_requested_due_date(due);
  e.set_reason(reason);
  e.set_state(pb::EXTENSION_STATE_PENDING);
  *e.mutable_request_time() = ToProto(now);
  return absl::OkStatus();
}

absl::Status DecideExtension(pb::Handling& h, bool approve, const std::string& by,
                             const std::string& comment, TimePoint) {
  if (!Owes(h)) return OutOfOrder(h, "have an extension decided");
  for (auto& e : *h.mutable_extensions()) {
    if (e.state() != pb::EXTENSION_STATE_PENDING) continue;
    e.set_state(approve ? pb::EXTENSION_STATE_APPROVED : pb::EXTENSION_STATE_REFUSED);
    e.set_decided_by(by);
    e.set_decision_comment(comment);
    if (approve) h.set_due_date(e.requested_due_date());
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError("no extension of " + h.unit() + " awaits a decision");
}

absl::StatusOr<Rated> Rate(pb::Proposal& p, const std::string& rater, const std::string& own_id,
                           pb::Satisfaction s, const std::string& comment,
                           const std::string& rehandling_due, const Deadlines& d, TimePoint now) {
  if (p.state() != pb::PROPOSAL_STATE_REPLIED) {
    return absl::FailedPreconditionError("proposal " + p.id() + " is " + Name(p.state()) +
                                         (p.state() == pb::PROPOSAL_STATE_CLOSED
                                              ? "; it is closed"
                                              : "; it can be rated once it is replied to"));
  }
  if (!Contains({p.raters().begin(), p.raters().end()}, rater)) {
    return absl::PermissionDeniedError(rater + " is not a proposer or confirmed co-signer of " +
                                       "proposal " + p.id() + " and cannot rate it");
  }
  for (const auto& r : p.ratings()) {
    if (r.rater() == rater && r.round() == p.round()) {
      return absl::AlreadyExistsError(rater + " already rated the replies of round " +
                                      std::to_string(p.round()) + " of proposal " + p.id());
    }
  }
  pb::Rating& r = *p.add_ratings();
  r.set_rater(rater);
  r.set_satisfaction(s);
  r.set_comment(comment);
  r.set_round(p.round());
  *r.mutable_rate_time() = ToProto(now);
  r.set_proposal_id(own_id);
  if (s == pb::SATISFACTION_UNSATISFIED && p.rehandling_count() < d.max_rehandlings) {
    p.set_rehandling_count(p.rehandling_count() + 1);
    p.set_round(p.round() + 1);
    p.set_state(pb::PROPOSAL_STATE_HANDLING);
    for (auto& h : *p.mutable_handlings()) {
      if (!Open(h) || !Replies(h.role()) || h.state() != pb::HANDLING_STATE_REPLIED) continue;
      *h.add_earlier_replies() = h.reply();
      h.clear_reply();
      h.set_state(pb::HANDLING_STATE_SIGNED);
      h.set_due_date(rehandling_due);
    }
    return Rated::kRehandling;
  }
  for (const auto& who : p.raters()) {
    const bool in = std::any_of(p.ratings().begin(), p.ratings().end(), [&](const auto& x) {
      return x.rater() == who && x.round() == p.round();
    });
    if (!in) return Rated::kRecorded;
  }
  p.set_state(pb::PROPOSAL_STATE_CLOSED);
  *p.mutable_close_time() = ToProto(now);
  return Rated::kClosed;
}

bool Replies(pb::HandlingRole role) {
  return role == pb::HANDLING_ROLE_SOLE || role == pb::HANDLING_ROLE_LEAD ||
         role == pb::HANDLING_ROLE_SPLIT;
}

bool Owes(const pb::Handling& h) {
  return Replies(h.role()) &&
         (h.state() == pb::HANDLING_STATE_ASSIGNED || h.state() == pb::HANDLING_STATE_SIGNED);
}

// ---- Deadline timers ----

std::vector<DeadlineTimer> TimersFor(const calendar::WorkCalendar& cal, const Deadlines& d,
                                     const pb::Handling& h, const CivilDate& today) {
  std::vector<DeadlineTimer> out;
  const auto due = ParseDate(h.due_date());
  if (!due || !Replies(h.role())) return out;
  const std::string prefix = std::to_string(h.seq()) + ":";
  const std::string suffix = "@" + h.due_date();
  for (int n : d.remind_before) {
    // The n-th working day before the due date: the day from which n working days remain.
    CivilDate day = *due;
    for (int left = 0; left < n;) {
      day = calendar::AddDays(day, -1);
      if (cal.IsWorkingDay(day)) ++left;
    }
    if (today < day || day == today) {
      out.push_back({prefix + "remind:" + std::to_string(n) + suffix, day});
    }
  }
  out.push_back({prefix + "overdue" + suffix, cal.AddWorkingDays(*due, 1)});
  return out;
}

TimerDecision DecideTimer(const calendar::WorkCalendar& cal, const pb::Proposal& p,
                          const std::string& timer, const CivilDate& today) {
  TimerDecision out{kSkipped, false, 0, 0};
  const auto colon = timer.find(':');
  if (colon == std::string::npos) return out;
  try {
    out.seq = std::stoi(timer.substr(0, colon));
  } catch (...) {
    return out;
  }
  const pb::Handling* h = nullptr;
  for (const auto& x : p.handlings()) {
    if (x.seq() == out.seq) h = &x;
  }
  if (h == nullptr || !Owes(*h) || p.state() != pb::PROPOSAL_STATE_HANDLING) return out;
  const auto due = ParseDate(h->due_date());
  if (!due) return out;
  // "<what>@<due date>": a timer of a due date that has moved since is moot.
  std::string what = timer.substr(colon + 1);
  if (const auto at = what.find('@'); at != std::string::npos) {
    if (what.substr(at + 1) != h->due_date()) return out;
    what.resize(at);
  }
  out.overdue = what == "overdue";
  if (out.overdue) {
    if (!(*due < today)) return out;  // moved by an extension since
    out.working_days = cal.WorkingDaysBetween(*due, today);
  } else {
    if (*due < today) return out;  // late: the overdue timer speaks now
    out.working_days = cal.WorkingDaysBetween(today, *due);
  }
  out.outcome = kFired;
  return out;
}

}  // namespace zs::proposals

#include "domain/circulation.h"

#include <algorithm>
#include <set>

#include "core/validation.h"
#include "domain/coordination.h"

namespace zs::coordination::circulation {

namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

int64_t LimitMs(const pb::Document& d) {
  return d.has_handling_limit() ? ToMillis(FromProto(d.handling_limit())) : 0;
}

bool StageRead(const pb::Stage& s) {
  return std::all_of(s.readings().begin(), s.readings().end(),
                     [](const pb::Reading& r) { return r.has_read_at(); });
}

// "stages[i]" for a route, "stage" for a single step.
std::string StageField(const std::string& field, size_t i) {
  return field == "stage" ? field : field + "[" + std::to_string(i) + "]";
}

}  // namespace

std::string UrgencyName(pb::Urgency u) {
  switch (u) {
    case pb::URGENCY_NORMAL:
      return "NORMAL";
    case pb::URGENCY_URGENT:
      return "URGENT";
    case pb::URGENCY_EXTRA_URGENT:
      return "EXTRA_URGENT";
    default:
      return "";
  }
}

bool IsUrgent(pb::Urgency u) { return u == pb::URGENCY_URGENT || u == pb::URGENCY_EXTRA_URGENT; }

std::string DerivedTitle(const pb::Document& d) {
  return IsSecret(d) ? d.number() + " 批办件" : d.title();
}

absl::Status ValidateRegistration(const pb::Document& d, const Limits& l, TimePoint now) {
  if (auto s = ValidateText(d.source(), "document.source", 100, true); !s.ok()) return s;
  if (auto s = ValidateText(d.number(), "document.number", 64, true); !s.ok()) return s;
  if (auto s = ValidateText(d.title(), "document.title", l.max_title_chars, true); !s.ok()) {
    return s;
  }
  if (d.urgency() == pb::URGENCY_UNSPECIFIED || !pb::Urgency_IsValid(d.urgency())) {
    return InvalidField("document.urgency", "required: NORMAL, URGENT or EXTRA_URGENT");
  }
  if (SecrecyName(d.secrecy_level()).empty()) {
    return InvalidField("document.secrecy_level", "must be 0 (非密) to 3 (绝密)");
  }
  if (d.has_received_at()) {
    if (auto s = CheckTime(d.received_at(), "document.received_at"); !s.ok()) return s;
  }
  if (d.has_handling_limit()) {
    if (auto s = CheckTime(d.handling_limit(), "document.handling_limit"); !s.ok()) return s;
  }
  const TimePoint received = d.has_received_at() ? FromProto(d.received_at()) : now;
  if (d.has_received_at() && received > now + std::chrono::hours(24)) {
    return InvalidField("document.received_at", "lies in the future");
  }
  if (IsUrgent(d.urgency()) && !d.has_handling_limit()) {
    return InvalidField("document.handling_limit", "required for an urgent document");
  }
  if (d.has_handling_limit() && FromProto(d.handling_limit()) <= received) {
    return InvalidField("document.handling_limit", "must be after the document was received");
  }
  return absl::OkStatus();
}

absl::Status ValidateStages(const std::vector<pb::StageSpec>& stages, const Limits& l,
                            const std::vector<std::string>& already, const std::string& field) {
  if (stages.empty()) return InvalidField(field, "at least one stage is required");
  if (stages.size() > l.max_stages) {
    return InvalidField(field, "at most " + std::to_string(l.max_stages) + " stages");
  }
  std::set<std::string> seen(already.begin(), already.end());
  for (size_t i = 0; i < stages.size(); ++i) {
    const auto& s = stages[i];
    const std::string f = StageField(field, i);
    if (s.kind() == pb::STAGE_KIND_UNSPECIFIED || !pb::StageKind_IsValid(s.kind())) {
      return InvalidField(f + ".kind",
                          "required: PROPOSE (拟办), INSTRUCT (批办) or CIRCULATE (传阅)");
    }
    if (s.order() == pb::STAGE_ORDER_UNSPECIFIED || !pb::StageOrder_IsValid(s.order())) {
      return InvalidField(f + ".order", "required: SEQUENTIAL or PARALLEL");
    }
    if (s.readers().empty()) return InvalidField(f + ".readers", "at least one reader is required");
    if (static_cast<size_t>(s.readers_size()) > l.max_readers) {
      return InvalidField(f + ".readers", "at most " + std::to_string(l.max_readers) + " readers");
    }
    for (int j = 0; j < s.readers_size(); ++j) {
      const std::string& r = s.readers(j);
      const std::string rf = f + ".readers[" + std::to_string(j) + "]";
      if (auto st = ValidateId(r, rf); !st.ok()) return st;
      if (!seen.insert(r).second) return InvalidField(rf, "reader " + r + " is routed twice");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReadersExist(const org::OrgTree& org, const std::string& tenant,
                               const std::vector<pb::StageSpec>& stages, const std::string& field) {
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string f = StageField(field, i);
    for (int j = 0; j < stages[i].readers_size(); ++j) {
      const std::string& r = stages[i].readers(j);
      const org::User* u = org.FindUser(r);
      if (u == nullptr || u->tenant != tenant) {
        return InvalidField(f + ".readers[" + std::to_string(j) + "]",
                            "reader " + r + " is not a user of " + tenant);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckClearance(const org::OrgTree& org, int secrecy_level,
                            const std::vector<pb::StageSpec>& stages, const std::string& field) {
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string f = StageField(field, i);
    for (int j = 0; j < stages[i].readers_size(); ++j) {
      const std::string& r = stages[i].readers(j);
      const org::User* u = org.FindUser(r);
      const int clearance = u == nullptr ? 0 : u->clearance;
      if (clearance < secrecy_level) {
        return InvalidField(f + ".readers[" + std::to_string(j) + "]",
                            "reader " + r + " has clearance " + SecrecyName(clearance) +
                                ", below the document's " + SecrecyName(secrecy_level));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateInstruction(const pb::RecordInstructionRequest& r, const Limits& l,
                                 const CivilDate& today) {
  if (auto s = ValidateId(r.id(), "id"); !s.ok()) return s;
  if (auto s = ValidateText(r.text(), "text", l.max_text_chars, true); !s.ok()) return s;
  if (r.directed_units().empty()) {
    return InvalidField("directed_units", "at least one unit is required");
  }
  if (static_cast<size_t>(r.directed_units_size()) > l.max_units) {
    return InvalidField("directed_units", "at most " + std::to_string(l.max_units) + " units");
  }
  auto due = ParseDate(r.due_date());
  if (!due) return InvalidField("due_date", "required, as YYYY-MM-DD");
  if (*due < today) return InvalidField("due_date", "lies in the past");
  return absl::OkStatus();
}

absl::StatusOr<Scope> ScopeFor(const org::OrgTree& org, const auth::Principal& caller) {
  if (org.FindTenant(caller.tenant) == nullptr) {
    return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
  }
  Scope s;
  s.tenant = caller.tenant;
  s.reader = caller.subject;
  if (caller.HasRole("service")) {
    s.all = true;
    s.clearance = 3;
    return s;
  }
  const org::User* u = org.FindUser(caller.subject);
  if (u == nullptr || u->tenant != caller.tenant) {
    // A token of someone the org does not know reads nothing routed (no clearance either).
    s.clearance = 0;
    return s;
  }
  s.clearance = u->clearance;
  s.all = caller.HasRole("coordinator");
  return s;
}

cond::Cond Visible(const Scope& scope) {
  std::vector<cond::Cond> all{cond::Eq("tenant", scope.tenant)};
  if (scope.clearance < 3) {
    std::vector<std::string> levels;
    for (int i = 0; i <= scope.clearance; ++i) levels.push_back(std::to_string(i));
    all.push_back(cond::In("secrecy", levels));
  }
  if (!scope.all) all.push_back(cond::Related(kRoutedTo, scope.reader));
  return cond::All(std::move(all));
}

bool MayRead(const Scope& scope, const pb::Document& d) {
  if (d.tenant() != scope.tenant) return false;
  if (d.secrecy_level() > scope.clearance) return false;
  return scope.all || IsRoutedTo(d, scope.reader);
}

std::vector<std::string> ReadersOf(const pb::Document& d) {
  std::vector<std::string> out;
  for (const auto& s : d.stages()) {
    for (const auto& r : s.readings()) out.push_back(r.reader());
  }
  return out;
}

bool IsRoutedTo(const pb::Document& d, const std::string& subject) {
  return Contains(ReadersOf(d), subject);
}

std::vector<std::string> CurrentReaders(const pb::Document& d) {
  for (const auto& s : d.stages()) {
    if (StageRead(s)) continue;
    std::vector<std::string> out;
    for (const auto& r : s.readings()) {
      if (r.has_read_at()) continue;
      out.push_back(r.reader());
      if (s.order() == pb::STAGE_ORDER_SEQUENTIAL) break;
    }
    return out;
  }
  return {};
}

std::vector<std::string> PendingReaders(const pb::Document& d) {
  std::vector<std::string> out;
  for (const auto& s : d.stages()) {
    for (const auto& r : s.readings()) {
      if (!r.has_read_at()) out.push_back(r.reader());
    }
  }
  return out;
}

bool AllRead(const pb::Document& d) { return PendingReaders(d).empty(); }

pb::Document NewDocument(const pb::Document& requested, const std::string& id,
                         const std::string& tenant, const std::string& by, TimePoint now) {
  pb::Document d;
  d.set_id(id);
  d.set_version(1);
  d.set_tenant(tenant);
  d.set_source(requested.source());
  d.set_number(requested.number());
  d.set_title(requested.title());
  d.set_urgency(requested.urgency());
  d.set_secrecy_level(requested.secrecy_level());
  d.set_secrecy_name(SecrecyName(requested.secrecy_level()));
  if (requested.has_handling_limit()) *d.mutable_handling_limit() = requested.handling_limit();
  *d.mutable_received_at() = requested.has_received_at() ? requested.received_at() : ToProto(now);
  d.set_registered_by(by);
  *d.mutable_registered_at() = ToProto(now);
  d.set_state(pb::DOCUMENT_STATE_REGISTERED);
  return d;
}

absl::Status AddStages(pb::Document& d, const std::vector<pb::StageSpec>& stages, bool first,
                       const org::OrgTree& org) {
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return absl::FailedPreconditionError("document " + d.id() + " is completed (办结)");
  }
  if (first && d.stages_size() > 0) {
    return absl::FailedPreconditionError("document " + d.id() +
                                         " is routed already; append with AddRouteStep");
  }
  for (const auto& spec : stages) {
    auto* st = d.add_stages();
    st->set_seq(d.stages_size());
    st->set_kind(spec.kind());
    st->set_order(spec.order());
    for (const auto& r : spec.readers()) {
      auto* reading = st->add_readings();
      reading->set_reader(r);
      if (const auto* u = org.FindUser(r)) reading->set_reader_name(u->name);
    }
  }
  d.set_state(pb::DOCUMENT_STATE_CIRCULATING);
  return absl::OkStatus();
}

absl::Status MarkRead(pb::Document& d, const std::string& subject, const std::string& comment,
                      TimePoint now) {
  pb::Reading* mine = nullptr;
  for (auto& s : *d.mutable_stages()) {
    for (auto& r : *s.mutable_readings()) {
      if (r.reader() == subject) mine = &r;
    }
  }
  if (mine == nullptr) {
    return absl::FailedPreconditionError("document " + d.id() + " is not routed to " + subject);
  }
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return absl::FailedPreconditionError("document " + d.id() + " is completed (办结)");
  }
  if (mine->has_read_at()) {
    return absl::FailedPreconditionError(subject + " has read document " + d.id() + " already");
  }
  if (!Contains(CurrentReaders(d), subject)) {
    return absl::FailedPreconditionError("it is not " + subject + "'s turn to read document " +
                                         d.id() + "; waiting for " + [&] {
                                           std::string s;
                                           for (const auto& r : CurrentReaders(d)) {
                                             s += (s.empty() ? "" : ", ") + r;
                                           }
                                           return s;
                                         }());
  }
  *mine->mutable_read_at() = ToProto(now);
  mine->set_comment(comment);
  return absl::OkStatus();
}

absl::StatusOr<pb::Instruction> AddInstruction(pb::Document& d, const auth::Principal& leader,
                                               const pb::RecordInstructionRequest& r,
                                               const std::string& id, TimePoint now) {
  if (!leader.HasRole("leader") || !IsRoutedTo(d, leader.subject)) {
    return absl::PermissionDeniedError(
        "an instruction (批示) is written by a leader the document is routed to");
  }
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return absl::FailedPreconditionError("document " + d.id() + " is completed (办结)");
  }
  pb::Instruction in;
  in.set_id(id);
  in.set_leader(leader.subject);
  in.set_leader_name(leader.name);
  in.set_text(r.text());
  *in.mutable_directed_units() = r.directed_units();
  in.set_due_date(r.due_date());
  *in.mutable_recorded_at() = ToProto(now);
  *d.add_instructions() = in;
  return in;
}

absl::Status SetLimit(pb::Document& d, const google::protobuf::Timestamp& limit) {
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return absl::FailedPreconditionError("document " + d.id() + " is completed (办结)");
  }
  if (auto s = CheckTime(limit, "handling_limit"); !s.ok()) return s;
  if (FromProto(limit) <= FromProto(d.received_at())) {
    return InvalidField("handling_limit", "must be after the document was received");
  }
  *d.mutable_handling_limit() = limit;
  return absl::OkStatus();
}

absl::Status Complete(pb::Document& d, const std::string& by, TimePoint now) {
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return absl::FailedPreconditionError("document " + d.id() + " is completed already");
  }
  if (d.stages_size() == 0) {
    return absl::FailedPreconditionError("document " + d.id() + " has not been routed");
  }
  const auto pending = PendingReaders(d);
  if (!pending.empty()) {
    std::string who;
    for (const auto& r : pending) who += (who.empty() ? "" : ", ") + r;
    return absl::FailedPreconditionError("document " + d.id() + " is still to be read by " + who);
  }
  d.set_state(pb::DOCUMENT_STATE_COMPLETED);
  d.set_completed_by(by);
  *d.mutable_completed_at() = ToProto(now);
  return absl::OkStatus();
}

std::vector<LimitTimer> LimitTimers(const pb::Document& d,
                                    std::chrono::milliseconds remind_before) {
  if (!IsUrgent(d.urgency()) || !d.has_handling_limit() ||
      d.state() == pb::DOCUMENT_STATE_COMPLETED) {
    return {};
  }
  const int64_t limit = LimitMs(d);
  const std::string suffix = "@" + std::to_string(limit);
  return {{"remind" + suffix, limit - remind_before.count()}, {"escalate" + suffix, limit}};
}

std::string DecideLimitTimer(const pb::Document& d, const std::string& name) {
  if (d.state() == pb::DOCUMENT_STATE_COMPLETED || !IsUrgent(d.urgency())) return "skipped";
  const auto at = name.find('@');
  if (at == std::string::npos || name.substr(at + 1) != std::to_string(LimitMs(d))) {
    return "superseded";
  }
  return "fired";
}

bool IsEscalation(const std::string& timer_name) { return timer_name.starts_with("escalate@"); }

}  // namespace zs::coordination::circulation

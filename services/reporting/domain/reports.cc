#include "domain/reports.h"

#include <algorithm>
#include <set>

#include "calendar/calendar.h"
#include "core/time_util.h"
#include "core/validation.h"

namespace zs::reporting {
namespace {

using zhongshu::common::v1::Level;

// Local midnight at the start of `d`.
TimePoint StartOfDay(const CivilDate& d, int utc_offset_minutes) {
  const auto days = std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
      std::chrono::day(static_cast<unsigned>(d.day))));
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      (days - std::chrono::minutes(utc_offset_minutes)).time_since_epoch()));
}

std::string StateName(pb::ReportState s) { return pb::ReportState_Name(s); }

absl::Status ValidateTitle(const std::string& title, const Limits& l, const std::string& field) {
  if (Blank(title)) return InvalidField(field, "must not be empty");
  if (Utf8Length(title) > l.max_title_chars) {
    return InvalidField(field, "longer than " + std::to_string(l.max_title_chars) + " characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateBody(const std::string& body, const Limits& l, const std::string& field) {
  if (body.size() > l.max_body_bytes) {
    return InvalidField(field, std::to_string(body.size()) + " bytes exceeds the limit of " +
                                   std::to_string(l.max_body_bytes));
  }
  return absl::OkStatus();
}

absl::Status ValidateTags(const google::protobuf::RepeatedPtrField<std::string>& tags,
                          const Limits& l, const std::string& field) {
  if (static_cast<size_t>(tags.size()) > l.max_tags) {
    return InvalidField(field, "more than " + std::to_string(l.max_tags) + " tags");
  }
  for (const auto& t : tags) {
    if (Blank(t) || Utf8Length(t) > l.max_tag_chars) {
      return InvalidField(
          field, "each tag must be 1 to " + std::to_string(l.max_tag_chars) + " characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateKind(pb::ReportKind k, const std::string& field) {
  if (k == pb::REPORT_KIND_UNSPECIFIED || !pb::ReportKind_IsValid(k))
    return InvalidField(field, "required");
  return absl::OkStatus();
}

absl::Status ValidateSensitivity(pb::Sensitivity s, const std::string& field) {
  if (s == pb::SENSITIVITY_UNSPECIFIED || !pb::Sensitivity_IsValid(s))
    return InvalidField(field, "required");
  return absl::OkStatus();
}

bool Editable(const pb::Report& r) {
  return r.state() == pb::REPORT_STATE_DRAFT || r.state() == pb::REPORT_STATE_RETURNED;
}

void Touch(pb::Report& r, TimePoint now) {
  *r.mutable_update_time() = ToProto(now);
  r.set_version(r.version() + 1);
}

}  // namespace

absl::Status ValidateNewReport(const pb::Report& r, const org::OrgTree& org, const Limits& l) {
  if (auto s = ValidateTitle(r.title(), l, "report.title"); !s.ok()) return s;
  if (auto s = ValidateBody(r.body(), l, "report.body"); !s.ok()) return s;
  if (auto s = ValidateKind(r.kind(), "report.kind"); !s.ok()) return s;
  if (auto s = ValidateSensitivity(r.sensitivity(), "report.sensitivity"); !s.ok()) return s;
  if (auto s = ValidateTags(r.tags(), l, "report.tags"); !s.ok()) return s;
  if (!r.unit_id().empty() && org.FindUnit(r.unit_id()) == nullptr) {
    return InvalidField("report.unit_id", "unknown unit '" + r.unit_id() + "'");
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdate(const pb::Report& r, const std::vector<std::string>& mask,
                            const Limits& l, std::vector<std::string>* paths) {
  if (auto s = ValidateId(r.id(), "report.id"); !s.ok()) return s;
  static const std::set<std::string> kEditable = {"title", "body", "kind", "sensitivity", "tags"};
  *paths = mask;
  if (paths->empty()) paths->assign(kEditable.begin(), kEditable.end());
  for (const auto& p : *paths) {
    if (!kEditable.count(p)) {
      return InvalidField(
          "update_mask",
          "'" + p + "' cannot be updated; use title, body, kind, sensitivity or tags");
    }
    absl::Status s;
    if (p == "title") s = ValidateTitle(r.title(), l, "report.title");
    if (p == "body") s = ValidateBody(r.body(), l, "report.body");
    if (p == "kind") s = ValidateKind(r.kind(), "report.kind");
    if (p == "sensitivity") s = ValidateSensitivity(r.sensitivity(), "report.sensitivity");
    if (p == "tags") s = ValidateTags(r.tags(), l, "report.tags");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateReturn(const std::string& id, const std::string& comment, const Limits& l) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  if (Blank(comment)) {
    return InvalidField("comment", "required: say what to change");
  }
  if (Utf8Length(comment) > l.max_comment_chars) {
    return InvalidField("comment",
                        "longer than " + std::to_string(l.max_comment_chars) + " characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateAdopt(const std::string& id, Level level) {
  if (auto s = ValidateId(id, "id"); !s.ok()) return s;
  if (level == zhongshu::common::v1::LEVEL_UNSPECIFIED ||
      !zhongshu::common::v1::Level_IsValid(level)) {
    return InvalidField("level", "required: county, city, province or central");
  }
  return absl::OkStatus();
}

absl::Status ValidateInstruction(const pb::Instruction& in, const org::OrgTree& org,
                                 const Limits& l, TimePoint now) {
  if (auto s = ValidateId(in.report_id(), "instruction.report_id"); !s.ok()) return s;
  if (Blank(in.text())) {
    return InvalidField("instruction.text", "must not be empty");
  }
  if (Utf8Length(in.text()) > l.max_instruction_chars) {
    return InvalidField("instruction.text",
                        "longer than " + std::to_string(l.max_instruction_chars) + " characters");
  }
  if (in.directed_units().empty()) {
    return InvalidField("instruction.directed_units", "name at least one unit to handle it");
  }
  if (static_cast<size_t>(in.directed_units().size()) > l.max_directed_units) {
    return InvalidField("instruction.directed_units",
                        "more than " + std::to_string(l.max_directed_units) + " units");
  }
  std::set<std::string> seen;
  for (const auto& u : in.directed_units()) {
    if (org.FindUnit(u) == nullptr)
      return InvalidField("instruction.directed_units", "unknown unit '" + u + "'");
    if (!seen.insert(u).second)
      return InvalidField("instruction.directed_units", "unit '" + u + "' named twice");
  }
  const auto due = ParseDate(in.due_date());
  if (!due) return InvalidField("instruction.due_date", "required as YYYY-MM-DD");
  if (*due < DateOf(now, l.utc_offset_minutes)) {
    return InvalidField("instruction.due_date", in.due_date() + " is in the past");
  }
  return absl::OkStatus();
}

absl::StatusOr<ReadScope> ReadScopeFor(const org::OrgTree& org, const auth::Principal& caller) {
  if (org.FindTenant(caller.tenant) == nullptr) {
    return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
  }
  ReadScope scope;
  scope.own_unit = caller.unit;
  scope.subject = caller.subject;
  if (auth::MayReadNegative(caller)) {
    scope.tenants = org.Subtree(caller.tenant);
    scope.negative = true;
  } else if (caller.HasAnyRole({"supervisor", "coordinator"})) {
    scope.tenants = org.Subtree(caller.tenant);
  } else if (caller.HasAnyRole({"clerk", "unit_handler"})) {
    if (caller.unit.empty()) return absl::PermissionDeniedError("caller belongs to no unit");
    scope.tenants = {caller.tenant};
    scope.only_unit = caller.unit;
  } else {
    return absl::PermissionDeniedError(
        "reading reports needs the clerk, editor, leader, supervisor, "
        "coordinator or unit_handler role");
  }
  return scope;
}

cond::Cond VisibleReports(const ReadScope& scope) {
  std::vector<cond::Cond> all = {cond::In("tenant", scope.tenants)};
  if (!scope.only_unit.empty()) all.push_back(cond::Eq("unit_id", scope.only_unit));
  // Negative information: editors and leaders, and the report's own author.
  if (!scope.negative) {
    all.push_back(cond::Any({cond::Ne("sensitivity", int64_t{pb::SENSITIVITY_NEGATIVE}),
                             cond::Eq("author", scope.subject)}));
  }
  // Drafts: their own unit, and their author.
  all.push_back(
      cond::Any({cond::Ne("state", int64_t{pb::REPORT_STATE_DRAFT}),
                 cond::Eq("unit_id", scope.own_unit), cond::Eq("author", scope.subject)}));
  return cond::All(std::move(all));
}

cond::Columns ReportColumns(const pb::Report& r) {
  return {[&r](std::string_view c) -> cond::Value {
            if (c == "tenant") return r.tenant();
            if (c == "unit_id") return r.unit_id();
            if (c == "author") return r.author();
            if (c == "state") return int64_t{r.state()};
            if (c == "sensitivity") return int64_t{r.sensitivity()};
            return std::string();
          },
          {}};
}

bool MayRead(const ReadScope& scope, const pb::Report& r) {
  return cond::Matches(VisibleReports(scope), ReportColumns(r));
}

bool MayReadInstruction(const ReadScope& scope, const auth::Principal& caller,
                        const pb::Instruction& in, const pb::Report& report) {
  if (MayRead(scope, report)) return true;
  if (report.sensitivity() == pb::SENSITIVITY_NEGATIVE) return false;
  if (!caller.HasRole("unit_handler")) return false;
  return std::find(in.directed_units().begin(), in.directed_units().end(), caller.unit) !=
         in.directed_units().end();
}

absl::Status RequireRole(const auth::Principal& caller, std::initializer_list<std::string_view> any,
                         std::string_view action) {
  if (caller.HasAnyRole(any)) return absl::OkStatus();
  std::string roles;
  for (auto r : any) roles += (roles.empty() ? "" : " or ") + std::string(r);
  return absl::PermissionDeniedError(std::string(action) + " needs the " + roles + " role");
}

absl::Status MayAuthorFor(const org::OrgTree& org, const auth::Principal& caller,
                          const std::string& unit_id) {
  if (caller.HasRole("editor") && auth::MaySeeUnit(org, caller, unit_id)) return absl::OkStatus();
  if (caller.HasRole("clerk") && unit_id == caller.unit) return absl::OkStatus();
  return absl::PermissionDeniedError("you may not write reports for unit " + unit_id);
}

absl::Status MayEdit(const auth::Principal& caller, const pb::Report& r) {
  if (r.author() == caller.subject) return absl::OkStatus();
  if (caller.HasRole("clerk") && r.unit_id() == caller.unit) return absl::OkStatus();
  return absl::PermissionDeniedError("only the submitting unit's clerks may change report " +
                                     r.id());
}

absl::Status ApplyUpdate(pb::Report& r, const pb::Report& patch,
                         const std::vector<std::string>& paths, TimePoint now) {
  if (!Editable(r)) {
    return absl::FailedPreconditionError("report " + r.id() + " is " + StateName(r.state()) +
                                         "; only DRAFT or RETURNED reports can be changed");
  }
  for (const auto& p : paths) {
    if (p == "title") r.set_title(patch.title());
    if (p == "body") r.set_body(patch.body());
    if (p == "kind") r.set_kind(patch.kind());
    if (p == "sensitivity") r.set_sensitivity(patch.sensitivity());
    if (p == "tags") *r.mutable_tags() = patch.tags();
  }
  Touch(r, now);
  return absl::OkStatus();
}

absl::Status Submit(pb::Report& r, TimePoint now) {
  if (!Editable(r)) {
    return absl::FailedPreconditionError("report " + r.id() + " is " + StateName(r.state()) +
                                         "; only DRAFT or RETURNED reports can be submitted");
  }
  r.set_state(pb::REPORT_STATE_SUBMITTED);
  *r.mutable_submit_time() = ToProto(now);
  Touch(r, now);
  return absl::OkStatus();
}

absl::Status MayReturn(const pb::Report& r, int64_t instructions) {
  if (instructions > 0) {
    return absl::FailedPreconditionError("report " + r.id() +
                                         " has a leader's instruction; it cannot be returned");
  }
  return absl::OkStatus();
}

pb::Report NewReport(const pb::Report& want, const std::string& id, const org::Unit& unit,
                     const std::string& author, TimePoint now) {
  pb::Report r;
  r.set_id(id);
  r.set_tenant(unit.tenant);
  r.set_title(want.title());
  r.set_body(want.body());
  r.set_kind(want.kind());
  r.set_sensitivity(want.sensitivity());
  *r.mutable_tags() = want.tags();
  r.set_unit_id(unit.id);
  r.set_author(author);
  r.set_state(pb::REPORT_STATE_DRAFT);
  *r.mutable_create_time() = ToProto(now);
  *r.mutable_update_time() = ToProto(now);
  r.set_origin_node(unit.tenant);
  r.set_origin_id(id);
  r.set_version(1);
  r.set_call_id(want.call_id());
  if (r.kind() == pb::REPORT_KIND_EMERGENCY) {
    const auto& we = want.emergency();
    auto* e = r.mutable_emergency();
    e->set_grade(we.grade());
    *e->mutable_occurred_at() = we.occurred_at();
    if (we.has_learned_at()) *e->mutable_learned_at() = we.learned_at();
    e->set_place(we.place());
    *e->mutable_casualties() = we.casualties();
    e->set_previous_id(we.previous_id());
    e->set_phase(we.previous_id().empty()                  ? pb::EMERGENCY_PHASE_INITIAL
                 : we.phase() == pb::EMERGENCY_PHASE_FINAL ? pb::EMERGENCY_PHASE_FINAL
                                                           : pb::EMERGENCY_PHASE_FOLLOW_UP);
  }
  return r;
}

absl::Status Return(pb::Report& r, const std::string& comment, TimePoint now) {
  if (r.state() != pb::REPORT_STATE_SUBMITTED) {
    return absl::FailedPreconditionError("report " + r.id() + " is " + StateName(r.state()) +
                                         "; only SUBMITTED reports can be returned");
  }
  r.set_state(pb::REPORT_STATE_RETURNED);
  r.set_return_comment(comment);
  Touch(r, now);
  return absl::OkStatus();
}

absl::Status Adopt(pb::Report& r, Level level, const std::string& editor, TimePoint now) {
  if (r.state() != pb::REPORT_STATE_SUBMITTED) {
    return absl::FailedPreconditionError("report " + r.id() + " is " + StateName(r.state()) +
                                         "; only SUBMITTED reports can be adopted");
  }
  r.set_state(pb::REPORT_STATE_ADOPTED);
  r.set_adoption_level(level);
  r.set_adopted_by(editor);
  Touch(r, now);
  return absl::OkStatus();
}

absl::Status CheckInstructable(const pb::Report& r) {
  if (r.state() != pb::REPORT_STATE_SUBMITTED && r.state() != pb::REPORT_STATE_ADOPTED) {
    return absl::FailedPreconditionError("report " + r.id() + " is " + StateName(r.state()) +
                                         "; instructions go on SUBMITTED or ADOPTED reports");
  }
  return absl::OkStatus();
}

bool Answer(pb::Instruction& in, const std::string& item_id, const std::string& summary,
            TimePoint now) {
  if (in.state() == pb::INSTRUCTION_STATE_ANSWERED) return false;
  in.set_state(pb::INSTRUCTION_STATE_ANSWERED);
  in.set_supervision_item_id(item_id);
  in.set_answer_summary(summary);
  *in.mutable_answer_time() = ToProto(now);
  return true;
}

absl::Status ValidateEmergency(const pb::Report& r, TimePoint now) {
  const bool is_emergency = r.kind() == pb::REPORT_KIND_EMERGENCY;
  if (!is_emergency) {
    if (r.has_emergency()) {
      return InvalidField("report.emergency", "only reports of kind EMERGENCY have one");
    }
    return absl::OkStatus();
  }
  if (!r.has_emergency()) return InvalidField("report.emergency", "required for kind EMERGENCY");
  const auto& e = r.emergency();
  if (e.grade() == pb::EMERGENCY_GRADE_UNSPECIFIED || !pb::EmergencyGrade_IsValid(e.grade())) {
    return InvalidField("report.emergency.grade", "required: I, II, III or IV");
  }
  if (!e.has_occurred_at()) return InvalidField("report.emergency.occurred_at", "required");
  const auto skew = std::chrono::minutes(5);  // clocks of reporting units differ a little
  const TimePoint occurred = FromProto(e.occurred_at());
  if (occurred > now + skew)
    return InvalidField("report.emergency.occurred_at", "is in the future");
  if (e.has_learned_at()) {
    const TimePoint learned = FromProto(e.learned_at());
    if (learned < occurred) {
      return InvalidField("report.emergency.learned_at", "is before occurred_at");
    }
    if (learned > now + skew)
      return InvalidField("report.emergency.learned_at", "is in the future");
  }
  if (auto s = ValidateText(e.place(), "report.emergency.place", 200, false); !s.ok()) return s;
  const auto& c = e.casualties();
  if (c.deaths() < 0 || c.injured() < 0 || c.missing() < 0) {
    return InvalidField("report.emergency.casualties", "must not be negative");
  }
  if (e.previous_id().empty()) {
    if (e.phase() != pb::EMERGENCY_PHASE_UNSPECIFIED && e.phase() != pb::EMERGENCY_PHASE_INITIAL) {
      return InvalidField("report.emergency.phase",
                          "a follow-up or final report needs emergency.previous_id");
    }
  } else {
    if (auto s = ValidateId(e.previous_id(), "report.emergency.previous_id"); !s.ok()) return s;
    if (e.phase() == pb::EMERGENCY_PHASE_INITIAL || !pb::EmergencyPhase_IsValid(e.phase())) {
      return InvalidField("report.emergency.phase",
                          "must be FOLLOW_UP or FINAL after a previous report");
    }
  }
  return absl::OkStatus();
}

bool IsLate(const pb::Emergency& e, TimePoint submitted, const EmergencyClocks& clocks) {
  const TimePoint learned = FromProto(e.has_learned_at() ? e.learned_at() : e.occurred_at());
  return submitted - learned > clocks.grade[e.grade()].written;
}

absl::Status CheckFollowUp(const pb::Report& r, const ChainState& chain) {
  if (chain.closed) {
    return absl::FailedPreconditionError("report.emergency.previous_id: chain " + chain.chain_id +
                                         " was closed by its final report");
  }
  if (r.emergency().previous_id() != chain.last_report_id) {
    return absl::FailedPreconditionError(
        "report.emergency.previous_id: " + r.emergency().previous_id() +
        " is not the latest report of chain " + chain.chain_id + "; follow up on " +
        chain.last_report_id);
  }
  return absl::OkStatus();
}

void StampSubmission(pb::Report& r, const ChainState* chain, TimePoint now,
                     const EmergencyClocks& clocks) {
  auto* e = r.mutable_emergency();
  if (!e->has_learned_at()) *e->mutable_learned_at() = e->occurred_at();
  const auto& clock = clocks.grade[e->grade()];
  e->set_phone_limit_minutes(static_cast<int32_t>(clock.phone.count()));
  e->set_written_limit_minutes(static_cast<int32_t>(clock.written.count()));
  if (chain == nullptr) {
    e->set_phase(pb::EMERGENCY_PHASE_INITIAL);
    e->set_chain_id(r.id());
    e->set_sequence(0);
    e->set_late(IsLate(*e, now, clocks));
  } else {
    if (e->phase() == pb::EMERGENCY_PHASE_UNSPECIFIED) e->set_phase(pb::EMERGENCY_PHASE_FOLLOW_UP);
    e->set_chain_id(chain->chain_id);
    e->set_sequence(chain->last_sequence + 1);
    e->set_late(false);  // the clocks govern the initial report
  }
}

absl::Status ValidateCall(const pb::Call& c, const org::OrgTree& org, const Limits& limits,
                          TimePoint now) {
  if (auto s = ValidateText(c.topic(), "call.topic", limits.max_title_chars, true); !s.ok())
    return s;
  if (auto s = ValidateText(c.description(), "call.description", 4000, false); !s.ok()) return s;
  if (c.unit_ids().empty()) return InvalidField("call.unit_ids", "name at least one unit to ask");
  std::set<std::string> seen;
  for (const auto& u : c.unit_ids()) {
    if (org.FindUnit(u) == nullptr)
      return InvalidField("call.unit_ids", "unknown unit '" + u + "'");
    if (!seen.insert(u).second)
      return InvalidField("call.unit_ids", "unit '" + u + "' named twice");
  }
  const auto due = ParseDate(c.due_date());
  if (!due) return InvalidField("call.due_date", "required as YYYY-MM-DD");
  if (*due < DateOf(now, limits.utc_offset_minutes)) {
    return InvalidField("call.due_date", c.due_date() + " is in the past");
  }
  return absl::OkStatus();
}

absl::Status MayAnswer(const pb::Call& c, const std::string& unit) {
  if (std::find(c.unit_ids().begin(), c.unit_ids().end(), unit) == c.unit_ids().end()) {
    return absl::FailedPreconditionError("report.call_id: call " + c.id() + " did not ask unit " +
                                         unit);
  }
  return absl::OkStatus();
}

bool RecordAnswer(pb::Call& c, const std::string& unit, const std::string& report_id,
                  TimePoint now) {
  for (const auto& a : c.answers()) {
    if (a.unit_id() == unit) return false;
  }
  auto* a = c.add_answers();
  a->set_unit_id(unit);
  a->set_report_id(report_id);
  *a->mutable_answer_time() = ToProto(now);
  return true;
}

void FillUnanswered(pb::Call& c) {
  c.clear_unanswered_units();
  for (const auto& u : c.unit_ids()) {
    bool answered = false;
    for (const auto& a : c.answers()) answered = answered || a.unit_id() == u;
    if (!answered) c.add_unanswered_units(u);
  }
}

std::vector<std::string> OverdueUnits(const pb::Call& c, const CivilDate& today) {
  std::vector<std::string> out;
  const auto due = ParseDate(c.due_date());
  if (!due || today <= *due) return out;
  pb::Call copy = c;
  FillUnanswered(copy);
  for (const auto& u : copy.unanswered_units()) {
    if (std::find(c.reminded_units().begin(), c.reminded_units().end(), u) ==
        c.reminded_units().end()) {
      out.push_back(u);
    }
  }
  return out;
}

TimePoint OverdueFrom(const pb::Call& c, int utc_offset_minutes) {
  const auto due = ParseDate(c.due_date());
  if (!due) return TimePoint::max();
  return StartOfDay(calendar::AddDays(*due, 1), utc_offset_minutes);
}

std::vector<std::string> UnitsToRemind(const pb::Call& c, const std::vector<std::string>& units) {
  pb::Call copy = c;
  FillUnanswered(copy);
  const auto& open = copy.unanswered_units();
  std::vector<std::string> out;
  for (const auto& u : units) {
    if (std::find(open.begin(), open.end(), u) != open.end() &&
        std::find(c.reminded_units().begin(), c.reminded_units().end(), u) ==
            c.reminded_units().end() &&
        std::find(out.begin(), out.end(), u) == out.end()) {
      out.push_back(u);
    }
  }
  return out;
}

cond::Cond VisibleCalls(const ReadScope& scope) {
  std::vector<cond::Cond> all = {cond::In("tenant", scope.tenants)};
  if (!scope.only_unit.empty()) all.push_back(cond::Related("asks_unit", scope.only_unit));
  return cond::All(std::move(all));
}

bool MayReadCall(const ReadScope& scope, const pb::Call& c) {
  return cond::Matches(VisibleCalls(scope),
                       {[&c](std::string_view) -> cond::Value { return c.tenant(); },
                        [&c](std::string_view relation, const cond::Value& key) {
                          const auto* unit = std::get_if<std::string>(&key);
                          return relation == "asks_unit" && unit != nullptr &&
                                 std::find(c.unit_ids().begin(), c.unit_ids().end(), *unit) !=
                                     c.unit_ids().end();
                        }});
}

absl::Status ValidateBulletinKind(const std::string& kind, const BulletinKinds& kinds,
                                  const std::string& field) {
  if (kind.empty()) return InvalidField(field, "required");
  if (!kinds.count(kind)) {
    std::string known;
    for (const auto& [code, name] : kinds) known += (known.empty() ? "" : ", ") + code;
    return InvalidField(field, "unknown kind '" + kind + "'; configured kinds: " + known);
  }
  return absl::OkStatus();
}

absl::Status MayCompile(const org::OrgTree& org, const pb::Bulletin& b, const pb::Report& r) {
  if (!org.IsAncestorOrSelf(b.tenant(), r.tenant())) {
    return absl::FailedPreconditionError("report " + r.id() + " is outside bulletin " + b.id() +
                                         "'s jurisdiction");
  }
  return MayAddItem(b, r);
}

absl::Status MayInstructOn(const pb::Bulletin& b, const std::string& report_id) {
  const bool holds =
      std::any_of(b.items().begin(), b.items().end(),
                  [&](const pb::BulletinItem& it) { return it.report_id() == report_id; });
  if (b.state() != pb::BULLETIN_STATE_PUBLISHED || !holds) {
    return absl::FailedPreconditionError("instruction.bulletin_id: report " + report_id +
                                         " is not an item of published bulletin " + b.id());
  }
  return absl::OkStatus();
}

absl::Status MayAddItem(const pb::Bulletin& b, const pb::Report& r) {
  if (b.state() != pb::BULLETIN_STATE_DRAFT) {
    return absl::FailedPreconditionError("bulletin " + b.id() + " is already published");
  }
  if (r.state() != pb::REPORT_STATE_ADOPTED) {
    return absl::FailedPreconditionError("report " + r.id() + " is " +
                                         pb::ReportState_Name(r.state()) +
                                         "; only ADOPTED reports go into a bulletin");
  }
  for (const auto& it : b.items()) {
    if (it.report_id() == r.id()) {
      return absl::FailedPreconditionError("report " + r.id() + " is already in bulletin " +
                                           b.id());
    }
  }
  return absl::OkStatus();
}

absl::Status MayPublish(const pb::Bulletin& b) {
  if (b.state() != pb::BULLETIN_STATE_DRAFT) {
    return absl::FailedPreconditionError("bulletin " + b.id() + " is already published");
  }
  if (b.items().empty()) {
    return absl::FailedPreconditionError("bulletin " + b.id() +
                                         " has no items; add adopted reports first");
  }
  return absl::OkStatus();
}

absl::Status Publish(pb::Bulletin& b, int year, int number, TimePoint now) {
  if (auto s = MayPublish(b); !s.ok()) return s;
  b.set_state(pb::BULLETIN_STATE_PUBLISHED);
  b.set_year(year);
  b.set_number(number);
  *b.mutable_publish_time() = ToProto(now);
  return absl::OkStatus();
}

std::string BulletinSeries(const std::string& kind) { return "bulletin:" + kind; }

cond::Cond VisibleBulletins(const ReadScope& scope) {
  return cond::All(
      {cond::In("tenant", scope.tenants),
       scope.negative ? cond::True() : cond::Eq("state", int64_t{pb::BULLETIN_STATE_PUBLISHED})});
}

bool MayReadBulletin(const ReadScope& scope, const pb::Bulletin& b) {
  return cond::Matches(VisibleBulletins(scope), {[&b](std::string_view c) -> cond::Value {
                                                   if (c == "tenant") return b.tenant();
                                                   return int64_t{b.state()};
                                                 },
                                                 {}});
}

pb::Bulletin VisibleBulletin(const pb::Bulletin& b, const ReadScope& scope) {
  pb::Bulletin out = b;
  out.clear_items();
  int hidden = 0;
  for (const auto& it : b.items()) {
    if (it.sensitivity() == pb::SENSITIVITY_NEGATIVE && !scope.negative) {
      ++hidden;
      continue;
    }
    *out.add_items() = it;
  }
  out.set_hidden_items(hidden);
  return out;
}

zhongshu::common::v1::Level LevelOf(const org::OrgTree& org, const std::string& tenant) {
  switch (org.Depth(tenant)) {
    case 0:
      return zhongshu::common::v1::LEVEL_PROVINCE;
    case 1:
      return zhongshu::common::v1::LEVEL_CITY;
    default:
      return zhongshu::common::v1::LEVEL_COUNTY;
  }
}

std::string LevelName(zhongshu::common::v1::Level level) {
  switch (level) {
    case zhongshu::common::v1::LEVEL_CITY:
      return "市级";
    case zhongshu::common::v1::LEVEL_PROVINCE:
      return "省级";
    case zhongshu::common::v1::LEVEL_CENTRAL:
      return "中央";
    default:
      return "县级";
  }
}

std::vector<pb::UnitRank> Rank(const std::vector<LedgerRow>& entries,
                               const std::vector<const org::Unit*>& units) {
  std::map<std::string, pb::UnitRank> by_unit;
  for (const auto* u : units) {
    auto& r = by_unit[u->id];
    r.set_unit_id(u->id);
    r.set_unit_name(u->name);
  }
  for (const auto& e : entries) {
    auto it = by_unit.find(e.unit_id);
    if (it == by_unit.end()) continue;  // a unit no longer in the org file
    it->second.set_points(it->second.points() + e.points);
    it->second.set_entries(it->second.entries() + 1);
  }
  std::vector<pb::UnitRank> out;
  for (auto& [id, r] : by_unit) out.push_back(std::move(r));
  std::stable_sort(out.begin(), out.end(), [](const pb::UnitRank& a, const pb::UnitRank& b) {
    return a.points() > b.points();
  });
  for (size_t i = 0; i < out.size(); ++i) {
    const bool tied = i > 0 && out[i].points() == out[i - 1].points();
    out[i].set_rank(tied ? out[i - 1].rank() : static_cast<int32_t>(i) + 1);
  }
  return out;
}

std::vector<LedgerRow> AdoptionAwards(const pb::Report& r, Level level, const PointsTable& points,
                                      TimePoint now) {
  const int n = points.adoption[level];
  if (n == 0) return {};
  return {{"adopt:" + r.id(), r.tenant(), r.unit_id(), r.id(), "采用（" + LevelName(level) + "）",
           n, ToMillis(now), static_cast<int>(r.sensitivity())}};
}

std::vector<LedgerRow> InstructionAwards(const org::OrgTree& org, const pb::Instruction& in,
                                         const pb::Report& r, const std::string& leader_tenant,
                                         const PointsTable& points, TimePoint now) {
  const Level level = LevelOf(org, leader_tenant);
  const int n = points.instruction[level];
  if (n == 0) return {};
  return {{"instruction:" + in.id(), r.tenant(), r.unit_id(), r.id(),
           "批示（" + LevelName(level) + "领导）", n, ToMillis(now),
           static_cast<int>(r.sensitivity())}};
}

std::vector<LedgerRow> BulletinAwards(const org::OrgTree& org, const pb::Bulletin& b,
                                      const PointsTable& points, TimePoint now) {
  const auto per_item = points.bulletin.find(b.kind());
  const int each = per_item == points.bulletin.end() ? 0 : per_item->second;
  std::vector<LedgerRow> out;
  if (each == 0) return out;
  for (const auto& it : b.items()) {
    const auto* unit = org.FindUnit(it.unit_id());
    out.push_back({"bulletin:" + b.id() + ":" + it.report_id(), unit ? unit->tenant : b.tenant(),
                   it.unit_id(), it.report_id(),
                   "《" + b.kind_name() + "》" + std::to_string(b.year()) + "年第" +
                       std::to_string(b.number()) + "期刊用",
                   each, ToMillis(now), static_cast<int>(it.sensitivity())});
  }
  return out;
}

std::string RankingsCsv(const std::vector<pb::UnitRank>& ranks) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string csv = "rank,unit_id,unit_name,points,entries\n";
  for (const auto& r : ranks) {
    csv += std::to_string(r.rank()) + "," + field(r.unit_id()) + "," + field(r.unit_name()) + "," +
           std::to_string(r.points()) + "," + std::to_string(r.entries()) + "\n";
  }
  return csv;
}

absl::StatusOr<calendar::Period> RequestedPeriod(const std::string& period,
                                                 const std::string& start_date,
                                                 const std::string& end_date) {
  if (!period.empty()) return calendar::ParsePeriod(period, "period");
  if (start_date.empty() && end_date.empty()) {
    return absl::InvalidArgumentError(
        "period: required (YYYY-MM, YYYY-Qn, YYYY), or start_date and end_date");
  }
  return calendar::RangePeriod(start_date, end_date, "start_date", "end_date");
}

Span SpanOf(const calendar::Period& period, int utc_offset_minutes) {
  return {ToMillis(StartOfDay(period.start, utc_offset_minutes)),
          ToMillis(StartOfDay(calendar::AddDays(period.end, 1), utc_offset_minutes))};
}

absl::StatusOr<RankingsScope> ResolveRankings(const org::OrgTree& org,
                                              const auth::Principal& caller,
                                              const RankingsQuery& query, int utc_offset_minutes) {
  auto period = RequestedPeriod(query.period, query.start_date, query.end_date);
  if (!period.ok()) return period.status();
  const std::string tenant = query.tenant.empty() ? caller.tenant : query.tenant;
  if (org.FindTenant(tenant) == nullptr) {
    return absl::InvalidArgumentError("tenant: unknown tenant '" + tenant + "'");
  }
  if (auto scope = ReadScopeFor(org, caller); !scope.ok()) return scope.status();
  if (!auth::MaySeeTenant(org, caller, tenant)) {
    return absl::PermissionDeniedError("tenant " + tenant + " is outside your jurisdiction");
  }
  return RankingsScope{tenant, *period, SpanOf(*period, utc_offset_minutes)};
}

pb::ListRankingsResponse Rankings(const org::OrgTree& org, const RankingsScope& scope,
                                  const std::vector<LedgerRow>& rows) {
  std::vector<const org::Unit*> units;
  for (const auto& [id, u] : org.units()) {
    if (u.tenant == scope.tenant) units.push_back(&u);
  }
  pb::ListRankingsResponse resp;
  resp.set_period(scope.period.name);
  resp.set_tenant(scope.tenant);
  for (auto& r : Rank(rows, units)) *resp.add_ranks() = std::move(r);
  return resp;
}

absl::Status MayReadScores(const org::OrgTree& org, const auth::Principal& caller,
                           const ReadScope& scope, const std::string& unit_id) {
  if (!auth::MaySeeUnit(org, caller, unit_id) ||
      (!scope.only_unit.empty() && scope.only_unit != unit_id)) {
    return absl::PermissionDeniedError("the score entries of " + unit_id + " are not yours to see");
  }
  return absl::OkStatus();
}

pb::ListScoreEntriesResponse ScoreEntries(const std::vector<LedgerRow>& rows,
                                          const ReadScope& scope) {
  pb::ListScoreEntriesResponse resp;
  for (const auto& r : rows) {
    if (r.sensitivity == pb::SENSITIVITY_NEGATIVE && !scope.negative) {
      resp.set_hidden_entries(resp.hidden_entries() + 1);
      continue;
    }
    auto* e = resp.add_entries();
    e->set_unit_id(r.unit_id);
    e->set_report_id(r.report_id);
    e->set_reason(r.reason);
    e->set_points(r.points);
    *e->mutable_time() = ToProto(FromMillis(r.at_ms));
  }
  return resp;
}

}  // namespace zs::reporting

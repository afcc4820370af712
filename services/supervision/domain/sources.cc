#include "domain/sources.h"

#include <algorithm>

#include "auth/principal.h"
#include "core/ids.h"
#include "core/time_util.h"

namespace zs::supervision {

absl::StatusOr<Sourced> FromInstruction(const ev::InstructionIssued& in, const std::string& tenant,
                                        const ReportContext* report) {
  if (in.directed_units().empty()) {
    return absl::InvalidArgumentError("reporting.instruction.issued without its payload or units");
  }
  if (report != nullptr && !report->tenant.empty() && report->tenant != tenant) {
    return absl::PermissionDeniedError("reporting.instruction.issued of tenant " + tenant +
                                       " names report " + in.report_id() + " of tenant " +
                                       report->tenant);
  }
  Sourced s;
  s.item.set_title("关于《" + in.report_title() + "》的批示");
  s.item.set_source_type(ev::SOURCE_TYPE_LEADER_INSTRUCTION);
  s.item.set_source_ref(in.instruction_id());
  s.item.set_requirement(in.text());
  // Negative information (负面信息) travels with the item: reporting says so in the event, and
  // the report fetched says so too; either is enough.
  const bool negative = in.negative() || report == nullptr || report->negative;
  s.item.set_negative(negative);
  if (!negative) s.item.set_background(report->body);
  s.item.set_instructing_leader(in.leader());
  s.item.set_instructing_leader_name(in.leader_name());
  s.item.set_deadline(in.due_date());
  s.lead_unit = in.directed_units(0);
  s.co_units.assign(in.directed_units().begin() + 1, in.directed_units().end());
  s.deliverable = "落实领导批示要求，报送办理结果";
  return s;
}

namespace {

// The record coordination holds is the one the event names, in the event's tenant, with the same
// units and date: otherwise the event does not hold together and opens nothing.
absl::Status CheckRecord(const std::string& what, const std::string& tenant, const std::string& ref,
                         const std::vector<std::string>& units, const std::string& due_date,
                         const CoordinationRecord& record) {
  if (!record.tenant.empty() && record.tenant != tenant) {
    return absl::PermissionDeniedError(what + " of tenant " + tenant + " names " + ref +
                                       " of tenant " + record.tenant);
  }
  if (!record.found) {
    return absl::FailedPreconditionError(what + " names " + ref +
                                         ", which the coordination service does not hold");
  }
  if (record.units.empty()) {
    return absl::FailedPreconditionError(what + ": " + ref + " names no responsible unit");
  }
  if (units != record.units || due_date != record.due_date) {
    return absl::FailedPreconditionError(what + ": the units or date of " + ref +
                                         " differ from what the coordination service holds");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Sourced> FromMeetingDecision(const ev::MeetingDecisionRecorded& d,
                                            const std::string& tenant,
                                            const CoordinationRecord& record) {
  const std::string what = "coordination.meeting.decision_recorded";
  if (d.decision_id().empty() || d.meeting_id().empty()) {
    return absl::InvalidArgumentError(what + " without its payload");
  }
  std::vector<std::string> units{d.lead_unit()};
  units.insert(units.end(), d.co_units().begin(), d.co_units().end());
  if (auto s =
          CheckRecord(what, tenant, "decision " + d.decision_id() + " of meeting " + d.meeting_id(),
                      units, d.due_date(), record);
      !s.ok()) {
    return s;
  }
  Sourced s;
  s.item.set_title(record.title + " 议定事项");
  s.item.set_source_type(ev::SOURCE_TYPE_STANDING_COMMITTEE_DECISION);
  s.item.set_source_ref(d.decision_id());
  s.item.set_requirement(record.text);
  s.item.set_instructing_leader(record.leader);
  s.item.set_instructing_leader_name(record.leader_name);
  s.item.set_deadline(record.due_date);
  s.lead_unit = record.units.front();
  s.co_units.assign(record.units.begin() + 1, record.units.end());
  s.deliverable = "落实会议议定事项，报送落实情况";
  return s;
}

absl::StatusOr<Sourced> FromDocumentInstruction(const ev::DocumentInstructionRecorded& d,
                                                const std::string& tenant,
                                                const CoordinationRecord& record) {
  const std::string what = "coordination.document.instruction_recorded";
  if (d.instruction_id().empty() || d.document_id().empty()) {
    return absl::InvalidArgumentError(what + " without its payload");
  }
  std::vector<std::string> units{d.directed_units().begin(), d.directed_units().end()};
  if (auto s = CheckRecord(what, tenant,
                           "instruction " + d.instruction_id() + " on document " + d.document_id(),
                           units, d.due_date(), record);
      !s.ok()) {
    return s;
  }
  Sourced s;
  // A classified document is named by its number alone (密件): its title stays with its readers.
  s.item.set_title(record.secret ? "关于 " + record.number + " 密件的批示"
                                 : "关于《" + record.title + "》(" + record.number + ")的批示");
  s.item.set_source_type(ev::SOURCE_TYPE_DOCUMENT_INSTRUCTION);
  s.item.set_source_ref(d.instruction_id());
  s.item.set_requirement(record.text);
  s.item.set_instructing_leader(record.leader);
  s.item.set_instructing_leader_name(record.leader_name);
  s.item.set_deadline(record.due_date);
  s.lead_unit = record.units.front();
  s.co_units.assign(record.units.begin() + 1, record.units.end());
  s.deliverable = "落实批办件要求，报送办理结果";
  return s;
}

absl::StatusOr<std::optional<Sourced>> FromProposalOverdue(const ev::ProposalOverdue& p,
                                                           const std::string& tenant,
                                                           const ProposalContext& proposal) {
  if (p.proposal_id().empty()) {
    return absl::InvalidArgumentError("proposals.handling.overdue without its payload");
  }
  if (proposal.tenant != tenant) {
    return absl::PermissionDeniedError("proposals.handling.overdue of tenant " + tenant +
                                       " names proposal " + p.proposal_id() + " of tenant " +
                                       proposal.tenant);
  }
  if (!proposal.unit_owes) return std::nullopt;
  Sourced s;
  s.item.set_title("督办：第 " + proposal.number + " 号" +
                   (proposal.kind == "npc_suggestion" ? "建议" : "提案") + "《" + proposal.title +
                   "》");
  s.item.set_source_type(ev::SOURCE_TYPE_OVERDUE_PROPOSAL);
  s.item.set_source_ref(p.proposal_id() + "/" + p.unit());  // one item per late unit
  s.item.set_requirement("已逾期 " + std::to_string(p.working_days_overdue()) +
                         " 个工作日未答复（原办理期限 " + p.due_date() +
                         "），请抓紧办理并答复代表委员。");
  s.item.set_priority(pb::PRIORITY_URGENT);
  s.item.set_deadline(p.new_due_date().empty() ? p.due_date() : p.new_due_date());
  s.lead_unit = p.unit();
  s.deliverable = "完成办理并正式答复";
  return s;
}

absl::StatusOr<Opening> OpenSourced(const org::OrgTree& org, const std::string& tenant,
                                    const std::string& what, Sourced s, TimePoint now) {
  if (org.FindTenant(tenant) == nullptr) {
    return absl::InvalidArgumentError(what + ": unknown tenant " + tenant);
  }
  std::erase(s.co_units, s.lead_unit);
  if (auto st = auth::CheckUnit(org, nullptr, tenant, s.lead_unit, what + ": lead"); !st.ok()) {
    return st;
  }
  if (auto st = auth::CheckUnits(org, nullptr, tenant, s.co_units, what + ": co"); !st.ok()) {
    return st;
  }
  if (!ParseDate(s.item.deadline())) {
    return absl::InvalidArgumentError(what + ": bad due date '" + s.item.deadline() + "'");
  }
  Opening o;
  o.item = std::move(s.item);
  const std::string source_key =
      ev::SourceType_Name(o.item.source_type()) + "/" + o.item.source_ref();
  o.item.set_id(DerivedResourceId(tenant, "s", source_key));
  o.item.set_tenant(tenant);
  if (o.item.priority() == pb::PRIORITY_UNSPECIFIED) o.item.set_priority(pb::PRIORITY_HIGH);
  o.item.set_state(pb::ITEM_STATE_OPEN);
  *o.item.mutable_create_time() = ToProto(now);
  o.item.set_version(1);
  o.task.set_id(DerivedResourceId(tenant, "t", source_key + "/1"));
  o.task.set_lead_unit(s.lead_unit);
  for (const auto& u : s.co_units) o.task.add_co_units(u);
  o.task.set_deliverable(s.deliverable);
  o.task.set_due_date(o.item.deadline());
  return o;
}

}  // namespace zs::supervision

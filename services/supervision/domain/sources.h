#pragma once

// Items from other services' events (督查事项的来源): a leader's instruction on a report, a
// standing-committee decision, a document instruction, an overdue proposal. Each event's payload
// maps to the item to open and its first task. Pure functions; no gRPC, Redis or SQL.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "org/org.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/proposals.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/supervision/v1/supervision.pb.h"

namespace zs::supervision {

namespace pb = zhongshu::supervision::v1;
namespace ev = zhongshu::events::v1;

// What supervision learns from the reporting service about an instruction's report.
struct ReportContext {
  std::string body;      // empty when withheld (negative information) or unavailable
  bool negative = true;  // unknown content is treated as negative information (withheld)
  std::string tenant;    // the report's tenant; empty when the report was not found
};

// What supervision learns from the proposals service about an overdue proposal.
struct ProposalContext {
  std::string tenant;  // the proposal's tenant
  std::string title;
  std::string number;
  std::string kind;        // "npc_suggestion" or "cppcc_proposal"
  bool unit_owes = false;  // the named unit still owes its reply (assigned or signed)
};

// What supervision learns from the coordination service about a recorded decision (议定事项) or a
// document instruction (批办件): the record as coordination keeps it. The item is built from this,
// never from the event's words, so an event that names a record coordination does not hold, or
// holds differently, opens nothing.
struct CoordinationRecord {
  std::string tenant;   // the meeting's or document's tenant
  bool found = false;   // the meeting or document holds the decision or instruction named
  std::string title;    // the meeting's title; the document's title (empty when secret)
  std::string number;   // the document's number (文号)
  bool secret = false;  // a classified document (秘密 and above): its title stays out of the item
  std::string text;
  std::string leader;  // who presided or instructed
  std::string leader_name;
  std::vector<std::string> units;  // the lead first, then the co-units
  std::string due_date;
};

// An item to open from another service's event, with its first task.
struct Sourced {
  pb::Item item;  // title, source_type, source_ref, requirement, background, negative, leader,
                  // priority, deadline
  std::string lead_unit;
  std::vector<std::string> co_units;
  std::string deliverable;
};

// "reporting.instruction.issued" in `tenant`: the first directed unit leads, the others assist.
// `report` is what reporting said of the instructed report (nullptr: nothing, treated as negative
// information); a report of another tenant is PERMISSION_DENIED.
absl::StatusOr<Sourced> FromInstruction(const ev::InstructionIssued& in, const std::string& tenant,
                                        const ReportContext* report);
// "coordination.meeting.decision_recorded" in `tenant`: a standing-committee-decision item
// (常委议定事项) from `record`, the decision as coordination holds it. A meeting of another tenant
// is PERMISSION_DENIED; a decision the meeting does not hold, or one whose units or date differ
// from the event's, FAILED_PRECONDITION.
absl::StatusOr<Sourced> FromMeetingDecision(const ev::MeetingDecisionRecorded& d,
                                            const std::string& tenant,
                                            const CoordinationRecord& record);
// "coordination.document.instruction_recorded" in `tenant`: a document-instruction item (批办件)
// from `record`, checked the same way. A secret document's title never enters the item.
absl::StatusOr<Sourced> FromDocumentInstruction(const ev::DocumentInstructionRecorded& d,
                                                const std::string& tenant,
                                                const CoordinationRecord& record);
// "proposals.handling.overdue" in `tenant`: an urgent overdue-proposal item (督办) for the late
// unit, one per proposal and unit. The title, number and kind are the proposal's as the proposals
// service tells them (`proposal`), not the event's; a proposal of another tenant is
// PERMISSION_DENIED; nullopt when the unit no longer owes a reply (it replied meanwhile).
absl::StatusOr<std::optional<Sourced>> FromProposalOverdue(const ev::ProposalOverdue& p,
                                                           const std::string& tenant,
                                                           const ProposalContext& proposal);

// The item and first task opened for a source.
struct Opening {
  pb::Item item;
  pb::Task task;  // id, lead_unit, co_units, deliverable, due_date
};
// Checks `s` for `tenant` against the org tree (a served tenant, units of it, a due date;
// INVALID_ARGUMENT prefixed with `what`, the event type) and builds the open item and its task.
// Their ids derive from the source: opened again (a database restored from a backup catching up
// on the stream), the item is the same item, and the service that raised it still knows it.
absl::StatusOr<Opening> OpenSourced(const org::OrgTree& org, const std::string& tenant,
                                    const std::string& what, Sourced s, TimePoint now);

}  // namespace zs::supervision

#pragma once

// The event types of the suite, spelled once: producers record them and consumers register
// handlers for them by these names (the payload of each is in proto/zhongshu/events/v1/).

namespace zs::events::type {

// reporting
inline constexpr char kReportingBulletinPublished[] = "reporting.bulletin.published";
inline constexpr char kReportingCallAnswered[] = "reporting.call.answered";
inline constexpr char kReportingCallCreated[] = "reporting.call.created";
inline constexpr char kReportingCallOverdue[] = "reporting.call.overdue";
inline constexpr char kReportingEmergencyFinalized[] = "reporting.emergency.finalized";
inline constexpr char kReportingEmergencyFollowUpDue[] = "reporting.emergency.follow_up_due";
inline constexpr char kReportingEmergencyFollowedUp[] = "reporting.emergency.followed_up";
inline constexpr char kReportingEmergencySubmitted[] = "reporting.emergency.submitted";
inline constexpr char kReportingInstructionAnswered[] = "reporting.instruction.answered";
inline constexpr char kReportingInstructionIssued[] = "reporting.instruction.issued";
inline constexpr char kReportingReportAdopted[] = "reporting.report.adopted";
inline constexpr char kReportingReportReturned[] = "reporting.report.returned";
inline constexpr char kReportingReportSubmitted[] = "reporting.report.submitted";

// supervision
inline constexpr char kSupervisionItemCancelled[] = "supervision.item.cancelled";
inline constexpr char kSupervisionItemClosed[] = "supervision.item.closed";
inline constexpr char kSupervisionItemOpened[] = "supervision.item.opened";
inline constexpr char kSupervisionItemUpdated[] = "supervision.item.updated";
inline constexpr char kSupervisionNoticePublished[] = "supervision.notice.published";
inline constexpr char kSupervisionTaskAccepted[] = "supervision.task.accepted";
inline constexpr char kSupervisionTaskAssigned[] = "supervision.task.assigned";
inline constexpr char kSupervisionTaskCancelled[] = "supervision.task.cancelled";
inline constexpr char kSupervisionTaskChanged[] = "supervision.task.changed";
inline constexpr char kSupervisionTaskClosed[] = "supervision.task.closed";
inline constexpr char kSupervisionTaskCompletionReported[] = "supervision.task.completion_reported";
inline constexpr char kSupervisionTaskContested[] = "supervision.task.contested";
inline constexpr char kSupervisionTaskExtensionDecided[] = "supervision.task.extension_decided";
inline constexpr char kSupervisionTaskExtensionRequested[] = "supervision.task.extension_requested";
inline constexpr char kSupervisionTaskProgress[] = "supervision.task.progress";
inline constexpr char kSupervisionTaskReassigned[] = "supervision.task.reassigned";
inline constexpr char kSupervisionTaskReturned[] = "supervision.task.returned";
inline constexpr char kSupervisionUnitTalkFlagged[] = "supervision.unit.talk_flagged";
inline constexpr char kSupervisionWarningIssued[] = "supervision.warning.issued";

// coordination
inline constexpr char kCoordinationDocumentInstructionRecorded[] =
    "coordination.document.instruction_recorded";
inline constexpr char kCoordinationMatterResolved[] = "coordination.matter.resolved";
inline constexpr char kCoordinationMeetingDecisionRecorded[] =
    "coordination.meeting.decision_recorded";

// proposals
inline constexpr char kProposalsHandlingOverdue[] = "proposals.handling.overdue";

}  // namespace zs::events::type

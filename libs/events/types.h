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

// coordination: circulation (公文传阅/办文)
inline constexpr char kCoordinationDocumentCompleted[] = "coordination.document.completed";
inline constexpr char kCoordinationDocumentEscalated[] = "coordination.document.escalated";
inline constexpr char kCoordinationDocumentLimitChanged[] = "coordination.document.limit_changed";
inline constexpr char kCoordinationDocumentRead[] = "coordination.document.read";
inline constexpr char kCoordinationDocumentRegistered[] = "coordination.document.registered";
inline constexpr char kCoordinationDocumentReminded[] = "coordination.document.reminded";
inline constexpr char kCoordinationDocumentRouted[] = "coordination.document.routed";
// coordination: meetings (会议)
inline constexpr char kCoordinationMeetingApproved[] = "coordination.meeting.approved";
inline constexpr char kCoordinationMeetingCancelled[] = "coordination.meeting.cancelled";
inline constexpr char kCoordinationMeetingGenerated[] = "coordination.meeting.generated";
inline constexpr char kCoordinationMeetingMinutesRecorded[] =
    "coordination.meeting.minutes_recorded";
inline constexpr char kCoordinationMeetingRejected[] = "coordination.meeting.rejected";
inline constexpr char kCoordinationMeetingRequested[] = "coordination.meeting.requested";
inline constexpr char kCoordinationMeetingSeriesCreated[] = "coordination.meeting_series.created";

// proposals
inline constexpr char kProposalsAssignmentDisputed[] = "proposals.assignment.disputed";
inline constexpr char kProposalsExtensionDecided[] = "proposals.extension.decided";
inline constexpr char kProposalsExtensionRequested[] = "proposals.extension.requested";
inline constexpr char kProposalsHandlingClassAdjusted[] = "proposals.handling.class_adjusted";
inline constexpr char kProposalsHandlingContactLogged[] = "proposals.handling.contact_logged";
inline constexpr char kProposalsHandlingDueSoon[] = "proposals.handling.due_soon";
inline constexpr char kProposalsHandlingFollowedUp[] = "proposals.handling.followed_up";
inline constexpr char kProposalsHandlingOpinionSent[] = "proposals.handling.opinion_sent";
inline constexpr char kProposalsHandlingOverdue[] = "proposals.handling.overdue";
inline constexpr char kProposalsHandlingReplied[] = "proposals.handling.replied";
inline constexpr char kProposalsHandlingReturned[] = "proposals.handling.returned";
inline constexpr char kProposalsHandlingSigned[] = "proposals.handling.signed";
inline constexpr char kProposalsProposalAssigned[] = "proposals.proposal.assigned";
inline constexpr char kProposalsProposalClosed[] = "proposals.proposal.closed";
inline constexpr char kProposalsProposalCoSignAnswered[] = "proposals.proposal.cosign_answered";
inline constexpr char kProposalsProposalConverted[] = "proposals.proposal.converted";
inline constexpr char kProposalsProposalMerged[] = "proposals.proposal.merged";
inline constexpr char kProposalsProposalNotRegistered[] = "proposals.proposal.not_registered";
inline constexpr char kProposalsProposalRated[] = "proposals.proposal.rated";
inline constexpr char kProposalsProposalRegistered[] = "proposals.proposal.registered";
inline constexpr char kProposalsProposalRehandling[] = "proposals.proposal.rehandling";
inline constexpr char kProposalsProposalReplied[] = "proposals.proposal.replied";
inline constexpr char kProposalsProposalSubmitted[] = "proposals.proposal.submitted";

// coordination: schedule (领导活动安排)
inline constexpr char kCoordinationActivityCreated[] = "coordination.activity.created";
inline constexpr char kCoordinationActivityUpdated[] = "coordination.activity.updated";
inline constexpr char kCoordinationActivityCancelled[] = "coordination.activity.cancelled";
inline constexpr char kCoordinationAttendanceRequested[] = "coordination.attendance.requested";
inline constexpr char kCoordinationAttendanceDecided[] = "coordination.attendance.decided";
// coordination: duty (值班/应急) — IncidentChanged (events/v1/coordination_duty.proto)
inline constexpr char kCoordinationIncidentAcknowledged[] = "coordination.incident.acknowledged";
inline constexpr char kCoordinationIncidentAlerted[] = "coordination.incident.alerted";
inline constexpr char kCoordinationIncidentClosed[] = "coordination.incident.closed";
inline constexpr char kCoordinationIncidentEscalated[] = "coordination.incident.escalated";
inline constexpr char kCoordinationIncidentEscalationExhausted[] =
    "coordination.incident.escalation_exhausted";
inline constexpr char kCoordinationIncidentJoined[] = "coordination.incident.joined";
inline constexpr char kCoordinationIncidentOpened[] = "coordination.incident.opened";
inline constexpr char kCoordinationIncidentStepCompleted[] = "coordination.incident.step_completed";
// coordination: matters (coordination_matters.proto MatterChanged; resolution is the fixed
// kCoordinationMatterResolved)
inline constexpr char kCoordinationMatterCoordinating[] = "coordination.matter.coordinating";
inline constexpr char kCoordinationMatterOpened[] = "coordination.matter.opened";
inline constexpr char kCoordinationMatterPositionStated[] = "coordination.matter.position_stated";
inline constexpr char kCoordinationMatterWithdrawn[] = "coordination.matter.withdrawn";

}  // namespace zs::events::type

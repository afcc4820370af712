#pragma once

// The office's everyday steps as black-box tests take them, over real gRPC with the demo users of
// deploy/local/org.yaml: a clerk's submitted report, a leader's instruction, the items supervision
// opened; a proposer's proposal, the proposal office's review and assignment, a unit's reply.
// Failures are reported through gtest.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "harness/harness.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {

// A report written and submitted by 王信息 (清水塘街道).
zhongshu::reporting::v1::Report SubmitReportAsClerk(
    zhongshu::reporting::v1::ReportingService::Stub& stub, const std::string& title,
    zhongshu::reporting::v1::Sensitivity sensitivity =
        zhongshu::reporting::v1::SENSITIVITY_INTERNAL);

// 张书记's instruction on a report, directed at `units` (the first leads), due on `due`.
zhongshu::reporting::v1::Instruction InstructAsLeader(
    zhongshu::reporting::v1::ReportingService::Stub& stub, const std::string& report_id,
    const std::vector<std::string>& units, const std::string& due, const std::string& text);

// The items whose source_ref is `ref`, as 赵督查 (督查室) lists them.
std::vector<zhongshu::supervision::v1::Item> ItemsWithSource(
    zhongshu::supervision::v1::SupervisionService::Stub& stub, const std::string& ref);

// ---- Proposals (建议提案办理) ----

// The environment of a proposals process in a test: time from `clock_file`, the calendar of the
// source tree, deadline timers checked every 100 ms, events retried and dead-lettered quickly
// (2 tries), relay and maintenance on short intervals. `extra` overrides any of it.
std::map<std::string, std::string> ProposalsEnv(
    const std::string& clock_file, const std::map<std::string, std::string>& extra = {});

// A proposals service (`binary`) on `redis` with its data in `data_dir`, started (port bound).
// Replicas sharing `data_dir` need distinct `instance` names.
std::unique_ptr<ServiceProcess> StartProposals(const std::string& binary, const RedisServer& redis,
                                               const std::string& data_dir,
                                               const std::string& clock_file,
                                               const std::map<std::string, std::string>& extra = {},
                                               const std::string& instance = "test");

// Time from `clock_file`, the source tree's calendar, events retried and dead-lettered quickly
// (2 tries), relay and maintenance on short intervals: what every service under test shares.
std::map<std::string, std::string> QuickEventsEnv(const std::string& clock_file);

// ---- Coordination (综合协调) ----

// The environment of a coordination process in a test: time from `clock_file`, the calendar of
// the source tree, events retried and dead-lettered quickly (2 tries), relay and maintenance on
// short intervals. Each module's own keys (its timer intervals) come in `extra`.
std::map<std::string, std::string> CoordinationEnv(
    const std::string& clock_file, const std::map<std::string, std::string>& extra = {});

// A coordination service (`binary`) on `redis` with its data in `data_dir`, started (port bound).
std::unique_ptr<ServiceProcess> StartCoordination(
    const std::string& binary, const RedisServer& redis, const std::string& data_dir,
    const std::string& clock_file, const std::map<std::string, std::string>& extra = {},
    const std::string& instance = "test");

// A proposal submitted by the proposer `user` (a proposer of deploy/local/org.yaml), inviting
// `co_signers`. Content defaults to a text about 清水塘 water.
zhongshu::proposals::v1::Proposal SubmitProposal(
    zhongshu::proposals::v1::ProposalsService::Stub& stub, const std::string& user,
    const std::string& session, const std::string& title,
    const std::vector<std::string>& co_signers = {},
    zhongshu::proposals::v1::ProposalKind kind =
        zhongshu::proposals::v1::PROPOSAL_KIND_CPPCC_PROPOSAL,
    const std::string& content = "");

// 吴提案 (the proposal office of 430204) registers it (立案), with the next number or `number`.
zhongshu::proposals::v1::Proposal RegisterProposal(
    zhongshu::proposals::v1::ProposalsService::Stub& stub, const std::string& id, int number = 0);

// 吴提案 assigns it to `unit` alone (独办), due on `due` (empty: the default).
zhongshu::proposals::v1::Proposal AssignSole(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                             const std::string& id, const std::string& unit,
                                             const std::string& due = "");

// The unit handler `user` signs for its handling (签收).
zhongshu::proposals::v1::Proposal SignAs(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                         const std::string& user, const std::string& id);

// The unit handler `user` logs a phone contact with the proposer (沟通).
zhongshu::proposals::v1::Proposal ContactAs(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                            const std::string& user, const std::string& id);

// The unit handler `user` replies (答复) with class `c` and `text`; `not_public` marks it so.
zhongshu::proposals::v1::Proposal ReplyAs(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                          const std::string& user, const std::string& id,
                                          zhongshu::proposals::v1::ReplyClass c,
                                          const std::string& text, bool not_public = false);

// The proposer `user` rates the replies of `id` (a comment is given for every rating).
zhongshu::proposals::v1::Proposal RateAs(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                         const std::string& user, const std::string& id,
                                         zhongshu::proposals::v1::Satisfaction s);

// The proposal as 吴提案 (the proposal office of 430204) reads it.
zhongshu::proposals::v1::Proposal GetAsOffice(zhongshu::proposals::v1::ProposalsService::Stub& stub,
                                              const std::string& id);

// ---- Events on the streams ----

// Appends an envelope of `type` with `payload` to `stream` as the service `source` would publish
// it (a new event id unless `event_id` is given); returns the envelope (to deliver it again).
zhongshu::events::v1::Event PublishEvent(const RedisServer& redis, const std::string& stream,
                                         const std::string& type, const std::string& source,
                                         const std::string& tenant,
                                         const google::protobuf::Message& payload,
                                         const std::string& event_id = "");
// Appends an envelope as it is (a redelivery of the same event).
void PublishEnvelope(const RedisServer& redis, const std::string& stream,
                     const zhongshu::events::v1::Event& e);

// ---- Coordination's everyday steps (综合协调) ----

// 孙综合 requests a 联席会议 in 第一会议室 from `start` to `end`, presided over by 张书记 with
// `units` taking part; 黄主任 approves it.
zhongshu::coordination::v1::Meeting ApprovedMeeting(
    zhongshu::coordination::v1::MeetingsService::Stub& stub, const std::string& title,
    TimePoint start, TimePoint end, const std::vector<std::string>& units);

// The minutes (when there are none yet) and one decision (议定事项) of a meeting that has started
// (the services' clock past its start): `lead` leads, `co` assist, due on `due`.
zhongshu::coordination::v1::Decision RecordMeetingDecision(
    zhongshu::coordination::v1::MeetingsService::Stub& stub, const std::string& meeting_id,
    const std::string& text, const std::string& lead, const std::vector<std::string>& co,
    const std::string& due);

// 黄主任 registers a document (of `secrecy` 0–3), routes it to `leader` for 批办, and the leader
// instructs `units` (the first leads). Returns the document with its instruction.
zhongshu::coordination::v1::Document InstructOnDocument(
    zhongshu::coordination::v1::CirculationService::Stub& stub, const std::string& title,
    int secrecy, const std::string& leader, const std::string& text,
    const std::vector<std::string>& units, const std::string& due);

// The matter raised on `raised_ref` as 黄主任 sees it, once coordination has opened it (an empty
// matter, and a test failure, when it does not open within 20 s).
zhongshu::coordination::v1::Matter WaitForMatter(
    zhongshu::coordination::v1::MattersService::Stub& stub, const std::string& raised_ref);

// 黄主任 (office director) resolves a matter: `lead` leads, `co` assist.
zhongshu::coordination::v1::Matter ResolveMatterAsDirector(
    zhongshu::coordination::v1::MattersService::Stub& stub, const std::string& id,
    const std::string& lead, const std::vector<std::string>& co, const std::string& decision);

// The envelopes of `type` on `stream`, oldest first.
std::vector<zhongshu::events::v1::Event> EventsOfType(const RedisServer& redis,
                                                      const std::string& stream,
                                                      const std::string& type);

}  // namespace zs::testing

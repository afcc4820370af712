#include "harness/office.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"

namespace zs::testing {

namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace ev = zhongshu::events::v1;
namespace cpb = zhongshu::coordination::v1;

rpb::Report SubmitReportAsClerk(rpb::ReportingService::Stub& stub, const std::string& title,
                                rpb::Sensitivity sensitivity) {
  rpb::CreateReportRequest c;
  c.set_request_id(NewUuid());
  c.mutable_report()->set_title(title);
  c.mutable_report()->set_body("清水塘片区约 1200 户居民反映自来水有异味。");
  c.mutable_report()->set_kind(rpb::REPORT_KIND_PROBLEM);
  c.mutable_report()->set_sensitivity(sensitivity);
  rpb::Report r;
  auto s = stub.CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), c, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  rpb::SubmitReportRequest submit;
  submit.set_request_id(NewUuid());
  submit.set_id(r.id());
  s = stub.SubmitReport(ContextFor(TokenFor("wang.xinxi")).get(), submit, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return r;
}

rpb::Instruction InstructAsLeader(rpb::ReportingService::Stub& stub, const std::string& report_id,
                                  const std::vector<std::string>& units, const std::string& due,
                                  const std::string& text) {
  rpb::IssueInstructionRequest i;
  i.set_request_id(NewUuid());
  i.mutable_instruction()->set_report_id(report_id);
  i.mutable_instruction()->set_text(text);
  for (const auto& u : units) i.mutable_instruction()->add_directed_units(u);
  i.mutable_instruction()->set_due_date(due);
  rpb::Instruction in;
  auto s = stub.IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), i, &in);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return in;
}

std::vector<spb::Item> ItemsWithSource(spb::SupervisionService::Stub& stub,
                                       const std::string& ref) {
  std::vector<spb::Item> out;
  spb::ListItemsRequest req;
  req.set_page_size(500);
  spb::ListItemsResponse resp;
  if (!stub.ListItems(ContextFor(TokenFor("zhao.ducha")).get(), req, &resp).ok()) return out;
  for (const auto& it : resp.items()) {
    if (it.source_ref() == ref) out.push_back(it);
  }
  return out;
}

// ---- Proposals ----

std::map<std::string, std::string> QuickEventsEnv(const std::string& clock_file) {
  return {
      {"ZS_CLOCK_FILE", clock_file},
      {"ZS_CALENDAR_DIR", SourceDir() + "/deploy/calendar"},
      {"ZS_EVENTS_MAX_TRIES", "2"},
      {"ZS_EVENTS_RETRY_INITIAL", "50ms"},
      {"ZS_EVENTS_RETRY_MAX", "200ms"},
      {"ZS_EVENTS_MAINTENANCE_INTERVAL", "200ms"},
      {"ZS_EVENTS_RELAY_CHECK_INTERVAL", "200ms"},
      {"ZS_EVENTS_RELAY_BACKOFF_MAX", "200ms"},
  };
}

std::map<std::string, std::string> ProposalsEnv(const std::string& clock_file,
                                                const std::map<std::string, std::string>& extra) {
  auto env = QuickEventsEnv(clock_file);
  env["ZS_DEADLINES_CHECK_INTERVAL"] = "100ms";
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

std::unique_ptr<ServiceProcess> StartProposals(const std::string& binary, const RedisServer& redis,
                                               const std::string& data_dir,
                                               const std::string& clock_file,
                                               const std::map<std::string, std::string>& extra,
                                               const std::string& instance) {
  auto p = std::make_unique<ServiceProcess>("proposals", binary, redis.address(), data_dir,
                                            ProposalsEnv(clock_file, extra), instance);
  p->Start();
  return p;
}

std::map<std::string, std::string> CoordinationEnv(
    const std::string& clock_file, const std::map<std::string, std::string>& extra) {
  auto env = QuickEventsEnv(clock_file);
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

std::unique_ptr<ServiceProcess> StartCoordination(const std::string& binary,
                                                  const RedisServer& redis,
                                                  const std::string& data_dir,
                                                  const std::string& clock_file,
                                                  const std::map<std::string, std::string>& extra,
                                                  const std::string& instance) {
  auto p = std::make_unique<ServiceProcess>("coordination", binary, redis.address(), data_dir,
                                            CoordinationEnv(clock_file, extra), instance);
  p->Start();
  return p;
}

namespace {

std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  return ContextFor(TokenFor(user));
}

}  // namespace

ppb::Proposal SubmitProposal(ppb::ProposalsService::Stub& stub, const std::string& user,
                             const std::string& session, const std::string& title,
                             const std::vector<std::string>& co_signers, ppb::ProposalKind kind,
                             const std::string& content) {
  ppb::CreateProposalRequest c;
  c.set_request_id(NewUuid());
  auto& p = *c.mutable_proposal();
  p.set_kind(kind);
  p.set_session(session);
  p.set_title(title);
  p.set_content(
      content.empty()
          ? "清水塘片区约 1200 户居民反映自来水有异味，建议排查供水管网并公开水质检测结果。"
          : content);
  p.set_category("生态环境");
  for (const auto& who : co_signers) p.add_co_signers()->set_subject(who);
  ppb::Proposal out;
  auto s = stub.CreateProposal(As(user).get(), c, &out);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return out;
}

ppb::Proposal RegisterProposal(ppb::ProposalsService::Stub& stub, const std::string& id,
                               int number) {
  ppb::ReviewProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  r.set_decision(ppb::REVIEW_DECISION_REGISTER);
  r.set_number(number);
  ppb::Proposal out;
  auto s = stub.ReviewProposal(As("wu.tian").get(), r, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

ppb::Proposal AssignSole(ppb::ProposalsService::Stub& stub, const std::string& id,
                         const std::string& unit, const std::string& due) {
  ppb::AssignProposalRequest a;
  a.set_request_id(NewUuid());
  a.set_id(id);
  a.set_mode(ppb::ASSIGNMENT_MODE_SOLE);
  a.set_lead_unit(unit);
  a.set_due_date(due);
  ppb::Proposal out;
  auto s = stub.AssignProposal(As("wu.tian").get(), a, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

ppb::Proposal SignAs(ppb::ProposalsService::Stub& stub, const std::string& user,
                     const std::string& id) {
  ppb::SignHandlingRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  ppb::Proposal out;
  auto s = stub.SignHandling(As(user).get(), r, &out);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return out;
}

ppb::Proposal ContactAs(ppb::ProposalsService::Stub& stub, const std::string& user,
                        const std::string& id) {
  ppb::LogContactRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  r.mutable_contact()->set_method(ppb::CONTACT_METHOD_PHONE);
  r.mutable_contact()->set_summary("电话联系代表委员，说明办理思路并听取意见");
  ppb::Proposal out;
  auto s = stub.LogContact(As(user).get(), r, &out);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return out;
}

ppb::Proposal ReplyAs(ppb::ProposalsService::Stub& stub, const std::string& user,
                      const std::string& id, ppb::ReplyClass c, const std::string& text,
                      bool not_public) {
  ppb::ReplyProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  r.mutable_reply()->set_reply_class(c);
  r.mutable_reply()->set_text(text);
  if (not_public) {
    r.mutable_reply()->set_not_public(true);
    r.mutable_reply()->set_not_public_reason("涉及尚未公开的工程规划");
  }
  ppb::Proposal out;
  auto s = stub.ReplyProposal(As(user).get(), r, &out);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return out;
}

ppb::Proposal RateAs(ppb::ProposalsService::Stub& stub, const std::string& user,
                     const std::string& id, ppb::Satisfaction sat) {
  ppb::RateProposalRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  r.set_satisfaction(sat);
  r.set_comment(sat == ppb::SATISFACTION_UNSATISFIED ? "答复未解决实际问题" : "答复认真");
  ppb::Proposal out;
  auto s = stub.RateProposal(As(user).get(), r, &out);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return out;
}

ppb::Proposal GetAsOffice(ppb::ProposalsService::Stub& stub, const std::string& id) {
  ppb::GetProposalRequest g;
  g.set_id(id);
  ppb::Proposal out;
  auto s = stub.GetProposal(As("wu.tian").get(), g, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

// ---- Events ----

void PublishEnvelope(const RedisServer& redis, const std::string& stream, const ev::Event& e) {
  auto c = redis.Connect();
  auto r = c->Command({"XADD", stream, "*", "type", e.type(), "event", e.SerializeAsString()});
  EXPECT_TRUE(r.ok() && !r->IsError()) << stream;
}

ev::Event PublishEvent(const RedisServer& redis, const std::string& stream, const std::string& type,
                       const std::string& source, const std::string& tenant,
                       const google::protobuf::Message& payload, const std::string& event_id) {
  ev::Event e;
  e.set_id(event_id.empty() ? NewUuid() : event_id);
  e.set_type(type);
  e.set_tenant(tenant);
  e.set_source(source);
  e.mutable_payload()->PackFrom(payload);
  PublishEnvelope(redis, stream, e);
  return e;
}

std::vector<ev::Event> EventsOfType(const RedisServer& redis, const std::string& stream,
                                    const std::string& type) {
  std::vector<ev::Event> out;
  auto c = redis.Connect();
  for (const auto& entry : ReadStream(*c, stream)) {
    if (entry.type != type) continue;
    ev::Event e;
    if (e.ParseFromString(entry.raw_event)) out.push_back(std::move(e));
  }
  return out;
}

// ---- Coordination ----

cpb::Meeting ApprovedMeeting(cpb::MeetingsService::Stub& stub, const std::string& title,
                             TimePoint start, TimePoint end,
                             const std::vector<std::string>& units) {
  cpb::RequestMeetingRequest r;
  r.set_request_id(NewUuid());
  auto& m = *r.mutable_meeting();
  m.set_kind(cpb::MEETING_KIND_JOINT);
  m.set_title(title);
  *m.mutable_start_time() = ToProto(start);
  *m.mutable_end_time() = ToProto(end);
  m.set_venue("第一会议室");
  m.set_presiding_leader("zhang.shuji");
  for (const auto& u : units) m.add_participant_units(u);
  m.add_agenda("研究分工，明确牵头单位和完成时限");
  cpb::Meeting out;
  auto s = stub.RequestMeeting(As("sun.zonghe").get(), r, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  cpb::ApproveMeetingRequest a;
  a.set_request_id(NewUuid());
  a.set_id(out.id());
  s = stub.ApproveMeeting(As("huang.zhuren").get(), a, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

cpb::Decision RecordMeetingDecision(cpb::MeetingsService::Stub& stub, const std::string& meeting_id,
                                    const std::string& text, const std::string& lead,
                                    const std::vector<std::string>& co, const std::string& due) {
  cpb::GetMeetingRequest g;
  g.set_id(meeting_id);
  cpb::Meeting m;
  auto s = stub.GetMeeting(As("sun.zonghe").get(), g, &m);
  EXPECT_TRUE(s.ok()) << s.error_message();
  if (m.minutes().empty()) {
    cpb::RecordMinutesRequest minutes;
    minutes.set_request_id(NewUuid());
    minutes.set_id(meeting_id);
    minutes.set_text("会议听取了情况汇报，研究了分工，形成议定事项如下。");
    s = stub.RecordMinutes(As("sun.zonghe").get(), minutes, &m);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  cpb::RecordDecisionRequest d;
  d.set_request_id(NewUuid());
  d.set_id(meeting_id);
  d.set_text(text);
  d.set_lead_unit(lead);
  for (const auto& u : co) d.add_co_units(u);
  d.set_due_date(due);
  s = stub.RecordDecision(As("sun.zonghe").get(), d, &m);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return m.decisions_size() ? m.decisions(m.decisions_size() - 1) : cpb::Decision();
}

cpb::Document InstructOnDocument(cpb::CirculationService::Stub& stub, const std::string& title,
                                 int secrecy, const std::string& leader, const std::string& text,
                                 const std::vector<std::string>& units, const std::string& due) {
  cpb::RegisterDocumentRequest r;
  r.set_request_id(NewUuid());
  auto& d = *r.mutable_document();
  d.set_source("株洲市委办公室");
  d.set_number("株市办发〔2026〕" + RandomHex(3) + "号");
  d.set_title(title);
  d.set_urgency(cpb::URGENCY_NORMAL);
  d.set_secrecy_level(secrecy);
  cpb::Document out;
  auto s = stub.RegisterDocument(As("huang.zhuren").get(), r, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  cpb::RouteDocumentRequest route;
  route.set_request_id(NewUuid());
  route.set_id(out.id());
  auto& stage = *route.add_stages();
  stage.set_kind(cpb::STAGE_KIND_INSTRUCT);
  stage.set_order(cpb::STAGE_ORDER_SEQUENTIAL);
  stage.add_readers(leader);
  s = stub.RouteDocument(As("huang.zhuren").get(), route, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  cpb::RecordInstructionRequest in;
  in.set_request_id(NewUuid());
  in.set_id(out.id());
  in.set_text(text);
  for (const auto& u : units) in.add_directed_units(u);
  in.set_due_date(due);
  s = stub.RecordInstruction(As(leader).get(), in, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

cpb::Matter WaitForMatter(cpb::MattersService::Stub& stub, const std::string& raised_ref) {
  cpb::Matter found;
  const bool opened = Eventually(
      [&] {
        cpb::ListMattersRequest req;
        req.set_page_size(500);
        cpb::ListMattersResponse resp;
        if (!stub.ListMatters(As("huang.zhuren").get(), req, &resp).ok()) return false;
        for (const auto& m : resp.matters()) {
          if (m.raised_ref() == raised_ref) {
            found = m;
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(opened) << "no matter raised on " << raised_ref;
  return found;
}

cpb::Matter ResolveMatterAsDirector(cpb::MattersService::Stub& stub, const std::string& id,
                                    const std::string& lead, const std::vector<std::string>& co,
                                    const std::string& decision) {
  cpb::ResolveMatterRequest r;
  r.set_request_id(NewUuid());
  r.set_id(id);
  r.set_decision(decision);
  r.set_reasons("依据部门职责规定，经协调会商确定");
  r.set_lead_unit(lead);
  for (const auto& u : co) r.add_co_units(u);
  cpb::Matter out;
  auto s = stub.ResolveMatter(As("huang.zhuren").get(), r, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

}  // namespace zs::testing

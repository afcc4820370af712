#include "harness/office.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "harness/harness.h"

namespace zs::testing {

namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace ev = zhongshu::events::v1;

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

namespace {

// Time from `clock_file`, the source tree's calendar, events retried and dead-lettered quickly
// (2 tries), relay and maintenance on short intervals: what every service under test shares.
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

}  // namespace

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

}  // namespace zs::testing

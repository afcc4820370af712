#pragma once

// Shared plumbing of zsctl: global flags, credentials, calling a service, printing.

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rpc/status.h"

namespace zsctl {

struct Globals {
  std::string reporting_addr;
  std::string supervision_addr;
  std::string proposals_addr;
  std::string coordination_addr;
  std::string token;
  std::string as_user;
  std::string org_file;
  std::string secret;
  bool json = false;
  int timeout_s = 10;
  std::string request_id;
  std::string tls_ca;    // set: TLS, verifying the services against this CA
  std::string tls_cert;  // with tls_key: a client certificate (mutual TLS)
  std::string tls_key;
  std::string tls_server_name;  // the name the services' certificates carry, if not the host
};

// Fills defaults from the environment (ZS_REPORTING_ADDR, ZS_SUPERVISION_ADDR, ZS_PROPOSALS_ADDR,
// ZS_COORDINATION_ADDR, ZS_TOKEN, ZS_AS, ZS_ORG, ZS_DEV_SECRET) and registers the global flags.
void AddGlobalFlags(CLI::App& app, Globals& g);

// Exit codes: 0 ok, 1 the service refused or failed, 2 bad usage.
[[noreturn]] void Die(const std::string& msg, int code = 2);

// A development token for a user of the org file (HS256 with the dev secret).
std::string DevToken(const Globals& g, const std::string& user, std::chrono::seconds ttl);
// The bearer token to send: --token, or one minted for --as.
std::string BearerToken(const Globals& g);
// --request-id, or a new one.
std::string RequestId(const Globals& g);

std::shared_ptr<grpc::Channel> ChannelTo(const Globals& g, const std::string& addr);

// Calls one unary method; on failure prints "zsctl: CODE: message" and exits 1.
template <typename Stub, typename Req, typename Resp>
Resp Call(const Globals& g, Stub& stub,
          grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + BearerToken(g));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(g.timeout_s));
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) Die(std::string(zs::rpc::CodeName(s.error_code())) + ": " + s.error_message(), 1);
  return resp;
}
// A list: one page, or with `all` every page, their items appended into one response (whose
// next_page_token is the last page's).
template <typename Stub, typename Req, typename Resp>
Resp ListPages(const Globals& g, Stub& stub,
               grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req,
               bool all) {
  Resp out;
  for (;;) {
    Resp page = Call(g, stub, method, req);
    out.MergeFrom(page);
    out.set_next_page_token(page.next_page_token());
    if (!all || page.next_page_token().empty()) return out;
    req.set_page_token(page.next_page_token());
  }
}
std::string Json(const google::protobuf::Message& m);
// "REPORT_STATE_SUBMITTED" -> "SUBMITTED"
std::string Short(const std::string& enum_name, const std::string& prefix);
std::string Time(const google::protobuf::Timestamp& ts);
std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v);
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields);
// Parses a lower-case enum value ("in-progress") into `E` via its generated Parse function.
template <typename E>
E ParseEnum(const std::string& text, const std::string& prefix,
            bool (*parse)(const std::string&, E*), const std::string& what) {
  std::string upper;
  for (char c : text) {
    upper += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  E v{};
  if (!parse(prefix + upper, &v)) Die("unknown " + what + " '" + text + "'");
  return v;
}

// The spellings an enum option accepts, each with the value it means; several may mean one value
// ({"npc", NPC}, {"建议", NPC}).
template <typename E>
using Choices = std::vector<std::pair<std::string, E>>;
// "npc|cppcc|建议|提案": the spellings, for an option's help text and errors.
template <typename E>
std::string Spellings(const Choices<E>& choices) {
  std::string s;
  for (const auto& [text, value] : choices) s += (s.empty() ? "" : "|") + text;
  return s;
}
// The value `text` spells (ASCII letters in any case); an unknown one is refused (exit 2), naming
// the valid spellings.
template <typename E>
E ParseChoice(const std::string& text, const Choices<E>& choices, const std::string& what) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const auto& [spelling, value] : choices) {
    if (lower(spelling) == lower(text)) return value;
  }
  Die("unknown " + what + " '" + text + "': valid are " + Spellings(choices));
}

// Each registers its subcommands on `app`; their callbacks run after parsing.
void AddReportingCommands(CLI::App& app, Globals& g);
void AddSupervisionCommands(CLI::App& app, Globals& g);
void AddProposalsCommands(CLI::App& app, Globals& g);
// Coordination (综合协调), one file per module: matter, meeting, schedule, doc, duty/incident.
void AddMattersCommands(CLI::App& app, Globals& g);
void AddMeetingsCommands(CLI::App& app, Globals& g);
void AddScheduleCommands(CLI::App& app, Globals& g);
void AddCirculationCommands(CLI::App& app, Globals& g);
void AddDutyCommands(CLI::App& app, Globals& g);
void AddHealthCommands(CLI::App& app, Globals& g);

}  // namespace zsctl

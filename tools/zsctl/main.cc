// zsctl: the command-line client of the Zhongshu services.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "auth/jwt.h"
#include "config/config.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "org/org.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace {

namespace pb = zhongshu::reporting::v1;
using zhongshu::common::v1::Level;

std::string Env(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

struct Globals {
  std::string addr = Env("ZS_REPORTING_ADDR", "127.0.0.1:7101");
  std::string token = Env("ZS_TOKEN", "");
  std::string as_user = Env("ZS_AS", "");
  std::string org_file = Env("ZS_ORG", "deploy/local/org.yaml");
  std::string secret = Env("ZS_DEV_SECRET", "zhongshu-local-development-secret");
  bool json = false;
  int timeout_s = 10;
  std::string request_id;
};

// Exit codes: 0 ok, 1 the service refused or failed, 2 bad usage.
[[noreturn]] void Die(const std::string& msg, int code = 2) {
  std::cerr << "zsctl: " << msg << "\n";
  std::exit(code);
}

absl::StatusOr<std::string> DevToken(const Globals& g, const std::string& user,
                                     std::chrono::seconds ttl) {
  auto org = zs::org::OrgTree::LoadFile(g.org_file);
  if (!org.ok()) return org.status();
  const auto* u = org->FindUser(user);
  if (u == nullptr) return absl::NotFoundError("user '" + user + "' is not in " + g.org_file);
  zs::auth::Principal p{u->id, u->name, u->tenant, u->unit, u->roles};
  return zs::auth::IssueHs256(g.secret, p, zs::SystemClock::Get()->Now(), ttl);
}

class Client {
 public:
  explicit Client(const Globals& g) : g_(g) {
    grpc::ChannelArguments args;
    stub_ = pb::ReportingService::NewStub(
        grpc::CreateCustomChannel(g.addr, grpc::InsecureChannelCredentials(), args));
    token_ = g.token;
    if (!g.as_user.empty()) {
      auto t = DevToken(g, g.as_user, std::chrono::hours(1));
      if (!t.ok()) Die(std::string(t.status().message()));
      token_ = *t;
    }
    if (token_.empty()) Die("no credentials: pass --as USER (dev) or --token / ZS_TOKEN");
  }

  template <typename Req, typename Resp>
  Resp Call(grpc::Status (pb::ReportingService::Stub::*method)(grpc::ClientContext*, const Req&,
                                                               Resp*),
            const Req& req) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(g_.timeout_s));
    Resp resp;
    grpc::Status s = ((*stub_).*method)(&ctx, req, &resp);
    if (!s.ok()) {
      static const std::map<int, const char*> kNames = {
          {1, "CANCELLED"},           {2, "UNKNOWN"},
          {3, "INVALID_ARGUMENT"},    {4, "DEADLINE_EXCEEDED"},
          {5, "NOT_FOUND"},           {6, "ALREADY_EXISTS"},
          {7, "PERMISSION_DENIED"},   {8, "RESOURCE_EXHAUSTED"},
          {9, "FAILED_PRECONDITION"}, {10, "ABORTED"},
          {13, "INTERNAL"},           {14, "UNAVAILABLE"},
          {16, "UNAUTHENTICATED"}};
      auto it = kNames.find(s.error_code());
      Die(std::string(it == kNames.end() ? "ERROR" : it->second) + ": " + s.error_message(), 1);
    }
    return resp;
  }

  std::string RequestId() const { return g_.request_id.empty() ? zs::NewUuid() : g_.request_id; }

 private:
  const Globals& g_;
  std::unique_ptr<pb::ReportingService::Stub> stub_;
  std::string token_;
};

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

// "REPORT_STATE_SUBMITTED" -> "SUBMITTED"
std::string Short(const std::string& enum_name, const std::string& prefix) {
  return enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size()) : enum_name;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0) return "";
  return zs::FormatRfc3339(zs::FromProto(ts));
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// Display width: CJK characters take two columns.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = Width(header[c]);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], Width(r[c]));
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c) {
      std::cout << r[c];
      if (c + 1 < r.size()) std::cout << std::string(widths[c] - Width(r[c]) + 2, ' ');
    }
    std::cout << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& [k, v] : fields) w = std::max(w, k.size());
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    std::cout << std::left << std::setw(static_cast<int>(w) + 2) << (k + ":") << v << "\n";
  }
}

void Show(const Globals& g, const pb::Report& r) {
  if (g.json) {
    std::cout << Json(r) << "\n";
    return;
  }
  PrintFields({{"id", r.id()},
               {"title", r.title()},
               {"state", Short(pb::ReportState_Name(r.state()), "REPORT_STATE_")},
               {"kind", Short(pb::ReportKind_Name(r.kind()), "REPORT_KIND_")},
               {"sensitivity", Short(pb::Sensitivity_Name(r.sensitivity()), "SENSITIVITY_")},
               {"unit", r.unit_id()},
               {"author", r.author()},
               {"tags", Join(r.tags())},
               {"return comment", r.return_comment()},
               {"adopted at level",
                r.adoption_level() ? Short(Level_Name(r.adoption_level()), "LEVEL_") : ""},
               {"adopted by", r.adopted_by()},
               {"created", Time(r.create_time())},
               {"submitted", Time(r.submit_time())},
               {"origin", r.origin_node() + " " + r.origin_id()},
               {"version", std::to_string(r.version())}});
  if (!r.body().empty()) std::cout << "\n" << r.body() << "\n";
}

void Show(const Globals& g, const pb::Instruction& in) {
  if (g.json) {
    std::cout << Json(in) << "\n";
    return;
  }
  PrintFields({{"id", in.id()},
               {"report", in.report_id()},
               {"state", Short(pb::InstructionState_Name(in.state()), "INSTRUCTION_STATE_")},
               {"leader", in.leader_name().empty() ? in.leader()
                                                   : in.leader_name() + " (" + in.leader() + ")"},
               {"text", in.text()},
               {"directed units", Join(in.directed_units())},
               {"due", in.due_date()},
               {"issued", Time(in.issue_time())},
               {"answered", Time(in.answer_time())},
               {"answer", in.answer_summary()},
               {"supervision item", in.supervision_item_id()}});
}

template <typename E>
E ParseEnum(const std::string& text, const std::string& prefix,
            bool (*parse)(const std::string&, E*), const std::string& what) {
  std::string upper;
  for (char c : text)
    upper += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  E v{};
  if (!parse(prefix + upper, &v)) Die("unknown " + what + " '" + text + "'");
  return v;
}

pb::ReportKind Kind(const std::string& s) {
  static const std::map<std::string, std::string> kAlias = {{"dynamic", "DYNAMIC"},
                                                            {"experience", "EXPERIENCE"},
                                                            {"problem", "PROBLEM"},
                                                            {"opinion", "PUBLIC_OPINION"},
                                                            {"public-opinion", "PUBLIC_OPINION"},
                                                            {"emergency", "EMERGENCY"}};
  auto it = kAlias.find(s);
  return ParseEnum<pb::ReportKind>(it == kAlias.end() ? s : it->second, "REPORT_KIND_",
                                   pb::ReportKind_Parse,
                                   "kind (dynamic|experience|problem|opinion|emergency)");
}

}  // namespace

int main(int argc, char** argv) {
  Globals g;
  CLI::App app{"zsctl - command-line client of Zhongshu (中枢)"};
  app.require_subcommand(1);
  app.add_option("--addr", g.addr, "reporting service address (env ZS_REPORTING_ADDR)");
  app.add_option("--token", g.token, "bearer token (env ZS_TOKEN)");
  app.add_option("--as", g.as_user,
                 "act as this dev user from the org file, minting a dev token (env ZS_AS)");
  app.add_option("--org", g.org_file, "org file for --as and token (env ZS_ORG)");
  app.add_option("--secret", g.secret, "HS256 dev secret (env ZS_DEV_SECRET)");
  app.add_flag("--json", g.json, "print JSON instead of tables");
  app.add_option("--timeout", g.timeout_s, "seconds to wait for the service");
  app.add_option("--request-id", g.request_id,
                 "request id of a change (default: a new one); reuse it to retry safely");

  // token
  std::string tok_user, tok_ttl = "8h";
  auto* token = app.add_subcommand("token", "print a development token for a user of the org file");
  token->add_option("--user", tok_user, "user id")->required();
  token->add_option("--ttl", tok_ttl, "validity, e.g. 30m, 8h");

  // report ...
  auto* report = app.add_subcommand("report", "information reports (信息)");
  report->require_subcommand(1);
  pb::Report draft;
  std::string kind = "dynamic", sens = "internal", unit;
  std::vector<std::string> tags;
  auto* create = report->add_subcommand("create", "write a new draft");
  create->add_option("--title", *draft.mutable_title(), "title")->required();
  create->add_option("--body", *draft.mutable_body(), "text");
  create->add_option("--kind", kind, "dynamic|experience|problem|opinion|emergency");
  create->add_option("--sensitivity", sens, "public|internal|negative");
  create->add_option("--tag", tags, "a tag (repeatable)");
  create->add_option("--unit", unit, "submitting unit (default: yours)");

  std::string id, comment, level, state, filter_unit, page_token;
  int page_size = 0;
  bool all_pages = false;
  auto* list = report->add_subcommand("list", "list reports you may see, newest first");
  list->add_option("--state", state, "draft|submitted|returned|adopted|not-adopted");
  list->add_option("--unit", filter_unit, "only this unit");
  list->add_option("--page-size", page_size, "reports per page (default 50)");
  list->add_option("--page-token", page_token, "continue from a previous page");
  list->add_flag("--all", all_pages, "fetch every page");
  auto* show = report->add_subcommand("show", "show one report");
  show->add_option("id", id)->required();
  pb::Report patch;
  std::vector<std::string> mask;
  auto* update = report->add_subcommand("update", "change a draft or returned report");
  update->add_option("id", id)->required();
  update->add_option("--title", *patch.mutable_title())->each([&](const std::string&) {
    mask.push_back("title");
  });
  update->add_option("--body", *patch.mutable_body())->each([&](const std::string&) {
    mask.push_back("body");
  });
  update->add_option("--sensitivity", sens)->each([&](const std::string&) {
    mask.push_back("sensitivity");
  });
  auto* submit = report->add_subcommand("submit", "submit a draft or returned report (报送)");
  submit->add_option("id", id)->required();
  auto* ret = report->add_subcommand("return", "return a submitted report for changes (退回修改)");
  ret->add_option("id", id)->required();
  ret->add_option("--comment", comment, "what to change")->required();
  auto* adopt = report->add_subcommand("adopt", "adopt a submitted report (采用)");
  adopt->add_option("id", id)->required();
  adopt->add_option("--level", level, "county|city|province|central")->required();

  // instruction ...
  auto* instruction = app.add_subcommand("instruction", "leader instructions (批示)");
  instruction->require_subcommand(1);
  pb::Instruction want;
  std::vector<std::string> units;
  auto* issue = instruction->add_subcommand("issue", "write an instruction on a report");
  issue->add_option("--report", *want.mutable_report_id(), "report id")->required();
  issue->add_option("--text", *want.mutable_text(), "the instruction")->required();
  issue->add_option("--unit", units, "a unit to handle it (repeatable)")->required();
  issue->add_option("--due", *want.mutable_due_date(), "due date YYYY-MM-DD")->required();
  std::string report_filter;
  auto* ilist = instruction->add_subcommand("list", "list instructions");
  ilist->add_option("--report", report_filter, "only on this report");
  ilist->add_option("--state", state, "open|answered");
  ilist->add_option("--page-size", page_size);
  ilist->add_option("--page-token", page_token);
  auto* ishow = instruction->add_subcommand("show", "show one instruction");
  ishow->add_option("id", id)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (token->parsed()) {
    const auto ttl = zs::config::ParseDuration(tok_ttl);
    if (!ttl || ttl->count() <= 0) Die("--ttl must look like 30m or 8h");
    auto t = DevToken(g, tok_user, std::chrono::duration_cast<std::chrono::seconds>(*ttl));
    if (!t.ok()) Die(std::string(t.status().message()), 1);
    std::cout << *t << "\n";
    return 0;
  }

  Client client(g);
  using S = pb::ReportingService::Stub;
  if (create->parsed()) {
    pb::CreateReportRequest req;
    req.set_request_id(client.RequestId());
    *req.mutable_report() = draft;
    req.mutable_report()->set_kind(Kind(kind));
    req.mutable_report()->set_sensitivity(
        ParseEnum<pb::Sensitivity>(sens, "SENSITIVITY_", pb::Sensitivity_Parse, "sensitivity"));
    for (const auto& t : tags) req.mutable_report()->add_tags(t);
    req.mutable_report()->set_unit_id(unit);
    Show(g, client.Call<pb::CreateReportRequest, pb::Report>(&S::CreateReport, req));
  } else if (list->parsed()) {
    pb::ListReportsRequest req;
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    if (!state.empty())
      req.set_state(
          ParseEnum<pb::ReportState>(state, "REPORT_STATE_", pb::ReportState_Parse, "state"));
    req.set_unit_id(filter_unit);
    pb::ListReportsResponse all;
    for (;;) {
      auto resp =
          client.Call<pb::ListReportsRequest, pb::ListReportsResponse>(&S::ListReports, req);
      all.mutable_reports()->MergeFrom(resp.reports());
      all.set_next_page_token(resp.next_page_token());
      if (!all_pages || resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    if (g.json) {
      std::cout << Json(all) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& r : all.reports()) {
        rows.push_back({r.id(), Short(pb::ReportState_Name(r.state()), "REPORT_STATE_"),
                        Short(pb::ReportKind_Name(r.kind()), "REPORT_KIND_"),
                        Short(pb::Sensitivity_Name(r.sensitivity()), "SENSITIVITY_"), r.unit_id(),
                        r.title()});
      }
      PrintTable({"ID", "STATE", "KIND", "SENSITIVITY", "UNIT", "TITLE"}, rows);
      if (!all.next_page_token().empty())
        std::cout << "(more: --page-token " << all.next_page_token() << ")\n";
    }
  } else if (show->parsed()) {
    pb::GetReportRequest req;
    req.set_id(id);
    Show(g, client.Call<pb::GetReportRequest, pb::Report>(&S::GetReport, req));
  } else if (update->parsed()) {
    pb::UpdateReportRequest req;
    req.set_request_id(client.RequestId());
    *req.mutable_report() = patch;
    req.mutable_report()->set_id(id);
    if (std::find(mask.begin(), mask.end(), "sensitivity") != mask.end()) {
      req.mutable_report()->set_sensitivity(
          ParseEnum<pb::Sensitivity>(sens, "SENSITIVITY_", pb::Sensitivity_Parse, "sensitivity"));
    }
    if (mask.empty()) Die("nothing to change: pass --title, --body or --sensitivity");
    for (const auto& m : mask) req.mutable_update_mask()->add_paths(m);
    Show(g, client.Call<pb::UpdateReportRequest, pb::Report>(&S::UpdateReport, req));
  } else if (submit->parsed()) {
    pb::SubmitReportRequest req;
    req.set_request_id(client.RequestId());
    req.set_id(id);
    Show(g, client.Call<pb::SubmitReportRequest, pb::Report>(&S::SubmitReport, req));
  } else if (ret->parsed()) {
    pb::ReturnReportRequest req;
    req.set_request_id(client.RequestId());
    req.set_id(id);
    req.set_comment(comment);
    Show(g, client.Call<pb::ReturnReportRequest, pb::Report>(&S::ReturnReport, req));
  } else if (adopt->parsed()) {
    pb::AdoptReportRequest req;
    req.set_request_id(client.RequestId());
    req.set_id(id);
    req.set_level(ParseEnum<Level>(level, "LEVEL_", zhongshu::common::v1::Level_Parse, "level"));
    Show(g, client.Call<pb::AdoptReportRequest, pb::Report>(&S::AdoptReport, req));
  } else if (issue->parsed()) {
    pb::IssueInstructionRequest req;
    req.set_request_id(client.RequestId());
    *req.mutable_instruction() = want;
    for (const auto& u : units) req.mutable_instruction()->add_directed_units(u);
    Show(g, client.Call<pb::IssueInstructionRequest, pb::Instruction>(&S::IssueInstruction, req));
  } else if (ilist->parsed()) {
    pb::ListInstructionsRequest req;
    req.set_page_size(page_size);
    req.set_page_token(page_token);
    req.set_report_id(report_filter);
    if (!state.empty()) {
      req.set_state(ParseEnum<pb::InstructionState>(state, "INSTRUCTION_STATE_",
                                                    pb::InstructionState_Parse, "state"));
    }
    auto resp = client.Call<pb::ListInstructionsRequest, pb::ListInstructionsResponse>(
        &S::ListInstructions, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& in : resp.instructions()) {
        rows.push_back({in.id(), Short(pb::InstructionState_Name(in.state()), "INSTRUCTION_STATE_"),
                        in.leader(), in.due_date(), Join(in.directed_units()), in.report_id()});
      }
      PrintTable({"ID", "STATE", "LEADER", "DUE", "UNITS", "REPORT"}, rows);
      if (!resp.next_page_token().empty())
        std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  } else if (ishow->parsed()) {
    pb::GetInstructionRequest req;
    req.set_id(id);
    Show(g, client.Call<pb::GetInstructionRequest, pb::Instruction>(&S::GetInstruction, req));
  }
  return 0;
}

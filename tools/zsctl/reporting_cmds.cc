// zsctl report ... / instruction ...: the reporting service.
#include <google/protobuf/util/time_util.h>

#include <iostream>

#include "common.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::reporting::v1;
using zhongshu::common::v1::Level;
using Stub = pb::ReportingService::Stub;

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
  if (r.has_emergency()) {
    const auto& e = r.emergency();
    PrintFields(
        {{"grade", Short(pb::EmergencyGrade_Name(e.grade()), "EMERGENCY_GRADE_")},
         {"phase", Short(pb::EmergencyPhase_Name(e.phase()), "EMERGENCY_PHASE_")},
         {"chain", e.chain_id().empty() ? "" : e.chain_id() + " #" + std::to_string(e.sequence())},
         {"follows", e.previous_id()},
         {"occurred", Time(e.occurred_at())},
         {"learned", Time(e.learned_at())},
         {"place", e.place()},
         {"casualties", "deaths " + std::to_string(e.casualties().deaths()) + ", injured " +
                            std::to_string(e.casualties().injured()) + ", missing " +
                            std::to_string(e.casualties().missing())},
         {"late (迟报)",
          e.late() ? "yes, written limit " + std::to_string(e.written_limit_minutes()) + " min"
                   : ""}});
  }
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
               {"supervision item", in.supervision_item_id()},
               {"on bulletin", in.bulletin_id()}});
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

pb::Sensitivity Sensitivity(const std::string& s) {
  return ParseEnum<pb::Sensitivity>(s, "SENSITIVITY_", pb::Sensitivity_Parse,
                                    "sensitivity (public|internal|negative)");
}

// Option values live here until the chosen command's callback runs.
struct Args {
  std::string id, title, body, kind = "dynamic", sens = "internal", unit, comment, level, state,
                               page_token, report, text, due, grade, occurred, learned, place,
                               follows, call, topic, description, bulletin, period, start, end,
                               tenant;
  std::vector<std::string> tags, units, mask;
  int page_size = 0, deaths = 0, injured = 0, missing = 0;
  bool all = false, final_report = false;
};

}  // namespace

void AddReportingCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::ReportingService::NewStub(ChannelTo(g, g.reporting_addr)); };

  auto* report = app.add_subcommand("report", "information reports (信息)");
  report->require_subcommand(1);

  auto* create = report->add_subcommand("create", "write a new draft");
  create->add_option("--title", a->title)->required();
  create->add_option("--body", a->body);
  create->add_option("--kind", a->kind, "dynamic|experience|problem|opinion|emergency");
  create->add_option("--sensitivity", a->sens, "public|internal|negative");
  create->add_option("--tag", a->tags, "a tag (repeatable)");
  create->add_option("--unit", a->unit, "submitting unit (default: yours)");
  create->add_option("--grade", a->grade, "emergency: I|II|III|IV (特别重大/重大/较大/一般)");
  create->add_option("--occurred", a->occurred, "emergency: when it happened, RFC 3339");
  create->add_option("--learned", a->learned, "emergency: when the office learned of it, RFC 3339");
  create->add_option("--place", a->place, "emergency: where");
  create->add_option("--deaths", a->deaths);
  create->add_option("--injured", a->injured);
  create->add_option("--missing", a->missing);
  create->add_option("--follows", a->follows, "emergency: the report this one follows up (续报)");
  create->add_flag("--final", a->final_report, "emergency: the final report of the chain (终报)");
  create->add_option("--call", a->call, "the call for information (约稿) this report answers");
  create->callback([&g, a, stub] {
    pb::CreateReportRequest req;
    req.set_request_id(RequestId(g));
    auto* r = req.mutable_report();
    r->set_title(a->title);
    r->set_body(a->body);
    r->set_kind(Kind(a->kind));
    r->set_sensitivity(Sensitivity(a->sens));
    for (const auto& t : a->tags) r->add_tags(t);
    r->set_unit_id(a->unit);
    r->set_call_id(a->call);
    if (r->kind() == pb::REPORT_KIND_EMERGENCY) {
      auto* e = r->mutable_emergency();
      if (!a->grade.empty()) {
        e->set_grade(ParseEnum<pb::EmergencyGrade>(
            a->grade, "EMERGENCY_GRADE_", pb::EmergencyGrade_Parse, "grade (I|II|III|IV)"));
      }
      auto when = [](const std::string& text, google::protobuf::Timestamp* ts) {
        if (!text.empty() && !google::protobuf::util::TimeUtil::FromString(text, ts)) {
          Die("'" + text + "' is not an RFC 3339 time like 2026-11-23T08:30:00+08:00");
        }
      };
      if (!a->occurred.empty()) when(a->occurred, e->mutable_occurred_at());
      if (!a->learned.empty()) when(a->learned, e->mutable_learned_at());
      e->set_place(a->place);
      e->mutable_casualties()->set_deaths(a->deaths);
      e->mutable_casualties()->set_injured(a->injured);
      e->mutable_casualties()->set_missing(a->missing);
      e->set_previous_id(a->follows);
      if (a->final_report) e->set_phase(pb::EMERGENCY_PHASE_FINAL);
    }
    Show(g, Call(g, *stub(), &Stub::CreateReport, req));
  });

  auto* list = report->add_subcommand("list", "list reports you may see, newest first");
  list->add_option("--state", a->state, "draft|submitted|returned|adopted|not-adopted");
  list->add_option("--unit", a->unit, "only this unit");
  list->add_option("--page-size", a->page_size, "reports per page (default 50)");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListReportsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) {
      req.set_state(
          ParseEnum<pb::ReportState>(a->state, "REPORT_STATE_", pb::ReportState_Parse, "state"));
    }
    req.set_unit_id(a->unit);
    auto all = ListPages(g, *stub(), &Stub::ListReports, req, a->all);
    if (g.json) {
      std::cout << Json(all) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : all.reports()) {
      rows.push_back({r.id(), Short(pb::ReportState_Name(r.state()), "REPORT_STATE_"),
                      Short(pb::ReportKind_Name(r.kind()), "REPORT_KIND_"),
                      Short(pb::Sensitivity_Name(r.sensitivity()), "SENSITIVITY_"), r.unit_id(),
                      r.title()});
    }
    PrintTable({"ID", "STATE", "KIND", "SENSITIVITY", "UNIT", "TITLE"}, rows);
    if (!all.next_page_token().empty()) {
      std::cout << "(more: --page-token " << all.next_page_token() << ")\n";
    }
  });

  auto* show = report->add_subcommand("show", "show one report");
  show->add_option("id", a->id)->required();
  show->callback([&g, a, stub] {
    pb::GetReportRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetReport, req));
  });

  auto* update = report->add_subcommand("update", "change a draft or returned report");
  update->add_option("id", a->id)->required();
  update->add_option("--title", a->title)->each([a](const std::string&) {
    a->mask.push_back("title");
  });
  update->add_option("--body", a->body)->each([a](const std::string&) {
    a->mask.push_back("body");
  });
  update->add_option("--kind", a->kind)->each([a](const std::string&) {
    a->mask.push_back("kind");
  });
  update->add_option("--sensitivity", a->sens)->each([a](const std::string&) {
    a->mask.push_back("sensitivity");
  });
  update->add_option("--tag", a->tags)->each([a](const std::string&) {
    if (std::find(a->mask.begin(), a->mask.end(), "tags") == a->mask.end())
      a->mask.push_back("tags");
  });
  update->callback([&g, a, stub] {
    if (a->mask.empty())
      Die("nothing to change: pass --title, --body, --kind, --sensitivity or --tag");
    pb::UpdateReportRequest req;
    req.set_request_id(RequestId(g));
    auto* r = req.mutable_report();
    r->set_id(a->id);
    r->set_title(a->title);
    r->set_body(a->body);
    for (const auto& m : a->mask) {
      if (m == "kind") r->set_kind(Kind(a->kind));
      if (m == "sensitivity") r->set_sensitivity(Sensitivity(a->sens));
      req.mutable_update_mask()->add_paths(m);
    }
    for (const auto& t : a->tags) r->add_tags(t);
    Show(g, Call(g, *stub(), &Stub::UpdateReport, req));
  });

  auto* submit = report->add_subcommand("submit", "submit a draft or returned report (报送)");
  submit->add_option("id", a->id)->required();
  submit->callback([&g, a, stub] {
    pb::SubmitReportRequest req;
    req.set_request_id(RequestId(g));
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::SubmitReport, req));
  });

  auto* ret = report->add_subcommand("return", "return a submitted report for changes (退回修改)");
  ret->add_option("id", a->id)->required();
  ret->add_option("--comment", a->comment, "what to change")->required();
  ret->callback([&g, a, stub] {
    pb::ReturnReportRequest req;
    req.set_request_id(RequestId(g));
    req.set_id(a->id);
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::ReturnReport, req));
  });

  auto* adopt = report->add_subcommand("adopt", "adopt a submitted report (采用)");
  adopt->add_option("id", a->id)->required();
  adopt->add_option("--level", a->level, "county|city|province|central")->required();
  adopt->callback([&g, a, stub] {
    pb::AdoptReportRequest req;
    req.set_request_id(RequestId(g));
    req.set_id(a->id);
    req.set_level(ParseEnum<Level>(a->level, "LEVEL_", zhongshu::common::v1::Level_Parse, "level"));
    Show(g, Call(g, *stub(), &Stub::AdoptReport, req));
  });

  auto* calls = app.add_subcommand("call", "calls for information (约稿)");
  calls->require_subcommand(1);
  auto show_call = [&g](const pb::Call& c) {
    if (g.json) {
      std::cout << Json(c) << "\n";
      return;
    }
    std::string answered;
    for (const auto& an : c.answers()) {
      answered += (answered.empty() ? "" : ", ") + an.unit_id() + " (" + an.report_id() + ")";
    }
    PrintFields({{"id", c.id()},
                 {"topic", c.topic()},
                 {"description", c.description()},
                 {"asked", Join(c.unit_ids())},
                 {"due", c.due_date()},
                 {"answered", answered},
                 {"not answered", Join(c.unanswered_units())},
                 {"reminded", Join(c.reminded_units())},
                 {"created", Time(c.create_time()) + " by " + c.created_by()}});
  };
  auto* ccreate = calls->add_subcommand("create", "ask units for information on a topic by a date");
  ccreate->add_option("--topic", a->topic)->required();
  ccreate->add_option("--description", a->description);
  ccreate->add_option("--unit", a->units, "a unit to ask (repeatable)")->required();
  ccreate->add_option("--due", a->due, "YYYY-MM-DD")->required();
  ccreate->callback([&g, a, stub, show_call] {
    pb::CreateCallRequest req;
    req.set_request_id(RequestId(g));
    auto* c = req.mutable_call();
    c->set_topic(a->topic);
    c->set_description(a->description);
    for (const auto& u : a->units) c->add_unit_ids(u);
    c->set_due_date(a->due);
    show_call(Call(g, *stub(), &Stub::CreateCall, req));
  });
  auto* cshow = calls->add_subcommand("show", "who answered a call and who has not");
  cshow->add_option("id", a->id)->required();
  cshow->callback([&g, a, stub, show_call] {
    pb::GetCallRequest req;
    req.set_id(a->id);
    show_call(Call(g, *stub(), &Stub::GetCall, req));
  });
  auto* clist = calls->add_subcommand("list", "calls you may see, newest first");
  clist->add_option("--page-size", a->page_size);
  clist->add_option("--page-token", a->page_token);
  clist->callback([&g, a, stub] {
    pb::ListCallsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = Call(g, *stub(), &Stub::ListCalls, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : resp.calls()) {
      rows.push_back({c.id(), c.due_date(),
                      std::to_string(c.answers_size()) + "/" + std::to_string(c.unit_ids_size()),
                      c.topic()});
    }
    PrintTable({"ID", "DUE", "ANSWERED", "TOPIC"}, rows);
  });

  auto* bulletin = app.add_subcommand("bulletin", "bulletins (期刊: 每日要情, 信息专报, 快报 …)");
  bulletin->require_subcommand(1);
  auto show_bulletin = [&g](const pb::Bulletin& b) {
    if (g.json) {
      std::cout << Json(b) << "\n";
      return;
    }
    PrintFields(
        {{"id", b.id()},
         {"kind", b.kind_name() + " (" + b.kind() + ")"},
         {"state", Short(pb::BulletinState_Name(b.state()), "BULLETIN_STATE_")},
         {"issue",
          b.number() ? std::to_string(b.year()) + "年第" + std::to_string(b.number()) + "期" : ""},
         {"editor", b.editor()},
         {"published", Time(b.publish_time())},
         {"withheld", b.hidden_items() ? std::to_string(b.hidden_items()) + " item(s)" : ""}});
    for (size_t i = 0; i < static_cast<size_t>(b.items_size()); ++i) {
      const auto& it = b.items(static_cast<int>(i));
      std::cout << "\n"
                << (i + 1) << ". " << it.title() << "  (" << it.unit_id() << ", " << it.report_id()
                << ")\n";
      if (!it.body().empty()) std::cout << "   " << it.body() << "\n";
    }
  };
  auto* bcreate = bulletin->add_subcommand("create", "start an issue of a kind");
  bcreate->add_option("--kind", a->kind, "daily|special|express (configured kinds)")->required();
  bcreate->callback([&g, a, stub, show_bulletin] {
    pb::CreateBulletinRequest req;
    req.set_request_id(RequestId(g));
    req.set_kind(a->kind);
    show_bulletin(Call(g, *stub(), &Stub::CreateBulletin, req));
  });
  auto* badd =
      bulletin->add_subcommand("add", "add an adopted report, optionally with edited text");
  badd->add_option("bulletin", a->bulletin)->required();
  badd->add_option("--report", a->report)->required();
  badd->add_option("--title", a->title, "published title (default: the report's)");
  badd->add_option("--body", a->body, "published text (default: the report's)");
  badd->callback([&g, a, stub, show_bulletin] {
    pb::AddBulletinItemRequest req;
    req.set_request_id(RequestId(g));
    req.set_bulletin_id(a->bulletin);
    req.set_report_id(a->report);
    req.set_title(a->title);
    req.set_body(a->body);
    show_bulletin(Call(g, *stub(), &Stub::AddBulletinItem, req));
  });
  auto* bpub = bulletin->add_subcommand("publish", "publish an issue: it gets its number");
  bpub->add_option("bulletin", a->bulletin)->required();
  bpub->callback([&g, a, stub, show_bulletin] {
    pb::PublishBulletinRequest req;
    req.set_request_id(RequestId(g));
    req.set_id(a->bulletin);
    show_bulletin(Call(g, *stub(), &Stub::PublishBulletin, req));
  });
  auto* bshow = bulletin->add_subcommand("show", "show an issue");
  bshow->add_option("bulletin", a->bulletin)->required();
  bshow->callback([&g, a, stub, show_bulletin] {
    pb::GetBulletinRequest req;
    req.set_id(a->bulletin);
    show_bulletin(Call(g, *stub(), &Stub::GetBulletin, req));
  });
  auto* blist = bulletin->add_subcommand("list", "issues you may see, newest first");
  blist->add_option("--kind", a->kind);
  blist->callback([&g, a, stub] {
    pb::ListBulletinsRequest req;
    if (a->kind != "dynamic") req.set_kind(a->kind);
    auto resp = Call(g, *stub(), &Stub::ListBulletins, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : resp.bulletins()) {
      rows.push_back({b.id(), b.kind_name(),
                      Short(pb::BulletinState_Name(b.state()), "BULLETIN_STATE_"),
                      b.number() ? std::to_string(b.year()) + "-" + std::to_string(b.number()) : "",
                      std::to_string(b.items_size())});
    }
    PrintTable({"ID", "KIND", "STATE", "ISSUE", "ITEMS"}, rows);
  });

  auto* ranking = app.add_subcommand("ranking", "points and rankings (信息工作考核)");
  ranking->require_subcommand(1);
  auto period_options = [a](CLI::App* cmd) {
    cmd->add_option("--period", a->period, "YYYY-MM, YYYY-Qn or YYYY");
    cmd->add_option("--from", a->start, "start date YYYY-MM-DD (instead of --period)");
    cmd->add_option("--to", a->end, "end date YYYY-MM-DD");
  };
  auto rankings_request = [a] {
    pb::ListRankingsRequest req;
    req.set_period(a->period);
    req.set_start_date(a->start);
    req.set_end_date(a->end);
    req.set_tenant(a->tenant);
    return req;
  };
  auto* rlist = ranking->add_subcommand("list", "rank the units of a tenant over a period");
  period_options(rlist);
  rlist->add_option("--tenant", a->tenant, "default: yours");
  rlist->callback([&g, stub, rankings_request] {
    auto resp = Call(g, *stub(), &Stub::ListRankings, rankings_request());
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : resp.ranks()) {
      rows.push_back({std::to_string(r.rank()), r.unit_name(), r.unit_id(),
                      std::to_string(r.points()), std::to_string(r.entries())});
    }
    PrintTable({"RANK", "UNIT", "ID", "POINTS", "ENTRIES"}, rows);
  });
  auto* rexport = ranking->add_subcommand("export", "the rankings as CSV");
  period_options(rexport);
  rexport->add_option("--tenant", a->tenant, "default: yours");
  rexport->callback([&g, stub, rankings_request] {
    // ExportRankingsRequest has the fields, and field numbers, of ListRankingsRequest.
    pb::ExportRankingsRequest req;
    req.ParseFromString(rankings_request().SerializeAsString());
    std::cout << Call(g, *stub(), &Stub::ExportRankings, req).csv();
  });
  auto* rentries = ranking->add_subcommand("entries", "the ledger rows of a unit over a period");
  period_options(rentries);
  rentries->add_option("--unit", a->unit)->required();
  rentries->callback([&g, a, stub] {
    pb::ListScoreEntriesRequest req;
    req.set_unit_id(a->unit);
    req.set_period(a->period);
    req.set_start_date(a->start);
    req.set_end_date(a->end);
    auto resp = Call(g, *stub(), &Stub::ListScoreEntries, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : resp.entries()) {
      rows.push_back({Time(e.time()), std::to_string(e.points()), e.reason(), e.report_id()});
    }
    PrintTable({"TIME", "POINTS", "REASON", "REPORT"}, rows);
    if (resp.hidden_entries()) std::cout << "(" << resp.hidden_entries() << " entries withheld)\n";
  });

  auto* emergency = app.add_subcommand("emergency", "emergency chains (突发事件 初报/续报/终报)");
  emergency->require_subcommand(1);
  auto* chain = emergency->add_subcommand("chain", "show a chain as one timeline");
  chain->add_option("chain-id", a->id, "the initial report's id")->required();
  chain->callback([&g, a, stub] {
    pb::GetEmergencyChainRequest req;
    req.set_chain_id(a->id);
    auto c = Call(g, *stub(), &Stub::GetEmergencyChain, req);
    if (g.json) {
      std::cout << Json(c) << "\n";
      return;
    }
    std::cout << "chain " << c.chain_id()
              << (c.closed() ? " (closed by its final report)" : " (open)") << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : c.reports()) {
      const auto& e = r.emergency();
      rows.push_back(
          {std::to_string(e.sequence()),
           Short(pb::EmergencyPhase_Name(e.phase()), "EMERGENCY_PHASE_"), Time(r.submit_time()),
           Short(pb::EmergencyGrade_Name(e.grade()), "EMERGENCY_GRADE_"),
           std::to_string(e.casualties().deaths()) + "/" + std::to_string(e.casualties().injured()),
           e.late() ? "迟报" : "", r.id(), r.title()});
    }
    PrintTable({"#", "PHASE", "SUBMITTED", "GRADE", "DEAD/INJ", "LATE", "ID", "TITLE"}, rows);
  });

  auto* instruction = app.add_subcommand("instruction", "leader instructions (批示)");
  instruction->require_subcommand(1);
  auto* issue = instruction->add_subcommand("issue", "write an instruction on a report");
  issue->add_option("--report", a->report, "report id")->required();
  issue->add_option("--text", a->text, "the instruction")->required();
  issue->add_option("--unit", a->units, "a unit to handle it; the first leads (repeatable)")
      ->required();
  issue->add_option("--due", a->due, "due date YYYY-MM-DD")->required();
  issue->add_option("--bulletin", a->bulletin, "the published bulletin whose item this is on");
  issue->callback([&g, a, stub] {
    pb::IssueInstructionRequest req;
    req.set_request_id(RequestId(g));
    auto* in = req.mutable_instruction();
    in->set_report_id(a->report);
    in->set_text(a->text);
    for (const auto& u : a->units) in->add_directed_units(u);
    in->set_due_date(a->due);
    in->set_bulletin_id(a->bulletin);
    Show(g, Call(g, *stub(), &Stub::IssueInstruction, req));
  });
  auto* ilist = instruction->add_subcommand("list", "list instructions");
  ilist->add_option("--report", a->report, "only on this report");
  ilist->add_option("--state", a->state, "open|answered");
  ilist->add_option("--page-size", a->page_size);
  ilist->add_option("--page-token", a->page_token);
  ilist->callback([&g, a, stub] {
    pb::ListInstructionsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    req.set_report_id(a->report);
    if (!a->state.empty()) {
      req.set_state(ParseEnum<pb::InstructionState>(a->state, "INSTRUCTION_STATE_",
                                                    pb::InstructionState_Parse, "state"));
    }
    auto resp = Call(g, *stub(), &Stub::ListInstructions, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& in : resp.instructions()) {
      rows.push_back({in.id(), Short(pb::InstructionState_Name(in.state()), "INSTRUCTION_STATE_"),
                      in.leader(), in.due_date(), Join(in.directed_units()), in.report_id()});
    }
    PrintTable({"ID", "STATE", "LEADER", "DUE", "UNITS", "REPORT"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });
  auto* ishow = instruction->add_subcommand("show", "show one instruction");
  ishow->add_option("id", a->id)->required();
  ishow->callback([&g, a, stub] {
    pb::GetInstructionRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetInstruction, req));
  });
}

}  // namespace zsctl

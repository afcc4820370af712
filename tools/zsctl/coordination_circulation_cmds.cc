// zsctl document ...: document circulation (公文传阅/办文) of the coordination service.
#include <google/protobuf/util/time_util.h>

#include <iostream>

#include "common.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::coordination::v1;
using Stub = pb::CirculationService::Stub;

const Choices<pb::Urgency> kUrgencies = {{"normal", pb::URGENCY_NORMAL},
                                         {"urgent", pb::URGENCY_URGENT},
                                         {"extra-urgent", pb::URGENCY_EXTRA_URGENT},
                                         {"平件", pb::URGENCY_NORMAL},
                                         {"急件", pb::URGENCY_URGENT},
                                         {"特急", pb::URGENCY_EXTRA_URGENT}};
const Choices<pb::StageKind> kKinds = {
    {"propose", pb::STAGE_KIND_PROPOSE},     {"instruct", pb::STAGE_KIND_INSTRUCT},
    {"circulate", pb::STAGE_KIND_CIRCULATE}, {"拟办", pb::STAGE_KIND_PROPOSE},
    {"批办", pb::STAGE_KIND_INSTRUCT},       {"传阅", pb::STAGE_KIND_CIRCULATE}};
const Choices<pb::StageOrder> kOrders = {{"sequential", pb::STAGE_ORDER_SEQUENTIAL},
                                         {"parallel", pb::STAGE_ORDER_PARALLEL},
                                         {"依次", pb::STAGE_ORDER_SEQUENTIAL},
                                         {"同时", pb::STAGE_ORDER_PARALLEL}};
const Choices<pb::DocumentState> kStates = {{"registered", pb::DOCUMENT_STATE_REGISTERED},
                                            {"circulating", pb::DOCUMENT_STATE_CIRCULATING},
                                            {"completed", pb::DOCUMENT_STATE_COMPLETED}};

google::protobuf::Timestamp ParseTime(const std::string& text, const std::string& what) {
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(text, &ts)) {
    Die("bad " + what + " '" + text + "': use RFC 3339, e.g. 2026-11-25T18:00:00+08:00");
  }
  return ts;
}

// "kind:order:reader,reader" → a stage, e.g. "拟办:sequential:sun.zonghe".
pb::StageSpec ParseStage(const std::string& text) {
  const auto a = text.find(':');
  const auto b = a == std::string::npos ? a : text.find(':', a + 1);
  if (b == std::string::npos) Die("bad stage '" + text + "': use KIND:ORDER:READER[,READER...]");
  pb::StageSpec s;
  s.set_kind(ParseChoice(text.substr(0, a), kKinds, "stage kind"));
  s.set_order(ParseChoice(text.substr(a + 1, b - a - 1), kOrders, "stage order"));
  std::string rest = text.substr(b + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    const auto comma = rest.find(',', start);
    const std::string r =
        rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!r.empty()) s.add_readers(r);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return s;
}

std::string StateName(pb::DocumentState s) {
  return Short(pb::DocumentState_Name(s), "DOCUMENT_STATE_");
}

void Show(const Globals& g, const pb::Document& d) {
  if (g.json) {
    std::cout << Json(d) << "\n";
    return;
  }
  PrintFields(
      {{"id", d.id()},
       {"number", d.number()},
       {"source", d.source()},
       {"title", d.title()},
       {"urgency", Short(pb::Urgency_Name(d.urgency()), "URGENCY_")},
       {"secrecy", d.secrecy_name()},
       {"state", StateName(d.state())},
       {"received", Time(d.received_at())},
       {"handling limit", d.has_handling_limit() ? Time(d.handling_limit()) : ""},
       {"registered by", d.registered_by()},
       {"completed",
        d.completed_by().empty() ? "" : Time(d.completed_at()) + " by " + d.completed_by()}});
  for (const auto& s : d.stages()) {
    std::cout << "\nstage " << s.seq() << " " << Short(pb::StageKind_Name(s.kind()), "STAGE_KIND_")
              << " (" << Short(pb::StageOrder_Name(s.order()), "STAGE_ORDER_") << ")\n";
    for (const auto& r : s.readings()) {
      std::cout << "  "
                << (r.reader_name().empty() ? r.reader()
                                            : r.reader_name() + " (" + r.reader() + ")")
                << "  " << (r.has_read_at() ? "read " + Time(r.read_at()) : "unread")
                << (r.comment().empty() ? "" : ": " + r.comment()) << "\n";
    }
  }
  for (const auto& in : d.instructions()) {
    std::cout << "\ninstruction " << in.id() << " by " << in.leader() << " "
              << Time(in.recorded_at()) << ", due " << in.due_date() << " → "
              << Join(in.directed_units()) << "\n  " << in.text() << "\n";
  }
}

struct Args {
  std::string id, source, number, title, urgency = "normal", limit, received, comment, text, due,
                                         state, page_token;
  std::vector<std::string> stages, units;
  int secrecy = 0, page_size = 0;
  bool all = false;
};

}  // namespace

void AddCirculationCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::CirculationService::NewStub(ChannelTo(g, g.coordination_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };
  auto with_id = [a](CLI::App* cmd) {
    cmd->add_option("id", a->id, "the document's id")->required();
  };
  const std::string stage_help = "a stage KIND:ORDER:READER[,READER...], kind " +
                                 Spellings(kKinds) + ", order " + Spellings(kOrders);

  auto* doc = app.add_subcommand("document", "document circulation (公文传阅/办文)");
  doc->require_subcommand(1);

  auto* reg = doc->add_subcommand("register", "register an incoming document (签收登记)");
  reg->add_option("--source", a->source, "the issuing office (来文单位)")->required();
  reg->add_option("--number", a->number, "the document number (文号)")->required();
  reg->add_option("--title", a->title, "the title")->required();
  reg->add_option("--urgency", a->urgency, "urgency: " + Spellings(kUrgencies));
  reg->add_option("--secrecy", a->secrecy, "secrecy level 0 非密, 1 秘密, 2 机密, 3 绝密");
  reg->add_option("--limit", a->limit, "handling limit (办理时限), RFC 3339; urgent documents");
  reg->add_option("--received", a->received, "when it was received, RFC 3339 (default now)");
  reg->callback([&g, a, stub, rid] {
    pb::RegisterDocumentRequest req;
    rid(req);
    auto* d = req.mutable_document();
    d->set_source(a->source);
    d->set_number(a->number);
    d->set_title(a->title);
    d->set_urgency(ParseChoice(a->urgency, kUrgencies, "urgency"));
    d->set_secrecy_level(a->secrecy);
    if (!a->limit.empty()) *d->mutable_handling_limit() = ParseTime(a->limit, "--limit");
    if (!a->received.empty()) *d->mutable_received_at() = ParseTime(a->received, "--received");
    Show(g, Call(g, *stub(), &Stub::RegisterDocument, req));
  });

  auto* route =
      doc->add_subcommand("route", "route a document to its readers (拟办 → 批办 → 传阅)");
  with_id(route);
  route->add_option("--stage", a->stages, stage_help + "; repeatable, in order")
      ->required()
      ->allow_extra_args(false);
  route->callback([&g, a, stub, rid] {
    pb::RouteDocumentRequest req;
    rid(req);
    req.set_id(a->id);
    for (const auto& s : a->stages) *req.add_stages() = ParseStage(s);
    Show(g, Call(g, *stub(), &Stub::RouteDocument, req));
  });

  auto* step = doc->add_subcommand("add-step", "append a stage of readers to a document's route");
  with_id(step);
  step->add_option("--stage", a->stages, stage_help)->required()->allow_extra_args(false);
  step->callback([&g, a, stub, rid] {
    pb::AddRouteStepRequest req;
    rid(req);
    req.set_id(a->id);
    *req.mutable_stage() = ParseStage(a->stages.front());
    Show(g, Call(g, *stub(), &Stub::AddRouteStep, req));
  });

  auto* read = doc->add_subcommand("read", "mark a document read (阅), when it is your turn");
  with_id(read);
  read->add_option("--comment", a->comment, "your comment (阅批意见)");
  read->callback([&g, a, stub, rid] {
    pb::MarkReadRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::MarkRead, req));
  });

  auto* instruct = doc->add_subcommand(
      "instruct", "a leader's instruction (批示) on a document; opens a supervision item");
  with_id(instruct);
  instruct->add_option("--text", a->text, "the instruction")->required();
  instruct->add_option("--unit", a->units, "a directed unit (the first leads); repeatable")
      ->required()
      ->allow_extra_args(false);
  instruct->add_option("--due", a->due, "due date YYYY-MM-DD")->required();
  instruct->callback([&g, a, stub, rid] {
    pb::RecordInstructionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_text(a->text);
    for (const auto& u : a->units) req.add_directed_units(u);
    req.set_due_date(a->due);
    Show(g, Call(g, *stub(), &Stub::RecordInstruction, req));
  });

  auto* limit = doc->add_subcommand("set-limit", "change a document's handling limit (办理时限)");
  with_id(limit);
  limit->add_option("--limit", a->limit, "the new limit, RFC 3339")->required();
  limit->callback([&g, a, stub, rid] {
    pb::UpdateHandlingLimitRequest req;
    rid(req);
    req.set_id(a->id);
    *req.mutable_handling_limit() = ParseTime(a->limit, "--limit");
    Show(g, Call(g, *stub(), &Stub::UpdateHandlingLimit, req));
  });

  auto* complete = doc->add_subcommand("complete", "complete a document (办结) once all have read");
  with_id(complete);
  complete->callback([&g, a, stub, rid] {
    pb::CompleteDocumentRequest req;
    rid(req);
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::CompleteDocument, req));
  });

  auto* get = doc->add_subcommand("get", "show a document with its whole route");
  get->alias("show");
  with_id(get);
  get->callback([&g, a, stub] {
    pb::GetDocumentRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetDocument, req));
  });

  auto* list = doc->add_subcommand("list", "list the documents you may see");
  list->add_option("--state", a->state, "only in this state: " + Spellings(kStates));
  list->add_option("--page-size", a->page_size, "documents per page");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListDocumentsRequest req;
    if (!a->state.empty()) req.set_state(ParseChoice(a->state, kStates, "state"));
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = ListPages(g, *stub(), &Stub::ListDocuments, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : resp.documents()) {
      rows.push_back({d.id(), d.number(), d.title(),
                      Short(pb::Urgency_Name(d.urgency()), "URGENCY_"), d.secrecy_name(),
                      StateName(d.state())});
    }
    PrintTable({"ID", "NUMBER", "TITLE", "URGENCY", "SECRECY", "STATE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });
}

}  // namespace zsctl

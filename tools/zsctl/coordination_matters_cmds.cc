// zsctl matter ...: the coordination service's matters (协调事项).
#include <iostream>

#include "common.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::coordination::v1;
using Stub = pb::MattersService::Stub;

std::string StateText(pb::MatterState s) { return Short(pb::MatterState_Name(s), "MATTER_STATE_"); }
std::string KindText(pb::MatterKind k) { return Short(pb::MatterKind_Name(k), "MATTER_KIND_"); }

void Show(const Globals& g, const pb::Matter& m) {
  if (g.json) {
    std::cout << Json(m) << "\n";
    return;
  }
  std::string parties;
  for (const auto& p : m.parties()) parties += (parties.empty() ? "" : ", ") + p.unit();
  PrintFields({{"id", m.id()},
               {"title", m.title()},
               {"kind", KindText(m.kind())},
               {"state", StateText(m.state())},
               {"sensitive", m.sensitive() ? (m.withheld() ? "yes (words withheld)" : "yes") : ""},
               {"raised", m.raised_by().empty() ? "by hand" : m.raised_by() + " " + m.raised_ref()},
               {"parties", parties},
               {"opened by", m.created_by_name().empty()
                                 ? m.created_by()
                                 : m.created_by_name() + " (" + m.created_by() + ")"},
               {"opened", Time(m.create_time())},
               {"withdrawn", m.withdraw_reason()}});
  if (!m.description().empty()) std::cout << "\n" << m.description() << "\n";
  for (const auto& p : m.parties()) {
    std::cout << "\n  " << p.unit_name() << " (" << p.unit() << "): "
              << (p.position().empty()
                      ? "(no position yet)"
                      : p.position() + "  — " + p.stated_by() + ", " + Time(p.stated_time()))
              << "\n";
  }
  if (m.has_decision()) {
    const auto& d = m.decision();
    std::cout << "\ndecision by " << d.decided_by_name() << " (" << d.decided_by() << ") at "
              << Time(d.decided_time()) << ": " << d.text() << "\n  lead " << d.lead_unit()
              << (d.co_units().empty() ? "" : ", co " + Join(d.co_units())) << "\n"
              << (d.reasons().empty() ? "" : "  reasons: " + d.reasons() + "\n");
  }
  std::cout << "\ntimeline:\n";
  for (const auto& s : m.timeline()) {
    std::cout << "  " << Time(s.time()) << "  " << s.action() << "  " << s.actor()
              << (s.unit().empty() ? "" : "  " + s.unit())
              << (s.note().empty() ? "" : "  " + s.note()) << "\n";
  }
}

struct Args {
  std::string id, title, description, kind = "dispute", state, unit, text, note, reasons, lead;
  std::vector<std::string> parties, co;
  bool sensitive = false;
  int page_size = 0;
  std::string page_token;
  bool all = false;
};

const Choices<pb::MatterKind> kKinds{{"dispute", pb::MATTER_KIND_DISPUTE},
                                     {"争议", pb::MATTER_KIND_DISPUTE},
                                     {"question", pb::MATTER_KIND_QUESTION},
                                     {"问题", pb::MATTER_KIND_QUESTION}};

}  // namespace

void AddMattersCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::MattersService::NewStub(ChannelTo(g, g.coordination_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };

  auto* matter = app.add_subcommand("matter", "coordination matters (协调事项)");
  matter->require_subcommand(1);

  auto* create = matter->add_subcommand("create", "open a matter by hand (the office)");
  create->add_option("--title", a->title)->required();
  create->add_option("--description", a->description);
  create->add_option("--kind", a->kind, Spellings(kKinds));
  create->add_option("--party", a->parties, "a party unit, repeatable (two for a dispute)")
      ->required();
  create->add_flag("--sensitive", a->sensitive, "words only for those who may read them");
  create->callback([&g, a, stub, rid] {
    pb::CreateMatterRequest req;
    rid(req);
    req.set_title(a->title);
    req.set_description(a->description);
    req.set_kind(ParseChoice(a->kind, kKinds, "kind"));
    for (const auto& p : a->parties) req.add_parties(p);
    req.set_sensitive(a->sensitive);
    Show(g, Call(g, *stub(), &Stub::CreateMatter, req));
  });

  auto* show = matter->add_subcommand("show", "show a matter with its positions and timeline");
  show->add_option("id", a->id)->required();
  show->callback([&g, a, stub] {
    pb::GetMatterRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetMatter, req));
  });

  auto* list = matter->add_subcommand("list", "list matters you may see, newest first");
  list->add_option("--state", a->state, "open|in-coordination|resolved|withdrawn");
  list->add_option("--page-size", a->page_size);
  list->add_option("--page-token", a->page_token);
  list->add_flag("--all", a->all, "every page");
  list->callback([&g, a, stub] {
    pb::ListMattersRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) {
      req.set_state(
          ParseEnum<pb::MatterState>(a->state, "MATTER_STATE_", pb::MatterState_Parse, "state"));
    }
    auto resp = ListPages(g, *stub(), &Stub::ListMatters, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : resp.matters()) {
      std::string parties;
      for (const auto& p : m.parties()) parties += (parties.empty() ? "" : ",") + p.unit();
      rows.push_back({m.id(), StateText(m.state()), KindText(m.kind()),
                      m.raised_by().empty() ? "hand" : m.raised_by(), parties, m.title()});
    }
    PrintTable({"ID", "STATE", "KIND", "RAISED", "PARTIES", "TITLE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });

  auto* position = matter->add_subcommand("position", "state your unit's position (a party)");
  position->add_option("id", a->id)->required();
  position->add_option("--text", a->text, "the position")->required();
  position->add_option("--unit", a->unit, "your unit (default: the token's)");
  position->callback([&g, a, stub, rid] {
    pb::StatePositionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_position(a->text);
    Show(g, Call(g, *stub(), &Stub::StatePosition, req));
  });

  auto* coordinate =
      matter->add_subcommand("coordinate", "start coordination (coordinator, office director)");
  coordinate->add_option("id", a->id)->required();
  coordinate->add_option("--note", a->note);
  coordinate->callback([&g, a, stub, rid] {
    pb::StartCoordinationRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_note(a->note);
    Show(g, Call(g, *stub(), &Stub::StartCoordination, req));
  });

  auto* resolve =
      matter->add_subcommand("resolve", "decide a matter (office director or leader only)");
  resolve->add_option("id", a->id)->required();
  resolve->add_option("--decision", a->text, "what was decided")->required();
  resolve->add_option("--reasons", a->reasons);
  resolve->add_option("--lead", a->lead, "lead unit (牵头)")->required();
  resolve->add_option("--co", a->co, "co-unit (配合), repeatable");
  resolve->callback([&g, a, stub, rid] {
    pb::ResolveMatterRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_decision(a->text);
    req.set_reasons(a->reasons);
    req.set_lead_unit(a->lead);
    for (const auto& u : a->co) req.add_co_units(u);
    Show(g, Call(g, *stub(), &Stub::ResolveMatter, req));
  });

  auto* withdraw = matter->add_subcommand("withdraw", "withdraw a matter opened by hand");
  withdraw->add_option("id", a->id)->required();
  withdraw->add_option("--reason", a->reasons)->required();
  withdraw->callback([&g, a, stub, rid] {
    pb::WithdrawMatterRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reasons);
    Show(g, Call(g, *stub(), &Stub::WithdrawMatter, req));
  });
}

}  // namespace zsctl

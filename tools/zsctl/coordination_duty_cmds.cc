// zsctl duty ... / incident ...: the coordination service's duty module (值班/应急).
#include <iostream>

#include "common.h"
#include "zhongshu/coordination/v1/duty.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::coordination::v1;
using Stub = pb::DutyService::Stub;

const Choices<pb::DutyRole> kRoles = {{"leader", pb::DUTY_ROLE_LEADER},
                                      {"officer", pb::DUTY_ROLE_OFFICER},
                                      {"带班领导", pb::DUTY_ROLE_LEADER},
                                      {"值班员", pb::DUTY_ROLE_OFFICER}};
const Choices<pb::IncidentState> kStates = {{"open", pb::INCIDENT_STATE_OPEN},
                                            {"closed", pb::INCIDENT_STATE_CLOSED}};

void ShowDay(const Globals& g, const pb::DutyDay& d) {
  if (g.json) {
    std::cout << Json(d) << "\n";
    return;
  }
  std::string officers;
  for (int i = 0; i < d.officers_size(); ++i) {
    officers += (i ? ", " : "") + (i < d.officer_names_size()
                                       ? d.officer_names(i) + " (" + d.officers(i) + ")"
                                       : d.officers(i));
  }
  std::cout << d.date() << "  带班领导 " << d.leader_name() << " (" << d.leader() << ")  值班员 "
            << (officers.empty() ? "-" : officers) << (d.note().empty() ? "" : "  " + d.note())
            << "\n";
  for (const auto& s : d.swaps()) {
    std::cout << "    swapped " << Short(pb::DutyRole_Name(s.role()), "DUTY_ROLE_") << " with "
              << s.other_date() << " by " << s.swapped_by() << " " << Time(s.swap_time())
              << (s.reason().empty() ? "" : ": " + s.reason()) << "\n";
  }
}

void ShowIncident(const Globals& g, const pb::Incident& i) {
  if (g.json) {
    std::cout << Json(i) << "\n";
    return;
  }
  std::cout << i.id() << "  " << Short(pb::IncidentState_Name(i.state()), "INCIDENT_STATE_")
            << "  grade " << i.grade() << "  " << i.title() << "\n"
            << "  chain " << i.chain_id() << ", reports " << Join(i.report_ids()) << "\n"
            << "  plan " << i.plan() << " (" << i.plan_title() << "), duty day " << i.duty_date()
            << "\n"
            << "  alert " << i.alert().alerted_name() << " (" << i.alert().alerted() << ") level "
            << i.alert().level()
            << (i.alert().acknowledged() ? ", acknowledged by " + i.alert().acknowledged_by()
                                         : ", acknowledge by " + Time(i.alert().ack_due()))
            << "\n";
  for (const auto& s : i.steps()) {
    std::cout << "  [" << (s.done() ? "x" : " ") << "] " << s.id() << " " << s.name()
              << (s.mandatory() ? "" : " (optional)")
              << (s.done() ? "  — " + s.done_by() + " " + Time(s.done_time()) : "") << "\n";
  }
  std::cout << "  timeline:\n";
  for (const auto& e : i.timeline()) {
    std::cout << "    " << Time(e.time()) << "  " << e.kind() << "  " << e.actor() << "  "
              << e.text() << "\n";
  }
  if (i.state() == pb::INCIDENT_STATE_CLOSED) {
    std::cout << "  closed by " << i.closed_by() << " " << Time(i.close_time())
              << (i.close_reason().empty() ? "" : ": " + i.close_reason()) << "\n";
  }
}

struct Args {
  std::string date, date_b, leader, note, role, reason, from, to, id, step, text, state, page_token;
  std::vector<std::string> officers;
  int page_size = 0;
  bool all = false;
};

}  // namespace

void AddDutyCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::DutyService::NewStub(ChannelTo(g, g.coordination_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };

  auto* duty = app.add_subcommand("duty", "the duty roster (值班表)");
  duty->require_subcommand(1);

  auto* set = duty->add_subcommand("set", "set a day's leader and officers on duty (coordinators)");
  set->add_option("date", a->date, "the day, YYYY-MM-DD")->required();
  set->add_option("--leader", a->leader, "the leader on duty (带班领导), user id")->required();
  set->add_option("--officer", a->officers, "an officer on duty (值班员); repeatable")
      ->allow_extra_args(false);
  set->add_option("--note", a->note, "a note");
  set->callback([&g, a, stub, rid] {
    pb::SetDutyRequest req;
    rid(req);
    req.set_date(a->date);
    req.set_leader(a->leader);
    for (const auto& o : a->officers) req.add_officers(o);
    req.set_note(a->note);
    ShowDay(g, Call(g, *stub(), &Stub::SetDuty, req));
  });

  auto* roster = duty->add_subcommand("roster", "the roster of a date range");
  roster->add_option("from", a->from, "first day, YYYY-MM-DD")->required();
  roster->add_option("to", a->to, "last day, YYYY-MM-DD")->required();
  roster->callback([&g, a, stub] {
    pb::GetRosterRequest req;
    req.set_from_date(a->from);
    req.set_to_date(a->to);
    auto resp = Call(g, *stub(), &Stub::GetRoster, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    for (const auto& d : resp.days()) ShowDay(g, d);
  });

  auto* swap = duty->add_subcommand("swap", "two days swap their leader or officers");
  swap->add_option("date_a", a->date, "one day")->required();
  swap->add_option("date_b", a->date_b, "the other day")->required();
  swap->add_option("--role", a->role, Spellings(kRoles))->required();
  swap->add_option("--reason", a->reason, "why");
  swap->callback([&g, a, stub, rid] {
    pb::SwapDutyRequest req;
    rid(req);
    req.set_date_a(a->date);
    req.set_date_b(a->date_b);
    req.set_role(ParseChoice(a->role, kRoles, "role"));
    req.set_reason(a->reason);
    auto resp = Call(g, *stub(), &Stub::SwapDuty, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    ShowDay(g, resp.a());
    ShowDay(g, resp.b());
  });

  auto* incident =
      app.add_subcommand("incident", "incidents opened by emergency reports (突发事件)");
  incident->require_subcommand(1);
  auto with_id = [a](CLI::App* cmd) {
    cmd->add_option("id", a->id, "the incident's id")->required();
  };

  auto* get = incident->add_subcommand("get", "an incident with its checklist and timeline");
  get->alias("show");
  with_id(get);
  get->callback([&g, a, stub] {
    pb::GetIncidentRequest req;
    req.set_id(a->id);
    ShowIncident(g, Call(g, *stub(), &Stub::GetIncident, req));
  });

  auto* list = incident->add_subcommand("list", "incidents you may see, newest first");
  list->add_option("--state", a->state, Spellings(kStates));
  list->add_option("--page-size", a->page_size, "incidents per page");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListIncidentsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) req.set_state(ParseChoice(a->state, kStates, "state"));
    auto resp = ListPages(g, *stub(), &Stub::ListIncidents, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    for (const auto& i : resp.incidents()) {
      std::cout << i.id() << "  " << Short(pb::IncidentState_Name(i.state()), "INCIDENT_STATE_")
                << "  grade " << i.grade() << "  alert " << i.alert().alerted()
                << (i.alert().acknowledged() ? " (ack)" : "") << "  " << i.title() << "\n";
    }
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });

  auto* ack = incident->add_subcommand("ack", "acknowledge the alert (the person alerted)");
  with_id(ack);
  ack->callback([&g, a, stub, rid] {
    pb::AcknowledgeAlertRequest req;
    rid(req);
    req.set_id(a->id);
    ShowIncident(g, Call(g, *stub(), &Stub::AcknowledgeAlert, req));
  });

  auto* step = incident->add_subcommand("step", "complete a checklist step");
  with_id(step);
  step->add_option("step", a->step, "the step's id, e.g. s1")->required();
  step->add_option("--note", a->note, "what was done");
  step->callback([&g, a, stub, rid] {
    pb::CompleteStepRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_step_id(a->step);
    req.set_note(a->note);
    ShowIncident(g, Call(g, *stub(), &Stub::CompleteStep, req));
  });

  auto* note = incident->add_subcommand("note", "add a note to the timeline");
  with_id(note);
  note->add_option("text", a->text, "the note")->required();
  note->callback([&g, a, stub, rid] {
    pb::AddNoteRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_text(a->text);
    ShowIncident(g, Call(g, *stub(), &Stub::AddNote, req));
  });

  auto* close = incident->add_subcommand("close", "close an incident");
  with_id(close);
  close->add_option("--reason", a->reason,
                    "required while mandatory steps are open (duty leader or coordinator)");
  close->callback([&g, a, stub, rid] {
    pb::CloseIncidentRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    ShowIncident(g, Call(g, *stub(), &Stub::CloseIncident, req));
  });
}

}  // namespace zsctl

// zsctl item ... / task ...: the supervision service.
#include <iostream>

#include "common.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::supervision::v1;
namespace ev = zhongshu::events::v1;
using Stub = pb::SupervisionService::Stub;

std::string TaskState(pb::TaskState s) { return Short(pb::TaskState_Name(s), "TASK_STATE_"); }

void Show(const Globals& g, const pb::Item& it) {
  if (g.json) {
    std::cout << Json(it) << "\n";
    return;
  }
  PrintFields(
      {{"id", it.id()},
       {"title", it.title()},
       {"state", Short(pb::ItemState_Name(it.state()), "ITEM_STATE_")},
       {"source",
        Short(ev::SourceType_Name(it.source_type()), "SOURCE_TYPE_") + " " + it.source_ref()},
       {"requirement", it.requirement()},
       {"leader", it.instructing_leader_name().empty()
                      ? it.instructing_leader()
                      : it.instructing_leader_name() + " (" + it.instructing_leader() + ")"},
       {"priority", Short(pb::Priority_Name(it.priority()), "PRIORITY_")},
       {"deadline", it.deadline()},
       {"cadence", it.cadence().kind() == pb::Cadence::KIND_UNSPECIFIED
                       ? ""
                       : Short(pb::Cadence::Kind_Name(it.cadence().kind()), "KIND_") + " by day " +
                             std::to_string(it.cadence().day())},
       {"tasks", std::to_string(it.closed_task_count()) + "/" + std::to_string(it.task_count()) +
                     " closed" +
                     (it.cancelled_task_count()
                          ? ", " + std::to_string(it.cancelled_task_count()) + " cancelled"
                          : "")},
       {"feedback", it.feedback_summary()},
       {"cancelled", it.cancel_reason()},
       {"sensitivity", it.negative() ? "negative information (负面信息)" : ""},
       {"created", Time(it.create_time())},
       {"closed", Time(it.close_time())}});
  if (!it.background().empty()) std::cout << "\n" << it.background() << "\n";
}

void Show(const Globals& g, const pb::Task& t) {
  if (g.json) {
    std::cout << Json(t) << "\n";
    return;
  }
  std::string ext;
  for (const auto& e : t.extensions()) {
    ext += (ext.empty() ? "" : "; ") + e.requested_due_date() + " " +
           Short(pb::ExtensionState_Name(e.state()), "EXTENSION_STATE_");
  }
  PrintFields({{"id", t.id()},
               {"item", t.item_id()},
               {"state", TaskState(t.state())},
               {"lead unit", t.lead_unit()},
               {"co-units", Join(t.co_units())},
               {"deliverable", t.deliverable()},
               {"due", t.due_date()},
               {"progress", std::to_string(t.percent()) + "%"},
               {"contested", t.contest_reason()},
               {"completion", t.completion_summary()},
               {"evidence", Join(t.completion_evidence())},
               {"verification", t.verification_comment()},
               {"cancelled", t.cancel_reason()},
               {"extensions", ext},
               {"assigned", Time(t.assign_time())},
               {"closed", Time(t.close_time())}});
  for (const auto& w : t.warnings()) {
    std::cout << "  warning " << w.rung() << " at " << Time(w.issue_time()) << " ("
              << w.working_days() << " working days " << (w.rung() == "blue" ? "left" : "late")
              << ")\n";
  }
  for (const auto& p : t.progress()) {
    std::cout << "  " << Time(p.report_time()) << "  " << p.percent() << "%  " << p.narrative()
              << (p.problems().empty() ? "" : "  (problems: " + p.problems() + ")") << "\n";
  }
}

void PrintTasks(const Globals& g, const pb::ListTasksResponse& resp) {
  if (g.json) {
    std::cout << Json(resp) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : resp.tasks()) {
    std::string cards;
    for (const auto& w : t.warnings()) cards += (cards.empty() ? "" : ",") + w.rung();
    rows.push_back({t.id(), TaskState(t.state()), t.lead_unit(), Join(t.co_units()), t.due_date(),
                    std::to_string(t.percent()) + "%", cards, t.item_id()});
  }
  PrintTable({"ID", "STATE", "LEAD", "CO-UNITS", "DUE", "DONE", "WARNINGS", "ITEM"}, rows);
  if (!resp.next_page_token().empty()) {
    std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
  }
}

struct Args {
  std::string id, item, state, title, requirement,
      source = "other", ref, deadline, priority = "normal", feedback, lead, deliverable, due,
      reason, narrative, problems, summary, comment, page_token, cadence, period;
  std::vector<std::string> co, evidence, milestones;
  int percent = -1, page_size = 0;
  bool approve = false, reject = false, html = false;
};

}  // namespace

void AddSupervisionCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::SupervisionService::NewStub(ChannelTo(g, g.supervision_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };

  auto* item = app.add_subcommand("item", "supervision items (督查事项)");
  item->require_subcommand(1);
  auto* ilist = item->add_subcommand("list", "list items you may see, newest first");
  ilist->add_option("--state", a->state, "open|closed");
  ilist->add_option("--page-size", a->page_size);
  ilist->add_option("--page-token", a->page_token);
  ilist->callback([&g, a, stub] {
    pb::ListItemsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) {
      req.set_state(
          ParseEnum<pb::ItemState>(a->state, "ITEM_STATE_", pb::ItemState_Parse, "state"));
    }
    auto resp = Call(g, *stub(), &Stub::ListItems, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& it : resp.items()) {
      rows.push_back(
          {it.id(), Short(pb::ItemState_Name(it.state()), "ITEM_STATE_"), it.deadline(),
           std::to_string(it.closed_task_count()) + "/" + std::to_string(it.task_count()),
           it.title()});
    }
    PrintTable({"ID", "STATE", "DEADLINE", "CLOSED", "TITLE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });
  auto* ishow = item->add_subcommand("show", "show an item and its tasks");
  ishow->add_option("id", a->id)->required();
  ishow->callback([&g, a, stub] {
    auto s = stub();
    pb::GetItemRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *s, &Stub::GetItem, req));
    pb::ListTasksRequest tasks;
    tasks.set_item_id(a->id);
    if (!g.json) std::cout << "\n";
    PrintTasks(g, Call(g, *s, &Stub::ListTasks, tasks));
  });
  auto* icreate = item->add_subcommand("create", "register an item (立项)");
  icreate->add_option("--title", a->title)->required();
  icreate->add_option("--requirement", a->requirement, "what must be achieved")->required();
  icreate->add_option("--source", a->source,
                      "work-report-task|livelihood-project|other (items from instructions, "
                      "meeting decisions, documents and overdue proposals open from their events)");
  icreate->add_option("--ref", a->ref, "reference of the source (document number, ...)");
  icreate->add_option("--deadline", a->deadline, "YYYY-MM-DD")->required();
  icreate->add_option("--priority", a->priority, "normal|high|urgent");
  icreate->add_option("--cadence", a->cadence,
                      "progress reports: monthly:DAY or quarterly:DAY (e.g. monthly:5, 每月5日前)");
  icreate->callback([&g, a, stub, rid] {
    pb::CreateItemRequest req;
    rid(req);
    auto* it = req.mutable_item();
    it->set_title(a->title);
    it->set_requirement(a->requirement);
    it->set_source_type(
        ParseEnum<ev::SourceType>(a->source, "SOURCE_TYPE_", ev::SourceType_Parse, "source"));
    it->set_source_ref(a->ref);
    it->set_deadline(a->deadline);
    it->set_priority(
        ParseEnum<pb::Priority>(a->priority, "PRIORITY_", pb::Priority_Parse, "priority"));
    if (!a->cadence.empty()) {
      const auto colon = a->cadence.find(':');
      if (colon == std::string::npos) Die("--cadence must look like monthly:5 or quarterly:10");
      it->mutable_cadence()->set_kind(ParseEnum<pb::Cadence::Kind>(
          a->cadence.substr(0, colon), "KIND_", pb::Cadence::Kind_Parse, "cadence"));
      try {
        it->mutable_cadence()->set_day(std::stoi(a->cadence.substr(colon + 1)));
      } catch (const std::exception&) {
        Die("--cadence must look like monthly:5 or quarterly:10");
      }
    }
    Show(g, Call(g, *stub(), &Stub::CreateItem, req));
  });
  auto* iclose = item->add_subcommand("close", "close an item whose tasks are all closed (反馈)");
  iclose->add_option("id", a->id)->required();
  iclose->add_option("--feedback", a->feedback, "feedback for the instructing leader")->required();
  iclose->callback([&g, a, stub, rid] {
    pb::CloseItemRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_feedback_summary(a->feedback);
    Show(g, Call(g, *stub(), &Stub::CloseItem, req));
  });
  auto* iupdate = item->add_subcommand("update", "edit an open item (only the options given)");
  iupdate->add_option("id", a->id)->required();
  auto* utitle = iupdate->add_option("--title", a->title);
  auto* ureq = iupdate->add_option("--requirement", a->requirement);
  auto* uprio = iupdate->add_option("--priority", a->priority, "normal|high|urgent");
  auto* udead = iupdate->add_option("--deadline", a->deadline, "YYYY-MM-DD");
  iupdate->callback([&g, a, stub, rid, utitle, ureq, uprio, udead] {
    pb::UpdateItemRequest req;
    rid(req);
    auto* it = req.mutable_item();
    it->set_id(a->id);
    auto* mask = req.mutable_update_mask();
    if (utitle->count()) {
      mask->add_paths("title");
      it->set_title(a->title);
    }
    if (ureq->count()) {
      mask->add_paths("requirement");
      it->set_requirement(a->requirement);
    }
    if (uprio->count()) {
      mask->add_paths("priority");
      it->set_priority(
          ParseEnum<pb::Priority>(a->priority, "PRIORITY_", pb::Priority_Parse, "priority"));
    }
    if (udead->count()) {
      mask->add_paths("deadline");
      it->set_deadline(a->deadline);
    }
    if (mask->paths().empty())
      Die("give at least one of --title, --requirement, --priority, --deadline");
    Show(g, Call(g, *stub(), &Stub::UpdateItem, req));
  });
  auto* icancel = item->add_subcommand("cancel", "cancel (撤销) an item and its open tasks");
  icancel->add_option("id", a->id)->required();
  icancel->add_option("--reason", a->reason, "why; sent to the instructing leader")->required();
  icancel->callback([&g, a, stub, rid] {
    pb::CancelItemRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::CancelItem, req));
  });

  auto* notice = app.add_subcommand("notice", "notices (通报) of a month or quarter");
  notice->require_subcommand(1);
  auto* publish = notice->add_subcommand(
      "publish", "publish the notice of a period (once it has ended, unless --provisional)");
  publish->add_option("--period", a->period, "YYYY-MM or YYYY-Qn")->required();
  publish->add_flag("--html", a->html, "print the HTML rendering");
  publish->add_flag("--provisional", a->approve, "the period has not ended: 阶段性通报");
  publish->add_flag("--correction", a->reject, "a corrected edition (更正) of the latest one");
  publish->callback([&g, a, stub, rid] {
    pb::PublishNoticeRequest req;
    rid(req);
    req.set_period(a->period);
    req.set_provisional(a->approve);
    req.set_correction(a->reject);
    auto n = Call(g, *stub(), &Stub::PublishNotice, req);
    if (g.json) {
      std::cout << Json(n) << "\n";
    } else {
      std::cout << (a->html ? n.html() : n.markdown());
      std::cerr << "notice " << n.id() << " published\n";
    }
  });
  auto* preview =
      notice->add_subcommand("preview", "print the notice of a period as it stands (no number)");
  preview->add_option("--period", a->period, "YYYY-MM or YYYY-Qn")->required();
  preview->add_flag("--html", a->html, "print the HTML rendering");
  preview->callback([&g, a, stub] {
    pb::PreviewNoticeRequest req;
    req.set_period(a->period);
    auto n = Call(g, *stub(), &Stub::PreviewNotice, req);
    std::cout << (g.json ? Json(n) + "\n" : a->html ? n.html() : n.markdown());
  });
  auto* nlist = notice->add_subcommand("list", "list published notices");
  nlist->add_option("--page-size", a->page_size);
  nlist->add_option("--page-token", a->page_token);
  nlist->callback([&g, a, stub] {
    pb::ListNoticesRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = Call(g, *stub(), &Stub::ListNotices, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& n : resp.notices()) {
      rows.push_back(
          {n.id(), n.period(), std::to_string(n.number()), Time(n.publish_time()), n.title()});
    }
    PrintTable({"ID", "PERIOD", "NO.", "PUBLISHED", "TITLE"}, rows);
  });
  auto* nshow = notice->add_subcommand("show", "print a notice (Markdown by default)");
  nshow->add_option("id", a->id)->required();
  nshow->add_flag("--html", a->html, "print the HTML rendering");
  nshow->callback([&g, a, stub] {
    pb::GetNoticeRequest req;
    req.set_id(a->id);
    auto n = Call(g, *stub(), &Stub::GetNotice, req);
    if (g.json) {
      std::cout << Json(n) << "\n";
    } else {
      std::cout << (a->html ? n.html() : n.markdown());
    }
  });

  auto* task = app.add_subcommand("task", "supervision tasks (交办任务)");
  task->require_subcommand(1);
  auto* tlist = task->add_subcommand("list", "list tasks you may see");
  tlist->add_option("--item", a->item, "only this item's tasks");
  tlist->add_option("--state", a->state,
                    "assigned|accepted|contested|in-progress|completion-reported|closed|returned");
  tlist->add_option("--page-size", a->page_size);
  tlist->add_option("--page-token", a->page_token);
  tlist->callback([&g, a, stub] {
    pb::ListTasksRequest req;
    req.set_item_id(a->item);
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) {
      req.set_state(
          ParseEnum<pb::TaskState>(a->state, "TASK_STATE_", pb::TaskState_Parse, "state"));
    }
    PrintTasks(g, Call(g, *stub(), &Stub::ListTasks, req));
  });
  auto* tshow = task->add_subcommand("show", "show a task with its progress reports");
  tshow->add_option("id", a->id)->required();
  tshow->callback([&g, a, stub] {
    pb::GetTaskRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetTask, req));
  });
  auto* assign = task->add_subcommand("assign", "assign a task of an item to a lead unit (交办)");
  assign->add_option("--item", a->item)->required();
  assign->add_option("--lead", a->lead, "lead unit (牵头)")->required();
  assign->add_option("--co", a->co, "co-unit (配合), repeatable");
  assign->add_option("--deliverable", a->deliverable, "deliverable or indicator")->required();
  assign->add_option("--due", a->due, "YYYY-MM-DD")->required();
  assign->add_option("--milestone", a->milestones, "YYYY-MM-DD:description, repeatable");
  assign->callback([&g, a, stub, rid] {
    pb::AssignTaskRequest req;
    rid(req);
    auto* t = req.mutable_task();
    t->set_item_id(a->item);
    t->set_lead_unit(a->lead);
    for (const auto& u : a->co) t->add_co_units(u);
    t->set_deliverable(a->deliverable);
    t->set_due_date(a->due);
    for (const auto& m : a->milestones) {
      const auto colon = m.find(':');
      if (colon == std::string::npos) Die("--milestone must look like 2026-12-15:description");
      auto* ms = t->add_milestones();
      ms->set_due_date(m.substr(0, colon));
      ms->set_description(m.substr(colon + 1));
    }
    Show(g, Call(g, *stub(), &Stub::AssignTask, req));
  });
  auto* accept = task->add_subcommand("accept", "sign for a task (签收)");
  accept->add_option("id", a->id)->required();
  accept->callback([&g, a, stub, rid] {
    pb::AcceptTaskRequest req;
    rid(req);
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::AcceptTask, req));
  });
  auto* contest =
      task->add_subcommand("contest", "say the task is not your unit's (not responsible)");
  contest->add_option("id", a->id)->required();
  contest->add_option("--reason", a->reason)->required();
  contest->callback([&g, a, stub, rid] {
    pb::ContestTaskRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::ContestTask, req));
  });
  auto* progress = task->add_subcommand("progress", "report progress (进展)");
  progress->add_option("id", a->id)->required();
  progress->add_option("--percent", a->percent, "0-100")->required();
  progress->add_option("--narrative", a->narrative)->required();
  progress->add_option("--problems", a->problems);
  progress->add_option("--evidence", a->evidence, "evidence reference, repeatable");
  progress->callback([&g, a, stub, rid] {
    pb::ReportProgressRequest req;
    rid(req);
    req.set_id(a->id);
    auto* r = req.mutable_report();
    r->set_percent(a->percent);
    r->set_narrative(a->narrative);
    r->set_problems(a->problems);
    for (const auto& e : a->evidence) r->add_evidence_refs(e);
    Show(g, Call(g, *stub(), &Stub::ReportProgress, req));
  });
  auto* complete = task->add_subcommand("complete", "report completion with evidence (办结报告)");
  complete->add_option("id", a->id)->required();
  complete->add_option("--summary", a->summary)->required();
  complete->add_option("--evidence", a->evidence, "evidence reference, repeatable");
  complete->callback([&g, a, stub, rid] {
    pb::ReportCompletionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_summary(a->summary);
    for (const auto& e : a->evidence) req.add_evidence_refs(e);
    Show(g, Call(g, *stub(), &Stub::ReportCompletion, req));
  });
  auto* verify = task->add_subcommand(
      "verify", "verify a completion: --approve closes (销号), --return re-handles (重办)");
  verify->add_option("id", a->id)->required();
  verify->add_flag("--approve", a->approve);
  verify->add_flag("--return", a->reject);
  verify->add_option("--comment", a->comment);
  verify->callback([&g, a, stub, rid] {
    if (a->approve == a->reject) Die("pass exactly one of --approve or --return");
    pb::VerifyTaskRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_approve(a->approve);
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::VerifyTask, req));
  });
  auto* extend = task->add_subcommand("extend", "ask for an extension before the deadline (延期)");
  extend->add_option("id", a->id)->required();
  extend->add_option("--due", a->due, "new due date YYYY-MM-DD")->required();
  extend->add_option("--reason", a->reason)->required();
  extend->callback([&g, a, stub, rid] {
    pb::RequestExtensionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_new_due_date(a->due);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::RequestExtension, req));
  });
  auto* reassign = task->add_subcommand(
      "reassign", "give a task new lead and co-units (and a due date): supervisors");
  reassign->add_option("id", a->id)->required();
  reassign->add_option("--lead", a->lead, "the new lead unit (牵头)")->required();
  reassign->add_option("--co", a->co, "a co-unit (配合), repeatable");
  reassign->add_option("--due", a->due, "a new due date YYYY-MM-DD");
  reassign->add_option("--reason", a->reason)->required();
  reassign->callback([&g, a, stub, rid] {
    pb::ReassignTaskRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_lead_unit(a->lead);
    for (const auto& u : a->co) req.add_co_units(u);
    req.set_due_date(a->due);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::ReassignTask, req));
  });
  auto* tcancel = task->add_subcommand("cancel", "cancel a task no longer needed: supervisors");
  tcancel->add_option("id", a->id)->required();
  tcancel->add_option("--reason", a->reason)->required();
  tcancel->callback([&g, a, stub, rid] {
    pb::CancelTaskRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::CancelTask, req));
  });
  auto* decide = task->add_subcommand("decide-extension",
                                      "approve (--approve) or refuse (--refuse) an extension");
  decide->add_option("id", a->id)->required();
  decide->add_flag("--approve", a->approve);
  decide->add_flag("--refuse", a->reject);
  decide->add_option("--comment", a->comment);
  decide->callback([&g, a, stub, rid] {
    if (a->approve == a->reject) Die("pass exactly one of --approve or --refuse");
    pb::DecideExtensionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_approve(a->approve);
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::DecideExtension, req));
  });
}

}  // namespace zsctl

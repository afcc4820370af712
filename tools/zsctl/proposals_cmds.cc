// zsctl proposal ...: the proposals service (建议提案办理).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "common.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::proposals::v1;
using Stub = pb::ProposalsService::Stub;

const Choices<pb::ProposalKind> kKinds = {{"npc", pb::PROPOSAL_KIND_NPC_SUGGESTION},
                                          {"cppcc", pb::PROPOSAL_KIND_CPPCC_PROPOSAL},
                                          {"建议", pb::PROPOSAL_KIND_NPC_SUGGESTION},
                                          {"提案", pb::PROPOSAL_KIND_CPPCC_PROPOSAL}};
const Choices<pb::ProposalState> kStates = {{"submitted", pb::PROPOSAL_STATE_SUBMITTED},
                                            {"registered", pb::PROPOSAL_STATE_REGISTERED},
                                            {"not-registered", pb::PROPOSAL_STATE_NOT_REGISTERED},
                                            {"converted", pb::PROPOSAL_STATE_CONVERTED},
                                            {"merged", pb::PROPOSAL_STATE_MERGED},
                                            {"handling", pb::PROPOSAL_STATE_HANDLING},
                                            {"replied", pb::PROPOSAL_STATE_REPLIED},
                                            {"closed", pb::PROPOSAL_STATE_CLOSED}};
const Choices<pb::AssignmentMode> kModes = {
    {"sole", pb::ASSIGNMENT_MODE_SOLE},   {"lead", pb::ASSIGNMENT_MODE_LEAD},
    {"split", pb::ASSIGNMENT_MODE_SPLIT}, {"独办", pb::ASSIGNMENT_MODE_SOLE},
    {"主办", pb::ASSIGNMENT_MODE_LEAD},   {"分办", pb::ASSIGNMENT_MODE_SPLIT}};
const Choices<pb::ReplyClass> kClasses = {
    {"A", pb::REPLY_CLASS_A}, {"B", pb::REPLY_CLASS_B}, {"C", pb::REPLY_CLASS_C}};
const Choices<pb::ContactMethod> kMethods = {
    {"visit", pb::CONTACT_METHOD_VISIT},     {"phone", pb::CONTACT_METHOD_PHONE},
    {"meeting", pb::CONTACT_METHOD_MEETING}, {"survey", pb::CONTACT_METHOD_SITE_SURVEY},
    {"走访", pb::CONTACT_METHOD_VISIT},      {"电话", pb::CONTACT_METHOD_PHONE},
    {"座谈", pb::CONTACT_METHOD_MEETING},    {"实地调研", pb::CONTACT_METHOD_SITE_SURVEY}};
const Choices<pb::Satisfaction> kSatisfactions = {
    {"满意", pb::SATISFACTION_SATISFIED},     {"基本满意", pb::SATISFACTION_BASICALLY},
    {"不满意", pb::SATISFACTION_UNSATISFIED}, {"satisfied", pb::SATISFACTION_SATISFIED},
    {"basic", pb::SATISFACTION_BASICALLY},    {"unsatisfied", pb::SATISFACTION_UNSATISFIED}};

std::string KindName(pb::ProposalKind k) {
  return Short(pb::ProposalKind_Name(k), "PROPOSAL_KIND_");
}
std::string StateName(pb::ProposalState s) {
  return Short(pb::ProposalState_Name(s), "PROPOSAL_STATE_");
}
std::string ClassName(pb::ReplyClass c) {
  return c == pb::REPLY_CLASS_UNSPECIFIED ? "" : Short(pb::ReplyClass_Name(c), "REPLY_CLASS_");
}
std::string Person(const std::string& id, const std::string& name) {
  return name.empty() || id.empty() ? id : name + " (" + id + ")";
}
std::string Number(int n) { return n ? std::to_string(n) : ""; }
// A rate as a percentage, or "-" when nothing was counted.
std::string Percent(double rate, int counted) {
  if (counted == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}
std::string Score(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}
void More(const std::string& next_page_token) {
  if (!next_page_token.empty()) std::cout << "(more: --page-token " << next_page_token << ")\n";
}

// "B" or "A (adjusted from B: reason)".
std::string ReplyClassText(const pb::Reply& r) {
  std::string s = ClassName(r.reply_class());
  if (r.original_class() != pb::REPLY_CLASS_UNSPECIFIED && r.original_class() != r.reply_class()) {
    s += " (adjusted from " + ClassName(r.original_class()) +
         (r.adjust_reason().empty() ? "" : ": " + r.adjust_reason()) + ")";
  }
  return s;
}

void PrintReply(const char* label, const pb::Reply& r) {
  std::cout << "  " << label << " round " << r.round() << ", class " << ReplyClassText(r)
            << (r.on_time() ? ", on time" : ", late")
            << (r.not_public() ? ", not public: " + r.not_public_reason() : "") << ", "
            << Time(r.reply_time()) << " by " << r.author() << "\n    " << r.text() << "\n";
}

void PrintHandlingDetails(const pb::Handling& h) {
  std::cout << "\n#" << h.seq() << " " << Person(h.unit(), h.unit_name()) << "  "
            << Short(pb::HandlingRole_Name(h.role()), "HANDLING_ROLE_") << ", assigned "
            << Time(h.assign_time())
            << (h.sign_time().seconds() ? ", signed " + Time(h.sign_time()) : "") << "\n";
  if (!h.part().empty()) std::cout << "  part: " << h.part() << "\n";
  if (!h.return_reason().empty()) {
    std::cout << "  returned " << Time(h.return_time()) << ": " << h.return_reason()
              << (h.disputed() ? " (disputed, matter " + h.dispute_ref() + ")" : "") << "\n";
  }
  if (!h.opinion().empty()) std::cout << "  opinion: " << h.opinion() << "\n";
  for (const auto& c : h.contacts()) {
    std::cout << "  contact " << c.contact_date() << " "
              << Short(pb::ContactMethod_Name(c.method()), "CONTACT_METHOD_") << " by "
              << c.author() << ": " << c.summary() << "\n";
  }
  for (const auto& r : h.earlier_replies()) PrintReply("earlier reply", r);
  if (h.has_reply()) PrintReply("reply", h.reply());
  for (const auto& f : h.follow_ups()) {
    std::cout << "  follow-up " << Time(f.report_time()) << " by " << f.author() << ": " << f.text()
              << "\n";
  }
  for (const auto& e : h.extensions()) {
    std::cout << "  extension to " << e.requested_due_date() << " "
              << Short(pb::ExtensionState_Name(e.state()), "EXTENSION_STATE_") << ": " << e.reason()
              << (e.decided_by().empty() ? "" : " (decided by " + e.decided_by() + ")")
              << (e.decision_comment().empty() ? "" : ": " + e.decision_comment()) << "\n";
  }
}

void Show(const Globals& g, const pb::Proposal& p) {
  if (g.json) {
    std::cout << Json(p) << "\n";
    return;
  }
  std::string co_signers;
  for (const auto& c : p.co_signers()) {
    co_signers += (co_signers.empty() ? "" : ", ") + Person(c.subject(), c.name()) + " " +
                  Short(pb::CoSignState_Name(c.state()), "CO_SIGN_STATE_");
  }
  std::string awaiting;
  if (p.state() == pb::PROPOSAL_STATE_REPLIED) {
    std::set<std::string> rated;
    for (const auto& r : p.ratings()) {
      if (r.round() == p.round()) rated.insert(r.rater());
    }
    for (const auto& r : p.raters()) {
      if (!rated.count(r)) awaiting += (awaiting.empty() ? "" : ",") + r;
    }
  }
  PrintFields(
      {{"id", p.id()},
       {"kind", KindName(p.kind())},
       {"session", p.session()},
       {"number", Number(p.number())},
       {"title", p.title()},
       {"state", StateName(p.state())},
       {"category", p.category()},
       {"proposer", Person(p.proposer(), p.proposer_name())},
       {"co-signers", co_signers},
       {"entered by", p.entered_by()},
       {"urgent", p.urgent() ? "yes" : ""},
       {"attachments", Join(p.attachment_refs())},
       {"reviewed by", p.reviewed_by()},
       {"review reason", p.review_reason()},
       {"merged into", p.merged_into()},
       {"merged", Join(p.merged_ids())},
       {"mode", p.mode() ? Short(pb::AssignmentMode_Name(p.mode()), "ASSIGNMENT_MODE_") : ""},
       {"round", p.round() > 1 ? std::to_string(p.round()) + " (re-handled " +
                                     std::to_string(p.rehandling_count()) + "x)"
                               : ""},
       {"raters", Join(p.raters())},
       {"awaiting ratings", awaiting},
       {"created", Time(p.create_time())},
       {"registered", Time(p.register_time())},
       {"assigned", Time(p.assign_time())},
       {"replied", Time(p.reply_time())},
       {"closed", Time(p.close_time())},
       {"version", std::to_string(p.version())}});
  if (!p.content().empty()) std::cout << "\n" << p.content() << "\n";
  if (!p.handlings().empty()) {
    std::cout << "\nhandlings:\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : p.handlings()) {
      std::string due = h.due_date();
      if (!h.assigned_due_date().empty() && h.assigned_due_date() != h.due_date()) {
        due += " (was " + h.assigned_due_date() + ")";
      }
      rows.push_back({std::to_string(h.seq()), h.unit(), h.unit_name(),
                      Short(pb::HandlingRole_Name(h.role()), "HANDLING_ROLE_"),
                      Short(pb::HandlingState_Name(h.state()), "HANDLING_STATE_"), due,
                      h.has_reply() ? ClassName(h.reply().reply_class()) : ""});
    }
    PrintTable({"#", "UNIT", "NAME", "ROLE", "STATE", "DUE", "CLASS"}, rows);
    for (const auto& h : p.handlings()) PrintHandlingDetails(h);
  }
  if (!p.ratings().empty()) {
    std::cout << "\nratings:\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : p.ratings()) {
      rows.push_back(
          {std::to_string(r.round()),
           Person(r.rater(), r.rater_name()) + (r.proposal_id().empty() || r.proposal_id() == p.id()
                                                    ? ""
                                                    : " for " + r.proposal_id()),
           Short(pb::Satisfaction_Name(r.satisfaction()), "SATISFACTION_"), Time(r.rate_time()),
           r.comment()});
    }
    PrintTable({"ROUND", "RATER", "SATISFACTION", "RATED", "COMMENT"}, rows);
  }
}

std::vector<std::string> FiguresRow(const std::string& label, const pb::Figures& f) {
  return {label,
          std::to_string(f.submitted()),
          std::to_string(f.registered()) + "/" + std::to_string(f.reviewed()),
          Percent(f.registration_rate(), f.reviewed()),
          std::to_string(f.on_time_replies()) + "/" + std::to_string(f.replies()),
          Percent(f.on_time_rate(), f.replies()),
          std::to_string(f.first_time_satisfied()) + "/" + std::to_string(f.rated()),
          Percent(f.first_time_satisfaction_rate(), f.rated()),
          std::to_string(f.class_a()) + "/" + std::to_string(f.class_b()) + "/" +
              std::to_string(f.class_c()),
          std::to_string(f.overdue_open())};
}
std::vector<std::string> FiguresHeader(const std::string& first) {
  return {first,          "SUBMITTED", "REGISTERED",    "REG. RATE", "ON TIME",
          "ON-TIME RATE", "1ST SAT.",  "1ST SAT. RATE", "A/B/C",     "OVERDUE"};
}

void ShowStatistics(const Globals& g, const pb::Statistics& s) {
  if (g.json) {
    std::cout << Json(s) << "\n";
    return;
  }
  std::cout << "tenant " << s.tenant() << ", as of " << s.as_of_date() << "\n\nby session:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : s.by_session()) rows.push_back(FiguresRow(f.key(), f));
  rows.push_back(FiguresRow("total", s.total()));
  PrintTable(FiguresHeader("SESSION"), rows);
  std::cout << "\nby handling unit:\n";
  rows.clear();
  for (const auto& f : s.by_unit()) {
    rows.push_back(FiguresRow(f.name().empty() ? f.key() : f.name() + " (" + f.key() + ")", f));
  }
  PrintTable(FiguresHeader("UNIT"), rows);
  std::cout << "\nrecurring topics (年年提):\n";
  rows.clear();
  for (const auto& t : s.recurring_topics()) {
    std::string sessions;
    for (const auto& x : t.sessions()) sessions += (sessions.empty() ? "" : ", ") + x;
    rows.push_back({sessions, Score(t.score()), t.title(), Join(t.proposal_ids())});
  }
  PrintTable({"SESSIONS", "SCORE", "TITLE", "PROPOSALS"}, rows);
}

// Today in China Standard Time, the services' local time.
std::string Today() { return zs::FormatDate(zs::DateOf(zs::SystemClock::Get()->Now(), 8 * 60)); }

// Option values live here until the chosen command's callback runs.
struct Args {
  std::string id, kind, session, title, content, category, proposer, state, unit, page_token,
      reason, mode, lead, due, note, text, method, date, summary, reply_class, not_public, comment,
      satisfaction, output;
  // Repeatable options take one value an occurrence (allow_extra_args(false)), so that
  // "--co A ID" does not take the positional ID for a second unit.
  std::vector<std::string> co_signers, attachments, ids, co, parts;
  int page_size = 0, number = 0, limit = 0;
  double min_score = 0;
  bool urgent = false, all = false, yes = false, no = false, convert = false, satisfied = false,
       basic = false, unsatisfied = false;
};

// How many of the flags are set.
int Count(std::initializer_list<bool> flags) {
  int n = 0;
  for (bool f : flags) n += f ? 1 : 0;
  return n;
}

}  // namespace

void AddProposalsCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::ProposalsService::NewStub(ChannelTo(g, g.proposals_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };
  auto kind_text = "npc (人大代表建议) or cppcc (政协提案): " + Spellings(kKinds);
  auto with_id = [a](CLI::App* cmd) {
    cmd->add_option("id", a->id, "the proposal's id")->required();
  };
  // The unit a handling command acts for.
  auto with_unit = [a](CLI::App* cmd, const std::string& what) {
    return cmd->add_option("--unit", a->unit, what);
  };

  auto* proposal =
      app.add_subcommand("proposal", "NPC suggestions and CPPCC proposals (建议提案办理)");
  proposal->require_subcommand(1);

  auto* create = proposal->add_subcommand(
      "create", "submit a proposal (提交), or enter a paper one for a proposer (proposal office)");
  create->add_option("--kind", a->kind, kind_text)->required();
  create->add_option("--session", a->session, "the session (届次), e.g. 十届三次")->required();
  create->add_option("--title", a->title, "the title (案由)")->required();
  create->add_option("--content", a->content, "the text")->required();
  create->add_option("--category", a->category, "the category, e.g. 生态环境, 城乡建设");
  create
      ->add_option("--co-signer", a->co_signers,
                   "a proposer invited to co-sign (联名), by user id; repeatable")
      ->allow_extra_args(false);
  create->add_option("--attachment", a->attachments, "an attachment reference; repeatable")
      ->allow_extra_args(false);
  create->add_flag("--urgent", a->urgent, "urgent: a shorter handling deadline");
  create->add_option("--proposer", a->proposer,
                     "proposal office: the proposer (user id) whose paper proposal this is");
  create->callback([&g, a, stub, rid] {
    pb::CreateProposalRequest req;
    rid(req);
    auto* p = req.mutable_proposal();
    p->set_kind(ParseChoice(a->kind, kKinds, "kind"));
    p->set_session(a->session);
    p->set_title(a->title);
    p->set_content(a->content);
    p->set_category(a->category);
    for (const auto& c : a->co_signers) p->add_co_signers()->set_subject(c);
    for (const auto& r : a->attachments) p->add_attachment_refs(r);
    p->set_urgent(a->urgent);
    p->set_proposer(a->proposer);
    Show(g, Call(g, *stub(), &Stub::CreateProposal, req));
  });

  auto* get =
      proposal->add_subcommand("get", "show a proposal with its handlings, replies and ratings");
  get->alias("show");
  with_id(get);
  get->callback([&g, a, stub] {
    pb::GetProposalRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetProposal, req));
  });

  auto* list = proposal->add_subcommand("list", "list proposals you may see");
  list->add_option("--state", a->state, "only in this state: " + Spellings(kStates));
  list->add_option("--session", a->session, "only of this session (届次)");
  list->add_option("--kind", a->kind, "only of this kind: " + Spellings(kKinds));
  list->add_option("--unit", a->unit, "only those assigned to this unit");
  list->add_option("--page-size", a->page_size, "proposals per page");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListProposalsRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    if (!a->state.empty()) req.set_state(ParseChoice(a->state, kStates, "state"));
    req.set_session(a->session);
    if (!a->kind.empty()) req.set_kind(ParseChoice(a->kind, kKinds, "kind"));
    req.set_unit(a->unit);
    auto resp = ListPages(g, *stub(), &Stub::ListProposals, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : resp.proposals()) {
      std::string units;
      for (const auto& h : p.handlings()) {
        if (h.state() == pb::HANDLING_STATE_REPLACED) continue;
        units += (units.empty() ? "" : ",") + h.unit();
      }
      rows.push_back({p.id(), KindName(p.kind()), p.session(), Number(p.number()),
                      StateName(p.state()), Person(p.proposer(), p.proposer_name()), units,
                      p.title()});
    }
    PrintTable({"ID", "KIND", "SESSION", "NO.", "STATE", "PROPOSER", "UNITS", "TITLE"}, rows);
    More(resp.next_page_token());
  });

  auto* cosign = proposal->add_subcommand(
      "cosign", "answer an invitation to co-sign (联名): --confirm or --decline");
  with_id(cosign);
  cosign->add_flag("--confirm", a->yes, "sign the proposal with its proposer");
  cosign->add_flag("--decline", a->no, "decline the invitation");
  cosign->callback([&g, a, stub, rid] {
    if (Count({a->yes, a->no}) != 1) Die("pass exactly one of --confirm or --decline");
    pb::RespondCoSignRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_answer(a->yes ? pb::CO_SIGN_ANSWER_CONFIRM : pb::CO_SIGN_ANSWER_DECLINE);
    Show(g, Call(g, *stub(), &Stub::RespondCoSign, req));
  });

  auto* review = proposal->add_subcommand(
      "review", "review a submitted proposal (审查): --register, --reject or --convert");
  with_id(review);
  review->add_flag("--register", a->yes, "register it (立案); it gets its number");
  review->add_flag("--reject", a->no, "do not register it (不予立案); needs --reason");
  review->add_flag("--convert", a->convert, "convert it to an opinion letter (转为意见); --reason");
  review->add_option("--reason", a->reason, "why (the proposer sees it)");
  review->add_option(
      "--number", a->number,
      "with --register: the number of a paper proposal (default: the next free one)");
  review->callback([&g, a, stub, rid] {
    if (Count({a->yes, a->no, a->convert}) != 1) {
      Die("pass exactly one of --register, --reject or --convert");
    }
    pb::ReviewProposalRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_decision(a->yes  ? pb::REVIEW_DECISION_REGISTER
                     : a->no ? pb::REVIEW_DECISION_REJECT
                             : pb::REVIEW_DECISION_CONVERT);
    req.set_reason(a->reason);
    req.set_number(a->number);
    Show(g, Call(g, *stub(), &Stub::ReviewProposal, req));
  });

  auto* similar = proposal->add_subcommand(
      "similar",
      "proposals of this and earlier sessions with similar text, best first (并案, 年年提)");
  with_id(similar);
  similar->add_option("--min-score", a->min_score, "the lowest similarity, 0..1 (default 0.2)");
  similar->add_option("--limit", a->limit, "how many at most, up to 50 (default 10)");
  similar->callback([&g, a, stub] {
    pb::ListSimilarProposalsRequest req;
    req.set_id(a->id);
    req.set_min_score(a->min_score);
    req.set_max_results(a->limit);
    auto resp = Call(g, *stub(), &Stub::ListSimilarProposals, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : resp.proposals()) {
      rows.push_back({Score(s.score()), s.id(), KindName(s.kind()), s.session(), Number(s.number()),
                      StateName(s.state()), s.title()});
    }
    PrintTable({"SCORE", "ID", "KIND", "SESSION", "NO.", "STATE", "TITLE"}, rows);
  });

  auto* merge = proposal->add_subcommand(
      "merge", "handle registered, unassigned proposals with a primary one (并案)");
  merge->add_option("primary", a->id, "the primary proposal's id")->required();
  merge->add_option("ids", a->ids, "the ids of the proposals merged into it")->required();
  merge->callback([&g, a, stub, rid] {
    pb::MergeProposalsRequest req;
    rid(req);
    req.set_primary_id(a->id);
    for (const auto& id : a->ids) req.add_merged_ids(id);
    Show(g, Call(g, *stub(), &Stub::MergeProposals, req));
  });

  auto* assign = proposal->add_subcommand(
      "assign", "assign a registered proposal to units (交办), or re-assign returned handlings");
  with_id(assign);
  assign
      ->add_option(
          "--mode", a->mode,
          "sole (独办: --lead), lead (主办/会办: --lead and --co) or split (分办: --part): " +
              Spellings(kModes))
      ->required();
  assign->add_option("--lead", a->lead, "sole and lead modes: the (lead) unit");
  assign->add_option("--co", a->co, "lead mode: a co-handling unit (会办); repeatable")
      ->allow_extra_args(false);
  assign
      ->add_option("--part", a->parts, "split mode: UNIT=TEXT, the part a unit answers; repeatable")
      ->allow_extra_args(false);
  assign->add_option("--due", a->due,
                     "due date YYYY-MM-DD (default: 3 months from today, shorter when urgent)");
  assign->callback([&g, a, stub, rid] {
    pb::AssignProposalRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_mode(ParseChoice(a->mode, kModes, "mode"));
    req.set_lead_unit(a->lead);
    for (const auto& u : a->co) req.add_co_units(u);
    for (const auto& part : a->parts) {
      const auto eq = part.find('=');
      if (eq == std::string::npos || eq == 0) Die("--part must look like 430204/slj=TEXT");
      auto* up = req.add_parts();
      up->set_unit(part.substr(0, eq));
      up->set_part(part.substr(eq + 1));
    }
    req.set_due_date(a->due);
    Show(g, Call(g, *stub(), &Stub::AssignProposal, req));
  });

  auto* sign = proposal->add_subcommand("sign", "sign for a handling (签收)");
  with_id(sign);
  with_unit(sign, "the unit signing (default: yours, when it has one open handling)");
  sign->callback([&g, a, stub, rid] {
    pb::SignHandlingRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    Show(g, Call(g, *stub(), &Stub::SignHandling, req));
  });

  auto* ret = proposal->add_subcommand(
      "return", "return an assignment that is not the unit's (退回), within the allowed days");
  with_id(ret);
  with_unit(ret, "the unit returning it")->required();
  ret->add_option("--reason", a->reason, "why the assignment is wrong")->required();
  ret->callback([&g, a, stub, rid] {
    pb::ReturnHandlingRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::ReturnHandling, req));
  });

  auto* dispute = proposal->add_subcommand(
      "dispute", "send a disputed return to coordination (提请协调): proposal office");
  with_id(dispute);
  with_unit(dispute, "the unit whose return is disputed")->required();
  dispute->add_option("--note", a->note, "a note for the coordinators");
  dispute->callback([&g, a, stub, rid] {
    pb::DisputeReturnRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_note(a->note);
    Show(g, Call(g, *stub(), &Stub::DisputeReturn, req));
  });

  auto* opinion = proposal->add_subcommand(
      "opinion", "send a co-handling unit's opinion to the lead unit (会办意见)");
  with_id(opinion);
  with_unit(opinion, "the co-handling unit")->required();
  opinion->add_option("--text", a->text, "the opinion")->required();
  opinion->callback([&g, a, stub, rid] {
    pb::SendOpinionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_opinion(a->text);
    Show(g, Call(g, *stub(), &Stub::SendOpinion, req));
  });

  auto* contact = proposal->add_subcommand("contact", "log a contact with the proposer (沟通)");
  with_id(contact);
  with_unit(contact, "the replying unit")->required();
  contact->add_option("--method", a->method, "how: " + Spellings(kMethods))->required();
  contact->add_option("--date", a->date, "when, YYYY-MM-DD, not in the future (default: today)");
  contact->add_option("--summary", a->summary, "what was discussed")->required();
  contact->callback([&g, a, stub, rid] {
    pb::LogContactRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    auto* c = req.mutable_contact();
    c->set_method(ParseChoice(a->method, kMethods, "method"));
    c->set_contact_date(a->date.empty() ? Today() : a->date);
    c->set_summary(a->summary);
    Show(g, Call(g, *stub(), &Stub::LogContact, req));
  });

  const std::string class_text =
      "A (已解决或采纳), B (正在解决或列入计划) or C (因条件限制暂时不能解决): " +
      Spellings(kClasses);
  auto* reply = proposal->add_subcommand(
      "reply", "reply (答复) as a replying unit (sole, lead or a split part); public by default");
  with_id(reply);
  with_unit(reply, "the replying unit")->required();
  reply->add_option("--class", a->reply_class, class_text)->required();
  reply->add_option("--text", a->text, "the reply")->required();
  reply->add_option("--not-public", a->not_public, "keep the reply from the public list: why");
  reply->callback([&g, a, stub, rid] {
    pb::ReplyProposalRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    auto* r = req.mutable_reply();
    r->set_reply_class(ParseChoice(a->reply_class, kClasses, "class"));
    r->set_text(a->text);
    r->set_not_public(!a->not_public.empty());
    r->set_not_public_reason(a->not_public);
    Show(g, Call(g, *stub(), &Stub::ReplyProposal, req));
  });

  auto* adjust = proposal->add_subcommand("adjust", "adjust a reply's class: proposal office");
  with_id(adjust);
  with_unit(adjust, "the unit whose reply it is")->required();
  adjust->add_option("--class", a->reply_class, "the class it should have: " + Spellings(kClasses))
      ->required();
  adjust->add_option("--reason", a->reason, "why")->required();
  adjust->callback([&g, a, stub, rid] {
    pb::AdjustReplyClassRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_reply_class(ParseChoice(a->reply_class, kClasses, "class"));
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::AdjustReplyClass, req));
  });

  auto* followup = proposal->add_subcommand(
      "followup", "report what was done since a class B or C reply (落实情况)");
  with_id(followup);
  with_unit(followup, "the unit that replied")->required();
  followup->add_option("--text", a->text, "what was done")->required();
  followup->callback([&g, a, stub, rid] {
    pb::FollowUpReplyRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_text(a->text);
    Show(g, Call(g, *stub(), &Stub::FollowUpReply, req));
  });

  auto* extend = proposal->add_subcommand(
      "extend", "ask for a later deadline (延期); the proposal office decides");
  with_id(extend);
  with_unit(extend, "the replying unit")->required();
  extend->add_option("--due", a->due, "the requested due date YYYY-MM-DD")->required();
  extend->add_option("--reason", a->reason, "why")->required();
  extend->callback([&g, a, stub, rid] {
    pb::RequestExtensionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_requested_due_date(a->due);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::RequestExtension, req));
  });

  auto* decide = proposal->add_subcommand(
      "decide-extension", "approve (--approve) or refuse (--refuse) an extension: proposal office");
  with_id(decide);
  with_unit(decide, "the unit that asked")->required();
  decide->add_flag("--approve", a->yes, "the due date moves to the requested one");
  decide->add_flag("--refuse", a->no, "the due date stays; needs --comment");
  decide->add_option("--comment", a->comment, "the decision's comment (required to refuse)");
  decide->callback([&g, a, stub, rid] {
    if (Count({a->yes, a->no}) != 1) Die("pass exactly one of --approve or --refuse");
    pb::DecideExtensionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_unit(a->unit);
    req.set_approve(a->yes);
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::DecideExtension, req));
  });

  auto* rate = proposal->add_subcommand(
      "rate",
      "rate the replies (评价) as a proposer or confirmed co-signer; 不满意 starts re-handling");
  rate->add_option("id", a->id, "your proposal's id, or the id of the one it was merged into")
      ->required();
  rate->add_flag("--satisfied", a->satisfied, "满意");
  rate->add_flag("--basic", a->basic, "基本满意");
  rate->add_flag("--unsatisfied", a->unsatisfied, "不满意 (needs --comment)");
  rate->add_option("--satisfaction", a->satisfaction,
                   "instead of the flags: " + Spellings(kSatisfactions));
  rate->add_option("--comment", a->comment, "a comment (required when 不满意)");
  rate->callback([&g, a, stub, rid] {
    if (Count({a->satisfied, a->basic, a->unsatisfied, !a->satisfaction.empty()}) != 1) {
      Die("pass exactly one of --satisfied, --basic, --unsatisfied or --satisfaction");
    }
    pb::RateProposalRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_satisfaction(a->satisfied ? pb::SATISFACTION_SATISFIED
                         : a->basic   ? pb::SATISFACTION_BASICALLY
                         : a->unsatisfied
                             ? pb::SATISFACTION_UNSATISFIED
                             : ParseChoice(a->satisfaction, kSatisfactions, "satisfaction"));
    req.set_comment(a->comment);
    Show(g, Call(g, *stub(), &Stub::RateProposal, req));
  });

  auto* replies =
      proposal->add_subcommand("replies", "public replies readable in your tenant subtree");
  replies->add_option("--session", a->session, "only of this session (届次)");
  replies->add_option("--page-size", a->page_size, "replies per page");
  replies->add_option("--page-token", a->page_token, "continue from a previous page");
  replies->add_flag("--all", a->all, "fetch every page");
  replies->callback([&g, a, stub] {
    pb::ListPublicRepliesRequest req;
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    req.set_session(a->session);
    auto resp = ListPages(g, *stub(), &Stub::ListPublicReplies, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    for (const auto& r : resp.replies()) {
      std::cout << r.proposal_id() << "  " << KindName(r.kind()) << " " << r.session()
                << (r.number() ? " No. " + std::to_string(r.number()) : "") << "  " << r.title()
                << "\n  " << Person(r.unit(), r.unit_name()) << ", class "
                << ClassName(r.reply_class()) << ", " << Time(r.reply_time()) << "\n  " << r.text()
                << "\n\n";
    }
    More(resp.next_page_token());
  });

  auto* stats = proposal->add_subcommand(
      "stats", "statistics of your tenant per session and per handling unit, recurring topics");
  stats->add_option("--session", a->session, "one session only");
  stats->add_option("--kind", a->kind, "one kind only: " + Spellings(kKinds));
  stats->callback([&g, a, stub] {
    pb::GetStatisticsRequest req;
    req.set_session(a->session);
    if (!a->kind.empty()) req.set_kind(ParseChoice(a->kind, kKinds, "kind"));
    ShowStatistics(g, Call(g, *stub(), &Stub::GetStatistics, req));
  });

  auto* exp = proposal->add_subcommand(
      "export", "the statistics as CSV for Excel (UTF-8 with BOM, Chinese headers)");
  exp->add_option("--session", a->session, "one session only");
  exp->add_option("--kind", a->kind, "one kind only: " + Spellings(kKinds));
  exp->add_option("-o,--output", a->output,
                  "write the CSV to this file (default: standard output)");
  exp->callback([&g, a, stub] {
    pb::ExportStatisticsRequest req;
    req.set_session(a->session);
    if (!a->kind.empty()) req.set_kind(ParseChoice(a->kind, kKinds, "kind"));
    auto resp = Call(g, *stub(), &Stub::ExportStatistics, req);
    if (a->output.empty()) {
      std::cout << (g.json ? Json(resp) + "\n" : resp.csv());
      return;
    }
    std::ofstream out(a->output, std::ios::binary);
    out.write(resp.csv().data(), static_cast<std::streamsize>(resp.csv().size()));
    out.close();
    if (!out) Die("cannot write " + a->output, 1);
    std::cerr << "wrote " << a->output << " (" << resp.csv().size()
              << " bytes; the service names it " << resp.filename() << ")\n";
  });
}

}  // namespace zsctl

// zsctl meeting ...: the meetings module of the coordination service (会议): requests and approval,
// minutes, decisions (议定事项) and recurring series.
#include <iostream>

#include "common.h"
#include "core/time_util.h"
#include "zhongshu/coordination/v1/meetings.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::coordination::v1;
using Stub = pb::MeetingsService::Stub;

const Choices<pb::MeetingKind> kKinds = {
    {"standing-committee", pb::MEETING_KIND_STANDING_COMMITTEE},
    {"joint", pb::MEETING_KIND_JOINT},
    {"dispatch", pb::MEETING_KIND_DISPATCH},
    {"monthly", pb::MEETING_KIND_MONTHLY},
    {"other", pb::MEETING_KIND_OTHER},
    {"常委会", pb::MEETING_KIND_STANDING_COMMITTEE},
    {"联席会议", pb::MEETING_KIND_JOINT},
    {"调度会", pb::MEETING_KIND_DISPATCH},
    {"月例会", pb::MEETING_KIND_MONTHLY}};
const Choices<pb::MeetingState> kStates = {{"requested", pb::MEETING_STATE_REQUESTED},
                                           {"approved", pb::MEETING_STATE_APPROVED},
                                           {"rejected", pb::MEETING_STATE_REJECTED},
                                           {"cancelled", pb::MEETING_STATE_CANCELLED}};
const Choices<pb::SeriesFrequency> kFrequencies = {{"weekly", pb::SERIES_FREQUENCY_WEEKLY},
                                                   {"monthly", pb::SERIES_FREQUENCY_MONTHLY}};

constexpr int kLocalOffset = 8 * 60;  // the services' local time (China Standard Time)

// "YYYY-MM-DD HH:MM" (local) → timestamp; exits 2 when malformed.
google::protobuf::Timestamp LocalTime(const std::string& text, const std::string& what) {
  auto bad = [&]() {
    Die(what + ": expected \"YYYY-MM-DD HH:MM\" (local time), got '" + text + "'");
  };
  if (text.size() != 16 || text[10] != ' ' || text[13] != ':') bad();
  auto d = zs::ParseDate(text.substr(0, 10));
  if (!d) bad();
  int h = 0, m = 0;
  try {
    h = std::stoi(text.substr(11, 2));
    m = std::stoi(text.substr(14, 2));
  } catch (...) {
    bad();
  }
  if (h > 23 || m > 59) bad();
  return zs::ToProto(zs::AtLocalHour(*d, h, kLocalOffset) + std::chrono::minutes(m));
}

// Local "YYYY-MM-DD HH:MM" of a timestamp.
std::string Local(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0) return "";
  const int64_t secs = ts.seconds() + kLocalOffset * 60;
  const auto d = zs::DateOf(zs::FromProto(ts), kLocalOffset);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>((secs / 3600) % 24),
                static_cast<int>((secs / 60) % 60));
  return zs::FormatDate(d) + " " + buf;
}

std::string KindText(pb::MeetingKind k) { return Short(pb::MeetingKind_Name(k), "MEETING_KIND_"); }
std::string StateText(pb::MeetingState s) {
  return Short(pb::MeetingState_Name(s), "MEETING_STATE_");
}

void Show(const Globals& g, const pb::Meeting& m) {
  if (g.json) {
    std::cout << Json(m) << "\n";
    return;
  }
  PrintFields(
      {{"id", m.id()},
       {"title", m.title()},
       {"kind", KindText(m.kind())},
       {"state", StateText(m.state()) + (m.conflicts_overridden() ? " (over a clash)" : "")},
       {"time", Local(m.start_time()) + " – " + Local(m.end_time())},
       {"venue", m.venue()},
       {"presiding", m.presiding_leader_name().empty()
                         ? m.presiding_leader()
                         : m.presiding_leader_name() + " (" + m.presiding_leader() + ")"},
       {"leaders", Join(m.participant_leaders())},
       {"units", Join(m.participant_units())},
       {"requested by",
        m.requested_by() + (m.requesting_unit().empty() ? "" : " for " + m.requesting_unit())},
       {"decided by", m.decided_by()},
       {"reject reason", m.reject_reason()},
       {"cancel reason", m.cancel_reason()},
       {"series", m.series_id().empty() ? "" : m.series_id() + " @ " + m.series_date()}});
  if (!m.agenda().empty()) {
    std::cout << "\nagenda:\n";
    for (int i = 0; i < m.agenda_size(); ++i)
      std::cout << "  " << i + 1 << ". " << m.agenda(i) << "\n";
  }
  if (!m.minutes().empty()) {
    std::cout << "\nminutes (" << Time(m.minutes_time()) << " by " << m.minutes_by() << "):\n  "
              << m.minutes() << "\n";
  }
  if (!m.decisions().empty()) {
    std::cout << "\ndecisions (议定事项):\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : m.decisions()) {
      rows.push_back({d.id(), d.lead_unit(), Join(d.co_units()), d.due_date(), d.text()});
    }
    PrintTable({"ID", "LEAD", "CO-UNITS", "DUE", "TEXT"}, rows);
  }
}

void ShowSeries(const Globals& g, const pb::MeetingSeries& s) {
  if (g.json) {
    std::cout << Json(s) << "\n";
    return;
  }
  std::string when = s.frequency() == pb::SERIES_FREQUENCY_WEEKLY
                         ? "weekly on weekday " + std::to_string(s.weekday())
                         : "monthly on working day " + std::to_string(s.nth_working_day());
  PrintFields({{"id", s.id()},
               {"title", s.title()},
               {"kind", KindText(s.kind())},
               {"when", when + " at " + s.start_local_time() + " for " +
                            std::to_string(s.duration_minutes()) + " min"},
               {"venue", s.venue()},
               {"presiding", s.presiding_leader()},
               {"units", Join(s.participant_units())},
               {"from", s.first_date()},
               {"until", s.until_date()},
               {"generated through", s.generated_through()}});
}

struct Args {
  std::string id, kind, title, start, end, venue, presiding, reason, text, lead, due, from, to,
      state, series, page_token, frequency, at, first, until;
  std::vector<std::string> leaders, units, agenda, co;
  int page_size = 0, weekday = 0, nth = 0, minutes = 60;
  bool override_conflicts = false, all = false;
};

}  // namespace

void AddMeetingsCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::MeetingsService::NewStub(ChannelTo(g, g.coordination_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };
  auto with_id = [a](CLI::App* cmd) {
    cmd->add_option("id", a->id, "the meeting's id")->required();
  };

  auto* meeting =
      app.add_subcommand("meeting", "meetings (会议): requests, approval, minutes, decisions");
  meeting->require_subcommand(1);

  auto* request = meeting->add_subcommand(
      "request", "request a meeting (会议申报): a coordinator, or a unit handler for its unit");
  request->add_option("--kind", a->kind, Spellings(kKinds))->required();
  request->add_option("--title", a->title, "the title")->required();
  request->add_option("--start", a->start, "\"YYYY-MM-DD HH:MM\" local")->required();
  request->add_option("--end", a->end, "\"YYYY-MM-DD HH:MM\" local, after --start")->required();
  request->add_option("--venue", a->venue, "one of the configured venues")->required();
  request->add_option("--presiding", a->presiding, "the presiding leader (user id)")->required();
  request->add_option("--leader", a->leaders, "a participating leader; repeatable")
      ->allow_extra_args(false);
  request->add_option("--unit", a->units, "a participating unit; repeatable")
      ->allow_extra_args(false);
  request->add_option("--agenda", a->agenda, "an agenda item (议程); repeatable, in order")
      ->allow_extra_args(false);
  request->add_flag("--override-conflicts", a->override_conflicts,
                    "book the venue over clashing meetings (office director or leader)");
  request->callback([&g, a, stub, rid] {
    pb::RequestMeetingRequest req;
    rid(req);
    auto* m = req.mutable_meeting();
    m->set_kind(ParseChoice(a->kind, kKinds, "kind"));
    m->set_title(a->title);
    *m->mutable_start_time() = LocalTime(a->start, "--start");
    *m->mutable_end_time() = LocalTime(a->end, "--end");
    m->set_venue(a->venue);
    m->set_presiding_leader(a->presiding);
    for (const auto& l : a->leaders) m->add_participant_leaders(l);
    for (const auto& u : a->units) m->add_participant_units(u);
    for (const auto& x : a->agenda) m->add_agenda(x);
    req.set_override_conflicts(a->override_conflicts);
    Show(g, Call(g, *stub(), &Stub::RequestMeeting, req));
  });

  auto* approve = meeting->add_subcommand(
      "approve", "approve a requested meeting (coordinator, office director)");
  with_id(approve);
  approve->add_flag("--override-conflicts", a->override_conflicts,
                    "approve over a venue clash (office director or leader)");
  approve->callback([&g, a, stub, rid] {
    pb::ApproveMeetingRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_override_conflicts(a->override_conflicts);
    Show(g, Call(g, *stub(), &Stub::ApproveMeeting, req));
  });

  auto* reject = meeting->add_subcommand("reject", "reject a requested meeting, with a reason");
  with_id(reject);
  reject->add_option("--reason", a->reason, "why")->required();
  reject->callback([&g, a, stub, rid] {
    pb::RejectMeetingRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::RejectMeeting, req));
  });

  auto* cancel = meeting->add_subcommand("cancel", "cancel a requested or approved meeting");
  with_id(cancel);
  cancel->add_option("--reason", a->reason, "why");
  cancel->callback([&g, a, stub, rid] {
    pb::CancelMeetingRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    Show(g, Call(g, *stub(), &Stub::CancelMeeting, req));
  });

  auto* get = meeting->add_subcommand("get", "show a meeting with its minutes and decisions");
  get->alias("show");
  with_id(get);
  get->callback([&g, a, stub] {
    pb::GetMeetingRequest req;
    req.set_id(a->id);
    Show(g, Call(g, *stub(), &Stub::GetMeeting, req));
  });

  auto* list = meeting->add_subcommand("list", "list the meetings you may see");
  list->add_option("--from", a->from, "meetings ending on or after this day (YYYY-MM-DD)");
  list->add_option("--to", a->to, "meetings starting on or before this day (YYYY-MM-DD)");
  list->add_option("--state", a->state, Spellings(kStates));
  list->add_option("--series", a->series, "only the meetings of this series");
  list->add_option("--page-size", a->page_size, "meetings per page");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListMeetingsRequest req;
    req.set_from_date(a->from);
    req.set_to_date(a->to);
    if (!a->state.empty()) req.set_state(ParseChoice(a->state, kStates, "state"));
    req.set_series_id(a->series);
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = ListPages(g, *stub(), &Stub::ListMeetings, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : resp.meetings()) {
      rows.push_back({m.id(), Local(m.start_time()), Local(m.end_time()).substr(11), m.venue(),
                      KindText(m.kind()), StateText(m.state()), m.title()});
    }
    PrintTable({"ID", "START", "END", "VENUE", "KIND", "STATE", "TITLE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });

  auto* minutes =
      meeting->add_subcommand("minutes", "record the minutes (纪要) of a meeting that has started");
  with_id(minutes);
  minutes->add_option("--text", a->text, "the minutes")->required();
  minutes->callback([&g, a, stub, rid] {
    pb::RecordMinutesRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_text(a->text);
    Show(g, Call(g, *stub(), &Stub::RecordMinutes, req));
  });

  auto* decide = meeting->add_subcommand(
      "decide", "record a decision (议定事项) in the minutes: opens a supervision item");
  with_id(decide);
  decide->add_option("--text", a->text, "what was decided")->required();
  decide->add_option("--lead", a->lead, "the responsible unit (牵头)")->required();
  decide->add_option("--co", a->co, "a co-unit (配合); repeatable")->allow_extra_args(false);
  decide->add_option("--due", a->due,
                     "YYYY-MM-DD (default: configured working days after the meeting)");
  decide->callback([&g, a, stub, rid] {
    pb::RecordDecisionRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_text(a->text);
    req.set_lead_unit(a->lead);
    for (const auto& c : a->co) req.add_co_units(c);
    req.set_due_date(a->due);
    Show(g, Call(g, *stub(), &Stub::RecordDecision, req));
  });

  auto* series =
      meeting->add_subcommand("series", "recurring meetings (例会): weekly 调度会, monthly 月例会");
  series->require_subcommand(1);
  auto* create =
      series->add_subcommand("create", "set up a recurring meeting (coordinator, office director)");
  create->add_option("--kind", a->kind, Spellings(kKinds))->required();
  create->add_option("--title", a->title, "the title")->required();
  create->add_option("--frequency", a->frequency, Spellings(kFrequencies))->required();
  create->add_option("--weekday", a->weekday, "weekly: 1 (Monday) .. 7 (Sunday)");
  create->add_option("--nth-working-day", a->nth, "monthly: the nth working day of the month");
  create->add_option("--at", a->at, "start, HH:MM local")->required();
  create->add_option("--minutes", a->minutes, "duration in minutes (default 60)");
  create->add_option("--venue", a->venue, "one of the configured venues")->required();
  create->add_option("--presiding", a->presiding, "the presiding leader (user id)")->required();
  create->add_option("--leader", a->leaders, "a participating leader; repeatable")
      ->allow_extra_args(false);
  create->add_option("--unit", a->units, "a participating unit; repeatable")
      ->allow_extra_args(false);
  create->add_option("--agenda", a->agenda, "a standing agenda item; repeatable")
      ->allow_extra_args(false);
  create->add_option("--first", a->first, "first day (YYYY-MM-DD, default today)");
  create->add_option("--until", a->until, "last day (YYYY-MM-DD, default open-ended)");
  create->callback([&g, a, stub, rid] {
    pb::CreateMeetingSeriesRequest req;
    rid(req);
    auto* s = req.mutable_series();
    s->set_kind(ParseChoice(a->kind, kKinds, "kind"));
    s->set_title(a->title);
    s->set_frequency(ParseChoice(a->frequency, kFrequencies, "frequency"));
    s->set_weekday(a->weekday);
    s->set_nth_working_day(a->nth);
    s->set_start_local_time(a->at);
    s->set_duration_minutes(a->minutes);
    s->set_venue(a->venue);
    s->set_presiding_leader(a->presiding);
    for (const auto& l : a->leaders) s->add_participant_leaders(l);
    for (const auto& u : a->units) s->add_participant_units(u);
    for (const auto& x : a->agenda) s->add_agenda(x);
    s->set_first_date(a->first);
    s->set_until_date(a->until);
    ShowSeries(g, Call(g, *stub(), &Stub::CreateMeetingSeries, req));
  });
  auto* sget = series->add_subcommand("get", "show a series");
  sget->add_option("id", a->id, "the series' id")->required();
  sget->callback([&g, a, stub] {
    pb::GetMeetingSeriesRequest req;
    req.set_id(a->id);
    ShowSeries(g, Call(g, *stub(), &Stub::GetMeetingSeries, req));
  });
}

}  // namespace zsctl

// zsctl schedule ...: the leader schedule of the coordination service (领导活动安排): activities,
// conflicts, the week view and attendance requests (出席申请).
#include <google/protobuf/util/time_util.h>

#include <iostream>

#include "common.h"
#include "zhongshu/coordination/v1/schedule.grpc.pb.h"

namespace zsctl {
namespace {

namespace pb = zhongshu::coordination::v1;
using Stub = pb::ScheduleService::Stub;

const Choices<pb::AttendanceState> kAttendanceStates = {{"pending", pb::ATTENDANCE_STATE_PENDING},
                                                        {"approved", pb::ATTENDANCE_STATE_APPROVED},
                                                        {"refused", pb::ATTENDANCE_STATE_REFUSED},
                                                        {"expired", pb::ATTENDANCE_STATE_EXPIRED}};

// "2026-11-25 09:00" or "2026-11-25T09:00" (office time, UTC+8), or full RFC 3339.
google::protobuf::Timestamp ParseTime(std::string text, const std::string& what) {
  if (text.size() == 16) {
    if (text[10] == ' ') text[10] = 'T';
    text += ":00+08:00";
  }
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(text, &ts)) {
    Die(what + ": not a time like 2026-11-25 09:00 or 2026-11-25T09:00:00+08:00: " + text);
  }
  return ts;
}

std::string Who(const std::string& id, const std::string& name) {
  return name.empty() ? id : name + " (" + id + ")";
}

std::string Place(const std::string& venue, const std::string& location) {
  return venue.empty() ? location : venue;
}

void ShowActivity(const Globals& g, const pb::Activity& a) {
  if (g.json) {
    std::cout << Json(a) << "\n";
    return;
  }
  PrintFields({{"id", a.id()},
               {"leader", Who(a.leader(), a.leader_name())},
               {"title", a.title()},
               {"start", Time(a.start_time())},
               {"end", Time(a.end_time())},
               {"place", Place(a.venue(), a.location())},
               {"state", Short(pb::ActivityState_Name(a.state()), "ACTIVITY_STATE_")},
               {"created by", a.created_by()},
               {"request", a.attendance_request_id()},
               {"unit", a.requesting_unit()},
               {"cancel reason", a.cancel_reason()},
               {"version", std::to_string(a.version())}});
  for (const auto& o : a.overrides()) {
    std::cout << "conflicts overridden by " << o.by() << " at " << Time(o.override_time()) << ":\n";
    for (const auto& c : o.conflicts()) {
      std::cout << "  " << c.activity_id() << " " << Who(c.leader(), c.leader_name()) << " "
                << c.title() << " " << Time(c.start_time()) << " – " << Time(c.end_time()) << "\n";
    }
  }
}

void ShowRequest(const Globals& g, const pb::AttendanceRequest& r) {
  if (g.json) {
    std::cout << Json(r) << "\n";
    return;
  }
  PrintFields({{"id", r.id()},
               {"leader", Who(r.leader(), r.leader_name())},
               {"title", r.title()},
               {"start", Time(r.start_time())},
               {"end", Time(r.end_time())},
               {"place", Place(r.venue(), r.location())},
               {"reason", r.reason()},
               {"unit", r.requesting_unit()},
               {"requested by", r.requested_by()},
               {"state", Short(pb::AttendanceState_Name(r.state()), "ATTENDANCE_STATE_")},
               {"decided by", r.decided_by()},
               {"decision", r.decision_reason()},
               {"activity", r.activity_id()}});
}

struct Args {
  std::string id, leader, title, start, end, venue, location, notes, reason, date, state;
  std::string from, to, activity_id, page_token;
  bool override_conflicts = false, include_cancelled = false, all = false;
  bool approve = false, refuse = false;
  int64_t version = 0;
  int page_size = 0;
};

}  // namespace

void AddScheduleCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto stub = [&g] { return pb::ScheduleService::NewStub(ChannelTo(g, g.coordination_addr)); };
  auto rid = [&g](auto& req) { req.set_request_id(RequestId(g)); };

  auto* sched =
      app.add_subcommand("schedule", "leaders' activities and attendance requests (领导活动安排)");
  sched->require_subcommand(1);

  auto plan = [a](CLI::App* cmd, bool required) {
    auto* t = cmd->add_option("--title", a->title, "the title");
    auto* s = cmd->add_option("--start", a->start, "start, e.g. \"2026-11-25 09:00\" (UTC+8)");
    auto* e = cmd->add_option("--end", a->end, "end (after start)");
    if (required) {
      t->required();
      s->required();
      e->required();
    }
    cmd->add_option("--venue", a->venue, "a configured venue (schedule.venues)");
    cmd->add_option("--location", a->location, "or a free-text place");
  };

  auto* create = sched->add_subcommand("create", "arrange an activity for a leader (coordinator)");
  create->add_option("--leader", a->leader, "the leader's user id")->required();
  plan(create, true);
  create->add_option("--notes", a->notes, "notes");
  create->add_flag("--override", a->override_conflicts,
                   "book despite conflicts (office director or the leader)");
  create->callback([&g, a, stub, rid] {
    pb::CreateActivityRequest req;
    rid(req);
    auto* x = req.mutable_activity();
    x->set_leader(a->leader);
    x->set_title(a->title);
    *x->mutable_start_time() = ParseTime(a->start, "--start");
    *x->mutable_end_time() = ParseTime(a->end, "--end");
    x->set_venue(a->venue);
    x->set_location(a->location);
    x->set_notes(a->notes);
    req.set_override_conflicts(a->override_conflicts);
    ShowActivity(g, Call(g, *stub(), &Stub::CreateActivity, req));
  });

  auto* update = sched->add_subcommand("update", "change an activity's time, place or title");
  update->add_option("id", a->id, "the activity's id")->required();
  update->add_option("--version", a->version, "the version read")->required();
  plan(update, false);
  update->add_option("--notes", a->notes, "notes");
  update->add_flag("--override", a->override_conflicts,
                   "despite conflicts (office director or the leader)");
  update->callback([&g, a, stub, rid] {
    pb::UpdateActivityRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_version(a->version);
    req.set_title(a->title);
    if (!a->start.empty()) *req.mutable_start_time() = ParseTime(a->start, "--start");
    if (!a->end.empty()) *req.mutable_end_time() = ParseTime(a->end, "--end");
    req.set_venue(a->venue);
    req.set_location(a->location);
    req.set_notes(a->notes);
    req.set_override_conflicts(a->override_conflicts);
    ShowActivity(g, Call(g, *stub(), &Stub::UpdateActivity, req));
  });

  auto* cancel = sched->add_subcommand("cancel", "cancel an activity");
  cancel->add_option("id", a->id, "the activity's id")->required();
  cancel->add_option("--reason", a->reason, "why");
  cancel->add_option("--version", a->version, "the version read (0: no check)");
  cancel->callback([&g, a, stub, rid] {
    pb::CancelActivityRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_reason(a->reason);
    req.set_version(a->version);
    ShowActivity(g, Call(g, *stub(), &Stub::CancelActivity, req));
  });

  auto* get = sched->add_subcommand("get", "show an activity");
  get->add_option("id", a->id, "the activity's id")->required();
  get->callback([&g, a, stub] {
    pb::GetActivityRequest req;
    req.set_id(a->id);
    ShowActivity(g, Call(g, *stub(), &Stub::GetActivity, req));
  });

  auto* list = sched->add_subcommand("list", "list activities (per leader and time range)");
  list->add_option("--leader", a->leader, "only this leader's");
  list->add_option("--from", a->from, "ending after this time");
  list->add_option("--to", a->to, "starting before this time");
  list->add_flag("--include-cancelled", a->include_cancelled, "cancelled ones too");
  list->add_option("--page-size", a->page_size, "activities per page");
  list->add_option("--page-token", a->page_token, "continue from a previous page");
  list->add_flag("--all", a->all, "fetch every page");
  list->callback([&g, a, stub] {
    pb::ListActivitiesRequest req;
    req.set_leader(a->leader);
    if (!a->from.empty()) *req.mutable_from_time() = ParseTime(a->from, "--from");
    if (!a->to.empty()) *req.mutable_to_time() = ParseTime(a->to, "--to");
    req.set_include_cancelled(a->include_cancelled);
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = ListPages(g, *stub(), &Stub::ListActivities, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& x : resp.activities()) {
      rows.push_back({x.id(), Who(x.leader(), x.leader_name()), Time(x.start_time()),
                      Time(x.end_time()), Place(x.venue(), x.location()),
                      Short(pb::ActivityState_Name(x.state()), "ACTIVITY_STATE_"), x.title()});
    }
    PrintTable({"ID", "LEADER", "START", "END", "PLACE", "STATE", "TITLE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });

  auto* week = sched->add_subcommand("week", "a leader's week (Monday to Sunday)");
  week->add_option("--leader", a->leader, "the leader")->required();
  week->add_option("--date", a->date, "a day of the week, YYYY-MM-DD (default today)");
  week->callback([&g, a, stub] {
    pb::WeekViewRequest req;
    req.set_leader(a->leader);
    req.set_date(a->date);
    auto resp = Call(g, *stub(), &Stub::WeekView, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    static const char* kDays[] = {"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"};
    std::cout << Who(resp.leader(), resp.leader_name()) << " — week of " << resp.week_start()
              << "\n";
    for (const auto& d : resp.days()) {
      std::cout << d.date() << " " << kDays[d.weekday() % 8] << (d.working_day() ? "" : " (休)")
                << (d.holiday().empty() ? "" : " " + d.holiday()) << "\n";
      for (const auto& x : d.activities()) {
        std::cout << "  " << Time(x.start_time()) << " – " << Time(x.end_time()) << "  "
                  << x.title() << "  @" << Place(x.venue(), x.location()) << "  [" << x.id()
                  << "]\n";
      }
    }
  });

  auto* check = sched->add_subcommand("check", "dry run: the entries a booking would clash with");
  check->add_option("--leader", a->leader, "the leader")->required();
  check->add_option("--start", a->start, "start")->required();
  check->add_option("--end", a->end, "end")->required();
  check->add_option("--venue", a->venue, "a configured venue");
  check->add_option("--activity", a->activity_id, "an activity being moved (ignored)");
  check->callback([&g, a, stub] {
    pb::CheckActivityConflictsRequest req;
    req.set_leader(a->leader);
    *req.mutable_start_time() = ParseTime(a->start, "--start");
    *req.mutable_end_time() = ParseTime(a->end, "--end");
    req.set_venue(a->venue);
    req.set_activity_id(a->activity_id);
    auto resp = Call(g, *stub(), &Stub::CheckActivityConflicts, req);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    if (resp.conflicts().empty()) {
      std::cout << "no conflicts\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : resp.conflicts()) {
      rows.push_back({Short(pb::ConflictKind_Name(c.kind()), "CONFLICT_KIND_"), c.activity_id(),
                      Who(c.leader(), c.leader_name()), Time(c.start_time()), Time(c.end_time()),
                      c.venue(), c.title()});
    }
    PrintTable({"KIND", "ID", "LEADER", "START", "END", "VENUE", "TITLE"}, rows);
  });

  auto* request = sched->add_subcommand("request", "ask a leader to attend an event (出席申请)");
  request->add_option("--leader", a->leader, "the leader")->required();
  plan(request, true);
  request->add_option("--reason", a->reason, "why the leader should attend")->required();
  request->callback([&g, a, stub, rid] {
    pb::RequestAttendanceRequest req;
    rid(req);
    auto* x = req.mutable_attendance();
    x->set_leader(a->leader);
    x->set_title(a->title);
    *x->mutable_start_time() = ParseTime(a->start, "--start");
    *x->mutable_end_time() = ParseTime(a->end, "--end");
    x->set_venue(a->venue);
    x->set_location(a->location);
    x->set_reason(a->reason);
    ShowRequest(g, Call(g, *stub(), &Stub::RequestAttendance, req));
  });

  auto* decide = sched->add_subcommand("decide", "approve or refuse an attendance request");
  decide->add_option("id", a->id, "the request's id")->required();
  decide->add_flag("--approve", a->approve, "approve: the activity goes on the schedule");
  decide->add_flag("--refuse", a->refuse, "refuse (needs --reason)");
  decide->add_option("--reason", a->reason, "the reason");
  decide->add_flag("--override", a->override_conflicts,
                   "approve despite conflicts (office director or the leader)");
  decide->callback([&g, a, stub, rid] {
    if (a->approve == a->refuse) Die("give exactly one of --approve or --refuse");
    pb::DecideAttendanceRequest req;
    rid(req);
    req.set_id(a->id);
    req.set_approve(a->approve);
    req.set_reason(a->reason);
    req.set_override_conflicts(a->override_conflicts);
    ShowRequest(g, Call(g, *stub(), &Stub::DecideAttendance, req));
  });

  auto* show_req = sched->add_subcommand("request-get", "show an attendance request");
  show_req->add_option("id", a->id, "the request's id")->required();
  show_req->callback([&g, a, stub] {
    pb::GetAttendanceRequestRequest req;
    req.set_id(a->id);
    ShowRequest(g, Call(g, *stub(), &Stub::GetAttendanceRequest, req));
  });

  auto* list_req = sched->add_subcommand("requests", "list attendance requests you may see");
  list_req->add_option("--leader", a->leader, "only those asking this leader");
  list_req->add_option("--state", a->state, "only in this state: " + Spellings(kAttendanceStates));
  list_req->add_option("--page-size", a->page_size, "requests per page");
  list_req->add_option("--page-token", a->page_token, "continue from a previous page");
  list_req->add_flag("--all", a->all, "fetch every page");
  list_req->callback([&g, a, stub] {
    pb::ListAttendanceRequestsRequest req;
    req.set_leader(a->leader);
    if (!a->state.empty()) req.set_state(ParseChoice(a->state, kAttendanceStates, "state"));
    req.set_page_size(a->page_size);
    req.set_page_token(a->page_token);
    auto resp = ListPages(g, *stub(), &Stub::ListAttendanceRequests, req, a->all);
    if (g.json) {
      std::cout << Json(resp) << "\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& x : resp.requests()) {
      rows.push_back({x.id(), Who(x.leader(), x.leader_name()), Time(x.start_time()),
                      x.requesting_unit(),
                      Short(pb::AttendanceState_Name(x.state()), "ATTENDANCE_STATE_"), x.title()});
    }
    PrintTable({"ID", "LEADER", "START", "UNIT", "STATE", "TITLE"}, rows);
    if (!resp.next_page_token().empty()) {
      std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  });
}

}  // namespace zsctl

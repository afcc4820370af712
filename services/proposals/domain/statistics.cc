#include "domain/statistics.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>

#include "core/time_util.h"

namespace zs::proposals {
namespace {

// Whether `a` was created before `b`: by create_time, then id, so that orders are total.
bool CreatedBefore(const pb::Proposal& a, const pb::Proposal& b) {
  return std::forward_as_tuple(a.create_time().seconds(), a.create_time().nanos(), a.id()) <
         std::forward_as_tuple(b.create_time().seconds(), b.create_time().nanos(), b.id());
}

bool Matches(const pb::Proposal& p, const StatsFilter& f) {
  return (f.session.empty() || p.session() == f.session) &&
         (f.kind == pb::PROPOSAL_KIND_UNSPECIFIED || p.kind() == f.kind);
}

// UNSPECIFIED is never stored; it is counted as not yet reviewed.
bool Reviewed(pb::ProposalState s) {
  return s != pb::PROPOSAL_STATE_SUBMITTED && s != pb::PROPOSAL_STATE_UNSPECIFIED;
}

bool Registered(pb::ProposalState s) {
  switch (s) {
    case pb::PROPOSAL_STATE_REGISTERED:
    case pb::PROPOSAL_STATE_MERGED:
    case pb::PROPOSAL_STATE_HANDLING:
    case pb::PROPOSAL_STATE_REPLIED:
    case pb::PROPOSAL_STATE_CLOSED:
      return true;
    default:
      return false;
  }
}

bool Replying(const pb::Handling& h) {
  const auto r = h.role();
  return (r == pb::HANDLING_ROLE_SOLE || r == pb::HANDLING_ROLE_LEAD ||
          r == pb::HANDLING_ROLE_SPLIT) &&
         h.state() != pb::HANDLING_STATE_REPLACED;
}

// The handling's reply of round 1: the current one, or after a re-handling an earlier one.
const pb::Reply* RoundOneReply(const pb::Handling& h) {
  if (h.has_reply() && h.reply().round() == 1) return &h.reply();
  for (const auto& r : h.earlier_replies()) {
    if (r.round() == 1) return &r;
  }
  return nullptr;
}

// How a proposal's first round of ratings came out.
struct FirstRound {
  bool rated = false;      // the round has ended
  bool satisfied = false;  // ... with no 不满意
};

FirstRound FirstRoundOf(const pb::Proposal& p) {
  FirstRound out;
  if (p.state() == pb::PROPOSAL_STATE_MERGED) return out;
  std::set<std::string> rated_by;
  bool unsatisfied = false;
  for (const auto& r : p.ratings()) {
    if (r.round() != 1) continue;
    rated_by.insert(r.rater());
    if (r.satisfaction() == pb::SATISFACTION_UNSATISFIED) unsatisfied = true;
  }
  const bool all_rated =
      !p.raters().empty() && std::all_of(p.raters().begin(), p.raters().end(),
                                         [&](const std::string& id) { return rated_by.count(id); });
  out.rated = p.rehandling_count() > 0 || all_rated;
  out.satisfied = out.rated && !unsatisfied;
  return out;
}

void AddProposal(const pb::Proposal& p, pb::Figures* f) {
  f->set_submitted(f->submitted() + 1);
  if (Reviewed(p.state())) f->set_reviewed(f->reviewed() + 1);
  if (Registered(p.state())) f->set_registered(f->registered() + 1);
}

void AddFirstRound(const FirstRound& r, pb::Figures* f) {
  if (r.rated) f->set_rated(f->rated() + 1);
  if (r.satisfied) f->set_first_time_satisfied(f->first_time_satisfied() + 1);
}

// A replying handling's reply, class and deadline figures.
void AddHandling(const pb::Handling& h, const std::optional<CivilDate>& as_of, pb::Figures* f) {
  if (const pb::Reply* first = RoundOneReply(h)) {
    f->set_replies(f->replies() + 1);
    if (first->on_time()) f->set_on_time_replies(f->on_time_replies() + 1);
  }
  // The latest reply: the current one, or during a re-handling the one before it.
  const pb::Reply* latest = h.reply().reply_class() != pb::REPLY_CLASS_UNSPECIFIED ? &h.reply()
                            : h.earlier_replies().empty()
                                ? nullptr
                                : &h.earlier_replies(h.earlier_replies_size() - 1);
  if (latest != nullptr) {
    switch (latest->reply_class()) {
      case pb::REPLY_CLASS_A:
        f->set_class_a(f->class_a() + 1);
        break;
      case pb::REPLY_CLASS_B:
        f->set_class_b(f->class_b() + 1);
        break;
      case pb::REPLY_CLASS_C:
        f->set_class_c(f->class_c() + 1);
        break;
      default:
        break;
    }
  }
  const bool open =
      h.state() == pb::HANDLING_STATE_ASSIGNED || h.state() == pb::HANDLING_STATE_SIGNED;
  const auto due = ParseDate(h.due_date());
  if (open && as_of && due && *due < *as_of) f->set_overdue_open(f->overdue_open() + 1);
}

double Ratio(int part, int whole) { return whole ? static_cast<double>(part) / whole : 0; }

void SetRates(pb::Figures* f) {
  f->set_registration_rate(Ratio(f->registered(), f->reviewed()));
  f->set_on_time_rate(Ratio(f->on_time_replies(), f->replies()));
  f->set_first_time_satisfaction_rate(Ratio(f->first_time_satisfied(), f->rated()));
}

// Sessions oldest first: by the earliest create_time of their proposals, then by name.
std::vector<std::string> SessionOrder(const std::vector<const pb::Proposal*>& proposals) {
  std::map<std::string, const pb::Proposal*> earliest;
  for (const auto* p : proposals) {
    auto [it, inserted] = earliest.emplace(p->session(), p);
    if (!inserted && CreatedBefore(*p, *it->second)) it->second = p;
  }
  std::vector<std::string> order;
  for (const auto& [session, p] : earliest) order.push_back(session);
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    const auto& ta = earliest.at(a)->create_time();
    const auto& tb = earliest.at(b)->create_time();
    return std::make_tuple(ta.seconds(), ta.nanos()) < std::make_tuple(tb.seconds(), tb.nanos());
  });
  return order;
}

// Union-find over indexes, with path halving.
struct Groups {
  std::vector<size_t> parent;
  explicit Groups(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t Find(size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  }
};

}  // namespace

std::vector<pb::RecurringTopic> RecurringTopics(const std::vector<const pb::Proposal*>& proposals,
                                                double threshold) {
  const std::vector<std::string> order = SessionOrder(proposals);
  std::map<std::string, size_t> session_rank;
  for (size_t k = 0; k < order.size(); ++k) session_rank[order[k]] = k;

  std::vector<const pb::Proposal*> eligible;
  for (const auto* p : proposals) {
    if (Reviewed(p->state()) && p->state() != pb::PROPOSAL_STATE_NOT_REGISTERED) {
      eligible.push_back(p);
    }
  }
  std::vector<Profile> profiles;
  profiles.reserve(eligible.size());
  for (const auto* p : eligible) profiles.push_back(ProfileOf(*p));

  // Every link between proposals of different sessions: O(n²) in the worst case (SimilarPairs).
  std::vector<SimilarPair> links = SimilarPairs(profiles, threshold, [&](size_t a, size_t b) {
    return eligible[a]->session() != eligible[b]->session();
  });
  // Kruskal: the strongest links first; a link that joins two groups is on the maximum spanning
  // tree, and the group's score is the weakest such link.
  std::sort(links.begin(), links.end(), [](const SimilarPair& x, const SimilarPair& y) {
    return std::tie(y.score, x.a, x.b) < std::tie(x.score, y.a, y.b);
  });
  Groups groups(eligible.size());
  std::vector<double> weakest(eligible.size(), 1.0);
  for (const auto& l : links) {
    const size_t ra = groups.Find(l.a), rb = groups.Find(l.b);
    if (ra == rb) continue;
    groups.parent[rb] = ra;
    weakest[ra] = std::min({weakest[ra], weakest[rb], l.score});
  }

  std::map<size_t, std::vector<const pb::Proposal*>> members;
  for (size_t k = 0; k < eligible.size(); ++k) members[groups.Find(k)].push_back(eligible[k]);
  std::vector<pb::RecurringTopic> topics;
  std::vector<const pb::Proposal*> oldest;  // per topic, for the order below
  for (auto& [root, ps] : members) {
    std::set<std::string> sessions;
    for (const auto* p : ps) sessions.insert(p->session());
    if (sessions.size() < 2) continue;
    std::sort(ps.begin(), ps.end(),
              [](const pb::Proposal* x, const pb::Proposal* y) { return CreatedBefore(*x, *y); });
    pb::RecurringTopic t;
    t.set_title(ps.back()->title());
    std::vector<std::string> ordered(sessions.begin(), sessions.end());
    std::sort(ordered.begin(), ordered.end(), [&](const std::string& a, const std::string& b) {
      return session_rank.at(a) < session_rank.at(b);
    });
    for (const auto& s : ordered) t.add_sessions(s);
    for (const auto* p : ps) t.add_proposal_ids(p->id());
    t.set_score(weakest[root]);
    topics.push_back(std::move(t));
    oldest.push_back(ps.front());
  }
  std::vector<size_t> idx(topics.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t x, size_t y) {
    const auto& tx = topics[x];
    const auto& ty = topics[y];
    if (tx.sessions_size() != ty.sessions_size()) return tx.sessions_size() > ty.sessions_size();
    if (tx.proposal_ids_size() != ty.proposal_ids_size()) {
      return tx.proposal_ids_size() > ty.proposal_ids_size();
    }
    return CreatedBefore(*oldest[x], *oldest[y]);
  });
  std::vector<pb::RecurringTopic> out;
  out.reserve(topics.size());
  for (size_t k : idx) out.push_back(std::move(topics[k]));
  return out;
}

pb::Statistics ComputeStatistics(
    const std::vector<pb::Proposal>& proposals, const StatsFilter& filter,
    const std::string& as_of_date,
    const std::function<std::string(const std::string& unit)>& unit_name, const std::string& tenant,
    double recurring_threshold) {
  pb::Statistics stats;
  stats.set_tenant(tenant);
  stats.set_as_of_date(as_of_date);
  const std::optional<CivilDate> as_of = ParseDate(as_of_date);

  std::vector<const pb::Proposal*> selected;
  for (const auto& p : proposals) {
    if (Matches(p, filter)) selected.push_back(&p);
  }

  pb::Figures total;
  std::map<std::string, pb::Figures> by_session;
  std::map<std::string, pb::Figures> by_unit;
  std::map<std::string, std::string> handling_unit_names;  // the first non-empty name seen
  for (const auto* p : selected) {
    pb::Figures& session = by_session[p->session()];
    const FirstRound first = FirstRoundOf(*p);
    for (pb::Figures* f : {&total, &session}) {
      AddProposal(*p, f);
      AddFirstRound(first, f);
    }
    std::set<std::string> replied_units;  // gave a round-1 reply as a replying unit
    for (const auto& h : p->handlings()) {
      if (!Replying(h)) continue;
      pb::Figures& unit = by_unit[h.unit()];
      for (pb::Figures* f : {&total, &session, &unit}) AddHandling(h, as_of, f);
      if (RoundOneReply(h)) replied_units.insert(h.unit());
      if (!h.unit_name().empty()) handling_unit_names.emplace(h.unit(), h.unit_name());
    }
    for (const auto& u : replied_units) AddFirstRound(first, &by_unit[u]);
  }

  SetRates(&total);
  *stats.mutable_total() = total;
  for (const auto& session : SessionOrder(selected)) {
    pb::Figures& f = by_session[session];
    f.set_key(session);
    SetRates(&f);
    *stats.add_by_session() = f;
  }
  for (auto& [id, f] : by_unit) {
    f.set_key(id);
    std::string name = unit_name ? unit_name(id) : "";
    if (name.empty()) {
      auto it = handling_unit_names.find(id);
      name = it == handling_unit_names.end() ? id : it->second;
    }
    f.set_name(name);
    SetRates(&f);
    *stats.add_by_unit() = f;
  }
  for (auto& t : RecurringTopics(selected, recurring_threshold)) {
    *stats.add_recurring_topics() = std::move(t);
  }
  return stats;
}

namespace {

// A text cell: a leading = + - @ (or tab, CR) is neutralised with an apostrophe, so a spreadsheet
// shows it instead of evaluating it; then quoted per RFC 4180 when it holds , " CR or LF.
std::string Text(const std::string& s) {
  std::string v = s;
  if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos) {
    v.insert(0, 1, '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string Percent(double rate, int denominator) {
  if (denominator == 0) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string Row(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t k = 0; k < cells.size(); ++k) {
    if (k) line += ',';
    line += cells[k];
  }
  return line + "\r\n";
}

const std::vector<std::string> kSubmissionHeaders = {"提出件数", "已审查", "立案件数", "立案率"};
const std::vector<std::string> kHandlingHeaders = {
    "答复件数",   "按期答复件数", "按期答复率", "已评价件数", "首次满意件数",
    "首次满意率", "A类",          "B类",        "C类",        "逾期未答复"};

std::vector<std::string> Cells(std::vector<std::string> first, const pb::Figures& f,
                               bool submission) {
  auto n = [](int v) { return std::to_string(v); };
  if (submission) {
    for (auto c : {n(f.submitted()), n(f.reviewed()), n(f.registered()),
                   Percent(f.registration_rate(), f.reviewed())}) {
      first.push_back(std::move(c));
    }
  }
  for (auto c : {n(f.replies()), n(f.on_time_replies()), Percent(f.on_time_rate(), f.replies()),
                 n(f.rated()), n(f.first_time_satisfied()),
                 Percent(f.first_time_satisfaction_rate(), f.rated()), n(f.class_a()),
                 n(f.class_b()), n(f.class_c()), n(f.overdue_open())}) {
    first.push_back(std::move(c));
  }
  return first;
}

std::vector<std::string> Headers(std::vector<std::string> first, bool submission) {
  if (submission) first.insert(first.end(), kSubmissionHeaders.begin(), kSubmissionHeaders.end());
  first.insert(first.end(), kHandlingHeaders.begin(), kHandlingHeaders.end());
  return first;
}

}  // namespace

std::string StatisticsCsv(const pb::Statistics& stats) {
  std::string csv = "\xEF\xBB\xBF";
  csv += Row({"汇总"});
  csv += Row(Headers({"统计截至"}, true));
  csv += Row(Cells({Text(stats.as_of_date())}, stats.total(), true));
  csv += "\r\n";
  csv += Row({"按届次"});
  csv += Row(Headers({"届次"}, true));
  for (const auto& f : stats.by_session()) csv += Row(Cells({Text(f.key())}, f, true));
  csv += "\r\n";
  csv += Row({"按承办单位"});
  csv += Row(Headers({"承办单位", "单位编码"}, false));
  for (const auto& f : stats.by_unit())
    csv += Row(Cells({Text(f.name()), Text(f.key())}, f, false));
  csv += "\r\n";
  csv += Row({"年年提"});
  csv += Row({"标题", "届次", "件数", "相似度"});
  for (const auto& t : stats.recurring_topics()) {
    std::string sessions;
    for (const auto& s : t.sessions()) sessions += (sessions.empty() ? "" : "、") + s;
    char score[32];
    std::snprintf(score, sizeof score, "%.2f", t.score());
    csv += Row({Text(t.title()), Text(sessions), std::to_string(t.proposal_ids_size()), score});
  }
  return csv;
}

}  // namespace zs::proposals

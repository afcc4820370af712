#pragma once

// Proposal statistics (GetStatistics, ExportStatistics): the figures of message Statistics per
// session, per handling unit and in total, topics that come back (年年提), and their CSV for Excel.
// Pure functions; no gRPC, Redis or SQL.
//
// Definitions. The figures count the proposals given that match the filter (session, kind); the
// caller passes one tenant's proposals.
// - submitted (提出件数): every proposal, whatever its state (merged ones included).
// - reviewed (已审查): state other than SUBMITTED, i.e. registered, not registered, converted or
//   merged, and everything after registration.
// - registered (立案件数): REGISTERED, MERGED, HANDLING, REPLIED or CLOSED — reviewed and neither
//   NOT_REGISTERED nor CONVERTED. registration_rate = registered / reviewed.
// - Replying handlings: handlings with role SOLE (独办), LEAD (主办) or SPLIT (分办) that were
//   not REPLACED (re-assigned to another unit). Co-handling units (会办) do not reply.
// - replies (答复件数): replying handlings with a round-1 reply (the current reply of round 1, or
//   an earlier reply of round 1 after a re-handling). on_time_replies (按期答复件数): those whose
//   round-1 reply was on time. on_time_rate = on_time_replies / replies.
// - rated (已评价件数): proposals, merged ones excepted (their proposers rate the primary), whose
//   first round has ended: re-handled (rehandling_count > 0), or every rater (raters, not empty)
//   has a rating of round 1. first_time_satisfied (首次满意件数): rated proposals with no
//   不满意 (UNSATISFIED) rating of round 1. first_time_satisfaction_rate =
//   first_time_satisfied / rated.
// - class_a / class_b / class_c: replying handlings with a reply, by the class of their latest
//   reply as the office adjusted it (reply.reply_class; during a re-handling, the reply before it).
// - overdue_open (逾期未答复): replying handlings still ASSIGNED or SIGNED whose due date is
//   before as_of_date (none when as_of_date is not a date).
// - Rates are fractions in [0, 1], 0 when the denominator is 0.
// Groups:
// - total: everything; key empty.
// - by_session: one per session (key = session), oldest session first (by the earliest
//   create_time of its proposals, then by name).
// - by_unit: one per unit that has a replying handling (key = unit id, name = unit_name(unit), or
//   the handling's unit_name, or the id, whichever is first non-empty), ordered by unit id.
//   submitted, reviewed and registered are 0; replies, on_time_replies, classes and overdue_open
//   count the unit's replying handlings; rated and first_time_satisfied count the proposals to
//   which the unit gave a round-1 reply as a replying unit (each proposal once per unit).
// Recurring topics (年年提): see RecurringTopics below.

#include <functional>
#include <string>
#include <vector>

#include "domain/similarity.h"
#include "zhongshu/proposals/v1/proposals.pb.h"

namespace zs::proposals {

struct StatsFilter {
  std::string session;                                    // empty: every session
  pb::ProposalKind kind = pb::PROPOSAL_KIND_UNSPECIFIED;  // UNSPECIFIED: every kind
};

// Two proposals of different sessions at least this similar (Similarity) are on the same topic.
inline constexpr double kRecurringThreshold = 0.35;

// Topics that come back session after session (年年提). Of `proposals`, those reviewed and not
// refused take part (state neither SUBMITTED nor NOT_REGISTERED; converted and merged ones count,
// they raised the topic):
// - two proposals of different sessions are linked when their Similarity is at least `threshold`
//   (and above 0); proposals of the same session are never linked directly, only through others;
// - a topic is a connected group of linked proposals (single link: A~B and B~C group A, B, C even
//   when A and C are not similar), kept when it spans at least 2 sessions (any linked group does);
// - title: its latest proposal's (by create_time, then id); sessions: those of its proposals,
//   oldest first (by the earliest create_time of the session's proposals among all of
//   `proposals`, the order of by_session); proposal_ids: oldest first (create_time, then id);
// - score: the lowest similarity on a maximum spanning tree of the links (Kruskal, strongest links
//   first), i.e. the highest threshold at which the group would still hold together;
// - topics are listed with the most sessions first, then the most proposals, then by their
//   oldest proposal (create_time, then id).
// Every pair of proposals of different sessions that share a bigram is compared (SimilarPairs,
// through an inverted index): O(n²) in the worst case. That is fine for one tenant's proposals
// (hundreds per session, a few sessions: well under a second for 1,500 proposals of 800
// characters);
// it is not meant for a whole province at once.
std::vector<pb::RecurringTopic> RecurringTopics(const std::vector<const pb::Proposal*>& proposals,
                                                double threshold = kRecurringThreshold);

// The statistics of `proposals` matching `filter`, as of `as_of_date` ("YYYY-MM-DD", local date),
// with the definitions above; recurring_topics from the matching proposals (so a filter on one
// session leaves none). `unit_name` names a handling unit (may be empty: the handling's name is
// used). tenant and as_of_date are copied into the result.
pb::Statistics ComputeStatistics(
    const std::vector<pb::Proposal>& proposals, const StatsFilter& filter,
    const std::string& as_of_date,
    const std::function<std::string(const std::string& unit)>& unit_name, const std::string& tenant,
    double recurring_threshold = kRecurringThreshold);

// The statistics as CSV for Excel: UTF-8 with a BOM (EF BB BF), CRLF line ends, Chinese headers.
// Four sections one after another, each a title line, a header line and its rows, separated by a
// blank line:
//   汇总        统计截至, 提出件数, 已审查, 立案件数, 立案率, 答复件数, 按期答复件数, 按期答复率,
//               已评价件数, 首次满意件数, 首次满意率, A类, B类, C类, 逾期未答复 (one row)
//   按届次      届次, then the same figures as 汇总 (one row per session)
//   按承办单位  承办单位, 单位编码, then 答复件数 … 逾期未答复 (the unit-level figures; submitted,
//               reviewed and registered, always 0 for a unit, are left out)
//   年年提      标题, 届次 (joined with "、"), 件数, 相似度 (two decimals, e.g. 0.42)
// Rates are percentages with one decimal ("66.7%"), "—" when the denominator is 0. Fields with a
// comma, a double quote, CR or LF are quoted (RFC 4180, quotes doubled). A text cell starting with
// = + - @ (or a tab or CR) gets a leading apostrophe, so that a spreadsheet does not run it as a
// formula.
std::string StatisticsCsv(const pb::Statistics& stats);

}  // namespace zs::proposals

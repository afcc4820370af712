#pragma once

// Notices (通报): per-unit statistics of a period, and their Markdown and HTML renderings.
// Pure functions; no gRPC, Redis or SQL.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "calendar/calendar.h"
#include "calendar/period.h"
#include "core/time_util.h"
#include "org/org.h"
#include "zhongshu/supervision/v1/supervision.pb.h"

namespace zs::supervision {

namespace pb = zhongshu::supervision::v1;

using calendar::ParsePeriod;
using calendar::Period;

// Fills the statistics of `notice` for `period` from the tenant's tasks, as of `today` (the end of
// the period, or today if the period has not ended):
// - due: tasks whose due date falls in the period, per lead unit;
// - closed / closed_on_time: of those, closed by the cut-off / on or before their due date;
// - overdue: tasks still outstanding past their due date at the cut-off (any due date);
// - cards: warnings issued within the period.
// `item_titles` maps item ids to titles for the overdue list.
void ComputeNotice(const Period& period, const CivilDate& today, const std::vector<pb::Task>& tasks,
                   const std::map<std::string, std::string>& item_titles, const org::OrgTree& org,
                   const calendar::WorkCalendar& cal, int utc_offset_minutes, pb::Notice* notice);

// The period a notice covers: "YYYY-MM" or "YYYY-Qn" that has begun by `today` (INVALID_ARGUMENT
// naming `period` otherwise).
absl::StatusOr<Period> NoticePeriod(const std::string& text, const CivilDate& today);

// Which edition a publication for `period` may be, given the notices already `published` for it
// (in order): a period that has not ended (today on or before its last day) only as provisional
// (阶段性); once ended, one final edition, then only a correction (更正) of the latest final one,
// whose id is put in *corrects. FAILED_PRECONDITION saying what to do otherwise.
absl::Status CheckEdition(const Period& period, const CivilDate& today,
                          const std::vector<pb::Notice>& published, bool provisional,
                          bool correction, std::string* corrects);

std::string RenderMarkdown(const pb::Notice& notice);
// A self-contained HTML page; all text is escaped.
std::string RenderHtml(const pb::Notice& notice);
std::string EscapeHtml(const std::string& s);

}  // namespace zs::supervision

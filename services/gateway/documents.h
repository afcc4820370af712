#pragma once

// The office's documents and spreadsheets made from what the services answer: a 督查通报, a 期刊
// issue and a proposal reply as official documents (pdf/document.h), the 督查台账, the rankings and
// the proposal statistics as sheets (xlsx/workbook.h). Pure: messages in, layouts out.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pdf/document.h"
#include "xlsx/workbook.h"
#include "zhongshu/proposals/v1/proposals.pb.h"
#include "zhongshu/reporting/v1/reporting.pb.h"
#include "zhongshu/supervision/v1/supervision.pb.h"

namespace zs::gateway::documents {

// "2026年12月3日" for an RFC 3339 time, in Beijing time.
std::string ChineseDate(const google::protobuf::Timestamp& t);

// 督查通报 of a period: per-unit figures and the overdue tasks. `office` names the issuing office.
pdf::OfficialDocument NoticeDocument(const zhongshu::supervision::v1::Notice& n,
                                     const std::string& office);
// A published 期刊 issue: each item's title and text. FAILED_PRECONDITION while still a draft.
absl::StatusOr<pdf::OfficialDocument> BulletinDocument(const zhongshu::reporting::v1::Bulletin& b,
                                                       const std::string& office);
// A unit's reply to a proposal (答复函); NOT_FOUND when `unit` has not replied.
absl::StatusOr<pdf::OfficialDocument> ReplyDocument(const zhongshu::proposals::v1::Proposal& p,
                                                    const std::string& unit,
                                                    const std::string& office);

// 督查台账: one row per task with its item. `unit_name` names a unit id.
xlsx::Sheet LedgerSheet(const std::vector<zhongshu::supervision::v1::Item>& items,
                        const std::vector<zhongshu::supervision::v1::Task>& tasks,
                        const std::function<std::string(const std::string&)>& unit_name,
                        const std::string& title);
// 信息工作考核排名.
xlsx::Sheet RankingSheet(const zhongshu::reporting::v1::ListRankingsResponse& r,
                         const std::string& title);
// 建议提案办理统计: by session and by unit.
std::vector<xlsx::Sheet> StatisticsSheets(const zhongshu::proposals::v1::Statistics& s,
                                          const std::string& title);

}  // namespace zs::gateway::documents

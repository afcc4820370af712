#pragma once

// The office's everyday steps as black-box tests take them, over real gRPC with the demo users of
// deploy/local/org.yaml: a clerk's submitted report, a leader's instruction, the items supervision
// opened. Failures are reported through gtest.

#include <string>
#include <vector>

#include "zhongshu/reporting/v1/reporting.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::testing {

// A report written and submitted by 王信息 (清水塘街道).
zhongshu::reporting::v1::Report SubmitReportAsClerk(
    zhongshu::reporting::v1::ReportingService::Stub& stub, const std::string& title,
    zhongshu::reporting::v1::Sensitivity sensitivity =
        zhongshu::reporting::v1::SENSITIVITY_INTERNAL);

// 张书记's instruction on a report, directed at `units` (the first leads), due on `due`.
zhongshu::reporting::v1::Instruction InstructAsLeader(
    zhongshu::reporting::v1::ReportingService::Stub& stub, const std::string& report_id,
    const std::vector<std::string>& units, const std::string& due, const std::string& text);

// The items whose source_ref is `ref`, as 赵督查 (督查室) lists them.
std::vector<zhongshu::supervision::v1::Item> ItemsWithSource(
    zhongshu::supervision::v1::SupervisionService::Stub& stub, const std::string& ref);

}  // namespace zs::testing

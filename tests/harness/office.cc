#include "harness/office.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "harness/harness.h"

namespace zs::testing {

namespace rpb = zhongshu::reporting::v1;
namespace spb = zhongshu::supervision::v1;

rpb::Report SubmitReportAsClerk(rpb::ReportingService::Stub& stub, const std::string& title,
                                rpb::Sensitivity sensitivity) {
  rpb::CreateReportRequest c;
  c.set_request_id(NewUuid());
  c.mutable_report()->set_title(title);
  c.mutable_report()->set_body("清水塘片区约 1200 户居民反映自来水有异味。");
  c.mutable_report()->set_kind(rpb::REPORT_KIND_PROBLEM);
  c.mutable_report()->set_sensitivity(sensitivity);
  rpb::Report r;
  auto s = stub.CreateReport(ContextFor(TokenFor("wang.xinxi")).get(), c, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  rpb::SubmitReportRequest submit;
  submit.set_request_id(NewUuid());
  submit.set_id(r.id());
  s = stub.SubmitReport(ContextFor(TokenFor("wang.xinxi")).get(), submit, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return r;
}

rpb::Instruction InstructAsLeader(rpb::ReportingService::Stub& stub, const std::string& report_id,
                                  const std::vector<std::string>& units, const std::string& due,
                                  const std::string& text) {
  rpb::IssueInstructionRequest i;
  i.set_request_id(NewUuid());
  i.mutable_instruction()->set_report_id(report_id);
  i.mutable_instruction()->set_text(text);
  for (const auto& u : units) i.mutable_instruction()->add_directed_units(u);
  i.mutable_instruction()->set_due_date(due);
  rpb::Instruction in;
  auto s = stub.IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), i, &in);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return in;
}

std::vector<spb::Item> ItemsWithSource(spb::SupervisionService::Stub& stub,
                                       const std::string& ref) {
  std::vector<spb::Item> out;
  spb::ListItemsRequest req;
  req.set_page_size(500);
  spb::ListItemsResponse resp;
  if (!stub.ListItems(ContextFor(TokenFor("zhao.ducha")).get(), req, &resp).ok()) return out;
  for (const auto& it : resp.items()) {
    if (it.source_ref() == ref) out.push_back(it);
  }
  return out;
}

}  // namespace zs::testing

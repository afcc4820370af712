#include "bridge.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"
#include "zhongshu/proposals/v1/proposals.pb.h"
#include "zhongshu/reporting/v1/reporting.pb.h"

namespace zs::gateway {
namespace {

namespace rpb = zhongshu::reporting::v1;

ApiCatalog Catalog() {
  auto c =
      ApiCatalog::Create({{rpb::Report::descriptor()->file(), "reporting"},
                          {zhongshu::proposals::v1::Proposal::descriptor()->file(), "proposals"}});
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(ApiCatalogTest, EveryUnaryMethodOfTheFilesIsFoundByServiceAndMethod) {
  const ApiCatalog c = Catalog();
  const ApiMethod* m = c.Find("zhongshu.reporting.v1.ReportingService/GetReport");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->path, "/zhongshu.reporting.v1.ReportingService/GetReport");
  EXPECT_EQ(m->upstream, "reporting");
  EXPECT_EQ(m->descriptor->input_type()->full_name(), "zhongshu.reporting.v1.GetReportRequest");
  ASSERT_NE(c.Find("zhongshu.proposals.v1.ProposalsService/RateProposal"), nullptr);
  EXPECT_EQ(c.Find("zhongshu.proposals.v1.ProposalsService/RateProposal")->upstream, "proposals");
  // Every method of the service is there, and nothing that is not.
  EXPECT_EQ(
      static_cast<int>(
          std::count_if(c.methods().begin(), c.methods().end(),
                        [](const auto& kv) { return kv.second.upstream == "reporting"; })),
      rpb::Report::descriptor()->file()->FindServiceByName("ReportingService")->method_count());
  EXPECT_EQ(c.Find("zhongshu.reporting.v1.ReportingService/NoSuchMethod"), nullptr);
  EXPECT_EQ(c.Find("zhongshu.reporting.v1.ReportingService"), nullptr);
  EXPECT_EQ(c.Find("/zhongshu.reporting.v1.ReportingService/GetReport"), nullptr);
  EXPECT_EQ(c.Services(), (std::vector<std::string>{"zhongshu.proposals.v1.ProposalsService",
                                                    "zhongshu.reporting.v1.ReportingService"}));
}

TEST(BridgeTest, ARequestInJsonBecomesTheMessageOnTheWire) {
  const ApiCatalog c = Catalog();
  const ApiMethod* m = c.Find("zhongshu.reporting.v1.ReportingService/CreateReport");
  ASSERT_NE(m, nullptr);
  // Field names as in the .proto or in lowerCamelCase; enums by name.
  auto bytes = RequestFromJson(*m, R"({"request_id": "r-1", "report": {"title": "汛情",
      "kind": "REPORT_KIND_PROBLEM", "unitId": "430204/zjj"}})");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  rpb::CreateReportRequest req;
  ASSERT_TRUE(req.ParseFromString(*bytes));
  EXPECT_EQ(req.request_id(), "r-1");
  EXPECT_EQ(req.report().title(), "汛情");
  EXPECT_EQ(req.report().kind(), rpb::REPORT_KIND_PROBLEM);
  EXPECT_EQ(req.report().unit_id(), "430204/zjj");
  // An empty body is an empty request.
  auto empty = RequestFromJson(*m, "  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(BridgeTest, ABadBodyIsInvalidArgumentNamingWhatIsWrong) {
  const ApiCatalog c = Catalog();
  const ApiMethod* m = c.Find("zhongshu.reporting.v1.ReportingService/CreateReport");
  for (const std::string& body :
       {std::string(R"({"report": {"titel": "x"}})"),
        std::string(R"({"report": {"kind": "NOPE"}})"), std::string(R"({"report": {"title": 5}})"),
        std::string("{not json"), std::string(R"(["a"])")}) {
    auto r = RequestFromJson(*m, body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(r.status().message().find("CreateReportRequest"), std::string::npos) << r.status();
  }
  EXPECT_NE(RequestFromJson(*m, R"({"report": {"titel": "x"}})").status().message().find("titel"),
            std::string::npos);
}

TEST(BridgeTest, AnAnswerBecomesJsonWithEveryFieldAndEnumNames) {
  const ApiCatalog c = Catalog();
  const ApiMethod* m = c.Find("zhongshu.reporting.v1.ReportingService/GetReport");
  rpb::Report r;
  r.set_id("430204-r-1");
  r.set_title("老旧小区二次供水");
  r.set_kind(rpb::REPORT_KIND_DYNAMIC);
  auto j = ResponseToJson(*m, r.SerializeAsString());
  ASSERT_TRUE(j.ok()) << j.status();
  const auto parsed = nlohmann::json::parse(*j);
  EXPECT_EQ(parsed["id"], "430204-r-1");
  EXPECT_EQ(parsed["title"], "老旧小区二次供水");
  EXPECT_EQ(parsed["kind"], "REPORT_KIND_DYNAMIC");
  EXPECT_EQ(parsed["unit_id"], "");  // defaults are present, under the .proto's names
  EXPECT_FALSE(ResponseToJson(*m, std::string("\xff\xff\xff", 3)).ok());
}

TEST(BridgeTest, StatusCodesMapToHttpAsGoogleRpcCodesDo) {
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::ALREADY_EXISTS), 409);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::INTERNAL), 500);
  const auto e = nlohmann::json::parse(ErrorBody(grpc::StatusCode::FAILED_PRECONDITION,
                                                 "报告已采用", "0af7651916cd43dd8448eb211c80319c"));
  EXPECT_EQ(e["code"], "FAILED_PRECONDITION");
  EXPECT_EQ(e["message"], "报告已采用");
  EXPECT_EQ(e["trace_id"], "0af7651916cd43dd8448eb211c80319c");
  // A message that is not UTF-8 still makes a valid body.
  EXPECT_NO_THROW(nlohmann::json::parse(ErrorBody(grpc::StatusCode::INTERNAL, "\xff", "")));
}

}  // namespace
}  // namespace zs::gateway

// The reporting API as a client sees it: the real binary, real Redis, real gRPC.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <grpcpp/health_check_service_interface.h>

#include <future>
#include <set>

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "harness/harness.h"
#include "zhongshu/reporting/v1/reporting.grpc.pb.h"

namespace zs::testing {
namespace {

namespace pb = zhongshu::reporting::v1;
using grpc::StatusCode;

class ReportingApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    redis_ = new RedisServer();
    service_ = new ServiceProcess("reporting", ZS_REPORTING_BIN, redis_->address(),
                                  dir_->path() + "/reporting");
    service_->Start();
  }
  static void TearDownTestSuite() {
    delete service_;
    delete redis_;
    delete dir_;
  }

  std::unique_ptr<pb::ReportingService::Stub> stub_ =
      pb::ReportingService::NewStub(service_->Channel());

  // Each call returns its status and fills the response.
  grpc::Status Create(const std::string& user, pb::Report r, pb::Report* out,
                      std::string request_id = NewUuid()) {
    pb::CreateReportRequest req;
    req.set_request_id(request_id);
    *req.mutable_report() = std::move(r);
    return stub_->CreateReport(ContextFor(TokenFor(user)).get(), req, out);
  }
  grpc::Status Get(const std::string& user, const std::string& id, pb::Report* out) {
    pb::GetReportRequest req;
    req.set_id(id);
    return stub_->GetReport(ContextFor(TokenFor(user)).get(), req, out);
  }
  grpc::Status Submit(const std::string& user, const std::string& id, pb::Report* out,
                      std::string request_id = NewUuid()) {
    pb::SubmitReportRequest req;
    req.set_request_id(request_id);
    req.set_id(id);
    return stub_->SubmitReport(ContextFor(TokenFor(user)).get(), req, out);
  }
  grpc::Status Return(const std::string& user, const std::string& id, const std::string& comment,
                      pb::Report* out) {
    pb::ReturnReportRequest req;
    req.set_request_id(NewUuid());
    req.set_id(id);
    req.set_comment(comment);
    return stub_->ReturnReport(ContextFor(TokenFor(user)).get(), req, out);
  }
  grpc::Status Adopt(const std::string& user, const std::string& id, pb::Report* out) {
    pb::AdoptReportRequest req;
    req.set_request_id(NewUuid());
    req.set_id(id);
    req.set_level(zhongshu::common::v1::LEVEL_COUNTY);
    return stub_->AdoptReport(ContextFor(TokenFor(user)).get(), req, out);
  }
  grpc::Status Instruct(const std::string& user, const std::string& report_id, pb::Instruction* out,
                        std::vector<std::string> units = {"430204/slj", "430204/sthj"}) {
    pb::IssueInstructionRequest req;
    req.set_request_id(NewUuid());
    auto* in = req.mutable_instruction();
    in->set_report_id(report_id);
    in->set_text("请区水利局牵头、生态环境分局配合核查，一周内报结果");
    for (auto& u : units) in->add_directed_units(u);
    in->set_due_date("2099-12-31");
    return stub_->IssueInstruction(ContextFor(TokenFor(user)).get(), req, out);
  }
  std::vector<std::string> ListIds(const std::string& user, pb::ListReportsRequest req = {}) {
    std::vector<std::string> ids;
    for (;;) {
      pb::ListReportsResponse resp;
      auto s = stub_->ListReports(ContextFor(TokenFor(user)).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& r : resp.reports()) ids.push_back(r.id());
      if (!s.ok() || resp.next_page_token().empty()) return ids;
      req.set_page_token(resp.next_page_token());
    }
  }

  static pb::Report Draft(const std::string& title, pb::Sensitivity s = pb::SENSITIVITY_INTERNAL) {
    pb::Report r;
    r.set_title(title);
    r.set_body("清水塘片区约 1200 户居民反映自来水有异味。");
    r.set_kind(pb::REPORT_KIND_PROBLEM);
    r.set_sensitivity(s);
    r.add_tags("饮用水");
    return r;
  }
  // A report by wang.xinxi (清水塘街道 clerk) taken to SUBMITTED.
  pb::Report Submitted(const std::string& title, pb::Sensitivity s = pb::SENSITIVITY_INTERNAL) {
    pb::Report r;
    EXPECT_TRUE(Create("wang.xinxi", Draft(title, s), &r).ok());
    EXPECT_TRUE(Submit("wang.xinxi", r.id(), &r).ok());
    return r;
  }
  int64_t Rows(const std::string& table) {
    return QueryInt(service_->db_path(), "SELECT COUNT(*) FROM " + table);
  }
  // Rows in every table a write touches: state, outbox, audit, idempotency keys.
  std::vector<int64_t> Footprint() {
    return {Rows("reports"), Rows("instructions"), Rows("outbox"), Rows("audit_log"),
            Rows("idempotency_keys")};
  }

  static TempDir* dir_;
  static RedisServer* redis_;
  static ServiceProcess* service_;
};

TempDir* ReportingApiTest::dir_ = nullptr;
RedisServer* ReportingApiTest::redis_ = nullptr;
ServiceProcess* ReportingApiTest::service_ = nullptr;

#define EXPECT_CODE(status, code) EXPECT_EQ((status).error_code(), code) << (status).error_message()

TEST_F(ReportingApiTest, DraftThroughReturnResubmitAdoptionToInstruction) {
  pb::Report r;
  ASSERT_TRUE(Create("wang.xinxi", Draft("清水塘饮用水异味"), &r).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_DRAFT);
  EXPECT_EQ(r.tenant(), "430204");
  EXPECT_EQ(r.unit_id(), "430204/qtt");
  EXPECT_EQ(r.origin_id(), r.id());
  ASSERT_TRUE(Submit("wang.xinxi", r.id(), &r).ok());
  ASSERT_TRUE(Return("li.bianji", r.id(), "请补充涉及户数", &r).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_RETURNED);

  pb::UpdateReportRequest up;
  up.set_request_id(NewUuid());
  up.mutable_report()->set_id(r.id());
  up.mutable_report()->set_body("约 1200 户");
  up.mutable_update_mask()->add_paths("body");
  ASSERT_TRUE(stub_->UpdateReport(ContextFor(TokenFor("wang.xinxi")).get(), up, &r).ok());
  EXPECT_EQ(r.body(), "约 1200 户");
  EXPECT_EQ(r.title(), "清水塘饮用水异味") << "fields outside the mask are kept";

  ASSERT_TRUE(Submit("wang.xinxi", r.id(), &r).ok());
  ASSERT_TRUE(Adopt("li.bianji", r.id(), &r).ok());
  EXPECT_EQ(r.state(), pb::REPORT_STATE_ADOPTED);
  pb::Instruction in;
  ASSERT_TRUE(Instruct("zhang.shuji", r.id(), &in).ok());
  EXPECT_EQ(in.state(), pb::INSTRUCTION_STATE_OPEN);
  EXPECT_EQ(in.leader_name(), "张书记");

  pb::Report seen;
  ASSERT_TRUE(Get("zhang.shuji", r.id(), &seen).ok());
  EXPECT_EQ(seen.state(), pb::REPORT_STATE_ADOPTED);
  EXPECT_EQ(seen.version(), 6);
}

TEST_F(ReportingApiTest, ClerkSeesAndEditsOnlyItsUnitsDrafts) {
  pb::Report r;
  ASSERT_TRUE(Create("wang.xinxi", Draft("街道草稿"), &r).ok());
  pb::Report other;
  // A clerk of another unit of another county: not visible at all.
  EXPECT_CODE(Get("ma.xinxi", r.id(), &other), StatusCode::NOT_FOUND);
  EXPECT_CODE(Submit("ma.xinxi", r.id(), &other), StatusCode::NOT_FOUND);
  auto ids = ListIds("ma.xinxi");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), r.id()), 0);
  // An editor of the same county does not see another unit's drafts either.
  EXPECT_CODE(Get("li.bianji", r.id(), &other), StatusCode::NOT_FOUND);
  // A clerk may not write for another unit.
  pb::Report foreign = Draft("代水利局写");
  foreign.set_unit_id("430204/slj");
  EXPECT_CODE(Create("wang.xinxi", foreign, &other), StatusCode::PERMISSION_DENIED);
}

TEST_F(ReportingApiTest, OnlyEditorsReturnOrAdopt) {
  pb::Report r = Submitted("只有编辑可以采用");
  pb::Report out;
  EXPECT_CODE(Adopt("wang.xinxi", r.id(), &out), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Adopt("zhang.shuji", r.id(), &out), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Return("zhang.shuji", r.id(), "x", &out), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Return("chen.shuili", r.id(), "x", &out), StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Get("wang.xinxi", r.id(), &out).ok());
  EXPECT_EQ(out.state(), pb::REPORT_STATE_SUBMITTED);
}

TEST_F(ReportingApiTest, OnlyLeadersInstruct) {
  pb::Report r = Submitted("只有领导可以批示");
  pb::Instruction in;
  EXPECT_CODE(Instruct("li.bianji", r.id(), &in), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Instruct("zhao.ducha", r.id(), &in), StatusCode::PERMISSION_DENIED);
  EXPECT_CODE(Instruct("wang.xinxi", r.id(), &in), StatusCode::PERMISSION_DENIED);
  // A city leader may instruct on a county report, but not direct a unit of another county.
  EXPECT_TRUE(Instruct("qian.shiwei", r.id(), &in, {"430204/slj"}).ok());
  EXPECT_CODE(Instruct("zhang.shuji", r.id(), &in, {"430203/slj"}), StatusCode::PERMISSION_DENIED);
}

TEST_F(ReportingApiTest, NobodySeesAnotherCountyUnlessAnAncestor) {
  pb::Report r = Submitted("石峰区的信息");
  pb::Report out;
  EXPECT_CODE(Get("ma.xinxi", r.id(), &out), StatusCode::NOT_FOUND);  // 芦淞区 editor
  EXPECT_TRUE(Get("qian.shiwei", r.id(), &out).ok());                 // 株洲市 editor/leader
  auto ids = ListIds("ma.xinxi");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), r.id()), 0);
  ids = ListIds("qian.shiwei");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), r.id()), 1);
  // Asking for a tenant outside one's subtree is refused, not silently empty.
  pb::ListReportsRequest req;
  req.set_tenant("430204");
  pb::ListReportsResponse resp;
  EXPECT_CODE(stub_->ListReports(ContextFor(TokenFor("ma.xinxi")).get(), req, &resp),
              StatusCode::PERMISSION_DENIED);
  // A token for a tenant this deployment does not serve is not a caller at all.
  auto stranger = TokenFor(auth::Principal{"x", "", "110101", "", {"leader"}});
  pb::GetReportRequest get;
  get.set_id(r.id());
  EXPECT_CODE(stub_->GetReport(ContextFor(stranger).get(), get, &out), StatusCode::UNAUTHENTICATED);
}

TEST_F(ReportingApiTest, UnitHandlerNeverSeesNegativeInformation) {
  pb::Report neg = Submitted("负面：某小区供水事故处置不力", pb::SENSITIVITY_NEGATIVE);
  pb::Report out;
  // 陈水利 is a unit handler; make the report his unit's by having an editor write one there.
  pb::Report in_slj = Draft("水利局负面信息", pb::SENSITIVITY_NEGATIVE);
  in_slj.set_unit_id("430204/slj");
  ASSERT_TRUE(Create("li.bianji", in_slj, &in_slj).ok());
  EXPECT_CODE(Get("chen.shuili", in_slj.id(), &out), StatusCode::NOT_FOUND);
  EXPECT_CODE(Get("chen.shuili", neg.id(), &out), StatusCode::NOT_FOUND);
  auto ids = ListIds("chen.shuili");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), in_slj.id()), 0);
  // Editors and leaders do see it.
  EXPECT_TRUE(Get("li.bianji", neg.id(), &out).ok());
  EXPECT_TRUE(Get("zhang.shuji", neg.id(), &out).ok());
  // An instruction on negative information stays hidden from the handler it is directed to.
  pb::Instruction inst;
  ASSERT_TRUE(Instruct("zhang.shuji", neg.id(), &inst, {"430204/slj"}).ok());
  pb::GetInstructionRequest gi;
  gi.set_id(inst.id());
  pb::Instruction seen;
  EXPECT_CODE(stub_->GetInstruction(ContextFor(TokenFor("chen.shuili")).get(), gi, &seen),
              StatusCode::NOT_FOUND);
  pb::ListInstructionsRequest li;
  pb::ListInstructionsResponse lr;
  ASSERT_TRUE(stub_->ListInstructions(ContextFor(TokenFor("chen.shuili")).get(), li, &lr).ok());
  for (const auto& i : lr.instructions()) EXPECT_NE(i.id(), inst.id());
}

TEST_F(ReportingApiTest, UnitHandlerSeesInstructionsDirectedAtItsUnit) {
  pb::Report r = Submitted("水质问题");
  pb::Instruction inst;
  ASSERT_TRUE(Instruct("zhang.shuji", r.id(), &inst, {"430204/slj"}).ok());
  pb::GetInstructionRequest gi;
  gi.set_id(inst.id());
  pb::Instruction seen;
  EXPECT_TRUE(stub_->GetInstruction(ContextFor(TokenFor("chen.shuili")).get(), gi, &seen).ok());
  EXPECT_CODE(stub_->GetInstruction(ContextFor(TokenFor("zhou.huanbao")).get(), gi, &seen),
              StatusCode::NOT_FOUND);
}

TEST_F(ReportingApiTest, EveryMethodRequiresAValidToken) {
  ExpectEveryMethodNeedsAValidToken(service_->Channel(), "zhongshu.reporting.v1.ReportingService");
}

TEST_F(ReportingApiTest, BadInputIsRejectedNamingTheFieldAndWritesNothing) {
  const auto before = Footprint();
  pb::Report out;
  auto expect_invalid = [&](grpc::Status s, const std::string& field) {
    EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT) << field << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
  };
  expect_invalid(Create("wang.xinxi", Draft(""), &out), "report.title");
  pb::Report unknown_unit = Draft("x");
  unknown_unit.set_unit_id("430204/nosuchunit");
  expect_invalid(Create("wang.xinxi", unknown_unit, &out), "report.unit_id");
  pb::Report big = Draft("x");
  big.set_body(std::string(65 * 1024, 'x'));
  expect_invalid(Create("wang.xinxi", big, &out), "report.body");
  pb::Report no_kind = Draft("x");
  no_kind.set_kind(pb::REPORT_KIND_UNSPECIFIED);
  expect_invalid(Create("wang.xinxi", no_kind, &out), "report.kind");
  expect_invalid(Create("wang.xinxi", Draft("x"), &out, ""), "request_id");

  pb::ListReportsRequest list;
  list.set_page_size(-1);
  pb::ListReportsResponse lr;
  expect_invalid(stub_->ListReports(ContextFor(TokenFor("li.bianji")).get(), list, &lr),
                 "page_size");
  list.set_page_size(1000);  // above the maximum: coerced to 500, not refused
  EXPECT_TRUE(stub_->ListReports(ContextFor(TokenFor("li.bianji")).get(), list, &lr).ok());
  list.set_page_size(10);
  list.set_page_token("not-a-token");
  expect_invalid(stub_->ListReports(ContextFor(TokenFor("li.bianji")).get(), list, &lr),
                 "page_token");

  pb::Report r = Submitted("批示输入");
  const auto after_setup = Footprint();
  pb::Instruction in;
  pb::IssueInstructionRequest ir;
  ir.set_request_id(NewUuid());
  ir.mutable_instruction()->set_report_id(r.id());
  ir.mutable_instruction()->set_text("核查");
  ir.mutable_instruction()->add_directed_units("430204/nosuchunit");
  ir.mutable_instruction()->set_due_date("2099-01-01");
  expect_invalid(stub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), ir, &in),
                 "instruction.directed_units");
  ir.mutable_instruction()->set_directed_units(0, "430204/slj");
  ir.mutable_instruction()->set_due_date("2020-01-01");
  expect_invalid(stub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), ir, &in),
                 "instruction.due_date");
  EXPECT_EQ(Footprint(), after_setup);

  // A message over the server's size limit never reaches the handler.
  pb::Report huge = Draft("x");
  huge.set_body(std::string(5 << 20, 'x'));
  EXPECT_CODE(Create("wang.xinxi", huge, &out), StatusCode::RESOURCE_EXHAUSTED);
  // Raw bytes that are not a request.
  grpc::GenericStub generic(service_->Channel());
  auto ctx = ContextFor(TokenFor("wang.xinxi"));
  grpc::Slice junk(std::string("\xff\xff\xff\xff\x0f garbage", 14));
  grpc::ByteBuffer req(&junk, 1), resp;
  std::promise<grpc::Status> done;
  generic.UnaryCall(ctx.get(), "/zhongshu.reporting.v1.ReportingService/CreateReport", {}, &req,
                    &resp, [&](grpc::Status s) { done.set_value(std::move(s)); });
  EXPECT_FALSE(done.get_future().get().ok());

  EXPECT_EQ(before[0] + 1, Footprint()[0]) << "only the one valid report was written";
}

TEST_F(ReportingApiTest, NotFoundAndIllegalTransitions) {
  pb::Report out;
  EXPECT_CODE(Get("li.bianji", "430204-r-0000000000000000", &out), StatusCode::NOT_FOUND);
  pb::Report r = Submitted("状态机");
  EXPECT_CODE(Submit("wang.xinxi", r.id(), &out), StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Adopt("li.bianji", r.id(), &out).ok());
  const auto before = Footprint();
  EXPECT_CODE(Adopt("li.bianji", r.id(), &out), StatusCode::FAILED_PRECONDITION);
  EXPECT_CODE(Return("li.bianji", r.id(), "晚了", &out), StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Footprint(), before);
  pb::Report draft;
  ASSERT_TRUE(Create("wang.xinxi", Draft("草稿不能批示"), &draft).ok());
  pb::Instruction in;
  EXPECT_CODE(Instruct("zhang.shuji", draft.id(), &in), StatusCode::NOT_FOUND)
      << "a leader does not see other units' drafts";
}

TEST_F(ReportingApiTest, RepeatedRequestIdChangesNothing) {
  const std::string rid = NewUuid();
  pb::Report first, second;
  ASSERT_TRUE(Create("wang.xinxi", Draft("幂等"), &first, rid).ok());
  const auto after_first = Footprint();
  ASSERT_TRUE(Create("wang.xinxi", Draft("幂等"), &second, rid).ok());
  EXPECT_EQ(first.id(), second.id());
  EXPECT_EQ(Footprint(), after_first);

  const std::string sid = NewUuid();
  ASSERT_TRUE(Submit("wang.xinxi", first.id(), &first, sid).ok());
  const auto after_submit = Footprint();
  ASSERT_TRUE(Submit("wang.xinxi", first.id(), &second, sid).ok()) << "a retry is not an error";
  EXPECT_EQ(second.version(), first.version());
  EXPECT_EQ(Footprint(), after_submit);

  // The same id with a different request is refused.
  auto s = Create("wang.xinxi", Draft("另一篇"), &second, rid);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("request_id"), std::string::npos);
  EXPECT_EQ(Footprint(), after_submit);
}

TEST_F(ReportingApiTest, ListPagesWithoutGapsOrRepeats) {
  // A unit of its own keeps the count exact: 区住建局 via an editor.
  std::set<std::string> made;
  for (int i = 0; i < 7; ++i) {
    pb::Report d = Draft("分页 " + std::to_string(i));
    d.set_unit_id("430204/zjj");
    pb::Report r;
    ASSERT_TRUE(Create("li.bianji", d, &r).ok());
    ASSERT_TRUE(Submit("li.bianji", r.id(), &r).ok());
    made.insert(r.id());
  }
  pb::ListReportsRequest req;
  req.set_unit_id("430204/zjj");
  req.set_page_size(3);
  int pages = 0;
  std::vector<std::string> seen;
  for (;;) {
    pb::ListReportsResponse resp;
    ASSERT_TRUE(stub_->ListReports(ContextFor(TokenFor("zhang.shuji")).get(), req, &resp).ok());
    ++pages;
    for (const auto& r : resp.reports()) seen.push_back(r.id());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);
  EXPECT_EQ(seen.size(), made.size());
}

TEST_F(ReportingApiTest, BulletinsCompileAdoptedReportsAndArePublishedOnceWithNumbers) {
  const auto editor = [] { return ContextFor(TokenFor("li.bianji")); };
  pb::Report r = Submitted("清水塘片区供水恢复正常");
  ASSERT_TRUE(Adopt("li.bianji", r.id(), &r).ok());
  pb::Report neg = Submitted("某小区物业推诿引发投诉", pb::SENSITIVITY_NEGATIVE);
  ASSERT_TRUE(Adopt("li.bianji", neg.id(), &neg).ok());
  const pb::Report pending = Submitted("尚未采用的信息");

  pb::CreateBulletinRequest cb;
  cb.set_request_id(NewUuid());
  cb.set_kind("daily");
  pb::Bulletin b;
  ASSERT_TRUE(stub_->CreateBulletin(editor().get(), cb, &b).ok());
  EXPECT_EQ(b.kind_name(), "每日要情");
  auto add = [&](const std::string& bulletin, const std::string& report, const std::string& title,
                 pb::Bulletin* out) {
    pb::AddBulletinItemRequest req;
    req.set_request_id(NewUuid());
    req.set_bulletin_id(bulletin);
    req.set_report_id(report);
    req.set_title(title);
    return stub_->AddBulletinItem(editor().get(), req, out);
  };
  ASSERT_TRUE(add(b.id(), r.id(), "清水塘供水全面恢复", &b).ok());
  ASSERT_TRUE(add(b.id(), neg.id(), "", &b).ok());
  EXPECT_CODE(add(b.id(), pending.id(), "", &b), StatusCode::FAILED_PRECONDITION);
  EXPECT_CODE(add(b.id(), r.id(), "", &b), StatusCode::FAILED_PRECONDITION) << "twice";
  pb::Report original;
  ASSERT_TRUE(Get("li.bianji", r.id(), &original).ok());
  EXPECT_EQ(original.title(), "清水塘片区供水恢复正常") << "the published text is edited apart";

  pb::PublishBulletinRequest pub;
  pub.set_request_id(NewUuid());
  pub.set_id(b.id());
  pb::Bulletin published, again;
  ASSERT_TRUE(stub_->PublishBulletin(editor().get(), pub, &published).ok());
  ASSERT_TRUE(stub_->PublishBulletin(editor().get(), pub, &again).ok()) << "a retry";
  EXPECT_EQ(published.number(), again.number());
  EXPECT_EQ(published.year(), DateOf(SystemClock::Get()->Now(), 480).year);
  EXPECT_GE(published.number(), 1);
  EXPECT_CODE(add(b.id(), r.id(), "", &b), StatusCode::FAILED_PRECONDITION) << "published";

  // The next issue of the kind gets the next number; an empty one cannot be published.
  pb::Report r2 = Submitted("第二期的信息");
  ASSERT_TRUE(Adopt("li.bianji", r2.id(), &r2).ok());
  cb.set_request_id(NewUuid());
  pb::Bulletin b2;
  ASSERT_TRUE(stub_->CreateBulletin(editor().get(), cb, &b2).ok());
  pub.set_request_id(NewUuid());
  pub.set_id(b2.id());
  EXPECT_CODE(stub_->PublishBulletin(editor().get(), pub, &again), StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(add(b2.id(), r2.id(), "", &b2).ok());
  pub.set_request_id(NewUuid());
  ASSERT_TRUE(stub_->PublishBulletin(editor().get(), pub, &again).ok());
  EXPECT_EQ(again.number(), published.number() + 1);

  // A leader may instruct on an item of a published issue; not on a report the issue lacks.
  pb::IssueInstructionRequest ir;
  ir.set_request_id(NewUuid());
  ir.mutable_instruction()->set_report_id(r.id());
  ir.mutable_instruction()->set_bulletin_id(b.id());
  ir.mutable_instruction()->set_text("请持续关注");
  ir.mutable_instruction()->add_directed_units("430204/slj");
  ir.mutable_instruction()->set_due_date("2099-01-01");
  pb::Instruction on_item;
  ASSERT_TRUE(
      stub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), ir, &on_item).ok());
  EXPECT_EQ(on_item.bulletin_id(), b.id());
  ir.set_request_id(NewUuid());
  ir.mutable_instruction()->set_report_id(r2.id());
  EXPECT_CODE(stub_->IssueInstruction(ContextFor(TokenFor("zhang.shuji")).get(), ir, &on_item),
              StatusCode::FAILED_PRECONDITION);

  // Negative information stays with editors and leaders in every bulletin read.
  pb::GetBulletinRequest get;
  get.set_id(b.id());
  pb::Bulletin seen;
  ASSERT_TRUE(stub_->GetBulletin(ContextFor(TokenFor("wang.xinxi")).get(), get, &seen).ok());
  ASSERT_EQ(seen.items_size(), 1);
  EXPECT_EQ(seen.items(0).title(), "清水塘供水全面恢复");
  EXPECT_EQ(seen.hidden_items(), 1);
  ASSERT_TRUE(stub_->GetBulletin(ContextFor(TokenFor("zhang.shuji")).get(), get, &seen).ok());
  EXPECT_EQ(seen.items_size(), 2);
  pb::ListBulletinsRequest list;
  pb::ListBulletinsResponse lr;
  ASSERT_TRUE(stub_->ListBulletins(ContextFor(TokenFor("chen.shuili")).get(), list, &lr).ok());
  for (const auto& x : lr.bulletins()) {
    for (const auto& it : x.items()) EXPECT_NE(it.report_id(), neg.id());
  }

  // Bad input and roles.
  cb.set_request_id(NewUuid());
  cb.set_kind("weekly");
  auto s = stub_->CreateBulletin(editor().get(), cb, &b2);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("kind"), std::string::npos);
  cb.set_kind("daily");
  EXPECT_CODE(stub_->CreateBulletin(ContextFor(TokenFor("wang.xinxi")).get(), cb, &b2),
              StatusCode::PERMISSION_DENIED);

  // Published once each on the stream.
  ASSERT_TRUE(Eventually([&] {
    int n = 0;
    auto c = redis_->Connect();
    for (const auto& e : ReadStream(*c, "zs:events:reporting")) {
      n += e.type == "reporting.bulletin.published";
    }
    return n == 2;
  }));
}

TEST_F(ReportingApiTest, PointsAddUpIntoRankingsWithDetailsAndCsv) {
  // 发改局's reports, written by the editor: adopted, in a bulletin, instructed at two levels.
  auto fgj = [&](const std::string& title, pb::Sensitivity s) {
    pb::Report d = Draft(title, s);
    d.set_unit_id("430204/fgj");
    pb::Report r;
    EXPECT_TRUE(Create("li.bianji", d, &r).ok());
    EXPECT_TRUE(Submit("li.bianji", r.id(), &r).ok());
    EXPECT_TRUE(Adopt("li.bianji", r.id(), &r).ok());  // county level: 1 point
    return r;
  };
  const pb::Report r = fgj("重点项目进展顺利", pb::SENSITIVITY_INTERNAL);
  const pb::Report neg = fgj("某项目审批拖延", pb::SENSITIVITY_NEGATIVE);
  pb::CreateBulletinRequest cb;
  cb.set_request_id(NewUuid());
  cb.set_kind("daily");
  pb::Bulletin b;
  ASSERT_TRUE(stub_->CreateBulletin(ContextFor(TokenFor("li.bianji")).get(), cb, &b).ok());
  pb::AddBulletinItemRequest add;
  add.set_request_id(NewUuid());
  add.set_bulletin_id(b.id());
  add.set_report_id(r.id());
  ASSERT_TRUE(stub_->AddBulletinItem(ContextFor(TokenFor("li.bianji")).get(), add, &b).ok());
  pb::PublishBulletinRequest pub;
  pub.set_request_id(NewUuid());
  pub.set_id(b.id());
  ASSERT_TRUE(stub_->PublishBulletin(ContextFor(TokenFor("li.bianji")).get(), pub, &b).ok());  // 1
  pb::Instruction in;
  ASSERT_TRUE(Instruct("zhang.shuji", r.id(), &in, {"430204/fgj"}).ok());  // county leader: 2
  ASSERT_TRUE(Instruct("qian.shiwei", r.id(), &in, {"430204/fgj"}).ok());  // city leader: 4

  const std::string year = std::to_string(DateOf(SystemClock::Get()->Now(), 480).year);
  pb::ListRankingsRequest rq;
  rq.set_period(year);
  pb::ListRankingsResponse ranks;
  ASSERT_TRUE(stub_->ListRankings(ContextFor(TokenFor("wang.xinxi")).get(), rq, &ranks).ok());
  int fgj_points = -1;
  for (int i = 0; i < ranks.ranks_size(); ++i) {
    const auto& u = ranks.ranks(i);
    if (u.unit_id() == "430204/fgj") fgj_points = u.points();
    if (i > 0) {
      EXPECT_LE(u.points(), ranks.ranks(i - 1).points());
      EXPECT_EQ(u.rank() == ranks.ranks(i - 1).rank(), u.points() == ranks.ranks(i - 1).points());
    }
  }
  EXPECT_EQ(fgj_points, 1 + 1 + 1 + 2 + 4) << "two adoptions, a bulletin item, two instructions";
  EXPECT_EQ(ranks.ranks_size(), 10) << "every unit of 石峰区 is ranked";

  // Details: an editor sees every entry; the unit's own clerk not those of negative information.
  pb::ListScoreEntriesRequest eq;
  eq.set_unit_id("430204/fgj");
  eq.set_period(year);
  pb::ListScoreEntriesResponse entries;
  ASSERT_TRUE(stub_->ListScoreEntries(ContextFor(TokenFor("li.bianji")).get(), eq, &entries).ok());
  EXPECT_EQ(entries.entries_size(), 5);
  const auto clerk = TokenFor(auth::Principal{"fgj.clerk", "", "430204", "430204/fgj", {"clerk"}});
  ASSERT_TRUE(stub_->ListScoreEntries(ContextFor(clerk).get(), eq, &entries).ok());
  EXPECT_EQ(entries.entries_size(), 4);
  EXPECT_EQ(entries.hidden_entries(), 1);
  for (const auto& e : entries.entries()) EXPECT_NE(e.report_id(), neg.id());
  EXPECT_CODE(stub_->ListScoreEntries(ContextFor(TokenFor("wang.xinxi")).get(), eq, &entries),
              StatusCode::PERMISSION_DENIED)
      << "another unit's clerk";

  pb::ExportRankingsResponse csv;
  pb::ExportRankingsRequest export_rq;
  export_rq.ParseFromString(rq.SerializeAsString());  // the same fields and numbers
  ASSERT_TRUE(stub_->ExportRankings(ContextFor(TokenFor("li.bianji")).get(), export_rq, &csv).ok());
  EXPECT_EQ(csv.csv().rfind("rank,unit_id,unit_name,points,entries\n", 0), 0u);
  EXPECT_NE(csv.csv().find(",430204/fgj,区发展和改革局,9,5\n"), std::string::npos) << csv.csv();
  EXPECT_EQ(csv.csv().find("某项目审批拖延"), std::string::npos) << "no report text in the export";

  // A period that ends before it starts, and one that is no period.
  rq.clear_period();
  rq.set_start_date("2026-11-30");
  rq.set_end_date("2026-11-01");
  auto s = stub_->ListRankings(ContextFor(TokenFor("li.bianji")).get(), rq, &ranks);
  EXPECT_CODE(s, StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("end_date"), std::string::npos);
  rq.clear_start_date();
  rq.clear_end_date();
  rq.set_period("2026-13");
  EXPECT_CODE(stub_->ListRankings(ContextFor(TokenFor("li.bianji")).get(), rq, &ranks),
              StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace zs::testing

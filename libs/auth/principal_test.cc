#include "auth/principal.h"

#include <gtest/gtest.h>

namespace zs::auth {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430000", name: 省, parent: null}
  - {code: "430200", name: 市, parent: "430000"}
  - {code: "430204", name: 石峰区, parent: "430200"}
  - {code: "430203", name: 芦淞区, parent: "430200"}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
  - {id: "430204/sthj", name: 生态环境分局, tenant: "430204"}
  - {id: "430203/slj", name: 水利局, tenant: "430203"}
  - {id: "430200/swb", name: 市委办, tenant: "430200"}
)";

class PrincipalTest : public ::testing::Test {
 protected:
  PrincipalTest() : org_(*org::OrgTree::Parse(kOrg)) {}
  org::OrgTree org_;
};

TEST_F(PrincipalTest, AConsistentPrincipalPasses) {
  EXPECT_TRUE(CheckPrincipal(org_, {"a", "", "430204", "430204/slj", {"unit_handler"}}).ok());
  EXPECT_TRUE(CheckPrincipal(org_, {"svc:supervision", "", "430204", "", {"service"}}).ok());
}

TEST_F(PrincipalTest, UnknownTenantOrForeignUnitIsRefused) {
  auto s = CheckPrincipal(org_, {"a", "", "999999", "", {"editor"}});
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_NE(s.message().find("999999"), std::string::npos);
  s = CheckPrincipal(org_, {"a", "", "430204", "430203/slj", {"clerk"}});
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_NE(s.message().find("430203/slj"), std::string::npos);
  s = CheckPrincipal(org_, {"a", "", "430204", "430204/nosuch", {"clerk"}});
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  // A person cannot carry the service role (it reads negative information everywhere).
  s = CheckPrincipal(org_, {"wang.xinxi", "", "430204", "430204/slj", {"clerk", "service"}});
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
}

TEST_F(PrincipalTest, NegativeInformationOnlyForEditorsLeadersAndServices) {
  EXPECT_TRUE(MayReadNegative({"a", "", "430204", "", {"editor"}}));
  EXPECT_TRUE(MayReadNegative({"a", "", "430204", "", {"leader"}}));
  EXPECT_FALSE(MayReadNegative({"a", "", "430204", "", {"supervisor"}}));
  EXPECT_FALSE(MayReadNegative({"a", "", "430204", "430204/slj", {"unit_handler"}}));
  EXPECT_FALSE(MayReadNegative({"a", "", "430204", "", {"coordinator"}}));
}

TEST_F(PrincipalTest, EveryUnitOfAWriteIsCheckedAgainstTheTenantAndTheCaller) {
  const Principal city{"q", "", "430200", "430200/swb", {"leader"}};
  const Principal county{"z", "", "430204", "", {"supervisor"}};
  EXPECT_TRUE(CheckUnits(org_, &county, "430204", {"430204/slj", "430204/sthj"}, "u").ok());
  // A unit of another county is not a unit of the resource's tenant, whoever writes it.
  auto s = CheckUnits(org_, &city, "430204", {"430204/slj", "430203/slj"}, "task.co_units");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(s.message().rfind("task.co_units[1]", 0), 0u) << s.message();
  // Unknown, and twice.
  s = CheckUnits(org_, nullptr, "430204", {"430204/nosuch"}, "u");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  s = CheckUnits(org_, nullptr, "430204", {"430204/slj", "430204/slj"}, "u");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  // A caller writing into a tenant outside its jurisdiction.
  const Principal sibling{"m", "", "430203", "", {"supervisor"}};
  s = CheckUnit(org_, &sibling, "430204", "430204/slj", "task.lead_unit");
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_TRUE(CheckUnit(org_, nullptr, "430204", "430204/slj", "task.lead_unit").ok());
}

}  // namespace
}  // namespace zs::auth

#include "org/org.h"

#include <gtest/gtest.h>

namespace zs::org {
namespace {

constexpr char kOrg[] = R"(
tenants:
  - {code: "430000", name: 省, parent: null}
  - {code: "430200", name: 市, parent: "430000"}
  - {code: "430204", name: 区, parent: "430200"}
  - {code: "430203", name: 区2, parent: "430200"}
units:
  - {id: "430204/slj", name: 水利局, tenant: "430204"}
users:
  - {id: u1, name: 甲, tenant: "430204", unit: "430204/slj", roles: [clerk]}
)";

TEST(OrgTree, AncestryFollowsParents) {
  auto t = OrgTree::Parse(kOrg);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->IsAncestorOrSelf("430000", "430204"));
  EXPECT_TRUE(t->IsAncestorOrSelf("430200", "430204"));
  EXPECT_TRUE(t->IsAncestorOrSelf("430204", "430204"));
  EXPECT_FALSE(t->IsAncestorOrSelf("430204", "430200"));
  EXPECT_FALSE(t->IsAncestorOrSelf("430203", "430204"));
  EXPECT_EQ(t->Subtree("430200").size(), 3u);
  EXPECT_EQ(t->Depth("430204"), 2);
  EXPECT_EQ(t->FindUser("u1")->roles.at(0), "clerk");
}

TEST(OrgTree, RejectsUnknownParentAndBadUnit) {
  EXPECT_FALSE(OrgTree::Parse("tenants:\n  - {code: \"430204\", parent: \"999999\"}\n").ok());
  auto s = OrgTree::Parse(
      "tenants:\n  - {code: \"430204\"}\nunits:\n  - {id: \"430203/x\", tenant: \"430204\"}\n");
  EXPECT_NE(s.status().message().find("units[0].id"), std::string::npos) << s.status();
}

TEST(OrgTree, ClearanceIsReadAndBounded) {
  constexpr char kBase[] =
      "tenants:\n  - {code: \"430204\"}\nunits:\n  - {id: \"430204/qwb\", tenant: \"430204\"}\n";
  auto t = OrgTree::Parse(std::string(kBase) +
                          "users:\n  - {id: a, tenant: \"430204\", clearance: 2}\n"
                          "  - {id: b, tenant: \"430204\"}\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->FindUser("a")->clearance, 2);
  EXPECT_EQ(t->FindUser("b")->clearance, 0);
  for (const char* bad : {"4", "-1", "secret"}) {
    auto s = OrgTree::Parse(std::string(kBase) +
                            "users:\n  - {id: a, tenant: \"430204\", clearance: " + bad + "}\n");
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.status().message().find("users[0].clearance"), std::string::npos) << s.status();
  }
}

}  // namespace
}  // namespace zs::org

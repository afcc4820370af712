#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "org/org.h"
#include "zhongshu/common/v1/common.pb.h"

namespace zs::auth {

// The verified caller of an RPC, taken from its bearer token.
struct Principal {
  std::string subject;  // user id
  std::string name;     // display name, may be empty
  std::string tenant;   // GB/T 2260 code of the caller's office
  std::string unit;     // "<tenant>/<slug>", may be empty
  std::vector<std::string> roles;

  bool HasRole(std::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
  bool HasAnyRole(std::initializer_list<std::string_view> any) const {
    return std::any_of(any.begin(), any.end(), [&](std::string_view r) { return HasRole(r); });
  }
  zhongshu::common::v1::Actor ToActor() const;
};

// "May this caller see tenant X": the caller's own tenant or one below it in the tree.
bool MaySeeTenant(const org::OrgTree& org, const Principal& p, const std::string& tenant);

// "May this caller see unit Y": the unit belongs to a tenant the caller may see.
bool MaySeeUnit(const org::OrgTree& org, const Principal& p, const std::string& unit_id);

}  // namespace zs::auth

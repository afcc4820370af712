#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
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

// A consistent principal: its tenant is served by the org tree and its unit, when it names one,
// exists and belongs to that tenant; the service role only for service accounts (subject
// "svc:...", no unit). UNAUTHENTICATED naming the claim otherwise. Checked on every
// call before any handler runs, so a signed token can never act for a place that does not exist
// or for a unit of another tenant.
absl::Status CheckPrincipal(const org::OrgTree& org, const Principal& p);

// Whether the caller may read negative information (负面信息) — in reporting and in everything
// derived from it in any service: editors, leaders and the service accounts that copy it.
bool MayReadNegative(const Principal& p);

// The one jurisdiction check for the units a write names: each must be a unit of the org tree
// (INVALID_ARGUMENT "<field>[i]: unknown unit"), of `tenant` — the tenant the written resource
// belongs to (INVALID_ARGUMENT "<field>[i]: ... is not a unit of <tenant>") — and, when `caller`
// is given, inside the caller's subtree (PERMISSION_DENIED). A unit named twice is
// INVALID_ARGUMENT. `field` names the list, e.g. "task.co_units".
absl::Status CheckUnits(const org::OrgTree& org, const Principal* caller, const std::string& tenant,
                        const std::vector<std::string>& units, const std::string& field);
// The same for one unit field, e.g. "task.lead_unit".
absl::Status CheckUnit(const org::OrgTree& org, const Principal* caller, const std::string& tenant,
                       const std::string& unit, const std::string& field);

// "May this caller see tenant X": the caller's own tenant or one below it in the tree.
bool MaySeeTenant(const org::OrgTree& org, const Principal& p, const std::string& tenant);

// "May this caller see unit Y": the unit belongs to a tenant the caller may see.
bool MaySeeUnit(const org::OrgTree& org, const Principal& p, const std::string& unit_id);

}  // namespace zs::auth

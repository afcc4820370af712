#include "auth/principal.h"

namespace zs::auth {

zhongshu::common::v1::Actor Principal::ToActor() const {
  zhongshu::common::v1::Actor a;
  a.set_subject(subject);
  a.set_tenant(tenant);
  a.set_unit(unit);
  for (const auto& r : roles) a.add_roles(r);
  return a;
}

bool MaySeeTenant(const org::OrgTree& org, const Principal& p, const std::string& tenant) {
  return org.IsAncestorOrSelf(p.tenant, tenant);
}

bool MaySeeUnit(const org::OrgTree& org, const Principal& p, const std::string& unit_id) {
  const org::Unit* u = org.FindUnit(unit_id);
  return u != nullptr && MaySeeTenant(org, p, u->tenant);
}

}  // namespace zs::auth

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

absl::Status CheckPrincipal(const org::OrgTree& org, const Principal& p) {
  if (org.FindTenant(p.tenant) == nullptr) {
    return absl::UnauthenticatedError("token claim tenant '" + p.tenant +
                                      "' is not a tenant served here");
  }
  // The service role reads negative information everywhere: it belongs to service accounts
  // ("svc:<service>", no unit), never to a person.
  if (p.HasRole("service") && (p.subject.rfind("svc:", 0) != 0 || !p.unit.empty())) {
    return absl::UnauthenticatedError(
        "token claim roles: 'service' is only for service accounts "
        "(subject svc:..., no unit), not for '" +
        p.subject + "'");
  }
  if (!p.unit.empty()) {
    const org::Unit* u = org.FindUnit(p.unit);
    if (u == nullptr) {
      return absl::UnauthenticatedError("token claim unit '" + p.unit + "' is not a known unit");
    }
    if (u->tenant != p.tenant) {
      return absl::UnauthenticatedError("token claim unit '" + p.unit +
                                        "' does not belong to tenant " + p.tenant);
    }
  }
  return absl::OkStatus();
}

bool MayReadNegative(const Principal& p) { return p.HasAnyRole({"editor", "leader", "service"}); }

absl::Status CheckUnit(const org::OrgTree& org, const Principal* caller, const std::string& tenant,
                       const std::string& unit, const std::string& field) {
  const org::Unit* u = org.FindUnit(unit);
  if (u == nullptr) {
    return absl::InvalidArgumentError(field + ": unknown unit '" + unit + "'");
  }
  if (u->tenant != tenant) {
    return absl::InvalidArgumentError(field + ": " + unit + " is not a unit of tenant " + tenant);
  }
  if (caller != nullptr && !MaySeeTenant(org, *caller, u->tenant)) {
    return absl::PermissionDeniedError(field + ": unit " + unit + " is outside your jurisdiction");
  }
  return absl::OkStatus();
}

absl::Status CheckUnits(const org::OrgTree& org, const Principal* caller, const std::string& tenant,
                        const std::vector<std::string>& units, const std::string& field) {
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (auto s = CheckUnit(org, caller, tenant, units[i], f); !s.ok()) return s;
    for (size_t j = 0; j < i; ++j) {
      if (units[j] == units[i]) {
        return absl::InvalidArgumentError(f + ": unit " + units[i] + " is named twice");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace zs::auth

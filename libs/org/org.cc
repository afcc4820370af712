#include "org/org.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace zs::org {
namespace {

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError("org: " + where + ": " + what);
}

std::string Str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return (v.IsDefined() && v.IsScalar()) ? v.Scalar() : std::string();
}

}  // namespace

absl::StatusOr<OrgTree> OrgTree::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError("org file " + path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str());
}

absl::StatusOr<OrgTree> OrgTree::Parse(const std::string& text) {
  OrgTree t;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("org: ") + e.what());
  }
  if (!root.IsMap() || !root["tenants"].IsSequence()) return Bad("tenants", "required list");
  int i = 0;
  for (const auto& n : root["tenants"]) {
    const std::string where = "tenants[" + std::to_string(i++) + "]";
    Tenant tn{Str(n, "code"), Str(n, "name"), Str(n, "parent")};
    if (tn.code.size() != 6 || tn.code.find_first_not_of("0123456789") != std::string::npos) {
      return Bad(where + ".code", "must be a 6-digit GB/T 2260 code");
    }
    if (!t.tenants_.emplace(tn.code, tn).second)
      return Bad(where + ".code", "duplicate " + tn.code);
  }
  for (const auto& [code, tn] : t.tenants_) {
    if (!tn.parent.empty() && !t.tenants_.count(tn.parent)) {
      return Bad("tenant " + code + ".parent", "unknown tenant " + tn.parent);
    }
    // Reject cycles: walking up must end at a root.
    std::set<std::string> seen;
    for (std::string c = code; !c.empty(); c = t.tenants_.at(c).parent) {
      if (!seen.insert(c).second) return Bad("tenant " + code + ".parent", "forms a cycle");
    }
  }
  i = 0;
  if (root["units"].IsDefined()) {
    for (const auto& n : root["units"]) {
      const std::string where = "units[" + std::to_string(i++) + "]";
      Unit u{Str(n, "id"), Str(n, "name"), Str(n, "tenant")};
      if (u.id.empty()) return Bad(where + ".id", "required");
      if (!t.tenants_.count(u.tenant)) return Bad(where + ".tenant", "unknown tenant " + u.tenant);
      if (u.id.rfind(u.tenant + "/", 0) != 0)
        return Bad(where + ".id", "must start with its tenant");
      if (!t.units_.emplace(u.id, u).second) return Bad(where + ".id", "duplicate " + u.id);
    }
  }
  i = 0;
  if (root["users"].IsDefined()) {
    for (const auto& n : root["users"]) {
      const std::string where = "users[" + std::to_string(i++) + "]";
      User u{Str(n, "id"), Str(n, "name"), Str(n, "tenant"), Str(n, "unit"), {}};
      if (u.id.empty()) return Bad(where + ".id", "required");
      if (!t.tenants_.count(u.tenant)) return Bad(where + ".tenant", "unknown tenant " + u.tenant);
      if (!u.unit.empty() && !t.units_.count(u.unit))
        return Bad(where + ".unit", "unknown unit " + u.unit);
      if (n["roles"].IsDefined() && n["roles"].IsSequence()) {
        for (const auto& r : n["roles"]) u.roles.push_back(r.as<std::string>());
      }
      if (n["clearance"].IsDefined()) {
        int c = -1;
        try {
          c = n["clearance"].as<int>();
        } catch (const YAML::Exception&) {
        }
        if (c < 0 || c > 3) return Bad(where + ".clearance", "must be 0 (none) to 3 (绝密)");
        u.clearance = c;
      }
      if (!t.users_.emplace(u.id, u).second) return Bad(where + ".id", "duplicate " + u.id);
    }
  }
  return t;
}

const Tenant* OrgTree::FindTenant(const std::string& code) const {
  auto it = tenants_.find(code);
  return it == tenants_.end() ? nullptr : &it->second;
}

const Unit* OrgTree::FindUnit(const std::string& id) const {
  auto it = units_.find(id);
  return it == units_.end() ? nullptr : &it->second;
}

const User* OrgTree::FindUser(const std::string& id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

bool OrgTree::IsAncestorOrSelf(const std::string& ancestor, const std::string& tenant) const {
  for (const Tenant* t = FindTenant(tenant); t != nullptr; t = FindTenant(t->parent)) {
    if (t->code == ancestor) return true;
  }
  return false;
}

std::vector<std::string> OrgTree::Subtree(const std::string& root) const {
  std::vector<std::string> out;
  if (!FindTenant(root)) return out;
  out.push_back(root);
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& [code, t] : tenants_) {
      if (t.parent == out[i]) out.push_back(code);
    }
  }
  return out;
}

int OrgTree::Depth(const std::string& tenant) const {
  int d = -1;
  for (const Tenant* t = FindTenant(tenant); t != nullptr; t = FindTenant(t->parent)) ++d;
  return d;
}

}  // namespace zs::org

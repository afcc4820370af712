#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace zs::org {

struct Tenant {
  std::string code;  // GB/T 2260 region code
  std::string name;
  std::string parent;  // empty for a root
};

struct Unit {
  std::string id;  // "<tenant>/<slug>"
  std::string name;
  std::string tenant;
};

struct User {
  std::string id;
  std::string name;
  std::string tenant;
  std::string unit;
  std::vector<std::string> roles;
  // Secrecy clearance (涉密等级) for circulated documents: 0 none (非密 only), 1 秘密, 2 机密,
  // 3 绝密. Read from the org file, never from a token.
  int clearance = 0;
};

// The organisation: tenants in a county -> city -> province tree, their units, and dev users.
// Loaded once at start from YAML; immutable afterwards, so safe to share between threads.
class OrgTree {
 public:
  // Parses the YAML text of an org file. Errors name the entry, e.g. "units[3].tenant: unknown".
  static absl::StatusOr<OrgTree> Parse(const std::string& yaml);
  static absl::StatusOr<OrgTree> LoadFile(const std::string& path);

  const Tenant* FindTenant(const std::string& code) const;
  const Unit* FindUnit(const std::string& id) const;
  const User* FindUser(const std::string& id) const;

  // True if `ancestor` is `tenant` or above it in the tree.
  bool IsAncestorOrSelf(const std::string& ancestor, const std::string& tenant) const;
  // `root` and every tenant below it, `root` first.
  std::vector<std::string> Subtree(const std::string& root) const;
  // Depth in the tree: 0 for a root (province), 1 for a city, 2 for a county.
  int Depth(const std::string& tenant) const;

  const std::map<std::string, Tenant>& tenants() const { return tenants_; }
  const std::map<std::string, Unit>& units() const { return units_; }
  const std::map<std::string, User>& users() const { return users_; }

 private:
  std::map<std::string, Tenant> tenants_;
  std::map<std::string, Unit> units_;
  std::map<std::string, User> users_;
};

}  // namespace zs::org

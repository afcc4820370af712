#include "config/config.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace zs::config {

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

absl::StatusOr<Config> Config::LoadFile(const std::string& path, EnvLookup env,
                                        std::string env_prefix) {
  try {
    return Config(YAML::LoadFile(path), std::move(env), std::move(env_prefix));
  } catch (const YAML::BadFile&) {
    return absl::InvalidArgumentError("config file " + path + ": cannot be read");
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError("config file " + path + ": " + e.what());
  }
}

absl::StatusOr<Config> Config::LoadString(const std::string& yaml, EnvLookup env,
                                          std::string env_prefix) {
  try {
    return Config(YAML::Load(yaml), std::move(env), std::move(env_prefix));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(std::string("config: ") + e.what());
  }
}

Config::Config(YAML::Node root, EnvLookup env, std::string prefix)
    : root_(std::move(root)), env_(std::move(env)), prefix_(std::move(prefix)) {
  if (root_.IsDefined() && !root_.IsNull() && !root_.IsMap()) {
    errors_.push_back("(top level): must be a map of keys");
  } else {
    CollectLeaves(root_, "");
  }
}

void Config::CollectLeaves(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string k = kv.first.as<std::string>();
      CollectLeaves(kv.second, path.empty() ? k : path + "." + k);
    }
  } else if (!path.empty()) {
    leaves_.push_back(path);
  }
}

YAML::Node Config::Find(const std::string& key) const {
  YAML::Node node = YAML::Clone(root_);
  for (const auto& part : absl::StrSplit(key, '.')) {
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node next = node[std::string(part)];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    node.reset(next);
  }
  return node;
}

std::optional<std::string> Config::Raw(const std::string& key) {
  read_.insert(key);
  std::string env_name = prefix_;
  for (char c : key) env_name += (c == '.') ? '_' : static_cast<char>(std::toupper(c));
  if (auto v = env_(env_name)) return v;
  YAML::Node node = Find(key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) {
    errors_.push_back(key + ": expected a single value");
    return std::nullopt;
  }
  return node.Scalar();
}

std::string Config::String(const std::string& key, const std::string& def) {
  auto v = Raw(key);
  return v ? *v : def;
}

std::string Config::RequiredString(const std::string& key) {
  auto v = Raw(key);
  if (!v || v->empty()) {
    errors_.push_back(key + ": required");
    return "";
  }
  return *v;
}

int64_t Config::Int(const std::string& key, int64_t def, int64_t min, int64_t max) {
  auto v = Raw(key);
  if (!v) return def;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno != 0) {
    errors_.push_back(key + ": expected an integer, got '" + *v + "'");
    return def;
  }
  if (n < min || n > max) {
    errors_.push_back(key + ": " + *v + " is out of range [" + std::to_string(min) + ", " +
                      std::to_string(max) + "]");
    return def;
  }
  return n;
}

bool Config::Bool(const std::string& key, bool def) {
  auto v = Raw(key);
  if (!v) return def;
  if (*v == "true" || *v == "yes" || *v == "1" || *v == "on") return true;
  if (*v == "false" || *v == "no" || *v == "0" || *v == "off") return false;
  errors_.push_back(key + ": expected true or false, got '" + *v + "'");
  return def;
}

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 12) return std::nullopt;
  const long long n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  if (unit.empty() || unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

std::chrono::milliseconds Config::Duration(const std::string& key, std::chrono::milliseconds def) {
  auto v = Raw(key);
  if (!v) return def;
  auto d = ParseDuration(*v);
  if (!d) {
    errors_.push_back(key + ": expected a duration like 250ms, 5s, 2m or 1h, got '" + *v + "'");
    return def;
  }
  return *d;
}

std::vector<std::string> Config::StringList(const std::string& key,
                                            const std::vector<std::string>& def) {
  read_.insert(key);
  std::string env_name = prefix_;
  for (char c : key) env_name += (c == '.') ? '_' : static_cast<char>(std::toupper(c));
  if (auto v = env_(env_name)) {
    return absl::StrSplit(*v, ',', absl::SkipWhitespace());
  }
  YAML::Node node = Find(key);
  if (!node.IsDefined() || node.IsNull()) return def;
  if (!node.IsSequence()) {
    errors_.push_back(key + ": expected a list");
    return def;
  }
  std::vector<std::string> out;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      errors_.push_back(key + ": every item must be a single value");
      return def;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

YAML::Node Config::Subtree(const std::string& key) {
  read_.insert(key);
  YAML::Node node = Find(key);
  return node.IsDefined() ? node : YAML::Node();
}

void Config::AddError(const std::string& key, const std::string& message) {
  errors_.push_back(key + ": " + message);
}

absl::Status Config::Errors() const {
  if (errors_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("bad configuration: " + absl::StrJoin(errors_, "; "));
}

absl::Status Config::Finish() const {
  std::vector<std::string> problems = errors_;
  for (const auto& leaf : leaves_) {
    bool known = false;
    for (const auto& r : read_) {
      if (leaf == r || leaf.rfind(r + ".", 0) == 0) {
        known = true;
        break;
      }
    }
    if (!known) problems.push_back(leaf + ": unknown key");
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("bad configuration: " + absl::StrJoin(problems, "; "));
}

}  // namespace zs::config

#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zs::config {

// Looks up an environment variable; injectable so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnv();

// One service's configuration: a YAML file plus environment overrides.
//
// Keys are dotted paths into the YAML ("grpc.port"). The environment variable
// "<prefix><KEY>" with dots turned into underscores and upper-cased ("ZS_GRPC_PORT")
// overrides the file. Getters return the default when a key is absent and record an error naming
// the key when its value is malformed; Finish() then reports every error at once, plus any key in
// the file that no getter asked for (a typo). Not thread-safe; read it once at start-up.
class Config {
 public:
  // Loads `path`. A missing or unparsable file is an error naming the file.
  static absl::StatusOr<Config> LoadFile(const std::string& path, EnvLookup env = ProcessEnv(),
                                         std::string env_prefix = "ZS_");
  static absl::StatusOr<Config> LoadString(const std::string& yaml, EnvLookup env,
                                           std::string env_prefix = "ZS_");

  std::string String(const std::string& key, const std::string& def);
  // A string that must be present and non-empty.
  std::string RequiredString(const std::string& key);
  int64_t Int(const std::string& key, int64_t def, int64_t min, int64_t max);
  bool Bool(const std::string& key, bool def);
  // "250ms", "5s", "2m", "1h".
  std::chrono::milliseconds Duration(const std::string& key, std::chrono::milliseconds def);
  // A list of strings; the environment form is comma-separated.
  std::vector<std::string> StringList(const std::string& key, const std::vector<std::string>& def);
  // The raw YAML subtree at `key` (marked as read as a whole); null when absent.
  YAML::Node Subtree(const std::string& key);

  // Records an error about `key` found by the caller's own validation.
  void AddError(const std::string& key, const std::string& message);

  // OK, or INVALID_ARGUMENT listing every malformed key read so far.
  absl::Status Errors() const;
  // OK, or INVALID_ARGUMENT listing every malformed key and every key in the file that no getter
  // asked for. Call once all keys have been read.
  absl::Status Finish() const;

 private:
  Config(YAML::Node root, EnvLookup env, std::string prefix);
  std::optional<std::string> Raw(const std::string& key);
  YAML::Node Find(const std::string& key) const;
  void CollectLeaves(const YAML::Node& node, const std::string& path);

  YAML::Node root_;
  EnvLookup env_;
  std::string prefix_;
  std::vector<std::string> leaves_;
  std::set<std::string> read_;
  std::vector<std::string> errors_;
};

// Parses "250ms", "5s", "2m", "1h" (a plain number means milliseconds).
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

}  // namespace zs::config

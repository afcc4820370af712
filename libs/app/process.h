#pragma once

// What every Zhongshu process (a service, the gateway) sets up the same way from its command line
// and its YAML configuration: the configuration file, logging, the org tree, token verification
// and client TLS toward other services.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "config/config.h"
#include "org/org.h"
#include "rpc/tls.h"

namespace zs::app {

// The command line shared by the process binaries.
struct CommandLine {
  std::string config_path;  // --config=PATH, else ZS_CONFIG, else deploy/local/<name>.yaml
  std::string log_format;   // --log-format (overrides log.format)
  std::string log_level;    // --log-level (overrides log.level)
  bool help = false;        // --help: usage was asked for
  bool version = false;     // --version
};
// Reads `argv`: --config, --log-format and --log-level, each as `--flag=value` or `--flag value`;
// --help and --version. Anything else is INVALID_ARGUMENT naming it.
absl::StatusOr<CommandLine> ParseCommandLine(const std::string& name, int argc, char** argv);
// The usage text of a process binary called `name`.
std::string Usage(const std::string& name);
// The suite's version (from the build).
std::string Version();

// Loads the configuration file of `cmd` and sets up logging from log.format and log.level (the
// command line overrides them). Errors in those keys are recorded in the configuration; only an
// unreadable file fails here.
absl::StatusOr<std::unique_ptr<config::Config>> LoadConfigAndLogging(const std::string& name,
                                                                     const CommandLine& cmd);

// A secret kept in a file (a mounted Kubernetes Secret): `*value` becomes the file's text without
// its trailing line break when `key` names a file; an unreadable or empty file is an error on
// `key`.
void ReadSecretFile(config::Config& c, const std::string& key, std::string* value);

// The org tree of org.file (default deploy/local/org.yaml); an error on org.file when unreadable.
org::OrgTree LoadOrg(config::Config& c);

// Token verification from auth.*: HS256 with auth.hs256_secret(_file) or RS256 with
// auth.rs256_public_key_file, auth.issuer, auth.leeway. Every verified principal must also be
// consistent with `org` (which must outlive the verifier). Errors are recorded on their keys.
struct AuthSettings {
  std::string algorithm;
  // The HS256 key when that is the algorithm the services verify (local runs mint tokens with
  // it); empty under RS256, where a minted token would be refused by every peer.
  std::string hs256_secret;
  std::string issuer;
  std::shared_ptr<const auth::TokenVerifier> verifier;  // null when the keys are bad
};
AuthSettings ReadAuth(config::Config& c, const org::OrgTree* org);

// Client TLS toward other services from `<prefix>.ca_file`, `.cert_file` and `.key_file`
// ("upstream.tls"), checked at start; `refresh` is how often rotated files are re-read.
rpc::ClientTls ReadClientTls(config::Config& c, const std::string& prefix,
                             std::chrono::seconds refresh);

}  // namespace zs::app

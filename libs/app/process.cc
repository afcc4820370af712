#include "app/process.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/clock.h"
#include "logging/logging.h"

#ifndef ZS_VERSION
#define ZS_VERSION "dev"
#endif

namespace zs::app {
namespace {

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  *ok = static_cast<bool>(in);
  return ss.str();
}

}  // namespace

std::string Version() { return ZS_VERSION; }

std::string Usage(const std::string& name) {
  return "Usage: " + name +
         " [--config=PATH] [--log-format=human|json] [--log-level=LEVEL]\n"
         "\n"
         "  --config PATH       the YAML configuration (default: $ZS_CONFIG, else deploy/local/" +
         name +
         ".yaml)\n"
         "  --log-format FORMAT human or json (default: log.format of the file, human)\n"
         "  --log-level LEVEL   trace, debug, info, warn, error (default: log.level, info)\n"
         "  --help              this text\n"
         "  --version           the suite's version\n"
         "\n"
         "Every key of the file can be overridden by an environment variable: ZS_ and the key\n"
         "upper-cased with dots as underscores (grpc.listen: ZS_GRPC_LISTEN).\n";
}

absl::StatusOr<CommandLine> ParseCommandLine(const std::string& name, int argc, char** argv) {
  CommandLine cmd;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      cmd.help = true;
      continue;
    }
    if (a == "--version") {
      cmd.version = true;
      continue;
    }
    std::string* target = nullptr;
    std::string flag;
    for (auto [f, t] :
         {std::pair{"--config", &cmd.config_path}, std::pair{"--log-format", &cmd.log_format},
          std::pair{"--log-level", &cmd.log_level}}) {
      if (a == f || a.rfind(std::string(f) + "=", 0) == 0) {
        flag = f;
        target = t;
      }
    }
    if (target == nullptr) {
      return absl::InvalidArgumentError("unknown argument '" + a + "'; see " + name + " --help");
    }
    if (a.size() > flag.size()) {
      *target = a.substr(flag.size() + 1);
    } else if (i + 1 < argc) {
      *target = argv[++i];
    } else {
      return absl::InvalidArgumentError(flag + " needs a value; see " + name + " --help");
    }
  }
  if (cmd.config_path.empty()) {
    const char* env = std::getenv("ZS_CONFIG");
    cmd.config_path = env ? env : "deploy/local/" + name + ".yaml";
  }
  return cmd;
}

absl::StatusOr<std::unique_ptr<config::Config>> LoadConfigAndLogging(const std::string& name,
                                                                     const CommandLine& cmd) {
  auto loaded = config::Config::LoadFile(cmd.config_path);
  if (!loaded.ok()) return loaded.status();
  auto c = std::make_unique<config::Config>(std::move(*loaded));
  // The keys are always read (a flag only overrides them), so the file's log.* keys are known.
  const std::string format_key = c->String("log.format", "human");
  const std::string level_key = c->String("log.level", "info");
  const std::string format_source = cmd.log_format.empty() ? "log.format" : "--log-format";
  const std::string level_source = cmd.log_level.empty() ? "log.level" : "--log-level";
  const std::string format = cmd.log_format.empty() ? format_key : cmd.log_format;
  const std::string level = cmd.log_level.empty() ? level_key : cmd.log_level;
  logging::Format fmt = logging::Format::kHuman;
  if (auto s = logging::ParseFormat(format, &fmt); !s.ok()) {
    c->AddError(format_source, std::string(s.message()));
    fmt = logging::Format::kHuman;
  }
  if (auto s = logging::Init(name, fmt, level); !s.ok()) {
    c->AddError(level_source, std::string(s.message()));
    (void)logging::Init(name, fmt, "info");
  }
  spdlog::debug("configuration from {}", cmd.config_path);
  return c;
}

void ReadSecretFile(config::Config& c, const std::string& key, std::string* value) {
  const std::string path = c.String(key, "");
  if (path.empty()) return;
  bool ok = false;
  std::string text = ReadFile(path, &ok);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!ok || text.empty()) {
    c.AddError(key, "cannot read a secret from '" + path + "'");
    return;
  }
  *value = std::move(text);
}

org::OrgTree LoadOrg(config::Config& c) {
  const std::string org_file = c.String("org.file", "deploy/local/org.yaml");
  auto org = org::OrgTree::LoadFile(org_file);
  if (!org.ok()) {
    c.AddError("org.file", std::string(org.status().message()));
    return {};
  }
  return std::move(*org);
}

AuthSettings ReadAuth(config::Config& c, const org::OrgTree* org) {
  AuthSettings out;
  auth::VerifierOptions vo;
  vo.algorithm = c.String("auth.algorithm", "HS256");
  vo.issuer = c.String("auth.issuer", "");
  vo.leeway = std::chrono::duration_cast<std::chrono::seconds>(
      c.Duration("auth.leeway", std::chrono::seconds(30)));
  std::string secret = c.String("auth.hs256_secret", "");
  ReadSecretFile(c, "auth.hs256_secret_file", &secret);
  out.algorithm = vo.algorithm;
  out.issuer = vo.issuer;
  out.hs256_secret = vo.algorithm == "HS256" ? secret : "";
  const std::string pem_file = c.String("auth.rs256_public_key_file", "");
  if (vo.algorithm == "RS256") {
    bool ok = false;
    vo.key = ReadFile(pem_file, &ok);
    if (!ok) c.AddError("auth.rs256_public_key_file", "cannot read '" + pem_file + "'");
  } else {
    vo.key = secret;
  }
  // Every caller must be a consistent principal of this org tree before any handler runs.
  vo.check_claims = [org](const auth::Principal& p) { return auth::CheckPrincipal(*org, p); };
  // Tokens are checked against real time even when the domain clock is moved in tests.
  auto verifier = auth::TokenVerifier::Create(vo, SystemClock::Get());
  if (vo.algorithm != "HS256" && vo.algorithm != "RS256") {
    c.AddError("auth.algorithm", "must be HS256 or RS256");
  } else if (!verifier.ok()) {
    c.AddError(vo.algorithm == "RS256" ? "auth.rs256_public_key_file" : "auth.hs256_secret",
               std::string(verifier.status().message()));
  } else {
    out.verifier = std::move(*verifier);
  }
  return out;
}

rpc::ClientTls ReadClientTls(config::Config& c, const std::string& prefix,
                             std::chrono::seconds refresh) {
  rpc::ClientTls tls;
  tls.ca_file = c.String(prefix + ".ca_file", "");
  tls.cert_file = c.String(prefix + ".cert_file", "");
  tls.key_file = c.String(prefix + ".key_file", "");
  tls.refresh = refresh;
  if (auto s = rpc::CheckClientTls(tls); !s.ok()) c.AddError(prefix, std::string(s.message()));
  return tls;
}

}  // namespace zs::app

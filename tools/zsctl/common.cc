#include "common.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "org/org.h"
#include "rpc/tls.h"

namespace zsctl {
namespace {

std::string Env(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

// Display width: CJK characters take two columns.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    w += len >= 3 ? 2 : 1;
    i += len;
  }
  return w;
}

}  // namespace

void AddGlobalFlags(CLI::App& app, Globals& g) {
  g.reporting_addr = Env("ZS_REPORTING_ADDR", "127.0.0.1:7101");
  g.supervision_addr = Env("ZS_SUPERVISION_ADDR", "127.0.0.1:7102");
  g.proposals_addr = Env("ZS_PROPOSALS_ADDR", "127.0.0.1:7103");
  g.coordination_addr = Env("ZS_COORDINATION_ADDR", "127.0.0.1:7104");
  g.token = Env("ZS_TOKEN", "");
  g.as_user = Env("ZS_AS", "");
  g.org_file = Env("ZS_ORG", "deploy/local/org.yaml");
  g.secret = Env("ZS_DEV_SECRET", "zhongshu-local-development-secret");
  app.add_option("--reporting", g.reporting_addr,
                 "reporting service address (env ZS_REPORTING_ADDR)");
  app.add_option("--supervision", g.supervision_addr,
                 "supervision service address (env ZS_SUPERVISION_ADDR)");
  app.add_option("--proposals", g.proposals_addr,
                 "proposals service address (env ZS_PROPOSALS_ADDR)");
  app.add_option("--coordination", g.coordination_addr,
                 "coordination service address (env ZS_COORDINATION_ADDR)");
  app.add_option("--token", g.token, "bearer token (env ZS_TOKEN)");
  app.add_option("--as", g.as_user,
                 "act as this dev user from the org file, minting a dev token (env ZS_AS)");
  app.add_option("--org", g.org_file, "org file for --as and token (env ZS_ORG)");
  app.add_option("--secret", g.secret, "HS256 dev secret (env ZS_DEV_SECRET)");
  app.add_flag("--json", g.json, "print JSON instead of tables");
  app.add_option("--timeout", g.timeout_s, "seconds to wait for the service");
  app.add_option("--request-id", g.request_id,
                 "request id of a change (default: a new one); reuse it to retry safely");
  g.tls_ca = Env("ZS_TLS_CA", "");
  g.tls_cert = Env("ZS_TLS_CERT", "");
  g.tls_key = Env("ZS_TLS_KEY", "");
  g.tls_server_name = Env("ZS_TLS_SERVER_NAME", "");
  app.add_option("--tls-ca", g.tls_ca,
                 "call the services over TLS, verified against this CA file (env ZS_TLS_CA; "
                 "default: plaintext)");
  app.add_option("--tls-cert", g.tls_cert,
                 "client certificate file for services that require one (env ZS_TLS_CERT)");
  app.add_option("--tls-key", g.tls_key, "the client certificate's key file (env ZS_TLS_KEY)");
  app.add_option("--tls-server-name", g.tls_server_name,
                 "name the services' certificates carry, when not the address's host "
                 "(env ZS_TLS_SERVER_NAME)");
}

void Die(const std::string& msg, int code) {
  std::cerr << "zsctl: " << msg << "\n";
  std::exit(code);
}

std::string DevToken(const Globals& g, const std::string& user, std::chrono::seconds ttl) {
  auto org = zs::org::OrgTree::LoadFile(g.org_file);
  if (!org.ok()) Die(std::string(org.status().message()));
  const auto* u = org->FindUser(user);
  if (u == nullptr) Die("user '" + user + "' is not in " + g.org_file);
  zs::auth::Principal p{u->id, u->name, u->tenant, u->unit, u->roles};
  auto t = zs::auth::IssueHs256(g.secret, p, zs::SystemClock::Get()->Now(), ttl);
  if (!t.ok()) Die(std::string(t.status().message()), 1);
  return *t;
}

std::string BearerToken(const Globals& g) {
  static std::string cached;
  if (!cached.empty()) return cached;
  if (!g.as_user.empty()) {
    cached = DevToken(g, g.as_user, std::chrono::hours(1));
  } else if (!g.token.empty()) {
    cached = g.token;
  } else {
    Die("no credentials: pass --as USER (dev) or --token / ZS_TOKEN");
  }
  return cached;
}

std::string RequestId(const Globals& g) {
  return g.request_id.empty() ? zs::NewUuid() : g.request_id;
}

std::shared_ptr<grpc::Channel> ChannelTo(const Globals& g, const std::string& addr) {
  zs::rpc::ClientTls tls;
  tls.ca_file = g.tls_ca;
  tls.cert_file = g.tls_cert;
  tls.key_file = g.tls_key;
  tls.server_name = g.tls_server_name;
  if (auto s = zs::rpc::CheckClientTls(tls); !s.ok()) Die("--tls-*: " + std::string(s.message()));
  return zs::rpc::Dial(addr, tls);
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

std::string Short(const std::string& enum_name, const std::string& prefix) {
  return enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size()) : enum_name;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0) return "";
  return zs::FormatRfc3339(zs::FromProto(ts));
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = Width(header[c]);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], Width(r[c]));
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c) {
      std::cout << r[c];
      if (c + 1 < r.size()) std::cout << std::string(widths[c] - Width(r[c]) + 2, ' ');
    }
    std::cout << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void PrintFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& [k, v] : fields) w = std::max(w, k.size());
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    std::cout << std::left << std::setw(static_cast<int>(w) + 2) << (k + ":") << v << "\n";
  }
}

}  // namespace zsctl

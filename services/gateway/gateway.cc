#include "gateway.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <set>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "core/trace.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "logging/logging.h"
#include "nlohmann/json.hpp"
#include "rpc/status.h"

namespace zs::gateway {
namespace {

using json = nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse JsonResponse(int status, const json& j) {
  HttpResponse r;
  r.status = status;
  r.body = Dump(j);
  return r;
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The tenants a person of `tenant` may see names in: their own, the ones above (who instruct and
// adopt) and the ones below (who report to them).
std::set<std::string> VisibleTenants(const org::OrgTree& org, const std::string& tenant) {
  std::set<std::string> out;
  for (const auto& t : org.Subtree(tenant)) out.insert(t);
  for (const org::Tenant* t = org.FindTenant(tenant); t != nullptr; t = org.FindTenant(t->parent)) {
    out.insert(t->code);
    if (t->parent.empty()) break;
  }
  return out;
}

json UserJson(const org::OrgTree& org, const org::User& u) {
  const org::Unit* unit = org.FindUnit(u.unit);
  const org::Tenant* tenant = org.FindTenant(u.tenant);
  return json{{"id", u.id},         {"name", u.name},
              {"tenant", u.tenant}, {"tenant_name", tenant ? tenant->name : ""},
              {"unit", u.unit},     {"unit_name", unit ? unit->name : ""},
              {"roles", u.roles}};
}

}  // namespace

// What one request carries through its handling, for its log line and metrics.
struct Gateway::Context {
  std::string trace_id;
  std::string route;  // the metric label: a gRPC path, "/auth/me", "static", ...
  std::string code = "OK";
  std::string caller;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

Gateway::Gateway(GatewayOptions options, const org::OrgTree* org, app::AuthSettings auth,
                 ApiCatalog catalog, std::shared_ptr<telemetry::Metrics> metrics)
    : options_(std::move(options)),
      org_(org),
      auth_(std::move(auth)),
      catalog_(std::move(catalog)),
      metrics_(std::move(metrics)) {
  for (const auto& [name, u] : options_.upstreams) {
    stubs_[name] = std::make_unique<grpc::GenericStub>(u.channel);
  }
}

HttpResponse Gateway::Handle(const HttpRequest& req) {
  Context ctx;
  auto parent = trace::FromTraceparent(req.Header("traceparent"));
  ctx.trace_id = parent ? *parent : trace::NewTraceId();
  const std::string& path = req.path;
  HttpResponse r;
  auto only = [&](const char* method, auto&& fn) {
    if (req.method == method || (std::string_view(method) == "GET" && req.method == "HEAD")) {
      return fn();
    }
    HttpResponse e =
        Error(ctx, grpc::StatusCode::UNIMPLEMENTED, path + " answers " + method + " only", 405);
    e.headers.emplace_back("Allow", method);
    return e;
  };
  if (path == "/api" || path == "/api/") {
    ctx.route = "/api";
    r = only("GET", [&] {
      json services = json::array();
      for (const auto& s : catalog_.Services()) {
        json methods = json::array();
        for (const auto& [key, m] : catalog_.methods()) {
          if (m.descriptor->service()->full_name() == s) methods.push_back(m.descriptor->name());
        }
        services.push_back({{"name", s}, {"methods", methods}});
      }
      return JsonResponse(200, {{"services", services}});
    });
  } else if (path == "/api/public/tenants") {
    ctx.route = path;
    r = only("GET", [&] { return PublicTenants(); });
  } else if (path == "/api/public/replies") {
    ctx.route = path;
    r = only("GET", [&] { return PublicReplies(req, ctx); });
  } else if (StartsWith(path, "/api/")) {
    r = Api(req, ctx, std::string_view(path).substr(5));
  } else if (path == "/auth/me") {
    ctx.route = path;
    r = only("GET", [&] { return Me(req, ctx); });
  } else if (path == "/auth/dev-users") {
    ctx.route = path;
    r = only("GET", [&] { return DevUsers(ctx); });
  } else if (path == "/auth/dev-sign-in") {
    ctx.route = path;
    r = only("POST", [&] { return DevSignIn(req, ctx); });
  } else if (path == "/healthz") {
    ctx.route = path;
    r = JsonResponse(200, {{"status", "ok"}});
  } else if (path == "/readyz") {
    ctx.route = path;
    r = Ready(ctx);
  } else {
    ctx.route = "static";
    r = only("GET", [&] { return Static(req, ctx); });
  }

  r.headers.emplace_back("X-Zs-Trace-Id", ctx.trace_id);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (r.file.empty()) r.headers.emplace_back("Cache-Control", "no-store");

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count();
  if (metrics_) metrics_->ObserveRpc(ctx.route, ctx.code, seconds);
  if (options_.log_requests && ctx.route != "/healthz" && ctx.route != "/readyz" &&
      ctx.route != "static") {
    logging::Info("http", {{"method", req.method},
                           {"path", path},
                           {"status", std::to_string(r.status)},
                           {"code", ctx.code},
                           {"latency_ms", absl::StrFormat("%.3f", seconds * 1000)},
                           {"caller", ctx.caller},
                           {"trace_id", ctx.trace_id}});
  }
  return r;
}

HttpResponse Gateway::Refuse(const HttpRequest& req, int status, const std::string& message) {
  Context ctx;
  auto parent = trace::FromTraceparent(req.Header("traceparent"));
  ctx.trace_id = parent ? *parent : trace::NewTraceId();
  ctx.route = "refused";
  HttpResponse r = Error(
      ctx,
      status == 413 ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::INVALID_ARGUMENT,
      message, status);
  r.headers.emplace_back("X-Zs-Trace-Id", ctx.trace_id);
  if (metrics_) metrics_->ObserveRpc(ctx.route, ctx.code, 0);
  logging::Log(spdlog::level::warn, "http refused",
               {{"method", req.method},
                {"path", req.path},
                {"status", std::to_string(status)},
                {"error", message},
                {"trace_id", ctx.trace_id}});
  return r;
}

HttpResponse Gateway::Error(Context& ctx, grpc::StatusCode code, const std::string& message,
                            int http_status) {
  ctx.code = rpc::CodeName(code);
  HttpResponse r;
  r.status = http_status ? http_status : HttpStatusFor(code);
  r.body = ErrorBody(code, message, ctx.trace_id);
  if (code == grpc::StatusCode::UNAUTHENTICATED) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return r;
}

absl::StatusOr<auth::Principal> Gateway::Caller(const HttpRequest& req, std::string* token) const {
  const std::string h = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || !StartsWith(h, kBearer)) {
    return absl::UnauthenticatedError("sign in first: no bearer token in the Authorization header");
  }
  *token = h.substr(kBearer.size());
  if (!auth_.verifier) return absl::UnauthenticatedError("tokens cannot be checked");
  return auth_.verifier->Verify(*token);
}

HttpResponse Gateway::Api(const HttpRequest& req, Context& ctx, std::string_view rest) {
  const ApiMethod* m = catalog_.Find(rest);
  ctx.route = m ? m->path : "unknown";
  if (m == nullptr) {
    return Error(
        ctx, grpc::StatusCode::NOT_FOUND,
        "no API method '" + std::string(rest) + "'; GET /api lists the services and their methods");
  }
  if (req.method != "POST") {
    HttpResponse e =
        Error(ctx, grpc::StatusCode::UNIMPLEMENTED, "API methods are called with POST", 405);
    e.headers.emplace_back("Allow", "POST");
    return e;
  }
  const std::string type = req.Header("content-type");
  if (!req.body.empty() && !StartsWith(type, "application/json")) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT,
                 "the request body must be JSON (Content-Type: application/json)", 415);
  }
  std::string token;
  auto caller = Caller(req, &token);
  if (!caller.ok()) {
    return Error(ctx, grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message()));
  }
  ctx.caller = caller->subject;
  auto request = RequestFromJson(*m, req.body);
  if (!request.ok()) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT, std::string(request.status().message()));
  }
  return Forward(*m, *request, token, ctx);
}

HttpResponse Gateway::Forward(const ApiMethod& method, const std::string& request,
                              const std::string& token, Context& ctx) {
  const ApiMethod* m = &method;
  auto stub = stubs_.find(m->upstream);
  if (stub == stubs_.end()) {
    return Error(
        ctx, grpc::StatusCode::UNAVAILABLE,
        "the " + m->upstream + " service is not configured (upstream." + m->upstream + ".address)");
  }
  const GatewayUpstream& up = options_.upstreams.at(m->upstream);
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + up.timeout);
  call.AddMetadata("authorization", "Bearer " + token);
  call.AddMetadata("traceparent", trace::Traceparent(ctx.trace_id));
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1);
  grpc::ByteBuffer out;
  grpc::Status status;
  absl::Notification done;
  stub->second->UnaryCall(&call, m->path, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (!status.ok()) {
    std::string message = status.error_message();
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      message = "the " + m->upstream + " service at " + up.address + " is not answering (" +
                message + ")";
    } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      message = "the " + m->upstream + " service did not answer within " +
                std::to_string(up.timeout.count()) + " ms";
    }
    return Error(ctx, status.error_code(), message);
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (out.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  auto body = ResponseToJson(*m, bytes);
  if (!body.ok())
    return Error(ctx, grpc::StatusCode::INTERNAL, std::string(body.status().message()));
  HttpResponse r;
  r.body = std::move(*body);
  return r;
}

HttpResponse Gateway::Me(const HttpRequest& req, Context& ctx) {
  std::string token;
  auto caller = Caller(req, &token);
  if (!caller.ok()) {
    return Error(ctx, grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message()));
  }
  ctx.caller = caller->subject;
  const auto visible = VisibleTenants(*org_, caller->tenant);
  json tenants = json::array(), units = json::array(), users = json::array();
  for (const auto& code : visible) {
    const org::Tenant* t = org_->FindTenant(code);
    if (t) tenants.push_back({{"code", t->code}, {"name", t->name}, {"parent", t->parent}});
  }
  for (const auto& [id, u] : org_->units()) {
    if (visible.count(u.tenant))
      units.push_back({{"id", u.id}, {"name", u.name}, {"tenant", u.tenant}});
  }
  for (const auto& [id, u] : org_->users()) {
    if (visible.count(u.tenant)) {
      users.push_back({{"id", u.id}, {"name", u.name}, {"unit", u.unit}, {"tenant", u.tenant}});
    }
  }
  const org::User* known = org_->FindUser(caller->subject);
  json user = known ? UserJson(*org_, *known)
                    : json{{"id", caller->subject},
                           {"name", caller->name},
                           {"tenant", caller->tenant},
                           {"unit", caller->unit},
                           {"roles", caller->roles}};
  user["roles"] = caller->roles;  // the token's roles are the ones the services act on
  return JsonResponse(
      200, {{"user", user}, {"org", {{"tenants", tenants}, {"units", units}, {"users", users}}}});
}

HttpResponse Gateway::DevUsers(Context& ctx) {
  if (!options_.dev_sign_in) {
    return Error(ctx, grpc::StatusCode::NOT_FOUND, "the development sign-in is off");
  }
  json users = json::array();
  for (const auto& [id, u] : org_->users()) users.push_back(UserJson(*org_, u));
  return JsonResponse(200, {{"users", users}});
}

HttpResponse Gateway::DevSignIn(const HttpRequest& req, Context& ctx) {
  if (!options_.dev_sign_in) {
    return Error(ctx, grpc::StatusCode::NOT_FOUND, "the development sign-in is off");
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("user") ||
      !body["user"].is_string()) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT,
                 "user: the body must be {\"user\": \"<user id>\"}");
  }
  const std::string id = body["user"].get<std::string>();
  const org::User* u = org_->FindUser(id);
  if (u == nullptr) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT,
                 "user: no user '" + id + "' in the org tree");
  }
  const auto now = SystemClock::Get()->Now();
  auto token = auth::IssueHs256(auth_.hs256_secret,
                                auth::Principal{u->id, u->name, u->tenant, u->unit, u->roles}, now,
                                options_.dev_token_ttl, auth_.issuer);
  if (!token.ok()) {
    return Error(ctx, grpc::StatusCode::INTERNAL, std::string(token.status().message()));
  }
  ctx.caller = u->id;
  return JsonResponse(200, {{"token", *token},
                            {"expires_at", FormatRfc3339(now + options_.dev_token_ttl)},
                            {"user", UserJson(*org_, *u)}});
}

HttpResponse Gateway::Ready(Context& ctx) {
  json upstreams = json::object();
  for (const auto& [name, u] : options_.upstreams) {
    auto stub = grpc::health::v1::Health::NewStub(u.channel);
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest hreq;
    grpc::health::v1::HealthCheckResponse hresp;
    const grpc::Status s = stub->Check(&c, hreq, &hresp);
    upstreams[name] = {
        {"address", u.address},
        {"status", s.ok()
                       ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(hresp.status())
                       : rpc::CodeName(s.error_code())}};
  }
  // Serving is what the gateway itself decides; a service that is down answers its own errors.
  const bool serving = serving_.load();
  if (!serving) ctx.code = "UNAVAILABLE";
  return JsonResponse(serving ? 200 : 503,
                      {{"status", serving ? "SERVING" : "NOT_SERVING"}, {"upstreams", upstreams}});
}

HttpResponse Gateway::PublicTenants() {
  json tenants = json::array();
  for (const auto& [code, t] : org_->tenants()) {
    tenants.push_back({{"code", t.code}, {"name", t.name}, {"parent", t.parent}});
  }
  return JsonResponse(200, {{"tenants", tenants}});
}

HttpResponse Gateway::PublicReplies(const HttpRequest& req, Context& ctx) {
  if (!options_.public_credentials) {
    return Error(ctx, grpc::StatusCode::NOT_FOUND, "the public list of replies is off");
  }
  const std::string tenant = QueryParam(req, "tenant");
  if (org_->FindTenant(tenant) == nullptr) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT,
                 "tenant: '" + tenant + "' is not an office of this deployment");
  }
  const ApiMethod* m = catalog_.Find("zhongshu.proposals.v1.ProposalsService/ListPublicReplies");
  if (m == nullptr) return Error(ctx, grpc::StatusCode::INTERNAL, "proposals are not exposed");
  // Only what the public may choose passes on: the session and the page.
  const json body{{"page_size", 50},
                  {"page_token", QueryParam(req, "page_token")},
                  {"session", QueryParam(req, "session")}};
  auto request = RequestFromJson(*m, body.dump());
  if (!request.ok()) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT, std::string(request.status().message()));
  }
  auto token = options_.public_credentials->TokenFor(tenant);
  if (!token.ok()) {
    return Error(ctx, grpc::StatusCode::UNAVAILABLE, std::string(token.status().message()));
  }
  ctx.caller = "public";
  return Forward(*m, *request, *token, ctx);
}

HttpResponse Gateway::Static(const HttpRequest& req, Context& ctx) {
  const std::string& dir = options_.console_dir;
  if (dir.empty() || !IsRegularFile(dir + "/index.html")) {
    ctx.code = "NOT_FOUND";
    HttpResponse r;
    r.status = 404;
    r.content_type = "text/plain; charset=utf-8";
    r.body =
        "控制台尚未构建（console not built）: run `npm run build` in console/, or set "
        "console.dir\n";
    return r;
  }
  std::string path = req.path;
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos) {
    return Error(ctx, grpc::StatusCode::INVALID_ARGUMENT, "bad path", 400);
  }
  if (path.empty() || path.back() == '/') path += "index.html";
  std::string file = dir + path;
  const bool looks_like_file =
      path.rfind('.') != std::string::npos && path.rfind('.') > path.rfind('/');
  if (!IsRegularFile(file)) {
    if (looks_like_file) {
      ctx.code = "NOT_FOUND";
      return Error(ctx, grpc::StatusCode::NOT_FOUND, "no file " + path);
    }
    file = dir + "/index.html";  // a route of the single-page app
  }
  HttpResponse r;
  r.file = file;
  const bool hashed = StartsWith(path, "/assets/");
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                         "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
  return r;
}

}  // namespace zs::gateway

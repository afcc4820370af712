#include "gateway.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cctype>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "core/trace.h"
#include "documents.h"
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
      metrics_(std::move(metrics)),
      renders_(options_.render_workers, options_.render_queue) {
  for (const auto& [name, u] : options_.upstreams) {
    stubs_[name] = std::make_unique<grpc::GenericStub>(u.channel);
  }
}

HttpResponse Gateway::Handle(const HttpRequest& req) {
  Context ctx;
  auto parent = trace::FromTraceparent(req.Header("traceparent"));
  ctx.trace_id = parent ? *parent : trace::NewTraceId();
  trace::ScopedTrace scoped(ctx.trace_id);  // passed on with every call this request makes
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
  } else if (StartsWith(path, "/documents/")) {
    ctx.route = "/documents";
    r = only("GET", [&] { return Document(req, ctx); });
  } else if (StartsWith(path, "/exports/")) {
    ctx.route = "/exports";
    r = only("GET", [&] { return Export(req, ctx); });
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

HttpResponse Gateway::RenderError(Context& ctx, const absl::Status& s) {
  if (s.code() == absl::StatusCode::kUnavailable) {  // stopping
    return Error(ctx, grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
  }
  if (s.code() != absl::StatusCode::kResourceExhausted) {
    return Error(ctx, grpc::StatusCode::INTERNAL, std::string(s.message()));
  }
  // Busy, not broken: the browser may ask again shortly.
  HttpResponse r = Error(ctx, grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(s.message()), 503);
  r.headers.emplace_back("Retry-After", "1");
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

grpc::Status Gateway::Call(const ApiMethod& m, const std::string& request, const std::string& token,
                           std::string* response) {
  auto stub = stubs_.find(m.upstream);
  if (stub == stubs_.end()) {
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        "the " + m.upstream + " service is not configured (upstream." + m.upstream + ".address)");
  }
  const GatewayUpstream& up = options_.upstreams.at(m.upstream);
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + up.timeout);
  call.AddMetadata("authorization", "Bearer " + token);
  call.AddMetadata("traceparent", trace::Traceparent(trace::CurrentTrace()));
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1);
  grpc::ByteBuffer out;
  grpc::Status status;
  absl::Notification done;
  stub->second->UnaryCall(&call, m.path, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return grpc::Status(status.error_code(), "the " + m.upstream + " service at " + up.address +
                                                 " is not answering (" + status.error_message() +
                                                 ")");
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return grpc::Status(status.error_code(), "the " + m.upstream +
                                                 " service did not answer within " +
                                                 std::to_string(up.timeout.count()) + " ms");
  }
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  response->clear();
  if (out.Dump(&slices).ok()) {
    for (const auto& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

grpc::Status Gateway::Ask(const std::string& method, const google::protobuf::Message& request,
                          const std::string& token, google::protobuf::Message* response) {
  const ApiMethod* m = catalog_.Find(method);
  if (m == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, method + " is not exposed");
  std::string bytes;
  grpc::Status s = Call(*m, request.SerializeAsString(), token, &bytes);
  if (s.ok() && !response->ParseFromString(bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "the answer of " + method + " is not readable");
  }
  return s;
}

HttpResponse Gateway::Forward(const ApiMethod& m, const std::string& request,
                              const std::string& token, Context& ctx) {
  std::string bytes;
  const grpc::Status status = Call(m, request, token, &bytes);
  if (!status.ok()) return Error(ctx, status.error_code(), status.error_message());
  auto body = ResponseToJson(m, bytes);
  if (!body.ok()) {
    return Error(ctx, grpc::StatusCode::INTERNAL, std::string(body.status().message()));
  }
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
      json user{{"id", u.id}, {"name", u.name}, {"unit", u.unit}, {"tenant", u.tenant}};
      // Roles for the caller's own county only: its pages offer the people who can take a part
      // (a leader to preside, a duty officer for the roster), as the office's own directory
      // would; who holds which role in the offices above is not theirs to list.
      if (u.tenant == caller->tenant) user["roles"] = u.roles;
      users.push_back(std::move(user));
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

namespace {

// A download: `bytes` of `type`, saved as `filename` (UTF-8, percent-encoded for the header).
HttpResponse Download(std::string bytes, const std::string& type, const std::string& filename,
                      const std::string& ascii_name) {
  std::string encoded;
  for (unsigned char c : filename) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      encoded += absl::StrFormat("%%%02X", c);
    }
  }
  HttpResponse r;
  r.content_type = type;
  r.body = std::move(bytes);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + ascii_name +
                                                    "\"; filename*=UTF-8''" + encoded);
  return r;
}

// "<kind>/<id>.<ext>" after a prefix: the kind and the id, or false.
bool SplitDocumentPath(std::string_view rest, std::string_view ext, std::string* kind,
                       std::string* id) {
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.size() <= ext.size() ||
      rest.substr(rest.size() - ext.size()) != ext) {
    return false;
  }
  *kind = std::string(rest.substr(0, slash));
  *id = std::string(rest.substr(slash + 1, rest.size() - ext.size() - slash - 1));
  return !id->empty() && id->find('/') == std::string::npos;
}

}  // namespace

HttpResponse Gateway::Document(const HttpRequest& req, Context& ctx) {
  std::string token;
  auto caller = Caller(req, &token);
  if (!caller.ok()) {
    return Error(ctx, grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message()));
  }
  ctx.caller = caller->subject;
  std::string kind, id;
  if (!SplitDocumentPath(std::string_view(req.path).substr(11), ".pdf", &kind, &id)) {
    return Error(ctx, grpc::StatusCode::NOT_FOUND,
                 "documents are /documents/{notice|bulletin|reply}/<id>.pdf");
  }
  // The issuing office is the document's own, not the reader's: a city editor printing a
  // county's 通报 prints the county's.
  auto office = [this](const std::string& code) {
    const org::Tenant* t = org_->FindTenant(code);
    return t ? t->name : code;
  };
  absl::StatusOr<pdf::OfficialDocument> doc;
  std::string filename;
  grpc::Status s;
  if (kind == "notice") {
    zhongshu::supervision::v1::GetNoticeRequest r;
    r.set_id(id);
    zhongshu::supervision::v1::Notice n;
    s = Ask("zhongshu.supervision.v1.SupervisionService/GetNotice", r, token, &n);
    if (s.ok()) {
      doc = documents::NoticeDocument(n, office(n.tenant()));
      filename = n.title();
    }
  } else if (kind == "bulletin") {
    zhongshu::reporting::v1::GetBulletinRequest r;
    r.set_id(id);
    zhongshu::reporting::v1::Bulletin b;
    s = Ask("zhongshu.reporting.v1.ReportingService/GetBulletin", r, token, &b);
    if (s.ok()) {
      doc = documents::BulletinDocument(b, office(b.tenant()));
      filename = absl::StrFormat("%s%d年第%d期", b.kind_name(), b.year(), b.number());
    }
  } else if (kind == "reply") {
    zhongshu::proposals::v1::GetProposalRequest r;
    r.set_id(id);
    zhongshu::proposals::v1::Proposal p;
    s = Ask("zhongshu.proposals.v1.ProposalsService/GetProposal", r, token, &p);
    if (s.ok()) {
      doc = documents::ReplyDocument(p, QueryParam(req, "unit"), office(p.tenant()));
      filename = absl::StrFormat("%s第%d号答复", p.session(), p.number());
    }
  } else {
    return Error(ctx, grpc::StatusCode::NOT_FOUND, "no document kind '" + kind + "'");
  }
  if (!s.ok()) return Error(ctx, s.error_code(), s.error_message());
  if (!doc.ok())
    return Error(ctx, rpc::ToGrpc(doc.status()).error_code(), std::string(doc.status().message()));
  auto pdf = renders_.Run([&] { return pdf::Render(*doc); });
  if (!pdf.ok()) return RenderError(ctx, pdf.status());
  return Download(std::move(*pdf), "application/pdf", filename + ".pdf", kind + ".pdf");
}

HttpResponse Gateway::Export(const HttpRequest& req, Context& ctx) {
  std::string token;
  auto caller = Caller(req, &token);
  if (!caller.ok()) {
    return Error(ctx, grpc::StatusCode::UNAUTHENTICATED, std::string(caller.status().message()));
  }
  ctx.caller = caller->subject;
  const org::Tenant* tenant = org_->FindTenant(caller->tenant);
  const std::string office = tenant ? tenant->name : caller->tenant;
  const std::string today =
      documents::ChineseDate(google::protobuf::util::TimeUtil::GetCurrentTime());
  std::vector<xlsx::Sheet> sheets;
  std::string filename;
  grpc::Status s;
  const std::string name = req.path.substr(9);
  if (name == "ledger.xlsx") {
    std::vector<zhongshu::supervision::v1::Item> items;
    std::vector<zhongshu::supervision::v1::Task> tasks;
    std::string page;
    do {  // every page: the ledger is the whole of what the caller may see
      zhongshu::supervision::v1::ListItemsRequest r;
      r.set_page_size(500);
      r.set_page_token(page);
      zhongshu::supervision::v1::ListItemsResponse out;
      s = Ask("zhongshu.supervision.v1.SupervisionService/ListItems", r, token, &out);
      items.insert(items.end(), out.items().begin(), out.items().end());
      page = out.next_page_token();
    } while (s.ok() && !page.empty());
    while (s.ok()) {
      zhongshu::supervision::v1::ListTasksRequest r;
      r.set_page_size(500);
      r.set_page_token(page);
      zhongshu::supervision::v1::ListTasksResponse out;
      s = Ask("zhongshu.supervision.v1.SupervisionService/ListTasks", r, token, &out);
      tasks.insert(tasks.end(), out.tasks().begin(), out.tasks().end());
      page = out.next_page_token();
      if (page.empty()) break;
    }
    sheets.push_back(documents::LedgerSheet(
        items, tasks,
        [this](const std::string& id) {
          const org::Unit* u = org_->FindUnit(id);
          return u ? u->name : id;
        },
        office + "督查台账（" + today + "）"));
    filename = office + "督查台账";
  } else if (name == "rankings.xlsx") {
    zhongshu::reporting::v1::ListRankingsRequest r;
    r.set_period(QueryParam(req, "period"));
    zhongshu::reporting::v1::ListRankingsResponse out;
    s = Ask("zhongshu.reporting.v1.ReportingService/ListRankings", r, token, &out);
    sheets.push_back(
        documents::RankingSheet(out, office + "信息工作考核排名（" + out.period() + "）"));
    filename = office + "信息工作排名" + out.period();
  } else if (name == "proposal-statistics.xlsx") {
    zhongshu::proposals::v1::GetStatisticsRequest r;
    r.set_session(QueryParam(req, "session"));
    zhongshu::proposals::v1::Statistics out;
    s = Ask("zhongshu.proposals.v1.ProposalsService/GetStatistics", r, token, &out);
    sheets = documents::StatisticsSheets(
        out, office + "建议提案办理统计（截至" + out.as_of_date() + "）");
    filename = office + "建议提案办理统计";
  } else {
    return Error(ctx, grpc::StatusCode::NOT_FOUND,
                 "exports are /exports/{ledger|rankings|proposal-statistics}.xlsx");
  }
  if (!s.ok()) return Error(ctx, s.error_code(), s.error_message());
  auto bytes = renders_.Run([&] { return xlsx::Write(sheets); });
  if (!bytes.ok()) return RenderError(ctx, bytes.status());
  return Download(std::move(*bytes),
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  filename + ".xlsx", name);
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
  // Only what the public may choose passes on: the office, the session and the page. The office
  // is named in the request as well as in a minted token, because a token issued under RS256
  // (public.token_file) is one for the whole deployment.
  const json body{{"page_size", 50},
                  {"page_token", QueryParam(req, "page_token")},
                  {"session", QueryParam(req, "session")},
                  {"tenant", tenant}};
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

#pragma once

// The gateway: the console's files and the four services' APIs as JSON over HTTP.
//
//   POST /api/<package.Service>/<Method>   a unary gRPC method, JSON in and out (see bridge.h);
//                                          the caller's bearer token is checked here and passed
//                                          on, with the trace id (W3C traceparent)
//   GET  /auth/me                          the signed-in person, their office and the part of the
//                                          org tree they may see (names for codes)
//   GET  /auth/dev-users, POST /auth/dev-sign-in
//                                          the development sign-in (a demo user is picked and a
//                                          token minted); only when console.dev_sign_in is on
//   GET  /api/public/tenants, /api/public/replies?tenant=&session=&page_token=
//                                          what anyone may read without signing in: the offices and
//                                          the proposal replies marked public (read from proposals
//                                          with the gateway's own credentials for that tenant)
//   GET  /documents/notice/<id>.pdf, /documents/bulletin/<id>.pdf,
//        /documents/reply/<proposal id>.pdf?unit=
//                                          a 督查通报, a 期刊 issue, a proposal reply as an
//                                          official document (PDF), read with the caller's token
//   GET  /exports/ledger.xlsx, /exports/rankings.xlsx?period=, /exports/proposal-statistics.xlsx
//                                          督查台账, rankings, proposal statistics as .xlsx
//   GET  /healthz, /readyz                 liveness; readiness with each upstream's health
//   GET  anything else                     the console's files; unknown paths get index.html so
//                                          the single-page app's own routes load

#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "app/process.h"
#include "app/upstream.h"
#include "bridge.h"
#include "http.h"
#include "org/org.h"
#include "render_pool.h"
#include "telemetry/metrics.h"

namespace zs::gateway {

struct GatewayUpstream {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::chrono::milliseconds timeout{10000};
};

struct GatewayOptions {
  std::string console_dir;  // the built console (index.html and assets); empty: API only
  bool dev_sign_in = false;
  std::chrono::seconds dev_token_ttl{8 * 3600};
  bool log_requests = true;
  std::map<std::string, GatewayUpstream> upstreams;  // by service name
  // The gateway's own credentials for the public pages (null: they are off).
  std::shared_ptr<app::ServiceCredentials> public_credentials;
  // Documents and workbooks render on this many threads of their own; at most render_queue more
  // wait, and a request beyond that is refused (503) rather than held.
  size_t render_workers = 2;
  size_t render_queue = 16;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, const org::OrgTree* org, app::AuthSettings auth,
          ApiCatalog catalog, std::shared_ptr<telemetry::Metrics> metrics);

  HttpResponse Handle(const HttpRequest& req);
  // The answer to a request refused before it was read (too large, unreadable).
  HttpResponse Refuse(const HttpRequest& req, int status, const std::string& message);
  // Readiness: false from the start of a shutdown on.
  void SetServing(bool serving) { serving_ = serving; }

 private:
  struct Context;
  HttpResponse Api(const HttpRequest& req, Context& ctx, std::string_view rest);
  HttpResponse Me(const HttpRequest& req, Context& ctx);
  HttpResponse DevUsers(Context& ctx);
  HttpResponse DevSignIn(const HttpRequest& req, Context& ctx);
  HttpResponse Ready(Context& ctx);
  HttpResponse PublicTenants();
  HttpResponse Document(const HttpRequest& req, Context& ctx);
  HttpResponse Export(const HttpRequest& req, Context& ctx);
  // Calls `method` ("<package.Service>/<Method>") upstream with `request` as `token`; `response`
  // holds the answer's wire bytes.
  grpc::Status Call(const ApiMethod& m, const std::string& request, const std::string& token,
                    std::string* response);
  // The same with messages: an error status names the service when it is down.
  grpc::Status Ask(const std::string& method, const google::protobuf::Message& request,
                   const std::string& token, google::protobuf::Message* response);
  HttpResponse PublicReplies(const HttpRequest& req, Context& ctx);
  // Calls `m` upstream with `request` (wire bytes) as `token`; the answer as JSON, or an error
  // response naming the service when it failed.
  HttpResponse Forward(const ApiMethod& m, const std::string& request, const std::string& token,
                       Context& ctx);
  HttpResponse Static(const HttpRequest& req, Context& ctx);
  HttpResponse Error(Context& ctx, grpc::StatusCode code, const std::string& message,
                     int http_status = 0);
  // A document or workbook that could not be rendered: 503 with Retry-After when the pool is
  // full, 500 otherwise.
  HttpResponse RenderError(Context& ctx, const absl::Status& s);
  // The caller of a request with a bearer token; UNAUTHENTICATED when missing or not valid.
  absl::StatusOr<auth::Principal> Caller(const HttpRequest& req, std::string* token) const;

  GatewayOptions options_;
  const org::OrgTree* org_;
  app::AuthSettings auth_;
  ApiCatalog catalog_;
  std::shared_ptr<telemetry::Metrics> metrics_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<bool> serving_{true};
  RenderPool renders_;
};

}  // namespace zs::gateway

#pragma once

// A small HTTP/1.1 server for the gateway on civetweb (Debian's libcivetweb, the same web server
// the metrics endpoint uses): a pool of threads, each request read whole (up to a size limit) and
// handed to one handler that returns the whole response.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

struct mg_context;
struct mg_connection;

namespace zs::gateway {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // decoded and cleaned, e.g. "/api/x/Y"
  std::string query;                           // raw query string without '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote;  // the peer's address
  // The header `name` (lower case), or "".
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The URL-decoded value of `name` in the request's query string, or "".
std::string QueryParam(const HttpRequest& req, const std::string& name);

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the response is this file's content (its type from its name); `body` is ignored.
  std::string file;
};

struct HttpOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  // Requests served at once. civetweb gives each open connection a worker for as long as it is
  // kept alive, so this bounds the connections as well: browsers keep several open each.
  int threads = 64;
  size_t max_body_bytes = 1 << 20;  // a larger body is answered 413 without being read
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds keep_alive_timeout{5000};  // an idle connection is closed after this
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Called when a request is refused before the handler sees it (body too large or unreadable):
  // the response to send.
  using Refusal = std::function<HttpResponse(const HttpRequest&, int status, std::string message)>;

  HttpServer() = default;
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; an error names the address when it cannot bind.
  absl::Status Start(const HttpOptions& options, Handler handler, Refusal refusal);
  // Stops accepting, waits for running requests, and returns.
  void Stop();
  int port() const { return port_; }

 private:
  static int OnRequest(mg_connection* conn, void* self);
  HttpOptions options_;
  Handler handler_;
  Refusal refusal_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace zs::gateway

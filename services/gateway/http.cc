#include "http.h"

#include <civetweb.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace zs::gateway {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* Reason(int status) {
  const char* r = mg_get_response_code_text(nullptr, status);
  return r ? r : "";
}

void Send(mg_connection* conn, const HttpResponse& r) {
  if (!r.file.empty()) {
    std::string extra;
    for (const auto& [k, v] : r.headers) extra += k + ": " + v + "\r\n";
    if (!extra.empty()) extra.resize(extra.size() - 2);  // civetweb adds the last line break
    mg_send_mime_file2(conn, r.file.c_str(), nullptr, extra.empty() ? nullptr : extra.c_str());
    return;
  }
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  head += "Content-Type: " + r.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  // One write for head and body: two small writes would leave the body waiting for the client's
  // delayed acknowledgement of the head (about 40 ms a call, measured in bench/README.md).
  head += r.body;
  mg_write(conn, head.data(), head.size());
}

}  // namespace

std::string QueryParam(const HttpRequest& req, const std::string& name) {
  std::string value(req.query.size() + 1, '\0');
  const int n =
      mg_get_var(req.query.data(), req.query.size(), name.c_str(), value.data(), value.size());
  if (n < 0) return "";
  value.resize(static_cast<size_t>(n));
  return value;
}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start(const HttpOptions& options, Handler handler, Refusal refusal) {
  options_ = options;
  handler_ = std::move(handler);
  refusal_ = std::move(refusal);
  mg_init_library(0);
  const std::string threads = std::to_string(std::max(1, options.threads));
  const std::string timeout = std::to_string(options.request_timeout.count());
  const std::string keep_alive = std::to_string(options.keep_alive_timeout.count());
  const char* opts[] = {"listening_ports", options.listen.c_str(), "num_threads", threads.c_str(),
                        "request_timeout_ms", timeout.c_str(), "enable_keep_alive", "yes",
                        // A worker stays with a kept-alive connection until it closes: a short
                        // idle limit frees it for the next browser.
                        "keep_alive_timeout_ms", keep_alive.c_str(), "tcp_nodelay", "1", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  // civetweb prints its own errors on stderr unless told otherwise; they are ours to report.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  char error[256] = {0};
  mg_init_data init;
  std::memset(&init, 0, sizeof init);
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = opts;
  mg_error_data err;
  std::memset(&err, 0, sizeof err);
  unsigned code = 0;
  err.code = &code;
  err.text = error;
  err.text_buffer_size = sizeof error;
  ctx_ = mg_start2(&init, &err);
  if (ctx_ == nullptr) {
    return absl::UnavailableError("http.listen: cannot serve on '" + options.listen +
                                  "': " + (error[0] ? std::string(error) : "unknown error"));
  }
  mg_set_request_handler(ctx_, "/", &HttpServer::OnRequest, this);
  mg_server_port ports[4];
  std::memset(ports, 0, sizeof ports);
  if (mg_get_server_ports(ctx_, 4, ports) > 0) port_ = ports[0].port;
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (ctx_ != nullptr) {
    mg_stop(ctx_);
    ctx_ = nullptr;
  }
}

int HttpServer::OnRequest(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  const mg_request_info* ri = mg_get_request_info(conn);
  HttpRequest req;
  req.method = ri->request_method ? ri->request_method : "";
  req.path = ri->local_uri ? ri->local_uri : "";
  req.query = ri->query_string ? ri->query_string : "";
  req.remote = ri->remote_addr;
  for (int i = 0; i < ri->num_headers; ++i) {
    req.headers[Lower(ri->http_headers[i].name)] = ri->http_headers[i].value;
  }
  const size_t limit = self->options_.max_body_bytes;
  if (ri->content_length > 0 && static_cast<unsigned long long>(ri->content_length) > limit) {
    HttpResponse r =
        self->refusal_(req, 413,
                       "the request body has " + std::to_string(ri->content_length) +
                           " bytes; at most " + std::to_string(limit) + " are accepted");
    r.headers.emplace_back("Connection", "close");
    Send(conn, r);
    return r.status;
  }
  // The body (also when chunked), never more than the limit.
  char buf[16384];
  for (;;) {
    const int n = mg_read(conn, buf, sizeof buf);
    if (n < 0) {
      HttpResponse r = self->refusal_(req, 400, "the request body could not be read");
      Send(conn, r);
      return r.status;
    }
    if (n == 0) break;
    req.body.append(buf, static_cast<size_t>(n));
    if (req.body.size() > limit) {
      HttpResponse r = self->refusal_(
          req, 413, "the request body is over the limit of " + std::to_string(limit) + " bytes");
      r.headers.emplace_back("Connection", "close");
      Send(conn, r);
      return r.status;
    }
  }
  HttpResponse r = self->handler_(req);
  if (req.method == "HEAD") r.body.clear();
  Send(conn, r);
  return r.status;
}

}  // namespace zs::gateway

#pragma once

// A plain HTTP/1.1 client for black-box tests of the gateway: one request per connection, the
// whole answer read.

#include <map>
#include <string>

#include "nlohmann/json.hpp"

namespace zs::testing {

struct HttpAnswer {
  int status = 0;                              // 0 when no answer came
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The body as JSON (null when it is not JSON).
  nlohmann::json Json() const;
};

// Sends `method path` to 127.0.0.1:`port` with `headers` and `body` (Content-Length added).
HttpAnswer HttpRequest(int port, const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});

// POST /api/<method> with a JSON body, signed in with `token` when not empty.
HttpAnswer ApiCall(int port, const std::string& method, const nlohmann::json& body,
                   const std::string& token);

}  // namespace zs::testing

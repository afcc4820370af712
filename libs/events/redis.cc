#include "events/redis.h"

#include <hiredis/hiredis.h>

namespace zs::events {
namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv;
  tv.tv_sec = d.count() / 1000;
  tv.tv_usec = (d.count() % 1000) * 1000;
  return tv;
}

}  // namespace

RedisConnection::~RedisConnection() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& host, int port, std::chrono::milliseconds timeout,
    std::chrono::milliseconds command_timeout, const std::string& user,
    const std::string& password) {
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, ToTimeval(timeout));
  if (c == nullptr) return absl::UnavailableError("redis: cannot allocate a connection");
  if (c->err != 0) {
    std::string msg = "redis " + host + ":" + std::to_string(port) + ": " + c->errstr;
    redisFree(c);
    return absl::UnavailableError(msg);
  }
  redisSetTimeout(c, ToTimeval(command_timeout));
  auto conn = std::unique_ptr<RedisConnection>(new RedisConnection(c));
  if (!password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!user.empty()) auth.push_back(user);
    auth.push_back(password);
    auto r = conn->Command(auth);
    if (!r.ok()) return r.status();
    if (r->IsError()) {
      // The password itself never goes into the message.
      return absl::UnavailableError("redis " + host + ":" + std::to_string(port) + ": AUTH" +
                                    (user.empty() ? "" : " as " + user) + " refused: " + r->str);
    }
  }
  return conn;
}

absl::StatusOr<Reply> RedisConnection::Command(const std::vector<std::string>& argv) {
  auto replies = Pipeline({argv});
  if (!replies.ok()) return replies.status();
  return std::move((*replies)[0]);
}

absl::StatusOr<std::vector<Reply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  for (const auto& argv : cmds) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data()) !=
        REDIS_OK) {
      broken_ = true;
      return absl::UnavailableError(std::string("redis: ") + ctx_->errstr);
    }
  }
  std::vector<Reply> out;
  out.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      broken_ = true;
      return absl::UnavailableError(std::string("redis: ") + ctx_->errstr);
    }
    out.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return out;
}

absl::Status ParseAddress(const std::string& address, std::string* host, int* port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError("expected host:port, got '" + address + "'");
  }
  *host = address.substr(0, colon);
  try {
    *port = std::stoi(address.substr(colon + 1));
  } catch (...) {
    return absl::InvalidArgumentError("expected host:port, got '" + address + "'");
  }
  if (*port <= 0 || *port > 65535)
    return absl::InvalidArgumentError("port out of range: " + address);
  return absl::OkStatus();
}

int64_t StreamIdMs(const std::string& id) {
  const auto dash = id.find('-');
  try {
    return std::stoll(id.substr(0, dash));
  } catch (...) {
    return -1;
  }
}

}  // namespace zs::events

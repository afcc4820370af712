#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct redisContext;

namespace zs::events {

// A Redis reply copied out of hiredis, so no hiredis memory outlives the call.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // string, status or error text
  std::vector<Reply> elements;

  bool IsError() const { return type == Type::kError; }
  bool IsNil() const { return type == Type::kNil; }
};

// One synchronous connection to Redis. Not thread-safe: each thread owns its own.
// A transport failure marks the connection broken; the owner then reconnects.
class RedisConnection {
 public:
  ~RedisConnection();
  // Connects to host:port within `timeout`; commands time out after `command_timeout`. With a
  // `password`, authenticates first (AUTH, as the ACL `user` when one is given).
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const std::string& host, int port, std::chrono::milliseconds timeout,
      std::chrono::milliseconds command_timeout, const std::string& user = "",
      const std::string& password = "");

  // Runs one command. A Redis error reply is returned as a Reply of type kError;
  // UNAVAILABLE means the connection failed and is now broken.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);
  // Sends all commands, then reads all replies (one round trip).
  absl::StatusOr<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& cmds);

  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* c) : ctx_(c) {}
  redisContext* ctx_;
  bool broken_ = false;
};

// Parses "host:port".
absl::Status ParseAddress(const std::string& address, std::string* host, int* port);

// The millisecond part of a stream entry id "<ms>-<seq>"; -1 when malformed.
int64_t StreamIdMs(const std::string& id);

}  // namespace zs::events

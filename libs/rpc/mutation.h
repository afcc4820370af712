#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "store/database.h"

namespace zs::rpc {

// Schema for the idempotency keys table; apply with store::Migrate(db, "idempotency", ...).
std::vector<store::Migration> IdempotencyMigrations();

// How long a request_id is remembered, and on which clock (the service's injected clock, so
// tests can move it). A retry inside the window returns the first response; a request_id older
// than the window counts as new. The runtime builds one from the configuration and hands it to
// every mutation through app::Handlers.
struct IdempotencyOptions {
  const Clock* clock = SystemClock::Get();
  std::chrono::milliseconds retention{7LL * 24 * 3600 * 1000};
};

// Deletes the idempotency rows older than the retention (on the options' clock), `batch` rows
// per transaction so writers are never held long. Returns how many rows went.
absl::StatusOr<int64_t> PruneIdempotencyKeys(store::Database& db, const IdempotencyOptions& options,
                                             int batch = 500);

// Checks the request_id of a mutating call: required, at most 128 printable ASCII characters.
absl::Status ValidateRequestId(const std::string& request_id);

// The fingerprint of a request: SHA-256 of its deterministic serialization with the field
// "request_id" cleared, so a retry matches and a different request with the same id does not.
std::string RequestFingerprint(const google::protobuf::Message& request);

// The idempotency scope of a call: request ids are remembered per caller and method.
inline std::string IdempotencyScope(const std::string& subject, const char* method) {
  return subject + " " + method;
}

// Runs the body of a mutating call in one group-committed transaction, with the idempotency rule:
// if (scope, request_id) was seen inside the retention window of `options` with the
// same fingerprint, the stored response is returned and
// nothing changes; with another fingerprint the call fails with INVALID_ARGUMENT naming
// request_id; otherwise `body` runs, fills `response`, and the response is stored with the state
// change in the same transaction. Validation and authentication happen before this call.
// `scope` separates keys of different callers and methods, e.g. "<subject> <method>".
// Returns the call's reactor, finished when the transaction is durable.
grpc::ServerUnaryReactor* RunMutation(grpc::CallbackServerContext* ctx, store::Database& db,
                                      const IdempotencyOptions& options, std::string scope,
                                      const std::string& request_id,
                                      const google::protobuf::Message& request,
                                      google::protobuf::Message* response,
                                      std::function<absl::Status(store::Tx&)> body);

// Finishes a call with `status` at once: a refusal before any work, or a finished read.
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const absl::Status& status);

}  // namespace zs::rpc

#include "rpc/mutation.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include <atomic>
#include <memory>

#include "core/time_util.h"
#include "rpc/status.h"

namespace zs::rpc {

namespace {

// Rows created before this instant are outside the retry window.
int64_t Cutoff(const IdempotencyOptions& o) {
  return ToMillis(o.clock->Now()) - o.retention.count();
}

}  // namespace

std::vector<store::Migration> IdempotencyMigrations() {
  return {{1, "idempotency keys",
           "CREATE TABLE idempotency_keys ("
           " scope TEXT NOT NULL, request_id TEXT NOT NULL, fingerprint BLOB NOT NULL,"
           " response BLOB NOT NULL, created_at INTEGER NOT NULL,"
           " PRIMARY KEY (scope, request_id))"},
          {2, "idempotency keys by age",
           "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)"}};
}

absl::StatusOr<int64_t> PruneIdempotencyKeys(store::Database& db, const IdempotencyOptions& options,
                                             int batch) {
  const int64_t cutoff = Cutoff(options);
  int64_t total = 0;
  for (;;) {
    int64_t n = 0;
    auto s = db.Write([&](store::Tx& tx) -> absl::Status {
      auto r = tx.Exec(
          "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys"
          " WHERE created_at < ? ORDER BY created_at LIMIT ?)",
          {cutoff, int64_t{batch}});
      if (!r.ok()) return r.status();
      n = *r;
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    total += n;
    if (n < batch) return total;
  }
}

absl::Status ValidateRequestId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("request_id: required on every change");
  if (id.size() > 128) return absl::InvalidArgumentError("request_id: longer than 128 characters");
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError("request_id: only printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  if (const auto* f = copy->GetDescriptor()->FindFieldByName("request_id")) {
    copy->GetReflection()->ClearField(copy.get(), f);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpc(status));
  return reactor;
}

grpc::ServerUnaryReactor* RunMutation(grpc::CallbackServerContext* ctx, store::Database& db,
                                      const IdempotencyOptions& options, std::string scope,
                                      const std::string& request_id,
                                      const google::protobuf::Message& request,
                                      google::protobuf::Message* response,
                                      std::function<absl::Status(store::Tx&)> body) {
  if (auto s = ValidateRequestId(request_id); !s.ok()) return Finish(ctx, s);
  auto* reactor = ctx->DefaultReactor();
  std::string fingerprint = RequestFingerprint(request);
  db.Submit(
      [options, scope = std::move(scope), request_id, fingerprint = std::move(fingerprint),
       response, body = std::move(body)](store::Tx& tx) -> absl::Status {
        auto seen = tx.Query(
            "SELECT fingerprint, response, created_at FROM idempotency_keys"
            " WHERE scope = ? AND request_id = ?",
            {scope, request_id});
        if (!seen.ok()) return seen.status();
        if (!seen->empty() && (*seen)[0].Int(2) < Cutoff(options)) {
          // Outside the retry window: a new request, whether or not pruning got to it yet.
          auto gone = tx.Exec("DELETE FROM idempotency_keys WHERE scope = ? AND request_id = ?",
                              {scope, request_id});
          if (!gone.ok()) return gone.status();
          seen->clear();
        }
        if (!seen->empty()) {
          if ((*seen)[0].Text(0) != fingerprint) {
            return absl::InvalidArgumentError(
                "request_id: already used for a different request; use a new request_id");
          }
          if (!response->ParseFromString((*seen)[0].Text(1))) {
            return absl::InternalError("stored response for request_id cannot be read");
          }
          return absl::OkStatus();
        }
        if (auto s = body(tx); !s.ok()) return s;
        return tx
            .Exec(
                "INSERT INTO idempotency_keys (scope, request_id, fingerprint, response, "
                "created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                {scope, request_id, store::Blob{fingerprint},
                 store::Blob{response->SerializeAsString()}, ToMillis(options.clock->Now())})
            .status();
      },
      [reactor](absl::Status s) { reactor->Finish(ToGrpc(s)); });
  return reactor;
}

}  // namespace zs::rpc

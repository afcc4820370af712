#pragma once

// The application layer between a service's gRPC adapter and its domain. Every handler is one of
// four shapes, each written once here:
//   Read   — the verified caller; the call's checks (validation naming the field, then
//            authorization) before any data is read; the body on a read snapshot.
//   List   — a Read with page_size and page_token checked first, and a keyset page to fill.
//   Write  — the checks, then the body in one idempotent, group-committed transaction keyed by the
//            request's request_id: state, audit row and outbox event commit together.
//   Change — a Write of one resource: load it as the caller may see it, apply the domain change,
//            save it (version-checked) with its audit row and event, answer with it.
// A call ends in exactly one of them, so no handler finishes a call by hand.

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "auth/principal.h"
#include "rpc/mutation.h"
#include "store/database.h"

namespace zs::app {

// Validation and authorization of a call, before any data is read: INVALID_ARGUMENT naming the
// field first, then PERMISSION_DENIED. Empty: nothing to check.
using Check = std::function<absl::Status(const auth::Principal& caller)>;
using Body = std::function<absl::Status(const auth::Principal& caller, store::Tx& tx)>;

// A list call's page: page_size (0 → 50, above the maximum → the maximum) and the keyset cursor
// decoded from page_token (0 for the first page).
struct Page {
  int32_t size = 0;
  int64_t cursor = 0;
};
using ListBody =
    std::function<absl::Status(const auth::Principal& caller, const Page& page, store::Tx& tx)>;

// What one change of a resource records: the audit action, the event type (empty: the resource's
// default or none) and a free-text detail for the audit row.
struct Audit {
  std::string action;
  std::string event_type;
  std::string detail;
};

// How the layer loads and saves one kind of resource (a report, a task); defined once per kind
// by the service.
template <typename T>
struct Resource {
  // Loads the resource for a change by `caller` inside the write transaction: NOT_FOUND when it
  // does not exist or is invisible to the caller.
  std::function<absl::StatusOr<T>(store::Tx&, const auth::Principal&, const std::string& id)> load;
  // Saves the changed resource and records the change (audit row, event) in the transaction.
  std::function<absl::Status(store::Tx&, const auth::Principal&, const T& before, const T& after,
                             const Audit&)>
      save;
  // Optional: the saved resource as the caller may see it in the response (e.g. words it may not
  // read withheld); applied after saving, so it never changes what is stored. Unset: as saved.
  std::function<void(const auth::Principal&, T&)> present;
};

// The domain change of a loaded resource; it checks the caller's permission and the transition.
template <typename T>
using Apply = std::function<absl::Status(const auth::Principal& caller, store::Tx& tx, T& value)>;

class Handlers {
 public:
  Handlers(store::Database& db, rpc::IdempotencyOptions idempotency)
      : db_(db), idempotency_(idempotency) {}

  store::Database& db() const { return db_; }
  const rpc::IdempotencyOptions& idempotency() const { return idempotency_; }

  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* ctx, const Check& check,
                                 const Body& body) const;

  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* ctx, int32_t page_size,
                                 const std::string& page_token, const Check& check,
                                 const ListBody& body) const;

  // `method` scopes the request_id per caller and method; the request's `request_id` field is
  // required (INVALID_ARGUMENT naming it) and makes retries return the first response.
  grpc::ServerUnaryReactor* Write(grpc::CallbackServerContext* ctx, const char* method,
                                  const google::protobuf::Message& request,
                                  google::protobuf::Message* response, const Check& check,
                                  Body body) const;

  template <typename T>
  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, T* response,
                                   const Resource<T>& resource, std::string id, const Check& check,
                                   Audit audit, Apply<T> apply) const {
    return Write(
        ctx, method, request, response, check,
        [&resource, id = std::move(id), response, audit = std::move(audit),
         apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto value = resource.load(tx, caller, id);
          if (!value.ok()) return value.status();
          const T before = *value;
          if (auto s = apply(caller, tx, *value); !s.ok()) return s;
          if (auto s = resource.save(tx, caller, before, *value, audit); !s.ok()) return s;
          if (resource.present) resource.present(caller, *value);
          *response = std::move(*value);
          return absl::OkStatus();
        });
  }

 private:
  store::Database& db_;
  rpc::IdempotencyOptions idempotency_;
};

// The request_id field of a mutating request ("" when it has none).
std::string RequestIdOf(const google::protobuf::Message& request);

}  // namespace zs::app

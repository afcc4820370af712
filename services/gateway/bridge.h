#pragma once

// The generic mapping between HTTP+JSON and the services' gRPC methods: every unary method of the
// exposed services is POST /api/<package.Service>/<Method> with the request message as JSON
// (proto3 JSON mapping) and the response message as JSON; a gRPC status becomes an HTTP status
// with {"code", "message", "trace_id"}. Pure: descriptors and messages, no network.

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/status.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace zs::gateway {

// One exposed method.
struct ApiMethod {
  std::string path;      // the gRPC path, "/zhongshu.reporting.v1.ReportingService/GetReport"
  std::string upstream;  // the service that answers it, "reporting"
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
};

class ApiCatalog {
 public:
  // Every unary method of every service in `files` (generated descriptors), answered by the
  // upstream named beside it.
  static absl::StatusOr<ApiCatalog> Create(
      const std::vector<std::pair<const google::protobuf::FileDescriptor*, std::string>>& files);
  // The method at "<package.Service>/<Method>" (the part of the URL after /api/), or null.
  const ApiMethod* Find(std::string_view service_and_method) const;
  // The full names of the exposed services.
  std::vector<std::string> Services() const;
  const std::map<std::string, ApiMethod, std::less<>>& methods() const { return methods_; }

 private:
  std::map<std::string, ApiMethod, std::less<>> methods_;  // by "<service>/<method>"
};

// The request message of `m` from a JSON body ("" is an empty message), serialised. Unknown
// fields and wrong types are INVALID_ARGUMENT with the parser's message naming the field.
absl::StatusOr<std::string> RequestFromJson(const ApiMethod& m, std::string_view json);
// The response message of `m` from its wire bytes, as JSON: field names as in the .proto, enums by
// name, fields at their default value included (so a client sees every field).
absl::StatusOr<std::string> ResponseToJson(const ApiMethod& m, std::string_view bytes);

// The HTTP status for a gRPC status code (the mapping of google.rpc.Code).
int HttpStatusFor(grpc::StatusCode code);
// The error body: {"code": ..., "message": ..., "trace_id": ...}.
std::string ErrorBody(grpc::StatusCode code, std::string_view message, std::string_view trace_id);

}  // namespace zs::gateway

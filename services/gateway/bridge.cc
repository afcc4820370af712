#include "bridge.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "nlohmann/json.hpp"
#include "rpc/status.h"

namespace zs::gateway {
namespace pb = google::protobuf;
namespace {

std::unique_ptr<pb::Message> NewMessage(const pb::Descriptor* d) {
  const pb::Message* proto = pb::MessageFactory::generated_factory()->GetPrototype(d);
  return proto ? std::unique_ptr<pb::Message>(proto->New()) : nullptr;
}

}  // namespace

absl::StatusOr<ApiCatalog> ApiCatalog::Create(
    const std::vector<std::pair<const pb::FileDescriptor*, std::string>>& files) {
  ApiCatalog c;
  for (const auto& [file, upstream] : files) {
    if (file == nullptr) return absl::InvalidArgumentError("a proto file is not linked in");
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int i = 0; i < service->method_count(); ++i) {
        const pb::MethodDescriptor* m = service->method(i);
        if (m->client_streaming() || m->server_streaming()) continue;
        const std::string key = service->full_name() + "/" + m->name();
        c.methods_[key] = ApiMethod{"/" + key, upstream, m};
      }
    }
  }
  return c;
}

const ApiMethod* ApiCatalog::Find(std::string_view service_and_method) const {
  auto it = methods_.find(service_and_method);
  return it == methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> ApiCatalog::Services() const {
  std::vector<std::string> out;
  for (const auto& [key, m] : methods_) {
    const std::string& s = m.descriptor->service()->full_name();
    if (out.empty() || out.back() != s) out.push_back(s);
  }
  return out;
}

absl::StatusOr<std::string> RequestFromJson(const ApiMethod& m, std::string_view json) {
  auto msg = NewMessage(m.descriptor->input_type());
  if (!msg)
    return absl::InternalError("no message type " + m.descriptor->input_type()->full_name());
  const bool empty = json.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!empty) {
    pb::util::JsonParseOptions opts;
    opts.ignore_unknown_fields = false;
    auto s = pb::util::JsonStringToMessage(std::string(json), msg.get(), opts);
    if (!s.ok()) {
      return absl::InvalidArgumentError("request body is not a valid " +
                                        m.descriptor->input_type()->name() +
                                        " in JSON: " + std::string(s.message()));
    }
  }
  std::string out;
  if (!msg->SerializeToString(&out)) return absl::InternalError("cannot serialise the request");
  return out;
}

absl::StatusOr<std::string> ResponseToJson(const ApiMethod& m, std::string_view bytes) {
  auto msg = NewMessage(m.descriptor->output_type());
  if (!msg)
    return absl::InternalError("no message type " + m.descriptor->output_type()->full_name());
  if (!msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("the service's answer is not a " +
                               m.descriptor->output_type()->full_name());
  }
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  std::string out;
  auto s = pb::util::MessageToJsonString(*msg, &out, opts);
  if (!s.ok()) return absl::InternalError(std::string(s.message()));
  return out;
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

std::string ErrorBody(grpc::StatusCode code, std::string_view message, std::string_view trace_id) {
  nlohmann::json j{{"code", rpc::CodeName(code)},
                   {"message", std::string(message)},
                   {"trace_id", std::string(trace_id)}};
  // A service's message is UTF-8; anything else is replaced rather than failing the answer.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zs::gateway

#include "app/handler.h"

#include "auth/interceptor.h"
#include "core/trace.h"
#include "rpc/observe.h"
#include "store/page_token.h"

namespace zs::app {

std::string RequestIdOf(const google::protobuf::Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

grpc::ServerUnaryReactor* Handlers::Read(grpc::CallbackServerContext* ctx, const Check& check,
                                         const Body& body) const {
  trace::ScopedTrace in_trace(rpc::TraceOf(ctx));
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return rpc::Finish(ctx, caller.status());
  if (check) {
    if (auto s = check(*caller); !s.ok()) return rpc::Finish(ctx, s);
  }
  return rpc::Finish(ctx, db_.Read([&](store::Tx& tx) { return body(*caller, tx); }));
}

grpc::ServerUnaryReactor* Handlers::List(grpc::CallbackServerContext* ctx, int32_t page_size,
                                         const std::string& page_token, const Check& check,
                                         const ListBody& body) const {
  trace::ScopedTrace in_trace(rpc::TraceOf(ctx));
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return rpc::Finish(ctx, caller.status());
  Page page;
  if (auto s = store::ValidatePageSize(page_size, &page.size); !s.ok()) {
    return rpc::Finish(ctx, s);
  }
  auto cursor = store::DecodePageToken(page_token);
  if (!cursor.ok()) return rpc::Finish(ctx, cursor.status());
  page.cursor = *cursor;
  if (check) {
    if (auto s = check(*caller); !s.ok()) return rpc::Finish(ctx, s);
  }
  return rpc::Finish(ctx, db_.Read([&](store::Tx& tx) { return body(*caller, page, tx); }));
}

grpc::ServerUnaryReactor* Handlers::Write(grpc::CallbackServerContext* ctx, const char* method,
                                          const google::protobuf::Message& request,
                                          google::protobuf::Message* response, const Check& check,
                                          Body body) const {
  // The call's trace, on this thread and on the writer's while the body runs: the events the
  // body records continue it.
  std::string trace_id = rpc::TraceOf(ctx);
  trace::ScopedTrace in_trace(trace_id);
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return rpc::Finish(ctx, caller.status());
  // The request's fields and the caller's permission first, then its request_id.
  if (check) {
    if (auto s = check(*caller); !s.ok()) return rpc::Finish(ctx, s);
  }
  const std::string request_id = RequestIdOf(request);
  if (auto s = rpc::ValidateRequestId(request_id); !s.ok()) return rpc::Finish(ctx, s);
  return rpc::RunMutation(ctx, db_, idempotency_, rpc::IdempotencyScope(caller->subject, method),
                          request_id, request, response,
                          [caller = std::move(*caller), body = std::move(body),
                           trace_id = std::move(trace_id)](store::Tx& tx) {
                            trace::ScopedTrace on_writer(trace_id);
                            return body(caller, tx);
                          });
}

}  // namespace zs::app

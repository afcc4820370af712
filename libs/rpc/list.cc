#include "rpc/list.h"

#include "auth/interceptor.h"
#include "store/page_token.h"

namespace zs::rpc {

absl::StatusOr<ListStart> StartList(const grpc::ServerContextBase* ctx, int32_t page_size,
                                    const std::string& page_token) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return caller.status();
  ListStart start;
  start.caller = std::move(*caller);
  if (auto s = store::ValidatePageSize(page_size, &start.page_size); !s.ok()) return s;
  auto cursor = store::DecodePageToken(page_token);
  if (!cursor.ok()) return cursor.status();
  start.cursor = *cursor;
  return start;
}

}  // namespace zs::rpc

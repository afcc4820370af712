#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "auth/principal.h"

namespace zs::rpc {

// What every List call starts from: its verified caller and its page.
struct ListStart {
  auth::Principal caller;
  int32_t page_size = 0;  // 50 when the request said 0
  int64_t cursor = 0;     // 0 for the first page
};

// Authenticates the call and checks page_size (0..500) and page_token: UNAUTHENTICATED, or
// INVALID_ARGUMENT naming the field.
absl::StatusOr<ListStart> StartList(const grpc::ServerContextBase* ctx, int32_t page_size,
                                    const std::string& page_token);

}  // namespace zs::rpc

#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace zs::store {

// List page tokens: an opaque, versioned, base64 keyset cursor (the last row's sequence number).
std::string EncodePageToken(int64_t cursor);
// 0 for an empty token; INVALID_ARGUMENT naming page_token when it was not made by EncodePageToken.
absl::StatusOr<int64_t> DecodePageToken(const std::string& token);

}  // namespace zs::store

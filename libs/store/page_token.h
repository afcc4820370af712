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

namespace zs::store {

inline constexpr int32_t kMaxPageSize = 500;
// Checks a List request's page_size: 0 means 50, above kMaxPageSize means kMaxPageSize;
// INVALID_ARGUMENT naming page_size when negative.
absl::Status ValidatePageSize(int32_t page_size, int32_t* effective);

// Moves up to `page_size` of `rows` (fetched as page_size + 1, newest first) into the response
// through `add`, and sets the next page token when a further row exists.
template <typename T, typename Add>
void FillPage(std::vector<std::pair<int64_t, T>>& rows, int32_t page_size, Add add,
              std::string* next_page_token) {
  for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
    add(std::move(rows[i].second));
  }
  if (static_cast<int>(rows.size()) > page_size) {
    *next_page_token = EncodePageToken(rows[page_size - 1].first);
  }
}

}  // namespace zs::store

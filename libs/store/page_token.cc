#include "store/page_token.h"

#include <algorithm>
#include <stdexcept>

#include "absl/strings/escaping.h"

namespace zs::store {

std::string EncodePageToken(int64_t cursor) {
  return absl::WebSafeBase64Escape("v1:" + std::to_string(cursor));
}

absl::StatusOr<int64_t> DecodePageToken(const std::string& token) {
  if (token.empty()) return 0;
  const auto bad = absl::InvalidArgumentError("page_token: not a token this service issued");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("v1:", 0) != 0) return bad;
  try {
    size_t used = 0;
    const int64_t v = std::stoll(raw.substr(3), &used);
    if (used != raw.size() - 3 || v <= 0) return bad;
    return v;
  } catch (const std::exception&) {
    return bad;
  }
}

}  // namespace zs::store

namespace zs::store {

absl::Status ValidatePageSize(int32_t page_size, int32_t* effective) {
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  // Above the maximum is not an error: the page is as large as it may be (AIP-158).
  *effective = page_size == 0 ? 50 : std::min(page_size, kMaxPageSize);
  return absl::OkStatus();
}

}  // namespace zs::store

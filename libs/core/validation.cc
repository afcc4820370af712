#include "core/validation.h"

#include <algorithm>

namespace zs {

size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

absl::Status InvalidField(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(field + ": " + why);
}

absl::Status ValidateId(const std::string& id, const std::string& field) {
  if (id.empty()) return InvalidField(field, "required");
  if (id.size() > 64) return InvalidField(field, "longer than 64 characters");
  return absl::OkStatus();
}

absl::Status ValidateText(const std::string& s, const std::string& field, size_t max_chars,
                          bool required) {
  if (required && Blank(s)) return InvalidField(field, "required");
  if (Utf8Length(s) > max_chars) {
    return InvalidField(field, "longer than " + std::to_string(max_chars) + " characters");
  }
  return absl::OkStatus();
}

}  // namespace zs

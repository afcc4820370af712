#include "core/validation.h"

#include <algorithm>

namespace zs {

size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

namespace {

// Decodes the code point starting at s[i] and advances i; malformed bytes decode as U+FFFD, one
// byte at a time, so they are never taken for a space.
char32_t NextCodePoint(const std::string& s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xfffd;
  }
  char32_t cp = len == 1 ? c : c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  i += len;
  return cp;
}

// What shows as nothing: Unicode white space (the ideographic space U+3000 that Chinese input
// methods type, NBSP, the typographic spaces), the zero-width and format characters that render
// empty (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, Mongolian vowel separator, bidi marks)
// and control characters.
bool Invisible(char32_t c) {
  if (c <= 0x20 || (c >= 0x7f && c <= 0xa0)) return true;
  switch (c) {
    case 0xad:
    case 0x034f:
    case 0x061c:
    case 0x115f:
    case 0x1160:
    case 0x17b4:
    case 0x17b5:
    case 0x1680:
    case 0x180e:
    case 0x202f:
    case 0x205f:
    case 0x2800:
    case 0x3000:
    case 0x3164:
    case 0xfeff:
    case 0xffa0:
      return true;
    default:
      break;
  }
  return (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
         (c >= 0x2060 && c <= 0x206f) || (c >= 0xfe00 && c <= 0xfe0f) ||
         (c >= 0x180b && c <= 0x180d) || (c >= 0xfff9 && c <= 0xfffb) ||
         (c >= 0xe0000 && c <= 0xe007f);  // tag characters
}

}  // namespace

bool Blank(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    if (!Invisible(NextCodePoint(s, i))) return false;
  }
  return true;
}

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

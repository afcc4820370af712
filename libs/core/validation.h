#pragma once

// Small input checks every service's domain core uses. Errors are INVALID_ARGUMENT and start with
// the field's name, e.g. "report.title: must not be empty".

#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace zs {

// Number of Unicode code points in UTF-8 text.
size_t Utf8Length(const std::string& s);
// True for text that shows nothing: empty, or only white space of any script (U+3000 ideographic
// space, NBSP, ...), zero-width and other invisible format characters, and control characters.
bool Blank(const std::string& s);
// INVALID_ARGUMENT "<field>: <why>".
absl::Status InvalidField(const std::string& field, const std::string& why);
// A resource id: required, at most 64 bytes.
absl::Status ValidateId(const std::string& id, const std::string& field);
// Text of at most `max_chars` characters; `required` also refuses blank text.
absl::Status ValidateText(const std::string& s, const std::string& field, size_t max_chars,
                          bool required);

}  // namespace zs

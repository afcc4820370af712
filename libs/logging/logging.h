#pragma once

#include <string>

#include "absl/status/status.h"

namespace zs::logging {

enum class Format { kHuman, kJson };

// Sets up the default spdlog logger for a service writing to stderr: a human-readable line by
// default, or one JSON object per line ({"ts","level","service","msg"}) for log collectors.
// `level` is one of trace, debug, info, warn, error. Call once, before other threads start.
absl::Status Init(const std::string& service, Format format, const std::string& level);

// Parses "human" or "json".
absl::Status ParseFormat(const std::string& text, Format* out);

}  // namespace zs::logging

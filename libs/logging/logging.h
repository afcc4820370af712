#pragma once

#include <spdlog/common.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace zs::logging {

enum class Format { kHuman, kJson };

// Sets up the default spdlog logger for a service writing to stderr: a human-readable line by
// default, or one JSON object per line ({"ts","level","service","msg"}) for log collectors.
// Every line written while the thread has an ambient trace (core/trace.h) carries it: "trace_id"
// in JSON, " trace=<id>" at the end of a human line.
// `level` is one of trace, debug, info, warn, error. Call once, before other threads start.
absl::Status Init(const std::string& service, Format format, const std::string& level);

// Parses "human" or "json".
absl::Status ParseFormat(const std::string& text, Format* out);

// A structured record: `msg` with named fields. In JSON each field is a key of the line's object
// (after "msg"); in the human format the fields follow the message as key=value.
using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;
void Log(spdlog::level::level_enum level, std::string_view msg, Fields fields);
inline void Info(std::string_view msg, Fields fields) { Log(spdlog::level::info, msg, fields); }

}  // namespace zs::logging

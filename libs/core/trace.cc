#include "core/trace.h"

#include "core/ids.h"

namespace zs::trace {
namespace {

thread_local std::string current;

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

std::string NewTraceId() {
  for (;;) {
    std::string id = RandomHex(16);
    if (!AllZero(id)) return id;
  }
}

bool IsTraceId(std::string_view id) { return id.size() == 32 && IsLowerHex(id) && !AllZero(id); }

std::optional<std::string> FromTraceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may append fields after flags.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const std::string_view version = h.substr(0, 2), id = h.substr(3, 32), parent = h.substr(36, 16),
                         flags = h.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (version != "00" && h.size() > 55 && h[55] != '-') return std::nullopt;
  if (!IsTraceId(id) || !IsLowerHex(parent) || AllZero(parent) || !IsLowerHex(flags)) {
    return std::nullopt;
  }
  return std::string(id);
}

std::string Traceparent(std::string_view trace_id) {
  std::string span = RandomHex(8);
  if (AllZero(span)) span[15] = '1';
  return "00-" + std::string(trace_id) + "-" + span + "-01";
}

const std::string& CurrentTrace() { return current; }

ScopedTrace::ScopedTrace(std::string trace_id) {
  if (trace_id.empty()) return;
  previous_ = std::move(current);
  current = std::move(trace_id);
  set_ = true;
}

ScopedTrace::~ScopedTrace() {
  if (set_) current = std::move(previous_);
}

}  // namespace zs::trace

#pragma once

// Trace ids: one id follows a piece of work from the call that started it, through the events it
// caused, into every service that reacted (W3C Trace Context ids, 32 lowercase hex).
//
// The id of the work a thread is doing is ambient: ScopedTrace sets it for a scope (a call's
// transaction, an event's handling), and what runs inside — the outbox recorder, calls to other
// services, log lines — reads it with CurrentTrace(). Pure: no gRPC, Redis or SQL.

#include <optional>
#include <string>
#include <string_view>

namespace zs::trace {

// A new random trace id: 32 lowercase hex digits, never all zero.
std::string NewTraceId();

// Whether `id` is a valid trace id (32 lowercase hex, not all zero).
bool IsTraceId(std::string_view id);

// The trace id of a W3C `traceparent` header ("00-<32 hex>-<16 hex>-<2 hex>"), or nothing when the
// header is malformed (the caller then starts a new trace).
std::optional<std::string> FromTraceparent(std::string_view header);

// A `traceparent` header continuing `trace_id` with a new span id (sampled flag set).
std::string Traceparent(std::string_view trace_id);

// The ambient trace id of this thread ("" when none).
const std::string& CurrentTrace();

// Sets the ambient trace id for its lifetime and restores the previous one after. An empty id
// leaves the ambient one as it was.
class ScopedTrace {
 public:
  explicit ScopedTrace(std::string trace_id);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  std::string previous_;
  bool set_ = false;
};

}  // namespace zs::trace

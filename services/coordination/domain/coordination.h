#pragma once

// Rules every coordination module shares (no gRPC, SQLite or Redis here).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/timestamp.pb.h"

namespace zs::coordination {

// A half-open span of time [start_ms, end_ms) in Unix milliseconds.
struct Span {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

// Whether two spans share any instant (touching ends do not overlap: a meeting ending at 10:00
// and another starting at 10:00 do not clash).
bool Overlaps(const Span& a, const Span& b);

// The name of a secrecy level (涉密等级) 0..3: 非密, 秘密, 机密, 绝密; "" when out of range.
std::string SecrecyName(int level);

// A time a request gives: INVALID_ARGUMENT naming `field` unless it is set, after 1970 and before
// the year 10000, with nanos in range (times are computed in nanoseconds: a time far outside this
// would overflow and wrap).
absl::Status CheckTime(const google::protobuf::Timestamp& t, const std::string& field);

}  // namespace zs::coordination

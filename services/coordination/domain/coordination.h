#pragma once

// Rules every coordination module shares (no gRPC, SQLite or Redis here).

#include <cstdint>
#include <string>

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

}  // namespace zs::coordination

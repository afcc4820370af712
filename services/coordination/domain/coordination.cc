#include "domain/coordination.h"

#include "core/validation.h"

namespace zs::coordination {

bool Overlaps(const Span& a, const Span& b) {
  return a.start_ms < b.end_ms && b.start_ms < a.end_ms;
}

std::string SecrecyName(int level) {
  switch (level) {
    case 0:
      return "非密";
    case 1:
      return "秘密";
    case 2:
      return "机密";
    case 3:
      return "绝密";
    default:
      return "";
  }
}

absl::Status CheckTime(const google::protobuf::Timestamp& t, const std::string& field) {
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (t.seconds() <= 0) return InvalidField(field, "required");
  if (t.seconds() >= kYear10000 || t.nanos() < 0 || t.nanos() > 999999999) {
    return InvalidField(field, "not a valid time (after 1970, before the year 10000)");
  }
  return absl::OkStatus();
}

}  // namespace zs::coordination

#include "domain/coordination.h"

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

}  // namespace zs::coordination

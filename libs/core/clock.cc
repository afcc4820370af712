#include "core/clock.h"

namespace zs {

const Clock* SystemClock::Get() {
  static const SystemClock* clock = new SystemClock();
  return clock;
}

}  // namespace zs

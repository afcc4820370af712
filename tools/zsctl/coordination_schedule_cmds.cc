// zsctl commands of the coordination service's schedule module (placeholder until it lands).
#include "common.h"

namespace zsctl {

void AddScheduleCommands(CLI::App&, Globals&) {}

}  // namespace zsctl

// zsctl commands of the coordination service's duty module (placeholder until it lands).
#include "common.h"

namespace zsctl {

void AddDutyCommands(CLI::App&, Globals&) {}

}  // namespace zsctl

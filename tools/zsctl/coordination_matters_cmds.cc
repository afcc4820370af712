// zsctl commands of the coordination service's matters module (placeholder until it lands).
#include "common.h"

namespace zsctl {

void AddMattersCommands(CLI::App&, Globals&) {}

}  // namespace zsctl

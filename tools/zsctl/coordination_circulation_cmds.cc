// zsctl commands of the coordination service's circulation module (placeholder until it lands).
#include "common.h"

namespace zsctl {

void AddCirculationCommands(CLI::App&, Globals&) {}

}  // namespace zsctl

// zsctl commands of the coordination service's meetings module (placeholder until it lands).
#include "common.h"

namespace zsctl {

void AddMeetingsCommands(CLI::App&, Globals&) {}

}  // namespace zsctl

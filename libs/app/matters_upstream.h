#pragma once

// A resolved coordination matter (协调事项) read back before the service that raised it acts on
// it. Supervision (a contested task) and proposals (a disputed return) both reassign work on
// "coordination.matter.resolved"; neither trusts the event's words: the decision they apply is
// the one the coordination service holds.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "app/upstream.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::app {

// (event, payload) → the resolution as coordination holds it: the same matter, in the event's
// tenant, RESOLVED, raised by the same service on the same ref, its decision naming the same lead
// and co-units. A matter coordination does not hold for that tenant, or one that differs, is
// FAILED_PRECONDITION (a dead letter: never applied); an outage keeps its code (retried).
using MatterReader = std::function<absl::StatusOr<zhongshu::events::v1::MatterResolved>(
    const zhongshu::events::v1::Event&, const zhongshu::events::v1::MatterResolved&)>;

// Reads through coordination's MattersService.GetMatter as this service's account.
MatterReader ReadMattersFrom(std::shared_ptr<Upstream> coordination);

}  // namespace zs::app

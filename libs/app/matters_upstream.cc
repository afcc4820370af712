#include "app/matters_upstream.h"

#include <algorithm>
#include <set>

#include "zhongshu/coordination/v1/matters.grpc.pb.h"

namespace zs::app {

namespace cpb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;

MatterReader ReadMattersFrom(std::shared_ptr<Upstream> coordination) {
  std::shared_ptr<cpb::MattersService::Stub> stub =
      cpb::MattersService::NewStub(coordination->channel());
  return [coordination, stub](const ev::Event& event,
                              const ev::MatterResolved& m) -> absl::StatusOr<ev::MatterResolved> {
    const std::string what = "coordination.matter.resolved " + m.matter_id();
    if (m.matter_id().empty() || m.raised_ref().empty()) {
      return absl::InvalidArgumentError(
          "coordination.matter.resolved without matter_id or "
          "raised_ref");
    }
    auto ctx = coordination->Context(event.tenant());
    if (!ctx.ok()) return ctx.status();
    cpb::GetMatterRequest req;
    req.set_id(m.matter_id());
    cpb::Matter held;
    grpc::Status s = stub->GetMatter(ctx->get(), req, &held);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      return absl::FailedPreconditionError(what + " is not a matter of tenant " + event.tenant());
    }
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          "coordination GetMatter " + m.matter_id() + ": " + s.error_message());
    }
    if (held.tenant() != event.tenant()) {
      return absl::PermissionDeniedError(what + " of tenant " + event.tenant() +
                                         " names a matter of tenant " + held.tenant());
    }
    if (held.state() != cpb::MATTER_STATE_RESOLVED) {
      return absl::FailedPreconditionError(what + ": the matter is not resolved");
    }
    if (held.raised_by() != m.raised_by() || held.raised_ref() != m.raised_ref()) {
      return absl::FailedPreconditionError(what + ": the matter was raised by " + held.raised_by() +
                                           " on " + held.raised_ref() + ", not " + m.raised_by() +
                                           " on " + m.raised_ref());
    }
    const auto& d = held.decision();
    const std::set<std::string> held_co(d.co_units().begin(), d.co_units().end());
    const std::set<std::string> said_co(m.co_units().begin(), m.co_units().end());
    if (d.lead_unit() != m.lead_unit() || held_co != said_co) {
      return absl::FailedPreconditionError(
          what + ": the units differ from the decision the coordination service holds");
    }
    ev::MatterResolved out;
    out.set_matter_id(held.id());
    out.set_raised_by(held.raised_by());
    out.set_raised_ref(held.raised_ref());
    out.set_lead_unit(d.lead_unit());
    *out.mutable_co_units() = d.co_units();
    out.set_decision(d.text());
    return out;
  };
}

}  // namespace zs::app

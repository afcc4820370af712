// The reporting service (信息报送): reports, returns, adoption and leader instructions.
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/service.h"
#include "app/runtime.h"
#include "rpc/server.h"
#include "store/repository.h"

int main(int argc, char** argv) {
  zs::rpc::BlockTerminationSignals();
  auto rt = zs::app::ServiceRuntime::Create("reporting", argc, argv, zs::reporting::Migrations());
  if (!rt.ok()) {
    std::cerr << "reporting: " << rt.status().message() << "\n";
    return 2;
  }
  auto& c = (*rt)->config();
  zs::reporting::Limits limits;
  limits.max_title_chars = c.Int("limits.max_title_chars", 200, 1, 10000);
  limits.max_body_bytes = c.Int("limits.max_body_bytes", 64 * 1024, 1, 1 << 24);
  limits.max_directed_units = c.Int("limits.max_directed_units", 50, 1, 1000);
  limits.utc_offset_minutes = c.Int("limits.utc_offset_minutes", 480, -720, 840);
  const std::string supervision_stream =
      c.String("events.supervision_stream", "zs:events:supervision");

  zs::reporting::ReportingServiceImpl service((*rt)->db(), (*rt)->org(), (*rt)->clock(), limits);
  (*rt)
      ->AddConsumer(supervision_stream)
      .On("supervision.item.closed", [&service](const auto& event, zs::store::Tx& tx) {
        return service.OnItemClosed(event, tx);
      });
  return (*rt)->Run(&service, "zhongshu.reporting.v1.ReportingService");
}

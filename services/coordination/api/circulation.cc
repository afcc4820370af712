// Placeholder of the circulation module until its service lands: serves nothing, migrates nothing.
#include "api/module.h"

namespace zs::coordination {
namespace {

class CirculationPlaceholder final : public Module {
 public:
  std::string name() const override { return "circulation"; }
  std::vector<store::Migration> Migrations() const override { return {}; }  // versions 400-499
  void Configure(app::ServiceRuntime&, const Shared&) override {}
  grpc::Service* Start(app::ServiceRuntime&, const Shared&) override { return nullptr; }
  std::string health_name() const override { return "zhongshu.coordination.v1.CirculationService"; }
};

}  // namespace

std::unique_ptr<Module> CirculationModule() { return std::make_unique<CirculationPlaceholder>(); }

}  // namespace zs::coordination

// Placeholder of the schedule module until its service lands: serves nothing, migrates nothing.
#include "api/module.h"

namespace zs::coordination {
namespace {

class SchedulePlaceholder final : public Module {
 public:
  std::string name() const override { return "schedule"; }
  std::vector<store::Migration> Migrations() const override { return {}; }  // versions 300-399
  void Configure(app::ServiceRuntime&, const Shared&) override {}
  grpc::Service* Start(app::ServiceRuntime&, const Shared&) override { return nullptr; }
  std::string health_name() const override { return "zhongshu.coordination.v1.ScheduleService"; }
};

}  // namespace

std::unique_ptr<Module> ScheduleModule() { return std::make_unique<SchedulePlaceholder>(); }

}  // namespace zs::coordination

// Placeholder of the duty module until its service lands: serves nothing, migrates nothing.
#include "api/module.h"

namespace zs::coordination {
namespace {

class DutyPlaceholder final : public Module {
 public:
  std::string name() const override { return "duty"; }
  std::vector<store::Migration> Migrations() const override { return {}; }  // versions 500-599
  void Configure(app::ServiceRuntime&, const Shared&) override {}
  grpc::Service* Start(app::ServiceRuntime&, const Shared&) override { return nullptr; }
  std::string health_name() const override { return "zhongshu.coordination.v1.DutyService"; }
};

}  // namespace

std::unique_ptr<Module> DutyModule() { return std::make_unique<DutyPlaceholder>(); }

}  // namespace zs::coordination

// Placeholder of the matters module until its service lands: serves nothing, migrates nothing.
#include "api/module.h"

namespace zs::coordination {
namespace {

class MattersPlaceholder final : public Module {
 public:
  std::string name() const override { return "matters"; }
  std::vector<store::Migration> Migrations() const override { return {}; }  // versions 100-199
  void Configure(app::ServiceRuntime&, const Shared&) override {}
  grpc::Service* Start(app::ServiceRuntime&, const Shared&) override { return nullptr; }
  std::string health_name() const override { return "zhongshu.coordination.v1.MattersService"; }
};

}  // namespace

std::unique_ptr<Module> MattersModule() { return std::make_unique<MattersPlaceholder>(); }

}  // namespace zs::coordination

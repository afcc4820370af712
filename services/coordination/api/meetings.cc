// Placeholder of the meetings module until its service lands: serves nothing, migrates nothing.
#include "api/module.h"

namespace zs::coordination {
namespace {

class MeetingsPlaceholder final : public Module {
 public:
  std::string name() const override { return "meetings"; }
  std::vector<store::Migration> Migrations() const override { return {}; }  // versions 200-299
  void Configure(app::ServiceRuntime&, const Shared&) override {}
  grpc::Service* Start(app::ServiceRuntime&, const Shared&) override { return nullptr; }
  std::string health_name() const override { return "zhongshu.coordination.v1.MeetingsService"; }
};

}  // namespace

std::unique_ptr<Module> MeetingsModule() { return std::make_unique<MeetingsPlaceholder>(); }

}  // namespace zs::coordination

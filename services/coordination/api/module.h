#pragma once

// The coordination service (综合协调) is five resources with their own rules — matters, meetings,
// the leader schedule, document circulation, duty and incidents — each a gRPC service of
// zhongshu.coordination.v1 with its own domain, store and adapter files, hosted by one process on
// one database. A Module is one of them as the process sees it.
//
// Lifecycle (see app::ServiceRuntime): Migrations() before Create; Configure() before Open (read
// its own keys "<module>.*", declare upstreams); Start() after Open (build the implementation on
// the runtime's handlers, declare consumers and timers) and return the gRPC service to host.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "app/runtime.h"
#include "calendar/calendar.h"
#include "store/database.h"
#include "zhongshu/coordination/v1/meetings.pb.h"

namespace zs::coordination {

// What every module shares, read once by the process from its configuration.
struct Shared {
  const calendar::WorkCalendar* calendar = nullptr;
  int utc_offset_minutes = 480;  // local time of the office (limits.utc_offset_minutes)
  std::string reporting_stream = "zs:events:reporting";
  std::string supervision_stream = "zs:events:supervision";
  std::string proposals_stream = "zs:events:proposals";
};

// ListVenues of meetings and of the schedule: the configured places, to anyone signed in.
inline grpc::ServerUnaryReactor* AnswerVenues(
    const app::Handlers& handlers, grpc::CallbackServerContext* ctx,
    const std::vector<std::string>& venues, bool allow_free_location,
    zhongshu::coordination::v1::ListVenuesResponse* resp) {
  return handlers.Read(
      ctx, [](const auth::Principal&) { return absl::OkStatus(); },
      [&venues, allow_free_location, resp](const auth::Principal&, store::Tx&) -> absl::Status {
        for (const auto& v : venues) resp->add_venues(v);
        resp->set_allow_free_location(allow_free_location);
        return absl::OkStatus();
      });
}

class Module {
 public:
  virtual ~Module() = default;
  // The name of the module's configuration section and log lines, e.g. "matters".
  virtual std::string name() const = 0;
  // Its migrations. Versions are unique across the process: each module owns a range of 100
  // (matters 100–199, meetings 200–299, schedule 300–399, circulation 400–499, duty 500–599).
  virtual std::vector<store::Migration> Migrations() const = 0;
  // Reads the module's keys from rt.config() and declares its upstreams. Before Open().
  virtual void Configure(app::ServiceRuntime& rt, const Shared& shared) = 0;
  // Builds the implementation, declares consumers and timers. After Open(). Returns the gRPC
  // service to host and its health name; nullptr when the module serves nothing (yet).
  virtual grpc::Service* Start(app::ServiceRuntime& rt, const Shared& shared) = 0;
  virtual std::string health_name() const = 0;
};

std::unique_ptr<Module> MattersModule();
std::unique_ptr<Module> MeetingsModule();
std::unique_ptr<Module> ScheduleModule();
std::unique_ptr<Module> CirculationModule();
std::unique_ptr<Module> DutyModule();

}  // namespace zs::coordination

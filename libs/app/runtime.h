#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "config/config.h"
#include "core/clock.h"
#include "events/consumer.h"
#include "events/relay.h"
#include "org/org.h"
#include "rpc/server.h"
#include "store/database.h"

namespace zs::app {

// Everything a Zhongshu service process has in common, set up from its YAML config:
// logging, the org tree, the SQLite database with the shared and the service's own migrations,
// token verification, the gRPC host, the outbox relay and stream consumers.
//
// Lifecycle: Create() reads and checks the whole configuration (a bad key stops start-up with a
// message naming it); the service then reads its own keys from config(), adds consumers, and
// calls Run(), which serves until SIGTERM/SIGINT and then shuts down gracefully.
class ServiceRuntime {
 public:
  // `argv` accepts --config=PATH (default ZS_CONFIG or deploy/local/<name>.yaml),
  // --log-format=human|json and --log-level=LEVEL.
  static absl::StatusOr<std::unique_ptr<ServiceRuntime>> Create(
      const std::string& name, int argc, char** argv, std::vector<store::Migration> migrations);
  ~ServiceRuntime();

  config::Config& config() { return *config_; }
  store::Database& db() { return *db_; }
  const org::OrgTree& org() const { return org_; }
  const Clock* clock() const { return clock_; }
  const std::string& name() const { return name_; }

  // A consumer of another service's stream, in this service's group; start happens in Run().
  events::StreamConsumer& AddConsumer(const std::string& stream);

  // Checks the configuration read so far (call after the service read its own keys), serves
  // `service` until a termination signal, then: health NOT_SERVING, drain calls, stop consumers
  // and relay, close the database. Returns the process exit code.
  int Run(grpc::Service* service, const std::string& health_name);

 private:
  ServiceRuntime() = default;

  std::string name_;
  std::unique_ptr<config::Config> config_;
  org::OrgTree org_;
  const Clock* clock_ = SystemClock::Get();
  std::unique_ptr<Clock> owned_clock_;  // a FileClock when clock.file is set (tests)
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<const auth::TokenVerifier> verifier_;
  rpc::ServerOptions server_options_;
  events::RelayOptions relay_options_;
  events::ConsumerOptions consumer_defaults_;
  std::unique_ptr<events::OutboxRelay> relay_;
  std::vector<std::unique_ptr<events::StreamConsumer>> consumers_;
};

}  // namespace zs::app

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/handler.h"
#include "app/upstream.h"
#include "auth/jwt.h"
#include "config/config.h"
#include "core/clock.h"
#include "events/consumer.h"
#include "events/relay.h"
#include "org/org.h"
#include "rpc/server.h"
#include "store/database.h"
#include "store/timers.h"
#include "telemetry/metrics.h"

namespace zs::app {

// What a due timer does, inside the transaction that claims it: returns the outcome recorded on
// the timer ("fired", "skipped", "superseded", ...). An error rolls back the claim and the timer
// is tried again at the next round.
using TimerHandler = std::function<absl::StatusOr<std::string>(store::Tx&, const store::Timer&)>;

// Fires the timers of `kind` due on `clock`, each claimed in its own transaction together with
// its effect, so each fires exactly once even with several processes on one database. Returns
// how many ended with the outcome "fired"; when a handler failed, its timer stays due for the next
// round, the timers after it are still fired, and the error names the first that failed.
// `fired`, when set, is told each committed outcome.
absl::StatusOr<int> FireDueTimers(store::Database& db, const Clock* clock, const std::string& kind,
                                  const TimerHandler& handler, int limit = 200,
                                  const std::function<void(const std::string&)>& fired = {});

// Everything a Zhongshu service process has in common, set up from its YAML config:
// logging, the org tree, the SQLite database with the shared and the service's own migrations,
// token verification, the gRPC host, the outbox relay, stream consumers and periodic jobs.
//
// Lifecycle, in this order:
//   1. Create() reads the command line and the configuration file, sets up logging and reads the
//      shared keys. It touches no data.
//   2. The service reads its own keys from config() and declares its upstreams (AddUpstream).
//   3. Open() checks the whole configuration (every malformed or unknown key, exit code 2), then
//      opens the database, refuses one it cannot serve (read-only, damaged: exit code 1) and
//      migrates it. db() is usable from here on.
//   4. The service builds its implementation with handlers(), declares consumers, timers and
//      periodic jobs.
//   5. Run() serves until SIGTERM/SIGINT, then shuts down gracefully.
// Nothing runs in the background before Run(): consumers, the relay and periodic jobs start there,
// after every check passed, and stop after the gRPC server drained, before the database closes.
class ServiceRuntime {
 public:
  // `argv` accepts --config=PATH (default ZS_CONFIG or deploy/local/<name>.yaml),
  // --log-format=human|json and --log-level=LEVEL (each overrides its key in the file).
  // Fails only when the command line or the file cannot be read; errors in keys are kept for
  // Open(), so that every bad key is reported at once.
  static absl::StatusOr<std::unique_ptr<ServiceRuntime>> Create(
      const std::string& name, int argc, char** argv, std::vector<store::Migration> migrations);
  ~ServiceRuntime();

  config::Config& config() { return *config_; }
  const org::OrgTree& org() const { return org_; }
  const Clock* clock() const { return clock_; }
  const std::string& name() const { return name_; }

  // Checks the configuration (call after the service read all its keys), then opens, checks and
  // migrates the database. On error the message names the bad keys or the database file; exit
  // with StartupExitCode().
  absl::Status Open();
  // The process exit code for an error of Open(): 2 for configuration, 1 for anything else.
  static int StartupExitCode(const absl::Status& status);
  // Valid after Open().
  store::Database& db() { return *db_; }

  // The application layer's handlers: the database and the idempotency window. After Open().
  const Handlers& handlers() const { return *handlers_; }

  // The service's metrics, served on metrics.listen (off when empty). RPCs, group commits, the
  // outbox relay, consumers, dead letters and timers are measured here; a service adds its own
  // figures with AddDatabaseGauge.
  telemetry::Metrics& metrics() { return *metrics_; }
  // A gauge family computed at each scrape from a read snapshot of the database (after Open()).
  // An error is logged and leaves the family out of that scrape.
  using DatabaseGaugeFn =
      std::function<absl::StatusOr<std::vector<telemetry::Sample>>(store::Tx& tx)>;
  void AddDatabaseGauge(std::string name, std::string help, DatabaseGaugeFn fn);
  // The same for a query whose rows are the label values, in the order of `labels`, then the
  // value, e.g. ("zs_office_open_items", ..., {"tenant"},
  // "SELECT tenant, COUNT(*) FROM items WHERE state = 1 GROUP BY tenant").
  void AddQueryGauge(std::string name, std::string help, std::vector<std::string> labels,
                     std::string sql);

  // Another service this one calls, from upstream.<name>.address (default `default_address`),
  // upstream.<name>.token (default: minted per tenant with auth.hs256_secret, local runs only)
  // and upstream.<name>.timeout (default 5s). Call before Open(), so the keys are checked.
  std::shared_ptr<Upstream> AddUpstream(const std::string& name,
                                        const std::string& default_address);

  // A consumer of another service's stream, in this service's group; start happens in Run().
  // Call after Open().
  events::StreamConsumer& AddConsumer(const std::string& stream);

  // Drives the timers of `kind` (see store/timers.h) every `interval` from Run() on.
  void AddTimers(const std::string& kind, std::chrono::milliseconds interval, TimerHandler handler);

  // A job run every `interval` on its own thread from Run() on (first run at once), stopped after
  // the gRPC server drained and before the database closes. An error is logged with `name`; the
  // job runs again at the next interval.
  void AddPeriodicJob(std::string name, std::chrono::milliseconds interval,
                      std::function<absl::Status()> fn);

  // Serves `service` until a termination signal, then: health NOT_SERVING (Watch streams see it)
  // while calls are still served for grpc.shutdown_grace, then refuse new calls and drain running
  // ones for up to grpc.drain_timeout, stop periodic jobs, consumers and relay, close the
  // database. Returns the process exit code. Call after Open().
  int Run(grpc::Service* service, const std::string& health_name);
  // The same with several gRPC services on one port (a service whose API is split by resource),
  // each with its health name: (service, health name) pairs.
  int Run(const std::vector<std::pair<grpc::Service*, std::string>>& services);

 private:
  class PeriodicJob;
  ServiceRuntime() = default;
  void AddStandardMetrics();

  std::string name_;
  std::vector<store::Migration> migrations_;
  std::string data_dir_;
  std::unique_ptr<config::Config> config_;
  org::OrgTree org_;
  const Clock* clock_ = SystemClock::Get();
  std::unique_ptr<Clock> owned_clock_;  // a FileClock when clock.file is set (tests)
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<const auth::TokenVerifier> verifier_;
  rpc::ServerOptions server_options_;
  events::RelayOptions relay_options_;
  events::ConsumerOptions consumer_defaults_;
  std::chrono::milliseconds idempotency_retention_{};
  std::chrono::milliseconds idempotency_prune_interval_{};
  std::unique_ptr<Handlers> handlers_;
  std::string hs256_secret_;
  std::unique_ptr<events::OutboxRelay> relay_;
  std::shared_ptr<telemetry::Metrics> metrics_;
  rpc::ClientTls upstream_tls_;
  std::string metrics_listen_;
  prometheus::Family<prometheus::Counter>* timers_fired_ = nullptr;
  std::vector<std::unique_ptr<events::StreamConsumer>> consumers_;
  std::vector<std::unique_ptr<PeriodicJob>> jobs_;
};

}  // namespace zs::app

#include "app/runtime.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "app/process.h"
#include "core/time_util.h"
#include "events/outbox.h"
#include "logging/logging.h"
#include "rpc/mutation.h"
#include "store/counter.h"

namespace zs::app {
namespace {

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

// One periodic job on its own thread: runs at once, then every interval until stopped.
class ServiceRuntime::PeriodicJob {
 public:
  PeriodicJob(std::string name, std::chrono::milliseconds interval,
              std::function<absl::Status()> fn)
      : name_(std::move(name)), interval_(interval), fn_(std::move(fn)) {}
  ~PeriodicJob() { Stop(); }

  void Start() {
    thread_ = std::thread([this] {
      for (;;) {
        if (auto s = fn_(); !s.ok()) spdlog::warn("{}: {}", name_, s.ToString());
        absl::MutexLock lock(&mu_);
        auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
        if (mu_.AwaitWithTimeout(absl::Condition(&stopped), absl::FromChrono(interval_))) return;
      }
    });
  }

  // Waits for a run in progress to finish.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::string name_;
  const std::chrono::milliseconds interval_;
  const std::function<absl::Status()> fn_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<ServiceRuntime>> ServiceRuntime::Create(
    const std::string& name, int argc, char** argv, std::vector<store::Migration> migrations) {
  auto cmd = ParseCommandLine(name, argc, argv);
  if (!cmd.ok()) return cmd.status();
  if (cmd->help || cmd->version) {
    std::fputs((cmd->help ? Usage(name) : name + " " + Version() + "\n").c_str(), stdout);
    std::exit(0);
  }
  auto loaded = LoadConfigAndLogging(name, *cmd);
  if (!loaded.ok()) return loaded.status();

  // Debian's abseil tracks the order locks are taken in, to abort on a possible deadlock cycle.
  // The libraries' unit tests keep that check; a serving process does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto rt = std::unique_ptr<ServiceRuntime>(new ServiceRuntime());
  rt->name_ = name;
  rt->migrations_ = std::move(migrations);
  rt->config_ = std::move(*loaded);
  config::Config& c = *rt->config_;

  if (const std::string clock_file = c.String("clock.file", ""); !clock_file.empty()) {
    rt->owned_clock_ = std::make_unique<FileClock>(clock_file);
    rt->clock_ = rt->owned_clock_.get();
    spdlog::warn("time comes from {} (clock.file): for tests only", clock_file);
  }
  rt->server_options_.listen = c.String("grpc.listen", "127.0.0.1:0");
  rt->server_options_.port_file = c.String("grpc.port_file", "");
  rt->server_options_.max_message_bytes =
      static_cast<int>(c.Int("grpc.max_message_bytes", 4 << 20, 1024, 64 << 20));
  // Observation: a log line per call (log.requests) and Prometheus metrics on metrics.listen.
  rt->metrics_ = std::make_shared<telemetry::Metrics>();
  rt->metrics_listen_ = c.String("metrics.listen", "");
  rt->server_options_.observe.log_calls = c.Bool("log.requests", true);
  if (!rt->metrics_listen_.empty()) rt->server_options_.observe.metrics = rt->metrics_;
  rt->timers_fired_ = &prometheus::BuildCounter()
                           .Name("zs_timers_fired_total")
                           .Help("Durable timers fired, by kind and recorded outcome")
                           .Register(rt->metrics_->registry());
  // TLS on the gRPC port (mutual when a client CA is set), and a plaintext health-only port.
  auto& tls = rt->server_options_.tls;
  tls.cert_file = c.String("grpc.tls.cert_file", "");
  tls.key_file = c.String("grpc.tls.key_file", "");
  tls.client_ca_file = c.String("grpc.tls.client_ca_file", "");
  tls.refresh = std::chrono::duration_cast<std::chrono::seconds>(
      c.Duration("grpc.tls.refresh", std::chrono::seconds(60)));
  if (auto s = rpc::CheckServerTls(tls); !s.ok()) c.AddError("grpc.tls", std::string(s.message()));
  rt->server_options_.health_listen = c.String("grpc.health_listen", "");
  // Every upstream is called with the same client TLS (one CA, this service's certificate).
  rt->upstream_tls_ = ReadClientTls(c, "upstream.tls", tls.refresh);
  rt->server_options_.drain_timeout = c.Duration("grpc.drain_timeout", std::chrono::seconds(10));
  rt->server_options_.shutdown_grace = c.Duration("grpc.shutdown_grace", std::chrono::seconds(5));
  rt->idempotency_retention_ = c.Duration("rpc.idempotency_retention", std::chrono::hours(24 * 7));
  rt->idempotency_prune_interval_ =
      c.Duration("rpc.idempotency_prune_interval", std::chrono::minutes(1));
  if (rt->idempotency_prune_interval_.count() <= 0) {
    c.AddError("rpc.idempotency_prune_interval", "must be positive");
  }

  rt->data_dir_ = c.String("data.dir", "data/" + name);
  rt->org_ = LoadOrg(c);
  AuthSettings auth = ReadAuth(c, &rt->org_);
  rt->hs256_secret_ = auth.hs256_secret;
  rt->verifier_ = auth.verifier;

  std::string redis_host;
  int redis_port = 0;
  const std::string redis_addr = c.String("redis.address", "127.0.0.1:6379");
  if (auto s = events::ParseAddress(redis_addr, &redis_host, &redis_port); !s.ok()) {
    c.AddError("redis.address", std::string(s.message()));
  }
  // Redis with a password (an ACL user's, when redis.user is set), read from a file.
  const std::string redis_user = c.String("redis.user", "");
  std::string redis_password;
  ReadSecretFile(c, "redis.password_file", &redis_password);
  if (redis_password.empty() && !redis_user.empty()) {
    c.AddError("redis.user", "needs redis.password_file");
  }
  auto& ro = rt->relay_options_;
  ro.redis_host = redis_host;
  ro.redis_port = redis_port;
  ro.redis_user = redis_user;
  ro.redis_password = redis_password;
  ro.stream = c.String("events.stream", "zs:events:" + name);
  ro.batch = static_cast<int>(c.Int("events.relay_batch", 256, 1, 10000));
  ro.stream_max_len = c.Int("events.stream_max_len", 100000, 100, int64_t{1} << 40);
  ro.retention = c.Duration("events.outbox_retention", std::chrono::hours(24 * 7));
  ro.backoff_max = c.Duration("events.relay_backoff_max", std::chrono::seconds(5));
  ro.maintenance_interval = c.Duration("events.maintenance_interval", std::chrono::seconds(30));
  ro.check_interval = c.Duration("events.relay_check_interval", std::chrono::seconds(1));
  auto& co = rt->consumer_defaults_;
  co.redis_host = redis_host;
  co.redis_port = redis_port;
  co.redis_user = redis_user;
  co.redis_password = redis_password;
  co.group = name;
  co.consumer = c.String("events.consumer_name", Hostname());
  co.claim_interval = c.Duration("events.claim_interval", std::chrono::seconds(5));
  co.min_idle = c.Duration("events.claim_min_idle", std::chrono::seconds(30));
  co.max_tries = static_cast<int>(c.Int("events.max_tries", 5, 1, 1000));
  co.block = c.Duration("events.block", std::chrono::milliseconds(1000));
  co.retry_initial = c.Duration("events.retry_initial", std::chrono::seconds(1));
  co.retry_max = c.Duration("events.retry_max", std::chrono::seconds(60));
  co.consumed_retention = c.Duration("events.consumed_retention", std::chrono::hours(24 * 14));
  if (co.consumed_retention < ro.retention) {
    c.AddError("events.consumed_retention", "must be at least events.outbox_retention");
  }
  co.prune_interval = ro.maintenance_interval;
  co.clock = rt->clock_;
  co.crash_point = c.String("fault.consumer_crash", "");
  if (!co.crash_point.empty() && co.crash_point != "before_commit" &&
      co.crash_point != "after_commit") {
    c.AddError("fault.consumer_crash", "must be empty, before_commit or after_commit");
  }

  // Errors in keys are reported by Open(), together with those of the service's own keys.
  return rt;
}

int ServiceRuntime::StartupExitCode(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

absl::Status ServiceRuntime::Open() {
  // The whole configuration first: nothing is opened, written or started on a bad one.
  config::Config& c = *config_;
  if (auto s = c.Finish(); !s.ok()) return s;

  std::error_code ec;
  std::filesystem::create_directories(data_dir_, ec);
  if (ec) {
    return absl::InvalidArgumentError("data.dir: cannot create '" + data_dir_ +
                                      "': " + ec.message());
  }
  const std::string path = data_dir_ + "/" + name_ + ".db";
  auto db = store::OpenSqlite({path});
  if (!db.ok()) return db.status();
  db_ = std::move(*db);
  for (auto& [component, list] : std::vector<std::pair<std::string, std::vector<store::Migration>>>{
           {"events", events::OutboxMigrations()},
           {"idempotency", rpc::IdempotencyMigrations()},
           {"timers", store::TimerMigrations()},
           {"counters", store::CounterMigrations()},
           {name_, std::move(migrations_)}}) {
    if (auto s = store::Migrate(*db_, component, list); !s.ok()) {
      return absl::FailedPreconditionError("database " + path + ": " + std::string(s.message()));
    }
  }
  relay_ = std::make_unique<events::OutboxRelay>(relay_options_, *db_, clock_);
  db_->AddCommitListener([relay = relay_.get()] { relay->Wake(); });
  AddStandardMetrics();

  // Request ids are remembered for the retry window on the service's clock, and pruned after it.
  const rpc::IdempotencyOptions idempotency{clock_, idempotency_retention_};
  handlers_ = std::make_unique<Handlers>(*db_, idempotency);
  AddPeriodicJob("idempotency keys pruning", idempotency_prune_interval_, [this, idempotency] {
    auto n = rpc::PruneIdempotencyKeys(*db_, idempotency);
    if (!n.ok()) return n.status();
    if (*n > 0) spdlog::info("pruned {} idempotency keys past the retry window", *n);
    return absl::OkStatus();
  });
  spdlog::info("database {} opened and checked", path);
  return absl::OkStatus();
}

ServiceRuntime::~ServiceRuntime() {
  if (metrics_) metrics_->Stop();  // no scrape reads what is torn down below
  jobs_.clear();
  consumers_.clear();
  relay_.reset();
  if (db_) db_->Close();
}

events::StreamConsumer& ServiceRuntime::AddConsumer(const std::string& stream) {
  events::ConsumerOptions o = consumer_defaults_;
  o.stream = stream;
  consumers_.push_back(std::make_unique<events::StreamConsumer>(o, *db_));
  return *consumers_.back();
}

void ServiceRuntime::AddDatabaseGauge(std::string name, std::string help, DatabaseGaugeFn fn) {
  metrics_->AddGauge(name, std::move(help), [this, name, fn = std::move(fn)] {
    std::vector<telemetry::Sample> samples;
    auto s = db_->Read([&](store::Tx& tx) -> absl::Status {
      auto r = fn(tx);
      if (!r.ok()) return r.status();
      samples = std::move(*r);
      return absl::OkStatus();
    });
    if (!s.ok()) spdlog::warn("metrics: {}: {}", name, s.ToString());
    return samples;
  });
}

void ServiceRuntime::AddQueryGauge(std::string name, std::string help,
                                   std::vector<std::string> labels, std::string sql) {
  AddDatabaseGauge(std::move(name), std::move(help),
                   [labels = std::move(labels), sql = std::move(sql)](
                       store::Tx& tx) -> absl::StatusOr<std::vector<telemetry::Sample>> {
                     auto rows = tx.Query(sql);
                     if (!rows.ok()) return rows.status();
                     std::vector<telemetry::Sample> out;
                     for (const auto& row : *rows) {
                       telemetry::Sample sample;
                       for (size_t i = 0; i < labels.size(); ++i)
                         sample.labels[labels[i]] = row.Text(i);
                       sample.value = static_cast<double>(row.Int(labels.size()));
                       out.push_back(std::move(sample));
                     }
                     return out;
                   });
}

void ServiceRuntime::AddStandardMetrics() {
  auto& registry = metrics_->registry();
  auto& batch_size =
      prometheus::BuildHistogram()
          .Name("zs_db_commit_batch_size")
          .Help("Write transactions carried by one group commit")
          .Register(registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256});
  auto& commit = prometheus::BuildHistogram()
                     .Name("zs_db_commit_duration_seconds")
                     .Help("Time of one group commit's COMMIT (its fsync)")
                     .Register(registry)
                     .Add({}, telemetry::Metrics::LatencyBuckets());
  auto& batch = prometheus::BuildHistogram()
                    .Name("zs_db_batch_duration_seconds")
                    .Help("Time of one group commit from BEGIN to the end of COMMIT")
                    .Register(registry)
                    .Add({}, telemetry::Metrics::LatencyBuckets());
  db_->AddBatchObserver([&](const store::Database::BatchStats& b) {
    batch_size.Observe(b.transactions);
    batch.Observe(b.batch_seconds);
    if (b.committed) commit.Observe(b.commit_seconds);
  });

  // The outbox: rows not yet known to be on the stream, and how old the oldest of them is.
  const auto unpublished = [this](store::Tx& tx) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
    // Until the relay first reached Redis, every row kept is counted (an upper bound).
    const int64_t from = std::max<int64_t>(relay_->published_seq(), 0);
    auto r =
        tx.Query("SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox WHERE seq > ?", {from});
    if (!r.ok()) return r.status();
    return std::make_pair((*r)[0].Int(0), (*r)[0].Int(1));
  };
  AddDatabaseGauge("zs_outbox_backlog", "Events committed but not yet on the service's stream",
                   [unpublished](store::Tx& tx) -> absl::StatusOr<std::vector<telemetry::Sample>> {
                     auto u = unpublished(tx);
                     if (!u.ok()) return u.status();
                     return std::vector<telemetry::Sample>{{{}, static_cast<double>(u->first)}};
                   });
  AddDatabaseGauge(
      "zs_outbox_relay_lag_seconds", "Age of the oldest event not yet on the stream (0: none)",
      [this, unpublished](store::Tx& tx) -> absl::StatusOr<std::vector<telemetry::Sample>> {
        auto u = unpublished(tx);
        if (!u.ok()) return u.status();
        const double lag =
            u->first == 0 ? 0 : std::max<double>(0, (ToMillis(clock_->Now()) - u->second) / 1000.0);
        return std::vector<telemetry::Sample>{{{}, lag}};
      });
  metrics_->AddGauge("zs_outbox_relay_connected", "1 while the outbox relay reaches Redis", [this] {
    return std::vector<telemetry::Sample>{{{}, relay_->redis_ok() ? 1.0 : 0.0}};
  });
  AddDatabaseGauge(
      "zs_dead_letters", "Events given up on and not yet replayed, by consumer group and stream",
      [](store::Tx& tx) -> absl::StatusOr<std::vector<telemetry::Sample>> {
        auto r = tx.Query(
            "SELECT consumer, stream, COUNT(*) FROM dead_letters WHERE state IN ('dead', 'replay') "
            "GROUP BY consumer, stream");
        if (!r.ok()) return r.status();
        std::vector<telemetry::Sample> out;
        for (const auto& row : *r) {
          out.push_back(
              {{{"group", row.Text(0)}, {"stream", row.Text(1)}}, static_cast<double>(row.Int(2))});
        }
        return out;
      });
  // Consumers, as Redis sees their groups.
  const auto group_stat = [this](bool lag) {
    std::vector<telemetry::Sample> out;
    for (const auto& c : consumers_) {
      auto st = c->ReadGroupStats();
      if (!st.ok()) continue;  // Redis away or the group not made yet: no figure
      const double v = static_cast<double>(lag ? st->lag : st->pending);
      if (lag && st->lag < 0) continue;
      out.push_back({{{"stream", c->options().stream}, {"group", c->options().group}}, v});
    }
    return out;
  };
  metrics_->AddGauge("zs_consumer_lag",
                     "Entries of a stream not yet delivered to this service's group",
                     [group_stat] { return group_stat(true); });
  metrics_->AddGauge("zs_consumer_pending",
                     "Entries delivered to this service's group and not yet acknowledged",
                     [group_stat] { return group_stat(false); });
}

std::shared_ptr<Upstream> ServiceRuntime::AddUpstream(const std::string& name,
                                                      const std::string& default_address) {
  config::Config& c = *config_;
  const std::string prefix = "upstream." + name;
  const std::string address = c.String(prefix + ".address", default_address);
  std::string token = c.String(prefix + ".token", "");
  ReadSecretFile(c, prefix + ".token_file", &token);
  const auto timeout = c.Duration(prefix + ".timeout", std::chrono::seconds(5));
  rpc::ClientTls tls = upstream_tls_;
  tls.server_name = c.String(prefix + ".server_name", "");
  if (token.empty() && hs256_secret_.empty()) {
    c.AddError(prefix + ".token",
               "required to call " + name +
                   " (set it or token_file; the service mints its own only with auth.algorithm "
                   "HS256 and a key)");
  }
  return std::make_shared<Upstream>(
      name, address, timeout, std::make_shared<ServiceCredentials>(name_, token, hs256_secret_),
      tls);
}

absl::StatusOr<int> FireDueTimers(store::Database& db, const Clock* clock, const std::string& kind,
                                  const TimerHandler& handler, int limit,
                                  const std::function<void(const std::string&)>& fired_fn) {
  std::vector<store::Timer> due;
  auto s = db.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = store::DueTimers(tx, kind, ToMillis(clock->Now()), limit);
    if (!rows.ok()) return rows.status();
    due = std::move(*rows);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  int fired = 0;
  absl::Status first_error;
  for (const auto& t : due) {
    std::string outcome;
    s = db.Write([&](store::Tx& tx) -> absl::Status {
      // The claim comes first: a timer another process fired meanwhile does nothing here.
      auto claimed = store::ClaimTimer(tx, t, ToMillis(clock->Now()), "firing");
      if (!claimed.ok()) return claimed.status();
      if (!*claimed) return absl::OkStatus();
      auto result = handler(tx, t);
      if (!result.ok()) return result.status();
      outcome = *result;
      auto n = tx.Exec(
          "UPDATE timers SET outcome = ? WHERE kind = ? AND owner = ? AND name = ?"
          " AND fire_at = ? AND outcome = 'firing'",
          {outcome, t.kind, t.owner, t.name, t.fire_at_ms});
      if (!n.ok()) return n.status();
      if (*n != 1) {
        return absl::InternalError("timer " + t.kind + "/" + t.owner + "/" + t.name +
                                   " was rescheduled by its own handler");
      }
      return absl::OkStatus();
    });
    if (!s.ok()) {
      // This timer stays due and is tried again next round; the others go ahead meanwhile.
      if (first_error.ok()) {
        first_error = absl::Status(s.code(), "timer " + t.kind + "/" + t.owner + "/" + t.name +
                                                 ": " + std::string(s.message()));
      }
      continue;
    }
    if (!outcome.empty() && fired_fn) fired_fn(outcome);
    if (outcome == "fired") ++fired;
  }
  if (!first_error.ok()) return first_error;
  return fired;
}

void ServiceRuntime::AddTimers(const std::string& kind, std::chrono::milliseconds interval,
                               TimerHandler handler) {
  AddPeriodicJob(
      kind + " timers", interval, [this, kind, handler = std::move(handler)]() -> absl::Status {
        return FireDueTimers(
                   *db_, clock_, kind, handler, 200,
                   [this, &kind](const std::string& outcome) {
                     timers_fired_->Add({{"kind", kind}, {"outcome", outcome}}).Increment();
                   })
            .status();
      });
}

void ServiceRuntime::AddPeriodicJob(std::string name, std::chrono::milliseconds interval,
                                    std::function<absl::Status()> fn) {
  jobs_.push_back(std::make_unique<PeriodicJob>(std::move(name), interval, std::move(fn)));
}

int ServiceRuntime::Run(grpc::Service* service, const std::string& health_name) {
  return Run({{service, health_name}});
}

int ServiceRuntime::Run(const std::vector<std::pair<grpc::Service*, std::string>>& services) {
  if (!db_) {
    spdlog::critical("{}: Run() before Open()", name_);
    return 1;
  }
  if (!metrics_listen_.empty()) {
    if (auto s = metrics_->Serve(metrics_listen_); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 1;
    }
    spdlog::info("metrics on {} (port {}), path /metrics", metrics_listen_, metrics_->port());
  }
  rpc::ServiceHost host(server_options_, verifier_);
  for (const auto& [service, health_name] : services) host.AddService(service, health_name);
  if (auto s = host.Start(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  relay_->Start();
  for (auto& c : consumers_) c->Start();
  for (auto& j : jobs_) j->Start();
  host.SetServing(true);
  spdlog::info("{} ready: data in SQLite, events to {} on {}:{}", name_, relay_options_.stream,
               relay_options_.redis_host, relay_options_.redis_port);

  // Readiness follows the database; the relay's view of Redis is reported under its own name,
  // because writes do not depend on Redis.
  absl::Notification stop;
  std::thread watcher([&] {
    const std::string relay_health = "zhongshu.events.relay";
    for (;;) {
      const bool db_ok =
          db_->Read([](store::Tx& tx) { return tx.Query("SELECT 1").status(); }).ok();
      host.SetServing(db_ok);
      host.SetHealth(relay_health, relay_->redis_ok());
      const auto dead = events::OpenDeadLetters(*db_);
      host.SetHealth("zhongshu.events.dead_letters", dead.ok() && *dead == 0);
      if (stop.WaitForNotificationWithTimeout(absl::Seconds(1))) return;
    }
  });

  const int sig = rpc::WaitForTerminationSignal();
  spdlog::info("signal {} received", sig);
  stop.Notify();
  watcher.join();
  // The metrics endpoint's web server takes up to a couple of seconds to stop (its poll
  // interval): stopped alongside the grace and the drain rather than after them.
  std::thread metrics_stop([this] { metrics_->Stop(); });
  host.Shutdown();
  metrics_stop.join();
  for (auto& j : jobs_) j->Stop();
  for (auto& c : consumers_) c->Stop();
  relay_->Stop();
  db_->Close();
  spdlog::info("{} stopped", name_);
  return 0;
}

}  // namespace zs::app

#include "app/runtime.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "events/outbox.h"
#include "logging/logging.h"
#include "rpc/mutation.h"

namespace zs::app {
namespace {

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  *ok = static_cast<bool>(in);
  return ss.str();
}

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceRuntime>> ServiceRuntime::Create(
    const std::string& name, int argc, char** argv, std::vector<store::Migration> migrations) {
  std::string config_path;
  std::string log_format, log_level;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (auto v = value("--config")) {
      config_path = *v;
    } else if (auto v = value("--log-format")) {
      log_format = *v;
    } else if (auto v = value("--log-level")) {
      log_level = *v;
    } else {
      return absl::InvalidArgumentError("unknown argument '" + a +
                                        "'; use --config=PATH, --log-format=human|json, "
                                        "--log-level=LEVEL");
    }
  }
  if (config_path.empty()) {
    const char* env = std::getenv("ZS_CONFIG");
    config_path = env ? env : "deploy/local/" + name + ".yaml";
  }
  auto loaded = config::Config::LoadFile(config_path);
  if (!loaded.ok()) return loaded.status();

  auto rt = std::unique_ptr<ServiceRuntime>(new ServiceRuntime());
  rt->name_ = name;
  rt->config_ = std::make_unique<config::Config>(std::move(*loaded));
  config::Config& c = *rt->config_;

  // Logging first, so everything after it is reported in the chosen format.
  if (log_format.empty()) log_format = c.String("log.format", "human");
  if (log_level.empty()) log_level = c.String("log.level", "info");
  logging::Format fmt;
  if (auto s = logging::ParseFormat(log_format, &fmt); !s.ok()) {
    return absl::InvalidArgumentError("log.format: " + std::string(s.message()));
  }
  if (auto s = logging::Init(name, fmt, log_level); !s.ok()) {
    return absl::InvalidArgumentError("log.level: " + std::string(s.message()));
  }

  if (const std::string clock_file = c.String("clock.file", ""); !clock_file.empty()) {
    rt->owned_clock_ = std::make_unique<FileClock>(clock_file);
    rt->clock_ = rt->owned_clock_.get();
    spdlog::warn("time comes from {} (clock.file): for tests only", clock_file);
  }
  rt->server_options_.listen = c.String("grpc.listen", "127.0.0.1:0");
  rt->server_options_.port_file = c.String("grpc.port_file", "");
  rt->server_options_.max_message_bytes =
      static_cast<int>(c.Int("grpc.max_message_bytes", 4 << 20, 1024, 64 << 20));
  rt->server_options_.drain_timeout = c.Duration("grpc.drain_timeout", std::chrono::seconds(10));

  const std::string data_dir = c.String("data.dir", "data/" + name);
  const std::string org_file = c.String("org.file", "deploy/local/org.yaml");

  auth::VerifierOptions vo;
  vo.algorithm = c.String("auth.algorithm", "HS256");
  vo.issuer = c.String("auth.issuer", "");
  vo.leeway = std::chrono::duration_cast<std::chrono::seconds>(
      c.Duration("auth.leeway", std::chrono::seconds(30)));
  const std::string secret = c.String("auth.hs256_secret", "");
  const std::string pem_file = c.String("auth.rs256_public_key_file", "");
  if (vo.algorithm == "RS256") {
    bool ok = false;
    vo.key = ReadFile(pem_file, &ok);
    if (!ok) c.AddError("auth.rs256_public_key_file", "cannot read '" + pem_file + "'");
  } else {
    vo.key = secret;
  }

  std::string redis_host;
  int redis_port = 0;
  const std::string redis_addr = c.String("redis.address", "127.0.0.1:6379");
  if (auto s = events::ParseAddress(redis_addr, &redis_host, &redis_port); !s.ok()) {
    c.AddError("redis.address", std::string(s.message()));
  }
  auto& ro = rt->relay_options_;
  ro.redis_host = redis_host;
  ro.redis_port = redis_port;
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

  auto org = org::OrgTree::LoadFile(org_file);
  if (!org.ok()) {
    c.AddError("org.file", std::string(org.status().message()));
  } else {
    rt->org_ = std::move(*org);
  }
  // Every caller must be a consistent principal of this org tree before any handler runs.
  vo.check_claims = [org = &rt->org_](const auth::Principal& p) {
    return auth::CheckPrincipal(*org, p);
  };
  // Tokens are checked against real time even when the domain clock is moved in tests.
  auto verifier = auth::TokenVerifier::Create(vo, SystemClock::Get());
  if (vo.algorithm != "HS256" && vo.algorithm != "RS256") {
    c.AddError("auth.algorithm", "must be HS256 or RS256");
  } else if (!verifier.ok()) {
    c.AddError(vo.algorithm == "RS256" ? "auth.rs256_public_key_file" : "auth.hs256_secret",
               std::string(verifier.status().message()));
  } else {
    rt->verifier_ = std::move(*verifier);
  }
  // Errors in the shared keys stop here, before anything touches the disk.
  if (auto s = c.Errors(); !s.ok()) return s;

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return absl::InvalidArgumentError("data.dir: cannot create '" + data_dir +
                                      "': " + ec.message());
  auto db = store::OpenSqlite({data_dir + "/" + name + ".db"});
  if (!db.ok()) return db.status();
  rt->db_ = std::move(*db);
  for (auto& [component, list] : std::vector<std::pair<std::string, std::vector<store::Migration>>>{
           {"events", events::OutboxMigrations()},
           {"idempotency", rpc::IdempotencyMigrations()},
           {name, std::move(migrations)}}) {
    if (auto s = store::Migrate(*rt->db_, component, list); !s.ok()) return s;
  }
  rt->relay_ = std::make_unique<events::OutboxRelay>(ro, *rt->db_, rt->clock_);
  rt->db_->AddCommitListener([relay = rt->relay_.get()] { relay->Wake(); });
  return rt;
}

ServiceRuntime::~ServiceRuntime() {
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

int ServiceRuntime::Run(grpc::Service* service, const std::string& health_name) {
  if (auto s = config_->Finish(); !s.ok()) {
    spdlog::critical("{}", std::string(s.message()));
    return 2;
  }
  rpc::ServiceHost host(server_options_, verifier_);
  host.AddService(service, health_name);
  if (auto s = host.Start(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  relay_->Start();
  for (auto& c : consumers_) c->Start();
  host.SetServing(true);
  spdlog::info("{} ready: data in SQLite, events to {} on {}:{}", name_, relay_options_.stream,
               relay_options_.redis_host, relay_options_.redis_port);

  // Readiness follows the database; the relay's view of Redis is reported under its own name,
  // because writes do not depend on Redis.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread watcher([&] {
    const std::string relay_health = "zhongshu.events.relay";
    std::unique_lock lock(mu);
    while (!stop) {
      const bool db_ok =
          db_->Read([](store::Tx& tx) { return tx.Query("SELECT 1").status(); }).ok();
      host.SetServing(db_ok);
      host.SetHealth(relay_health, relay_->redis_ok());
      const auto dead = events::OpenDeadLetters(*db_);
      host.SetHealth("zhongshu.events.dead_letters", dead.ok() && *dead == 0);
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stop.load(); });
    }
  });

  const int sig = rpc::WaitForTerminationSignal();
  spdlog::info("signal {} received", sig);
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  watcher.join();
  host.Shutdown();
  for (auto& c : consumers_) c->Stop();
  relay_->Stop();
  db_->Close();
  spdlog::info("{} stopped", name_);
  return 0;
}

}  // namespace zs::app

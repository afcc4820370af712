#include "events/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/time_util.h"

namespace zs::events {

OutboxRelay::OutboxRelay(RelayOptions options, store::Database& db, const Clock* clock)
    : options_(std::move(options)), db_(db), clock_(clock) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  wake_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
    cv_.notify_all();
  }
  thread_.join();
}

void OutboxRelay::Wake() {
  std::lock_guard lock(mu_);
  wake_ = true;
  cv_.notify_one();
}

namespace {

// Adds entries in order: ARGV holds (id, type, event) triples. An id the stream already has is
// skipped; any other error stops the script there, so later entries are never added past a gap.
// Returns {entries handled, error text or ""}.
constexpr char kPublishScript[] = R"lua(
local n = 0
for i = 1, #ARGV, 3 do
  local ok = redis.pcall('XADD', KEYS[1], ARGV[i], 'type', ARGV[i + 1], 'event', ARGV[i + 2])
  if type(ok) == 'table' and ok.err and not string.find(ok.err, 'equal or smaller') then
    return {n, ok.err}
  end
  n = n + 1
end
return {n, ''}
)lua";

int64_t LastStreamSeq(const Reply& info) {
  for (size_t i = 0; i + 1 < info.elements.size(); i += 2) {
    if (info.elements[i].str == "last-generated-id") return StreamIdMs(info.elements[i + 1].str);
  }
  return 0;
}

}  // namespace

absl::Status OutboxRelay::EnsureConnected() {
  if (redis_ && !redis_->broken()) return absl::OkStatus();
  redis_.reset();
  auto conn =
      RedisConnection::Connect(options_.redis_host, options_.redis_port,
                               std::chrono::milliseconds(1000), std::chrono::milliseconds(5000));
  if (!conn.ok()) return conn.status();
  auto info = (*conn)->Command({"XINFO", "STREAM", options_.stream});
  if (!info.ok()) return info.status();
  int64_t last = 0;
  if (info->type == Reply::Type::kArray) {
    last = LastStreamSeq(*info);
  } else if (!info->IsError() || info->str.find("no such key") == std::string::npos) {
    return absl::UnavailableError("relay: XINFO STREAM: " + info->str);
  }
  if (last < published_upto_) {
    spdlog::warn(
        "relay: stream {} ends at {} but events up to {} were published; republishing "
        "from the outbox",
        options_.stream, last, published_upto_);
  }
  published_upto_ = last;
  redis_ = std::move(*conn);
  spdlog::info("relay: connected to redis {}:{}, stream {} at {}", options_.redis_host,
               options_.redis_port, options_.stream, last);
  return absl::OkStatus();
}

absl::StatusOr<int> OutboxRelay::PublishBatch() {
  std::vector<store::Row> rows;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = tx.Query("SELECT seq, type, envelope FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                      {published_upto_, int64_t{options_.batch}});
    if (!r.ok()) return r.status();
    rows = std::move(*r);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (rows.empty()) return 0;

  std::vector<std::string> argv{"EVAL", kPublishScript, "1", options_.stream};
  argv.reserve(4 + rows.size() * 3);
  for (const auto& row : rows) {
    argv.push_back(std::to_string(row.Int(0)) + "-0");
    argv.push_back(row.Text(1));
    argv.push_back(row.Text(2));
  }
  auto reply = redis_->Command(argv);
  if (!reply.ok()) return reply.status();
  if (reply->IsError() || reply->elements.size() != 2) {
    return absl::UnavailableError("relay: publish script: " + reply->str);
  }
  const int64_t done = reply->elements[0].integer;
  if (done > 0) published_upto_ = rows[done - 1].Int(0);
  if (!reply->elements[1].str.empty()) {
    return absl::UnavailableError("relay: XADD of seq " + std::to_string(rows[done].Int(0)) +
                                  " failed: " + reply->elements[1].str);
  }
  return static_cast<int>(done);
}

absl::Status OutboxRelay::Maintain() {
  // Lowest entry some group still needs: its oldest pending entry, or the one after its last read.
  auto groups = redis_->Command({"XINFO", "GROUPS", options_.stream});
  if (!groups.ok()) return groups.status();
  auto info = redis_->Command({"XINFO", "STREAM", options_.stream});
  if (!info.ok()) return info.status();
  const int64_t last = info->type == Reply::Type::kArray ? LastStreamSeq(*info) : 0;
  const int64_t wanted = last - options_.stream_max_len + 1;
  int64_t floor = wanted;
  if (groups->type == Reply::Type::kArray) {
    for (const auto& g : groups->elements) {
      std::string name, last_delivered;
      int64_t pending = 0;
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        if (g.elements[i].str == "name") name = g.elements[i + 1].str;
        if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
        if (g.elements[i].str == "last-delivered-id") last_delivered = g.elements[i + 1].str;
      }
      int64_t needed = StreamIdMs(last_delivered) + 1;
      if (pending > 0) {
        auto summary = redis_->Command({"XPENDING", options_.stream, name});
        if (summary.ok() && summary->type == Reply::Type::kArray && summary->elements.size() >= 2) {
          needed = std::min(needed, StreamIdMs(summary->elements[1].str));
        }
      }
      if (needed < wanted) {
        spdlog::warn(
            "relay: consumer group {} on {} lags {} entries behind (bound {}); not trimming "
            "what it has not acknowledged",
            name, options_.stream, last - needed + 1, options_.stream_max_len);
      }
      floor = std::min(floor, needed);
    }
  }
  if (floor > 1) {
    auto r = redis_->Command({"XTRIM", options_.stream, "MINID", std::to_string(floor) + "-0"});
    if (!r.ok()) return r.status();
  }
  const int64_t cutoff = ToMillis(clock_->Now()) - options_.retention.count();
  return db_.Write([&](store::Tx& tx) {
    return tx.Exec("DELETE FROM outbox WHERE seq <= ? AND created_at < ?", {last, cutoff}).status();
  });
}

void OutboxRelay::Loop() {
  auto backoff = options_.backoff_initial;
  auto next_maintenance = std::chrono::steady_clock::now() + options_.maintenance_interval;
  std::chrono::milliseconds wait{0};
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, wait, [&] { return wake_ || !running_; });
      if (!running_) return;
      wake_ = false;
    }
    wait = options_.maintenance_interval;
    absl::Status s = EnsureConnected();
    while (s.ok()) {
      auto n = PublishBatch();
      if (!n.ok()) {
        s = n.status();
        break;
      }
      if (*n < options_.batch) break;
    }
    if (s.ok() && std::chrono::steady_clock::now() >= next_maintenance) {
      next_maintenance = std::chrono::steady_clock::now() + options_.maintenance_interval;
      s = Maintain();
    }
    if (s.ok()) {
      redis_ok_ = true;
      backoff = options_.backoff_initial;
    } else {
      if (redis_ok_.exchange(false) || backoff == options_.backoff_initial) {
        spdlog::warn("relay: {}; retrying with backoff", s.ToString());
      }
      if (redis_ && redis_->broken()) redis_.reset();
      wait = backoff;
      backoff = std::min(backoff * 2, options_.backoff_max);
    }
  }
}

}  // namespace zs::events

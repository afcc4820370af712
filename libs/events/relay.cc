#include "events/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/time/time.h"
#include "core/time_util.h"
#include "zhongshu/events/v1/event.pb.h"

namespace zs::events {

OutboxRelay::OutboxRelay(RelayOptions options, store::Database& db, const Clock* clock)
    : options_(std::move(options)), db_(db), clock_(clock) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  absl::MutexLock lock(&mu_);
  if (running_) return;
  running_ = true;
  wake_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!running_) return;
    running_ = false;
  }
  thread_.join();
}

void OutboxRelay::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

namespace {

// KEYS[1] is the stream; ARGV[1] the last id (ms part) the relay knows the stream reached; then
// (id, type, event) triples. Returns {entries handled, error, detail}. The error is "behind" when
// the stream's last-generated-id is below ARGV[1] (Redis lost data: nothing is added), "diverged"
// when an id is taken by a different envelope, or Redis's own error; entries after an error are
// never added, so the stream has no gap. With no triples it only checks.
constexpr char kPublishScript[] = R"lua(
local last = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      last = tonumber(string.match(info[i + 1], '^(%d+)'))
    end
  end
end
if last < tonumber(ARGV[1]) then return {0, 'behind', tostring(last)} end
local n = 0
for i = 2, #ARGV, 3 do
  local ok = redis.pcall('XADD', KEYS[1], ARGV[i], 'type', ARGV[i + 1], 'event', ARGV[i + 2])
  if type(ok) == 'table' and ok.err then
    if not string.find(ok.err, 'equal or smaller') then return {n, ok.err, ''} end
    local have = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
    local same = false
    if #have == 1 then
      local kv = have[1][2]
      for j = 1, #kv, 2 do
        if kv[j] == 'event' and kv[j + 1] == ARGV[i + 2] then same = true end
      end
    end
    if not same then return {n, 'diverged', ARGV[i]} end
  end
  n = n + 1
end
return {n, '', ''}
)lua";

int64_t LastStreamSeq(const Reply& info) {
  for (size_t i = 0; i + 1 < info.elements.size(); i += 2) {
    if (info.elements[i].str == "last-generated-id") return StreamIdMs(info.elements[i + 1].str);
  }
  return 0;
}

// The "event" field of an XRANGE/XREVRANGE entry.
std::string EventField(const Reply& entry) {
  if (entry.elements.size() < 2) return "";
  const auto& kv = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < kv.size(); i += 2) {
    if (kv[i].str == "event") return kv[i + 1].str;
  }
  return "";
}

std::string EventIdOf(const std::string& envelope) {
  zhongshu::events::v1::Event e;
  if (!e.ParseFromString(envelope)) return "";
  return e.id();
}

}  // namespace

absl::Status OutboxRelay::LoadSegments() {
  return db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r =
        tx.Query("SELECT from_seq, id_offset FROM relay_offsets WHERE stream = ? ORDER BY from_seq",
                 {options_.stream});
    if (!r.ok()) return r.status();
    segments_.clear();
    for (const auto& row : *r) segments_.emplace_back(row.Int(0), row.Int(1));
    return absl::OkStatus();
  });
}

int64_t OutboxRelay::IdOf(int64_t seq) const {
  int64_t offset = 0;
  for (const auto& [from, off] : segments_) {
    if (from > seq) break;
    offset = off;
  }
  return seq + offset;
}

int64_t OutboxRelay::SeqOf(int64_t id) const {
  int64_t seq = id;
  for (const auto& [from, off] : segments_) {
    if (from + off > id) break;
    seq = id - off;
  }
  return seq;
}

absl::Status OutboxRelay::EnsureConnected() {
  if (redis_ && !redis_->broken()) return absl::OkStatus();
  redis_.reset();
  auto conn = RedisConnection::Connect(
      options_.redis_host, options_.redis_port, std::chrono::milliseconds(1000),
      std::chrono::milliseconds(5000), options_.redis_user, options_.redis_password);
  if (!conn.ok()) return conn.status();
  redis_ = std::move(*conn);
  if (auto s = Reconcile(); !s.ok()) {
    redis_.reset();
    return s;
  }
  spdlog::info("relay: connected to redis {}:{}, stream {} at {}, published up to outbox seq {}",
               options_.redis_host, options_.redis_port, options_.stream, stream_last_,
               published_upto_);
  return absl::OkStatus();
}

absl::Status OutboxRelay::Reconcile() {
  if (auto s = LoadSegments(); !s.ok()) return s;
  int64_t min_seq = 0, max_seq = 0, assigned = 0;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = tx.Query("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM outbox");
    if (!r.ok()) return r.status();
    min_seq = (*r)[0].Int(0);
    max_seq = (*r)[0].Int(1);
    auto q = tx.Query("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
    if (!q.ok()) return q.status();
    assigned = q->empty() ? 0 : (*q)[0].Int(0);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  assigned = std::max(assigned, max_seq);
  // Rows below min_seq were deleted after being verified published.
  const int64_t before_outbox = max_seq > 0 ? min_seq - 1 : assigned;

  auto info = redis_->Command({"XINFO", "STREAM", options_.stream});
  if (!info.ok()) return info.status();
  int64_t last = 0;
  if (info->type == Reply::Type::kArray) {
    last = LastStreamSeq(*info);
  } else if (!info->IsError() || info->str.find("no such key") == std::string::npos) {
    return absl::UnavailableError("relay: XINFO STREAM: " + info->str);
  }
  auto tail = redis_->Command({"XREVRANGE", options_.stream, "+", "-", "COUNT", "1"});
  if (!tail.ok()) return tail.status();

  int64_t published = before_outbox;  // when the stream holds nothing of this outbox
  bool verified = false;
  if (tail->type == Reply::Type::kArray && !tail->elements.empty()) {
    const Reply& e = tail->elements[0];
    const int64_t seq = SeqOf(StreamIdMs(e.elements[0].str));
    const std::string event_id = EventIdOf(EventField(e));
    std::string ours;
    bool found = false;
    s = db_.Read([&](store::Tx& tx) -> absl::Status {
      auto r = tx.Query("SELECT event_id FROM outbox WHERE seq = ?", {seq});
      if (!r.ok()) return r.status();
      found = !r->empty();
      if (found) ours = (*r)[0].Text(0);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    if (found && !event_id.empty() && ours == event_id) {
      published = seq;
      verified = true;
    } else if (!found && seq > 0 && seq <= assigned && seq <= before_outbox) {
      published = seq;  // already verified and pruned from the outbox
      verified = true;
    }
    if (!verified) {
      // The stream's tail is not this database's (a restored backup, or another history): look
      // back for the newest entry that is an event of this outbox. Everything up to it was
      // published in order; everything after it is published again.
      spdlog::warn(
          "relay: the last entry {} of {} is not the event this database holds under that "
          "position (database restored from a backup?); looking for the newest event of this "
          "outbox on the stream",
          e.elements[0].str, options_.stream);
      std::string cursor = "+";
      bool done = false;
      while (!done) {
        auto page = redis_->Command({"XREVRANGE", options_.stream, cursor, "-", "COUNT", "500"});
        if (!page.ok()) return page.status();
        if (page->type != Reply::Type::kArray || page->elements.empty()) break;
        std::string sql = "SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE event_id IN (";
        std::vector<store::Param> params;
        for (const auto& entry : page->elements) {
          const std::string id = EventIdOf(EventField(entry));
          if (id.empty()) continue;
          sql += params.empty() ? "?" : ", ?";
          params.emplace_back(id);
        }
        sql += ")";
        if (!params.empty()) {
          s = db_.Read([&](store::Tx& tx) -> absl::Status {
            auto r = tx.Query(sql, params);
            if (!r.ok()) return r.status();
            if ((*r)[0].Int(0) > 0) {
              published = (*r)[0].Int(0);
              done = true;
            }
            return absl::OkStatus();
          });
          if (!s.ok()) return s;
        }
        cursor = "(" + page->elements.back().elements[0].str;
        if (page->elements.size() < 500) break;
      }
    }
  }
  // New ids must go above the stream's last-generated id.
  if (IdOf(published + 1) <= last) {
    const int64_t from = published + 1, offset = last - published;
    spdlog::warn(
        "relay: stream {} is at {} but this database has published only up to outbox seq {}; "
        "outbox rows from seq {} get stream ids from {}",
        options_.stream, last, published, from, from + offset);
    s = db_.Write([&](store::Tx& tx) -> absl::Status {
      auto d = tx.Exec("DELETE FROM relay_offsets WHERE stream = ? AND from_seq >= ?",
                       {options_.stream, from});
      if (!d.ok()) return d.status();
      return tx
          .Exec(
              "INSERT INTO relay_offsets (stream, from_seq, id_offset, created_at) "
              "VALUES (?, ?, ?, ?)",
              {options_.stream, from, offset, ToMillis(clock_->Now())})
          .status();
    });
    if (!s.ok()) return s;
    if (auto l = LoadSegments(); !l.ok()) return l;
  }
  if (published < max_seq) {
    spdlog::info("relay: stream {} holds this outbox up to seq {}; publishing from there",
                 options_.stream, published);
  }
  published_upto_ = published;
  published_seq_.store(published_upto_);
  stream_last_ = last;
  next_check_ = std::chrono::steady_clock::now() + options_.check_interval;
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
  if (rows.empty() && std::chrono::steady_clock::now() < next_check_) return 0;

  std::vector<std::string> argv{"EVAL", kPublishScript, "1", options_.stream,
                                std::to_string(stream_last_)};
  argv.reserve(5 + rows.size() * 3);
  for (const auto& row : rows) {
    argv.push_back(std::to_string(IdOf(row.Int(0))) + "-0");
    argv.push_back(row.Text(1));
    argv.push_back(row.Text(2));
  }
  auto reply = redis_->Command(argv);
  if (!reply.ok()) return reply.status();
  if (reply->IsError() || reply->elements.size() != 3) {
    return absl::UnavailableError("relay: publish script: " + reply->str);
  }
  next_check_ = std::chrono::steady_clock::now() + options_.check_interval;
  const int64_t done = reply->elements[0].integer;
  if (done > 0) {
    published_upto_ = rows[done - 1].Int(0);
    published_seq_.store(published_upto_);
    stream_last_ = std::max(stream_last_, IdOf(published_upto_));
  }
  const std::string& err = reply->elements[1].str;
  if (err == "behind" || err == "diverged") {
    spdlog::warn(
        "relay: stream {} {} (last id {}, expected at least {}); Redis lost data: "
        "publishing again from the outbox",
        options_.stream, err == "behind" ? "went back in time" : "holds another event at an id",
        reply->elements[2].str, stream_last_);
    if (auto r = Reconcile(); !r.ok()) return r;
    return options_.batch;  // go round again
  }
  if (!err.empty()) {
    return absl::UnavailableError("relay: XADD of seq " + std::to_string(rows[done].Int(0)) +
                                  " failed: " + err);
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
  // Only rows verified on the stream in this session go: never by the stream's last id, which may
  // belong to another history (a restored database).
  return db_.Write([&](store::Tx& tx) {
    return tx
        .Exec("DELETE FROM outbox WHERE seq <= ? AND created_at < ?", {published_upto_, cutoff})
        .status();
  });
}

void OutboxRelay::Loop() {
  auto backoff = options_.backoff_initial;
  auto next_maintenance = std::chrono::steady_clock::now() + options_.maintenance_interval;
  std::chrono::milliseconds wait{0};
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &OutboxRelay::WokenOrStopped),
                           absl::FromChrono(wait));
      if (!running_) return;
      wake_ = false;
    }
    wait = std::min(options_.maintenance_interval, options_.check_interval);
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

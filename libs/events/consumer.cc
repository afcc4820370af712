#include "events/consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/time_util.h"
#include "core/trace.h"
#include "logging/logging.h"

namespace zs::events {
namespace {

void CrashHere(const std::string& point) {
  spdlog::critical("fault injection: exiting abruptly at {}", point);
  spdlog::default_logger()->flush();
  std::_Exit(86);
}

// The payload of `event` as a `want` (a default instance of the expected type), or
// INVALID_ARGUMENT saying why it is not one: such an event can never be applied.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> UnpackPayload(
    const zhongshu::events::v1::Event& event, const google::protobuf::Message& want) {
  const std::string& expected = want.GetDescriptor()->full_name();
  const std::string_view url = event.payload().type_url();
  const auto slash = url.rfind('/');
  const std::string_view got = slash == std::string_view::npos ? url : url.substr(slash + 1);
  const std::string what = "event " + event.type() + " (" + event.id() + ") ";
  if (!event.has_payload() || got.empty()) {
    return absl::InvalidArgumentError(what + "has no payload; expected payload " + expected);
  }
  if (got != expected) {
    return absl::InvalidArgumentError(what + "carries payload " + std::string(got) +
                                      "; expected payload " + expected);
  }
  std::unique_ptr<google::protobuf::Message> payload(want.New());
  if (!event.payload().UnpackTo(payload.get())) {
    return absl::InvalidArgumentError(what + "carries a payload that does not parse as " +
                                      expected);
  }
  return payload;
}

}  // namespace

// A fixed set of threads that, with the caller's, runs the preparations of one batch side by
// side. One ForEach at a time (only the consumer's thread calls it).
class StreamConsumer::Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~Pool() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    for (auto& t : threads_) t.join();
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs fn(0) .. fn(n - 1) on the pool's threads and the caller's; returns when all are done.
  void ForEach(size_t n, const std::function<void(size_t)>& fn) {
    {
      absl::MutexLock lock(&mu_);
      fn_ = &fn;
      next_ = 0;
      size_ = n;
      busy_ = 0;
    }
    while (RunOne()) {
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Pool::Finished));
    fn_ = nullptr;
  }

 private:
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return fn_ && next_ < size_; }
  bool HasWorkOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || HasWork(); }
  bool Finished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return next_ >= size_ && busy_ == 0; }

  // Claims and runs one item of the current ForEach; false when none is left to claim.
  bool RunOne() {
    const std::function<void(size_t)>* fn;
    size_t i;
    {
      absl::MutexLock lock(&mu_);
      if (!HasWork()) return false;
      fn = fn_;
      i = next_++;
      ++busy_;
    }
    (*fn)(i);
    absl::MutexLock lock(&mu_);
    --busy_;
    return true;
  }

  void Work() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &Pool::HasWorkOrStop));
        if (stop_) return;
      }
      RunOne();
    }
  }

  absl::Mutex mu_;
  const std::function<void(size_t)>* fn_ ABSL_GUARDED_BY(mu_) = nullptr;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;  // the next item to claim
  size_t size_ ABSL_GUARDED_BY(mu_) = 0;
  size_t busy_ ABSL_GUARDED_BY(mu_) = 0;  // items claimed and not finished
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

StreamConsumer::StreamConsumer(ConsumerOptions options, store::Database& db)
    : options_([&] {
        if (options.dead_letter_stream.empty())
          options.dead_letter_stream = options.stream + ":dead";
        return options;
      }()),
      db_(db) {}

StreamConsumer::~StreamConsumer() { Stop(); }

void StreamConsumer::Register(std::string type, Registration registration) {
  handlers_.emplace(std::move(type), std::move(registration));
}

void StreamConsumer::On(std::string type, EventHandler handler) {
  Registration r;
  r.apply = [h = std::move(handler)](const zhongshu::events::v1::Event& event,
                                     const google::protobuf::Message*, const std::any&,
                                     store::Tx& tx) { return h(event, tx); };
  Register(std::move(type), std::move(r));
}

void StreamConsumer::On(std::string type, EventPreparer prepare, PreparedHandler handler) {
  Registration r;
  if (prepare) {
    r.prepare = [p = std::move(prepare)](const zhongshu::events::v1::Event& event,
                                         const google::protobuf::Message*) { return p(event); };
  }
  r.apply = [h = std::move(handler)](const zhongshu::events::v1::Event& event,
                                     const google::protobuf::Message*, const std::any& prepared,
                                     store::Tx& tx) { return h(event, prepared, tx); };
  Register(std::move(type), std::move(r));
}

void StreamConsumer::Start() {
  if (running_.exchange(true)) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  const bool prepares = std::any_of(handlers_.begin(), handlers_.end(),
                                    [](const auto& h) { return h.second.prepare != nullptr; });
  if (prepares && options_.prepare_threads > 1) {
    pool_ = std::make_unique<Pool>(options_.prepare_threads - 1);
  }
  thread_ = std::thread([this] { Loop(); });
}

void StreamConsumer::Stop() {
  if (!running_.exchange(false)) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  pool_.reset();
}

bool StreamConsumer::Pause(std::chrono::milliseconds d) {
  absl::MutexLock lock(&mu_);
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(d));
}

int64_t StreamConsumer::NowMs() const {
  return ToMillis((options_.clock ? options_.clock : SystemClock::Get())->Now());
}

namespace {

bool IsTransient(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

bool IsNoGroup(const Reply& r) { return r.IsError() && r.str.find("NOGROUP") != std::string::npos; }

// "<ms>-<seq>" as a comparable pair; {0, 0} when malformed.
std::pair<int64_t, int64_t> ParseId(const std::string& id) {
  const auto dash = id.find('-');
  try {
    if (dash == std::string::npos) return {std::stoll(id), 0};
    return {std::stoll(id.substr(0, dash)), std::stoll(id.substr(dash + 1))};
  } catch (const std::exception&) {
    return {0, 0};
  }
}

}  // namespace

absl::Status StreamConsumer::EnsureReady() {
  if (redis_ && !redis_->broken()) return absl::OkStatus();
  redis_.reset();
  auto conn = RedisConnection::Connect(options_.redis_host, options_.redis_port,
                                       std::chrono::milliseconds(1000),
                                       options_.block + std::chrono::milliseconds(5000),
                                       options_.redis_user, options_.redis_password);
  if (!conn.ok()) return conn.status();
  // From "0": a group created again after Redis lost it reads everything the stream holds (what
  // the producers publish again included); consumed_events makes the repeats harmless.
  auto r = (*conn)->Command({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"});
  if (!r.ok()) return r.status();
  if (r->IsError() && r->str.find("BUSYGROUP") == std::string::npos) {
    return absl::UnavailableError("consumer: XGROUP CREATE: " + r->str);
  }
  redis_ = std::move(*conn);
  drained_own_pending_ = false;
  retries_.clear();
  spdlog::info("consumer {}/{}: reading {}", options_.group, options_.consumer, options_.stream);
  return absl::OkStatus();
}

std::vector<StreamConsumer::Entry> StreamConsumer::ParseEntries(const Reply& entries) const {
  std::vector<Entry> out;
  for (const auto& e : entries.elements) {
    // A claimed entry that was trimmed meanwhile shows up as nil.
    if (e.type != Reply::Type::kArray || e.elements.size() < 2) continue;
    Entry entry{e.elements[0].str, {}};
    const auto& kv = e.elements[1].elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) entry.fields[kv[i].str] = kv[i + 1].str;
    out.push_back(std::move(entry));
  }
  return out;
}

absl::StatusOr<int64_t> StreamConsumer::CountFailure(const Result& r) {
  int64_t tries = 0;
  auto s = db_.Write([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(
        "INSERT INTO consumer_failures (consumer, event_key, tries, last_error, updated_at) "
        "VALUES (?, ?, 1, ?, ?) ON CONFLICT (consumer, event_key) DO UPDATE SET "
        "tries = tries + 1, last_error = excluded.last_error, updated_at = excluded.updated_at "
        "RETURNING tries",
        {options_.group, r.key, r.error, NowMs()});
    if (!rows.ok()) return rows.status();
    tries = rows->empty() ? 1 : (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return tries;
}

absl::Status StreamConsumer::DeadLetter(const Entry& entry, const Result& r, int64_t tries) {
  const auto field = [&](const std::string& k) {
    auto it = entry.fields.find(k);
    return it == entry.fields.end() ? std::string() : it->second;
  };
  // The durable, replayable record first; then the dead-letter stream for those watching Redis.
  auto s = db_.Write([&](store::Tx& tx) -> absl::Status {
    auto ins = tx.Exec(
        "INSERT INTO dead_letters (consumer, stream, entry_id, event_key, event_id, type, event,"
        " reason, tries, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'dead',"
        " ?, ?) ON CONFLICT (consumer, event_key) DO UPDATE SET stream = excluded.stream,"
        " entry_id = excluded.entry_id, reason = excluded.reason, tries = excluded.tries,"
        " state = 'dead', updated_at = excluded.updated_at",
        {options_.group, options_.stream, entry.id, r.key, r.event_id, field("type"),
         store::Blob{field("event")}, r.error, tries, NowMs(), NowMs()});
    if (!ins.ok()) return ins.status();
    return tx
        .Exec("DELETE FROM consumer_failures WHERE consumer = ? AND event_key = ?",
              {options_.group, r.key})
        .status();
  });
  if (!s.ok()) return s;
  spdlog::error(
      "consumer {}: event {} (entry {} of {}) is a dead letter {}: {}; list with "
      "'zsadmin dead-letters list', replay after a fix with 'zsadmin dead-letters replay'",
      options_.group, r.key, entry.id, options_.stream,
      r.outcome == Outcome::kDead ? std::string("at once (it can never be applied)")
                                  : "after " + std::to_string(tries) + " failures",
      r.error);
  std::vector<std::string> argv{"XADD",
                                options_.dead_letter_stream,
                                "*",
                                "source_id",
                                entry.id,
                                "group",
                                options_.group,
                                "reason",
                                r.error};
  for (const auto& [k, v] : entry.fields) {
    argv.push_back(k);
    argv.push_back(v);
  }
  auto x = redis_->Command(argv);
  if (!x.ok()) return x.status();
  if (x->IsError()) return absl::UnavailableError("consumer: dead-letter XADD: " + x->str);
  return absl::OkStatus();
}

void StreamConsumer::ScheduleRetry(const std::string& entry_id) {
  auto [it, fresh] = retries_.try_emplace(entry_id, Retry{{}, options_.retry_initial});
  if (!fresh) it->second.backoff = std::min(it->second.backoff * 2, options_.retry_max);
  it->second.next = std::chrono::steady_clock::now() + it->second.backoff;
}

absl::StatusOr<StreamConsumer::GroupStats> StreamConsumer::ReadGroupStats() const {
  auto conn = RedisConnection::Connect(
      options_.redis_host, options_.redis_port, std::chrono::milliseconds(300),
      std::chrono::milliseconds(300), options_.redis_user, options_.redis_password);
  if (!conn.ok()) return conn.status();
  auto groups = (*conn)->Command({"XINFO", "GROUPS", options_.stream});
  if (!groups.ok()) return groups.status();
  if (groups->IsError()) return absl::UnavailableError("XINFO GROUPS: " + groups->str);
  for (const Reply& g : groups->elements) {
    GroupStats stats;
    bool mine = false;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      const std::string& key = g.elements[i].str;
      const Reply& value = g.elements[i + 1];
      if (key == "name") mine = value.str == options_.group;
      if (key == "pending") stats.pending = value.integer;
      if (key == "lag") stats.lag = value.IsNil() ? -1 : value.integer;
    }
    if (mine) return stats;
  }
  return absl::NotFoundError("group " + options_.group + " not on " + options_.stream);
}

std::vector<StreamConsumer::Result> StreamConsumer::Apply(const std::vector<Entry>& entries) {
  struct Work {
    size_t index = 0;
    zhongshu::events::v1::Event event;
    const Registration* reg = nullptr;
    std::unique_ptr<google::protobuf::Message> payload;  // typed handlers only
    absl::Status malformed;                              // the payload is not what reg expects
    std::any prepared;
    bool ready = false;  // prepared (or needs no preparation)
    bool applied_before = false;
    absl::Status result;
  };
  std::vector<Result> results(entries.size());
  std::vector<Work> work;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    zhongshu::events::v1::Event event;
    auto it = entry.fields.find("event");
    if (it == entry.fields.end() || !event.ParseFromString(it->second) || event.id().empty()) {
      // The entry will never be anything else: a dead letter at once.
      results[i] = {
          Outcome::kDead, "entry:" + options_.stream + "/" + entry.id, "",
          "entry " + entry.id + " of " + options_.stream + " is not a zhongshu.events.v1.Event"};
      continue;
    }
    results[i].key = results[i].event_id = event.id();
    auto h = handlers_.find(event.type());
    if (h == handlers_.end()) continue;  // not for this service: done
    Work w;
    w.index = i;
    w.reg = &h->second;
    if (w.reg->payload_type != nullptr) {
      // Unpacked once, here, for the preparation and the effect alike.
      auto payload = UnpackPayload(event, *w.reg->payload_type);
      if (payload.ok()) {
        w.payload = std::move(*payload);
      } else {
        w.malformed = payload.status();
      }
    }
    w.event = std::move(event);
    work.push_back(std::move(w));
  }

  // Events applied before are neither prepared nor given up on again: one query for the batch.
  std::set<std::string> seen;
  if (std::any_of(work.begin(), work.end(),
                  [](const Work& w) { return w.reg->prepare != nullptr || !w.malformed.ok(); })) {
    std::string sql = "SELECT event_id FROM consumed_events WHERE consumer = ? AND event_id IN (";
    std::vector<store::Param> params{options_.group};
    for (size_t i = 0; i < work.size(); ++i) {
      sql += i ? ", ?" : "?";
      params.emplace_back(work[i].event.id());
    }
    sql += ")";
    absl::Status read = db_.Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query(sql, params);
      if (!rows.ok()) return rows.status();
      for (const auto& r : *rows) seen.insert(r.Text(0));
      return absl::OkStatus();
    });
    if (!read.ok()) {
      for (auto& w : work)
        results[w.index] = {Outcome::kTransient, w.event.id(), w.event.id(), read.ToString()};
      return results;
    }
  }
  std::vector<Work*> to_prepare;
  for (auto& w : work) {
    if (seen.count(w.event.id())) {
      w.ready = w.applied_before = true;
    } else if (!w.malformed.ok()) {
      w.result = w.malformed;  // never prepared nor applied
    } else if (w.reg->prepare) {
      to_prepare.push_back(&w);
    } else {
      w.ready = true;
    }
  }
  // Preparations (network calls) run outside any transaction, side by side on the pool.
  const auto prepare = [&](size_t i) {
    Work& w = *to_prepare[i];
    trace::ScopedTrace in_trace(w.event.trace_id());  // calls to other services carry it
    auto p = w.reg->prepare(w.event, w.payload.get());
    if (!p.ok()) {
      w.result = p.status();
      return;
    }
    w.prepared = std::move(*p);
    w.ready = true;
  };
  if (pool_ && to_prepare.size() > 1) {
    pool_->ForEach(to_prepare.size(), prepare);
  } else {
    for (size_t i = 0; i < to_prepare.size(); ++i) prepare(i);
  }

  // Effects: every transaction is submitted at once, in stream order, so they share one commit;
  // each commits with its consumed_events row, so a redelivered event applies once.
  const auto submitted = std::count_if(work.begin(), work.end(),
                                       [](const Work& w) { return w.ready && !w.applied_before; });
  absl::BlockingCounter pending(static_cast<int>(submitted));
  for (auto& w : work) {
    if (!w.ready || w.applied_before) continue;
    db_.Submit(
        [this, &w](store::Tx& tx) -> absl::Status {
          auto inserted = tx.Exec(
              "INSERT INTO consumed_events (consumer, event_id, consumed_at) VALUES (?, ?, ?) "
              "ON CONFLICT (consumer, event_id) DO NOTHING",
              {options_.group, w.event.id(), NowMs()});
          if (!inserted.ok()) return inserted.status();
          if (*inserted == 0) return absl::OkStatus();      // applied before: a redelivery
          trace::ScopedTrace in_trace(w.event.trace_id());  // events it records continue it
          if (auto hs = w.reg->apply(w.event, w.payload.get(), w.prepared, tx); !hs.ok()) return hs;
          if (options_.crash_point == "before_commit") CrashHere("before_commit");
          return absl::OkStatus();
        },
        [&pending, w = &w](absl::Status s) {
          w->result = std::move(s);
          pending.DecrementCount();
        });
  }
  if (submitted > 0) pending.Wait();
  bool applied_any = false;
  for (auto& w : work) {
    Result& r = results[w.index];
    if (w.result.ok()) {
      if (!w.applied_before) {
        logging::Info("event applied", {{"consumer", options_.group},
                                        {"event_type", w.event.type()},
                                        {"event_id", w.event.id()},
                                        {"source", w.event.source()},
                                        {"trace_id", w.event.trace_id()}});
      }
      applied_any = applied_any || !w.applied_before;
      continue;
    }
    if (!w.malformed.ok()) {
      r.outcome = Outcome::kDead;
      r.error = std::string(w.malformed.message());
      continue;
    }
    r.outcome = IsTransient(w.result) ? Outcome::kTransient : Outcome::kFailed;
    r.error = (w.ready ? "applying " : "preparing ") + w.event.type() + ": " + w.result.ToString();
  }
  if (applied_any && options_.crash_point == "after_commit") CrashHere("after_commit");
  return results;
}

void StreamConsumer::RecordPosition(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  std::pair<int64_t, int64_t> last{0, 0};
  for (const auto& e : entries) last = std::max(last, ParseId(e.id));
  // A lagging position only makes a later catch-up read a little more, so a failure here is
  // logged, not fatal.
  auto s = db_.Write([&](store::Tx& tx) {
    return tx
        .Exec(
            "INSERT INTO consumer_positions (consumer, stream, last_ms, last_seq) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (consumer, stream) DO UPDATE SET "
            "last_ms = excluded.last_ms, last_seq = excluded.last_seq "
            "WHERE (excluded.last_ms, excluded.last_seq) > (last_ms, last_seq)",
            {options_.group, options_.stream, last.first, last.second})
        .status();
  });
  if (!s.ok()) spdlog::warn("consumer {}: recording position: {}", options_.group, s.ToString());
}

absl::Status StreamConsumer::CatchUp() {
  auto groups = redis_->Command({"XINFO", "GROUPS", options_.stream});
  if (!groups.ok()) return groups.status();
  std::string delivered;
  for (const auto& g : groups->elements) {
    std::string name, last;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      if (g.elements[i].str == "name") name = g.elements[i + 1].str;
      if (g.elements[i].str == "last-delivered-id") last = g.elements[i + 1].str;
    }
    if (name == options_.group) delivered = last;
  }
  std::pair<int64_t, int64_t> position{0, 0};
  bool known = false;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(
        "SELECT last_ms, last_seq FROM consumer_positions WHERE consumer = ? AND stream = ?",
        {options_.group, options_.stream});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      known = true;
      position = {(*rows)[0].Int(0), (*rows)[0].Int(1)};
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  // A database that never recorded a position is a first start (or predates positions): the
  // group's own delivery covers it.
  if (!known || delivered.empty() || !(position < ParseId(delivered))) return absl::OkStatus();
  spdlog::warn(
      "consumer {}: this database handled {} up to {}-{} but the group is at {}: restored from a "
      "backup? applying the entries in between again",
      options_.group, options_.stream, position.first, position.second, delivered);
  std::string from = "(" + std::to_string(position.first) + "-" + std::to_string(position.second);
  int again = 0;
  while (running_) {
    auto r = redis_->Command(
        {"XRANGE", options_.stream, from, delivered, "COUNT", std::to_string(options_.count)});
    if (!r.ok()) return r.status();
    if (r->IsError()) return absl::UnavailableError("consumer: XRANGE: " + r->str);
    const auto page = ParseEntries(*r);
    if (page.empty()) break;
    // Every entry of the page is done (applied, not ours, or dead-lettered) before the next.
    auto waiting = [&] {
      return std::any_of(page.begin(), page.end(),
                         [&](const Entry& e) { return retries_.count(e.id) > 0; });
    };
    do {
      if (auto h = HandleBatch(page); !h.ok()) return h;
      if (waiting()) Pause(std::chrono::milliseconds(100));
    } while (waiting() && running_);
    RecordPosition(page);
    again += static_cast<int>(page.size());
    from = "(" + page.back().id;
  }
  spdlog::info("consumer {}: caught up on {} entries of {}", options_.group, again,
               options_.stream);
  return absl::OkStatus();
}

absl::Status StreamConsumer::HandleBatch(const std::vector<Entry>& all) {
  // Entries waiting for their retry time stay pending until then.
  const auto now = std::chrono::steady_clock::now();
  std::vector<Entry> entries;
  for (const auto& e : all) {
    auto it = retries_.find(e.id);
    if (it == retries_.end() || it->second.next <= now) entries.push_back(e);
  }
  if (entries.empty()) return absl::OkStatus();
  const auto results = Apply(entries);
  std::vector<std::string> acks;
  absl::Status first_error;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const Result& r = results[i];
    if (r.outcome == Outcome::kDone) {
      acks.push_back(e.id);
      retries_.erase(e.id);
      continue;
    }
    if (r.outcome == Outcome::kTransient) {
      spdlog::warn("consumer {}: event {} failed transiently, will retry: {}", options_.group,
                   r.key, r.error);
      ScheduleRetry(e.id);
      continue;
    }
    auto tries = CountFailure(r);
    if (!tries.ok()) {
      ScheduleRetry(e.id);
      continue;
    }
    if (r.outcome == Outcome::kFailed && *tries < options_.max_tries) {
      spdlog::warn("consumer {}: event {} failed ({} of {} tries), will retry: {}", options_.group,
                   r.key, *tries, options_.max_tries, r.error);
      ScheduleRetry(e.id);
      continue;
    }
    if (auto s = DeadLetter(e, r, *tries); !s.ok()) {
      if (first_error.ok()) first_error = s;
      ScheduleRetry(e.id);
      continue;
    }
    acks.push_back(e.id);
    retries_.erase(e.id);
  }
  if (!acks.empty()) {
    std::vector<std::string> argv{"XACK", options_.stream, options_.group};
    argv.insert(argv.end(), acks.begin(), acks.end());
    auto x = redis_->Command(argv);
    if (!x.ok()) return x.status();
    if (IsNoGroup(*x)) redis_.reset();
  }
  return first_error;
}

absl::Status StreamConsumer::ReadAndHandle(const std::string& from_id, std::string* last_id) {
  std::vector<std::string> argv{"XREADGROUP",      "GROUP", options_.group,
                                options_.consumer, "COUNT", std::to_string(options_.count)};
  if (from_id == ">") {
    // Wake in time for the next retry.
    auto block = options_.block;
    if (!retries_.empty()) {
      auto next = retries_.begin()->second.next;
      for (const auto& [id, r] : retries_) next = std::min(next, r.next);
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
          next - std::chrono::steady_clock::now());
      block = std::clamp(until, std::chrono::milliseconds(1), options_.block);
    }
    argv.push_back("BLOCK");
    argv.push_back(std::to_string(block.count()));
  }
  argv.insert(argv.end(), {"STREAMS", options_.stream, from_id});
  auto r = redis_->Command(argv);
  if (!r.ok()) return r.status();
  if (r->IsError()) {
    if (IsNoGroup(*r)) redis_.reset();  // recreate on next round
    return absl::UnavailableError("consumer: XREADGROUP: " + r->str);
  }
  last_id->clear();
  if (r->IsNil() || r->elements.empty()) return absl::OkStatus();
  const auto entries = ParseEntries(r->elements[0].elements.at(1));
  if (!entries.empty()) *last_id = entries.back().id;
  auto handled = HandleBatch(entries);
  if (from_id == ">") RecordPosition(entries);  // new entries move the position
  return handled;
}

absl::Status StreamConsumer::ClaimStale() {
  std::string cursor = "0-0";
  do {
    auto r = redis_->Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                              std::to_string(options_.min_idle.count()), cursor, "COUNT",
                              std::to_string(options_.count)});
    if (!r.ok()) return r.status();
    if (r->IsError() || r->elements.size() < 2) {
      if (IsNoGroup(*r)) redis_.reset();
      return absl::UnavailableError("consumer: XAUTOCLAIM: " + r->str);
    }
    cursor = r->elements[0].str;
    if (auto s = HandleBatch(ParseEntries(r->elements[1])); !s.ok()) return s;
  } while (cursor != "0-0" && running_ && redis_);
  return absl::OkStatus();
}

absl::Status StreamConsumer::RetryDue() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> due;
  for (const auto& [id, r] : retries_) {
    if (r.next <= now) due.push_back(id);
  }
  if (due.empty()) return absl::OkStatus();
  // Claiming them again (idle 0) also keeps other members from taking them meanwhile.
  std::vector<std::string> argv{"XCLAIM", options_.stream, options_.group, options_.consumer, "0"};
  argv.insert(argv.end(), due.begin(), due.end());
  auto r = redis_->Command(argv);
  if (!r.ok()) return r.status();
  if (r->IsError()) {
    if (IsNoGroup(*r)) redis_.reset();
    return absl::UnavailableError("consumer: XCLAIM: " + r->str);
  }
  auto entries = ParseEntries(*r);
  std::set<std::string> claimed;
  for (const auto& e : entries) claimed.insert(e.id);
  for (const auto& id : due) {
    if (!claimed.count(id)) retries_.erase(id);  // acknowledged elsewhere, or gone
  }
  return HandleBatch(entries);
}

absl::Status StreamConsumer::ReplayMarked() {
  std::vector<store::Row> rows;
  auto s = db_.Read([&](store::Tx& tx) -> absl::Status {
    auto r = tx.Query(
        "SELECT id, entry_id, type, event FROM dead_letters WHERE state = 'replay' AND consumer = ?"
        " AND stream = ? ORDER BY id LIMIT ?",
        {options_.group, options_.stream, int64_t{options_.count}});
    if (!r.ok()) return r.status();
    rows = std::move(*r);
    return absl::OkStatus();
  });
  if (!s.ok() || rows.empty()) return s;
  std::vector<Entry> entries;
  for (const auto& row : rows) {
    entries.push_back(Entry{row.Text(1), {{"type", row.Text(2)}, {"event", row.Text(3)}}});
  }
  const auto results = Apply(entries);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Result& r = results[i];
    if (r.outcome == Outcome::kTransient) continue;  // still marked: tried again next round
    const bool ok = r.outcome == Outcome::kDone;
    if (ok) {
      spdlog::info("consumer {}: dead letter {} (event {}) replayed", options_.group,
                   rows[i].Int(0), r.key);
    } else {
      spdlog::error("consumer {}: dead letter {} (event {}) failed again on replay: {}",
                    options_.group, rows[i].Int(0), r.key, r.error);
    }
    auto w = db_.Write([&](store::Tx& tx) -> absl::Status {
      return tx
          .Exec(ok ? "UPDATE dead_letters SET state = 'replayed', updated_at = ? WHERE id = ?"
                   : "UPDATE dead_letters SET state = 'dead', tries = tries + 1, reason = ?,"
                     " updated_at = ? WHERE id = ?",
                ok ? std::vector<store::Param>{NowMs(), rows[i].Int(0)}
                   : std::vector<store::Param>{r.error, NowMs(), rows[i].Int(0)})
          .status();
    });
    if (!w.ok()) return w;
  }
  return absl::OkStatus();
}

void StreamConsumer::Prune() {
  const int64_t cutoff = NowMs() - options_.consumed_retention.count();
  auto s = db_.Write([&](store::Tx& tx) -> absl::Status {
    auto d = tx.Exec("DELETE FROM consumed_events WHERE consumer = ? AND consumed_at < ?",
                     {options_.group, cutoff});
    if (!d.ok()) return d.status();
    return tx
        .Exec("DELETE FROM consumer_failures WHERE consumer = ? AND updated_at < ?",
              {options_.group, cutoff})
        .status();
  });
  if (!s.ok())
    spdlog::warn("consumer {}: pruning consumed events: {}", options_.group, s.ToString());
}

void StreamConsumer::Loop() {
  auto backoff = std::chrono::milliseconds(100);
  auto next_claim = std::chrono::steady_clock::now();
  auto next_prune = std::chrono::steady_clock::now();
  auto next_replay = std::chrono::steady_clock::now();
  while (running_) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_prune) {
      next_prune = now + options_.prune_interval;
      Prune();
    }
    if (now >= next_replay) {
      next_replay = now + options_.replay_interval;
      if (auto r = ReplayMarked(); !r.ok()) {
        spdlog::warn("consumer {}: replaying dead letters: {}", options_.group, r.ToString());
      }
    }
    absl::Status s = EnsureReady();
    if (s.ok() && redis_ && !caught_up_) {
      s = CatchUp();
      caught_up_ = s.ok() && redis_;
    }
    if (s.ok() && !drained_own_pending_) {
      // Entries delivered to this consumer before a crash: its pending list, page by page.
      std::string cursor = "0";
      while (s.ok() && redis_ && !cursor.empty() && running_) s = ReadAndHandle(cursor, &cursor);
      drained_own_pending_ = s.ok() && redis_;
    }
    if (s.ok() && redis_ && std::chrono::steady_clock::now() >= next_claim) {
      next_claim = std::chrono::steady_clock::now() + options_.claim_interval;
      s = ClaimStale();
    }
    if (s.ok() && redis_) s = RetryDue();
    if (s.ok() && redis_) {
      std::string ignored;
      s = ReadAndHandle(">", &ignored);
    }
    if (s.ok()) {
      backoff = std::chrono::milliseconds(100);
      continue;
    }
    spdlog::warn("consumer {}: {}; retrying in {} ms", options_.group, s.ToString(),
                 backoff.count());
    if (redis_ && redis_->broken()) redis_.reset();
    Pause(backoff);
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace zs::events

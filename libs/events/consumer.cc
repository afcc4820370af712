#include "events/consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/time_util.h"

namespace zs::events {
namespace {

void CrashHere(const std::string& point) {
  spdlog::critical("fault injection: exiting abruptly at {}", point);
  spdlog::default_logger()->flush();
  std::_Exit(86);
}

}  // namespace

StreamConsumer::StreamConsumer(ConsumerOptions options, store::Database& db)
    : options_([&] {
        if (options.dead_letter_stream.empty())
          options.dead_letter_stream = options.stream + ":dead";
        return options;
      }()),
      db_(db) {}

StreamConsumer::~StreamConsumer() { Stop(); }

void StreamConsumer::On(std::string type, EventHandler handler) {
  handlers_.emplace(
      std::move(type),
      Registration{nullptr, [h = std::move(handler)](const auto& e, const std::any&,
                                                     store::Tx& tx) { return h(e, tx); }});
}

void StreamConsumer::On(std::string type, EventPreparer prepare, PreparedHandler handler) {
  handlers_.emplace(std::move(type), Registration{std::move(prepare), std::move(handler)});
}

void StreamConsumer::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { Loop(); });
}

void StreamConsumer::Stop() {
  if (!running_.exchange(false)) return;
  thread_.join();
}

absl::Status StreamConsumer::EnsureReady() {
  if (redis_ && !redis_->broken()) return absl::OkStatus();
  redis_.reset();
  auto conn = RedisConnection::Connect(options_.redis_host, options_.redis_port,
                                       std::chrono::milliseconds(1000),
                                       options_.block + std::chrono::milliseconds(5000));
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Command({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"});
  if (!r.ok()) return r.status();
  if (r->IsError() && r->str.find("BUSYGROUP") == std::string::npos) {
    return absl::UnavailableError("consumer: XGROUP CREATE: " + r->str);
  }
  redis_ = std::move(*conn);
  drained_own_pending_ = false;
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

absl::Status StreamConsumer::Ack(const std::string& id) {
  auto r = redis_->Command({"XACK", options_.stream, options_.group, id});
  if (!r.ok()) return r.status();
  return absl::OkStatus();
}

absl::Status StreamConsumer::DeadLetter(const Entry& entry, const std::string& reason) {
  spdlog::error("consumer {}: entry {} moved to {}: {}", options_.group, entry.id,
                options_.dead_letter_stream, reason);
  std::vector<std::string> argv{"XADD",
                                options_.dead_letter_stream,
                                "*",
                                "source_id",
                                entry.id,
                                "group",
                                options_.group,
                                "reason",
                                reason};
  for (const auto& [k, v] : entry.fields) {
    argv.push_back(k);
    argv.push_back(v);
  }
  auto r = redis_->Command(argv);
  if (!r.ok()) return r.status();
  if (r->IsError()) return absl::UnavailableError("consumer: dead-letter XADD: " + r->str);
  return Ack(entry.id);
}

absl::Status StreamConsumer::HandleBatch(const std::vector<Entry>& entries, bool check_tries) {
  struct Work {
    const Entry* entry;
    zhongshu::events::v1::Event event;
    const Registration* reg;
    std::any prepared;
    bool ready = false;  // prepared (or needs no preparation)
    bool applied_before = false;
    absl::Status result;
  };
  std::vector<Work> work;
  std::vector<std::string> acks;
  for (const auto& entry : entries) {
    if (check_tries) {
      auto p =
          redis_->Command({"XPENDING", options_.stream, options_.group, entry.id, entry.id, "1"});
      if (!p.ok()) return p.status();
      if (p->type == Reply::Type::kArray && !p->elements.empty() &&
          p->elements[0].elements.size() >= 4 &&
          p->elements[0].elements[3].integer > options_.max_tries) {
        if (auto s = DeadLetter(entry,
                                "handler failed " + std::to_string(options_.max_tries) + " times");
            !s.ok()) {
          return s;
        }
        continue;
      }
    }
    zhongshu::events::v1::Event event;
    auto it = entry.fields.find("event");
    if (it == entry.fields.end() || !event.ParseFromString(it->second) || event.id().empty()) {
      if (auto s = DeadLetter(entry, "not a zhongshu.events.v1.Event"); !s.ok()) return s;
      continue;
    }
    auto h = handlers_.find(event.type());
    if (h == handlers_.end()) {
      acks.push_back(entry.id);  // not for this service
      continue;
    }
    work.push_back(Work{&entry, std::move(event), &h->second});
  }

  // Events applied before are not prepared again: one query for the whole batch.
  std::set<std::string> seen;
  if (std::any_of(work.begin(), work.end(),
                  [](const Work& w) { return w.reg->prepare != nullptr; })) {
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
    if (!read.ok()) return read;
  }
  // Preparations (network calls) run outside any transaction, side by side on a few threads.
  auto prepare = [&](Work& w) {
    if (!w.reg->prepare) {
      w.ready = true;
      return;
    }
    if (seen.count(w.event.id())) {
      w.ready = w.applied_before = true;
      return;
    }
    auto p = w.reg->prepare(w.event);
    if (!p.ok()) {
      spdlog::warn("consumer {}: preparing event {} ({}) failed, will retry: {}", options_.group,
                   w.event.id(), w.event.type(), p.status().ToString());
      return;  // stays pending; claimed again after min_idle
    }
    w.prepared = std::move(*p);
    w.ready = true;
  };
  const size_t threads = std::min<size_t>(work.size(), 4);
  if (threads <= 1) {
    for (auto& w : work) prepare(w);
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (size_t i = t; i < work.size(); i += threads) prepare(work[i]);
      });
    }
    for (auto& th : pool) th.join();
  }

  // Effects: every transaction is submitted at once, in stream order, so they share one commit;
  // each commits with its consumed_events row, so a redelivered event applies once.
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  for (auto& w : work) {
    if (!w.ready || w.applied_before) continue;
    ++pending;
    db_.Submit(
        [this, &w](store::Tx& tx) -> absl::Status {
          auto inserted = tx.Exec(
              "INSERT INTO consumed_events (consumer, event_id, consumed_at) VALUES (?, ?, ?) "
              "ON CONFLICT (consumer, event_id) DO NOTHING",
              {options_.group, w.event.id(), ToMillis(SystemClock::Get()->Now())});
          if (!inserted.ok()) return inserted.status();
          if (*inserted == 0) return absl::OkStatus();  // applied before: a redelivery
          if (auto hs = w.reg->apply(w.event, w.prepared, tx); !hs.ok()) return hs;
          if (options_.crash_point == "before_commit") CrashHere("before_commit");
          return absl::OkStatus();
        },
        [&, w = &w](absl::Status s) {
          std::lock_guard lock(mu);
          w->result = std::move(s);
          if (--pending == 0) cv.notify_one();
        });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  }
  bool applied_any = false;
  for (auto& w : work) {
    if (!w.ready) continue;
    if (!w.result.ok()) {
      spdlog::warn("consumer {}: event {} ({}) failed, will retry: {}", options_.group,
                   w.event.id(), w.event.type(), w.result.ToString());
      continue;  // stays pending; claimed again after min_idle
    }
    applied_any = applied_any || !w.applied_before;
    acks.push_back(w.entry->id);
  }
  if (applied_any && options_.crash_point == "after_commit") CrashHere("after_commit");
  if (acks.empty()) return absl::OkStatus();
  std::vector<std::string> argv{"XACK", options_.stream, options_.group};
  argv.insert(argv.end(), acks.begin(), acks.end());
  auto r = redis_->Command(argv);
  if (!r.ok()) return r.status();
  return absl::OkStatus();
}

absl::Status StreamConsumer::ReadAndHandle(const std::string& from_id, std::string* last_id) {
  std::vector<std::string> argv{"XREADGROUP",      "GROUP", options_.group,
                                options_.consumer, "COUNT", std::to_string(options_.count)};
  if (from_id == ">") {
    argv.push_back("BLOCK");
    argv.push_back(std::to_string(options_.block.count()));
  }
  argv.insert(argv.end(), {"STREAMS", options_.stream, from_id});
  auto r = redis_->Command(argv);
  if (!r.ok()) return r.status();
  if (r->IsError()) {
    if (r->str.find("NOGROUP") != std::string::npos) redis_.reset();  // recreate on next round
    return absl::UnavailableError("consumer: XREADGROUP: " + r->str);
  }
  last_id->clear();
  if (r->IsNil() || r->elements.empty()) return absl::OkStatus();
  const auto entries = ParseEntries(r->elements[0].elements.at(1));
  if (!entries.empty()) *last_id = entries.back().id;
  return HandleBatch(entries, /*check_tries=*/from_id != ">");
}

absl::Status StreamConsumer::ClaimStale() {
  std::string cursor = "0-0";
  do {
    auto r = redis_->Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                              std::to_string(options_.min_idle.count()), cursor, "COUNT",
                              std::to_string(options_.count)});
    if (!r.ok()) return r.status();
    if (r->IsError() || r->elements.size() < 2) {
      return absl::UnavailableError("consumer: XAUTOCLAIM: " + r->str);
    }
    cursor = r->elements[0].str;
    if (auto s = HandleBatch(ParseEntries(r->elements[1]), /*check_tries=*/true); !s.ok()) {
      return s;
    }
  } while (cursor != "0-0" && running_);
  return absl::OkStatus();
}

void StreamConsumer::Loop() {
  auto backoff = std::chrono::milliseconds(100);
  auto next_claim = std::chrono::steady_clock::now();
  while (running_) {
    absl::Status s = EnsureReady();
    if (s.ok() && !drained_own_pending_) {
      // Entries delivered to this consumer before a crash: its pending list, page by page.
      std::string cursor = "0";
      while (s.ok() && !cursor.empty() && running_) s = ReadAndHandle(cursor, &cursor);
      drained_own_pending_ = s.ok();
    }
    if (s.ok() && std::chrono::steady_clock::now() >= next_claim) {
      next_claim = std::chrono::steady_clock::now() + options_.claim_interval;
      s = ClaimStale();
    }
    if (s.ok()) {
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
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && running_;
         waited += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace zs::events

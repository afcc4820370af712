#include "events/consumer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/ids.h"
#include "events/outbox.h"
#include "events/test_support.h"
#include "events/types.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::events {
namespace {

namespace ev = zhongshu::events::v1;
using testing::OpenTestDatabase;
using testing::QueryInt;
using testing::ReadStream;
using testing::RedisServer;
using testing::TempDir;
using testing::WaitFor;

// An envelope of `type` without a payload.
ev::Event MakeEvent(const std::string& type) {
  ev::Event e;
  e.set_id(NewUuid());
  e.set_type(type);
  e.set_tenant("430204");
  e.set_source("test");
  return e;
}

// An envelope of `type` carrying `payload`.
ev::Event MakeEvent(const std::string& type, const google::protobuf::Message& payload) {
  ev::Event e = MakeEvent(type);
  e.mutable_payload()->PackFrom(payload);
  return e;
}

ev::InstructionIssued Instruction(const std::string& id) {
  ev::InstructionIssued p;
  p.set_instruction_id(id);
  return p;
}

class ConsumerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    db_ = OpenTestDatabase(dir_.path(), {{1, "effects",
                                          "CREATE TABLE applied (event_id TEXT NOT NULL,"
                                          " note TEXT NOT NULL);"
                                          "CREATE TABLE prepared (event_id TEXT NOT NULL)"}});
    redis_conn_ = redis_->Connect();
    options_.redis_port = redis_->port();
    options_.stream =
        std::string("zs:events:") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.group = "testers";
    options_.consumer = "tester-1";
    options_.block = std::chrono::milliseconds(20);
    options_.claim_interval = std::chrono::milliseconds(50);
    options_.retry_initial = std::chrono::milliseconds(2);
    options_.retry_max = std::chrono::milliseconds(10);
    options_.replay_interval = std::chrono::milliseconds(50);
    options_.prune_interval = std::chrono::hours(1);
    options_.max_tries = 3;
    options_.clock = &clock_;
  }

  void TearDown() override {
    if (consumer_) consumer_->Stop();
    consumer_.reset();
    db_->Close();
  }

  StreamConsumer& Consumer() {
    if (!consumer_) consumer_ = std::make_unique<StreamConsumer>(options_, *db_);
    return *consumer_;
  }

  // Adds the envelope to the stream as a producer's relay does; returns the entry id.
  std::string Publish(const ev::Event& e) {
    return Add({"type", e.type(), "event", e.SerializeAsString()});
  }
  std::string Add(const std::vector<std::string>& fields) {
    std::vector<std::string> argv{"XADD", options_.stream, "*"};
    argv.insert(argv.end(), fields.begin(), fields.end());
    auto r = redis_conn_->Command(argv);
    EXPECT_TRUE(r.ok() && !r->IsError());
    return r.ok() ? r->str : "";
  }

  // The group has been delivered everything up to `last` and acknowledged all of it.
  bool AllAcked(const std::string& last) {
    auto r = redis_conn_->Command({"XINFO", "GROUPS", options_.stream});
    if (!r.ok() || r->type != Reply::Type::kArray) return false;
    for (const auto& g : r->elements) {
      std::string name, delivered;
      int64_t pending = -1;
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        if (g.elements[i].str == "name") name = g.elements[i + 1].str;
        if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
        if (g.elements[i].str == "last-delivered-id") delivered = g.elements[i + 1].str;
      }
      if (name == options_.group) return pending == 0 && delivered == last;
    }
    return false;
  }

  int64_t Count(const std::string& table) {
    return QueryInt(*db_, "SELECT COUNT(*) FROM " + table);
  }

  // Records the effect of an event in the test table.
  static absl::Status Effect(store::Tx& tx, const ev::Event& e, const std::string& note) {
    return tx.Exec("INSERT INTO applied (event_id, note) VALUES (?, ?)", {e.id(), note}).status();
  }

  struct DeadLetter {
    std::string event_key, type, reason, state;
    int64_t tries = 0;
  };
  std::vector<DeadLetter> DeadLetters() {
    std::vector<DeadLetter> out;
    EXPECT_TRUE(
        db_->Read([&](store::Tx& tx) -> absl::Status {
             auto rows = tx.Query(
                 "SELECT event_key, type, reason, state, tries FROM dead_letters ORDER BY id");
             if (!rows.ok()) return rows.status();
             for (const auto& r : *rows) {
               out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)});
             }
             return absl::OkStatus();
           })
            .ok());
    return out;
  }

  static RedisServer* redis_;
  TempDir dir_;
  FakeClock clock_{TimePoint(std::chrono::hours(24 * 365 * 56))};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RedisConnection> redis_conn_;
  ConsumerOptions options_;
  std::unique_ptr<StreamConsumer> consumer_;
};

RedisServer* ConsumerTest::redis_ = nullptr;

TEST_F(ConsumerTest, AppliesAnEventOnceWhenDeliveredTwice) {
  std::atomic<int> calls{0};
  Consumer().On(type::kReportingInstructionIssued, [&](const ev::Event& e, store::Tx& tx) {
    ++calls;
    return Effect(tx, e, "applied");
  });
  const auto event = MakeEvent(type::kReportingInstructionIssued);
  // Twice in one read, then once more after it was applied (a producer publishing again).
  Publish(event);
  Publish(event);
  Consumer().Start();
  std::string last = Publish(MakeEvent(type::kReportingInstructionIssued));
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));
  last = Publish(event);
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));

  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM applied WHERE event_id = ?", {event.id()}), 1);
  EXPECT_EQ(Count("applied"), 2);
  EXPECT_EQ(Count("consumed_events"), 2);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(Count("dead_letters"), 0);
}

TEST_F(ConsumerTest, TransientFailureIsRetriedAndNeverDeadLettered) {
  // Far more transient failures than max_tries: none of them counts.
  const int failures = options_.max_tries * 3;
  std::atomic<int> calls{0};
  Consumer().On<ev::InstructionIssued>(
      type::kReportingInstructionIssued,
      [&](const ev::Event& e, const ev::InstructionIssued& payload, store::Tx& tx) {
        if (++calls <= failures) return absl::UnavailableError("upstream away");
        return Effect(tx, e, payload.instruction_id());
      });
  const auto event = MakeEvent(type::kReportingInstructionIssued, Instruction("i-1"));
  const auto last = Publish(event);
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));

  EXPECT_EQ(calls.load(), failures + 1);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM applied WHERE note = 'i-1'"), 1);
  EXPECT_EQ(Count("dead_letters"), 0);
  EXPECT_EQ(Count("consumer_failures"), 0);
  EXPECT_TRUE(ReadStream(*redis_conn_, options_.stream + ":dead").empty());
}

TEST_F(ConsumerTest, DeterministicFailureIsDeadLetteredAfterMaxTries) {
  std::atomic<int> calls{0};
  Consumer().On(type::kReportingInstructionIssued, [&](const ev::Event&, store::Tx& tx) {
    ++calls;
    return absl::FailedPreconditionError("no such unit");
  });
  const auto event = MakeEvent(type::kReportingInstructionIssued, Instruction("i-1"));
  const auto last = Publish(event);
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last) && Count("dead_letters") == 1; }));

  EXPECT_EQ(calls.load(), options_.max_tries);
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event_key, event.id());
  EXPECT_EQ(dead[0].type, type::kReportingInstructionIssued);
  EXPECT_EQ(dead[0].state, "dead");
  EXPECT_EQ(dead[0].tries, options_.max_tries);
  EXPECT_NE(dead[0].reason.find("FAILED_PRECONDITION: no such unit"), std::string::npos)
      << dead[0].reason;
  EXPECT_EQ(Count("consumer_failures"), 0);
  EXPECT_EQ(Count("consumed_events"), 0);
  EXPECT_EQ(*OpenDeadLetters(*db_), 1);
  const auto stream = ReadStream(*redis_conn_, options_.stream + ":dead");
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].Field("source_id"), last);
  EXPECT_EQ(stream[0].Field("group"), options_.group);
}

TEST_F(ConsumerTest, MalformedPayloadOfTypedHandlerIsDeadLetteredAtOnce) {
  options_.max_tries = 5;
  std::atomic<int> prepared{0}, applied{0};
  Consumer().On<ev::InstructionIssued>(
      type::kReportingInstructionIssued,
      [&](const ev::Event&, const ev::InstructionIssued& payload) -> absl::StatusOr<std::any> {
        ++prepared;
        return std::any(payload.instruction_id() + "/prepared");
      },
      [&](const ev::Event& e, const ev::InstructionIssued& payload, const std::any& p,
          store::Tx& tx) {
        ++applied;
        return Effect(tx, e, payload.instruction_id() + "|" + std::any_cast<std::string>(p));
      });
  ev::ItemOpened wrong;
  wrong.set_item_id("item-1");
  const auto of_another_type = MakeEvent(type::kReportingInstructionIssued, wrong);
  const auto without_payload = MakeEvent(type::kReportingInstructionIssued);
  auto unreadable = MakeEvent(type::kReportingInstructionIssued, Instruction("x"));
  unreadable.mutable_payload()->set_value("\xff\xff\xff");
  const auto good = MakeEvent(type::kReportingInstructionIssued, Instruction("i-1"));
  Publish(of_another_type);
  Publish(without_payload);
  Publish(unreadable);
  const auto last = Publish(good);
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last) && Count("dead_letters") == 3; }));

  // The good event was prepared and applied with its payload; the others never were.
  EXPECT_EQ(prepared.load(), 1);
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM applied WHERE note = 'i-1|i-1/prepared'"), 1);
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 3u);
  std::set<std::string> keys;
  for (const auto& d : dead) {
    keys.insert(d.event_key);
    EXPECT_EQ(d.tries, 1) << d.reason;  // no retries: it can never succeed
    EXPECT_NE(d.reason.find("reporting.instruction.issued"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("zhongshu.events.v1.InstructionIssued"), std::string::npos) << d.reason;
  }
  EXPECT_EQ(keys,
            (std::set<std::string>{of_another_type.id(), without_payload.id(), unreadable.id()}));
  EXPECT_NE(dead[0].reason.find("carries payload zhongshu.events.v1.ItemOpened"), std::string::npos)
      << dead[0].reason;
  EXPECT_NE(dead[1].reason.find("has no payload"), std::string::npos) << dead[1].reason;
  EXPECT_NE(dead[2].reason.find("does not parse"), std::string::npos) << dead[2].reason;
  EXPECT_EQ(Count("consumer_failures"), 0);
  EXPECT_EQ(ReadStream(*redis_conn_, options_.stream + ":dead").size(), 3u);
}

TEST_F(ConsumerTest, EntryThatIsNotAnEnvelopeIsDeadLetteredAtOnce) {
  std::atomic<int> calls{0};
  Consumer().On(type::kReportingInstructionIssued, [&](const ev::Event&, store::Tx&) {
    ++calls;
    return absl::OkStatus();
  });
  const auto garbage = Add({"type", type::kReportingInstructionIssued, "event", "\xff\x01"});
  const auto no_event = Add({"something", "else"});
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(no_event) && Count("dead_letters") == 2; }));

  EXPECT_EQ(calls.load(), 0);
  const auto dead = DeadLetters();
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].event_key, "entry:" + options_.stream + "/" + garbage);
  EXPECT_EQ(dead[1].event_key, "entry:" + options_.stream + "/" + no_event);
  for (const auto& d : dead) {
    EXPECT_EQ(d.tries, 1);
    EXPECT_NE(d.reason.find("is not a zhongshu.events.v1.Event"), std::string::npos) << d.reason;
  }
  EXPECT_EQ(Count("consumer_failures"), 0);
}

TEST_F(ConsumerTest, UnknownTypeIsAcknowledgedUntouched) {
  std::atomic<int> calls{0};
  Consumer().On(type::kSupervisionItemOpened, [&](const ev::Event&, store::Tx&) {
    ++calls;
    return absl::OkStatus();
  });
  Publish(MakeEvent(type::kSupervisionTaskAssigned));
  const auto last = Publish(MakeEvent("someone.else.entirely", Instruction("i-1")));
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));

  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(Count("consumed_events"), 0);
  EXPECT_EQ(Count("consumer_failures"), 0);
  EXPECT_EQ(Count("dead_letters"), 0);
  EXPECT_TRUE(ReadStream(*redis_conn_, options_.stream + ":dead").empty());
}

TEST_F(ConsumerTest, PreparationsRunOutsideTheTransactionSideBySide) {
  constexpr int kEvents = 3;
  options_.prepare_threads = kEvents;
  // Each preparation waits (bounded) until all of them have started: they only all get there if
  // they run side by side. Each also writes to the database and waits for that write: inside a
  // transaction (on the single writer) it could never complete.
  absl::Mutex mu;
  int started = 0;
  std::atomic<int> prepared{0}, together{0}, wrote{0};
  Consumer().On<ev::InstructionIssued>(
      type::kReportingInstructionIssued,
      [&](const ev::Event& e, const ev::InstructionIssued& payload) -> absl::StatusOr<std::any> {
        ++prepared;
        {
          absl::MutexLock lock(&mu);
          ++started;
          if (mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* n) { return *n >= kEvents; }, &started),
                                  absl::Seconds(5))) {
            ++together;
          }
        }
        absl::Notification done;
        db_->Submit(
            [&](store::Tx& tx) {
              return tx.Exec("INSERT INTO prepared (event_id) VALUES (?)", {e.id()}).status();
            },
            [&](absl::Status s) {
              if (s.ok()) ++wrote;
              done.Notify();
            });
        if (!done.WaitForNotificationWithTimeout(absl::Seconds(5))) {
          return absl::InternalError("the preparation's own write never completed");
        }
        return std::any(payload.instruction_id());
      },
      [&](const ev::Event& e, const ev::InstructionIssued& payload, const std::any& p,
          store::Tx& tx) {
        // The preparation's write committed before this transaction began.
        auto rows = tx.Query("SELECT COUNT(*) FROM prepared WHERE event_id = ?", {e.id()});
        if (!rows.ok()) return rows.status();
        if ((*rows)[0].Int(0) != 1) return absl::InternalError("prepared after the effect");
        return Effect(tx, e, std::any_cast<std::string>(p));
      });
  std::string last;
  std::vector<ev::Event> events;
  for (int i = 0; i < kEvents; ++i) {
    events.push_back(
        MakeEvent(type::kReportingInstructionIssued, Instruction("i-" + std::to_string(i))));
    last = Publish(events.back());
  }
  Consumer().Start();
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));

  EXPECT_EQ(prepared.load(), kEvents);
  EXPECT_EQ(together.load(), kEvents);
  EXPECT_EQ(wrote.load(), kEvents);
  EXPECT_EQ(Count("applied"), kEvents);
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM applied WHERE event_id = ? AND note = ?",
                       {events[i].id(), "i-" + std::to_string(i)}),
              1);
  }
  EXPECT_EQ(Count("dead_letters"), 0);

  // Delivered again after it was applied: neither prepared nor applied again.
  last = Publish(events[0]);
  ASSERT_TRUE(WaitFor([&] { return AllAcked(last); }));
  EXPECT_EQ(prepared.load(), kEvents);
  EXPECT_EQ(Count("applied"), kEvents);
}

}  // namespace
}  // namespace zs::events

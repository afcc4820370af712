#include "events/relay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "events/outbox.h"
#include "events/test_support.h"
#include "zhongshu/events/v1/event.pb.h"
#include "zhongshu/events/v1/reporting.pb.h"

namespace zs::events {
namespace {

using testing::OpenTestDatabase;
using testing::QueryInt;
using testing::ReadStream;
using testing::RedisServer;
using testing::StreamEntry;
using testing::TempDir;
using testing::WaitFor;

class RelayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new RedisServer(); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    db_ = OpenTestDatabase(dir_.path());
    redis_conn_ = redis_->Connect();
    stream_ =
        std::string("zs:events:") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    RelayOptions o;
    o.redis_port = redis_->port();
    o.stream = stream_;
    o.backoff_initial = std::chrono::milliseconds(10);
    o.backoff_max = std::chrono::milliseconds(50);
    o.check_interval = std::chrono::milliseconds(20);
    o.maintenance_interval = std::chrono::hours(1);
    relay_ = std::make_unique<OutboxRelay>(o, *db_, &clock_);
    db_->AddCommitListener([relay = relay_.get()] { relay->Wake(); });
  }

  void TearDown() override {
    relay_->Stop();
    db_->Close();  // no commit wakes the relay after this
  }

  // Records one event in its own transaction; returns its id.
  std::string Record(const std::string& instruction_id) {
    zhongshu::events::v1::InstructionIssued payload;
    payload.set_instruction_id(instruction_id);
    Change change;
    change.action = "instruction.issue";
    change.resource = instruction_id;
    change.tenant = "430204";
    change.event_type = "reporting.instruction.issued";
    change.payload = &payload;
    zhongshu::common::v1::Actor actor;
    actor.set_subject("zhang.shuji");
    std::string id;
    EXPECT_TRUE(db_->Write([&](store::Tx& tx) -> absl::Status {
                     auto e = recorder_.Record(tx, actor, change);
                     if (!e.ok()) return e.status();
                     id = e->id();
                     return absl::OkStatus();
                   })
                    .ok());
    return id;
  }

  // The outbox as (seq, event id), in seq order.
  std::vector<std::pair<int64_t, std::string>> Outbox() {
    std::vector<std::pair<int64_t, std::string>> out;
    EXPECT_TRUE(db_->Read([&](store::Tx& tx) -> absl::Status {
                     auto rows = tx.Query("SELECT seq, event_id FROM outbox ORDER BY seq");
                     if (!rows.ok()) return rows.status();
                     for (const auto& r : *rows) out.emplace_back(r.Int(0), r.Text(1));
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }

  // Expects the stream to hold exactly the outbox, entry i being row i as "<seq>-0".
  void ExpectStreamIsOutbox() {
    const auto outbox = Outbox();
    const auto entries = ReadStream(*redis_conn_, stream_);
    ASSERT_EQ(entries.size(), outbox.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(entries[i].id, std::to_string(outbox[i].first) + "-0");
      EXPECT_EQ(entries[i].Field("type"), "reporting.instruction.issued");
      zhongshu::events::v1::Event event;
      ASSERT_TRUE(event.ParseFromString(entries[i].Field("event")));
      EXPECT_EQ(event.id(), outbox[i].second);
      zhongshu::events::v1::InstructionIssued payload;
      EXPECT_TRUE(event.payload().UnpackTo(&payload));
    }
  }

  size_t StreamLength() { return ReadStream(*redis_conn_, stream_).size(); }

  static RedisServer* redis_;
  TempDir dir_;
  FakeClock clock_{TimePoint(std::chrono::hours(24 * 365 * 56))};
  Recorder recorder_{"reporting", &clock_};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RedisConnection> redis_conn_;
  std::string stream_;
  std::unique_ptr<OutboxRelay> relay_;
};

RedisServer* RelayTest::redis_ = nullptr;

TEST_F(RelayTest, PublishesCommittedRowsInOrderWithSeqIds) {
  // Written before the relay starts, and after: both are published, in commit order.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Record("before-" + std::to_string(i)));
  // A transaction that rolls back leaves nothing to publish.
  ASSERT_FALSE(db_->Write([&](store::Tx& tx) -> absl::Status {
                    zhongshu::common::v1::Actor actor;
                    Change change;
                    change.action = "x";
                    change.event_type = "reporting.instruction.issued";
                    if (auto e = recorder_.Record(tx, actor, change); !e.ok()) return e.status();
                    return absl::AbortedError("rolled back");
                  })
                   .ok());
  relay_->Start();
  ASSERT_TRUE(WaitFor([&] { return StreamLength() == 3; }));
  for (int i = 0; i < 2; ++i) ids.push_back(Record("after-" + std::to_string(i)));
  ASSERT_TRUE(WaitFor([&] { return StreamLength() == 5; }));

  ExpectStreamIsOutbox();
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(outbox[i].second, ids[i]);
  EXPECT_EQ(StreamLength(), 5u);  // nothing published twice
  EXPECT_TRUE(relay_->redis_ok());
}

TEST_F(RelayTest, RepublishesAfterTheStreamIsDeleted) {
  for (int i = 0; i < 3; ++i) Record("first-" + std::to_string(i));
  relay_->Start();
  ASSERT_TRUE(WaitFor([&] { return StreamLength() == 3; }));

  // Redis lost the data (a FLUSHALL, a failover to an empty replica): the idle check notices and
  // the outbox is published again, under the same ids.
  auto del = redis_conn_->Command({"DEL", stream_});
  ASSERT_TRUE(del.ok());
  ASSERT_EQ(del->integer, 1);
  ASSERT_TRUE(WaitFor([&] { return StreamLength() == 3; }));
  ExpectStreamIsOutbox();

  // New events continue after them.
  Record("second");
  ASSERT_TRUE(WaitFor([&] { return StreamLength() == 4; }));
  ExpectStreamIsOutbox();
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM relay_offsets"), 0);
}

}  // namespace
}  // namespace zs::events

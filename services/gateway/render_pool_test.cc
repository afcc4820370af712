// The render pool: results come back to the request that asked, renders run on threads with room
// for deep stacks, at most `workers` run at once, and a full queue refuses at once.

#include "render_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <vector>

#include "absl/synchronization/notification.h"

namespace zs::gateway {
namespace {

TEST(RenderPool, EachCallerGetsItsOwnResult) {
  RenderPool pool(2, 16);
  std::vector<std::future<absl::StatusOr<std::string>>> out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(std::async(std::launch::async, [&pool, i] {
      return pool.Run([i]() -> absl::StatusOr<std::string> { return "doc-" + std::to_string(i); });
    }));
  }
  for (int i = 0; i < 8; ++i) {
    auto r = out[i].get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, "doc-" + std::to_string(i));
  }
  auto failed = pool.Run(
      []() -> absl::StatusOr<std::string> { return absl::InvalidArgumentError("no such page"); });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  auto thrown =
      pool.Run([]() -> absl::StatusOr<std::string> { throw std::runtime_error("font missing"); });
  EXPECT_EQ(thrown.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(thrown.status().message().find("font missing"), std::string::npos);
}

TEST(RenderPool, RendersHaveADeepStack) {
  RenderPool pool(1, 1);
  const std::thread::id caller = std::this_thread::get_id();
  auto r = pool.Run([caller]() -> absl::StatusOr<std::string> {
    if (std::this_thread::get_id() == caller) return absl::InternalError("ran on the caller");
    // 2 MiB on the stack, as a zip writer's buffers and a text layout's recursion can take.
    volatile char buffer[2 << 20];
    std::memset(const_cast<char*>(buffer), 'x', sizeof(buffer));
    return std::string(1, buffer[sizeof(buffer) - 1]);
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "x");
}

TEST(RenderPool, AtMostTheWorkersRunAndAFullQueueRefusesAtOnce) {
  RenderPool pool(2, 2);
  absl::Notification release;
  std::atomic<int> running{0}, most{0};
  auto slow = [&]() -> absl::StatusOr<std::string> {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    release.WaitForNotification();
    --running;
    return std::string("done");
  };
  // Two run, two wait in the queue.
  std::vector<std::future<absl::StatusOr<std::string>>> out;
  auto start = [&] {
    out.push_back(std::async(std::launch::async, [&] { return pool.Run(slow); }));
  };
  start();
  start();
  while (running.load() < 2) std::this_thread::yield();
  start();
  start();
  while (pool.waiting() < 2) std::this_thread::yield();
  // The fifth finds the queue full: refused without waiting.
  auto refused = pool.Run([]() -> absl::StatusOr<std::string> { return std::string("ran"); });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  release.Notify();
  for (auto& f : out) EXPECT_EQ(*f.get(), "done");
  EXPECT_EQ(most.load(), 2);
}

}  // namespace
}  // namespace zs::gateway

#pragma once

// Durable timers: "do this once, at that time" (a warning rung of a task, a reminder to a unit that
// has not answered a call, a follow-up an emergency chain owes). A timer is a row (kind, owner,
// name) with the time it falls due; the runtime's driver claims each due timer in the same
// transaction as its effect, so it fires exactly once even with several processes on one
// database, and records the outcome ("fired", "skipped", "superseded", ...). A fired timer stays as
// history; scheduling again replaces only the unfired ones.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace zs::store {

// The timers table; apply with Migrate(db, "timers", TimerMigrations()) (the runtime does).
std::vector<Migration> TimerMigrations();

struct Timer {
  std::string kind;   // what fires it, e.g. "task_ladder"
  std::string owner;  // the resource it belongs to, e.g. a task id
  std::string name;   // which of the owner's timers, e.g. "red"
  int64_t fire_at_ms = 0;
  std::string tag;  // a second key to count fired timers by (e.g. the unit warned); may be empty
  std::string tenant;
};

// Replaces the owner's unfired timers of `kind` with `timers` (fired ones stay fired). With
// `rearm`, the owner's fired timers are first kept as history under "<name>#<fired_at>" so that
// every timer of the new set fires again.
absl::Status ScheduleTimers(Tx& tx, const std::string& kind, const std::string& owner,
                            const std::vector<Timer>& timers, bool rearm = false);
// Drops the owner's unfired timers of `kind` (all of them when `name` is empty).
absl::Status CancelTimers(Tx& tx, const std::string& kind, const std::string& owner,
                          const std::string& name = "");
// Unfired timers of `kind` due at `now_ms`, earliest first.
absl::StatusOr<std::vector<Timer>> DueTimers(Tx& tx, const std::string& kind, int64_t now_ms,
                                             int limit);
// Marks the timer fired with `outcome`; false when it was fired (or rescheduled) meanwhile.
absl::StatusOr<bool> ClaimTimer(Tx& tx, const Timer& t, int64_t now_ms, const std::string& outcome);
// How many timers of `kind` named `name` with tag `tag` fired with outcome `outcome` since
// `since_ms` (history included).
absl::StatusOr<int64_t> CountFired(Tx& tx, const std::string& kind, const std::string& name,
                                   const std::string& tag, const std::string& outcome,
                                   int64_t since_ms);

}  // namespace zs::store

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/proposals.h"
#include "store/database.h"
#include "store/table.h"
#include "store/timers.h"

namespace zs::proposals {

// The proposals service's tables: proposals stored whole as protobuf blobs with their query
// columns beside them (store::Table), and the parties of each (PartiesOf) for visibility. The
// deadlines of handlings are durable timers of kind kDeadlineTimers (store/timers.h); numbers per
// kind and session come from the counters table (store/counter.h).
std::vector<store::Migration> Migrations();

// The deadline timers of a proposal: owner the proposal id, name "<handling seq>:remind:<n>" or
// "<handling seq>:overdue", tag the handling unit, tenant the proposal's.
inline constexpr char kDeadlineTimers[] = "proposal_deadline";

namespace repo {

// Columns: tenant, state, session, kind, number, public_replies; relation kHasParty.
const store::Table<pb::Proposal>& Proposals();

// Inserts or updates the proposal with its party rows. `read_version` as store::Table::Update.
absl::Status InsertProposal(store::Tx& tx, const pb::Proposal& p);
absl::Status UpdateProposal(store::Tx& tx, const pb::Proposal& p, int64_t read_version);

// Whether `number` is taken by another proposal of the tenant's kind and session.
absl::StatusOr<bool> NumberTaken(store::Tx& tx, const pb::Proposal& p, int number);
// The next free number of the proposal's kind and session (第 N 号): the counter's next value,
// skipping numbers the office gave paper proposals by hand.
absl::StatusOr<int> NextNumber(store::Tx& tx, const pb::Proposal& p);

// Every proposal of a tenant (statistics and similarity read the tenant's proposals whole: a
// county has hundreds a session).
absl::StatusOr<std::vector<pb::Proposal>> ProposalsOfTenant(store::Tx& tx,
                                                            const std::string& tenant);

}  // namespace repo
}  // namespace zs::proposals

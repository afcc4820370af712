#include "api/service.h"

#include <spdlog/spdlog.h>

#include <map>

#include "core/ids.h"
#include "core/time_util.h"
#include "domain/similarity.h"
#include "domain/statistics.h"
#include "events/types.h"
#include "store/page_token.h"
#include "zhongshu/events/v1/proposals.pb.h"

namespace zs::proposals {

namespace type = events::type;
using repo::Proposals;

namespace {

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:proposals");
  return a;
}

app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

// The handling a change concerns: the first whose stored form differs (or that is new).
const pb::Handling* ChangedHandling(const pb::Proposal& before, const pb::Proposal& after) {
  for (const auto& h : after.handlings()) {
    const pb::Handling* old = nullptr;
    for (const auto& b : before.handlings()) {
      if (b.seq() == h.seq()) old = &b;
    }
    if (old == nullptr || old->SerializeAsString() != h.SerializeAsString()) return &h;
  }
  return nullptr;
}

// Handlings of `after` that `before` did not have (newly assigned units).
std::vector<const pb::Handling*> AddedHandlings(const pb::Proposal& before,
                                                const pb::Proposal& after) {
  std::vector<const pb::Handling*> out;
  for (const auto& h : after.handlings()) {
    const bool known = std::any_of(before.handlings().begin(), before.handlings().end(),
                                   [&](const pb::Handling& b) { return b.seq() == h.seq(); });
    if (!known) out.push_back(&h);
  }
  return out;
}

// What the deadline timers depend on: the round and each owing handling's due date.
std::string TimerKey(const pb::Proposal& p) {
  std::string key = std::to_string(p.round()) + "|" + std::to_string(p.state());
  for (const auto& h : p.handlings()) {
    if (Owes(h)) key += "|" + std::to_string(h.seq()) + "=" + h.due_date();
  }
  return key;
}

// The event of a rating by what it did.
std::string RatedEvent(const pb::Proposal& before, const pb::Proposal& after) {
  if (after.state() == pb::PROPOSAL_STATE_CLOSED) return type::kProposalsProposalClosed;
  if (after.round() != before.round()) return type::kProposalsProposalRehandling;
  return type::kProposalsProposalRated;
}

// What a proposal is now, for its events: `unit` names the handling concerned, when one is.
ev::ProposalChanged ChangedPayload(const pb::Proposal& p, const std::string& unit) {
  ev::ProposalChanged payload;
  payload.set_proposal_id(p.id());
  payload.set_kind(KindName(p.kind()));
  payload.set_session(p.session());
  payload.set_number(p.number());
  payload.set_title(p.title());
  payload.set_state(pb::ProposalState_Name(p.state()));
  payload.set_unit(unit);
  for (const auto& h : p.handlings()) {
    if (h.unit() == unit && h.state() != pb::HANDLING_STATE_REPLACED) {
      payload.set_due_date(h.due_date());
    }
  }
  payload.set_proposer(p.proposer());
  *payload.mutable_raters() = p.raters();
  return payload;
}

// Handlings carry their unit's name (output only), given when the handling is added.
void NameUnits(const org::OrgTree& org, pb::Proposal& p) {
  for (auto& h : *p.mutable_handlings()) {
    if (!h.unit_name().empty()) continue;
    if (const auto* u = org.FindUnit(h.unit())) h.set_unit_name(u->name);
  }
}

absl::Status CheckEnum(bool valid, const char* field) {
  return valid ? absl::OkStatus() : InvalidField(field, "unknown value");
}

}  // namespace

ProposalsServiceImpl::ProposalsServiceImpl(const app::Handlers& handlers, const org::OrgTree& org,
                                           const Clock* clock, const calendar::WorkCalendar& cal,
                                           Options options)
    : handlers_(handlers),
      org_(org),
      clock_(clock),
      cal_(cal),
      options_(std::move(options)),
      recorder_("proposals", clock),
      proposals_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
                   return Load(tx, caller, id);
                 },
                 [this](store::Tx& tx, const auth::Principal& caller, const pb::Proposal& before,
                        const pb::Proposal& after, const app::Audit& audit) {
                   return Save(tx, caller.ToActor(), before, after, audit, "");
                 },
                 {}} {}

CivilDate ProposalsServiceImpl::Today() const {
  return DateOf(clock_->Now(), options_.limits.utc_offset_minutes);
}

std::string ProposalsServiceImpl::DueFor(const pb::Proposal& p,
                                         const std::string& requested) const {
  if (!requested.empty()) return FormatDate(cal_.NextWorkingDay(*ParseDate(requested)));
  return FormatDate(DefaultDue(cal_, options_.deadlines, p.urgent(), Today()));
}

app::Check ProposalsServiceImpl::Office(absl::Status valid, std::string action) const {
  return [valid = std::move(valid),
          action = std::move(action)](const auth::Principal& caller) -> absl::Status {
    if (!valid.ok()) return valid;
    if (!caller.HasRole("proposal_office")) {
      return absl::PermissionDeniedError(action + " is for the proposal office");
    }
    return absl::OkStatus();
  };
}

absl::StatusOr<pb::Proposal> ProposalsServiceImpl::Load(store::Tx& tx,
                                                        const auth::Principal& caller,
                                                        const std::string& id) const {
  auto scope = ScopeFor(org_, caller);
  if (!scope.ok()) return scope.status();
  auto p = Proposals().Get(tx, id);
  if (!p.ok()) return p.status();
  if (!MayRead(*scope, *p)) return absl::NotFoundError("proposal " + id + " not found");
  return p;
}

absl::Status ProposalsServiceImpl::Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                                          const pb::Proposal& p, const std::string& unit,
                                          const app::Audit& audit, const std::string& trace_id) {
  const ev::ProposalChanged payload = ChangedPayload(p, unit);
  events::Change change{audit.action,     p.id(),   p.tenant(), audit.detail,
                        audit.event_type, &payload, trace_id};
  return recorder_.Record(tx, actor, change).status();
}

absl::Status ProposalsServiceImpl::Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                                        const pb::Proposal& before, const pb::Proposal& after,
                                        const app::Audit& audit, const std::string& trace_id) {
  if (auto s = repo::UpdateProposal(tx, after, before.version()); !s.ok()) return s;
  if (TimerKey(before) != TimerKey(after)) {
    std::vector<store::Timer> timers;
    const CivilDate today = Today();
    for (const auto& h : after.handlings()) {
      if (!Owes(h) || after.state() != pb::PROPOSAL_STATE_HANDLING) continue;
      for (const auto& t : TimersFor(cal_, options_.deadlines, h, today)) {
        timers.push_back(
            {kDeadlineTimers, after.id(), t.name,
             ToMillis(AtLocalHour(t.date, options_.fire_hour, options_.limits.utc_offset_minutes)),
             h.unit(), after.tenant()});
      }
    }
    // A re-handling starts every reminder afresh.
    if (auto s = store::ScheduleTimers(tx, kDeadlineTimers, after.id(), timers,
                                       after.round() != before.round());
        !s.ok()) {
      return s;
    }
  }
  app::Audit a = audit;
  if (a.event_type.empty()) a.event_type = RatedEvent(before, after);
  if (a.event_type == type::kProposalsProposalAssigned) {
    // One event per unit newly assigned, with its due date (the replaced ones are history).
    const auto added = AddedHandlings(before, after);
    for (const pb::Handling* h : added) {
      if (auto s = Record(tx, actor, after, h->unit(), a, trace_id); !s.ok()) return s;
    }
    if (!added.empty()) return absl::OkStatus();
  }
  const pb::Handling* h = ChangedHandling(before, after);
  if (auto s = Record(tx, actor, after, h == nullptr ? "" : h->unit(), a, trace_id); !s.ok()) {
    return s;
  }
  // The last replying unit's answer replies the proposal: its raters are told to rate.
  if (after.state() == pb::PROPOSAL_STATE_REPLIED && before.state() != pb::PROPOSAL_STATE_REPLIED &&
      a.event_type != type::kProposalsProposalReplied) {
    return Record(tx, actor, after, "", {a.action, type::kProposalsProposalReplied, a.detail},
                  trace_id);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::Change(grpc::CallbackServerContext* ctx,
                                                       const char* method,
                                                       const google::protobuf::Message& request,
                                                       pb::Proposal* resp, const std::string& id,
                                                       app::Check check, app::Audit audit,
                                                       app::Apply<pb::Proposal> apply) const {
  return handlers_.Change<pb::Proposal>(
      ctx, method, request, resp, proposals_, id, std::move(check), std::move(audit),
      [apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx,
                                 pb::Proposal& p) -> absl::Status {
        const int64_t read = p.version();
        if (auto s = apply(caller, tx, p); !s.ok()) return s;
        p.set_version(read + 1);
        return absl::OkStatus();
      });
}

app::Apply<pb::Proposal> ProposalsServiceImpl::OnHandling(
    std::string unit, std::string action,
    std::function<absl::Status(const auth::Principal&, pb::Proposal&, pb::Handling&)> step) const {
  return [unit = std::move(unit), action = std::move(action), step = std::move(step)](
             const auth::Principal& caller, store::Tx&, pb::Proposal& p) -> absl::Status {
    auto h = HandlingOf(p, caller, unit, action);
    if (!h.ok()) return h.status();
    return step(caller, p, **h);
  };
}

app::Apply<pb::Proposal> ProposalsServiceImpl::AsOffice(std::string action,
                                                        app::Apply<pb::Proposal> apply) const {
  return [action = std::move(action), apply = std::move(apply)](
             const auth::Principal& caller, store::Tx& tx, pb::Proposal& p) -> absl::Status {
    // The role was checked before anything was read; the office acts in its own tenant only
    // (a token whose other role reads wider does not widen it).
    if (auto s = RequireOffice(caller, p.tenant(), action); !s.ok()) return s;
    return apply(caller, tx, p);
  };
}

app::Apply<pb::Proposal> ProposalsServiceImpl::OfficeOnHandling(
    std::string unit, std::string action,
    std::function<absl::Status(pb::Proposal&, pb::Handling&)> step) const {
  return [unit = std::move(unit), action = std::move(action), step = std::move(step)](
             const auth::Principal& caller, store::Tx&, pb::Proposal& p) -> absl::Status {
    if (auto s = RequireOffice(caller, p.tenant(), action); !s.ok()) return s;
    auto h = RequireHandling(p, unit);
    if (!h.ok()) return h.status();
    return step(p, **h);
  };
}

// ---- Proposals ----

grpc::ServerUnaryReactor* ProposalsServiceImpl::CreateProposal(grpc::CallbackServerContext* ctx,
                                                               const pb::CreateProposalRequest* req,
                                                               pb::Proposal* resp) {
  auto requested = std::make_shared<pb::Proposal>(req->proposal());
  auto entered_by = std::make_shared<std::string>();
  return handlers_.Write(
      ctx, "CreateProposal", *req, resp,
      [this, requested, entered_by](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateNewProposal(*requested, options_.limits); !s.ok()) return s;
        if (caller.HasRole("proposal_office")) {
          // A paper proposal entered by the office names its proposer.
          if (requested->proposer().empty()) {
            return InvalidField("proposal.proposer",
                                "required when the proposal office enters a proposal");
          }
          *entered_by = caller.subject;
        } else if (caller.HasRole("proposer")) {
          if (!requested->proposer().empty() && requested->proposer() != caller.subject) {
            return absl::PermissionDeniedError(
                "a proposer submits their own proposals; proposal.proposer must be empty or " +
                caller.subject);
          }
          requested->set_proposer(caller.subject);
        } else {
          return absl::PermissionDeniedError(
              "proposals are submitted by deputies and members (proposer) or entered by the "
              "proposal office");
        }
        if (org_.FindTenant(caller.tenant) == nullptr) {
          return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
        }
        return ResolveParties(org_, caller.tenant, *requested);
      },
      [this, requested, entered_by, resp](const auth::Principal& caller,
                                          store::Tx& tx) -> absl::Status {
        pb::Proposal p = NewProposal(*requested, NewResourceId(caller.tenant, "p"), caller.tenant,
                                     *entered_by, clock_->Now());
        if (auto s = repo::InsertProposal(tx, p); !s.ok()) return s;
        if (auto s = Record(tx, caller.ToActor(), p, "",
                            {"proposal.submit", type::kProposalsProposalSubmitted, p.title()}, "");
            !s.ok()) {
          return s;
        }
        *resp = std::move(p);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::GetProposal(grpc::CallbackServerContext* ctx,
                                                            const pb::GetProposalRequest* req,
                                                            pb::Proposal* resp) {
  return handlers_.Read(
      ctx, Valid(ValidateId(req->id(), "id")),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto p = Load(tx, caller, req->id());
        if (!p.ok()) return p.status();
        *resp = std::move(*p);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ListProposals(grpc::CallbackServerContext* ctx,
                                                              const pb::ListProposalsRequest* req,
                                                              pb::ListProposalsResponse* resp) {
  return handlers_.List(
      ctx, req->page_size(), req->page_token(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = CheckEnum(pb::ProposalState_IsValid(req->state()), "state"); !s.ok()) {
          return s;
        }
        if (auto s = CheckEnum(pb::ProposalKind_IsValid(req->kind()), "kind"); !s.ok()) return s;
        if (req->session().size() > 64) return InvalidField("session", "longer than 64 bytes");
        if (req->unit().size() > 64) return InvalidField("unit", "longer than 64 bytes");
        return ScopeFor(org_, caller).status();
      },
      [this, req, resp](const auth::Principal& caller, const app::Page& page,
                        store::Tx& tx) -> absl::Status {
        const Scope scope = *ScopeFor(org_, caller);
        std::vector<cond::Cond> where{Visible(scope)};
        if (req->state() != pb::PROPOSAL_STATE_UNSPECIFIED) {
          where.push_back(cond::Eq("state", int64_t{req->state()}));
        }
        if (req->kind() != pb::PROPOSAL_KIND_UNSPECIFIED) {
          where.push_back(cond::Eq("kind", int64_t{req->kind()}));
        }
        if (!req->session().empty()) where.push_back(cond::Eq("session", req->session()));
        if (!req->unit().empty()) where.push_back(cond::Related(kHasParty, UnitParty(req->unit())));
        auto rows = Proposals().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
        if (!rows.ok()) return rows.status();
        store::FillPage(
            *rows, page.size, [&](pb::Proposal&& p) { *resp->add_proposals() = std::move(p); },
            resp->mutable_next_page_token());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::RespondCoSign(grpc::CallbackServerContext* ctx,
                                                              const pb::RespondCoSignRequest* req,
                                                              pb::Proposal* resp) {
  const bool confirm = req->answer() == pb::CO_SIGN_ANSWER_CONFIRM;
  return Change(
      ctx, "RespondCoSign", *req, resp, req->id(), Valid([&]() -> absl::Status {
        if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
        if (req->answer() == pb::CO_SIGN_ANSWER_UNSPECIFIED ||
            !pb::CoSignAnswer_IsValid(req->answer())) {
          return InvalidField("answer", "required: CONFIRM or DECLINE");
        }
        return absl::OkStatus();
      }()),
      {confirm ? "cosign.confirm" : "cosign.decline", type::kProposalsProposalCoSignAnswered, ""},
      [this, confirm](const auth::Principal& caller, store::Tx&, pb::Proposal& p) {
        return proposals::RespondCoSign(p, caller.subject, confirm, clock_->Now());
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ReviewProposal(grpc::CallbackServerContext* ctx,
                                                               const pb::ReviewProposalRequest* req,
                                                               pb::Proposal* resp) {
  const char* event =
      req->decision() == pb::REVIEW_DECISION_REJECT    ? type::kProposalsProposalNotRegistered
      : req->decision() == pb::REVIEW_DECISION_CONVERT ? type::kProposalsProposalConverted
                                                       : type::kProposalsProposalRegistered;
  return Change(ctx, "ReviewProposal", *req, resp, req->id(),
                Office(ValidateReview(*req, options_.limits), "reviewing a proposal"),
                {"proposal.review", event, req->reason()},
                AsOffice("reviewing a proposal",
                         [this, req](const auth::Principal& caller, store::Tx& tx,
                                     pb::Proposal& p) -> absl::Status {
                           int number = 0;
                           if (req->decision() == pb::REVIEW_DECISION_REGISTER &&
                               p.state() == pb::PROPOSAL_STATE_SUBMITTED) {
                             if (req->number() > 0) {
                               auto taken = repo::NumberTaken(tx, p, req->number());
                               if (!taken.ok()) return taken.status();
                               if (*taken) {
                                 return absl::AlreadyExistsError(
                                     "number: 第 " + std::to_string(req->number()) +
                                     " 号 of session " + p.session() +
                                     " is already given to another proposal");
                               }
                               number = req->number();
                             } else {
                               auto next = repo::NextNumber(tx, p);
                               if (!next.ok()) return next.status();
                               number = *next;
                             }
                           }
                           return Review(p, req->decision(), req->reason(), number, caller.subject,
                                         clock_->Now());
                         }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ListSimilarProposals(
    grpc::CallbackServerContext* ctx, const pb::ListSimilarProposalsRequest* req,
    pb::ListSimilarProposalsResponse* resp) {
  return handlers_.Read(
      ctx,
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
        if (req->max_results() < 0) return InvalidField("max_results", "must not be negative");
        if (req->min_score() < 0 || req->min_score() > 1) {
          return InvalidField("min_score", "between 0 and 1");
        }
        auto scope = ScopeFor(org_, caller);
        if (!scope.ok()) return scope.status();
        if (scope->tenants.empty()) {
          return absl::PermissionDeniedError(
              "similar proposals are shown to the proposal office and leaders");
        }
        return absl::OkStatus();
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto target = Load(tx, caller, req->id());
        if (!target.ok()) return target.status();
        auto all = repo::ProposalsOfTenant(tx, target->tenant());
        if (!all.ok()) return all.status();
        const size_t limit = req->max_results() == 0 ? 10 : std::min(req->max_results(), 50);
        const double min_score = req->min_score() == 0 ? 0.2 : req->min_score();
        for (auto& s : RankSimilar(*target, *all, min_score, limit)) {
          *resp->add_proposals() = std::move(s);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::MergeProposals(grpc::CallbackServerContext* ctx,
                                                               const pb::MergeProposalsRequest* req,
                                                               pb::Proposal* resp) {
  return handlers_.Write(
      ctx, "MergeProposals", *req, resp, Office(ValidateMerge(*req), "merging proposals"),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto primary = Load(tx, caller, req->primary_id());
        if (!primary.ok()) return primary.status();
        if (auto s = RequireOffice(caller, primary->tenant(), "merging proposals"); !s.ok()) {
          return s;
        }
        std::vector<pb::Proposal> merged;
        for (int i = 0; i < req->merged_ids_size(); ++i) {
          auto m = Load(tx, caller, req->merged_ids(i));
          if (absl::IsNotFound(m.status())) {
            return absl::NotFoundError("merged_ids[" + std::to_string(i) + "]: proposal " +
                                       req->merged_ids(i) + " not found");
          }
          if (!m.ok()) return m.status();
          merged.push_back(std::move(*m));
        }
        const pb::Proposal before = *primary;
        std::vector<pb::Proposal> merged_before = merged;
        if (auto s = Merge(*primary, merged); !s.ok()) return s;
        const auto actor = caller.ToActor();
        for (size_t i = 0; i < merged.size(); ++i) {
          merged[i].set_version(merged_before[i].version() + 1);
          if (auto s = Save(
                  tx, actor, merged_before[i], merged[i],
                  {"proposal.merge", type::kProposalsProposalMerged, "并入 " + primary->id()}, "");
              !s.ok()) {
            return s;
          }
        }
        primary->set_version(before.version() + 1);
        if (auto s = Save(tx, actor, before, *primary,
                          {"proposal.merge", type::kProposalsProposalMerged,
                           std::to_string(merged.size()) + " 件并案"},
                          "");
            !s.ok()) {
          return s;
        }
        *resp = std::move(*primary);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::AssignProposal(grpc::CallbackServerContext* ctx,
                                                               const pb::AssignProposalRequest* req,
                                                               pb::Proposal* resp) {
  return Change(
      ctx, "AssignProposal", *req, resp, req->id(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        const CivilDate today = Today();
        if (auto s = Office(ValidateAssign(*req, options_.limits, today,
                                           AddMonths(today, options_.deadlines.max_months)),
                            "assigning a proposal")(caller);
            !s.ok()) {
          return s;
        }
        // Every unit belongs to the office's tenant (the proposal's: the office sees no other).
        if (req->mode() == pb::ASSIGNMENT_MODE_SPLIT) {
          for (int i = 0; i < req->parts_size(); ++i) {
            if (auto s = auth::CheckUnit(org_, &caller, caller.tenant, req->parts(i).unit(),
                                         "parts[" + std::to_string(i) + "].unit");
                !s.ok()) {
              return s;
            }
          }
          return absl::OkStatus();
        }
        if (auto s = auth::CheckUnit(org_, &caller, caller.tenant, req->lead_unit(), "lead_unit");
            !s.ok()) {
          return s;
        }
        return auth::CheckUnits(org_, &caller, caller.tenant,
                                {req->co_units().begin(), req->co_units().end()}, "co_units");
      },
      {"proposal.assign", type::kProposalsProposalAssigned, ""},
      AsOffice("assigning a proposal",
               [this, req](const auth::Principal&, store::Tx&, pb::Proposal& p) -> absl::Status {
                 // An urgent proposal's deadline is no later than the urgent handling time.
                 const CivilDate today = Today();
                 const CivilDate urgent = AddMonths(today, options_.deadlines.urgent_months);
                 if (p.urgent() && !req->due_date().empty() &&
                     urgent < *ParseDate(req->due_date())) {
                   return InvalidField("due_date", req->due_date() +
                                                       " is later than an urgent proposal's "
                                                       "handling time (" +
                                                       FormatDate(urgent) + ")");
                 }
                 auto added = Assign(p, *req, DueFor(p, req->due_date()), clock_->Now());
                 if (!added.ok()) return added.status();
                 NameUnits(org_, p);
                 return absl::OkStatus();
               }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::SignHandling(grpc::CallbackServerContext* ctx,
                                                             const pb::SignHandlingRequest* req,
                                                             pb::Proposal* resp) {
  return Change(ctx, "SignHandling", *req, resp, req->id(), Valid(ValidateId(req->id(), "id")),
                {"handling.sign", type::kProposalsHandlingSigned, ""},
                OnHandling(req->unit(), "signing for a proposal",
                           [this](const auth::Principal&, pb::Proposal&, pb::Handling& h) {
                             return Sign(h, clock_->Now());
                           }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ReturnHandling(grpc::CallbackServerContext* ctx,
                                                               const pb::ReturnHandlingRequest* req,
                                                               pb::Proposal* resp) {
  return Change(ctx, "ReturnHandling", *req, resp, req->id(),
                Valid(ValidateReason(req->id(), req->reason(), "reason", options_.limits)),
                {"handling.return", type::kProposalsHandlingReturned, req->reason()},
                OnHandling(req->unit(), "returning a proposal",
                           [this, req](const auth::Principal&, pb::Proposal&, pb::Handling& h) {
                             return Return(h, req->reason(), cal_, options_.deadlines, Today(),
                                           options_.limits.utc_offset_minutes, clock_->Now());
                           }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::DisputeReturn(grpc::CallbackServerContext* ctx,
                                                              const pb::DisputeReturnRequest* req,
                                                              pb::Proposal* resp) {
  return handlers_.Write(
      ctx, "DisputeReturn", *req, resp,
      Office(
          [&]() -> absl::Status {
            if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
            if (req->unit().empty()) return InvalidField("unit", "required");
            return ValidateText(req->note(), "note", options_.limits.max_text_chars, false);
          }(),
          "sending a return to coordination"),
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto p = Load(tx, caller, req->id());
        if (!p.ok()) return p.status();
        if (auto s = RequireOffice(caller, p->tenant(), "sending a return to coordination");
            !s.ok()) {
          return s;
        }
        const pb::Proposal before = *p;
        auto found = RequireHandling(*p, req->unit());
        if (!found.ok()) return found.status();
        pb::Handling* h = *found;
        if (auto s = Dispute(*p, *h); !s.ok()) return s;
        p->set_version(before.version() + 1);
        if (auto s = repo::UpdateProposal(tx, *p, before.version()); !s.ok()) return s;
        // The dispute's own event, which coordination opens a matter from.
        ev::ProposalAssignmentDisputed d;
        d.set_proposal_id(p->id());
        d.set_dispute_ref(h->dispute_ref());
        d.set_title(p->title());
        d.set_unit(h->unit());
        d.set_reason(h->return_reason());
        d.set_note(req->note());
        for (const auto& other : p->handlings()) {
          if (other.state() != pb::HANDLING_STATE_REPLACED &&
              other.state() != pb::HANDLING_STATE_RETURNED) {
            d.add_other_units(other.unit());
          }
        }
        events::Change change{"handling.dispute",
                              p->id(),
                              p->tenant(),
                              req->note(),
                              type::kProposalsAssignmentDisputed,
                              &d,
                              ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(*p);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::SendOpinion(grpc::CallbackServerContext* ctx,
                                                            const pb::SendOpinionRequest* req,
                                                            pb::Proposal* resp) {
  return Change(ctx, "SendOpinion", *req, resp, req->id(),
                Valid(ValidateReason(req->id(), req->opinion(), "opinion", options_.limits)),
                {"handling.opinion", type::kProposalsHandlingOpinionSent, ""},
                OnHandling(req->unit(), "sending a co-handling opinion",
                           [req](const auth::Principal&, pb::Proposal&, pb::Handling& h) {
                             return proposals::SendOpinion(h, req->opinion());
                           }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::LogContact(grpc::CallbackServerContext* ctx,
                                                           const pb::LogContactRequest* req,
                                                           pb::Proposal* resp) {
  return Change(
      ctx, "LogContact", *req, resp, req->id(),
      Valid(ValidateContact(*req, options_.limits, Today())),
      {"handling.contact", type::kProposalsHandlingContactLogged,
       pb::ContactMethod_Name(req->contact().method())},
      OnHandling(req->unit(), "logging a contact",
                 [this, req](const auth::Principal& caller, pb::Proposal& p, pb::Handling& h) {
                   pb::Contact c = req->contact();
                   if (c.contact_date().empty()) c.set_contact_date(FormatDate(Today()));
                   return proposals::LogContact(h, std::move(c), p.round(), caller.subject,
                                                clock_->Now());
                 }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ReplyProposal(grpc::CallbackServerContext* ctx,
                                                              const pb::ReplyProposalRequest* req,
                                                              pb::Proposal* resp) {
  return Change(
      ctx, "ReplyProposal", *req, resp, req->id(), Valid(ValidateReply(*req, options_.limits)),
      {"handling.reply", type::kProposalsHandlingReplied,
       pb::ReplyClass_Name(req->reply().reply_class())},
      OnHandling(req->unit(), "replying to a proposal",
                 [this, req](const auth::Principal& caller, pb::Proposal& p, pb::Handling& h) {
                   pb::Reply reply;
                   reply.set_reply_class(req->reply().reply_class());
                   reply.set_text(req->reply().text());
                   reply.set_not_public(req->reply().not_public());
                   reply.set_not_public_reason(req->reply().not_public_reason());
                   return ReplyTo(p, h, std::move(reply), caller.subject, Today(), clock_->Now());
                 }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::AdjustReplyClass(
    grpc::CallbackServerContext* ctx, const pb::AdjustReplyClassRequest* req, pb::Proposal* resp) {
  return Change(ctx, "AdjustReplyClass", *req, resp, req->id(),
                Office(ValidateAdjust(*req, options_.limits), "adjusting a reply's class"),
                {"handling.adjust_class", type::kProposalsHandlingClassAdjusted, req->reason()},
                OfficeOnHandling(req->unit(), "adjusting a reply's class",
                                 [req](pb::Proposal&, pb::Handling& h) {
                                   return AdjustClass(h, req->reply_class(), req->reason());
                                 }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::FollowUpReply(grpc::CallbackServerContext* ctx,
                                                              const pb::FollowUpReplyRequest* req,
                                                              pb::Proposal* resp) {
  return Change(
      ctx, "FollowUpReply", *req, resp, req->id(),
      Valid(ValidateReason(req->id(), req->text(), "text", options_.limits)),
      {"handling.follow_up", type::kProposalsHandlingFollowedUp, ""},
      OnHandling(req->unit(), "reporting a follow-up",
                 [this, req](const auth::Principal& caller, pb::Proposal&, pb::Handling& h) {
                   return AddFollowUp(h, req->text(), caller.subject, clock_->Now());
                 }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::RequestExtension(
    grpc::CallbackServerContext* ctx, const pb::RequestExtensionRequest* req, pb::Proposal* resp) {
  return Change(ctx, "RequestExtension", *req, resp, req->id(),
                Valid(ValidateExtensionRequest(*req, options_.limits)),
                {"extension.request", type::kProposalsExtensionRequested, req->reason()},
                OnHandling(req->unit(), "asking for an extension",
                           [this, req](const auth::Principal&, pb::Proposal&, pb::Handling& h) {
                             return proposals::RequestExtension(
                                 h, req->requested_due_date(), req->reason(), options_.deadlines,
                                 options_.limits.utc_offset_minutes, clock_->Now());
                           }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::DecideExtension(
    grpc::CallbackServerContext* ctx, const pb::DecideExtensionRequest* req, pb::Proposal* resp) {
  return Change(ctx, "DecideExtension", *req, resp, req->id(),
                Office(ValidateExtensionDecision(*req, options_.limits), "deciding an extension"),
                {req->approve() ? "extension.approve" : "extension.refuse",
                 type::kProposalsExtensionDecided, req->comment()},
                AsOffice("deciding an extension",
                         [this, req](const auth::Principal& caller, store::Tx&,
                                     pb::Proposal& p) -> absl::Status {
                           auto h = RequireHandling(p, req->unit());
                           if (!h.ok()) return h.status();
                           return proposals::DecideExtension(**h, req->approve(), caller.subject,
                                                             req->comment(), clock_->Now());
                         }));
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::RateProposal(grpc::CallbackServerContext* ctx,
                                                             const pb::RateProposalRequest* req,
                                                             pb::Proposal* resp) {
  return handlers_.Write(
      ctx, "RateProposal", *req, resp,
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateRate(*req, options_.limits); !s.ok()) return s;
        if (!caller.HasRole("proposer")) {
          return absl::PermissionDeniedError("replies are rated by their proposers");
        }
        return absl::OkStatus();
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto own = Load(tx, caller, req->id());
        if (!own.ok()) return own.status();
        // A merged proposal's proposers rate the replies of the one it is handled with.
        pb::Proposal p = *own;
        if (own->state() == pb::PROPOSAL_STATE_MERGED) {
          auto primary = Proposals().Get(tx, own->merged_into());
          if (!primary.ok()) return primary.status();
          p = std::move(*primary);
        }
        const pb::Proposal before = p;
        const std::string due =
            FormatDate(cal_.AddWorkingDays(Today(), options_.deadlines.rehandling_working_days));
        auto rated = Rate(p, caller.subject, own->id(), req->satisfaction(), req->comment(), due,
                          options_.deadlines, clock_->Now());
        if (!rated.ok()) return rated.status();
        p.set_version(before.version() + 1);
        if (auto s = Save(tx, caller.ToActor(), before, p,
                          {"proposal.rate", "", pb::Satisfaction_Name(req->satisfaction())}, "");
            !s.ok()) {
          return s;
        }
        *resp = std::move(p);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ListPublicReplies(
    grpc::CallbackServerContext* ctx, const pb::ListPublicRepliesRequest* req,
    pb::ListPublicRepliesResponse* resp) {
  return handlers_.List(
      ctx, req->page_size(), req->page_token(),
      [this, req](const auth::Principal& caller) -> absl::Status {
        if (req->session().size() > 64) return InvalidField("session", "longer than 64 bytes");
        if (org_.FindTenant(caller.tenant) == nullptr) {
          return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
        }
        if (!req->tenant().empty()) {
          if (org_.FindTenant(req->tenant()) == nullptr) {
            return InvalidField("tenant", "'" + req->tenant() + "' is not an office served here");
          }
          if (!org_.IsAncestorOrSelf(caller.tenant, req->tenant())) {
            return absl::PermissionDeniedError("tenant " + req->tenant() + " is outside " +
                                               caller.tenant + "'s offices");
          }
        }
        return absl::OkStatus();
      },
      [this, req, resp](const auth::Principal& caller, const app::Page& page,
                        store::Tx& tx) -> absl::Status {
        // Every signed-in user of the tenant subtree reads the replies marked public. A page
        // counts proposals; a split proposal gives one reply per unit.
        const std::string& root = req->tenant().empty() ? caller.tenant : req->tenant();
        std::vector<cond::Cond> where{cond::In("tenant", org_.Subtree(root)),
                                      cond::Ne("public_replies", int64_t{0})};
        if (!req->session().empty()) where.push_back(cond::Eq("session", req->session()));
        auto rows = Proposals().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
        if (!rows.ok()) return rows.status();
        store::FillPage(
            *rows, page.size,
            [&](pb::Proposal&& p) {
              for (const auto& h : p.handlings()) {
                if (h.state() != pb::HANDLING_STATE_REPLIED || h.reply().not_public()) continue;
                pb::PublicReply& r = *resp->add_replies();
                r.set_proposal_id(p.id());
                r.set_tenant(p.tenant());
                r.set_kind(p.kind());
                r.set_session(p.session());
                r.set_number(p.number());
                r.set_title(p.title());
                r.set_unit(h.unit());
                if (const auto* u = org_.FindUnit(h.unit())) r.set_unit_name(u->name);
                r.set_reply_class(h.reply().reply_class());
                r.set_text(h.reply().text());
                *r.mutable_reply_time() = h.reply().reply_time();
              }
            },
            resp->mutable_next_page_token());
        return absl::OkStatus();
      });
}

namespace {

// Statistics are for the proposal office and leaders of the tenant.
absl::Status MayReadStatistics(const org::OrgTree& org, const auth::Principal& caller,
                               const std::string& session, int kind) {
  if (session.size() > 64) return InvalidField("session", "longer than 64 bytes");
  if (!pb::ProposalKind_IsValid(kind)) return InvalidField("kind", "unknown value");
  if (org.FindTenant(caller.tenant) == nullptr) {
    return absl::PermissionDeniedError("tenant " + caller.tenant + " is not served here");
  }
  if (!caller.HasAnyRole({"proposal_office", "leader"})) {
    return absl::PermissionDeniedError("statistics are for the proposal office and leaders");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* ProposalsServiceImpl::GetStatistics(grpc::CallbackServerContext* ctx,
                                                              const pb::GetStatisticsRequest* req,
                                                              pb::Statistics* resp) {
  return handlers_.Read(
      ctx,
      [this, req](const auth::Principal& caller) {
        return MayReadStatistics(org_, caller, req->session(), req->kind());
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto all = repo::ProposalsOfTenant(tx, caller.tenant);
        if (!all.ok()) return all.status();
        *resp = ComputeStatistics(
            *all, {req->session(), req->kind()}, FormatDate(Today()),
            [this](const std::string& unit) {
              const auto* u = org_.FindUnit(unit);
              return u == nullptr ? unit : u->name;
            },
            caller.tenant);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalsServiceImpl::ExportStatistics(
    grpc::CallbackServerContext* ctx, const pb::ExportStatisticsRequest* req,
    pb::ExportStatisticsResponse* resp) {
  return handlers_.Read(
      ctx,
      [this, req](const auth::Principal& caller) {
        return MayReadStatistics(org_, caller, req->session(), req->kind());
      },
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        auto all = repo::ProposalsOfTenant(tx, caller.tenant);
        if (!all.ok()) return all.status();
        const std::string today = FormatDate(Today());
        const pb::Statistics stats = ComputeStatistics(
            *all, {req->session(), req->kind()}, today,
            [this](const std::string& unit) {
              const auto* u = org_.FindUnit(unit);
              return u == nullptr ? unit : u->name;
            },
            caller.tenant);
        resp->set_filename("proposal-statistics-" + caller.tenant + "-" + today + ".csv");
        resp->set_csv(StatisticsCsv(stats));
        return absl::OkStatus();
      });
}

// ---- Events and timers ----

absl::StatusOr<std::any> ProposalsServiceImpl::PrepareMatterResolved(
    const ev::Event& event, const ev::MatterResolved& m, const app::MatterReader& read) {
  if (m.raised_by() != "proposals") return std::any();  // another service's matter
  auto held = read(event, m);
  if (!held.ok()) return held.status();
  return std::any(*held);
}

absl::Status ProposalsServiceImpl::OnMatterResolved(const ev::Event& event,
                                                    const ev::MatterResolved& said,
                                                    const std::any& prepared, store::Tx& tx) {
  if (said.raised_by() != "proposals") return absl::OkStatus();  // another service's matter
  // The decision as coordination holds it, not as the event says it.
  const ev::MatterResolved* held = std::any_cast<ev::MatterResolved>(&prepared);
  if (held == nullptr) return absl::InternalError("coordination.matter.resolved was not read back");
  const ev::MatterResolved& m = *held;
  const std::string id = m.raised_ref().substr(0, m.raised_ref().find('@'));
  auto p = Proposals().Get(tx, id);
  if (absl::IsNotFound(p.status())) {
    spdlog::warn("matter {} resolved for unknown proposal {}; ignored", m.matter_id(),
                 m.raised_ref());
    return absl::OkStatus();
  }
  if (!p.ok()) return p.status();
  if (p->tenant() != event.tenant()) {
    return absl::PermissionDeniedError("coordination.matter.resolved of tenant " + event.tenant() +
                                       " names proposal " + p->id() + " of tenant " + p->tenant());
  }
  std::vector<std::string> co{m.co_units().begin(), m.co_units().end()};
  std::erase(co, m.lead_unit());
  if (auto s = auth::CheckUnit(org_, nullptr, p->tenant(), m.lead_unit(),
                               "coordination.matter.resolved: lead_unit");
      !s.ok()) {
    return s;
  }
  if (auto s = auth::CheckUnits(org_, nullptr, p->tenant(), co,
                                "coordination.matter.resolved: co_units");
      !s.ok()) {
    return s;
  }
  const pb::Proposal before = *p;
  auto added = ResolveDispute(*p, m.raised_ref(), m.lead_unit(), co, DueFor(*p, ""), clock_->Now());
  if (!added.ok()) return added.status();
  if (added->empty()) {
    spdlog::info("matter {} resolved for {}, which is no longer an open dispute; ignored",
                 m.matter_id(), m.raised_ref());
    return absl::OkStatus();
  }
  NameUnits(org_, *p);
  p->set_version(before.version() + 1);
  return Save(tx, SystemActor(), before, *p,
              {"proposal.reassign", type::kProposalsProposalAssigned, m.decision()},
              event.trace_id());
}

absl::StatusOr<std::string> ProposalsServiceImpl::FireDeadlineTimer(store::Tx& tx,
                                                                    const store::Timer& timer) {
  auto p = Proposals().Get(tx, timer.owner);
  if (!p.ok()) return p.status();
  const CivilDate today = Today();
  const TimerDecision d = DecideTimer(cal_, *p, timer.name, today);
  if (d.outcome != kFired) return d.outcome;
  const pb::Handling* h = nullptr;
  for (const auto& x : p->handlings()) {
    if (x.seq() == d.seq) h = &x;
  }
  const auto actor = SystemActor();
  if (d.overdue) {
    ev::ProposalOverdue o;
    o.set_proposal_id(p->id());
    o.set_kind(KindName(p->kind()));
    o.set_session(p->session());
    o.set_number(std::to_string(p->number()));
    o.set_title(p->title());
    o.set_unit(h->unit());
    o.set_due_date(h->due_date());
    o.set_working_days_overdue(d.working_days);
    o.set_new_due_date(
        FormatDate(cal_.AddWorkingDays(today, options_.deadlines.supervision_working_days)));
    events::Change change{"handling.overdue",
                          p->id(),
                          p->tenant(),
                          h->unit() + " " + std::to_string(d.working_days) + " working days late",
                          type::kProposalsHandlingOverdue,
                          &o,
                          ""};
    if (auto s = recorder_.Record(tx, actor, change); !s.ok()) return s.status();
    return std::string(kFired);
  }
  ev::ProposalChanged due = ChangedPayload(*p, h->unit());
  due.set_working_days_left(d.working_days);
  events::Change change{"handling.due_soon",
                        p->id(),
                        p->tenant(),
                        h->unit() + " " + std::to_string(d.working_days) + " working days left",
                        type::kProposalsHandlingDueSoon,
                        &due,
                        ""};
  if (auto s = recorder_.Record(tx, actor, change); !s.ok()) return s.status();
  return std::string(kFired);
}

}  // namespace zs::proposals

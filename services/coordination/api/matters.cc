// The matters module (协调事项) of the coordination service: MattersService on the application
// layer, and the consumers that open a matter from supervision's contested task and proposals'
// disputed return — each re-read from the raising service before anything is opened.
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <any>
#include <memory>

#include "api/module.h"
#include "app/handler.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "domain/matters.h"
#include "events/outbox.h"
#include "events/types.h"
#include "store/matters.h"
#include "store/page_token.h"
#include "zhongshu/coordination/v1/matters.grpc.pb.h"
#include "zhongshu/proposals/v1/proposals.grpc.pb.h"
#include "zhongshu/supervision/v1/supervision.grpc.pb.h"

namespace zs::coordination {
namespace {

namespace m = matters;
namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace spb = zhongshu::supervision::v1;
namespace ppb = zhongshu::proposals::v1;
namespace type = events::type;
using m::repo::Matters;

app::Check Valid(absl::Status valid) {
  return [valid = std::move(valid)](const auth::Principal&) { return valid; };
}

// A gRPC failure of an upstream as a status: NOT_FOUND means the event names something the
// raising service does not have in that tenant (deterministic: refused); the code of anything
// else is kept so an outage (UNAVAILABLE, DEADLINE_EXCEEDED) is retried.
absl::Status UpstreamError(const grpc::Status& s, const std::string& what) {
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::FailedPreconditionError(what + ": not found upstream (" + s.error_message() + ")");
  }
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      what + ": " + s.error_message());
}

class MattersServiceImpl final : public pb::MattersService::CallbackService {
 public:
  MattersServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                     m::Limits limits, std::shared_ptr<app::Upstream> supervision,
                     std::shared_ptr<app::Upstream> proposals)
      : handlers_(handlers),
        org_(org),
        clock_(clock),
        limits_(limits),
        recorder_("coordination", clock),
        supervision_(std::move(supervision)),
        proposals_(std::move(proposals)),
        sstub_(spb::SupervisionService::NewStub(supervision_->channel())),
        pstub_(ppb::ProposalsService::NewStub(proposals_->channel())),
        matters_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
                   return Load(tx, caller, id);
                 },
                 [this](store::Tx& tx, const auth::Principal& caller, const pb::Matter& before,
                        const pb::Matter& after, const app::Audit& audit) {
                   return Save(tx, caller.ToActor(), before, after, audit, "");
                 },
                 [](const auth::Principal& caller, pb::Matter& mt) { m::Present(caller, mt); }} {}

  grpc::ServerUnaryReactor* CreateMatter(grpc::CallbackServerContext* ctx,
                                         const pb::CreateMatterRequest* req,
                                         pb::Matter* resp) override {
    return handlers_.Write(
        ctx, "CreateMatter", *req, resp,
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = m::ValidateCreate(*req, limits_); !s.ok()) return s;
          if (auto s = m::CheckParties(org_, caller.tenant, req->kind(),
                                       {req->parties().begin(), req->parties().end()}, limits_);
              !s.ok()) {
            return s;
          }
          if (!m::IsOffice(caller)) {
            return absl::PermissionDeniedError(
                "a matter is opened by the office: coordinator, office_director or leader");
          }
          return absl::OkStatus();
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          pb::Matter mt = m::NewMatter(org_, *req, NewResourceId(caller.tenant, "m"), caller.tenant,
                                       ActorOf(caller), clock_->Now());
          if (auto s = m::repo::InsertMatter(tx, mt); !s.ok()) return s;
          if (auto s = Record(tx, caller.ToActor(), mt, "",
                              {"matter.open", type::kCoordinationMatterOpened, ""}, "");
              !s.ok()) {
            return s;
          }
          m::Present(caller, mt);
          *resp = std::move(mt);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* GetMatter(grpc::CallbackServerContext* ctx,
                                      const pb::GetMatterRequest* req, pb::Matter* resp) override {
    return handlers_.Read(
        ctx, Valid(ValidateId(req->id(), "id")),
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto mt = Load(tx, caller, req->id());
          if (!mt.ok()) return mt.status();
          m::Present(caller, *mt);
          *resp = std::move(*mt);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListMatters(grpc::CallbackServerContext* ctx,
                                        const pb::ListMattersRequest* req,
                                        pb::ListMattersResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [req](const auth::Principal& caller) -> absl::Status {
          if (!pb::MatterState_IsValid(req->state())) {
            return InvalidField("state", "unknown value");
          }
          return m::MayList(caller);
        },
        [req, resp](const auth::Principal& caller, const app::Page& page,
                    store::Tx& tx) -> absl::Status {
          std::vector<cond::Cond> where{cond::Eq("tenant", caller.tenant)};
          if (!m::IsOffice(caller) && !caller.HasRole("service")) {
            where.push_back(cond::Related(m::kHasParty, caller.unit));
          }
          if (req->state() != pb::MATTER_STATE_UNSPECIFIED) {
            where.push_back(cond::Eq("state", int64_t{req->state()}));
          }
          auto rows = Matters().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          store::FillPage(
              *rows, page.size,
              [&](pb::Matter&& mt) {
                m::Present(caller, mt);
                *resp->add_matters() = std::move(mt);
              },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* StatePosition(grpc::CallbackServerContext* ctx,
                                          const pb::StatePositionRequest* req,
                                          pb::Matter* resp) override {
    return Change(
        ctx, "StatePosition", *req, resp, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = m::ValidatePosition(req->id(), req->position(), limits_); !s.ok()) return s;
          if (req->unit().size() > 64) return InvalidField("unit", "longer than 64 bytes");
          if (!caller.HasRole("unit_handler") || caller.unit.empty()) {
            return absl::PermissionDeniedError(
                "a position is stated by a handler (unit_handler) of a party unit");
          }
          if (!req->unit().empty() && req->unit() != caller.unit) {
            return absl::PermissionDeniedError("a handler states the position of its own unit " +
                                               caller.unit + " only");
          }
          return absl::OkStatus();
        },
        {"matter.position", type::kCoordinationMatterPositionStated, ""},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Matter& mt) {
          return m::StatePosition(mt, caller.unit, req->position(), ActorOf(caller), clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* StartCoordination(grpc::CallbackServerContext* ctx,
                                              const pb::StartCoordinationRequest* req,
                                              pb::Matter* resp) override {
    return Change(
        ctx, "StartCoordination", *req, resp, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = m::ValidateNote(req->id(), req->note(), "note", false, limits_); !s.ok()) {
            return s;
          }
          if (!m::MayStartCoordination(caller)) {
            return absl::PermissionDeniedError(
                "coordination is started by a coordinator or the office director");
          }
          return absl::OkStatus();
        },
        {"matter.coordinate", type::kCoordinationMatterCoordinating, ""},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Matter& mt) {
          return m::StartCoordination(mt, ActorOf(caller), req->note(), clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* ResolveMatter(grpc::CallbackServerContext* ctx,
                                          const pb::ResolveMatterRequest* req,
                                          pb::Matter* resp) override {
    auto d = std::make_shared<m::DecisionInput>(
        m::DecisionInput{req->decision(),
                         req->reasons(),
                         req->lead_unit(),
                         {req->co_units().begin(), req->co_units().end()}});
    return Change(
        ctx, "ResolveMatter", *req, resp, req->id(),
        [this, req, d](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (auto s = m::ValidateDecision(org_, caller.tenant, *d, limits_); !s.ok()) return s;
          if (!m::MayResolve(caller)) {
            return absl::PermissionDeniedError(
                "a matter is resolved only by the office director (office_director) or a leader");
          }
          return absl::OkStatus();
        },
        {"matter.resolve", type::kCoordinationMatterResolved, ""},
        [this, d](const auth::Principal& caller, store::Tx&, pb::Matter& mt) {
          return m::Resolve(org_, mt, *d, ActorOf(caller), clock_->Now(), limits_);
        });
  }

  grpc::ServerUnaryReactor* WithdrawMatter(grpc::CallbackServerContext* ctx,
                                           const pb::WithdrawMatterRequest* req,
                                           pb::Matter* resp) override {
    return Change(
        ctx, "WithdrawMatter", *req, resp, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = m::ValidateNote(req->id(), req->reason(), "reason", true, limits_);
              !s.ok()) {
            return s;
          }
          if (!m::IsOffice(caller)) {
            return absl::PermissionDeniedError(
                "a matter is withdrawn by the office: coordinator, office_director or leader");
          }
          return absl::OkStatus();
        },
        {"matter.withdraw", type::kCoordinationMatterWithdrawn, ""},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Matter& mt) {
          return m::Withdraw(mt, req->reason(), ActorOf(caller), clock_->Now());
        });
  }

  // ---- Consumers ----

  // supervision.task.contested: the task and its item as supervision has them, read as this
  // service's account in the event's tenant (outside any transaction).
  absl::StatusOr<std::any> PrepareContest(const ev::Event& e, const ev::TaskContested& c) {
    if (org_.FindTenant(e.tenant()) == nullptr) {
      return absl::FailedPreconditionError("supervision.task.contested of unknown tenant " +
                                           e.tenant());
    }
    if (auto s = ValidateId(c.task_id(), "task_id"); !s.ok()) {
      return absl::FailedPreconditionError("supervision.task.contested: " +
                                           std::string(s.message()));
    }
    auto ctx = supervision_->Context(e.tenant());
    if (!ctx.ok()) return ctx.status();
    spb::GetTaskRequest get;
    get.set_id(c.task_id());
    spb::Task t;
    if (grpc::Status s = sstub_->GetTask(ctx->get(), get, &t); !s.ok()) {
      return UpstreamError(s, "supervision GetTask " + c.task_id());
    }
    m::TaskFacts facts;
    facts.tenant = t.tenant();
    facts.item_id = t.item_id();
    facts.lead_unit = t.lead_unit();
    facts.co_units = {t.co_units().begin(), t.co_units().end()};
    facts.contested = t.state() == spb::TASK_STATE_CONTESTED;
    facts.contest_ref = t.contest_ref();
    facts.contest_reason = t.contest_reason();
    auto ictx = supervision_->Context(e.tenant());
    if (!ictx.ok()) return ictx.status();
    spb::GetItemRequest iget;
    iget.set_id(t.item_id());
    spb::Item item;
    if (grpc::Status s = sstub_->GetItem(ictx->get(), iget, &item); !s.ok()) {
      return UpstreamError(s, "supervision GetItem " + t.item_id());
    }
    facts.item_title = item.title();
    facts.item_negative = item.negative();
    return std::any(std::move(facts));
  }

  absl::Status OnContest(const ev::Event& e, const ev::TaskContested& c, const std::any& prepared,
                         store::Tx& tx) {
    auto raised = m::FromContest(org_, e.tenant(), c, std::any_cast<const m::TaskFacts&>(prepared));
    if (!raised.ok()) return raised.status();
    return OpenRaised(e, *raised, tx);
  }

  // proposals.assignment.disputed: the proposal as proposals has it.
  absl::StatusOr<std::any> PrepareDispute(const ev::Event& e,
                                          const ev::ProposalAssignmentDisputed& d) {
    if (org_.FindTenant(e.tenant()) == nullptr) {
      return absl::FailedPreconditionError("proposals.assignment.disputed of unknown tenant " +
                                           e.tenant());
    }
    if (auto s = ValidateId(d.proposal_id(), "proposal_id"); !s.ok()) {
      return absl::FailedPreconditionError("proposals.assignment.disputed: " +
                                           std::string(s.message()));
    }
    auto ctx = proposals_->Context(e.tenant());
    if (!ctx.ok()) return ctx.status();
    ppb::GetProposalRequest get;
    get.set_id(d.proposal_id());
    ppb::Proposal p;
    if (grpc::Status s = pstub_->GetProposal(ctx->get(), get, &p); !s.ok()) {
      return UpstreamError(s, "proposals GetProposal " + d.proposal_id());
    }
    m::ProposalFacts facts;
    facts.tenant = p.tenant();
    facts.title = p.title();
    for (const auto& h : p.handlings()) {
      m::HandlingFacts f;
      f.unit = h.unit();
      f.dispute_ref = h.dispute_ref();
      f.return_reason = h.return_reason();
      f.disputed = h.disputed();
      f.returned = h.state() == ppb::HANDLING_STATE_RETURNED;
      f.active =
          h.state() != ppb::HANDLING_STATE_RETURNED && h.state() != ppb::HANDLING_STATE_REPLACED;
      facts.handlings.push_back(std::move(f));
    }
    return std::any(std::move(facts));
  }

  absl::Status OnDispute(const ev::Event& e, const ev::ProposalAssignmentDisputed& d,
                         const std::any& prepared, store::Tx& tx) {
    auto raised =
        m::FromDispute(org_, e.tenant(), d, std::any_cast<const m::ProposalFacts&>(prepared));
    if (!raised.ok()) return raised.status();
    return OpenRaised(e, *raised, tx);
  }

 private:
  m::Actor ActorOf(const auth::Principal& caller) const {
    std::string name = caller.name;
    if (const org::User* u = org_.FindUser(caller.subject); u != nullptr && name.empty()) {
      name = u->name;
    }
    return {caller.subject, name};
  }

  absl::StatusOr<pb::Matter> Load(store::Tx& tx, const auth::Principal& caller,
                                  const std::string& id) const {
    auto mt = Matters().Get(tx, id);
    if (!mt.ok()) return mt.status();
    if (!m::MayRead(caller, *mt)) return absl::NotFoundError("matter " + id + " not found");
    return mt;
  }

  absl::Status Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor, const pb::Matter& mt,
                      const std::string& unit, const app::Audit& audit,
                      const std::string& trace_id) const {
    // The audit detail never carries the words of a sensitive matter.
    const std::string detail = mt.sensitive() ? "" : audit.detail;
    if (audit.event_type == type::kCoordinationMatterResolved) {
      const ev::MatterResolved payload = m::ResolvedPayload(mt);
      events::Change change{audit.action,     mt.id(),  mt.tenant(), detail,
                            audit.event_type, &payload, trace_id};
      return recorder_.Record(tx, actor, change).status();
    }
    const ev::MatterChanged payload = m::ChangedPayload(mt, unit);
    events::Change change{audit.action,     mt.id(),  mt.tenant(), detail,
                          audit.event_type, &payload, trace_id};
    return recorder_.Record(tx, actor, change).status();
  }

  absl::Status Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                    const pb::Matter& before, const pb::Matter& after, const app::Audit& audit,
                    const std::string& trace_id) const {
    if (auto s = m::repo::UpdateMatter(tx, after, before.version()); !s.ok()) return s;
    std::string unit;
    if (audit.event_type == type::kCoordinationMatterPositionStated && after.timeline_size() > 0) {
      unit = after.timeline(after.timeline_size() - 1).unit();
    }
    return Record(tx, actor, after, unit, audit, trace_id);
  }

  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, pb::Matter* resp,
                                   const std::string& id, app::Check check, app::Audit audit,
                                   app::Apply<pb::Matter> apply) const {
    return handlers_.Change<pb::Matter>(
        ctx, method, request, resp, matters_, id, std::move(check), std::move(audit),
        [apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx,
                                   pb::Matter& mt) -> absl::Status {
          const int64_t read = mt.version();
          if (auto s = apply(caller, tx, mt); !s.ok()) return s;
          mt.set_version(read + 1);
          return absl::OkStatus();
        });
  }

  absl::Status OpenRaised(const ev::Event& e, const std::optional<m::Raised>& raised,
                          store::Tx& tx) {
    if (!raised.has_value()) {
      spdlog::info("matters: event {} ({}) names a contest or dispute answered since; no matter",
                   e.id(), e.type());
      return absl::OkStatus();
    }
    auto exists = m::repo::RaisedExists(tx, raised->tenant, raised->raised_by, raised->raised_ref);
    if (!exists.ok()) return exists.status();
    if (*exists) {
      spdlog::info("matters: {} {} already has its matter", raised->raised_by, raised->raised_ref);
      return absl::OkStatus();
    }
    const std::string id =
        DerivedResourceId(raised->tenant, "m", raised->raised_by + ":" + raised->raised_ref);
    pb::Matter mt = m::NewRaisedMatter(org_, *raised, id, clock_->Now());
    if (auto s = m::repo::InsertMatter(tx, mt); !s.ok()) return s;
    zhongshu::common::v1::Actor actor;
    actor.set_subject("system:" + raised->raised_by);
    actor.set_tenant(raised->tenant);
    return Record(tx, actor, mt, "", {"matter.raise", type::kCoordinationMatterOpened, ""},
                  e.trace_id());
  }

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const m::Limits limits_;
  const events::Recorder recorder_;
  std::shared_ptr<app::Upstream> supervision_;
  std::shared_ptr<app::Upstream> proposals_;
  std::shared_ptr<spb::SupervisionService::Stub> sstub_;
  std::shared_ptr<ppb::ProposalsService::Stub> pstub_;
  const app::Resource<pb::Matter> matters_;
};

class MattersModuleImpl final : public Module {
 public:
  std::string name() const override { return "matters"; }
  std::vector<store::Migration> Migrations() const override { return m::Migrations(); }

  void Configure(app::ServiceRuntime& rt, const Shared&) override {
    auto& c = rt.config();
    limits_.max_title_chars = static_cast<size_t>(c.Int("matters.max_title_chars", 200, 10, 1000));
    limits_.max_text_chars =
        static_cast<size_t>(c.Int("matters.max_text_chars", 4000, 100, 100000));
    limits_.max_parties = static_cast<int>(c.Int("matters.max_parties", 30, 2, 200));
    // The raising services, re-read before a matter opens: upstream.<name>.address, .token and
    // .timeout (ZS_UPSTREAM_<NAME>_ADDRESS ...).
    supervision_ = rt.AddUpstream("supervision", "127.0.0.1:7102");
    proposals_ = rt.AddUpstream("proposals", "127.0.0.1:7103");
  }

  grpc::Service* Start(app::ServiceRuntime& rt, const Shared& shared) override {
    service_ = std::make_unique<MattersServiceImpl>(rt.handlers(), rt.org(), rt.clock(), limits_,
                                                    supervision_, proposals_);
    MattersServiceImpl* svc = service_.get();
    // The only coordination module that reads these two streams: one consumer per stream.
    rt.AddConsumer(shared.supervision_stream)
        .On<ev::TaskContested>(
            type::kSupervisionTaskContested,
            [svc](const ev::Event& e, const ev::TaskContested& c) {
              return svc->PrepareContest(e, c);
            },
            [svc](const ev::Event& e, const ev::TaskContested& c, const std::any& prepared,
                  store::Tx& tx) { return svc->OnContest(e, c, prepared, tx); });
    rt.AddConsumer(shared.proposals_stream)
        .On<ev::ProposalAssignmentDisputed>(
            type::kProposalsAssignmentDisputed,
            [svc](const ev::Event& e, const ev::ProposalAssignmentDisputed& d) {
              return svc->PrepareDispute(e, d);
            },
            [svc](const ev::Event& e, const ev::ProposalAssignmentDisputed& d,
                  const std::any& prepared,
                  store::Tx& tx) { return svc->OnDispute(e, d, prepared, tx); });
    return service_.get();
  }
  std::string health_name() const override { return "zhongshu.coordination.v1.MattersService"; }

 private:
  m::Limits limits_;
  std::shared_ptr<app::Upstream> supervision_;
  std::shared_ptr<app::Upstream> proposals_;
  std::unique_ptr<MattersServiceImpl> service_;
};

}  // namespace

std::unique_ptr<Module> MattersModule() { return std::make_unique<MattersModuleImpl>(); }

}  // namespace zs::coordination

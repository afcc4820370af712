// The circulation module (公文传阅/办文) of the coordination service: documents registered,
// routed, read in turn, instructed on by leaders (the instruction opens a supervision item),
// reminded and escalated at their handling limit, and completed — on the application layer.
#include <spdlog/spdlog.h>

#include <memory>

#include "api/module.h"
#include "app/handler.h"
#include "auth/principal.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "core/validation.h"
#include "domain/circulation.h"
#include "domain/coordination.h"
#include "events/outbox.h"
#include "events/types.h"
#include "org/org.h"
#include "store/circulation.h"
#include "store/page_token.h"
#include "store/timers.h"
#include "zhongshu/coordination/v1/circulation.grpc.pb.h"
#include "zhongshu/events/v1/coordination.pb.h"
#include "zhongshu/events/v1/coordination_circulation.pb.h"

namespace zs::coordination {
namespace {

namespace cir = circulation;
namespace pb = zhongshu::coordination::v1;
namespace ev = zhongshu::events::v1;
namespace type = events::type;
using cir::repo::Documents;

struct Options {
  cir::Limits limits;
  std::chrono::milliseconds remind_before = std::chrono::hours(24);
  std::chrono::milliseconds check_interval = std::chrono::seconds(10);
  int utc_offset_minutes = 480;
};

zhongshu::common::v1::Actor SystemActor() {
  zhongshu::common::v1::Actor a;
  a.set_subject("system:coordination.circulation");
  return a;
}

absl::Status Coordinator(const auth::Principal& caller, const std::string& action) {
  if (!caller.HasRole("coordinator")) {
    return absl::PermissionDeniedError(action + " is for coordinators (综合科)");
  }
  return absl::OkStatus();
}

std::vector<pb::StageSpec> Specs(const google::protobuf::RepeatedPtrField<pb::StageSpec>& r) {
  return {r.begin(), r.end()};
}

// What the handling-limit timers depend on.
std::string TimerKey(const pb::Document& d) {
  return std::to_string(d.state()) + "|" + std::to_string(d.urgency()) + "|" +
         (d.has_handling_limit() ? std::to_string(ToMillis(FromProto(d.handling_limit()))) : "");
}

ev::DocumentCirculated Circulated(const pb::Document& d, std::vector<std::string> readers) {
  ev::DocumentCirculated p;
  p.set_document_id(d.id());
  p.set_number(d.number());
  p.set_source(d.source());
  if (!cir::IsSecret(d)) p.set_title(d.title());  // secrecy travels: no title of a secret one
  p.set_urgency(cir::UrgencyName(d.urgency()));
  p.set_secrecy_level(d.secrecy_level());
  const std::string state = pb::DocumentState_Name(d.state());
  p.set_state(state.substr(std::string("DOCUMENT_STATE_").size()));
  if (d.has_handling_limit()) *p.mutable_handling_limit() = d.handling_limit();
  for (auto& r : readers) p.add_readers(std::move(r));
  for (auto& r : cir::CurrentReaders(d)) p.add_current_readers(std::move(r));
  return p;
}

class CirculationServiceImpl final : public pb::CirculationService::CallbackService {
 public:
  CirculationServiceImpl(const app::Handlers& handlers, const org::OrgTree& org, const Clock* clock,
                         Options options)
      : handlers_(handlers),
        org_(org),
        clock_(clock),
        options_(std::move(options)),
        recorder_("coordination", clock),
        documents_{[this](store::Tx& tx, const auth::Principal& caller, const std::string& id) {
                     return Load(tx, caller, id);
                   },
                   [this](store::Tx& tx, const auth::Principal& caller, const pb::Document& before,
                          const pb::Document& after, const app::Audit& audit) {
                     return Save(tx, caller.ToActor(), before, after, audit);
                   },
                   {}} {}

  grpc::ServerUnaryReactor* RegisterDocument(grpc::CallbackServerContext* ctx,
                                             const pb::RegisterDocumentRequest* req,
                                             pb::Document* resp) override {
    return handlers_.Write(
        ctx, "RegisterDocument", *req, resp,
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = cir::ValidateRegistration(req->document(), options_.limits, clock_->Now());
              !s.ok()) {
            return s;
          }
          if (auto s = Coordinator(caller, "registering a document (签收登记)"); !s.ok()) return s;
          auto scope = cir::ScopeFor(org_, caller);
          if (!scope.ok()) return scope.status();
          if (scope->clearance < req->document().secrecy_level()) {
            return absl::PermissionDeniedError("registering a " +
                                               SecrecyName(req->document().secrecy_level()) +
                                               " document needs that clearance; " + caller.subject +
                                               " has " + SecrecyName(scope->clearance));
          }
          return absl::OkStatus();
        },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          const auto& r = req->document();
          auto taken = cir::repo::NumberTaken(tx, caller.tenant, r.source(), r.number());
          if (!taken.ok()) return taken.status();
          if (*taken) {
            return absl::AlreadyExistsError("document.number: " + r.source() + " " + r.number() +
                                            " is registered already");
          }
          pb::Document d = cir::NewDocument(r, NewResourceId(caller.tenant, "doc"), caller.tenant,
                                            caller.subject, clock_->Now());
          if (auto s = cir::repo::InsertDocument(tx, d); !s.ok()) return s;
          if (auto s = ScheduleLimit(tx, d); !s.ok()) return s;
          if (auto s = Record(tx, caller.ToActor(), d,
                              {"document.register", type::kCoordinationDocumentRegistered, ""}, {});
              !s.ok()) {
            return s;
          }
          *resp = std::move(d);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* RouteDocument(grpc::CallbackServerContext* ctx,
                                          const pb::RouteDocumentRequest* req,
                                          pb::Document* resp) override {
    auto stages = Specs(req->stages());
    return Change(
        ctx, "RouteDocument", *req, resp, req->id(),
        [this, req, stages](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (auto s = cir::ValidateStages(stages, options_.limits, {}, "stages"); !s.ok()) {
            return s;
          }
          if (auto s = cir::CheckReadersExist(org_, caller.tenant, stages, "stages"); !s.ok()) {
            return s;
          }
          return Coordinator(caller, "routing a document");
        },
        {"document.route", type::kCoordinationDocumentRouted, ""},
        [this, stages](const auth::Principal&, store::Tx&, pb::Document& d) -> absl::Status {
          if (auto s = cir::CheckClearance(org_, d.secrecy_level(), stages, "stages"); !s.ok()) {
            return s;
          }
          return cir::AddStages(d, stages, true, org_);
        });
  }

  grpc::ServerUnaryReactor* AddRouteStep(grpc::CallbackServerContext* ctx,
                                         const pb::AddRouteStepRequest* req,
                                         pb::Document* resp) override {
    std::vector<pb::StageSpec> stages{req->stage()};
    return Change(
        ctx, "AddRouteStep", *req, resp, req->id(),
        [this, req, stages](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (auto s = cir::ValidateStages(stages, options_.limits, {}, "stage"); !s.ok()) {
            return s;
          }
          if (auto s = cir::CheckReadersExist(org_, caller.tenant, stages, "stage"); !s.ok()) {
            return s;
          }
          return Coordinator(caller, "adding a step to a document's route");
        },
        {"document.route", type::kCoordinationDocumentRouted, ""},
        [this, stages](const auth::Principal&, store::Tx&, pb::Document& d) -> absl::Status {
          if (auto s = cir::ValidateStages(stages, options_.limits, cir::ReadersOf(d), "stage");
              !s.ok()) {
            return s;
          }
          if (auto s = cir::CheckClearance(org_, d.secrecy_level(), stages, "stage"); !s.ok()) {
            return s;
          }
          return cir::AddStages(d, stages, false, org_);
        });
  }

  grpc::ServerUnaryReactor* MarkRead(grpc::CallbackServerContext* ctx,
                                     const pb::MarkReadRequest* req, pb::Document* resp) override {
    return Change(
        ctx, "MarkRead", *req, resp, req->id(),
        [this, req](const auth::Principal&) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          return ValidateText(req->comment(), "comment", options_.limits.max_text_chars, false);
        },
        {"document.read", type::kCoordinationDocumentRead, ""},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Document& d) {
          return cir::MarkRead(d, caller.subject, req->comment(), clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* RecordInstruction(grpc::CallbackServerContext* ctx,
                                              const pb::RecordInstructionRequest* req,
                                              pb::Document* resp) override {
    return Change(
        ctx, "RecordInstruction", *req, resp, req->id(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (auto s = cir::ValidateInstruction(*req, options_.limits, Today()); !s.ok()) return s;
          std::vector<std::string> units{req->directed_units().begin(),
                                         req->directed_units().end()};
          if (auto s = auth::CheckUnits(org_, &caller, caller.tenant, units, "directed_units");
              !s.ok()) {
            return s;
          }
          if (!caller.HasRole("leader")) {
            return absl::PermissionDeniedError("an instruction (批示) is written by a leader");
          }
          return absl::OkStatus();
        },
        {"document.instruct", type::kCoordinationDocumentInstructionRecorded, ""},
        [this, req](const auth::Principal& caller, store::Tx&, pb::Document& d) {
          auth::Principal leader = caller;  // the name as the org knows it, when the token has none
          if (const auto* u = org_.FindUser(caller.subject); u != nullptr && leader.name.empty()) {
            leader.name = u->name;
          }
          return cir::AddInstruction(d, leader, *req, NewResourceId(d.tenant(), "di"),
                                     clock_->Now())
              .status();
        });
  }

  grpc::ServerUnaryReactor* UpdateHandlingLimit(grpc::CallbackServerContext* ctx,
                                                const pb::UpdateHandlingLimitRequest* req,
                                                pb::Document* resp) override {
    return Change(
        ctx, "UpdateHandlingLimit", *req, resp, req->id(),
        [req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          if (!req->has_handling_limit()) return InvalidField("handling_limit", "required");
          return Coordinator(caller, "changing a handling limit");
        },
        {"document.limit", type::kCoordinationDocumentLimitChanged, ""},
        [req](const auth::Principal&, store::Tx&, pb::Document& d) {
          return cir::SetLimit(d, req->handling_limit());
        });
  }

  grpc::ServerUnaryReactor* CompleteDocument(grpc::CallbackServerContext* ctx,
                                             const pb::CompleteDocumentRequest* req,
                                             pb::Document* resp) override {
    return Change(
        ctx, "CompleteDocument", *req, resp, req->id(),
        [req](const auth::Principal& caller) -> absl::Status {
          if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
          return Coordinator(caller, "completing a document (办结)");
        },
        {"document.complete", type::kCoordinationDocumentCompleted, ""},
        [this](const auth::Principal& caller, store::Tx&, pb::Document& d) {
          return cir::Complete(d, caller.subject, clock_->Now());
        });
  }

  grpc::ServerUnaryReactor* GetDocument(grpc::CallbackServerContext* ctx,
                                        const pb::GetDocumentRequest* req,
                                        pb::Document* resp) override {
    return handlers_.Read(
        ctx, [req](const auth::Principal&) { return ValidateId(req->id(), "id"); },
        [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
          auto d = Load(tx, caller, req->id());
          if (!d.ok()) return d.status();
          *resp = std::move(*d);
          return absl::OkStatus();
        });
  }

  grpc::ServerUnaryReactor* ListDocuments(grpc::CallbackServerContext* ctx,
                                          const pb::ListDocumentsRequest* req,
                                          pb::ListDocumentsResponse* resp) override {
    return handlers_.List(
        ctx, req->page_size(), req->page_token(),
        [this, req](const auth::Principal& caller) -> absl::Status {
          if (!pb::DocumentState_IsValid(req->state())) {
            return InvalidField("state", "unknown value");
          }
          return cir::ScopeFor(org_, caller).status();
        },
        [this, req, resp](const auth::Principal& caller, const app::Page& page,
                          store::Tx& tx) -> absl::Status {
          auto scope = cir::ScopeFor(org_, caller);
          if (!scope.ok()) return scope.status();
          std::vector<cond::Cond> where{cir::Visible(*scope)};
          if (req->state() != pb::DOCUMENT_STATE_UNSPECIFIED) {
            where.push_back(cond::Eq("state", int64_t{req->state()}));
          }
          auto rows = Documents().Page(tx, cond::All(std::move(where)), page.cursor, page.size);
          if (!rows.ok()) return rows.status();
          store::FillPage(
              *rows, page.size, [&](pb::Document&& d) { *resp->add_documents() = std::move(d); },
              resp->mutable_next_page_token());
          return absl::OkStatus();
        });
  }

  // A due handling-limit timer, in the transaction that claimed it.
  absl::StatusOr<std::string> FireLimitTimer(store::Tx& tx, const store::Timer& timer) {
    auto d = Documents().Get(tx, timer.owner);
    if (absl::IsNotFound(d.status())) return std::string("skipped");
    if (!d.ok()) return d.status();
    const std::string outcome = cir::DecideLimitTimer(*d, timer.name);
    if (outcome != "fired") return outcome;
    const bool escalate = cir::IsEscalation(timer.name);
    ev::DocumentDeadline p;
    p.set_document_id(d->id());
    p.set_number(d->number());
    if (!cir::IsSecret(*d)) p.set_title(d->title());
    p.set_urgency(cir::UrgencyName(d->urgency()));
    p.set_secrecy_level(d->secrecy_level());
    *p.mutable_handling_limit() = d->handling_limit();
    const auto pending = cir::PendingReaders(*d);
    for (const auto& r : pending) p.add_pending_readers(r);
    std::vector<std::string> notify;
    if (escalate) {
      // To the coordinator who registered it and the office directors (办公室主任) of the tenant.
      notify.push_back(d->registered_by());
      for (const auto& [id, u] : org_.users()) {
        if (u.tenant == d->tenant() &&
            std::find(u.roles.begin(), u.roles.end(), "office_director") != u.roles.end() &&
            id != d->registered_by()) {
          notify.push_back(id);
        }
      }
    } else {
      notify = cir::CurrentReaders(*d);
      if (std::find(notify.begin(), notify.end(), d->registered_by()) == notify.end()) {
        notify.push_back(d->registered_by());
      }
    }
    for (const auto& n : notify) p.add_notify(n);
    events::Change change{
        escalate ? "document.escalate" : "document.remind",
        d->id(),
        d->tenant(),
        d->number() + ": " + std::to_string(pending.size()) + " still to read",
        escalate ? type::kCoordinationDocumentEscalated : type::kCoordinationDocumentReminded,
        &p,
        ""};
    if (auto s = recorder_.Record(tx, SystemActor(), change); !s.ok()) return s.status();
    return std::string("fired");
  }

 private:
  CivilDate Today() const { return DateOf(clock_->Now(), options_.utc_offset_minutes); }

  absl::StatusOr<pb::Document> Load(store::Tx& tx, const auth::Principal& caller,
                                    const std::string& id) const {
    auto scope = cir::ScopeFor(org_, caller);
    if (!scope.ok()) return scope.status();
    auto d = Documents().Get(tx, id);
    if (!d.ok()) return d.status();
    if (!cir::MayRead(*scope, *d)) return absl::NotFoundError("document " + id + " not found");
    return d;
  }

  absl::Status ScheduleLimit(store::Tx& tx, const pb::Document& d) const {
    std::vector<store::Timer> timers;
    for (const auto& t : cir::LimitTimers(d, options_.remind_before)) {
      timers.push_back({cir::kLimitTimers, d.id(), t.name, t.fire_at_ms, "", d.tenant()});
    }
    if (timers.empty()) return store::CancelTimers(tx, cir::kLimitTimers, d.id());
    return store::ScheduleTimers(tx, cir::kLimitTimers, d.id(), timers);
  }

  absl::Status Record(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                      const pb::Document& d, const app::Audit& audit,
                      std::vector<std::string> readers) const {
    const ev::DocumentCirculated payload = Circulated(d, std::move(readers));
    events::Change change{audit.action,     d.id(),   d.tenant(), d.number(),
                          audit.event_type, &payload, ""};
    return recorder_.Record(tx, actor, change).status();
  }

  absl::Status Save(store::Tx& tx, const zhongshu::common::v1::Actor& actor,
                    const pb::Document& before, const pb::Document& after,
                    const app::Audit& audit) const {
    if (auto s = cir::repo::UpdateDocument(tx, after, before.version()); !s.ok()) return s;
    if (TimerKey(before) != TimerKey(after)) {
      if (auto s = ScheduleLimit(tx, after); !s.ok()) return s;
    }
    if (audit.event_type == type::kCoordinationDocumentInstructionRecorded) {
      // The fixed event supervision opens a 批办件 item from; a secret document's title stays
      // here.
      const pb::Instruction& in = after.instructions(after.instructions_size() - 1);
      ev::DocumentInstructionRecorded p;
      p.set_document_id(after.id());
      p.set_instruction_id(in.id());
      p.set_document_title(cir::DerivedTitle(after));
      p.set_document_number(after.number());
      p.set_leader(in.leader());
      p.set_leader_name(in.leader_name());
      p.set_text(in.text());
      *p.mutable_directed_units() = in.directed_units();
      p.set_due_date(in.due_date());
      events::Change change{audit.action,
                            after.id(),
                            after.tenant(),
                            after.number() + " " + in.id(),
                            audit.event_type,
                            &p,
                            ""};
      return recorder_.Record(tx, actor, change).status();
    }
    std::vector<std::string> readers;
    if (audit.event_type == type::kCoordinationDocumentRouted) {
      auto all = cir::ReadersOf(after);
      readers.assign(all.begin() + static_cast<long>(cir::ReadersOf(before).size()), all.end());
    } else if (audit.event_type == type::kCoordinationDocumentRead) {
      readers.push_back(actor.subject());
    }
    return Record(tx, actor, after, audit, std::move(readers));
  }

  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx, const char* method,
                                   const google::protobuf::Message& request, pb::Document* resp,
                                   const std::string& id, app::Check check, app::Audit audit,
                                   app::Apply<pb::Document> apply) const {
    return handlers_.Change<pb::Document>(
        ctx, method, request, resp, documents_, id, std::move(check), std::move(audit),
        [apply = std::move(apply)](const auth::Principal& caller, store::Tx& tx,
                                   pb::Document& d) -> absl::Status {
          const int64_t read = d.version();
          if (auto s = apply(caller, tx, d); !s.ok()) return s;
          d.set_version(read + 1);
          return absl::OkStatus();
        });
  }

  const app::Handlers& handlers_;
  const org::OrgTree& org_;
  const Clock* clock_;
  const Options options_;
  events::Recorder recorder_;
  const app::Resource<pb::Document> documents_;
};

class Circulation final : public Module {
 public:
  std::string name() const override { return "circulation"; }
  std::vector<store::Migration> Migrations() const override { return cir::Migrations(); }
  void Configure(app::ServiceRuntime& rt, const Shared& shared) override {
    auto& c = rt.config();
    options_.remind_before = c.Duration("circulation.remind_before", std::chrono::hours(24));
    options_.check_interval = c.Duration("circulation.check_interval", std::chrono::seconds(10));
    options_.limits.max_title_chars = c.Int("circulation.max_title_chars", 200, 10, 2000);
    options_.limits.max_text_chars = c.Int("circulation.max_text_chars", 2000, 100, 20000);
    options_.utc_offset_minutes = shared.utc_offset_minutes;
    if (options_.remind_before.count() <= 0) {
      c.AddError("circulation.remind_before", "must be positive");
    }
  }
  grpc::Service* Start(app::ServiceRuntime& rt, const Shared&) override {
    service_ =
        std::make_unique<CirculationServiceImpl>(rt.handlers(), rt.org(), rt.clock(), options_);
    auto* svc = service_.get();
    rt.AddTimers(
        cir::kLimitTimers, options_.check_interval,
        [svc](store::Tx& tx, const store::Timer& timer) { return svc->FireLimitTimer(tx, timer); });
    return svc;
  }
  std::string health_name() const override { return "zhongshu.coordination.v1.CirculationService"; }

 private:
  Options options_;
  std::unique_ptr<CirculationServiceImpl> service_;
};

}  // namespace

std::unique_ptr<Module> CirculationModule() { return std::make_unique<Circulation>(); }

}  // namespace zs::coordination

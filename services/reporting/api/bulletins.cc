// Bulletins (期刊): compile adopted reports into issues and publish them.
#include "api/service.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>

#include "auth/interceptor.h"
#include "calendar/calendar.h"
#include "calendar/period.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "rpc/list.h"
#include "rpc/mutation.h"
#include "rpc/status.h"
#include "store/repository.h"
#include "zhongshu/events/v1/reporting.pb.h"
#include "zhongshu/events/v1/supervision.pb.h"

namespace zs::reporting {

namespace ev = zhongshu::events::v1;
using rpc::Finish;

absl::StatusOr<pb::Bulletin> ReportingServiceImpl::LoadBulletin(store::Tx& tx,
                                                                const auth::Principal& caller,
                                                                const std::string& id) {
  auto b = repo::GetBulletin(tx, id);
  if (!b.ok()) return b.status();
  if (!auth::MaySeeTenant(org_, caller, b->tenant())) {
    return absl::NotFoundError("bulletin " + id + " not found");
  }
  return b;
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateBulletin(grpc::CallbackServerContext* ctx,
                                                               const pb::CreateBulletinRequest* req,
                                                               pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind"); !s.ok()) {
    return Finish(ctx, s);
  }
  if (auto s = RequireRole(*caller, {"editor"}, "compiling a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  pb::Bulletin b;
  b.set_id(NewResourceId(caller->tenant, "b"));
  b.set_tenant(caller->tenant);
  b.set_kind(req->kind());
  b.set_kind_name(bulletin_kinds_.at(req->kind()));
  b.set_state(pb::BULLETIN_STATE_DRAFT);
  b.set_editor(caller->subject);
  *b.mutable_create_time() = ToProto(clock_->Now());
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "CreateBulletin"),
      req->request_id(), *req, resp,
      [this, b = std::move(b), caller = *caller, resp](store::Tx& tx) -> absl::Status {
        if (auto s = repo::InsertBulletin(tx, b); !s.ok()) return s;
        events::Change change{"bulletin.create", b.id(), b.tenant(), b.kind(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = b;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::AddBulletinItem(
    grpc::CallbackServerContext* ctx, const pb::AddBulletinItemRequest* req, pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->bulletin_id(), "bulletin_id"); !s.ok()) return Finish(ctx, s);
  if (auto s = ValidateId(req->report_id(), "report_id"); !s.ok()) return Finish(ctx, s);
  if (auto s = ValidateText(req->title(), "title", limits_.max_title_chars, false); !s.ok()) {
    return Finish(ctx, s);
  }
  if (req->body().size() > limits_.max_body_bytes) {
    return Finish(ctx, InvalidField("body", "longer than " +
                                                std::to_string(limits_.max_body_bytes) + " bytes"));
  }
  if (auto s = RequireRole(*caller, {"editor"}, "compiling a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "AddBulletinItem"),
      req->request_id(), *req, resp,
      [this, caller = *caller, req, resp](store::Tx& tx) -> absl::Status {
        auto b = LoadBulletin(tx, caller, req->bulletin_id());
        if (!b.ok()) return b.status();
        auto r = LoadVisible(tx, caller, req->report_id());
        if (!r.ok()) return r.status();
        if (!org_.IsAncestorOrSelf(b->tenant(), r->tenant())) {
          return absl::FailedPreconditionError("report " + r->id() + " is outside bulletin " +
                                               b->id() + "'s jurisdiction");
        }
        if (auto s = MayAddItem(*b, *r); !s.ok()) return s;
        auto* item = b->add_items();
        item->set_report_id(r->id());
        item->set_unit_id(r->unit_id());
        item->set_title(Blank(req->title()) ? r->title() : req->title());
        item->set_body(Blank(req->body()) ? r->body() : req->body());
        item->set_sensitivity(r->sensitivity());
        if (auto s = repo::UpdateBulletin(tx, *b); !s.ok()) return s;
        events::Change change{"bulletin.add", b->id(), b->tenant(), r->id(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(*b);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::PublishBulletin(
    grpc::CallbackServerContext* ctx, const pb::PublishBulletinRequest* req, pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  if (auto s = RequireRole(*caller, {"editor"}, "publishing a bulletin"); !s.ok()) {
    return Finish(ctx, s);
  }
  return rpc::RunMutation(
      ctx, db_, handlers_.idempotency(), rpc::IdempotencyScope(caller->subject, "PublishBulletin"),
      req->request_id(), *req, resp,
      [this, caller = *caller, req, resp](store::Tx& tx) -> absl::Status {
        auto b = LoadBulletin(tx, caller, req->id());
        if (!b.ok()) return b.status();
        const TimePoint now = clock_->Now();
        const int year = DateOf(now, limits_.utc_offset_minutes).year;
        auto count = repo::PublishedCount(tx, b->tenant(), b->kind(), year);
        if (!count.ok()) return count.status();
        if (auto s = Publish(*b, year, *count, now); !s.ok()) return s;
        if (auto s = repo::UpdateBulletin(tx, *b); !s.ok()) return s;
        const auto per_item = points_.bulletin.find(b->kind());
        for (const auto& it : b->items()) {
          const auto* unit = org_.FindUnit(it.unit_id());
          if (auto s = Award(tx, "bulletin:" + b->id() + ":" + it.report_id(),
                             unit ? unit->tenant : b->tenant(), it.unit_id(), it.report_id(),
                             it.sensitivity(),
                             "《" + b->kind_name() + "》" + std::to_string(b->year()) + "年第" +
                                 std::to_string(b->number()) + "期刊用",
                             per_item == points_.bulletin.end() ? 0 : per_item->second);
              !s.ok()) {
            return s;
          }
        }
        ev::BulletinPublished payload;
        payload.set_bulletin_id(b->id());
        payload.set_kind(b->kind());
        payload.set_year(b->year());
        payload.set_number(b->number());
        for (const auto& it : b->items()) {
          payload.add_report_ids(it.report_id());
          payload.add_unit_ids(it.unit_id());
        }
        events::Change change{
            "bulletin.publish",
            b->id(),
            b->tenant(),
            b->kind_name() + " " + std::to_string(b->year()) + "-" + std::to_string(b->number()),
            events::type::kReportingBulletinPublished,
            &payload,
            ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(*b);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBulletin(grpc::CallbackServerContext* ctx,
                                                            const pb::GetBulletinRequest* req,
                                                            pb::Bulletin* resp) {
  auto caller = auth::CallerOf(ctx);
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidateId(req->id(), "id"); !s.ok()) return Finish(ctx, s);
  auto scope = ReadScopeFor(org_, *caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto b = repo::GetBulletin(tx, req->id());
    if (!b.ok()) return b.status();
    const bool in_scope = std::find(scope->tenants.begin(), scope->tenants.end(), b->tenant()) !=
                          scope->tenants.end();
    if (!in_scope || (b->state() == pb::BULLETIN_STATE_DRAFT && !scope->negative)) {
      return absl::NotFoundError("bulletin " + req->id() + " not found");
    }
    *resp = VisibleBulletin(*b, *scope);
    return absl::OkStatus();
  }));
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListBulletins(grpc::CallbackServerContext* ctx,
                                                              const pb::ListBulletinsRequest* req,
                                                              pb::ListBulletinsResponse* resp) {
  auto list = rpc::StartList(ctx, req->page_size(), req->page_token());
  if (!list.ok()) return Finish(ctx, list.status());
  const auth::Principal& caller = list->caller;
  const int32_t page_size = list->page_size;
  const int64_t cursor = list->cursor;
  if (!req->kind().empty()) {
    if (auto s = ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind"); !s.ok()) {
      return Finish(ctx, s);
    }
  }
  auto scope = ReadScopeFor(org_, caller);
  if (!scope.ok()) return Finish(ctx, scope.status());
  return Finish(ctx, db_.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = repo::ListBulletins(tx, *scope, req->kind(), cursor, page_size);
    if (!rows.ok()) return rows.status();
    FillPage(
        *rows, page_size,
        [&](pb::Bulletin&& b) { *resp->add_bulletins() = VisibleBulletin(b, *scope); },
        resp->mutable_next_page_token());
    return absl::OkStatus();
  }));
}

}  // namespace zs::reporting

// Bulletins (期刊): compile adopted reports into issues and publish them.
#include "api/service.h"
#include "core/ids.h"
#include "core/time_util.h"
#include "events/types.h"
#include "store/counter.h"
#include "store/page_token.h"
#include "store/repository.h"

namespace zs::reporting {

absl::StatusOr<pb::Bulletin> ReportingServiceImpl::LoadBulletin(store::Tx& tx,
                                                                const auth::Principal& caller,
                                                                const std::string& id) const {
  return repo::GetVisible(tx, repo::Bulletins(), id, [&](const pb::Bulletin& b) {
    return auth::MaySeeTenant(org_, caller, b.tenant());
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CreateBulletin(grpc::CallbackServerContext* ctx,
                                                               const pb::CreateBulletinRequest* req,
                                                               pb::Bulletin* resp) {
  auto check = [this, req](const auth::Principal& caller) -> absl::Status {
    if (auto s = ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind"); !s.ok()) return s;
    return RequireRole(caller, {"editor"}, "compiling a bulletin");
  };
  return handlers_.Write(
      ctx, "CreateBulletin", *req, resp, check,
      [this, req, resp](const auth::Principal& caller, store::Tx& tx) -> absl::Status {
        pb::Bulletin b;
        b.set_id(NewResourceId(caller.tenant, "b"));
        b.set_tenant(caller.tenant);
        b.set_kind(req->kind());
        b.set_kind_name(bulletin_kinds_.at(req->kind()));
        b.set_state(pb::BULLETIN_STATE_DRAFT);
        b.set_editor(caller.subject);
        *b.mutable_create_time() = ToProto(clock_->Now());
        b.set_version(1);
        if (auto s = repo::Bulletins().Insert(tx, b); !s.ok()) return s;
        events::Change change{"bulletin.create", b.id(), b.tenant(), b.kind(), "", nullptr, ""};
        if (auto s = recorder_.Record(tx, caller.ToActor(), change); !s.ok()) return s.status();
        *resp = std::move(b);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::AddBulletinItem(
    grpc::CallbackServerContext* ctx, const pb::AddBulletinItemRequest* req, pb::Bulletin* resp) {
  auto check = [this, req](const auth::Principal& caller) -> absl::Status {
    if (auto s = ValidateId(req->bulletin_id(), "bulletin_id"); !s.ok()) return s;
    if (auto s = ValidateId(req->report_id(), "report_id"); !s.ok()) return s;
    if (auto s = ValidateText(req->title(), "title", limits_.max_title_chars, false); !s.ok()) {
      return s;
    }
    if (req->body().size() > limits_.max_body_bytes) {
      return InvalidField("body",
                          "longer than " + std::to_string(limits_.max_body_bytes) + " bytes");
    }
    return RequireRole(caller, {"editor"}, "compiling a bulletin");
  };
  return handlers_.Change<pb::Bulletin>(
      ctx, "AddBulletinItem", *req, resp, bulletins_, req->bulletin_id(), check,
      {"bulletin.add", "", req->report_id()},
      [this, req](const auth::Principal& caller, store::Tx& tx, pb::Bulletin& b) -> absl::Status {
        auto r = LoadVisible(tx, caller, req->report_id());
        if (!r.ok()) return r.status();
        if (auto s = MayCompile(org_, b, *r); !s.ok()) return s;
        auto* item = b.add_items();
        item->set_report_id(r->id());
        item->set_unit_id(r->unit_id());
        item->set_title(Blank(req->title()) ? r->title() : req->title());
        item->set_body(Blank(req->body()) ? r->body() : req->body());
        item->set_sensitivity(r->sensitivity());
        b.set_version(b.version() + 1);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::PublishBulletin(
    grpc::CallbackServerContext* ctx, const pb::PublishBulletinRequest* req, pb::Bulletin* resp) {
  return handlers_.Change<pb::Bulletin>(
      ctx, "PublishBulletin", *req, resp, bulletins_, req->id(),
      [req](const auth::Principal& caller) -> absl::Status {
        if (auto s = ValidateId(req->id(), "id"); !s.ok()) return s;
        return RequireRole(caller, {"editor"}, "publishing a bulletin");
      },
      {"bulletin.publish", events::type::kReportingBulletinPublished, ""},
      [this](const auth::Principal&, store::Tx& tx, pb::Bulletin& b) -> absl::Status {
        if (auto s = MayPublish(b); !s.ok()) return s;
        const TimePoint now = clock_->Now();
        const int year = DateOf(now, limits_.utc_offset_minutes).year;
        // 第 N 期 within the kind and year; issues published before the counter seed it.
        auto number = store::NextNumber(
            tx, b.tenant(), BulletinSeries(b.kind()), year, [&]() -> absl::StatusOr<int64_t> {
              return repo::Bulletins().Count(
                  tx, cond::All({cond::Eq("tenant", b.tenant()), cond::Eq("kind", b.kind()),
                                 cond::Eq("year", int64_t{year}),
                                 cond::Eq("state", int64_t{pb::BULLETIN_STATE_PUBLISHED})}));
            });
        if (!number.ok()) return number.status();
        if (auto s = Publish(b, year, static_cast<int>(*number), now); !s.ok()) return s;
        b.set_version(b.version() + 1);
        return repo::AddScores(tx, BulletinAwards(org_, b, points_, now));
      });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBulletin(grpc::CallbackServerContext* ctx,
                                                            const pb::GetBulletinRequest* req,
                                                            pb::Bulletin* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope, [req] { return ValidateId(req->id(), "id"); });
  return handlers_.Read(ctx, check, [&](const auth::Principal&, store::Tx& tx) -> absl::Status {
    auto b = repo::GetVisible(tx, repo::Bulletins(), req->id(),
                              [&](const pb::Bulletin& b) { return MayReadBulletin(scope, b); });
    if (!b.ok()) return b.status();
    *resp = VisibleBulletin(*b, scope);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListBulletins(grpc::CallbackServerContext* ctx,
                                                              const pb::ListBulletinsRequest* req,
                                                              pb::ListBulletinsResponse* resp) {
  ReadScope scope;
  auto check = ScopeCheck(&scope, [this, req] {
    return req->kind().empty() ? absl::OkStatus()
                               : ValidateBulletinKind(req->kind(), bulletin_kinds_, "kind");
  });
  return handlers_.List(
      ctx, req->page_size(), req->page_token(), check,
      [&](const auth::Principal&, const app::Page& page, store::Tx& tx) -> absl::Status {
        const cond::Cond where =
            cond::All({VisibleBulletins(scope),
                       req->kind().empty() ? cond::True() : cond::Eq("kind", req->kind())});
        return repo::ListPage(
            tx, repo::Bulletins(), where, page.cursor, page.size,
            [&](pb::Bulletin&& b) { *resp->add_bulletins() = VisibleBulletin(b, scope); },
            resp->mutable_next_page_token());
      });
}

}  // namespace zs::reporting

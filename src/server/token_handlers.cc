// POST /v1/tokens, GET /v1/tokens, DELETE /v1/tokens/{id} (admin).
#include "common/time.h"
#include "server/app.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

json TokenJson(const store::TokenRecord& t) {
  json j = {{"id", t.id},
            {"name", t.name},
            {"role", t.role},
            {"created_at", FormatRfc3339(t.created_at)},
            {"created_by", t.created_by}};
  j["revoked_at"] = t.revoked_at ? json(FormatRfc3339(*t.revoked_at)) : json(nullptr);
  return j;
}

asio::awaitable<HttpResponse> CreateToken(App& app, RequestContext& ctx) {
  json body;
  if (Status st = ParseJsonBody(ctx.request, body); !st.ok()) co_return HttpResponse::Error(st);
  for (const auto& [key, value] : body.items()) {
    if (key != "role" && key != "name")
      co_return HttpResponse::Error(
          Status::InvalidArgument("unknown field \"" + key + "\" (expected role, name)", key));
  }
  if (!body.contains("role") || !body["role"].is_string())
    co_return HttpResponse::Error(Status::InvalidArgument(
        "role is required: one of viewer, ingest, operator, admin", "role"));
  auto role = ParseRole(body["role"].get<std::string>());
  if (!role)
    co_return HttpResponse::Error(
        Status::InvalidArgument("unknown role \"" + body["role"].get<std::string>() +
                                    "\" (expected viewer, ingest, operator, admin)",
                                "role"));
  std::string name;
  if (body.contains("name")) {
    if (!body["name"].is_string())
      co_return HttpResponse::Error(Status::InvalidArgument("name must be a string", "name"));
    name = body["name"].get<std::string>();
  }
  // The name says who uses the token; without one, the role is the best description we have.
  if (name.empty()) name = std::string(RoleName(*role)) + " token";
  std::string by = ctx.principal.token_id.empty() ? "anonymous" : ctx.principal.token_id;
  auto created = co_await OffThread(app, [&] { return app.auth->CreateToken(*role, name, by); });
  if (!created) co_return HttpResponse::Error(created.error());
  json out = TokenJson(created->record);
  out["token"] = created->secret;
  co_return HttpResponse::Json(201, out.dump());
}

}  // namespace

void AddTokenRoutes(App& app) {
  app.router.Add({"POST", "/v1/tokens", Role::kAdmin,
                  [&app](RequestContext& ctx) { return CreateToken(app, ctx); }});
  app.router.Add(
      {"GET", "/v1/tokens", Role::kAdmin,
       [&app](RequestContext& ctx) -> asio::awaitable<HttpResponse> {
         auto page = ParsePage(ctx.request);
         if (!page) co_return HttpResponse::Error(page.error());
         auto list = co_await OffThread(app, [&app] { return app.store->Tokens().ListTokens(); });
         if (!list) co_return HttpResponse::Error(list.error());
         json items = json::array();
         for (size_t i = page->offset; i < list->size() && i < page->offset + page->size; ++i)
           items.push_back(TokenJson((*list)[i]));
         json out = {{"items", items}, {"next_page_token", NextPageToken(*page, list->size())}};
         co_return HttpResponse::Json(200, out.dump());
       }});
  app.router.Add({"DELETE", "/v1/tokens/{id}", Role::kAdmin,
                  [&app](RequestContext& ctx) -> asio::awaitable<HttpResponse> {
                    std::string id = ctx.params["id"];
                    Status st = co_await OffThread(app, [&] { return app.auth->RevokeToken(id); });
                    if (!st.ok()) co_return HttpResponse::Error(st);
                    HttpResponse r;
                    r.status = 204;
                    r.content_type.clear();
                    co_return r;
                  }});
}

}  // namespace ballast::server

// The native model registry routes (API.md "Registry", docs/registry.md): registered models,
// their versions, aliases with their history, and ref resolution. Every route is a plain
// function of (app, request, actor) run on the blocking pool: the store calls block, and keeping
// the coroutine down to one co_await sidesteps g++ 12's coroutine temporaries.
//
// PATCH is read-merge-write. With If-Match the caller's etag must still be current (412
// otherwise, checked again atomically by the store's conditional update). Without If-Match the
// merge is applied to the state just read and retried when another writer got in between, so a
// PATCH that only names `tags.team` never undoes someone else's change to `owner`.
//
// Model card and lifecycle routes (`…/versions/{version}/card`, `/v1/models/retiring`) live in
// model_card_handlers.cc; `/v1/models/resolve` is registered here before `/v1/models/{name}`
// because the router takes the first pattern that matches, in registration order.
#include <string>

#include "server/app.h"
#include "server/registry_json.h"
#include "server/registry_search.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// Read-merge-write attempts of a PATCH without If-Match before giving up with 412.
constexpr int kPatchAttempts = 8;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse ModelAnswer(int status, const store::RegisteredModel& m) {
  return WithEtag(HttpResponse::Json(status, Dump(ModelToJson(m))), m.etag);
}

HttpResponse VersionAnswer(int status, const store::ModelVersion& v) {
  return WithEtag(HttpResponse::Json(status, Dump(VersionToJson(v))), v.etag);
}

HttpResponse NoContent() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Status StaleEtag(const std::string& what, const std::string& given, const std::string& current) {
  return Status::FailedPrecondition("If-Match \"" + given + "\" is stale for " + what +
                                    " (current etag \"" + current +
                                    "\"): read it again and reapply the change");
}

template <typename T>
HttpResponse ListAnswer(const store::Page<T>& page, json (*to_json)(const T&)) {
  json items = json::array();
  for (const T& item : page.items) items.push_back(to_json(item));
  std::string next = page.next_offset ? std::to_string(*page.next_offset) : "";
  return HttpResponse::Json(200, Dump({{"items", std::move(items)}, {"next_page_token", next}}));
}

// ---- models ----

HttpResponse ListModels(App& app, RequestContext& ctx, const store::Actor&) {
  auto params = ParseListParams(ctx.request);
  if (!params) return HttpResponse::Error(params.error());
  auto query = ModelListQuery(*params);
  if (!query) return HttpResponse::Error(query.error());
  auto page = app.store->Registry().ListModels(*query);
  if (!page) return HttpResponse::Error(page.error());
  return ListAnswer<store::RegisteredModel>(*page, &ModelToJson);
}

HttpResponse CreateModel(App& app, RequestContext& ctx, const store::Actor& actor) {
  json body;
  if (Status st = ParseJsonBody(ctx.request, body); !st.ok()) return HttpResponse::Error(st);
  auto model = ModelFromCreateJson(body);
  if (!model) return HttpResponse::Error(model.error());
  auto created = app.store->Registry().CreateModel(*model, actor);
  if (!created) return HttpResponse::Error(created.error());
  return ModelAnswer(201, *created);
}

HttpResponse GetModel(App& app, RequestContext& ctx, const store::Actor&) {
  auto model = app.store->Registry().GetModel(ctx.params["name"]);
  if (!model) return HttpResponse::Error(model.error());
  return ModelAnswer(200, *model);
}

// PATCH as read, apply, write with the etag just read. `read()` gives the
// current row, `what(row)` names it for a 412, `apply(patch, row)` merges the
// patch, `write(current, desired)` stores it and `answer(status, row)` renders
// it. A write that lost a race with another writer (412 from the store) is
// retried on a fresh read, unless the caller pinned an etag with If-Match: then
// the 412 is theirs.
template <typename Read, typename What, typename Apply, typename Write,
          typename Answer>
HttpResponse PatchRow(RequestContext &ctx, Read read, What what, Apply apply,
                      Write write, Answer answer) {
  json patch;
  if (Status st = ParseJsonBody(ctx.request, patch); !st.ok()) return HttpResponse::Error(st);
  const std::string if_match = IfMatch(ctx.request);
  Status last;
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    auto current = read();
    if (!current) return HttpResponse::Error(current.error());
    if (!if_match.empty() && current->etag != if_match) {
      return HttpResponse::Error(
          StaleEtag(what(*current), if_match, current->etag));
    }
    auto desired = *current;
    if (Status st = apply(patch, desired); !st.ok())
      return HttpResponse::Error(st);
    auto updated = write(*current, desired);
    if (updated)
      return answer(200, *updated);
    last = updated.error();
    if (last.code() != StatusCode::kFailedPrecondition || !if_match.empty()) break;
  }
  return HttpResponse::Error(last);
}

HttpResponse PatchModel(App &app, RequestContext &ctx,
                        const store::Actor &actor) {
  const std::string &name = ctx.params["name"];
  store::RegistryStore &registry = app.store->Registry();
  return PatchRow(
      ctx, [&] { return registry.GetModel(name); },
      [&](const store::RegisteredModel &) {
        return "registered model '" + name + "'";
      },
      &ApplyModelPatch,
      [&](const store::RegisteredModel &current,
          const store::RegisteredModel &desired) {
        return registry.UpdateModel(name, desired, current.etag, actor);
      },
      &ModelAnswer);
}

HttpResponse DeleteModel(App& app, RequestContext& ctx, const store::Actor& actor) {
  Status st =
      app.store->Registry().DeleteModel(ctx.params["name"], IfMatch(ctx.request), actor);
  if (!st.ok()) return HttpResponse::Error(st);
  return NoContent();
}

// ---- versions ----

HttpResponse CreateVersion(App& app, RequestContext& ctx, const store::Actor& actor) {
  json body;
  if (Status st = ParseJsonBody(ctx.request, body); !st.ok()) return HttpResponse::Error(st);
  auto version = VersionFromCreateJson(body, ctx.params["name"]);
  if (!version) return HttpResponse::Error(version.error());
  auto created = app.store->Registry().CreateVersion(*version, actor);
  if (!created) return HttpResponse::Error(created.error());
  return VersionAnswer(201, *created);
}

HttpResponse ListVersions(App& app, RequestContext& ctx, const store::Actor&) {
  auto params = ParseListParams(ctx.request);
  if (!params) return HttpResponse::Error(params.error());
  auto query = VersionListQuery(*params);
  if (!query) return HttpResponse::Error(query.error());
  auto page = app.store->Registry().ListVersions(ctx.params["name"], *query);
  if (!page) return HttpResponse::Error(page.error());
  return ListAnswer<store::ModelVersion>(*page, &VersionToJson);
}

HttpResponse GetVersion(App& app, RequestContext& ctx, const store::Actor&) {
  auto v = app.store->Registry().GetVersionByRef(ctx.params["name"], ctx.params["version"]);
  if (!v) return HttpResponse::Error(v.error());
  return VersionAnswer(200, *v);
}

HttpResponse PatchVersion(App& app, RequestContext& ctx, const store::Actor& actor) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["version"];
  store::RegistryStore& registry = app.store->Registry();
  return PatchRow(
      ctx, [&] { return registry.GetVersionByRef(name, ref); },
      [&](const store::ModelVersion &v) {
        return "version " + std::to_string(v.version) +
               " of registered model '" + name + "'";
      },
      &ApplyVersionPatch,
      [&](const store::ModelVersion &current,
          const store::ModelVersion &desired) {
        return registry.UpdateVersion(name, current.version, desired,
                                      current.etag, actor);
      },
      &VersionAnswer);
}

// {version} may be an alias: it is resolved to a number first; If-Match is then checked by the
// store in the same write as the delete, so an update in between gets 412.
HttpResponse DeleteVersion(App& app, RequestContext& ctx, const store::Actor& actor) {
  const std::string& name = ctx.params["name"];
  store::RegistryStore& registry = app.store->Registry();
  auto current = registry.GetVersionByRef(name, ctx.params["version"]);
  if (!current) return HttpResponse::Error(current.error());
  Status st = registry.DeleteVersion(name, current->version, IfMatch(ctx.request), actor);
  if (!st.ok()) return HttpResponse::Error(st);
  return NoContent();
}

// ---- aliases and refs ----

HttpResponse PutAlias(App& app, RequestContext& ctx, const store::Actor& actor) {
  json body;
  if (Status st = ParseJsonBody(ctx.request, body); !st.ok()) return HttpResponse::Error(st);
  auto assignment = AliasAssignmentFromJson(body);
  if (!assignment) return HttpResponse::Error(assignment.error());
  auto move = app.store->Registry().SetAlias(ctx.params["name"], ctx.params["alias"],
                                             assignment->version, assignment->reason, actor);
  if (!move) return HttpResponse::Error(move.error());
  return HttpResponse::Json(200, Dump(AliasMoveToJson(*move)));
}

HttpResponse DeleteAlias(App& app, RequestContext& ctx, const store::Actor& actor) {
  std::string reason = ctx.request.Query("reason").value_or("");
  if (!ctx.request.body.empty()) {
    json body;
    if (Status st = ParseJsonBody(ctx.request, body); !st.ok()) return HttpResponse::Error(st);
    auto from_body = AliasRemovalReasonFromJson(body);
    if (!from_body) return HttpResponse::Error(from_body.error());
    if (!from_body->empty()) reason = std::move(*from_body);
  }
  auto move = app.store->Registry().DeleteAlias(ctx.params["name"], ctx.params["alias"], reason,
                                                actor);
  if (!move) return HttpResponse::Error(move.error());
  return HttpResponse::Json(200, Dump(AliasMoveToJson(*move)));
}

HttpResponse AliasHistory(App& app, RequestContext& ctx, const store::Actor&) {
  auto page = ParsePage(ctx.request);
  if (!page) return HttpResponse::Error(page.error());
  auto moves = app.store->Registry().AliasHistory(ctx.params["name"], ctx.params["alias"]);
  if (!moves) return HttpResponse::Error(moves.error());
  json items = json::array();
  for (size_t i = page->offset; i < moves->size() && i < page->offset + page->size; ++i) {
    items.push_back(AliasMoveToJson((*moves)[i]));
  }
  return HttpResponse::Json(
      200, Dump({{"items", std::move(items)},
                 {"next_page_token", NextPageToken(*page, moves->size())}}));
}

HttpResponse Resolve(App& app, RequestContext& ctx, const store::Actor&) {
  std::string ref = ctx.request.Query("ref").value_or("");
  if (ref.empty()) {
    return HttpResponse::Error(Status::InvalidArgument(
        "ref is required: name@version, name@alias or name@latest", "ref"));
  }
  auto v = app.store->Registry().ResolveRef(ref);
  if (!v) return HttpResponse::Error(v.error());
  return VersionAnswer(200, *v);
}

}  // namespace

void AddRegistryRoutes(App& app) {
  AddBlockingRoute(app, "GET", "/v1/models/resolve", Role::kViewer, &Resolve);
  AddBlockingRoute(app, "GET", "/v1/models", Role::kViewer, &ListModels);
  AddBlockingRoute(app, "POST", "/v1/models", Role::kOperator, &CreateModel);
  AddBlockingRoute(app, "GET", "/v1/models/{name}", Role::kViewer, &GetModel);
  AddBlockingRoute(app, "PATCH", "/v1/models/{name}", Role::kOperator,
                   &PatchModel);
  AddBlockingRoute(app, "DELETE", "/v1/models/{name}", Role::kOperator,
                   &DeleteModel);
  AddBlockingRoute(app, "GET", "/v1/models/{name}/versions", Role::kViewer,
                   &ListVersions);
  AddBlockingRoute(app, "POST", "/v1/models/{name}/versions", Role::kOperator,
                   &CreateVersion);
  AddBlockingRoute(app, "GET", "/v1/models/{name}/versions/{version}",
                   Role::kViewer, &GetVersion);
  AddBlockingRoute(app, "PATCH", "/v1/models/{name}/versions/{version}",
                   Role::kOperator, &PatchVersion);
  AddBlockingRoute(app, "DELETE", "/v1/models/{name}/versions/{version}",
                   Role::kOperator, &DeleteVersion);
  AddBlockingRoute(app, "PUT", "/v1/models/{name}/aliases/{alias}",
                   Role::kOperator, &PutAlias);
  AddBlockingRoute(app, "DELETE", "/v1/models/{name}/aliases/{alias}",
                   Role::kOperator, &DeleteAlias);
  AddBlockingRoute(app, "GET", "/v1/models/{name}/aliases/{alias}/history",
                   Role::kViewer, &AliasHistory);
}

}  // namespace ballast::server

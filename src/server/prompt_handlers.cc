// Prompt registry routes (API.md "Registry", docs/prompts.md "HTTP API"): prompts, versions,
// labels with history, strict rendering, diffs, and the batch push CI uses. Store calls run off
// the network threads; decoding, rendering and diffing are pure and cheap next to them.
#include <string>
#include <vector>

#include "registry/prompt_diff.h"
#include "registry/render.h"
#include "server/app.h"
#include "server/prompt_json.h"
#include "store/expr_sql.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr size_t kMaxPushPrompts = 1000;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse Answer(int status, const json& j) { return HttpResponse::Json(status, Dump(j)); }

const store::SearchFields& PromptFields() {
  static const store::SearchFields* fields = [] {
    auto* f = new store::SearchFields();
    f->AddColumn("name", expr::ValueType::kString, "p.name", true)
        .AddColumn("description", expr::ValueType::kString, "p.description")
        .AddColumn("created_at", expr::ValueType::kTime, "p.created_at", true)
        .AddColumn("created_by", expr::ValueType::kString, "p.created_by")
        .AddColumn("updated_at", expr::ValueType::kTime, "p.updated_at", true)
        .AddColumn("last_version", expr::ValueType::kNumber, "p.last_version")
        .AddMap("labels", expr::ValueType::kNumber,
                {.table = "prompt_labels",
                 .owner_column = "prompt_id",
                 .owner_sql = "p.id",
                 .key_column = "label",
                 .value_column = "version"});
    return f;
  }();
  return *fields;
}

const store::SearchFields& VersionFields() {
  static const store::SearchFields* fields = [] {
    auto* f = new store::SearchFields();
    f->AddColumn("version", expr::ValueType::kNumber, "v.version", true)
        .AddColumn("created_at", expr::ValueType::kTime, "v.created_at", true)
        .AddColumn("created_by", expr::ValueType::kString, "v.created_by")
        .AddColumn("template_kind", expr::ValueType::kString, "v.template_kind")
        .AddColumn("model", expr::ValueType::kString, "v.model")
        .AddColumn("message", expr::ValueType::kString, "v.message")
        .AddColumn("content_hash", expr::ValueType::kString, "v.content_hash")
        .AddList("variables", {.table = "prompt_version_variables",
                               .owner_column = "version_id",
                               .owner_sql = "v.id",
                               .value_column = "name"});
    return f;
  }();
  return *fields;
}

// The store query for a list route: page, filter compiled against `fields`, order_by.
Result<store::ListQuery> ListQueryFor(const HttpRequest& request,
                                      const store::SearchFields& fields) {
  BALLAST_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request));
  store::ListQuery q;
  q.offset = static_cast<int64_t>(params.page.offset);
  q.limit = static_cast<int64_t>(params.page.size);
  if (!params.filter.empty()) {
    Result<store::SqlWhere> where = store::CompileWhere(params.filter, fields);
    if (!where) return Status::InvalidArgument(where.error().message(), "filter");
    q.filter = {std::move(where->sql), std::move(where->params)};
  }
  std::vector<std::string_view> sortable;
  for (const store::SearchFields::Field& f : fields.fields()) {
    if (f.sortable) sortable.push_back(f.name);
  }
  BALLAST_ASSIGN_OR_RETURN(q.order_by, ParseOrderBy(params.order_by, sortable));
  return q;
}

std::string PageToken(const std::optional<int64_t>& next) {
  return next ? std::to_string(*next) : "";
}

bool QueryTrue(const HttpRequest& r, const std::string& name) {
  auto v = r.Query(name);
  return v && (*v == "true" || *v == "1" || v->empty());
}

Result<json> BodyObject(const HttpRequest& request, bool optional) {
  json body = json::object();
  if (optional && request.body.empty()) return body;
  BALLAST_RETURN_IF_ERROR(ParseJsonBody(request, body));
  return body;
}

Result<std::string> OptionalString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Status::InvalidArgument(std::string(key) + " must be a string", key);
  return it->get<std::string>();
}

// ---- prompts ----

asio::awaitable<HttpResponse> ListPrompts(App& app, RequestContext& ctx) {
  Result<store::ListQuery> q = ListQueryFor(ctx.request, PromptFields());
  if (!q) co_return HttpResponse::Error(q.error());
  auto page = co_await OffThread(app, [&] { return app.store->Prompts().ListPrompts(*q); });
  if (!page) co_return HttpResponse::Error(page.error());
  json items = json::array();
  for (const store::RegisteredPrompt& p : page->items) items.push_back(PromptJson(p));
  co_return Answer(200, {{"items", items}, {"next_page_token", PageToken(page->next_offset)}});
}

asio::awaitable<HttpResponse> GetPrompt(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  auto p = co_await OffThread(app, [&] { return app.store->Prompts().GetPrompt(name); });
  if (!p) co_return HttpResponse::Error(p.error());
  co_return WithEtag(Answer(200, PromptJson(*p)), p->etag);
}

asio::awaitable<HttpResponse> DeletePrompt(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string if_match = IfMatch(ctx.request);
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  Status st = co_await OffThread(
      app, [&] { return app.store->Prompts().DeletePrompt(name, if_match, actor); });
  if (!st.ok()) co_return HttpResponse::Error(st);
  co_return Answer(200, {{"name", name}, {"deleted", true}});
}

// ---- versions ----

asio::awaitable<HttpResponse> ListVersions(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  Result<store::ListQuery> q = ListQueryFor(ctx.request, VersionFields());
  if (!q) co_return HttpResponse::Error(q.error());
  auto page = co_await OffThread(app, [&] { return app.store->Prompts().ListVersions(name, *q); });
  if (!page) co_return HttpResponse::Error(page.error());
  json items = json::array();
  for (const store::PromptVersion& v : page->items) items.push_back(PromptVersionJson(v));
  co_return Answer(200, {{"items", items}, {"next_page_token", PageToken(page->next_offset)}});
}

asio::awaitable<HttpResponse> CreateVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  Result<json> body = BodyObject(ctx.request, false);
  if (!body) co_return HttpResponse::Error(body.error());
  Result<store::PromptPush> push = PushFromJson(*body, name, "");
  if (!push) co_return HttpResponse::Error(push.error());
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto r = co_await OffThread(app, [&] { return app.store->Prompts().Push(*push, actor); });
  if (!r) co_return HttpResponse::Error(r.error());
  json answer = {{"action", r->created ? "created" : "unchanged"},
                 {"version", PromptVersionJson(r->version)}};
  co_return WithEtag(Answer(r->created ? 201 : 200, answer), r->version.etag);
}

asio::awaitable<HttpResponse> GetVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["ref"];
  auto v = co_await OffThread(app, [&] { return app.store->Prompts().GetVersionByRef(name, ref); });
  if (!v) co_return HttpResponse::Error(v.error());
  co_return WithEtag(Answer(200, PromptVersionJson(*v)), v->etag);
}

asio::awaitable<HttpResponse> DeleteVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["ref"];
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  // Labels move; deleting through one would be surprising, so only numbers are accepted.
  int64_t number = 0;
  for (char c : ref) {
    if (c < '0' || c > '9' || number > (INT64_MAX - 9) / 10) {
      number = -1;
      break;
    }
    number = number * 10 + (c - '0');
  }
  if (number < 1) {
    co_return HttpResponse::Error(Status::InvalidArgument(
        "a version to delete must be given by number, not '" + ref + "'", "version"));
  }
  Status st = co_await OffThread(
      app, [&] { return app.store->Prompts().DeleteVersion(name, number, actor); });
  if (!st.ok()) co_return HttpResponse::Error(st);
  co_return Answer(200, {{"name", name}, {"version", number}, {"deleted", true}});
}

asio::awaitable<HttpResponse> RenderVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["ref"];
  Result<json> body = BodyObject(ctx.request, true);
  if (!body) co_return HttpResponse::Error(body.error());
  json variables = body->value("variables", json::object());
  for (const auto& [key, unused] : body->items()) {
    if (key != "variables") {
      co_return HttpResponse::Error(
          Status::InvalidArgument("unknown field '" + key + "' (expected variables)", key));
    }
  }
  if (!variables.is_object() && !variables.is_null()) {
    co_return HttpResponse::Error(
        Status::InvalidArgument("variables must be an object", "variables"));
  }
  auto v = co_await OffThread(app, [&] { return app.store->Prompts().GetVersionByRef(name, ref); });
  if (!v) co_return HttpResponse::Error(v.error());
  Result<registry::PromptSpec> spec = SpecFromStored(*v);
  if (!spec) co_return HttpResponse::Error(spec.error());
  Result<registry::RenderedPrompt> rendered = registry::Render(*spec, variables);
  if (!rendered) co_return HttpResponse::Error(rendered.error());
  json answer = rendered->ToJson();
  answer["name"] = v->name;
  answer["version"] = v->version;
  co_return Answer(200, answer);
}

asio::awaitable<HttpResponse> DiffVersions(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string from = ctx.request.Query("from").value_or("");
  const std::string to = ctx.request.Query("to").value_or("latest");
  if (from.empty()) {
    co_return HttpResponse::Error(
        Status::InvalidArgument("query parameter 'from' is required (a number or label)", "from"));
  }
  auto a =
      co_await OffThread(app, [&] { return app.store->Prompts().GetVersionByRef(name, from); });
  if (!a) co_return HttpResponse::Error(a.error());
  auto b = co_await OffThread(app, [&] { return app.store->Prompts().GetVersionByRef(name, to); });
  if (!b) co_return HttpResponse::Error(b.error());
  Result<registry::PromptSpec> sa = SpecFromStored(*a);
  if (!sa) co_return HttpResponse::Error(sa.error());
  Result<registry::PromptSpec> sb = SpecFromStored(*b);
  if (!sb) co_return HttpResponse::Error(sb.error());
  const std::string from_label = name + "@" + std::to_string(a->version);
  const std::string to_label = name + "@" + std::to_string(b->version);
  std::string diff = registry::PromptDiff(*sa, *sb, from_label, to_label);
  json answer = {
      {"name", name},
      {"from", {{"ref", from}, {"version", a->version}, {"content_hash", a->content_hash}}},
      {"to", {{"ref", to}, {"version", b->version}, {"content_hash", b->content_hash}}},
      {"changed", !diff.empty()},
      {"diff", diff}};
  co_return Answer(200, answer);
}

// ---- labels ----

asio::awaitable<HttpResponse> SetLabel(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& label = ctx.params["label"];
  Result<json> body = BodyObject(ctx.request, false);
  if (!body) co_return HttpResponse::Error(body.error());
  auto version = body->find("version");
  if (version == body->end() || !version->is_number_integer()) {
    co_return HttpResponse::Error(
        Status::InvalidArgument("version is required and must be an integer", "version"));
  }
  Result<std::string> reason = OptionalString(*body, "reason");
  if (!reason) co_return HttpResponse::Error(reason.error());
  const int64_t number = version->get<int64_t>();
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto move = co_await OffThread(
      app, [&] { return app.store->Prompts().SetLabel(name, label, number, *reason, actor); });
  if (!move) co_return HttpResponse::Error(move.error());
  co_return Answer(200, LabelMoveJson(*move));
}

asio::awaitable<HttpResponse> DeleteLabel(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& label = ctx.params["label"];
  Result<json> body = BodyObject(ctx.request, true);
  if (!body) co_return HttpResponse::Error(body.error());
  Result<std::string> reason = OptionalString(*body, "reason");
  if (!reason) co_return HttpResponse::Error(reason.error());
  if (reason->empty()) *reason = ctx.request.Query("reason").value_or("");
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto move = co_await OffThread(
      app, [&] { return app.store->Prompts().DeleteLabel(name, label, *reason, actor); });
  if (!move) co_return HttpResponse::Error(move.error());
  co_return Answer(200, LabelMoveJson(*move));
}

asio::awaitable<HttpResponse> LabelHistory(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& label = ctx.params["label"];
  auto moves =
      co_await OffThread(app, [&] { return app.store->Prompts().LabelHistory(name, label); });
  if (!moves) co_return HttpResponse::Error(moves.error());
  json items = json::array();
  for (const store::LabelMove& m : *moves) items.push_back(LabelMoveJson(m));
  co_return Answer(200, {{"items", items}, {"next_page_token", ""}});
}

// ---- batch push ----

// Body: {"prompts": [Prompt objects], "message": "..."}; ?check=true changes nothing.
asio::awaitable<HttpResponse> PushPrompts(App& app, RequestContext& ctx) {
  const bool check = QueryTrue(ctx.request, "check");
  Result<json> body = BodyObject(ctx.request, false);
  if (!body) co_return HttpResponse::Error(body.error());
  Result<std::string> message = OptionalString(*body, "message");
  if (!message) co_return HttpResponse::Error(message.error());
  for (const auto& [key, unused] : body->items()) {
    if (key != "prompts" && key != "message") {
      co_return HttpResponse::Error(Status::InvalidArgument(
          "unknown field '" + key + "' (expected prompts and message)", key));
    }
  }
  auto list = body->find("prompts");
  if (list == body->end() || !list->is_array()) {
    co_return HttpResponse::Error(
        Status::InvalidArgument("prompts is required and must be an array", "prompts"));
  }
  if (list->size() > kMaxPushPrompts) {
    co_return HttpResponse::Error(
        Status::InvalidArgument("more than 1000 prompts in one push", "prompts"));
  }
  std::vector<store::PromptPush> pushes;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string prefix = "prompts[" + std::to_string(i) + "].";
    Result<store::PromptPush> push = PushFromJson((*list)[i], "", prefix);
    if (!push) co_return HttpResponse::Error(push.error());
    if (push->message.empty()) push->message = *message;
    pushes.push_back(std::move(*push));
  }
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto results =
      co_await OffThread(app, [&] { return app.store->Prompts().PushAll(pushes, check, actor); });
  if (!results) co_return HttpResponse::Error(results.error());
  json items = json::array();
  int changed = 0;
  for (const store::PushResult& r : *results) {
    changed += r.created ? 1 : 0;
    items.push_back({{"name", r.version.name},
                     {"action", r.created ? "created" : "unchanged"},
                     {"version", r.version.version},
                     {"content_hash", r.version.content_hash}});
  }
  co_return Answer(200, {{"check", check}, {"changed", changed}, {"results", items}});
}

}  // namespace

void AddPromptRoutes(App& app) {
  auto add = [&app](const char* method, const char* pattern, Role role, auto fn) {
    app.router.Add(
        {method, pattern, role, [&app, fn](RequestContext& ctx) { return fn(app, ctx); }});
  };
  // Before /v1/prompts/{name}...: the router takes the first pattern that matches.
  add("POST", "/v1/prompts/push", Role::kOperator, PushPrompts);
  add("GET", "/v1/prompts", Role::kViewer, ListPrompts);
  add("GET", "/v1/prompts/{name}", Role::kViewer, GetPrompt);
  add("DELETE", "/v1/prompts/{name}", Role::kOperator, DeletePrompt);
  add("GET", "/v1/prompts/{name}/versions", Role::kViewer, ListVersions);
  add("POST", "/v1/prompts/{name}/versions", Role::kOperator, CreateVersion);
  add("GET", "/v1/prompts/{name}/versions/{ref}", Role::kViewer, GetVersion);
  add("DELETE", "/v1/prompts/{name}/versions/{ref}", Role::kOperator, DeleteVersion);
  add("POST", "/v1/prompts/{name}/versions/{ref}/render", Role::kViewer, RenderVersion);
  add("GET", "/v1/prompts/{name}/diff", Role::kViewer, DiffVersions);
  add("PUT", "/v1/prompts/{name}/labels/{label}", Role::kOperator, SetLabel);
  add("DELETE", "/v1/prompts/{name}/labels/{label}", Role::kOperator, DeleteLabel);
  add("GET", "/v1/prompts/{name}/labels/{label}/history", Role::kViewer, LabelHistory);
}

}  // namespace ballast::server

// Eval dataset and eval run routes (API.md "Registry", docs/evals.md):
//   POST|GET /v1/datasets, GET|DELETE /v1/datasets/{name},
//   GET|POST /v1/datasets/{name}/versions, GET /v1/datasets/{name}/versions/{v},
//   GET /v1/datasets/{name}/versions/{v}/cases,
//   POST|GET /v1/evals, GET /v1/evals/{id}.
// Reads need a viewer token, writes an operator token. Every store call runs off the network
// threads (OffThread); locals that live across a co_await are named, never temporaries.
#include <charconv>

#include "server/app.h"
#include "server/eval_json.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

template <typename T>
json PageJson(const store::Page<T>& page, json items) {
  return {{"items", std::move(items)},
          {"next_page_token", page.next_offset ? std::to_string(*page.next_offset) : ""}};
}

Result<int64_t> PositiveInt(const std::string& text, const std::string& field) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1) {
    return Status::InvalidArgument(field + " must be a positive integer, not '" + text + "'",
                                   field);
  }
  return n;
}

std::string_view MediaType(const HttpRequest& request) {
  std::string_view type = request.Header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

// ---- datasets ----

asio::awaitable<HttpResponse> CreateDataset(App& app, RequestContext& ctx) {
  json body;
  Status parsed = ParseJsonBody(ctx.request, body);
  if (!parsed.ok()) co_return HttpResponse::Error(parsed);
  Result<store::Dataset> dataset = DatasetFromCreateJson(body);
  if (!dataset) co_return HttpResponse::Error(dataset.error());
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto created =
      co_await OffThread(app, [&] { return app.store->Evals().CreateDataset(*dataset, actor); });
  if (!created) co_return HttpResponse::Error(created.error());
  co_return WithEtag(HttpResponse::Json(201, Dump(DatasetToJson(*created))), created->etag);
}

asio::awaitable<HttpResponse> ListDatasets(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  const int64_t offset = static_cast<int64_t>(page->offset);
  const int64_t limit = static_cast<int64_t>(page->size);
  auto rows =
      co_await OffThread(app, [&] { return app.store->Evals().ListDatasets(offset, limit); });
  if (!rows) co_return HttpResponse::Error(rows.error());
  json items = json::array();
  for (const store::Dataset& d : rows->items) items.push_back(DatasetToJson(d));
  co_return HttpResponse::Json(200, Dump(PageJson(*rows, std::move(items))));
}

asio::awaitable<HttpResponse> GetDataset(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  auto d = co_await OffThread(app, [&] { return app.store->Evals().GetDataset(name); });
  if (!d) co_return HttpResponse::Error(d.error());
  co_return WithEtag(HttpResponse::Json(200, Dump(DatasetToJson(*d))), d->etag);
}

asio::awaitable<HttpResponse> DeleteDataset(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string if_match = IfMatch(ctx.request);
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  Status st = co_await OffThread(
      app, [&] { return app.store->Evals().DeleteDataset(name, if_match, actor); });
  if (!st.ok()) co_return HttpResponse::Error(st);
  co_return HttpResponse::Json(200, Dump({{"name", name}, {"deleted", true}}));
}

asio::awaitable<HttpResponse> PushDatasetVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string_view type = MediaType(ctx.request);
  DatasetPush push;
  if (type == "application/x-ndjson" || type == "application/jsonl" ||
      type == "application/json-lines") {
    push.cases_jsonl = std::move(ctx.request.body);
    push.description = ctx.request.Query("description").value_or("");
  } else if (type.empty() || type == "application/json") {
    json body;
    Status parsed = ParseJsonBody(ctx.request, body);
    if (!parsed.ok()) co_return HttpResponse::Error(parsed);
    Result<DatasetPush> decoded = DatasetPushFromJson(body);
    if (!decoded) co_return HttpResponse::Error(decoded.error());
    push = std::move(*decoded);
  } else {
    co_return HttpResponse::Error(Status::UnsupportedMediaType(
        "send cases as application/x-ndjson (one case per line) or application/json "
        "({\"cases\": [...]}), not " +
        std::string(type)));
  }
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto written = co_await OffThread(app, [&] {
    return app.store->Evals().CreateDatasetVersion(name, push.cases_jsonl, push.description,
                                                   actor);
  });
  if (!written) co_return HttpResponse::Error(written.error());
  json out = DatasetVersionToJson(written->version);
  out["created"] = written->created;
  co_return HttpResponse::Json(written->created ? 201 : 200, Dump(out));
}

asio::awaitable<HttpResponse> ListDatasetVersions(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  const int64_t offset = static_cast<int64_t>(page->offset);
  const int64_t limit = static_cast<int64_t>(page->size);
  auto rows = co_await OffThread(
      app, [&] { return app.store->Evals().ListDatasetVersions(name, offset, limit); });
  if (!rows) co_return HttpResponse::Error(rows.error());
  json items = json::array();
  for (const store::DatasetVersion& v : rows->items) items.push_back(DatasetVersionToJson(v));
  co_return HttpResponse::Json(200, Dump(PageJson(*rows, std::move(items))));
}

asio::awaitable<HttpResponse> GetDatasetVersion(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["version"];
  auto v =
      co_await OffThread(app, [&] { return app.store->Evals().GetDatasetVersion(name, ref); });
  if (!v) co_return HttpResponse::Error(v.error());
  co_return HttpResponse::Json(200, Dump(DatasetVersionToJson(*v)));
}

asio::awaitable<HttpResponse> ListCases(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const std::string& ref = ctx.params["version"];
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  const int64_t offset = static_cast<int64_t>(page->offset);
  const int64_t limit = static_cast<int64_t>(page->size);
  auto rows = co_await OffThread(app, [&]() -> Result<store::Page<store::DatasetCase>> {
    BALLAST_ASSIGN_OR_RETURN(store::DatasetVersion v,
                             app.store->Evals().GetDatasetVersion(name, ref));
    return app.store->Evals().ListCases(name, v.version, offset, limit);
  });
  if (!rows) co_return HttpResponse::Error(rows.error());
  json items = json::array();
  for (const store::DatasetCase& c : rows->items) items.push_back(DatasetCaseToJson(c));
  co_return HttpResponse::Json(200, Dump(PageJson(*rows, std::move(items))));
}

// ---- eval runs ----

asio::awaitable<HttpResponse> CreateRun(App& app, RequestContext& ctx) {
  json body;
  Status parsed = ParseJsonBody(ctx.request, body);
  if (!parsed.ok()) co_return HttpResponse::Error(parsed);
  Result<store::EvalRunInput> input = EvalRunInputFromJson(body);
  if (!input) co_return HttpResponse::Error(input.error());
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto run = co_await OffThread(app, [&] { return app.store->Evals().CreateRun(*input, actor); });
  if (!run) co_return HttpResponse::Error(run.error());
  co_return HttpResponse::Json(201, Dump(EvalRunToJson(*run, /*with_results=*/true)));
}

asio::awaitable<HttpResponse> ListRuns(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  store::EvalRunQuery query;
  query.model = ctx.request.Query("model").value_or("");
  query.prompt = ctx.request.Query("prompt").value_or("");
  query.dataset = ctx.request.Query("dataset").value_or("");
  query.offset = static_cast<int64_t>(page->offset);
  query.limit = static_cast<int64_t>(page->size);
  auto rows = co_await OffThread(app, [&] { return app.store->Evals().ListRuns(query); });
  if (!rows) co_return HttpResponse::Error(rows.error());
  json items = json::array();
  for (const store::EvalRun& r : rows->items) items.push_back(EvalRunToJson(r, false));
  co_return HttpResponse::Json(200, Dump(PageJson(*rows, std::move(items))));
}

asio::awaitable<HttpResponse> GetRun(App& app, RequestContext& ctx) {
  Result<int64_t> id = PositiveInt(ctx.params["id"], "id");
  if (!id) co_return HttpResponse::Error(id.error());
  const int64_t run_id = *id;
  auto run = co_await OffThread(app, [&] { return app.store->Evals().GetRun(run_id); });
  if (!run) co_return HttpResponse::Error(run.error());
  co_return HttpResponse::Json(200, Dump(EvalRunToJson(*run, /*with_results=*/true)));
}

}  // namespace

void AddEvalRoutes(App& app) {
  auto add = [&app](const char* method, const char* pattern, Role role,
                    asio::awaitable<HttpResponse> (*fn)(App&, RequestContext&)) {
    app.router.Add({method, pattern, role, [&app, fn](RequestContext& ctx) { return fn(app, ctx); }});
  };
  add("POST", "/v1/datasets", Role::kOperator, CreateDataset);
  add("GET", "/v1/datasets", Role::kViewer, ListDatasets);
  add("GET", "/v1/datasets/{name}", Role::kViewer, GetDataset);
  add("DELETE", "/v1/datasets/{name}", Role::kOperator, DeleteDataset);
  add("GET", "/v1/datasets/{name}/versions", Role::kViewer, ListDatasetVersions);
  add("POST", "/v1/datasets/{name}/versions", Role::kOperator, PushDatasetVersion);
  add("GET", "/v1/datasets/{name}/versions/{version}", Role::kViewer, GetDatasetVersion);
  add("GET", "/v1/datasets/{name}/versions/{version}/cases", Role::kViewer, ListCases);
  add("POST", "/v1/evals", Role::kOperator, CreateRun);
  add("GET", "/v1/evals", Role::kViewer, ListRuns);
  add("GET", "/v1/evals/{id}", Role::kViewer, GetRun);
}

}  // namespace ballast::server

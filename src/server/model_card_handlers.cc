// Model card and provider lifecycle routes (API.md "Registry", docs/model-cards.md):
//   GET|PUT /v1/models/{name}/versions/{version}/card   structured card fields (JSON or YAML in)
//   GET     /v1/models/{name}/versions/{version}/card.md  Markdown with Hugging Face front matter
//   GET     /v1/models/retiring?within=90d               versions an alias exposes, retiring soon
// `{version}` is a number, an alias or `latest`. AddModelCardRoutes must run before
// AddRegistryRoutes: the router takes the first pattern that matches, and `/v1/models/retiring`
// would otherwise be read as the model named "retiring".
//
// Every route is a plain function run on the blocking pool (store calls block), as in
// registry_handlers.cc.
#include <string>

#include "common/time.h"
#include "registry/model_card.h"
#include "registry/model_card_markdown.h"
#include "registry/lifecycle_alerts.h"
#include "server/app.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr int64_t kDefaultWithinMs = 90 * registry::kLifecycleDayMillis;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json CardAnswerJson(const store::StoredModelCard& c, const json& card) {
  return {{"model", c.model},
          {"version", c.version},
          {"card", card},
          {"etag", c.etag},
          {"created_at", FormatRfc3339(c.created_at)},
          {"updated_at", FormatRfc3339(c.updated_at)},
          {"updated_by", c.updated_by}};
}

Result<store::ModelVersion> VersionOf(App& app, RequestContext& ctx) {
  return app.store->Registry().GetVersionByRef(ctx.params["name"], ctx.params["version"]);
}

// The stored card as a ModelCard; INTERNAL if what was stored no longer decodes.
Result<registry::ModelCard> DecodeStored(const store::StoredModelCard& c) {
  registry::CardFile f = registry::DecodeModelCard(c.card_json, "stored card");
  if (!f.ok()) {
    return Status::Internal("stored model card of " + c.model + "@" + std::to_string(c.version) +
                            " does not decode: " + f.diagnostics.ToString());
  }
  return std::move(*f.card);
}

HttpResponse GetCard(App& app, RequestContext& ctx, const store::Actor&) {
  auto v = VersionOf(app, ctx);
  if (!v) return HttpResponse::Error(v.error());
  auto c = app.store->ModelCards().GetCard(v->model, v->version);
  if (!c) return HttpResponse::Error(c.error());
  auto card = DecodeStored(*c);
  if (!card) return HttpResponse::Error(card.error());
  return WithEtag(HttpResponse::Json(200, Dump(CardAnswerJson(*c, registry::ModelCardToJson(*card)))),
                  c->etag);
}

bool IsYamlOrJson(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t.empty() || t == "application/json" || t == "application/yaml" ||
         t == "application/x-yaml" || t == "text/yaml" || t == "text/x-yaml" ||
         t == "text/plain";
}

HttpResponse PutCard(App& app, RequestContext& ctx, const store::Actor& actor) {
  const std::string_view content_type = ctx.request.Header("Content-Type");
  if (!IsYamlOrJson(content_type)) {
    return HttpResponse::Error(Status::UnsupportedMediaType(
        "the card must be JSON or YAML, not '" + std::string(content_type) + "'"));
  }
  if (ctx.request.body.empty()) {
    return HttpResponse::Error(
        Status::InvalidArgument("request body is empty (expected the card as JSON or YAML)"));
  }
  auto v = VersionOf(app, ctx);
  if (!v) return HttpResponse::Error(v.error());
  registry::CardFile f = registry::DecodeModelCard(ctx.request.body, "request");
  if (!f.ok()) return HttpResponse::Error(f.diagnostics.ToStatus());
  std::string etag = IfMatch(ctx.request);
  if (etag == "*") {  // RFC 9110: any current representation
    auto current = app.store->ModelCards().GetCard(v->model, v->version);
    if (!current) {
      return HttpResponse::Error(
          current.error().code() == StatusCode::kNotFound
              ? Status::FailedPrecondition("If-Match: * but " + v->model + "@" +
                                           std::to_string(v->version) + " has no model card")
              : current.error());
    }
    etag = current->etag;
  }
  json card = registry::ModelCardToJson(*f.card);
  auto stored =
      app.store->ModelCards().PutCard(v->model, v->version, Dump(card), etag, actor);
  if (!stored) return HttpResponse::Error(stored.error());
  return WithEtag(HttpResponse::Json(200, Dump(CardAnswerJson(*stored, card))), stored->etag);
}

// The version's completed eval runs as model-index results: one result per run (task
// "text-generation", the dataset version as dataset), its metrics plus the pass rate.
std::vector<registry::CardEvalResult> EvalResults(App& app, const store::ModelVersion& v) {
  std::vector<registry::CardEvalResult> out;
  auto runs = app.store->Evals().RunsForModelVersion(v.model, v.version);
  if (!runs) return out;
  for (const store::EvalRun& run : *runs) {
    if (run.status != store::EvalStatus::kCompleted) continue;
    registry::CardEvalResult r;
    r.task_type = "text-generation";
    r.task_name = run.description;
    r.dataset_type = run.dataset + "@" + std::to_string(run.dataset_version);
    r.dataset_name = run.dataset;
    for (const auto& [name, value] : run.metrics) r.metrics.push_back({name, value, ""});
    if (run.passed + run.failed > 0) {
      r.metrics.push_back({"pass_rate",
                           static_cast<double>(run.passed) /
                               static_cast<double>(run.passed + run.failed),
                           "Pass rate"});
    }
    out.push_back(std::move(r));
  }
  return out;
}

HttpResponse GetCardMarkdown(App& app, RequestContext& ctx, const store::Actor&) {
  auto v = VersionOf(app, ctx);
  if (!v) return HttpResponse::Error(v.error());
  registry::ModelCard card;  // a version without a card renders its lineage and evals only
  auto c = app.store->ModelCards().GetCard(v->model, v->version);
  if (c) {
    auto decoded = DecodeStored(*c);
    if (!decoded) return HttpResponse::Error(decoded.error());
    card = std::move(*decoded);
  } else if (c.error().code() != StatusCode::kNotFound) {
    return HttpResponse::Error(c.error());
  }
  registry::CardContext context;
  context.model = v->model;
  context.version = v->version;
  context.aliases = v->aliases;
  context.base_model = v->lineage.base_model;
  context.datasets = v->lineage.dataset_refs;
  context.lifecycle = std::string(store::LifecycleName(v->lifecycle));
  if (v->retires_at) context.retires_at = FormatRfc3339(*v->retires_at);
  context.replacement = v->replacement;
  context.results = EvalResults(app, *v);
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/markdown; charset=utf-8";
  r.body = registry::RenderModelCardMarkdown(card, context);
  if (c) r = WithEtag(std::move(r), c->etag);
  return r;
}

HttpResponse ListRetiring(App& app, RequestContext& ctx, const store::Actor& actor) {
  int64_t within_ms = kDefaultWithinMs;
  if (auto w = ctx.request.Query("within"); w && !w->empty()) {
    auto d = ParseDuration(*w);
    if (!d) {
      return HttpResponse::Error(Status::InvalidArgument(
          "within must be a duration such as 90d or 12w: " + d.error().message(), "within"));
    }
    within_ms = d->ApproxMillis();
  }
  auto page = ParsePage(ctx.request);
  if (!page) return HttpResponse::Error(page.error());
  const EpochMillis now = actor.at;
  auto versions = app.store->Registry().Retiring(within_ms, now);
  if (!versions) return HttpResponse::Error(versions.error());
  json items = json::array();
  for (size_t i = page->offset; i < versions->size() && i < page->offset + page->size; ++i) {
    const store::ModelVersion& v = (*versions)[i];
    const EpochMillis retires = v.retires_at.value_or(now);
    items.push_back(
        {{"model", v.model},
         {"version", v.version},
         {"aliases", v.aliases},
         {"source", v.source},
         {"lifecycle", std::string(store::LifecycleName(v.lifecycle))},
         {"deprecated_at", v.deprecated_at ? json(FormatRfc3339(*v.deprecated_at)) : json(nullptr)},
         {"retires_at", FormatRfc3339(retires)},
         {"days_left", registry::DaysLeft(retires, now)},
         {"replacement", v.replacement}});
  }
  return HttpResponse::Json(200, Dump({{"within", FormatMillisAsDuration(within_ms)},
                                       {"items", std::move(items)},
                                       {"next_page_token", NextPageToken(*page, versions->size())}}));
}

}  // namespace

void AddModelCardRoutes(App& app) {
  AddBlockingRoute(app, "GET", "/v1/models/retiring", Role::kViewer,
                   &ListRetiring);
  AddBlockingRoute(app, "GET", "/v1/models/{name}/versions/{version}/card",
                   Role::kViewer, &GetCard);
  AddBlockingRoute(app, "PUT", "/v1/models/{name}/versions/{version}/card",
                   Role::kOperator, &PutCard);
  AddBlockingRoute(app, "GET", "/v1/models/{name}/versions/{version}/card.md",
                   Role::kViewer, &GetCardMarkdown);
}

}  // namespace ballast::server

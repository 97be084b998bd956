// Definition and SLO routes: POST /v1/apply, GET/DELETE /v1/objects..., GET /v1/slos...
// (API.md "Definitions" and "SLOs and alerts"). Everything that touches the store runs off the
// network threads; statuses are computed from the engine's memory.
#include <charconv>

#include "common/json_text.h"
#include "common/time.h"
#include "server/app.h"
#include "server/slo_runtime.h"
#include "slo/object_json.h"
#include "slo/status_json.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json DiagnosticsJson(const slo::Diagnostics& d) {
  json out = json::array();
  for (const slo::Diagnostic& item : d.items()) {
    out.push_back({{"severity", item.severity == slo::Severity::kError ? "error" : "warning"},
                   {"file", item.pos.file},
                   {"line", item.pos.line},
                   {"column", item.pos.column},
                   {"field", item.path},
                   {"message", item.message}});
  }
  return out;
}

HttpResponse ApplyErrorResponse(const ApplyError& e) {
  HttpResponse r = HttpResponse::Error(e.status);
  if (e.diagnostics.empty()) return r;
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) return r;
  body["error"]["details"] = DiagnosticsJson(e.diagnostics);
  r.body = Dump(body);
  return r;
}

json ObjectJson(const store::StoredObject& o) {
  json out = {{"kind", o.kind},
              {"name", o.name},
              {"api_version", o.api_version},
              {"etag", o.etag},
              {"generation", o.generation},
              {"content_hash", o.content_hash},
              {"created_at", FormatRfc3339(o.created_at)},
              {"applied_at", FormatRfc3339(o.applied_at)},
              {"applied_by", o.applied_by}};
  out["object"] = json::parse(o.content_json, nullptr, false);
  return out;
}

bool QueryTrue(const HttpRequest& r, const std::string& name) {
  auto v = r.Query(name);
  return v && (*v == "true" || *v == "1" || v->empty());
}

Result<EpochMillis> TimeParam(const HttpRequest& request, const std::string& name,
                              EpochMillis fallback) {
  auto v = request.Query(name);
  if (!v || v->empty()) return fallback;
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
  if (ec == std::errc() && end == v->data() + v->size()) return ms;
  auto t = ParseRfc3339(*v);
  if (!t) return Status::InvalidArgument(t.error().message(), name);
  return *t;
}

// The status JSON of one SLO for `variant`, or NOT_FOUND.
Result<json> SloStatus(App& app, const std::string& name, const std::string& variant,
                       EpochMillis now) {
  auto defs = app.slo->engine().definitions();
  auto it = defs->slos.find(name);
  if (it == defs->slos.end()) return Status::NotFound("no SLO named '" + name + "'");
  BALLAST_ASSIGN_OR_RETURN(std::vector<slo::ObjectiveReport> reports,
                           app.slo->engine().Report(name, variant, now));
  return slo::StatusToJson(it->second, reports, now);
}

asio::awaitable<HttpResponse> ApplyRoute(App& app, RequestContext& ctx) {
  const bool dry_run = QueryTrue(ctx.request, "dry_run");
  const std::string by = ActorName(ctx);
  std::string body = std::move(ctx.request.body);
  auto outcome = co_await OffThread(app, [&] { return app.slo->Apply(body, dry_run, by); });
  if (!outcome) co_return ApplyErrorResponse(outcome.error());
  if (!dry_run) app.JoinEvaluatedServices();
  json results = json::array();
  for (const auto& r : outcome->results) {
    results.push_back({{"kind", r.kind}, {"name", r.name}, {"action", r.action}});
  }
  json answer = {{"results", results}, {"dry_run", dry_run}};
  if (!outcome->diagnostics.empty()) answer["warnings"] = DiagnosticsJson(outcome->diagnostics);
  co_return HttpResponse::Json(200, Dump(answer));
}

asio::awaitable<HttpResponse> ListObjects(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  std::string kind = ctx.request.Query("kind").value_or("");
  auto rows = co_await OffThread(app, [&] { return app.store->Slos().ListObjects(kind); });
  if (!rows) co_return HttpResponse::Error(rows.error());
  json items = json::array();
  for (size_t i = page->offset; i < rows->size() && i < page->offset + page->size; ++i) {
    items.push_back(ObjectJson((*rows)[i]));
  }
  co_return HttpResponse::Json(
      200, Dump({{"items", items}, {"next_page_token", NextPageToken(*page, rows->size())}}));
}

asio::awaitable<HttpResponse> GetObject(App& app, RequestContext& ctx) {
  const std::string& kind = ctx.params["kind"];
  const std::string& name = ctx.params["name"];
  auto row = co_await OffThread(app, [&] { return app.store->Slos().GetObject(kind, name); });
  if (!row) co_return HttpResponse::Error(row.error());
  if (!*row)
    co_return HttpResponse::Error(Status::NotFound(kind + " '" + name + "' does not exist"));
  HttpResponse r = HttpResponse::Json(200, Dump(ObjectJson(**row)));
  r.headers.emplace_back("ETag", "\"" + (*row)->etag + "\"");
  co_return r;
}

asio::awaitable<HttpResponse> DeleteObject(App& app, RequestContext& ctx) {
  const std::string& kind = ctx.params["kind"];
  const std::string& name = ctx.params["name"];
  const std::string if_match = IfMatch(ctx.request);
  const std::string by = ActorName(ctx);
  Status st = co_await OffThread(app, [&] { return app.slo->Delete(kind, name, if_match, by); });
  if (!st.ok()) co_return HttpResponse::Error(st);
  co_return HttpResponse::Json(
      200,
      Dump({{"results", json::array({{{"kind", kind}, {"name", name}, {"action", "deleted"}}})}}));
}

// Every SLO's status: 3–4 µs each plus its JSON, so a thousand take milliseconds; ListSlos runs
// it off the network threads.
HttpResponse SloListPage(App& app, const Page& page) {
  const EpochMillis now = app.clock->NowMillis();
  auto defs = app.slo->engine().definitions();
  json items = json::array();
  size_t i = 0;
  for (const auto& [name, compiled] : defs->slos) {
    if (i++ < page.offset || items.size() >= page.size) continue;
    auto status = SloStatus(app, name, "", now);
    if (!status) return HttpResponse::Error(status.error());
    json item = {{"name", name},
                 {"display_name", compiled.object.metadata.display_name},
                 {"service", (*status)["service"]},
                 {"budgeting_method", (*status)["budgeting_method"]},
                 {"window", (*status)["window"]}};
    json objectives = json::array();
    for (const json& o : (*status)["objectives"]) {
      objectives.push_back({{"name", o["name"]},
                            {"target", o["target"]},
                            {"sli", o["sli"]},
                            {"total", o["total"]},
                            {"remaining_ratio", o["error_budget"]["remaining_ratio"]},
                            {"exhausted", o["error_budget"]["exhausted"]},
                            {"burn_rates", o["burn_rates"]}});
    }
    item["objectives"] = std::move(objectives);
    if (app.alerts_for) item["alerts_firing"] = app.alerts_for(name);
    items.push_back(std::move(item));
  }
  return HttpResponse::Json(
      200, Dump({{"items", items}, {"next_page_token", NextPageToken(page, defs->slos.size())}}));
}

asio::awaitable<HttpResponse> ListSlos(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  co_return co_await OffThread(app, [&] { return SloListPage(app, *page); });
}

asio::awaitable<HttpResponse> GetSlo(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  auto status = SloStatus(app, name, "", app.clock->NowMillis());
  if (!status) co_return HttpResponse::Error(status.error());
  auto defs = app.slo->engine().definitions();
  const auto& compiled = defs->slos.find(name)->second;
  json out = {{"name", name},
              {"definition", slo::ToJson(compiled.object)},
              {"applied_at", FormatRfc3339(compiled.applied_at)},
              {"variants", app.slo->engine().Variants(name)},
              {"status", *status}};
  co_return HttpResponse::Json(200, Dump(out));
}

asio::awaitable<HttpResponse> GetSloStatus(App& app, RequestContext& ctx) {
  std::string variant = ctx.request.Query("variant").value_or("");
  auto status = SloStatus(app, ctx.params["name"], variant, app.clock->NowMillis());
  if (!status) co_return HttpResponse::Error(status.error());
  co_return HttpResponse::Json(200, Dump(*status));
}

asio::awaitable<HttpResponse> GetSloSeries(App& app, RequestContext& ctx) {
  const std::string& name = ctx.params["name"];
  const EpochMillis now = app.clock->NowMillis();
  auto to = TimeParam(ctx.request, "to", now);
  if (!to) co_return HttpResponse::Error(to.error());
  auto from = TimeParam(ctx.request, "from", *to - 24 * 3'600'000LL);
  if (!from) co_return HttpResponse::Error(from.error());
  int64_t step = 0;
  if (auto s = ctx.request.Query("step"); s && !s->empty()) {
    auto d = ParseDuration(*s);
    if (!d || !d->IsFixed() || d->ApproxMillis() < 60'000) {
      co_return HttpResponse::Error(
          Status::InvalidArgument("step must be a duration of at least 1m (e.g. 5m, 1h)", "step"));
    }
    step = d->ApproxMillis();
  } else {
    step = std::max<int64_t>(60'000, (*to - *from) / 288 / 60'000 * 60'000);
  }
  size_t objective = 0;
  if (auto o = ctx.request.Query("objective"); o && !o->empty()) {
    auto [end, ec] = std::from_chars(o->data(), o->data() + o->size(), objective);
    if (ec != std::errc() || end != o->data() + o->size()) {
      co_return HttpResponse::Error(
          Status::InvalidArgument("objective must be an index (0, 1, ...)", "objective"));
    }
  }
  std::string variant = ctx.request.Query("variant").value_or("");
  auto points = app.slo->engine().Chart(name, objective, variant, *from, *to, step);
  if (!points) co_return HttpResponse::Error(points.error());
  json out = {{"name", name},
              {"objective", objective},
              {"variant", variant},
              {"from", FormatRfc3339(*from)},
              {"to", FormatRfc3339(*to)},
              {"step", FormatMillisAsDuration(step)},
              {"points", slo::ChartToJson(*points)}};
  co_return HttpResponse::Json(200, Dump(out));
}

asio::awaitable<HttpResponse> ListAlerts(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  std::optional<slo::AlertState> state;
  if (auto s = ctx.request.Query("state"); s && !s->empty()) {
    state = slo::ParseAlertState(*s);
    if (!state) {
      co_return HttpResponse::Error(Status::InvalidArgument(
          "state must be pending, firing, resolved or inactive, not '" + *s + "'", "state"));
    }
  }
  std::string slo_filter = ctx.request.Query("slo").value_or("");
  std::vector<slo::Alert> alerts = app.alerting->List(state);
  std::erase_if(alerts,
                [&](const slo::Alert& a) { return !slo_filter.empty() && a.slo != slo_filter; });
  std::vector<json> all;
  for (const slo::Alert& a : alerts) all.push_back(slo::AlertToApiJson(a));
  // Provider lifecycle alerts (lifecycle_alerting.h) follow; they belong to no SLO.
  if (app.lifecycle && slo_filter.empty()) {
    std::optional<std::string> s = ctx.request.Query("state");
    std::optional<std::string_view> lifecycle_state;
    if (s && !s->empty()) lifecycle_state = *s;
    for (json& j : app.lifecycle->ApiItems(lifecycle_state, app.clock->NowMillis()))
      all.push_back(std::move(j));
  }
  json items = json::array();
  for (size_t i = page->offset; i < all.size() && i < page->offset + page->size; ++i) {
    items.push_back(std::move(all[i]));
  }
  co_return HttpResponse::Json(
      200, Dump({{"items", items}, {"next_page_token", NextPageToken(*page, all.size())}}));
}

}  // namespace

void AddSloRoutes(App& app) {
  app.router.Add({"GET", "/v1/alerts", Role::kViewer,
                  [&app](RequestContext& ctx) { return ListAlerts(app, ctx); }});
  app.router.Add({"POST", "/v1/apply", Role::kOperator,
                  [&app](RequestContext& ctx) { return ApplyRoute(app, ctx); }});
  app.router.Add({"GET", "/v1/objects", Role::kViewer,
                  [&app](RequestContext& ctx) { return ListObjects(app, ctx); }});
  app.router.Add({"GET", "/v1/objects/{kind}/{name}", Role::kViewer,
                  [&app](RequestContext& ctx) { return GetObject(app, ctx); }});
  app.router.Add({"DELETE", "/v1/objects/{kind}/{name}", Role::kOperator,
                  [&app](RequestContext& ctx) { return DeleteObject(app, ctx); }});
  app.router.Add({"GET", "/v1/slos", Role::kViewer,
                  [&app](RequestContext& ctx) { return ListSlos(app, ctx); }});
  app.router.Add({"GET", "/v1/slos/{name}", Role::kViewer,
                  [&app](RequestContext& ctx) { return GetSlo(app, ctx); }});
  app.router.Add({"GET", "/v1/slos/{name}/status", Role::kViewer,
                  [&app](RequestContext& ctx) { return GetSloStatus(app, ctx); }});
  app.router.Add({"GET", "/v1/slos/{name}/series", Role::kViewer,
                  [&app](RequestContext& ctx) { return GetSloSeries(app, ctx); }});
}

}  // namespace ballast::server

// Telemetry routes: POST /v1/events (NDJSON), POST /v1/otlp/v1/traces (OTLP/HTTP JSON),
// GET /v1/services, GET /v1/services/{service}/stats.
//
// Ingest answers only after the batch's deltas and its Idempotency-Key are committed and fsynced
// by the store's writer (DESIGN.md §4); a full writer queue answers 429 with Retry-After.
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <unordered_set>

#include "common/time.h"
#include "server/app.h"
#include "server/slo_runtime.h"
#include "slo/engine.h"
#include "telemetry/gzip.h"
#include "telemetry/ingest.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr size_t kMaxIdempotencyKey = 255;

// Keys whose batch is being processed right now. The writer's in-transaction check makes
// double counting impossible; this set only answers a concurrent retry quickly.
class InFlightKeys {
 public:
  bool TryAcquire(const std::string& key) {
    std::lock_guard lock(mu_);
    return keys_.insert(key).second;
  }
  void Release(const std::string& key) {
    std::lock_guard lock(mu_);
    keys_.erase(key);
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> keys_;  // GUARDED_BY(mu_)
};

InFlightKeys& InFlight() {
  static InFlightKeys keys;
  return keys;
}

std::string BodyHash(std::string_view body) {
  XXH128_hash_t h = XXH3_128bits(body.data(), body.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Inflates a gzip body in place; 415 for an encoding we do not speak.
Status DecodeBody(const App& app, const HttpRequest& request, std::string& body) {
  std::string encoding = MediaType(request.Header("Content-Encoding"));
  if (encoding.empty() || encoding == "identity") return Status::Ok();
  if (encoding != "gzip")
    return Status::UnsupportedMediaType("Content-Encoding \"" + encoding +
                                        "\" is not supported (use gzip or none)");
  auto inflated =
      telemetry::Gunzip(body, static_cast<size_t>(app.config.limits.max_decompressed_bytes));
  if (!inflated) return inflated.error();
  body = std::move(*inflated);
  return Status::Ok();
}

}  // namespace

void App::JoinEvaluatedServices() {
  if (!request_join || !slo) return;
  std::shared_ptr<const slo::Definitions> defs = slo->engine().definitions();
  if (!defs) return;
  for (const slo::CompiledObjective& o : defs->objectives) {
    if (o.sli.events() == slo::EventKind::kEvaluations) request_join->Join(o.service);
  }
}

namespace {

telemetry::IngestOptions IngestOptionsOf(const App& app) {
  telemetry::IngestOptions o;
  o.parser.accept_past_millis = app.config.ingest.accept_past_ms;
  o.parser.accept_future_millis = app.config.ingest.accept_future_ms;
  o.join = app.request_join.get();
  return o;
}

// Validates the Idempotency-Key header; empty key means none was sent.
Status ReadIdempotencyKey(const HttpRequest& request, std::string& key) {
  key = std::string(request.Header("Idempotency-Key"));
  if (key.size() > kMaxIdempotencyKey)
    return Status::InvalidArgument("Idempotency-Key is longer than 255 characters",
                                   "Idempotency-Key");
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e)
      return Status::InvalidArgument("Idempotency-Key must be printable ASCII without spaces",
                                     "Idempotency-Key");
  }
  return Status::Ok();
}

// Commits `result` durably and produces the answer. `kind` labels the metrics.
// Takes `result` by reference: see OffThread() on temporaries across co_await with g++ 12.
asio::awaitable<HttpResponse> CommitAndAnswer(App& app, telemetry::IngestResult& result,
                                              store::SloCounts& slo_counts, const std::string& key,
                                              const std::string& hash) {
  store::IngestCommit commit;
  commit.idempotency_key = key;
  commit.body_hash = hash;
  commit.response_json = result.response_json;
  commit.batch = std::move(result.batch);
  commit.received_at = app.clock->NowMillis();
  std::vector<telemetry::NewSeriesKey> new_keys = commit.batch.new_keys;
  // The store hands the SLO counts of each committed group to the engine (SloRuntime sets the
  // sink) before this batch's completion runs.
  commit.slo = std::move(slo_counts);

  using Outcome = Result<store::IngestOutcome>;
  Outcome outcome = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Outcome)>(
      [&app, &commit](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto finish = [shared](Outcome r) {
          auto ex = asio::get_associated_executor(*shared);
          asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        };
        Status queued = app.store->Telemetry().CommitIngest(std::move(commit), finish);
        if (!queued.ok()) finish(Outcome(queued));
      },
      asio::use_awaitable);

  if (!outcome) {
    if (outcome.error().IsResourceExhausted()) {
      app.metrics->AddBatchRefused();
      co_return HttpResponse::Error(
          Status::ResourceExhausted("ingest queue is full; retry with the same Idempotency-Key"),
          1);
    }
    co_return HttpResponse::Error(Status::Unavailable("store: " + outcome.error().message()), 2);
  }
  switch (outcome->kind) {
    case store::IngestOutcome::Kind::kApplied:
      app.series_keys->MarkPersisted(new_keys);
      co_return HttpResponse::Json(200, std::move(outcome->response_json));
    case store::IngestOutcome::Kind::kReplayed:
      app.metrics->AddIdempotentReplays(1);
      co_return HttpResponse::Json(200, std::move(outcome->response_json));
    case store::IngestOutcome::Kind::kConflict:
      break;
  }
  co_return HttpResponse::Error(
      Status::Aborted("Idempotency-Key \"" + key + "\" was already used with a different body"));
}

enum class Format { kNdjson, kOtlp };

asio::awaitable<HttpResponse> Ingest(App& app, RequestContext& ctx, Format format) {
  HttpRequest& request = ctx.request;
  std::string media = MediaType(request.Header("Content-Type"));
  if (format == Format::kOtlp) {
    if (media == "application/x-protobuf" || media == "application/protobuf")
      co_return HttpResponse::Error(Status::UnsupportedMediaType(
          "OTLP protobuf is not supported; send OTLP/HTTP JSON (Content-Type: application/json)"));
    if (!media.empty() && media != "application/json")
      co_return HttpResponse::Error(Status::UnsupportedMediaType(
          "Content-Type \"" + media + "\" is not supported (expected application/json)"));
  } else if (!media.empty() && media != "application/x-ndjson" && media != "application/jsonl" &&
             media != "application/json" && media != "text/plain") {
    co_return HttpResponse::Error(Status::UnsupportedMediaType(
        "Content-Type \"" + media + "\" is not supported (expected application/x-ndjson)"));
  }
  std::string key;
  if (Status st = ReadIdempotencyKey(request, key); !st.ok()) co_return HttpResponse::Error(st);
  std::string body = std::move(request.body);
  if (Status st = DecodeBody(app, request, body); !st.ok()) co_return HttpResponse::Error(st);
  std::string hash = key.empty() ? "" : BodyHash(body);

  if (!key.empty()) {
    if (!InFlight().TryAcquire(key))
      co_return HttpResponse::Error(
          Status::ResourceExhausted(
              "a request with this Idempotency-Key is still being processed; retry"),
          1);
  }
  struct Release {
    std::string key;
    ~Release() {
      if (!key.empty()) InFlight().Release(key);
    }
  } release{key};

  if (!key.empty()) {
    auto found =
        co_await OffThread(app, [&] { return app.store->Telemetry().LookupIdempotency(key); });
    if (!found)
      co_return HttpResponse::Error(Status::Unavailable("store: " + found.error().message()), 2);
    if (*found) {
      if ((*found)->body_hash != hash)
        co_return HttpResponse::Error(Status::Aborted("Idempotency-Key \"" + key +
                                                      "\" was already used with a different body"));
      app.metrics->AddIdempotentReplays(1);
      co_return HttpResponse::Json(200, (*found)->response_json);
    }
  }

  telemetry::IngestOptions options = IngestOptionsOf(app);
  slo::SloBatch classifier(app.slo->engine());
  options.also = &classifier;
  telemetry::IngestResult result;
  if (format == Format::kNdjson) {
    result = telemetry::IngestNdjson(body, options, *app.series_keys, *app.clock);
  } else {
    auto otlp = telemetry::IngestOtlpJson(body, options, *app.series_keys, *app.clock);
    if (!otlp) co_return HttpResponse::Error(otlp.error());
    result = std::move(*otlp);
    app.metrics->AddIgnoredSpans(result.counters.ignored_spans);
  }
  std::string_view kind = format == Format::kNdjson ? "request" : "otlp_span";
  app.metrics->AddAccepted(kind, result.counters.requests);
  app.metrics->AddAccepted("evaluation", result.counters.evaluations);
  app.metrics->AddRejected(kind, result.counters.rejected);

  store::SloCounts slo_counts = classifier.Take();
  if (key.empty() && result.batch.deltas.empty() && result.batch.new_keys.empty() &&
      slo_counts.empty())
    co_return HttpResponse::Json(200, std::move(result.response_json));
  co_return co_await CommitAndAnswer(app, result, slo_counts, key, hash);
}

// from/to: RFC 3339 or epoch milliseconds.
Status ParseTimeParam(const HttpRequest& request, const std::string& name, EpochMillis& out) {
  auto v = request.Query(name);
  if (!v || v->empty()) return Status::Ok();
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
  if (ec == std::errc() && end == v->data() + v->size()) {
    out = ms;
    return Status::Ok();
  }
  auto t = ParseRfc3339(*v);
  if (!t) return Status::InvalidArgument(t.error().message(), name);
  out = *t;
  return Status::Ok();
}

json Quantiles(const telemetry::DDSketch& s) {
  if (s.empty()) return nullptr;
  return json{{"count", s.count()},
              {"p50", s.Quantile(0.5)},
              {"p90", s.Quantile(0.9)},
              {"p95", s.Quantile(0.95)},
              {"p99", s.Quantile(0.99)},
              {"max", s.max()},
              {"avg", s.sum() / static_cast<double>(s.count())}};
}

asio::awaitable<HttpResponse> Stats(App& app, RequestContext& ctx) {
  const std::string service = ctx.params["service"];
  EpochMillis now = app.clock->NowMillis();
  EpochMillis to = now + 60'000, from = now - 3'600'000;
  if (Status st = ParseTimeParam(ctx.request, "from", from); !st.ok())
    co_return HttpResponse::Error(st);
  if (Status st = ParseTimeParam(ctx.request, "to", to); !st.ok())
    co_return HttpResponse::Error(st);
  if (from >= to)
    co_return HttpResponse::Error(Status::InvalidArgument("from must be before to", "from"));
  bool by_variant = false, by_model = false, by_prompt = false;
  if (auto g = ctx.request.Query("group_by"); g && !g->empty()) {
    size_t i = 0;
    while (i <= g->size()) {
      size_t j = g->find(',', i);
      if (j == std::string::npos) j = g->size();
      std::string part = g->substr(i, j - i);
      if (part == "variant")
        by_variant = true;
      else if (part == "model")
        by_model = true;
      else if (part == "prompt")
        by_prompt = true;
      else
        co_return HttpResponse::Error(Status::InvalidArgument(
            "cannot group by \"" + part + "\" (expected a comma list of variant, model, prompt)",
            "group_by"));
      i = j + 1;
    }
  }
  if (app.series_keys->KeysOfService(service) == 0)
    co_return HttpResponse::Error(
        Status::NotFound("service \"" + service + "\" has sent no events"));
  // Rows are whole minutes: a `from` inside a minute includes that minute.
  EpochMillis from_minute = telemetry::MinuteOf(from);
  auto rows = co_await OffThread(
      app, [&] { return app.store->Telemetry().QueryRollups(service, from_minute, to); });
  if (!rows) co_return HttpResponse::Error(Status::Unavailable("store: " + rows.error().message()));

  std::map<std::tuple<std::string, std::string, std::string>, telemetry::Rollup> groups;
  for (const auto& row : *rows) {
    telemetry::SeriesKey key;
    if (!app.series_keys->Find(row.key_id, key)) continue;
    auto group = std::make_tuple(by_variant ? key.variant : "", by_model ? key.model : "",
                                 by_prompt ? key.prompt : "");
    groups[group].Merge(row.rollup);
  }
  std::vector<std::pair<std::tuple<std::string, std::string, std::string>, telemetry::Rollup*>>
      order;
  for (auto& [k, r] : groups) order.emplace_back(k, &r);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->requests > b.second->requests;
  });
  json series = json::array();
  for (const auto& [k, r] : order) {
    json key = {{"service", service}};
    if (by_variant) key["variant"] = std::get<0>(k);
    if (by_model) key["model"] = std::get<1>(k);
    if (by_prompt) key["prompt"] = std::get<2>(k);
    json outcomes = json::object();
    for (int i = 0; i < telemetry::kOutcomeCount; ++i)
      outcomes[std::string(telemetry::kOutcomeNames[i])] = r->outcomes[i];
    series.push_back({{"key", key},
                      {"requests", r->requests},
                      {"outcomes", outcomes},
                      {"error_rate", r->requests ? 1.0 - static_cast<double>(r->outcomes[0]) /
                                                             static_cast<double>(r->requests)
                                                 : 0.0},
                      {"input_tokens", r->input_tokens},
                      {"output_tokens", r->output_tokens},
                      {"cost_usd", r->cost_usd},
                      {"latency_ms", Quantiles(r->latency_ms)},
                      {"ttft_ms", Quantiles(r->ttft_ms)}});
  }
  json out = {{"service", service},
              {"from", FormatRfc3339(from_minute)},
              {"to", FormatRfc3339(to)},
              {"series", series}};
  co_return HttpResponse::Json(200, out.dump());
}

asio::awaitable<HttpResponse> Services(App& app, RequestContext& ctx) {
  auto page = ParsePage(ctx.request);
  if (!page) co_return HttpResponse::Error(page.error());
  auto list = co_await OffThread(app, [&app] { return app.store->Telemetry().ListServices(); });
  if (!list) co_return HttpResponse::Error(Status::Unavailable("store: " + list.error().message()));
  json items = json::array();
  for (size_t i = page->offset; i < list->size() && i < page->offset + page->size; ++i) {
    const auto& s = (*list)[i];
    items.push_back({{"name", s.service},
                     {"first_seen", FormatRfc3339(s.first_seen)},
                     {"last_seen", FormatRfc3339(s.last_seen)},
                     {"series", s.series}});
  }
  json out = {{"items", items}, {"next_page_token", NextPageToken(*page, list->size())}};
  co_return HttpResponse::Json(200, out.dump());
}

}  // namespace

void AddTelemetryRoutes(App& app) {
  app.router.Add({"POST", "/v1/events", Role::kIngest,
                  [&app](RequestContext& ctx) { return Ingest(app, ctx, Format::kNdjson); }});
  app.router.Add({"POST", "/v1/otlp/v1/traces", Role::kIngest,
                  [&app](RequestContext& ctx) { return Ingest(app, ctx, Format::kOtlp); }});
  app.router.Add({"GET", "/v1/services", Role::kViewer,
                  [&app](RequestContext& ctx) { return Services(app, ctx); }});
  app.router.Add({"GET", "/v1/services/{service}/stats", Role::kViewer,
                  [&app](RequestContext& ctx) { return Stats(app, ctx); }});
}

}  // namespace ballast::server

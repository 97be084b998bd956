// App: the running server's parts wired together (store, auth, metrics, ingest state, router)
// and the dispatch path every request takes: route → authenticate → authorize → handler →
// metrics. Handlers live in *_handlers.cc, one file per API area, each adding its routes.
//
// Blocking work (store reads, token lookups) runs on `blocking_pool` via OffThread(); network
// threads never wait on the database.
//
// Thread safety: built once at start, then read concurrently by the io threads.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "notify/webhook_notifier.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http.h"
#include "server/lifecycle_alerting.h"
#include "server/metrics.h"
#include "server/slo_alerting.h"
#include "server/slo_runtime.h"
#include "store/store.h"
#include "telemetry/request_join.h"
#include "telemetry/series_keys.h"

namespace ballast::server {

class HttpServer;

struct App {
  ServerConfig config;
  const Clock* clock = &RealClock::Get();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ServerMetrics> metrics;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<telemetry::SeriesKeyRegistry> series_keys;
  // Recent request ids -> their series key, for evaluation events; may be null.
  std::unique_ptr<telemetry::RequestJoin> request_join;
  std::unique_ptr<boost::asio::thread_pool> blocking_pool;
  std::unique_ptr<SloRuntime> slo;
  std::unique_ptr<notify::WebhookNotifier> notifier;
  std::unique_ptr<SloAlerting> alerting;
  // Provider lifecycle alerts (lifecycle_alerting.h); may be null.
  std::unique_ptr<LifecycleAlerting> lifecycle;
  // Number of firing alerts of an SLO, for the SLO list; may be empty.
  std::function<int(const std::string&)> alerts_for;
  HttpServer* http = nullptr;
  Router router;
  bool ready = false;

  boost::asio::awaitable<HttpResponse> Dispatch(HttpRequest& request);
  // Marks every service with an SLO over evaluation events as joined (telemetry_handlers.cc):
  // after the SLOs were loaded and after each apply.
  void JoinEvaluatedServices();
};

// Runs `fn` on the app's blocking pool and resumes on the caller's executor with its result:
//   auto rows = co_await OffThread(app, [&] { return store.QueryRollups(...); });
// `fn` must capture by reference only (locals of the awaiting coroutine stay alive until it
// resumes): g++ 12 bitwise-copies temporaries that live across a co_await, which corrupts
// captures with non-trivial destructors such as std::string.
template <typename Fn>
auto OffThread(App& app, Fn fn) {
  using T = decltype(fn());
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [pool = app.blocking_pool.get()](auto handler, Fn f) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        boost::asio::post(*pool, [shared, f = std::move(f)]() mutable {
          T result = f();
          auto ex = boost::asio::get_associated_executor(*shared);
          boost::asio::post(
              ex, [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
        });
      },
      boost::asio::use_awaitable, std::move(fn));
}

// Route registration, one per API area.
void AddOpsRoutes(App& app);
void AddTokenRoutes(App& app);
void AddTelemetryRoutes(App& app);
void AddSloRoutes(App& app);
void AddMlflowRoutes(App& app);
// The native model registry (registry_handlers.cc).
void AddRegistryRoutes(App& app);
// Model cards and /v1/models/retiring (model_card_handlers.cc); before AddRegistryRoutes.
void AddModelCardRoutes(App& app);
void AddPromptRoutes(App& app);
void AddEvalRoutes(App& app);
void AddLineageRoutes(App& app);
// The per-SLO gauges appended to /metrics (slo_metrics.cc).
std::string RenderSloMetrics(App& app);

// Parses a JSON request body into `out`; INVALID_ARGUMENT naming the problem otherwise.
Status ParseJsonBody(const HttpRequest& request, nlohmann::json& out);
// Lists: page_size (default 100, max 1000) and page_token (an offset) of API.md.
struct Page {
  size_t offset = 0;
  size_t size = 100;
};
Result<Page> ParsePage(const HttpRequest& request);
std::string NextPageToken(const Page& page, size_t total);

// The list parameters of API.md for routes that search the store: the page plus the raw
// `filter` (the expression language) and `order_by` texts, "" when absent.
struct ListParams {
  Page page;
  std::string filter;
  std::string order_by;
};
Result<ListParams> ParseListParams(const HttpRequest& request);
// API.md's `order_by` ("field [ASC|DESC]", comma-separated, keywords case-insensitive) as the
// store's order terms; every field must be one of `sortable`. INVALID_ARGUMENT (field
// "order_by") naming the offending item and the fields that are allowed. "" gives no terms.
Result<std::vector<store::OrderBy>> ParseOrderBy(std::string_view text,
                                                 const std::vector<std::string_view>& sortable);
// The If-Match header's entity tag without its quotes or weak "W/" prefix; "" when absent.
std::string IfMatch(const HttpRequest& request);
// Who a write is recorded as: "token:<id>", or "anonymous" when auth is off.
std::string ActorName(const RequestContext& ctx);
// The registry's actor for a request: name as above, `now`, admin when the token is.
store::Actor RegistryActor(const RequestContext& ctx, EpochMillis now);
// `response` with an `ETag: "<etag>"` header.
HttpResponse WithEtag(HttpResponse response, std::string_view etag);

// A route whose whole work is blocking store calls, written as a plain function of the request
// and the registry actor (RegistryActor). AddBlockingRoute registers it so that it runs on the
// blocking pool via OffThread, keeping the handler free of coroutine rules.
using BlockingRoute = HttpResponse (*)(App&, RequestContext&, const store::Actor&);
void AddBlockingRoute(App& app, const char* method, const char* pattern, Role role,
                      BlockingRoute route);

}  // namespace ballast::server

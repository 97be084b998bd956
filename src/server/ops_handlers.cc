// GET /healthz, /readyz, /metrics.
#include "server/app.h"

namespace ballast::server {

namespace asio = boost::asio;

void AddOpsRoutes(App& app) {
  app.router.Add(
      {"GET", "/healthz", Role::kNone, [](RequestContext&) -> asio::awaitable<HttpResponse> {
         co_return HttpResponse::Json(200, R"({"status":"ok"})");
       }});
  app.router.Add(
      {"GET", "/readyz", Role::kNone, [&app](RequestContext&) -> asio::awaitable<HttpResponse> {
         Status st = app.ready ? app.store->Ready() : Status::Unavailable("starting");
         if (!st.ok()) co_return HttpResponse::Error(Status::Unavailable(st.message()));
         co_return HttpResponse::Json(200, "{\"status\":\"ready\",\"schema_version\":" +
                                               std::to_string(app.store->SchemaVersion()) + "}");
       }});
  app.router.Add(
      {"GET", "/metrics", Role::kViewer, [&app](RequestContext&) -> asio::awaitable<HttpResponse> {
         HttpResponse r;
         r.content_type = "text/plain; version=0.0.4; charset=utf-8";
         // Off the network threads: the per-SLO gauges compute every SLO's status.
         r.body = co_await OffThread(app, [&] { return app.metrics->Render(); });
         co_return r;
       }});
}

}  // namespace ballast::server

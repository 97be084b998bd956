#include "server/serve.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "server/app.h"
#include "server/config.h"
#include "server/http_server.h"

namespace ballast::server {

namespace asio = boost::asio;

namespace {

// Prunes expired idempotency keys and old minute rollups every 10 minutes.
asio::awaitable<void> PruneLoop(App& app) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::minutes(10));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    EpochMillis now = app.clock->NowMillis();
    Status st = co_await OffThread(app, [&app, now] {
      return app.store->Telemetry().Prune(now - app.config.retention.idempotency_ms,
                                          now - app.config.retention.minute_rollups_ms);
    });
    if (!st.ok()) spdlog::warn("pruning failed: {}", st.ToString());
  }
}

void WriteAddressFile(const std::string& data_dir, const std::string& host, uint16_t port) {
  // Tools and tests that start the server on port 0 read the bound address from here.
  std::string path = data_dir + "/listen.addr";
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << host << ":" << port << "\n";
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int RunServe(const ServeFlags& flags) {
  auto logger = spdlog::stderr_color_mt("ballast");
  spdlog::set_default_logger(logger);

  Result<ServerConfig> config = flags.config_path ? LoadServerConfigFile(*flags.config_path)
                                                  : Result<ServerConfig>(ServerConfig{});
  if (config) config = ApplyFlags(std::move(*config), flags);
  if (!config) {
    std::cerr << "error: " << config.error().message() << "\n";
    return 1;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  auto address = ParseListenAddress(config->listen);
  if (!address) {
    std::cerr << "error: " << address.error().message() << "\n";
    return 1;
  }
  bool auth_on = config->auth.mode == AuthMode::kOn ||
                 (config->auth.mode == AuthMode::kAuto && !IsLoopback(*address));

  App app;
  app.config = *config;
  app.metrics = std::make_unique<ServerMetrics>();

  std::error_code fs_ec;
  std::filesystem::create_directories(app.config.store.data_dir, fs_ec);
  store::StoreOptions so;
  so.data_dir = app.config.store.data_dir;
  so.writer_queue_capacity = app.config.store.writer_queue_capacity;
  so.max_group_size = app.config.store.max_group_size;
  so.read_connections = app.config.store.read_connections;
  so.clock = app.clock;
  so.observer = app.metrics.get();
  auto opened = store::OpenSqliteStore(so);
  if (!opened) {
    std::cerr << "error: cannot open store in " << so.data_dir << ": " << opened.error().message()
              << "\n";
    return 1;
  }
  app.store = std::move(*opened);

  auto keys = app.store->Telemetry().LoadSeriesKeys();
  if (!keys) {
    std::cerr << "error: loading series keys: " << keys.error().message() << "\n";
    return 1;
  }
  telemetry::SeriesKeyRegistryOptions key_options;
  key_options.max_keys_per_service = app.config.ingest.max_series_per_service;
  app.series_keys = std::make_unique<telemetry::SeriesKeyRegistry>(key_options);
  app.request_join = std::make_unique<telemetry::RequestJoin>(
      static_cast<size_t>(app.config.ingest.evaluation_join_requests));
  for (const auto& row : *keys) {
    if (Status st = app.series_keys->Seed(row.id, row.key); !st.ok()) {
      std::cerr << "error: loading series keys: " << st.message() << "\n";
      return 1;
    }
  }

  app.slo = std::make_unique<SloRuntime>(*app.store, *app.clock, app.config.slo);
  if (auto started = app.slo->Start(); !started) {
    std::cerr << "error: loading SLOs: " << started.error().message() << "\n";
    return 1;
  }
  app.JoinEvaluatedServices();
  notify::WebhookOptions wo;
  wo.max_attempts = app.config.notifications.max_attempts;
  wo.initial_backoff = std::chrono::milliseconds(app.config.notifications.initial_backoff_ms);
  wo.max_backoff = std::chrono::milliseconds(app.config.notifications.max_backoff_ms);
  wo.attempt_timeout = std::chrono::milliseconds(app.config.notifications.timeout_ms);
  wo.queue_capacity = static_cast<size_t>(app.config.notifications.queue);
  wo.external_url = app.config.notifications.external_url;
  auto notifier = notify::WebhookNotifier::Create(wo, nullptr, app.clock);
  if (!notifier) {
    std::cerr << "error: notifications: " << notifier.error().message() << "\n";
    return 1;
  }
  app.notifier = std::move(*notifier);
  app.alerting = std::make_unique<SloAlerting>(*app.slo, app.notifier.get(),
                                               app.config.notifications.external_url);
  if (auto state = app.store->Slos().LoadSloState(); !state) {
    std::cerr << "error: loading alert state: " << state.error().message() << "\n";
    return 1;
  } else if (Status st = app.alerting->Restore(*state); !st.ok()) {
    // A damaged alert state must not keep the server down: alerts re-derive from the series.
    spdlog::warn("alert state not restored ({}); alerts start inactive", st.message());
  }
  app.lifecycle = std::make_unique<LifecycleAlerting>(*app.store, *app.slo, app.notifier.get(),
                                                      app.config.notifications.external_url);
  if (Status st = app.lifecycle->Restore(); !st.ok()) {
    spdlog::warn("lifecycle alert state not restored ({}); lifecycle alerts start empty",
                 st.message());
  }
  app.slo->set_tick_hook([&app](EpochMillis now) {
    app.alerting->Tick(now);
    app.lifecycle->Tick(now);
  });
  app.slo->set_state_source([&app] { return app.alerting->Serialize(); });
  app.alerts_for = [&app](const std::string& slo) { return app.alerting->FiringCount(slo); };

  app.auth = std::make_unique<Authenticator>(auth_on, app.store->Tokens(), *app.clock);
  std::string token_path = app.config.store.data_dir + "/admin.token";
  auto boot = app.auth->EnsureBootstrapToken(token_path);
  if (!boot) {
    std::cerr << "error: bootstrap token: " << boot.error().message() << "\n";
    return 1;
  }
  if (*boot)
    spdlog::warn("auth is on and no token existed: an admin token was written to {}", token_path);

  app.blocking_pool = std::make_unique<asio::thread_pool>(
      static_cast<size_t>(std::max(2, app.config.store.read_connections)));
  AddOpsRoutes(app);
  AddTokenRoutes(app);
  AddTelemetryRoutes(app);
  AddSloRoutes(app);
  AddMlflowRoutes(app);
  AddModelCardRoutes(app);  // before the registry: /v1/models/retiring is not a model
  AddRegistryRoutes(app);
  AddPromptRoutes(app);
  AddEvalRoutes(app);
  AddLineageRoutes(app);

  asio::io_context ioc(app.config.io_threads);
  HttpServer http(ioc, app.config.limits, [&app](HttpRequest& r) { return app.Dispatch(r); });
  app.http = &http;
  app.metrics->AddScrapeGauge(
      "ballast_store_writer_queue_depth", "Writes waiting for the store's writer thread",
      [&app] { return static_cast<double>(app.store->WriterQueueDepth()); });
  app.metrics->AddScrapeGauge("ballast_http_open_connections", "Open HTTP connections",
                              [&http] { return static_cast<double>(http.stats().open.load()); });
  app.metrics->AddScrapeGauge("ballast_http_connections_refused",
                              "Connections refused because limits.max_connections was reached",
                              [&http] { return static_cast<double>(http.stats().refused.load()); });
  app.metrics->AddScrapeGauge(
      "ballast_http_timeouts", "Connections closed because a client was idle or too slow",
      [&http] { return static_cast<double>(http.stats().timed_out.load()); });
  app.metrics->AddScrapeGauge("ballast_telemetry_series_keys",
                              "Known (service, variant, model, prompt) keys",
                              [&app] { return static_cast<double>(app.series_keys->size()); });
  app.metrics->AddScrapeGauge(
      "ballast_telemetry_series_keys_folded",
      "Events whose new key was folded into 'other' by the per-service cap",
      [&app] { return static_cast<double>(app.series_keys->folded_events()); });

  app.metrics->AddScrapeText([&app] { return RenderSloMetrics(app); });
  for (auto [name, help, field] :
       {std::tuple{"ballast_notifications_delivered", "Webhook deliveries answered with 2xx",
                   &notify::DeliveryStats::delivered},
        std::tuple{"ballast_notifications_attempts", "Webhook POSTs attempted",
                   &notify::DeliveryStats::attempts},
        std::tuple{"ballast_notifications_retries", "Webhook attempts retried after a failure",
                   &notify::DeliveryStats::retries},
        std::tuple{"ballast_notifications_dead_lettered", "Webhook deliveries given up on",
                   &notify::DeliveryStats::dead_lettered},
        std::tuple{"ballast_notifications_dropped", "Webhook deliveries dropped (queue full)",
                   &notify::DeliveryStats::dropped},
        std::tuple{"ballast_notifications_queue_depth", "Webhook deliveries pending",
                   &notify::DeliveryStats::queue_depth}}) {
    app.metrics->AddScrapeGauge(name, help, [&app, field = field] {
      return static_cast<double>(app.notifier->Stats().*field);
    });
  }

  auto port = http.Listen(*address);
  if (!port) {
    std::cerr << "error: " << port.error().message() << "\n";
    return 1;
  }
  http.Start();
  app.ready = true;
  WriteAddressFile(app.config.store.data_dir, address->host, *port);
  spdlog::info("ballast listening on http://{}:{} (data {}, auth {})", address->host, *port,
               app.config.store.data_dir, auth_on ? "on" : "off");

  asio::co_spawn(ioc, PruneLoop(app), asio::detached);
  app.slo->StartEvaluating();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  std::thread shutdown_thread;
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: draining", signo);
    http.BeginShutdown();
    shutdown_thread = std::thread([&] {
      bool drained = http.WaitDrained(app.config.limits.drain_timeout_ms);
      if (!drained) spdlog::warn("drain timeout: closing with requests in flight");
      app.slo->Stop();  // last snapshot, while the writer still runs
      app.notifier->Shutdown(std::chrono::seconds(5));
      app.store->Close();
      ioc.stop();
    });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < app.config.io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  if (shutdown_thread.joinable()) shutdown_thread.join();
  app.blocking_pool->join();
  app.slo->Stop();
  app.notifier->Shutdown(std::chrono::seconds(0));
  app.store->Close();
  spdlog::info("stopped");
  return 0;
}

}  // namespace ballast::server

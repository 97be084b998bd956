// ServerConfig: everything `ballast serve` can be told, from the YAML file of DESIGN.md §5
// (documented setting by setting in examples/ballast.yaml) and then from command-line flags.
//
// Loading is strict: an unknown key, a wrong type or an out-of-range value is an error naming
// the file, line, column and key path ("ballast.yaml:12:5: limits.max_body_bytes: must be
// between 1024 and 1073741824"), never a silent default.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/serve.h"

namespace ballast::server {

enum class AuthMode { kAuto, kOn, kOff };

struct LimitsConfig {
  int64_t max_body_bytes = 16 << 20;          // compressed or not, as sent
  int64_t max_decompressed_bytes = 64 << 20;  // gzip bodies once inflated
  int64_t max_header_bytes = 16 << 10;
  int max_connections = 1024;
  int64_t idle_timeout_ms = 60'000;          // keep-alive wait for the next request
  int64_t request_read_timeout_ms = 30'000;  // to read one request's headers and body
  int64_t drain_timeout_ms = 30'000;         // shutdown: wait for in-flight requests
};

struct StoreConfig {
  std::string data_dir = "./data";
  int writer_queue_capacity = 4096;
  int max_group_size = 512;
  int read_connections = 4;
};

struct IngestConfig {
  int64_t accept_past_ms = 7LL * 86'400'000;  // now - 7d
  int64_t accept_future_ms = 5LL * 60'000;    // now + 5m
  int max_series_per_service = 10'000;
  // Recent request ids remembered so a later evaluation event is counted under its request's
  // variant, model and prompt (telemetry/request_join.h); 0 turns the join off.
  int64_t evaluation_join_requests = 1'000'000;
};

struct RetentionConfig {
  int64_t idempotency_ms = 24LL * 3'600'000;
  int64_t minute_rollups_ms = 7LL * 86'400'000;
};

struct SloConfig {
  int64_t evaluation_interval_ms = 10'000;  // slices closed and alerts evaluated this often
  int64_t snapshot_interval_ms = 60'000;    // series state folded into snapshots this often
  int min_events = 10;                      // alert guard: events in the short window
  int max_variants = 16;                    // per objective; more fold into "other"
};

struct NotificationsConfig {
  int max_attempts = 8;                // per delivery, the first included
  int64_t initial_backoff_ms = 1'000;  // doubles per retry
  int64_t max_backoff_ms = 60'000;     // also caps a Retry-After
  int64_t timeout_ms = 10'000;         // per attempt
  int queue = 1000;                    // pending deliveries; the oldest is dropped beyond
  std::string external_url;            // ballast's public URL, for links in notifications
};

struct AuthConfig {
  AuthMode mode = AuthMode::kAuto;
  bool metrics_public = false;  // let /metrics be scraped without a token
};

struct ServerConfig {
  std::string listen = "127.0.0.1:7410";
  int io_threads = 2;
  std::string log_level = "info";
  LimitsConfig limits;
  StoreConfig store;
  IngestConfig ingest;
  RetentionConfig retention;
  SloConfig slo;
  NotificationsConfig notifications;
  AuthConfig auth;
};

// Parses YAML text; `source` names the file in error messages.
Result<ServerConfig> ParseServerConfig(const std::string& yaml_text, const std::string& source);
Result<ServerConfig> LoadServerConfigFile(const std::string& path);
// Applies flags over a loaded configuration and validates the result.
Result<ServerConfig> ApplyFlags(ServerConfig config, const ServeFlags& flags);

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:7410", "[::1]:0", "0.0.0.0:80", ":7410" (all interfaces).
Result<ListenAddress> ParseListenAddress(const std::string& text);
// True when every address the server binds is a loopback address.
bool IsLoopback(const ListenAddress& address);

}  // namespace ballast::server

// HttpServer: the Boost.Beast HTTP/1.1 server. One coroutine per connection, on its own strand;
// requests are translated to HttpRequest and passed to a dispatch function.
//
// Limits (LimitsConfig): header size (431), body size (413, checked against Content-Length
// before the body is read), connection count (503 to connections past it), time to read one
// request (slow clients are cut off) and keep-alive idle time.
//
// Shutdown: BeginShutdown() stops accepting, closes idle connections at once and lets each busy
// connection finish its current request (answered with Connection: close). WaitDrained() returns
// when no connection is left or the drain timeout passed.
//
// Thread safety: Listen/Start/BeginShutdown from any one thread; the io_context may run on
// several threads.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "common/status.h"
#include "server/config.h"
#include "server/http.h"

namespace ballast::server {

using Dispatch = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// Connection-level observations for /metrics.
struct ConnectionStats {
  std::atomic<int64_t> open{0};
  std::atomic<int64_t> refused{0};    // past max_connections
  std::atomic<int64_t> timed_out{0};  // slow or idle clients cut off
  std::atomic<int64_t> too_large{0};  // 413 and 431 answers
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, LimitsConfig limits, Dispatch dispatch);
  ~HttpServer();

  // Binds and listens; returns the bound port (useful with port 0).
  Result<uint16_t> Listen(const ListenAddress& address);
  // Starts the accept loop on the io_context.
  void Start();
  void BeginShutdown();
  // Blocks until every connection closed or `timeout_ms` passed; true if drained.
  bool WaitDrained(int64_t timeout_ms);

  const ConnectionStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ConnectionStats stats_;
};

}  // namespace ballast::server

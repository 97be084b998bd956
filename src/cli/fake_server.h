// FakeBallastServer: a tiny in-process httplib::Server on 127.0.0.1, port 0, standing in for a
// ballast server in the CLI's tests. Handlers are registered by the test; every request is
// recorded (method, decoded path with query, headers, body as the server decoded it) for
// assertions.
//
// Thread safety: handlers run on the server's threads; Requests() copies under a mutex.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ballast::cli {

struct RecordedRequest {
  std::string method;
  std::string path;  // with the query string
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class FakeBallastServer {
 public:
  FakeBallastServer() = default;
  ~FakeBallastServer() { Stop(); }

  // Registers a handler that records the request first (before the answer is written, so a
  // test that got its answer always sees the request recorded).
  void Get(const std::string& pattern, httplib::Server::Handler handler) {
    server_.Get(pattern, Recording(std::move(handler)));
  }
  void Post(const std::string& pattern, httplib::Server::Handler handler) {
    server_.Post(pattern, Recording(std::move(handler)));
  }
  void Delete(const std::string& pattern, httplib::Server::Handler handler) {
    server_.Delete(pattern, Recording(std::move(handler)));
  }

  // Starts listening; call after registering handlers.
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server::Handler Recording(httplib::Server::Handler handler) {
    return
        [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
          std::string query;
          for (const auto& [k, v] : req.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
          {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back({req.method, req.path + query, req.headers, req.body});
          }
          handler(req, res);
        };
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace ballast::cli

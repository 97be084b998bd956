// Integration-test harness: runs the real `ballast serve` binary as a child process on port 0
// with a temporary data directory, and talks to it over HTTP (cpp-httplib).
//
//   ServerProcess server;               // temp dir, auth per `options`
//   ASSERT_TRUE(server.Start());
//   auto res = server.Client().Get("/healthz");
//
// Thread safety: one test thread; Client() objects may be used from other threads.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ballast::testing {

class ServerProcess {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // e.g. {"--config", path}
    std::string config_yaml;              // written to DATA/../ballast.yaml when non-empty
    int port = 0;                         // fixed port across restarts; 0 picks a free one
  };
  ServerProcess();
  explicit ServerProcess(Options options);
  ~ServerProcess();

  // Starts the server (keeping the data directory between starts) and waits until it answers
  // /readyz. False on failure, with the server's stderr in last_log().
  bool Start();
  // SIGTERM and wait; returns the exit status.
  int Stop();
  // SIGKILL and wait: simulates a crash.
  void Kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::unique_ptr<httplib::Client> Client() const;
  std::string last_log() const;

 private:
  Options options_;
  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A TCP port that was free a moment ago on 127.0.0.1.
int FreePort();

// Path of the ballast binary under test.
std::string BallastBinary();
// Runs `ballast args...` with optional stdin, capturing stdout/stderr; returns the exit code.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunBallast(const std::vector<std::string>& args, const std::string& stdin_text = "",
                         const std::vector<std::string>& env = {});

// Source tree root (for tests/data and ../shared).
std::filesystem::path SourceDir();

// An RFC 3339 time `seconds_ago` before now, for events inside the accept window.
std::string TimeAgo(int seconds_ago);

// A webhook receiver for notification tests: accepts POST /hook on a free loopback port and
// keeps every body.
class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  int port() const { return port_; }
  std::vector<std::string> bodies();

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

}  // namespace ballast::testing

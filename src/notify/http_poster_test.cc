// The real transport against a local httplib::Server, end to end through WebhookNotifier.
#include "notify/http_poster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "notify/webhook_notifier.h"

namespace ballast::notify {
namespace {

using namespace std::chrono_literals;

// A webhook receiver on 127.0.0.1 and a port chosen by the kernel.
class Receiver {
 public:
  struct Request {
    std::string path;
    std::string body;
    std::string content_type;
    std::string user_agent;
  };

  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      int n;
      {
        std::lock_guard lock(mu_);
        requests_.push_back({req.path, req.body, req.get_header_value("Content-Type"),
                             req.get_header_value("User-Agent")});
        n = static_cast<int>(requests_.size());
      }
      if (n <= fail_first_) {
        res.status = 503;
        res.set_content("try later", "text/plain");
      } else {
        res.status = 200;
      }
    });
    server_.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.status = 200;
    });
    server_.Post("/gone", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("no such hook", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  void FailFirst(int n) { fail_first_ = n; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> fail_first_{0};
  std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// A loopback port nothing listens on: bound (never listened) then closed.
int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

TEST(HttplibPosterTest, PostsAndReportsTheStatus) {
  Receiver receiver;
  HttplibPoster poster;
  auto answer =
      poster.Post(receiver.Url("/gone"), "{}", {{"Content-Type", "application/json"}}, 2000ms);
  ASSERT_TRUE(answer) << answer.error().ToString();
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->body, "no such hook");
}

TEST(HttplibPosterTest, ConnectionRefusedIsUnavailable) {
  int port = UnusedPort();
  ASSERT_GT(port, 0);
  HttplibPoster poster;
  auto start = std::chrono::steady_clock::now();
  auto answer = poster.Post("http://127.0.0.1:" + std::to_string(port) + "/hook", "{}", {}, 2000ms);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), StatusCode::kUnavailable) << answer.error().ToString();
  EXPECT_NE(answer.error().message().find("connection refused"), std::string::npos)
      << answer.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);  // refused, not timed out
}

TEST(HttplibPosterTest, TimeoutIsUnavailable) {
  Receiver receiver;
  HttplibPoster poster;
  auto start = std::chrono::steady_clock::now();
  auto answer = poster.Post(receiver.Url("/slow"), "{}", {}, 200ms);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);
}

TEST(HttplibPosterTest, HttpsIsSupportedByThisBuild) {
  // TLS against a plain-HTTP port: the handshake fails, which shows the https client exists
  // (a build without OpenSSL would refuse the URL as unusable instead).
  Receiver receiver;
  HttplibPoster poster;
  std::string url = receiver.Url("/hook");
  url.replace(0, 4, "https");
  auto answer = poster.Post(url, "{}", {}, 2000ms);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), StatusCode::kUnavailable) << answer.error().ToString();
  EXPECT_TRUE(receiver.Requests().empty());
}

TEST(HttplibPosterTest, BadUrlIsInvalidArgument) {
  HttplibPoster poster;
  auto answer = poster.Post("gopher://x/y", "{}", {}, 100ms);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), StatusCode::kInvalidArgument);
}

TEST(WebhookEndToEndTest, AlertmanagerPayloadDeliveredAfterA503) {
  Receiver receiver;
  receiver.FailFirst(1);
  WebhookOptions options;
  options.initial_backoff = 20ms;
  options.max_backoff = 100ms;
  options.attempt_timeout = 2000ms;
  options.external_url = "https://ballast.example.com";
  auto notifier = WebhookNotifier::Create(options);
  ASSERT_TRUE(notifier) << notifier.error().ToString();

  Alert alert;
  alert.status = "firing";
  alert.labels = {{"alertname", "SLOBurnRateHigh"}, {"slo", "chat-availability"}};
  alert.annotations = {{"summary", "burning fast"}};
  alert.starts_at = 1'772'360'100'000;  // 2026-03-01T10:15:00Z
  auto target = MakeTarget("oncall", receiver.Url("/hook"), {});
  ASSERT_TRUE(target);
  (*notifier)->Notify(*target, {alert});
  EXPECT_EQ((*notifier)->Shutdown(5000ms), 0u);  // flushes, retry included

  DeliveryStats stats = (*notifier)->Stats();
  EXPECT_EQ(stats.delivered, 1u);
  EXPECT_EQ(stats.attempts, 2u);
  EXPECT_EQ(stats.retries, 1u);
  auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_EQ(requests[1].content_type, "application/json");
  EXPECT_EQ(requests[1].user_agent, DefaultUserAgent());
  auto body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["version"], "4");
  EXPECT_EQ(body["receiver"], "oncall");
  EXPECT_EQ(body["status"], "firing");
  EXPECT_EQ(body["externalURL"], "https://ballast.example.com");
  EXPECT_EQ(body["groupKey"], "{}:{alertname=\"SLOBurnRateHigh\", slo=\"chat-availability\"}");
  ASSERT_EQ(body["alerts"].size(), 1u);
  EXPECT_EQ(body["alerts"][0]["startsAt"], "2026-03-01T10:15:00.000Z");
  EXPECT_EQ(body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(body["alerts"][0]["annotations"]["summary"], "burning fast");
}

}  // namespace
}  // namespace ballast::notify

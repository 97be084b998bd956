// Operations routes, routing errors and HTTP limits against the real server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

// A raw TCP connection, for requests httplib will not send (huge Content-Length, slow bytes).
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until the peer closes or the timeout passes.
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, n);
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class OpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerProcess::Options options;
    options.config_yaml =
        "limits:\n  max_body_bytes: 1MiB\n  request_read_timeout: 1s\n  idle_timeout: 2s\n";
    server_ = new ServerProcess(options);
    ASSERT_TRUE(server_->Start()) << server_->last_log();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* OpsTest::server_ = nullptr;

TEST_F(OpsTest, HealthAndReadiness) {
  auto cli = server_->Client();
  auto h = cli->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
  auto r = cli->Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(json::parse(r->body)["schema_version"].get<int>(), 1);
}

TEST_F(OpsTest, MetricsArePrometheusTextWithBallastSeries) {
  auto cli = server_->Client();
  ASSERT_TRUE(cli->Get("/healthz"));
  auto m = cli->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(m->body.find("ballast_http_requests_total{"), std::string::npos);
  EXPECT_NE(m->body.find("route=\"/healthz\""), std::string::npos);
  EXPECT_NE(m->body.find("ballast_store_writer_queue_depth"), std::string::npos);
  EXPECT_NE(m->body.find("ballast_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(OpsTest, UnknownRouteIsJsonNotFound) {
  auto res = server_->Client()->Get("/v1/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "NOT_FOUND");
}

TEST_F(OpsTest, WrongMethodIs405WithAllow) {
  auto res = server_->Client()->Delete("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
}

TEST_F(OpsTest, HugeDeclaredBodyIsRefusedBeforeReading) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  // Declares 1 GB but sends only a few bytes: the answer must come at once, not after 1 GB.
  ASSERT_TRUE(c.Send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                     "Content-Length: 1073741824\r\n\r\n{\"time\":"));
  std::string answer = c.ReadAll();
  EXPECT_NE(answer.find("413"), std::string::npos) << answer;
  EXPECT_NE(answer.find("PAYLOAD_TOO_LARGE"), std::string::npos);
  auto h = server_->Client()->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST_F(OpsTest, ChunkedBodyPastTheLimitIs413) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string chunk(256 * 1024, 'x');
  char head[32];
  std::snprintf(head, sizeof head, "%zx\r\n", chunk.size());
  for (int i = 0; i < 8; ++i) {
    if (!c.Send(head + chunk + "\r\n")) break;
  }
  std::string answer = c.ReadAll();
  EXPECT_NE(answer.find("413"), std::string::npos) << answer.substr(0, 200);
}

TEST_F(OpsTest, SlowClientIsCutOffAndOthersAreServed) {
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send("POST /v1/events HTTP/1.1\r\nHost: x\r\n"));
  // Meanwhile, others are served.
  auto h = server_->Client()->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto start = std::chrono::steady_clock::now();
  // The server closes the connection after request_read_timeout (1 s); the client's own
  // receive timeout is 10 s, so returning early proves the server hung up.
  std::string answer = slow.ReadAll();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer, "");
  EXPECT_LT(waited, std::chrono::seconds(8));
  // The counter is bumped by the server after it has hung up, so the client can see the close
  // first: poll briefly instead of reading /metrics once.
  bool counted = false;
  for (int i = 0; i < 50 && !counted; ++i) {
    auto metrics = server_->Client()->Get("/metrics");
    ASSERT_TRUE(metrics);
    counted = metrics->body.find("ballast_http_timeouts ") != std::string::npos &&
              metrics->body.find("ballast_http_timeouts 0\n") == std::string::npos;
    if (!counted) std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  EXPECT_TRUE(counted) << "ballast_http_timeouts stayed 0 after the slow client was cut off";
}

TEST_F(OpsTest, HugeHeaderIs431) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
                     "\r\n\r\n"));
  std::string answer = c.ReadAll();
  EXPECT_NE(answer.find("431"), std::string::npos) << answer.substr(0, 200);
}

TEST_F(OpsTest, MalformedRequestLineIs400) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::string answer = c.ReadAll();
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
}

TEST(ServeTest, ConnectionsPastTheLimitGet503) {
  ServerProcess::Options options;
  options.config_yaml = "limits:\n  max_connections: 2\n  idle_timeout: 30s\n";
  ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.last_log();
  // Start() polled /readyz; give that connection time to close before filling the slots.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.connected());
  ASSERT_TRUE(b.connected());
  ASSERT_TRUE(a.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both are now open and idle
  RawConnection c(server.port());
  ASSERT_TRUE(c.connected());
  std::string answer = c.ReadAll();
  EXPECT_NE(answer.find("503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Retry-After"), std::string::npos) << answer;
}

TEST(ServeTest, InvalidConfigExitsWithClearError) {
  ServerProcess::Options options;
  options.config_yaml = "limits:\n  max_body_byte: 10\n";
  ServerProcess server(options);
  EXPECT_FALSE(server.Start());
  EXPECT_NE(server.last_log().find("limits.max_body_byte"), std::string::npos) << server.last_log();
  EXPECT_NE(server.last_log().find(":2:3"), std::string::npos) << server.last_log();
}

TEST(ServeTest, SigtermDrainsAndExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.Start()) << server.last_log();
  EXPECT_EQ(server.Stop(), 0) << server.last_log();
  // Restart on the same data directory works (the store was closed cleanly).
  ASSERT_TRUE(server.Start()) << server.last_log();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServeTest, ExampleConfigurationLoads) {
  auto r = RunBallast({"serve", "--config", (SourceDir() / "examples/ballast.yaml").string(),
                       "--listen", "127.0.0.1:99999"});
  // The example itself is valid: the only complaint is the bad port given on the command line.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("port must be a number from 0 to 65535"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ballast::testing

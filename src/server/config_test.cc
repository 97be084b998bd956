#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ballast::server {
namespace {

TEST(ServerConfigTest, EmptyFileGivesDefaults) {
  auto c = ParseServerConfig("", "x.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->listen, "127.0.0.1:7410");
  EXPECT_EQ(c->limits.max_body_bytes, 16 << 20);
  EXPECT_EQ(c->auth.mode, AuthMode::kAuto);
}

TEST(ServerConfigTest, ExampleFileIsValidAndMatchesDefaults) {
  const char* src = std::getenv("BALLAST_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto c = LoadServerConfigFile(std::string(src) + "/examples/ballast.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  ServerConfig d;
  EXPECT_EQ(c->limits.max_body_bytes, d.limits.max_body_bytes);
  EXPECT_EQ(c->limits.idle_timeout_ms, d.limits.idle_timeout_ms);
  EXPECT_EQ(c->ingest.accept_past_ms, d.ingest.accept_past_ms);
  EXPECT_EQ(c->ingest.accept_future_ms, d.ingest.accept_future_ms);
  EXPECT_EQ(c->ingest.evaluation_join_requests, d.ingest.evaluation_join_requests);
  EXPECT_EQ(c->retention.idempotency_ms, d.retention.idempotency_ms);
  EXPECT_EQ(c->store.writer_queue_capacity, d.store.writer_queue_capacity);
}

TEST(ServerConfigTest, ParsesSizesAndDurations) {
  auto c = ParseServerConfig(
      "limits:\n  max_body_bytes: 2MiB\n  idle_timeout: 90s\n"
      "ingest:\n  accept_window:\n    past: 2d\n    future: 1m\nauth:\n  mode: on\n",
      "x.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->limits.max_body_bytes, 2 << 20);
  EXPECT_EQ(c->limits.idle_timeout_ms, 90'000);
  EXPECT_EQ(c->ingest.accept_past_ms, 2 * 86'400'000LL);
  EXPECT_EQ(c->ingest.accept_future_ms, 60'000);
  EXPECT_EQ(c->auth.mode, AuthMode::kOn);
}

struct BadCase {
  const char* yaml;
  const char* field;
  const char* message_part;
};

class ServerConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ServerConfigErrorTest, NamesFieldAndPosition) {
  auto c = ParseServerConfig(GetParam().yaml, "conf.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.error().field(), GetParam().field) << c.error().ToString();
  EXPECT_NE(c.error().message().find(GetParam().message_part), std::string::npos)
      << c.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServerConfigErrorTest,
    ::testing::Values(
        BadCase{"limits:\n  max_body_byte: 1\n", "limits.max_body_byte", "conf.yaml:2:3"},
        BadCase{"limits:\n  max_body_bytes: lots\n", "limits.max_body_bytes", "expected a size"},
        BadCase{"limits:\n  max_body_bytes: 10\n", "limits.max_body_bytes", "between"},
        BadCase{"limits:\n  max_body_bytes: 3XB\n", "limits.max_body_bytes", "unknown size unit"},
        BadCase{"limits:\n  idle_timeout: 1M\n", "limits.idle_timeout", "calendar"},
        BadCase{"limits:\n  idle_timeout: soon\n", "limits.idle_timeout", "invalid duration"},
        BadCase{"limits: 5\n", "limits", "expected a mapping"},
        BadCase{"io_threads: 0\n", "io_threads", "between 1 and 64"},
        BadCase{"ingest:\n  evaluation_join_requests: -1\n", "ingest.evaluation_join_requests",
                "between 0 and"},
        BadCase{"auth:\n  mode: maybe\n", "auth.mode", "auto, on or off"},
        BadCase{"auth:\n  metrics_public: yes please\n", "auth.metrics_public", "true or false"},
        BadCase{"listen: nowhere\n", "listen", "HOST:PORT"},
        BadCase{"log:\n  level: loud\n", "log.level", "not one of"},
        BadCase{"limits:\n  max_body_bytes: 1MiB\n  max_decompressed_bytes: 4KiB\n",
                "limits.max_decompressed_bytes", "at least"},
        BadCase{"slo:\n  evaluation_interval: 10ms\n", "slo.evaluation_interval", "between"},
        BadCase{"slo:\n  max_variants: 0\n", "slo.max_variants", "between"},
        BadCase{"slo:\n  tick: 1s\n", "slo.tick", "unknown"},
        BadCase{"notifications:\n  max_attempts: 0\n", "notifications.max_attempts", "between"},
        BadCase{"notifications:\n  initial_backoff: 10s\n  max_backoff: 1s\n",
                "notifications.max_backoff", "at least"}));

TEST(ServerConfigTest, SloAndNotificationSettings) {
  auto c = ParseServerConfig(
      "slo:\n  evaluation_interval: 5s\n  snapshot_interval: 2m\n  min_events: 20\n"
      "notifications:\n  max_attempts: 3\n  initial_backoff: 500ms\n  max_backoff: 30s\n"
      "  external_url: https://ballast.example.com\n",
      "x.yaml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->slo.evaluation_interval_ms, 5'000);
  EXPECT_EQ(c->slo.snapshot_interval_ms, 120'000);
  EXPECT_EQ(c->slo.min_events, 20);
  EXPECT_EQ(c->notifications.max_attempts, 3);
  EXPECT_EQ(c->notifications.initial_backoff_ms, 500);
  EXPECT_EQ(c->notifications.max_backoff_ms, 30'000);
  EXPECT_EQ(c->notifications.external_url, "https://ballast.example.com");
}

TEST(ServerConfigTest, MalformedYamlNamesLine) {
  auto c = ParseServerConfig("limits:\n  a: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("bad.yaml:"), std::string::npos) << c.error().message();
}

TEST(ServerConfigTest, FlagsOverrideFile) {
  auto c = ParseServerConfig("listen: 127.0.0.1:1\nstore:\n  data_dir: /a\n", "x");
  ASSERT_TRUE(c);
  ServeFlags flags;
  flags.listen = "0.0.0.0:9";
  flags.data_dir = "/b";
  auto applied = ApplyFlags(*c, flags);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->listen, "0.0.0.0:9");
  EXPECT_EQ(applied->store.data_dir, "/b");
  flags.listen = "0.0.0.0:70000";
  EXPECT_FALSE(ApplyFlags(*c, flags));
}

TEST(ListenAddressTest, ParsesForms) {
  auto a = ParseListenAddress("127.0.0.1:7410");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7410);
  EXPECT_TRUE(IsLoopback(*a));
  auto v6 = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(IsLoopback(*v6));
  auto any = ParseListenAddress(":80");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_FALSE(IsLoopback(*any));
  EXPECT_FALSE(ParseListenAddress("[::1"));
  EXPECT_FALSE(ParseListenAddress("host:"));
  EXPECT_FALSE(ParseListenAddress("host:-1"));
}

}  // namespace
}  // namespace ballast::server

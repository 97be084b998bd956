#include "notify/alert.h"

#include <gtest/gtest.h>

#include "notify/fake_notifier.h"

namespace ballast::notify {
namespace {

TEST(AlertFingerprintTest, MatchesPrometheusLabelSetFingerprint) {
  // Values computed independently with Prometheus' algorithm (FNV-1a 64, 0xff separators).
  EXPECT_EQ(AlertFingerprint({}), "cbf29ce484222325");
  EXPECT_EQ(AlertFingerprint({{"alertname", "ProbeFailure"},
                              {"instance", "https://server.example.org"},
                              {"job", "http_checks"},
                              {"monitor", "master"},
                              {"severity", "critical"}}),
            "fe986f5dcb3e6510");
  EXPECT_EQ(AlertFingerprint({{"alertname", "Test"},
                              {"dc", "eu-west-1"},
                              {"instance", "localhost:9090"},
                              {"job", "prometheus24"}}),
            "4ca62d040e78b6d8");
}

TEST(AlertFingerprintTest, SeparatesNamesFromValues) {
  EXPECT_NE(AlertFingerprint({{"a", "bc"}}), AlertFingerprint({{"ab", "c"}}));
  EXPECT_NE(AlertFingerprint({{"a", "1"}}), AlertFingerprint({{"a", "2"}}));
}

TEST(ValidateAlertTest, StatusMustBeFiringOrResolved) {
  Alert a;
  a.status = "firing";
  EXPECT_TRUE(ValidateAlert(a, 0).ok());
  a.status = "resolved";
  EXPECT_TRUE(ValidateAlert(a, 0).ok());
  a.status = "pending";
  Status st = ValidateAlert(a, 3);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(st.field(), "alerts[3].status");
  EXPECT_NE(st.message().find("\"pending\""), std::string::npos);
}

TEST(FormatTest, SlackOnlyWhenAnnotated) {
  EXPECT_EQ(FormatFromAnnotations({}), Format::kAlertmanager);
  EXPECT_EQ(FormatFromAnnotations({{"ballast.dev/format", "slack"}}), Format::kSlack);
  EXPECT_EQ(FormatFromAnnotations({{"ballast.dev/format", "alertmanager"}}), Format::kAlertmanager);
  EXPECT_EQ(FormatFromAnnotations({{"ballast.dev/format", "Slack"}}), Format::kAlertmanager);
  EXPECT_EQ(FormatFromAnnotations({{"other", "slack"}}), Format::kAlertmanager);
}

TEST(FormatTest, ParseAndName) {
  EXPECT_EQ(*ParseFormat("slack"), Format::kSlack);
  EXPECT_EQ(*ParseFormat("alertmanager"), Format::kAlertmanager);
  EXPECT_EQ(FormatName(Format::kSlack), "slack");
  EXPECT_EQ(FormatName(Format::kAlertmanager), "alertmanager");
  auto bad = ParseFormat("teams");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "metadata.annotations.ballast.dev/format");
  EXPECT_NE(bad.error().message().find("expected slack or alertmanager"), std::string::npos);
}

TEST(WebhookUrlTest, AcceptsHttpAndHttps) {
  auto u = ParseWebhookUrl("https://hooks.slack.com/services/T0/B0/XYZ");
  ASSERT_TRUE(u) << u.error().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "hooks.slack.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/services/T0/B0/XYZ");
  EXPECT_EQ(u->SchemeHostPort(), "https://hooks.slack.com:443");

  u = ParseWebhookUrl("HTTP://Example.COM:9093");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 9093);
  EXPECT_EQ(u->target, "/");

  u = ParseWebhookUrl("http://[::1]:8080/hook?token=a%20b");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/hook?token=a%20b");

  u = ParseWebhookUrl("http://localhost?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/?x=1");
}

TEST(WebhookUrlTest, RefusesWithTheReason) {
  struct Case {
    const char* url;
    const char* expected;
  };
  const Case cases[] = {
      {"", "empty"},
      {"ftp://example.com/x", "unsupported scheme \"ftp\""},
      {"mailto:oncall@example.com", "not a URL"},
      {"hooks.slack.com/services/x", "not a URL"},
      {"https:///path", "no host"},
      {"http://:80/", "no host"},
      {"http://host:0/", "out of range"},
      {"http://host:65536/", "out of range"},
      {"http://host:99999999999/", "invalid port"},
      {"http://host:8o/", "invalid port"},
      {"http://host:/", "empty port"},
      {"http://user:pw@host/", "user information"},
      {"http://host/a#frag", "fragment"},
      {"http://host/a b", "position 13"},
      {"http://host/\n", "control character"},
      {"http://[::1/", "unterminated IPv6"},
      {"http://[::1]x/", "after the IPv6"},
  };
  for (const Case& c : cases) {
    auto u = ParseWebhookUrl(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_EQ(u.error().field(), "spec.target") << c.url;
    EXPECT_NE(u.error().message().find(c.expected), std::string::npos)
        << c.url << " -> " << u.error().message();
  }
}

TEST(WebhookUrlTest, ErrorsDoNotLeakThePath) {
  auto u = ParseWebhookUrl("ftp://hooks.example.com/services/SECRET");
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message().find("SECRET"), std::string::npos) << u.error().message();
}

TEST(RedactUrlTest, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(RedactUrl("https://hooks.slack.com/services/T0/B0/SECRET"),
            "https://hooks.slack.com/...");
  EXPECT_EQ(RedactUrl("http://localhost:9093"), "http://localhost:9093");
  EXPECT_EQ(RedactUrl("http://u:pw@host:1/x?y"), "http://host:1/...");
  EXPECT_EQ(RedactUrl("http://u:pw@host"), "http://host");
  EXPECT_EQ(RedactUrl("http://host?token=SECRET"), "http://host/...");
  EXPECT_EQ(RedactUrl("garbage SECRET"), "<not a URL>");
}

TEST(MakeTargetTest, BuildsFromAnAlertNotificationTarget) {
  auto t = MakeTarget("team-slack", "https://hooks.slack.com/services/x",
                      {{"ballast.dev/format", "slack"}});
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->name, "team-slack");
  EXPECT_EQ(t->format, Format::kSlack);

  t = MakeTarget("oncall", "http://am:9093/hook", {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->format, Format::kAlertmanager);

  EXPECT_EQ(MakeTarget("x", "ftp://a/b", {}).error().field(), "spec.target");
  EXPECT_EQ(MakeTarget("", "http://a/b", {}).error().field(), "metadata.name");
  EXPECT_FALSE(MakeTarget("x", "http://a/b", {{"ballast.dev/format", "teams"}}));
}

TEST(FakeNotifierTest, RecordsCallsInOrder) {
  FakeNotifier fake;
  Target t{"t", "http://x/", Format::kAlertmanager};
  Alert a;
  a.status = "firing";
  a.labels = {{"alertname", "A"}};
  Alert b = a;
  b.status = "resolved";
  fake.Notify(t, {a});
  fake.Notify(t, {b});
  ASSERT_EQ(fake.Calls().size(), 2u);
  EXPECT_EQ(fake.Calls()[0].target, t);
  EXPECT_EQ(fake.Alerts(), (std::vector<Alert>{a, b}));
  fake.Clear();
  EXPECT_TRUE(fake.Calls().empty());
}

}  // namespace
}  // namespace ballast::notify

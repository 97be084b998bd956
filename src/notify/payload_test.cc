#include "notify/payload.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/time.h"

namespace ballast::notify {
namespace {

using Json = nlohmann::ordered_json;

EpochMillis T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

Alert FastBurn() {
  Alert a;
  a.status = "firing";
  a.labels = {{"alertname", "SLOBurnRateHigh"},
              {"service", "assistant"},
              {"severity", "page"},
              {"slo", "chat-availability"},
              {"window", "1h"}};
  a.annotations = {{"summary", "chat-availability is burning its error budget 14.4x too fast"},
                   {"description", "Burn rate 16.2 over 1h and 15.1 over 5m (threshold 14.4)."}};
  a.starts_at = T("2026-03-01T10:15:00Z");
  a.generator_url = "https://ballast.example.com/slos/chat-availability";
  a.fingerprint = "3f1c0a9e8d7b6a51";
  return a;
}

Alert SlowBurn() {
  Alert a;
  a.status = "firing";
  a.labels = {{"alertname", "SLOBurnRateHigh"},
              {"service", "assistant"},
              {"severity", "page"},
              {"slo", "chat-availability"},
              {"window", "6h"}};
  a.annotations = {{"summary", "chat-availability is burning its error budget 6x too fast"},
                   {"description", "Burn rate 7.9 over 6h and 6.4 over 30m (threshold 6)."}};
  a.starts_at = T("2026-03-01T10:40:00.250Z");
  a.generator_url = "https://ballast.example.com/slos/chat-availability";
  // No fingerprint: the label set's Alertmanager fingerprint is sent.
  return a;
}

Alert Resolved(Alert a, const char* ends) {
  a.status = "resolved";
  a.ends_at = T(ends);
  return a;
}

PayloadContext Context() {
  PayloadContext c;
  c.receiver = "oncall-webhook";
  c.external_url = "https://ballast.example.com";
  return c;
}

std::string TestData(const std::string& name) {
  return std::string(BALLAST_NOTIFY_TESTDATA) + "/" + name;
}

// Compares with a golden file, key order included. BALLAST_UPDATE_GOLDENS=1 rewrites it.
void ExpectGolden(const Json& actual, const std::string& name) {
  std::string path = TestData(name);
  if (std::getenv("BALLAST_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(path) << actual.dump(2) << "\n";
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden " << path;
  std::stringstream text;
  text << in.rdbuf();
  Json expected = Json::parse(text.str());
  EXPECT_EQ(actual, expected) << name << " differs; actual:\n" << actual.dump(2);
}

TEST(AlertmanagerPayloadTest, GoldenTwoFiring) {
  ExpectGolden(AlertmanagerPayload({FastBurn(), SlowBurn()}, Context()),
               "alertmanager_firing.json");
}

TEST(AlertmanagerPayloadTest, GoldenMixedIsFiring) {
  ExpectGolden(
      AlertmanagerPayload({Resolved(FastBurn(), "2026-03-01T11:02:30Z"), SlowBurn()}, Context()),
      "alertmanager_mixed.json");
}

TEST(AlertmanagerPayloadTest, GoldenAllResolved) {
  ExpectGolden(AlertmanagerPayload({Resolved(FastBurn(), "2026-03-01T11:02:30Z")}, Context()),
               "alertmanager_resolved.json");
}

TEST(AlertmanagerPayloadTest, FieldsAlertmanagerReceiversRead) {
  Json j = AlertmanagerPayload({SlowBurn()}, Context());
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"receiver", "status", "alerts", "groupLabels",
                                            "commonLabels", "commonAnnotations", "externalURL",
                                            "version", "groupKey", "truncatedAlerts"}));
  keys.clear();
  for (const auto& [k, v] : j["alerts"][0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"status", "labels", "annotations", "startsAt", "endsAt",
                                            "generatorURL", "fingerprint"}));
  EXPECT_EQ(j["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(j["alerts"][0]["fingerprint"], AlertFingerprint(SlowBurn().labels));
}

TEST(AlertmanagerPayloadTest, TruncatesLikeMaxAlerts) {
  PayloadContext c = Context();
  c.max_alerts = 1;
  Json j = AlertmanagerPayload({Resolved(FastBurn(), "2026-03-01T11:00:00Z"), SlowBurn()}, c);
  EXPECT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["truncatedAlerts"], 1);
  // The group status still counts the alert that was cut.
  EXPECT_EQ(j["status"], "firing");
}

TEST(AlertmanagerPayloadTest, GroupKeyQuotesValues) {
  Alert a = SlowBurn();
  a.labels["slo"] = "say \"hi\"\\";
  Json j = AlertmanagerPayload({a}, Context());
  EXPECT_EQ(j["groupKey"],
            "{}:{alertname=\"SLOBurnRateHigh\", service=\"assistant\", "
            "slo=\"say \\\"hi\\\"\\\\\"}");
}

TEST(SlackPayloadTest, GoldenFiring) {
  Alert a = FastBurn();
  a.labels["objective"] = "99.5%";
  a.labels["team"] = "r&d <ml>";
  ExpectGolden(SlackPayload({a, SlowBurn()}, Context()), "slack_firing.json");
}

TEST(SlackPayloadTest, GoldenResolved) {
  ExpectGolden(SlackPayload({Resolved(FastBurn(), "2026-03-01T11:02:30Z")}, Context()),
               "slack_resolved.json");
}

TEST(SlackPayloadTest, EscapesControlCharactersButNotLinks) {
  Alert a = FastBurn();
  a.annotations["summary"] = "<!channel> p99 > 2s & rising";
  a.generator_url = "https://ballast.example.com/slos/x?a=1&b=2";
  Json j = SlackPayload({a}, Context());
  EXPECT_EQ(j["attachments"][0]["text"].get<std::string>().substr(0, 42),
            "&lt;!channel&gt; p99 &gt; 2s &amp; rising\n");
  EXPECT_EQ(j["attachments"][0]["title_link"], "https://ballast.example.com/slos/x?a=1&b=2");
}

TEST(SlackPayloadTest, SummarisesAlertsBeyondTheAttachmentLimit) {
  std::vector<Alert> alerts(kSlackMaxAttachments + 5, SlowBurn());
  Json j = SlackPayload(alerts, Context());
  EXPECT_EQ(j["attachments"].size(), kSlackMaxAttachments);
  EXPECT_EQ(j["text"],
            "[FIRING:25] SLOBurnRateHigh assistant chat-availability "
            "(+5 more alerts not shown)");
}

TEST(SlackPayloadTest, NamesTheAlertByRuleWithoutAlertname) {
  Alert a = SlowBurn();
  a.labels.erase("alertname");
  a.labels["rule"] = "page-6h-30m";
  Json j = SlackPayload({a}, Context());
  EXPECT_EQ(j["attachments"][0]["title"], "[FIRING] page-6h-30m");
  EXPECT_EQ(j["text"], "[FIRING:1] assistant chat-availability");
  a.labels.erase("rule");
  EXPECT_EQ(SlackPayload({a}, Context())["attachments"][0]["title"], "[FIRING] alert");
}

TEST(SlackPayloadTest, NoLinkWhenNoGeneratorUrl) {
  Alert a = SlowBurn();
  a.generator_url.clear();
  a.annotations.clear();
  Json j = SlackPayload({a}, Context());
  EXPECT_FALSE(j["attachments"][0].contains("title_link"));
  EXPECT_FALSE(j["attachments"][0].contains("text"));
}

TEST(RenderPayloadTest, InvalidUtf8BecomesReplacementCharacter) {
  Alert a = SlowBurn();
  a.labels["slo"] = "bad\xff\xfe";
  a.annotations["summary"] = "caf\xc3";  // truncated sequence
  for (Format f : {Format::kAlertmanager, Format::kSlack}) {
    std::string body = RenderPayload(f, {a}, Context());
    Json j = Json::parse(body);  // throws on invalid UTF-8
    EXPECT_NE(body.find("bad\xEF\xBF\xBD"), std::string::npos) << FormatName(f);
  }
}

TEST(RenderPayloadTest, PicksTheFormat) {
  Json am = Json::parse(RenderPayload(Format::kAlertmanager, {SlowBurn()}, Context()));
  Json slack = Json::parse(RenderPayload(Format::kSlack, {SlowBurn()}, Context()));
  EXPECT_EQ(am["version"], "4");
  EXPECT_FALSE(am.contains("attachments"));
  EXPECT_TRUE(slack.contains("attachments"));
  EXPECT_FALSE(slack.contains("version"));
}

TEST(TruncateUtf8Test, NeverSplitsASequence) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdefghij", 6), "abc\xE2\x80\xA6");
  // "é" is two bytes; a cut inside it backs up to before it.
  EXPECT_EQ(TruncateUtf8("ab\xC3\xA9xyz", 6), "ab\xE2\x80\xA6");
  EXPECT_EQ(TruncateUtf8("abcdef", 2), "");
  std::string long_text(5000, 'x');
  EXPECT_LE(TruncateUtf8(long_text, kSlackMaxTextBytes).size(), kSlackMaxTextBytes);
}

}  // namespace
}  // namespace ballast::notify

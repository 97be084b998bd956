// Model cards and provider lifecycle through the real server: card PUT/GET (YAML and JSON,
// If-Match), the Markdown rendering with eval results, GET /v1/models/retiring, lifecycle
// alerts in GET /v1/alerts and at a webhook (kept across a restart without a second
// notification, resolved when the alias moves off), and the CLI verbs over them.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

struct Answer {
  int status = 0;
  json body;
  std::string text;
  std::string etag;
  std::string content_type;
};

Answer Send(ServerProcess& s, const std::string& method, const std::string& path,
            const std::string& body = "", const std::string& type = "application/json",
            const httplib::Headers& headers = {}) {
  auto cli = s.Client();
  httplib::Result res = method == "POST"  ? cli->Post(path, headers, body, type)
                        : method == "PUT" ? cli->Put(path, headers, body, type)
                                          : cli->Get(path, headers);
  EXPECT_TRUE(res) << method << " " << path;
  Answer a;
  if (!res) return a;
  a.status = res->status;
  a.text = res->body;
  a.body = json::parse(res->body, nullptr, false);
  a.etag = res->get_header_value("ETag");
  a.content_type = res->get_header_value("Content-Type");
  return a;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string InDays(double days) {
  auto t = std::chrono::system_clock::now() +
           std::chrono::milliseconds(static_cast<int64_t>(days * kDayMs));
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

void CreateModel(ServerProcess& s, const std::string& name) {
  Answer a = Send(s, "POST", "/v1/models", json{{"name", name}}.dump());
  ASSERT_EQ(a.status, 201) << a.text;
}

void CreateVersion(ServerProcess& s, const std::string& model, json body) {
  if (!body.contains("source")) body["source"] = "gpt-4o-2024-08-06";
  Answer a = Send(s, "POST", "/v1/models/" + model + "/versions", body.dump());
  ASSERT_EQ(a.status, 201) << a.text;
}

void SetAlias(ServerProcess& s, const std::string& model, const std::string& alias, int v) {
  Answer a = Send(s, "PUT", "/v1/models/" + model + "/aliases/" + alias,
                  json{{"version", v}, {"reason", "test"}}.dump());
  ASSERT_EQ(a.status / 100, 2) << a.text;
}

TEST(ModelCardRoutesTest, PutGetIfMatchMarkdownAndErrors) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  CreateModel(s, "support-bot");
  CreateVersion(s, "support-bot",
                {{"lineage", {{"base_model", "llama-3-8b"}, {"datasets", {"tickets@1"}}}}});
  SetAlias(s, "support-bot", "production", 1);
  const std::string card_path = "/v1/models/support-bot/versions/1/card";

  EXPECT_EQ(Send(s, "GET", card_path).status, 404);
  const std::string yaml = ReadFile(SourceDir() / "examples/cards/support-bot.yaml");
  ASSERT_FALSE(yaml.empty());
  Answer put = Send(s, "PUT", card_path, yaml, "application/yaml");
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_EQ(put.body["model"], "support-bot");
  EXPECT_EQ(put.body["version"], 1);
  EXPECT_EQ(put.body["card"]["model_details"]["license"], "apache-2.0");
  const std::string etag = put.body["etag"];
  EXPECT_EQ(put.etag, "\"" + etag + "\"");

  // By alias, as JSON, with the same etag.
  Answer got = Send(s, "GET", "/v1/models/support-bot/versions/production/card");
  ASSERT_EQ(got.status, 200) << got.text;
  EXPECT_EQ(got.body["etag"], etag);
  EXPECT_EQ(got.body["card"], put.body["card"]);

  // A stale If-Match is refused and changes nothing; the current one replaces (JSON body).
  json changed = got.body["card"];
  changed["tags"] = {"changed"};
  Answer stale = Send(s, "PUT", card_path, changed.dump(), "application/json",
                      {{"If-Match", "\"0000000000000000\""}});
  EXPECT_EQ(stale.status, 412) << stale.text;
  EXPECT_EQ(stale.body["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_EQ(Send(s, "GET", card_path).body["card"]["tags"], got.body["card"]["tags"]);
  Answer fresh = Send(s, "PUT", card_path, changed.dump(), "application/json",
                      {{"If-Match", "\"" + etag + "\""}});
  ASSERT_EQ(fresh.status, 200) << fresh.text;
  EXPECT_NE(fresh.body["etag"], etag);
  EXPECT_EQ(fresh.body["card"]["tags"], json::array({"changed"}));
  EXPECT_EQ(Send(s, "PUT", card_path, changed.dump(), "application/json",
                 {{"If-Match", "\"" + etag + "\""}})
                .status,
            412);

  // Bad cards name the field; other media types are refused.
  Answer unknown = Send(s, "PUT", card_path, "model_details:\n  licence: mit\n", "text/yaml");
  EXPECT_EQ(unknown.status, 400) << unknown.text;
  EXPECT_EQ(unknown.body["error"]["field"], "model_details.licence");
  Answer wrong = Send(s, "PUT", card_path, R"({"tags": "a"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.body["error"]["field"], "tags");
  EXPECT_EQ(Send(s, "PUT", card_path, "x", "application/octet-stream").status, 415);
  EXPECT_EQ(Send(s, "PUT", "/v1/models/support-bot/versions/9/card", "{}").status, 404);
  EXPECT_EQ(Send(s, "GET", "/v1/models/nope/versions/1/card.md").status, 404);

  // An eval run of the version shows in the Markdown's model-index.
  ASSERT_EQ(Send(s, "POST", "/v1/datasets", json{{"name", "tickets-eval"}}.dump()).status, 201);
  ASSERT_EQ(Send(s, "POST", "/v1/datasets/tickets-eval/versions",
                 "{\"vars\": {\"q\": \"a\"}}\n{\"vars\": {\"q\": \"b\"}}\n", "application/x-ndjson")
                .status,
            201);
  Answer run = Send(s, "POST", "/v1/evals",
                    json{{"model", "support-bot@production"},
                         {"dataset", "tickets-eval@1"},
                         {"metrics", {{"faithfulness", 0.875}}}}
                        .dump());
  ASSERT_EQ(run.status, 201) << run.text;
  Answer md = Send(s, "GET", card_path + ".md");
  ASSERT_EQ(md.status, 200) << md.text;
  EXPECT_EQ(md.content_type, "text/markdown; charset=utf-8");
  EXPECT_EQ(md.text.rfind("---\nlicense: apache-2.0\n", 0), 0u) << md.text;
  EXPECT_NE(md.text.find("base_model: llama-3-8b\n"), std::string::npos) << md.text;
  EXPECT_NE(md.text.find("- tickets@1\n"), std::string::npos);
  EXPECT_NE(md.text.find("model-index:\n- name: support-bot\n"), std::string::npos) << md.text;
  EXPECT_NE(md.text.find("      type: tickets-eval@1\n"), std::string::npos) << md.text;
  EXPECT_NE(md.text.find("    - type: faithfulness\n      value: 0.875\n"), std::string::npos)
      << md.text;
  EXPECT_NE(md.text.find("# Model card: support-bot version 1\n"), std::string::npos);
  EXPECT_NE(md.text.find("Aliases: `production`"), std::string::npos);
}

// Alertmanager messages received by `receiver` whose alerts named ballast_model_retiring have
// `status`.
int RetiringAlerts(WebhookReceiver& receiver, const std::string& status) {
  int n = 0;
  for (const std::string& b : receiver.bodies()) {
    json m = json::parse(b, nullptr, false);
    if (m.is_discarded()) continue;
    for (const auto& a : m["alerts"]) {
      n += a["labels"]["alertname"] == "ballast_model_retiring" && a["status"] == status;
    }
  }
  return n;
}

json LastMessage(WebhookReceiver& receiver) {
  std::vector<std::string> bodies = receiver.bodies();
  return bodies.empty() ? json() : json::parse(bodies.back(), nullptr, false);
}

// The lifecycle alert of `model`@`version` in GET /v1/alerts (null when absent), polled until
// it is in `state` or 10 s passed.
json WaitForAlert(ServerProcess& s, const std::string& model, int version,
                  const std::string& state) {
  for (int i = 0; i < 100; ++i) {
    Answer a = Send(s, "GET", "/v1/alerts");
    for (const auto& item : a.body["items"]) {
      if (item["type"] == "model_lifecycle" && item["model"] == model &&
          item["version"] == version && item["state"] == state) {
        return item;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return nullptr;
}

TEST(ModelLifecycleTest, RetiringRouteAndAlertFiresNotifiesOnceAndResolves) {
  WebhookReceiver receiver;
  ServerProcess::Options options;
  options.config_yaml = "slo:\n  evaluation_interval: 1s\n  snapshot_interval: 1s\n";
  ServerProcess s(options);
  ASSERT_TRUE(s.Start()) << s.last_log();
  Answer applied = Send(s, "POST", "/v1/apply",
                        "apiVersion: openslo/v1\nkind: AlertNotificationTarget\n"
                        "metadata: {name: platform}\n"
                        "spec: {target: \"http://127.0.0.1:" +
                            std::to_string(receiver.port()) + "/hook\"}\n",
                        "application/yaml");
  ASSERT_EQ(applied.status, 200) << applied.text;

  CreateModel(s, "support-bot");
  CreateVersion(s, "support-bot",
                {{"retires_at", InDays(5)}, {"replacement", "support-bot@2"},
                 {"lifecycle", "deprecated"}});
  CreateVersion(s, "support-bot", {{"retires_at", InDays(200)}});
  CreateVersion(s, "support-bot", {{"retires_at", InDays(3)}});  // no alias: not exposed
  SetAlias(s, "support-bot", "production", 1);
  SetAlias(s, "support-bot", "next", 2);

  Answer retiring = Send(s, "GET", "/v1/models/retiring");
  ASSERT_EQ(retiring.status, 200) << retiring.text;
  EXPECT_EQ(retiring.body["within"], "90d");
  ASSERT_EQ(retiring.body["items"].size(), 1u) << retiring.text;
  const json& item = retiring.body["items"][0];
  EXPECT_EQ(item["model"], "support-bot");
  EXPECT_EQ(item["version"], 1);
  EXPECT_EQ(item["aliases"], json::array({"production"}));
  EXPECT_EQ(item["days_left"], 5);
  EXPECT_EQ(item["replacement"], "support-bot@2");
  EXPECT_EQ(item["lifecycle"], "deprecated");
  EXPECT_EQ(Send(s, "GET", "/v1/models/retiring?within=365d").body["items"].size(), 2u);
  Answer bad = Send(s, "GET", "/v1/models/retiring?within=soon");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["field"], "within");

  json alert = WaitForAlert(s, "support-bot", 1, "firing");
  ASSERT_FALSE(alert.is_null()) << Send(s, "GET", "/v1/alerts").text;
  EXPECT_EQ(alert["severity"], "page");
  EXPECT_EQ(alert["labels"]["model"], "support-bot");
  EXPECT_EQ(alert["labels"]["version"], "1");
  EXPECT_EQ(alert["labels"]["alias"], "production");
  EXPECT_EQ(alert["labels"]["threshold"], "7d");
  EXPECT_EQ(alert["annotations"]["replacement"], "support-bot@2");
  EXPECT_EQ(alert["days_left"], 5);
  // Version 2 (200 days) and 3 (no alias) raise nothing; state filters apply.
  EXPECT_TRUE(WaitForAlert(s, "support-bot", 2, "firing").is_null());
  EXPECT_TRUE(Send(s, "GET", "/v1/alerts?state=pending").body["items"].empty());
  EXPECT_TRUE(Send(s, "GET", "/v1/alerts?slo=chat").body["items"].empty());

  for (int i = 0; i < 100 && RetiringAlerts(receiver, "firing") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(RetiringAlerts(receiver, "firing"), 1);
  json message = LastMessage(receiver);
  EXPECT_EQ(message["alerts"][0]["labels"]["severity"], "page");
  EXPECT_EQ(message["alerts"][0]["annotations"]["replacement"], "support-bot@2");

  // A restart keeps the alert and does not notify it again.
  ASSERT_EQ(s.Stop(), 0) << s.last_log();
  ASSERT_TRUE(s.Start()) << s.last_log();
  json again = WaitForAlert(s, "support-bot", 1, "firing");
  ASSERT_FALSE(again.is_null());
  EXPECT_EQ(again["since"], alert["since"]);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two evaluation ticks
  EXPECT_EQ(RetiringAlerts(receiver, "firing"), 1);

  // Moving the alias off resolves it, notified.
  SetAlias(s, "support-bot", "production", 2);
  json resolved = WaitForAlert(s, "support-bot", 1, "resolved");
  ASSERT_FALSE(resolved.is_null()) << Send(s, "GET", "/v1/alerts").text;
  for (int i = 0; i < 100 && RetiringAlerts(receiver, "resolved") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(RetiringAlerts(receiver, "resolved"), 1);
}

TEST(ModelCardCliTest, SetShowAndRetiring) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  CreateModel(s, "bot");
  CreateVersion(s, "bot", {{"retires_at", InDays(20)}});
  SetAlias(s, "bot", "production", 1);
  const std::string server = "--server=" + s.base_url();
  const std::string example = (SourceDir() / "examples/cards/support-bot.yaml").string();

  CommandResult set = RunBallast({"model", "card", "set", "bot@production", "-f", example, server});
  ASSERT_EQ(set.exit_code, 0) << set.err;

  CommandResult md = RunBallast({"model", "card", "bot@1", server});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_EQ(md.out.rfind("---\nlicense: apache-2.0\n", 0), 0u) << md.out;

  CommandResult yaml = RunBallast({"model", "card", "bot@1", "-o", "yaml", server});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find("license: apache-2.0"), std::string::npos) << yaml.out;
  CommandResult as_json = RunBallast({"model", "card", "bot@1", "-o", "json", server});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out)["tags"][0], "text-generation");

  // An invalid file is refused before sending, with its line and field.
  const std::string bad = (s.data_dir() / "bad.yaml").string();
  std::ofstream(bad) << "factors:\n  relevent: [x]\n";
  CommandResult refused = RunBallast({"model", "card", "set", "bot@1", "-f", bad, server});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("bad.yaml:2:3: factors.relevent: unknown field"), std::string::npos)
      << refused.err;

  EXPECT_EQ(RunBallast({"model", "card", "bot@7", server}).exit_code, 4);
  EXPECT_EQ(RunBallast({"model", "card", "bot", server}).exit_code, 2);

  CommandResult retiring = RunBallast({"model", "retiring", "--within", "30d", "-o", "json", server});
  ASSERT_EQ(retiring.exit_code, 0) << retiring.err;
  json r = json::parse(retiring.out);
  ASSERT_EQ(r["items"].size(), 1u) << retiring.out;
  EXPECT_EQ(r["items"][0]["days_left"], 20);
  CommandResult none = RunBallast({"model", "retiring", "--within", "7d", "-o", "json", server});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_TRUE(json::parse(none.out)["items"].empty());
}

}  // namespace
}  // namespace ballast::testing

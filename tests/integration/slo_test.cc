// The SLO engine through the real server: apply/objects, evaluation of ingested events per
// variant, persistence across restarts and crashes, status/series routes, /metrics, alerts and
// webhook notifications, and the CLI commands over them.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

constexpr const char* kAvailability = R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: chat-availability}
spec:
  service: chat-api
  indicator:
    metadata: {name: chat-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: ballast, spec: {where: "outcome = 'ok'"}}}
        total: {metricSource: {type: ballast, spec: {}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: ok, target: 0.99}]
)";

std::string Events(int n, int every_bad, const std::string& variant, int seconds_ago = 30) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    json e = {{"time", TimeAgo(seconds_ago)},
              {"service", "chat-api"},
              {"variant", variant},
              {"outcome", every_bad > 0 && i % every_bad == 0 ? "error" : "ok"},
              {"latency_ms", 100 + i}};
    out += e.dump() + "\n";
  }
  return out;
}

json Post(ServerProcess& s, const std::string& path, const std::string& body,
          int expect_status, const std::string& type = "application/yaml") {
  auto res = s.Client()->Post(path, body, type);
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
  return json::parse(res->body, nullptr, false);
}

json Get(ServerProcess& s, const std::string& path, int expect_status = 200) {
  auto res = s.Client()->Get(path);
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
  return json::parse(res->body, nullptr, false);
}

void Ingest(ServerProcess& s, const std::string& ndjson) {
  json r = Post(s, "/v1/events", ndjson, 200, "application/x-ndjson");
  EXPECT_TRUE(r["rejected"].empty()) << r.dump();
}

std::pair<uint64_t, uint64_t> Counts(ServerProcess& s, const std::string& slo,
                                     const std::string& variant = "") {
  json st = Get(s, "/v1/slos/" + slo + "/status" + (variant.empty() ? "" : "?variant=" + variant));
  return {st["objectives"][0]["good"].get<uint64_t>(), st["objectives"][0]["total"].get<uint64_t>()};
}

TEST(SloApplyTest, CreateUnchangedUpdateDryRunDelete) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  std::string all;
  for (const auto& f : std::filesystem::directory_iterator(SourceDir() / "examples/slos")) {
    std::ifstream in(f.path());
    all += std::string(std::istreambuf_iterator<char>(in), {}) + "\n---\n";
  }
  json dry = Post(s, "/v1/apply?dry_run=true", all, 200);
  EXPECT_TRUE(dry["dry_run"].get<bool>());
  EXPECT_GE(dry["results"].size(), 10u);
  EXPECT_TRUE(Get(s, "/v1/objects")["items"].empty()) << "a dry run stores nothing";

  json created = Post(s, "/v1/apply", all, 200);
  for (const auto& r : created["results"]) EXPECT_EQ(r["action"], "created") << r.dump();
  json again = Post(s, "/v1/apply", all, 200);
  for (const auto& r : again["results"]) EXPECT_EQ(r["action"], "unchanged") << r.dump();

  json before = Get(s, "/v1/objects/SLO/chat-availability-test-missing", 404);
  json slo = Get(s, "/v1/objects?kind=SLO");
  ASSERT_GE(slo["items"].size(), 8u);
  for (const auto& item : slo["items"]) {
    EXPECT_EQ(item["kind"], "SLO");
    EXPECT_FALSE(item["etag"].get<std::string>().empty());
    EXPECT_EQ(item["applied_by"], "anonymous");
  }

  json one = Get(s, "/v1/objects/SLO/chat-availability");
  std::string changed = std::string(kAvailability);
  json updated = Post(s, "/v1/apply", changed, 200);
  EXPECT_EQ(updated["results"][0]["action"], "updated");
  json after = Get(s, "/v1/objects/SLO/chat-availability");
  EXPECT_NE(after["etag"], one["etag"]);
  EXPECT_EQ(after["generation"], 2);

  // Deleting with a stale etag fails; an SLI still referenced cannot go.
  httplib::Headers stale = {{"If-Match", "\"" + one["etag"].get<std::string>() + "\""}};
  auto res = s.Client()->Delete("/v1/objects/SLO/chat-availability", stale);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 412) << res->body;
  res = s.Client()->Delete("/v1/objects/SLI/chat-latency");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 412) << res->body;
  EXPECT_NE(res->body.find("still referenced"), std::string::npos) << res->body;
  res = s.Client()->Delete("/v1/objects/SLO/chat-availability");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  Get(s, "/v1/slos/chat-availability", 404);
  res = s.Client()->Delete("/v1/objects/SLO/chat-availability");
  EXPECT_EQ(res->status, 404);
}

TEST(SloApplyTest, BadDefinitionsAreRefusedWholeWithFieldAndPosition) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  // A valid SLO next to an invalid one: nothing is stored.
  std::string body = std::string(kAvailability) +
                     "---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {name: bad}\nspec:\n"
                     "  service: chat-api\n  budgetingMethod: Occurrences\n"
                     "  indicatorRef: chat-ok\n  objectives: [{target: 1.5}]\n  colour: red\n";
  json err = Post(s, "/v1/apply", body, 400);
  EXPECT_EQ(err["error"]["code"], "INVALID_ARGUMENT");
  std::set<std::string> fields;
  for (const auto& d : err["error"]["details"]) {
    if (d["severity"] == "error") fields.insert(d["field"].get<std::string>());
    EXPECT_GT(d["line"].get<int>(), 0);
  }
  EXPECT_TRUE(fields.count("spec.objectives[0].target")) << err.dump();
  EXPECT_TRUE(fields.count("spec.colour")) << err.dump();
  EXPECT_TRUE(Get(s, "/v1/objects")["items"].empty());

  // Another data source type validates but cannot be evaluated by the server.
  std::string prom = kAvailability;
  for (size_t p; (p = prom.find("type: ballast")) != std::string::npos;) {
    prom.replace(p, 13, "type: prometheus");
  }
  json refused = Post(s, "/v1/apply", prom, 400);
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("ballast"), std::string::npos)
      << refused.dump();
  EXPECT_FALSE(refused["error"]["field"].get<std::string>().empty()) << refused.dump();

  // A notification target ballast cannot deliver to.
  std::string ftp = std::string(kAvailability) +
                    "  alertPolicies:\n"
                    "    - kind: AlertPolicy\n"
                    "      metadata: {name: p}\n"
                    "      spec:\n"
                    "        conditions:\n"
                    "          - kind: AlertCondition\n"
                    "            metadata: {name: c}\n"
                    "            spec:\n"
                    "              severity: page\n"
                    "              condition: {kind: burnrate, op: gt, threshold: 10, "
                    "lookbackWindow: 1h}\n"
                    "        notificationTargets:\n"
                    "          - kind: AlertNotificationTarget\n"
                    "            metadata: {name: t}\n"
                    "            spec: {target: \"ftp://example.com/x\"}\n";
  json bad_target = Post(s, "/v1/apply", ftp, 400);
  EXPECT_EQ(bad_target["error"]["field"], "spec.target") << bad_target.dump();
  EXPECT_TRUE(Get(s, "/v1/objects")["items"].empty());

  Post(s, "/v1/apply", "{not yaml: [", 400);
  Post(s, "/v1/apply", "", 400);
}

TEST(SloEvaluationTest, CountsPerVariantSurviveRestartAndCrash) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  Ingest(s, Events(50, 0, "stable"));  // before the SLO exists: not counted
  Post(s, "/v1/apply", kAvailability, 200);
  Ingest(s, Events(100, 10, "stable"));  // 10 bad
  Ingest(s, Events(20, 2, "canary"));    // 10 bad
  EXPECT_EQ(Counts(s, "chat-availability"), (std::pair<uint64_t, uint64_t>{100, 120}));
  EXPECT_EQ(Counts(s, "chat-availability", "stable"), (std::pair<uint64_t, uint64_t>{90, 100}));
  EXPECT_EQ(Counts(s, "chat-availability", "canary"), (std::pair<uint64_t, uint64_t>{10, 20}));
  json st = Get(s, "/v1/slos/chat-availability/status");
  const json& o = st["objectives"][0];
  EXPECT_NEAR(o["sli"].get<double>(), 100.0 / 120, 1e-9);
  EXPECT_NEAR(o["error_budget"]["total"].get<double>(), 1.2, 1e-9);
  EXPECT_NEAR(o["error_budget"]["consumed"].get<double>(), 20, 1e-9);
  EXPECT_TRUE(o["error_budget"]["exhausted"].get<bool>());
  EXPECT_NEAR(o["burn_rates"]["1h"].get<double>(), (20.0 / 120) / 0.01, 1e-6);
  EXPECT_TRUE(o["burn_rates"].contains("5m") && o["burn_rates"].contains("3d")) << st.dump();

  json detail = Get(s, "/v1/slos/chat-availability");
  EXPECT_EQ(detail["variants"], json({"canary", "stable"}));
  json series = Get(s, "/v1/slos/chat-availability/series?from=" + TimeAgo(3600) + "&step=5m");
  ASSERT_EQ(series["points"].size(), 12u) << series.dump();
  EXPECT_NEAR(series["points"].back()["sli"].get<double>(), 100.0 / 120, 1e-9);
  Get(s, "/v1/slos/chat-availability/series?step=1s", 400);

  auto metrics = s.Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("ballast_slo_sli{slo=\"chat-availability\",service=\"chat-api\","
                               "objective=\"ok\"} 0.8333"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("ballast_slo_burn_rate{slo=\"chat-availability\""),
            std::string::npos);

  ASSERT_EQ(s.Stop(), 0);
  ASSERT_TRUE(s.Start()) << s.last_log();
  EXPECT_EQ(Counts(s, "chat-availability"), (std::pair<uint64_t, uint64_t>{100, 120}));
  Ingest(s, Events(10, 0, "canary"));
  s.Kill();  // the deltas since the last snapshot are replayed from the log
  ASSERT_TRUE(s.Start()) << s.last_log();
  EXPECT_EQ(Counts(s, "chat-availability"), (std::pair<uint64_t, uint64_t>{110, 130}));
  EXPECT_EQ(Counts(s, "chat-availability", "canary"), (std::pair<uint64_t, uint64_t>{20, 30}));
}

constexpr const char* kFaithfulness = R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: chat-faithfulness}
spec:
  service: chat-api
  indicator:
    metadata: {name: chat-faithfulness-score}
    spec:
      thresholdMetric:
        metricSource:
          type: ballast
          spec: {events: evaluations, where: "name = 'faithfulness'", field: score}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: faithful, op: gte, value: 0.7, target: 0.95}]
)";

// A judge that knows only the request id: its scores count under the variant that served the
// request (DESIGN.md §3), also when they come in a later body than the request.
TEST(SloEvaluationTest, EvaluationsCountUnderTheirRequestsVariant) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  Post(s, "/v1/apply", kFaithfulness, 200);
  std::string requests;
  std::string evaluations;
  for (int i = 0; i < 20; ++i) {
    const bool canary = i % 4 == 0;  // 5 canary requests, 15 stable
    const std::string id = "req-" + std::to_string(i);
    requests += json({{"time", TimeAgo(60)},
                      {"service", "chat-api"},
                      {"variant", canary ? "canary" : "stable"},
                      {"request_id", id}})
                    .dump() +
                "\n";
    evaluations += json({{"type", "evaluation"},
                         {"time", TimeAgo(30)},
                         {"service", "chat-api"},
                         {"request_id", id},
                         {"name", "faithfulness"},
                         {"score", canary ? 0.2 : 0.9}})
                       .dump() +
                   "\n";
  }
  Ingest(s, requests);
  Ingest(s, evaluations);
  // An evaluation of a request the server never saw keeps what it was sent with.
  Ingest(s, json({{"type", "evaluation"}, {"time", TimeAgo(30)}, {"service", "chat-api"},
                  {"request_id", "req-unknown"}, {"variant", "blue"}, {"name", "faithfulness"},
                  {"score", 0.1}})
                    .dump() +
                "\n");
  EXPECT_EQ(Counts(s, "chat-faithfulness", "canary"), (std::pair<uint64_t, uint64_t>{0, 5}));
  EXPECT_EQ(Counts(s, "chat-faithfulness", "stable"), (std::pair<uint64_t, uint64_t>{15, 15}));
  EXPECT_EQ(Counts(s, "chat-faithfulness", "blue"), (std::pair<uint64_t, uint64_t>{0, 1}));
  EXPECT_EQ(Counts(s, "chat-faithfulness"), (std::pair<uint64_t, uint64_t>{15, 21}));
}

TEST(SloEvaluationTest, IdempotentRetryCountsOnce) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  Post(s, "/v1/apply", kAvailability, 200);
  std::string body = Events(40, 4, "stable");
  for (int i = 0; i < 3; ++i) {
    auto res = s.Client()->Post("/v1/events", {{"Idempotency-Key", "batch-1"}}, body,
                                "application/x-ndjson");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(Counts(s, "chat-availability"), (std::pair<uint64_t, uint64_t>{30, 40}));
}

TEST(SloAlertTest, FastBurnFiresNotifiesAndSurvivesRestart) {
  WebhookReceiver receiver;
  ServerProcess::Options options;
  options.config_yaml = "slo:\n  evaluation_interval: 1s\n  snapshot_interval: 1s\n";
  ServerProcess s(options);
  ASSERT_TRUE(s.Start()) << s.last_log();
  std::string slo = std::string(kAvailability) +
                    "  alertPolicies:\n"
                    "    - kind: AlertPolicy\n"
                    "      metadata: {name: fast}\n"
                    "      spec:\n"
                    "        conditions:\n"
                    "          - kind: AlertCondition\n"
                    "            metadata: {name: fast-burn}\n"
                    "            spec:\n"
                    "              severity: page\n"
                    "              condition: {kind: burnrate, op: gt, threshold: 14.4, "
                    "lookbackWindow: 1h}\n"
                    "        notificationTargets:\n"
                    "          - kind: AlertNotificationTarget\n"
                    "            metadata: {name: oncall}\n"
                    "            spec: {target: \"http://127.0.0.1:" +
                    std::to_string(receiver.port()) + "/hook\"}\n";
  Post(s, "/v1/apply", slo, 200);
  Ingest(s, Events(200, 0, "stable", 20));
  Ingest(s, Events(50, 1, "stable", 10));  // 50 errors in the last minutes: 20 % bad
  json firing;
  for (int i = 0; i < 100 && firing.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    json alerts = Get(s, "/v1/alerts?state=firing");
    for (const auto& a : alerts["items"]) {
      if (a["rule"] == "fast-burn") firing = a;
    }
  }
  ASSERT_FALSE(firing.empty()) << Get(s, "/v1/alerts").dump();
  EXPECT_EQ(firing["severity"], "page");
  EXPECT_EQ(firing["slo"], "chat-availability");
  EXPECT_NEAR(firing["burn_rates"]["1h"].get<double>(), 20.0, 1e-6);
  Get(s, "/v1/alerts?state=burning", 400);

  bool notified = false;
  for (int i = 0; i < 100 && !notified; ++i) {
    for (const std::string& b : receiver.bodies()) {
      json m = json::parse(b, nullptr, false);
      if (m.is_discarded() || m["version"] != "4") continue;
      for (const auto& a : m["alerts"]) {
        if (a["labels"]["rule"] == "fast-burn" && a["status"] == "firing") notified = true;
      }
    }
    if (!notified) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(notified) << receiver.bodies().size() << " messages";

  ASSERT_EQ(s.Stop(), 0);
  ASSERT_TRUE(s.Start()) << s.last_log();
  json after = Get(s, "/v1/alerts?state=firing");
  bool kept = false;
  for (const auto& a : after["items"]) {
    if (a["id"] == firing["id"]) {
      kept = true;
      EXPECT_EQ(a["since"], firing["since"]) << "the alert keeps its state across restarts";
    }
  }
  EXPECT_TRUE(kept) << after.dump();
}

TEST(SloCliTest, ApplyListStatusAlertsDelete) {
  ServerProcess s;
  ASSERT_TRUE(s.Start()) << s.last_log();
  const std::string server = s.base_url();
  auto r = RunBallast({"--server", server, "apply", "-f", (SourceDir() / "examples/slos").string(),
                       "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(json::parse(r.out)["results"].size(), 10u);
  r = RunBallast({"--server", server, "apply", "-f", "-", "--dry-run", "-o", "table"},
                 kAvailability);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("updated (dry run)"), std::string::npos) << r.out;
  // Offline validation first: nothing is sent, exit 1, the error names the line.
  r = RunBallast({"--server", server, "apply", "-f", "-"},
                 "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {bogus: 1}\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("<stdin>:4"), std::string::npos) << r.err;

  Ingest(s, Events(10, 5, "stable"));
  r = RunBallast({"--server", server, "slo", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(json::parse(r.out)["items"].size(), 9u);
  r = RunBallast({"--server", server, "slo", "status", "chat-availability", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Requests succeed"), std::string::npos) << r.out;
  r = RunBallast({"--server", server, "slo", "status", "nope"});
  EXPECT_EQ(r.exit_code, 4);
  r = RunBallast({"--server", server, "alerts", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(r.out).contains("items"));
  r = RunBallast({"--server", server, "get", "slo", "chat-ttft", "-o", "yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kind: SLO"), std::string::npos) << r.out;
  r = RunBallast({"--server", server, "delete", "slo", "chat-ttft"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunBallast({"--server", server, "delete", "slo", "chat-ttft"});
  EXPECT_EQ(r.exit_code, 4);
}

}  // namespace
}  // namespace ballast::testing

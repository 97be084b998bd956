// POST /v1/events, OTLP, services and stats against the real server.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <thread>

#include "harness.h"

namespace ballast::testing {
namespace {

using nlohmann::json;

std::string Event(const std::string& service, int seconds_ago, const std::string& extra = "") {
  std::string e = "{\"time\":\"" + TimeAgo(seconds_ago) + "\",\"service\":\"" + service + "\"";
  if (!extra.empty()) e += "," + extra;
  return e + "}";
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

class IngestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start()) << server_->last_log();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static json Post(const std::string& body, const httplib::Headers& headers = {},
                   int expect_status = 200) {
    auto res = server_->Client()->Post("/v1/events", headers, body, "application/x-ndjson");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, expect_status) << res->body;
    return json::parse(res->body, nullptr, false);
  }
  static json Stats(const std::string& service, const std::string& query = "") {
    auto res = server_->Client()->Get("/v1/services/" + service + "/stats" + query);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body, nullptr, false);
  }
  static ServerProcess* server_;
};
ServerProcess* IngestTest::server_ = nullptr;

TEST_F(IngestTest, AcceptsValidLinesAndNamesEachBadOne) {
  std::string body;
  body += Event("chat", 10, R"("latency_ms": 120, "ttft_ms": 40, "output_tokens": 9)") + "\n";  // 1
  body += "\n";                                                                                 // 2
  body += "{not json\n";                                                                        // 3
  body += Event("chat", 10, R"("latency_ms": "fast")") + "\n";                                 // 4
  body += Event("chat", 10, R"("outcome": "boom")") + "\n";                                    // 5
  body += R"({"service": "chat"})" "\n";                                                       // 6
  body += "{\"time\":\"" + TimeAgo(5) + "\"}\r\n";                                              // 7
  body += Event("chat", 9 * 86400) + "\n";                                                     // 8
  body += Event("chat", 10, R"("latncy_ms": 5)") + "\r\n";                                     // 9
  body += Event("chat", 5, R"("outcome": "error", "error_type": "500")");                      // 10
  json answer = Post(body);
  EXPECT_EQ(answer["accepted"], 2);
  std::map<int, std::string> errors;
  for (const auto& r : answer["rejected"]) errors[r["line"].get<int>()] = r["error"];
  ASSERT_EQ(errors.size(), 7u) << answer.dump(2);
  EXPECT_TRUE(errors.count(3));
  EXPECT_NE(errors[4].find("latency_ms"), std::string::npos) << errors[4];
  EXPECT_NE(errors[5].find("boom"), std::string::npos) << errors[5];
  EXPECT_NE(errors[6].find("time"), std::string::npos) << errors[6];
  EXPECT_NE(errors[7].find("service"), std::string::npos) << errors[7];
  EXPECT_NE(errors[8].find("accept window"), std::string::npos) << errors[8];
  EXPECT_NE(errors[9].find("latncy_ms"), std::string::npos) << errors[9];

  json stats = Stats("chat");
  ASSERT_EQ(stats["series"].size(), 1u);
  EXPECT_EQ(stats["series"][0]["requests"], 2);
  EXPECT_EQ(stats["series"][0]["outcomes"]["ok"], 1);
  EXPECT_EQ(stats["series"][0]["outcomes"]["error"], 1);
}

TEST_F(IngestTest, StatsGroupByVariantWithQuantiles) {
  std::string body;
  for (int i = 1; i <= 100; ++i) {
    body += Event("grouped", 30, "\"variant\":\"stable\",\"latency_ms\":" + std::to_string(i) +
                                     ",\"ttft_ms\":" + std::to_string(i / 2.0) +
                                     ",\"input_tokens\":10,\"output_tokens\":20,\"cost_usd\":0.5") +
            "\n";
  }
  for (int i = 0; i < 10; ++i)
    body += Event("grouped", 30, R"("variant":"canary","latency_ms":1000,"outcome":"timeout")") + "\n";
  EXPECT_EQ(Post(body)["accepted"], 110);
  json stats = Stats("grouped", "?group_by=variant");
  ASSERT_EQ(stats["series"].size(), 2u) << stats.dump();
  json stable = stats["series"][0];
  EXPECT_EQ(stable["key"]["variant"], "stable");
  EXPECT_EQ(stable["requests"], 100);
  EXPECT_EQ(stable["input_tokens"], 1000);
  EXPECT_EQ(stable["output_tokens"], 2000);
  EXPECT_NEAR(stable["cost_usd"].get<double>(), 50.0, 1e-9);
  EXPECT_NEAR(stable["latency_ms"]["p50"].get<double>(), 50, 50 * 0.02 + 1);
  EXPECT_NEAR(stable["latency_ms"]["p99"].get<double>(), 99, 99 * 0.02 + 1);
  json canary = stats["series"][1];
  EXPECT_EQ(canary["key"]["variant"], "canary");
  EXPECT_EQ(canary["outcomes"]["timeout"], 10);
  EXPECT_NEAR(canary["latency_ms"]["p50"].get<double>(), 1000, 20);
  EXPECT_TRUE(canary["ttft_ms"].is_null());

  auto bad = server_->Client()->Get("/v1/services/grouped/stats?group_by=tenant");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "group_by");
  auto missing = server_->Client()->Get("/v1/services/never-seen/stats");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(IngestTest, IdempotencyKeyCountsARetriedBatchOnce) {
  std::string body = Event("idem", 5) + "\n" + Event("idem", 5) + "\n";
  httplib::Headers key = {{"Idempotency-Key", "batch-0001"}};
  json first = Post(body, key);
  json again = Post(body, key);
  EXPECT_EQ(first, again);
  EXPECT_EQ(Stats("idem")["series"][0]["requests"], 2);
  json conflict = Post(Event("idem", 5) + "\n", key, 409);
  EXPECT_EQ(conflict["error"]["code"], "ABORTED");
  EXPECT_EQ(Stats("idem")["series"][0]["requests"], 2);
}

TEST_F(IngestTest, GzipBodies) {
  std::string body = Event("zipped", 5) + "\n" + Event("zipped", 5) + "\n" + Event("zipped", 5);
  auto res = server_->Client()->Post("/v1/events", {{"Content-Encoding", "gzip"}}, Gzip(body),
                                     "application/x-ndjson");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["accepted"], 3);
  auto corrupt = server_->Client()->Post("/v1/events", {{"Content-Encoding", "gzip"}},
                                         "not gzip at all", "application/x-ndjson");
  ASSERT_TRUE(corrupt);
  EXPECT_EQ(corrupt->status, 400);
  auto br = server_->Client()->Post("/v1/events", {{"Content-Encoding", "br"}}, body,
                                    "application/x-ndjson");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->status, 415);
}

TEST_F(IngestTest, GzipBombIsRefused) {
  std::string zeros(100 << 20, '0');  // 100 MiB inflates past max_decompressed_bytes (64 MiB)
  auto res = server_->Client()->Post("/v1/events", {{"Content-Encoding", "gzip"}}, Gzip(zeros),
                                     "application/x-ndjson");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->body;
}

TEST_F(IngestTest, WrongContentTypeIs415) {
  auto res = server_->Client()->Post("/v1/events", Event("ct", 5), "application/xml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
}

TEST_F(IngestTest, OtlpGenAiSpansBecomeEvents) {
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto span = [&](const std::string& attrs, int64_t dur_ms, int status) {
    return json{{"traceId", "5b8efff798038103d269b633813fc60c"},
                {"spanId", "eee19b7ec3c1b174"},
                {"name", "chat gpt-4o"},
                {"startTimeUnixNano", std::to_string(now_ns - dur_ms * 1'000'000 - 2'000'000'000)},
                {"endTimeUnixNano", std::to_string(now_ns - 2'000'000'000)},
                {"status", {{"code", status}}},
                {"attributes", json::parse(attrs)}};
  };
  json genai = json::parse(R"([
    {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
    {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
    {"key":"gen_ai.usage.input_tokens","value":{"intValue":"100"}},
    {"key":"gen_ai.usage.output_tokens","value":{"intValue":"50"}}])");
  json failed = json::parse(R"([
    {"key":"gen_ai.system","value":{"stringValue":"openai"}},
    {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
    {"key":"error.type","value":{"stringValue":"timeout"}}])");
  json plain = json::parse(R"([{"key":"http.method","value":{"stringValue":"GET"}}])");
  json request = {
      {"resourceSpans",
       {{{"resource", {{"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", "otel-chat"}}}}}}}},
         {"scopeSpans",
          {{{"spans", {span(genai.dump(), 250, 1), span(failed.dump(), 900, 2),
                       span(plain.dump(), 10, 0)}}}}}}}}};
  auto res = server_->Client()->Post("/v1/otlp/v1/traces", request.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json answer = json::parse(res->body);
  // Full acceptance is "{}" (OTLP allows an empty partialSuccess too).
  EXPECT_FALSE(answer.contains("partialSuccess") && answer["partialSuccess"].value("rejectedSpans", 0) != 0)
      << answer.dump();
  json stats = Stats("otel-chat", "?group_by=model");
  ASSERT_EQ(stats["series"].size(), 1u) << stats.dump();
  EXPECT_EQ(stats["series"][0]["key"]["model"], "gpt-4o");
  EXPECT_EQ(stats["series"][0]["requests"], 2);
  EXPECT_EQ(stats["series"][0]["outcomes"]["error"], 1);
  EXPECT_EQ(stats["series"][0]["input_tokens"], 100);
  EXPECT_NEAR(stats["series"][0]["latency_ms"]["max"].get<double>(), 900, 20);

  auto proto = server_->Client()->Post("/v1/otlp/v1/traces", "\x0a\x00", "application/x-protobuf");
  ASSERT_TRUE(proto);
  EXPECT_EQ(proto->status, 415);
  auto garbage = server_->Client()->Post("/v1/otlp/v1/traces", "{]", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
}

TEST_F(IngestTest, ServiceNamesWithSlashesAreReachable) {
  EXPECT_EQ(Post(Event("team/chat", 5) + "\n")["accepted"], 1);
  json stats = Stats("team%2Fchat");
  EXPECT_EQ(stats["service"], "team/chat");
  EXPECT_EQ(stats["series"][0]["requests"], 1);
}

TEST_F(IngestTest, ServicesListsWhatWasSeen) {
  Post(Event("listed-a", 5) + "\n" + Event("listed-b", 5, R"("variant":"canary")") + "\n");
  auto res = server_->Client()->Get("/v1/services");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json items = json::parse(res->body)["items"];
  std::set<std::string> names;
  for (const auto& s : items) names.insert(s["name"]);
  EXPECT_TRUE(names.count("listed-a"));
  EXPECT_TRUE(names.count("listed-b"));
  auto paged = server_->Client()->Get("/v1/services?page_size=1");
  ASSERT_TRUE(paged);
  json page = json::parse(paged->body);
  EXPECT_EQ(page["items"].size(), 1u);
  EXPECT_NE(page["next_page_token"], "");
  auto bad = server_->Client()->Get("/v1/services?page_size=5000");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(IngestTest, ConcurrentBatchesAreAllCounted) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      auto cli = server_->Client();
      for (int b = 0; b < 10; ++b) {
        std::string body;
        for (int i = 0; i < 50; ++i) body += Event("parallel", 5) + "\n";
        auto res = cli->Post("/v1/events",
                             {{"Idempotency-Key", "p-" + std::to_string(t) + "-" + std::to_string(b)}},
                             body, "application/x-ndjson");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Stats("parallel")["series"][0]["requests"], 4 * 10 * 50);
}

TEST_F(IngestTest, RestartKeepsWhatWasAcknowledged) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  std::string body;
  for (int i = 0; i < 25; ++i) body += Event("durable", 5) + "\n";
  auto res = server.Client()->Post("/v1/events", body, "application/x-ndjson");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  server.Kill();
  ASSERT_TRUE(server.Start());
  auto stats = server.Client()->Get("/v1/services/durable/stats");
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->status, 200) << stats->body;
  EXPECT_EQ(json::parse(stats->body)["series"][0]["requests"], 25);
}

}  // namespace
}  // namespace ballast::testing

#include "telemetry/otlp.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "telemetry/ingest.h"

namespace ballast::telemetry {
namespace {

const EpochMillis kNow = *ParseRfc3339("2026-11-27T19:00:00Z");
const std::string kStartNanos = std::to_string((kNow - 60'000) * 1'000'000LL);
const std::string kEndNanos = std::to_string((kNow - 60'000 + 1500) * 1'000'000LL);

std::string Attr(std::string_view key, std::string_view value_json) {
  return R"({"key":")" + std::string(key) + R"(","value":)" + std::string(value_json) + "}";
}

std::string Span(const std::string& attrs, std::string_view extra = "") {
  return R"({"traceId":"00","spanId":"01","name":"chat","startTimeUnixNano":")" + kStartNanos +
         R"(","endTimeUnixNano":")" + kEndNanos + R"(","attributes":[)" + attrs + "]" +
         std::string(extra) + "}";
}

std::string Request(const std::string& spans, std::string_view service = "chat-api") {
  return R"({"resourceSpans":[{"resource":{"attributes":[)" +
         Attr("service.name", R"({"stringValue":")" + std::string(service) + "\"}") +
         R"(]},"scopeSpans":[{"scope":{"name":"x"},"spans":[)" + spans + "]}]}]}";
}

struct Seen : EventVisitor {
  void OnRequest(int64_t, const RequestEvent& e) override {
    service = e.service;
    model = e.model;
    provider = e.provider;
    operation = e.operation;
    variant = e.variant;
    prompt = e.prompt;
    finish_reason = e.finish_reason;
    error_type = e.error_type;
    outcome = e.outcome;
    latency = e.latency_ms;
    ttft = e.ttft_ms;
    input_tokens = e.input_tokens;
    output_tokens = e.output_tokens;
    time = e.time;
    ++count;
  }
  void OnEvaluation(int64_t, const EvaluationEvent&) override {}
  std::string service, model, provider, operation, variant, prompt, finish_reason, error_type;
  Outcome outcome = Outcome::kOk;
  std::optional<double> latency, ttft;
  std::optional<int64_t> input_tokens, output_tokens;
  EpochMillis time = 0;
  int count = 0;
};

TEST(OtlpTest, MapsGenAiSpan) {
  std::string attrs = Attr("gen_ai.request.model", R"({"stringValue":"gpt-4o"})") + "," +
                      Attr("gen_ai.provider.name", R"({"stringValue":"openai"})") + "," +
                      Attr("gen_ai.operation.name", R"({"stringValue":"chat"})") + "," +
                      Attr("gen_ai.usage.input_tokens", R"({"intValue":"120"})") + "," +
                      Attr("gen_ai.usage.output_tokens", R"({"intValue":42})") + "," +
                      Attr("gen_ai.response.finish_reasons",
                           R"({"arrayValue":{"values":[{"stringValue":"length"}]}})") + "," +
                      Attr("gen_ai.server.time_to_first_token", R"({"doubleValue":0.25})") + "," +
                      Attr("ballast.variant", R"({"stringValue":"canary"})") + "," +
                      Attr("ballast.prompt", R"({"stringValue":"support@2"})");
  OtlpTraceParser p;
  Seen seen;
  auto r = p.Parse(Request(Span(attrs)), kNow, seen);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->accepted, 1) << (p.errors().empty() ? "" : p.errors()[0].error);
  EXPECT_EQ(seen.service, "chat-api");
  EXPECT_EQ(seen.model, "gpt-4o");
  EXPECT_EQ(seen.provider, "openai");
  EXPECT_EQ(seen.operation, "chat");
  EXPECT_EQ(seen.variant, "canary");
  EXPECT_EQ(seen.prompt, "support@2");
  EXPECT_EQ(seen.finish_reason, "length");
  EXPECT_EQ(seen.input_tokens, 120);
  EXPECT_EQ(seen.output_tokens, 42);
  EXPECT_EQ(seen.latency, 1500);
  EXPECT_EQ(seen.ttft, 250);
  EXPECT_EQ(seen.time, kNow - 60'000);
  EXPECT_EQ(seen.outcome, Outcome::kOk);
}

TEST(OtlpTest, OlderAttributeNamesAndErrors) {
  std::string attrs = Attr("gen_ai.system", R"({"stringValue":"anthropic"})") + "," +
                      Attr("gen_ai.response.model", R"({"stringValue":"claude"})") + "," +
                      Attr("gen_ai.usage.prompt_tokens", R"({"intValue":"7"})") + "," +
                      Attr("gen_ai.usage.completion_tokens", R"({"intValue":"9"})");
  OtlpTraceParser p;
  Seen seen;
  auto r = p.Parse(Request(Span(attrs, R"(,"status":{"code":2,"message":"boom"})")), kNow, seen);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->accepted, 1);
  EXPECT_EQ(seen.provider, "anthropic");
  EXPECT_EQ(seen.model, "claude");
  EXPECT_EQ(seen.input_tokens, 7);
  EXPECT_EQ(seen.output_tokens, 9);
  EXPECT_EQ(seen.outcome, Outcome::kError);
  EXPECT_EQ(seen.error_type, "boom");

  std::string with_type = Attr("gen_ai.request.model", R"({"stringValue":"m"})") + "," +
                          Attr("error.type", R"({"stringValue":"timeout"})");
  r = p.Parse(Request(Span(with_type)), kNow, seen);
  ASSERT_EQ(r->accepted, 1);
  EXPECT_EQ(seen.outcome, Outcome::kError);
  EXPECT_EQ(seen.error_type, "timeout");
}

TEST(OtlpTest, NonGenAiSpansAreIgnored) {
  OtlpTraceParser p;
  Seen seen;
  std::string spans = Span(Attr("http.method", R"({"stringValue":"GET"})")) + "," +
                      Span(Attr("gen_ai.request.model", R"({"stringValue":"m"})"));
  auto r = p.Parse(Request(spans), kNow, seen);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->spans, 2);
  EXPECT_EQ(r->ignored, 1);
  EXPECT_EQ(r->accepted, 1);
}

TEST(OtlpTest, InvalidSpansAreRejectedByNumber) {
  OtlpTraceParser p;
  Seen seen;
  std::string genai = Attr("gen_ai.request.model", R"({"stringValue":"m"})");
  std::string bad_tokens = genai + "," + Attr("gen_ai.usage.input_tokens", R"({"stringValue":"x"})");
  std::string old = R"({"startTimeUnixNano":"1000000","endTimeUnixNano":"2000000","attributes":[)" +
                    genai + "]}";
  std::string backwards = R"({"startTimeUnixNano":"5","endTimeUnixNano":"4","attributes":[)" +
                          genai + "]}";
  auto r = p.Parse(Request(Span(genai) + "," + Span(bad_tokens) + "," + old + "," + backwards),
                   kNow, seen);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->rejected, 3);
  ASSERT_EQ(p.errors().size(), 3u);
  EXPECT_EQ(p.errors()[0].line, 2);
  EXPECT_EQ(p.errors()[0].error, R"(attribute "gen_ai.usage.input_tokens": expected an intValue)");
  EXPECT_NE(p.errors()[1].error.find("outside the accept window"), std::string::npos);
  EXPECT_EQ(p.errors()[2].error, R"("endTimeUnixNano" is before "startTimeUnixNano")");
}

TEST(OtlpTest, MissingServiceNameRejectsTheSpan) {
  OtlpTraceParser p;
  Seen seen;
  std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" +
                     Span(Attr("gen_ai.request.model", R"({"stringValue":"m"})")) + "]}]}]}";
  auto r = p.Parse(body, kNow, seen);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rejected, 1);
  EXPECT_EQ(p.errors()[0].error, R"(resource attribute "service.name" is missing)");
}

TEST(OtlpTest, ShapeErrorsFailTheWholeRequest) {
  OtlpTraceParser p;
  Seen seen;
  EXPECT_TRUE(p.Parse("not json", kNow, seen).error().IsInvalidArgument());
  EXPECT_TRUE(p.Parse("[]", kNow, seen).error().IsInvalidArgument());
  auto r = p.Parse(R"({"resourceSpans":{}})", kNow, seen);
  EXPECT_EQ(r.error().field(), "resourceSpans");
  r = p.Parse(R"({"resourceSpans":[{"scopeSpans":[{"spans":3}]}]})", kNow, seen);
  EXPECT_EQ(r.error().field(), "resourceSpans[0].scopeSpans[0].spans");
  auto empty = p.Parse("{}", kNow, seen);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->spans, 0);
}

TEST(OtlpIngestTest, AnswersInOtlpShape) {
  SimulatedClock clock(kNow);
  SeriesKeyRegistry registry;
  IngestOptions options;
  std::string genai = Attr("gen_ai.request.model", R"({"stringValue":"m"})");
  auto ok = IngestOtlpJson(Request(Span(genai)), options, registry, clock);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->response_json, "{}");
  EXPECT_EQ(ok->batch.deltas.size(), 1u);
  EXPECT_EQ(ok->batch.new_keys[0].key, (SeriesKey{"chat-api", "stable", "m", ""}));

  std::string bad = genai + "," + Attr("gen_ai.usage.output_tokens", R"({"doubleValue":1.5})");
  auto partial = IngestOtlpJson(Request(Span(genai) + "," + Span(bad)), options, registry, clock);
  ASSERT_TRUE(partial.has_value());
  auto j = nlohmann::json::parse(partial->response_json);
  EXPECT_EQ(j["partialSuccess"]["rejectedSpans"], 1);
  EXPECT_EQ(j["partialSuccess"]["errorMessage"],
            R"(1 span(s) rejected: span 2: attribute "gen_ai.usage.output_tokens": expected an intValue)");
  EXPECT_EQ(partial->accepted, 1);

  EXPECT_FALSE(IngestOtlpJson("{", options, registry, clock).has_value());
}

}  // namespace
}  // namespace ballast::telemetry

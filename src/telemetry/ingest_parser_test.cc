#include "telemetry/ingest_parser.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "common/time.h"

namespace ballast::telemetry {
namespace {

const EpochMillis kNow = *ParseRfc3339("2026-11-27T19:00:00Z");

struct SeenRequest {
  int64_t line;
  EpochMillis time;
  std::string service, variant, model, prompt, finish_reason, first_flag, first_attr_value;
  Outcome outcome;
  std::optional<double> latency, ttft, tpot, cost;
  std::optional<int64_t> input_tokens, output_tokens;
  int scores, flags, attributes;
  std::optional<double> quality;
};

struct SeenEvaluation {
  int64_t line;
  std::string service, name, label, variant, request_id;
  std::optional<double> score;
};

class Collector : public EventVisitor {
 public:
  void OnRequest(int64_t line, const RequestEvent& e) override {
    requests.push_back({line, e.time, std::string(e.service), std::string(e.variant),
                        std::string(e.model), std::string(e.prompt), std::string(e.finish_reason),
                        e.flag_count ? std::string(e.flags[0]) : "",
                        e.attribute_count ? std::string(e.attributes[0].second) : "", e.outcome,
                        e.latency_ms, e.ttft_ms, e.tpot_ms, e.cost_usd, e.input_tokens,
                        e.output_tokens, e.score_count, e.flag_count, e.attribute_count,
                        e.Score("quality")});
  }
  void OnEvaluation(int64_t line, const EvaluationEvent& e) override {
    evaluations.push_back({line, std::string(e.service), std::string(e.name),
                           std::string(e.label), std::string(e.variant),
                           std::string(e.request_id), e.score});
  }
  std::vector<SeenRequest> requests;
  std::vector<SeenEvaluation> evaluations;
};

class IngestParserTest : public ::testing::Test {
 protected:
  ParseCounts Parse(std::string_view body) { return parser_.Parse(body, kNow, seen_); }
  // The error of a one-line body that must be rejected.
  std::string ErrorOf(const std::string& line) {
    Collector c;
    ParseCounts counts = parser_.Parse(line, kNow, c);
    EXPECT_EQ(counts.rejected, 1) << line;
    EXPECT_TRUE(c.requests.empty() && c.evaluations.empty()) << line;
    return parser_.errors().empty() ? "" : parser_.errors()[0].error;
  }
  IngestParser parser_;
  Collector seen_;
};

constexpr const char* kFull =
    R"({"time":"2026-11-27T18:59:00.250Z","service":"chat-api","variant":"canary",)"
    R"("request_id":"r1","model":"gpt-4o@production","prompt":"support@3","provider":"openai",)"
    R"("operation":"chat","outcome":"error","error_type":"upstream 502","latency_ms":1200.5,)"
    R"("ttft_ms":200.5,"input_tokens":100,"output_tokens":11,"cached_input_tokens":0,)"
    R"("cost_usd":0.0021,"finish_reason":"stop","scores":{"quality":0.83,"tone":1},)"
    R"("flags":["pii_leak","refusal"],"attributes":{"tenant":"acme","region":"eu"},)"
    R"("input":"hi","output":"hello"})";

TEST_F(IngestParserTest, ParsesEveryField) {
  ParseCounts c = Parse(kFull);
  ASSERT_EQ(c.requests, 1) << (parser_.errors().empty() ? "" : parser_.errors()[0].error);
  const SeenRequest& r = seen_.requests[0];
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.time, kNow - 60'000 + 250);
  EXPECT_EQ(r.service, "chat-api");
  EXPECT_EQ(r.variant, "canary");
  EXPECT_EQ(r.model, "gpt-4o@production");
  EXPECT_EQ(r.prompt, "support@3");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.latency, 1200.5);
  EXPECT_EQ(r.ttft, 200.5);
  EXPECT_EQ(r.input_tokens, 100);
  EXPECT_EQ(r.output_tokens, 11);
  EXPECT_EQ(r.cost, 0.0021);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.scores, 2);
  EXPECT_EQ(r.quality, 0.83);
  EXPECT_EQ(r.flags, 2);
  EXPECT_EQ(r.first_flag, "pii_leak");
  EXPECT_EQ(r.attributes, 2);
  EXPECT_EQ(r.first_attr_value, "acme");
  ASSERT_TRUE(r.tpot);
  EXPECT_DOUBLE_EQ(*r.tpot, 100.0);  // (1200.5 - 200.5) / (11 - 1)
}

TEST_F(IngestParserTest, DefaultsAndEpochMillis) {
  ParseCounts c = Parse(R"({"time": )" + std::to_string(kNow) + R"(, "service": "s"})");
  ASSERT_EQ(c.requests, 1);
  EXPECT_EQ(seen_.requests[0].time, kNow);
  EXPECT_EQ(seen_.requests[0].variant, "stable");
  EXPECT_EQ(seen_.requests[0].outcome, Outcome::kOk);
  EXPECT_FALSE(seen_.requests[0].latency);
  EXPECT_FALSE(seen_.requests[0].tpot);
}

TEST_F(IngestParserTest, SentTpotIsKeptAndNullMeansAbsent) {
  ParseCounts c = Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s","latency_ms":100,)"
                        R"("ttft_ms":null,"tpot_ms":7,"output_tokens":3,"model":null})");
  ASSERT_EQ(c.requests, 1);
  EXPECT_EQ(seen_.requests[0].tpot, 7);
  EXPECT_FALSE(seen_.requests[0].ttft);
}

TEST_F(IngestParserTest, CountsLinesBlankLinesAndCrlf) {
  std::string ok = R"({"time":"2026-11-27T18:00:00Z","service":"s"})";
  std::string body = ok + "\r\n\r\n   \n" + ok + "\r\n{bad\n" + ok;  // no final newline
  ParseCounts c = Parse(body);
  EXPECT_EQ(c.lines, 6);
  EXPECT_EQ(c.blank_lines, 2);
  EXPECT_EQ(c.requests, 3);
  EXPECT_EQ(c.rejected, 1);
  ASSERT_EQ(parser_.errors().size(), 1u);
  EXPECT_EQ(parser_.errors()[0].line, 5);
  ASSERT_EQ(seen_.requests.size(), 3u);
  EXPECT_EQ(seen_.requests[0].line, 1);
  EXPECT_EQ(seen_.requests[1].line, 4);
  EXPECT_EQ(seen_.requests[2].line, 6);
}

TEST_F(IngestParserTest, FinalNewlineDoesNotAddALine) {
  ParseCounts c = Parse("{\"time\":\"2026-11-27T18:00:00Z\",\"service\":\"s\"}\n");
  EXPECT_EQ(c.lines, 1);
  EXPECT_EQ(c.blank_lines, 0);
  EXPECT_EQ(Parse("").lines, 0);
}

TEST_F(IngestParserTest, EvaluationEvent) {
  ParseCounts c = Parse(R"({"type":"evaluation","time":"2026-11-27T18:00:00Z","service":"s",)"
                        R"("request_id":"r1","name":"faithfulness","score":0.4,"label":"fail",)"
                        R"("explanation":"made up","variant":"canary"})");
  ASSERT_EQ(c.evaluations, 1) << parser_.errors()[0].error;
  EXPECT_EQ(c.requests, 0);
  const SeenEvaluation& e = seen_.evaluations[0];
  EXPECT_EQ(e.name, "faithfulness");
  EXPECT_EQ(e.score, 0.4);
  EXPECT_EQ(e.label, "fail");
  EXPECT_EQ(e.variant, "canary");
  EXPECT_EQ(e.request_id, "r1");
}

TEST_F(IngestParserTest, TypeMayComeLast) {
  ParseCounts c = Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s","name":"n",)"
                        R"("label":"pass","type":"evaluation"})");
  EXPECT_EQ(c.evaluations, 1);
}

TEST_F(IngestParserTest, EscapedStringsAreUnescaped) {
  ParseCounts c = Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s","model":"a\"b\u00e9"})");
  ASSERT_EQ(c.requests, 1);
  EXPECT_EQ(seen_.requests[0].model, "a\"b\xc3\xa9");
}

TEST_F(IngestParserTest, IntegralDoublesAreIntegers) {
  ParseCounts c = Parse(R"({"time":1.7e12,"service":"s","input_tokens":12.0})");
  // 1.7e12 is in 2023: outside the window, but it parsed as a time.
  EXPECT_EQ(c.rejected, 1);
  EXPECT_NE(parser_.errors()[0].error.find("outside the accept window"), std::string::npos);
  c = Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s","input_tokens":12.0})");
  EXPECT_EQ(c.requests, 1);
}

TEST_F(IngestParserTest, TypeErrorsNameTheField) {
  const std::string t = R"({"time":"2026-11-27T18:00:00Z","service":"s",)";
  EXPECT_EQ(ErrorOf(t + R"("latency_ms":"12"})"),
            R"(field "latency_ms": expected a number, got string)");
  EXPECT_EQ(ErrorOf(t + R"("input_tokens":1.5})"),
            R"(field "input_tokens": expected an integer, got 1.5)");
  EXPECT_EQ(ErrorOf(t + R"("model":5})"), R"(field "model": expected a string, got number)");
  EXPECT_EQ(ErrorOf(t + R"("scores":[1]})"), R"(field "scores": expected an object, got array)");
  EXPECT_EQ(ErrorOf(t + R"("scores":{"q":"high"}})"),
            R"(field "scores.q": expected a number, got string)");
  EXPECT_EQ(ErrorOf(t + R"("attributes":{"tenant":3}})"),
            R"(field "attributes.tenant": expected a string, got number)");
  EXPECT_EQ(ErrorOf(t + R"("flags":"pii"})"),
            R"(field "flags": expected an array of strings, got string)");
  EXPECT_EQ(ErrorOf(t + R"("flags":["a",true]})"),
            R"(field "flags[1]": expected a string, got boolean)");
  EXPECT_EQ(ErrorOf(R"({"time":true,"service":"s"})"),
            R"(field "time": expected an RFC 3339 string or integer epoch milliseconds, got boolean)");
}

TEST_F(IngestParserTest, MissingAndUnknownFields) {
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z"})"), R"(missing required field "service")");
  EXPECT_EQ(ErrorOf(R"({"service":"s"})"), R"(missing required field "time")");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z","service":"s","latncy_ms":3})"),
            R"(unknown field "latncy_ms")");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z","service":"s","service":"t"})"),
            R"(duplicate field "service")");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z","service":"s","score":1})"),
            R"(unknown field "score" in a request event)");
  EXPECT_EQ(ErrorOf(R"({"type":"evaluation","time":"2026-11-27T18:00:00Z","service":"s",)"
                    R"("name":"n","score":1,"latency_ms":3})"),
            R"(unknown field "latency_ms" in an evaluation event)");
  EXPECT_EQ(ErrorOf(R"({"type":"evaluation","time":"2026-11-27T18:00:00Z","service":"s",)"
                    R"("score":1})"),
            R"(missing required field "name")");
  EXPECT_EQ(ErrorOf(R"({"type":"evaluation","time":"2026-11-27T18:00:00Z","service":"s",)"
                    R"("name":"n"})"),
            R"(an evaluation event needs "score" or "label")");
  EXPECT_EQ(ErrorOf(R"({"type":"span","time":"2026-11-27T18:00:00Z","service":"s"})"),
            R"(field "type": unknown value "span" (expected request, evaluation))");
}

TEST_F(IngestParserTest, ValueErrors) {
  const std::string t = R"({"time":"2026-11-27T18:00:00Z",)";
  EXPECT_EQ(ErrorOf(t + R"("service":"s","outcome":"boom"})"),
            R"(field "outcome": unknown value "boom" (expected ok, error, timeout, rate_limited, filtered, cancelled))");
  EXPECT_EQ(ErrorOf(t + R"("service":"s","latency_ms":-1})"),
            R"(field "latency_ms": must not be negative)");
  EXPECT_EQ(ErrorOf(t + R"("service":"s","output_tokens":-3})"),
            R"(field "output_tokens": must not be negative)");
  EXPECT_EQ(ErrorOf(t + R"("service":"s","cost_usd":-0.1})"),
            R"(field "cost_usd": must not be negative)");
  EXPECT_EQ(ErrorOf(t + R"("service":""})"), R"(field "service": must not be empty)");
  EXPECT_EQ(ErrorOf(t + R"("service":"my service"})"),
            R"(field "service": may contain only letters, digits and _ . : / -)");
  EXPECT_EQ(ErrorOf(t + R"("service":"s","variant":"a b"})"),
            R"(field "variant": may contain only letters, digits and _ . : / -)");
  EXPECT_EQ(ErrorOf(t + R"("service":")" + std::string(129, 'a') + R"("})"),
            R"(field "service": longer than 128 characters)");
  EXPECT_EQ(ErrorOf(t + R"("service":"s","model":")" + std::string(513, 'm') + R"("})"),
            R"(field "model": longer than 512 characters)");
}

TEST_F(IngestParserTest, TimeErrors) {
  std::string e = ErrorOf(R"({"time":"2019-01-01T00:00:00Z","service":"s"})");
  EXPECT_EQ(e, R"(field "time": 2019-01-01T00:00:00.000Z is outside the accept window )"
               R"((now-7d .. now+5m))");
  e = ErrorOf(R"({"time":"2026-11-27T19:06:00Z","service":"s"})");  // 6 minutes ahead
  EXPECT_NE(e.find("outside the accept window"), std::string::npos);
  e = ErrorOf(R"({"time":"yesterday","service":"s"})");
  EXPECT_EQ(e.rfind(R"(field "time": invalid RFC 3339 time "yesterday")", 0), 0u) << e;
}

TEST_F(IngestParserTest, AcceptWindowCanBeDisabled) {
  IngestParserOptions o;
  o.enforce_accept_window = false;
  IngestParser replay(o);
  Collector c;
  ParseCounts counts = replay.Parse(R"({"time":"2019-01-01T00:00:00Z","service":"s"})", kNow, c);
  EXPECT_EQ(counts.requests, 1);
}

TEST_F(IngestParserTest, LimitsOnCounts) {
  const std::string t = R"({"time":"2026-11-27T18:00:00Z","service":"s",)";
  std::string flags = "[";
  for (int i = 0; i <= kMaxFlags; ++i) flags += std::string(i ? "," : "") + "\"f\"";
  EXPECT_EQ(ErrorOf(t + R"("flags":)" + flags + "]}"), R"(field "flags": more than 16 entries)");
  std::string attrs = "{";
  for (int i = 0; i <= kMaxAttributes; ++i)
    attrs += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":\"v\"";
  EXPECT_EQ(ErrorOf(t + R"("attributes":)" + attrs + "}}"),
            R"(field "attributes": more than 32 entries)");
  std::string scores = "{";
  for (int i = 0; i <= kMaxScores; ++i)
    scores += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":1";
  EXPECT_EQ(ErrorOf(t + R"("scores":)" + scores + "}}"), R"(field "scores": more than 16 entries)");
}

TEST_F(IngestParserTest, LongLineRejectedWithoutParsing) {
  IngestParserOptions o;
  o.max_line_bytes = 64;
  IngestParser small(o);
  Collector c;
  std::string line = R"({"time":"2026-11-27T18:00:00Z","service":"s","model":")" +
                     std::string(100, 'x') + "\"}";
  ParseCounts counts = small.Parse(line, kNow, c);
  EXPECT_EQ(counts.rejected, 1);
  EXPECT_EQ(small.errors()[0].error, "line is longer than 64 bytes");
}

TEST_F(IngestParserTest, MalformedJson) {
  EXPECT_EQ(ErrorOf("{\"time\": 1,").rfind("malformed JSON: ", 0), 0u);
  EXPECT_EQ(ErrorOf("[1,2]"), "expected a JSON object, got array");
  EXPECT_EQ(ErrorOf("\"str\""), "expected a JSON object, got string");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z","service":"s"} {"a":1})"),
            "malformed JSON: unexpected content after the object");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:00Z","service":"s","ttft_ms":nul})")
                .rfind("malformed JSON: ", 0),
            0u);
  EXPECT_EQ(ErrorOf("{\"time\":\"2026-11-27T18:00:00Z\",\"service\":\"\xff\"}").rfind(
                "malformed JSON: ", 0),
            0u);
}

TEST_F(IngestParserTest, ErrorsAreCappedButCounted) {
  IngestParserOptions o;
  o.max_errors_kept = 2;
  IngestParser p(o);
  Collector c;
  ParseCounts counts = p.Parse("x\ny\nz\n", kNow, c);
  EXPECT_EQ(counts.rejected, 3);
  ASSERT_EQ(p.errors().size(), 2u);
  EXPECT_EQ(p.errors()[1].line, 2);
}

TEST_F(IngestParserTest, ParserIsReusableAcrossBodies) {
  Parse("garbage");
  ParseCounts c = Parse(kFull);
  EXPECT_EQ(c.requests, 1);
  EXPECT_TRUE(parser_.errors().empty());
  // Fields of the previous event do not leak into the next.
  c = Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s"})");
  ASSERT_EQ(seen_.requests.size(), 2u);
  EXPECT_EQ(seen_.requests[1].variant, "stable");
  EXPECT_EQ(seen_.requests[1].flags, 0);
  EXPECT_FALSE(seen_.requests[1].latency);
  EXPECT_EQ(seen_.requests[1].outcome, Outcome::kOk);
}

TEST_F(IngestParserTest, LinesFarFromTheEndParseInPlace) {
  // Many lines: all but the last few are parsed inside the body, the rest from the tail copy.
  std::string body;
  for (int i = 0; i < 200; ++i)
    body += R"({"time":"2026-11-27T18:00:00Z","service":"s)" + std::to_string(i % 7) + "\"}\n";
  ParseCounts c = Parse(body);
  EXPECT_EQ(c.requests, 200);
  EXPECT_EQ(seen_.requests[199].service, "s3");
}

// Keys are matched as written when they hold no escape; escaped keys must still be recognized
// (or rejected) by their unescaped form, and errors name them unescaped.
TEST_F(IngestParserTest, EscapedKeysAreUnescapedBeforeMatching) {
  ParseCounts c = Parse(R"({"time":"2026-11-27T18:00:00Z","ser\u0076ice":"s","l\u0061tency_ms":5,)"
                        R"("attributes":{"t\u0065nant":"acme"},"scores":{"q\u0075ality":0.5}})");
  ASSERT_EQ(c.requests, 1) << parser_.errors()[0].error;
  EXPECT_EQ(seen_.requests[0].service, "s");
  EXPECT_EQ(seen_.requests[0].latency, 5);
  EXPECT_EQ(seen_.requests[0].quality, 0.5);
  const std::string t = R"({"time":"2026-11-27T18:00:00Z","service":"s",)";
  EXPECT_EQ(ErrorOf(t + R"("l\u0061tncy_ms":3})"), R"(unknown field "latncy_ms")");
  EXPECT_EQ(ErrorOf(t + R"("s\u0065rvice":"t"})"), R"(duplicate field "service")");
  EXPECT_EQ(ErrorOf(t + R"("l\u0061tency_ms":"x"})"),
            R"(field "latency_ms": expected a number, got string)");
  EXPECT_EQ(ErrorOf(t + R"("attributes":{"t\u0065nant":3}})"),
            R"(field "attributes.tenant": expected a string, got number)");
  // An escaped quote inside a key is part of the key, not its end.
  EXPECT_EQ(ErrorOf(t + R"("mo\"del":"m"})"), R"(unknown field "mo"del")");
}

TEST_F(IngestParserTest, KeysCloseToKnownNamesAreUnknown) {
  const std::string t = R"({"time":"2026-11-27T18:00:00Z","service":"s",)";
  for (const char* key : {"mode", "models", "Model", "modeL", "input_token", "cached_input_tokenz",
                          "", "tim", "times", "outcome_"}) {
    EXPECT_EQ(ErrorOf(t + "\"" + key + "\":1}"), std::string("unknown field \"") + key + "\"");
  }
}

// The parser predicts each key from the previous line's order; other orders, inserted and
// missing fields, and whitespace around the colon must parse the same.
TEST_F(IngestParserTest, FieldOrderMayChangeBetweenLines) {
  std::string body =
      R"({"time":"2026-11-27T18:00:00Z","service":"a","model":"m","latency_ms":1})" "\n"
      R"({"time":"2026-11-27T18:00:01Z","service":"b","model":"m","latency_ms":2})" "\n"
      R"({"model":"n","latency_ms":3,"time":"2026-11-27T18:00:02Z","service":"c"})" "\n"
      R"({"time":"2026-11-27T18:00:03Z","service":"d","variant":"v","model":"m"})" "\n"
      R"({ "time" : "2026-11-27T18:00:04Z" , "service"	:"e" ,"model" : "m" })" "\n"
      R"({"time":"2026-11-27T18:00:05Z","service":"f","service":"g"})" "\n";
  ParseCounts c = Parse(body);
  EXPECT_EQ(c.requests, 5);
  ASSERT_EQ(parser_.errors().size(), 1u);
  EXPECT_EQ(parser_.errors()[0].error, R"(duplicate field "service")");
  ASSERT_EQ(seen_.requests.size(), 5u);
  EXPECT_EQ(seen_.requests[2].model, "n");
  EXPECT_EQ(seen_.requests[2].latency, 3);
  EXPECT_EQ(seen_.requests[3].variant, "v");
  EXPECT_EQ(seen_.requests[4].service, "e");
  EXPECT_EQ(seen_.requests[4].time, *ParseRfc3339("2026-11-27T18:00:04Z"));
}

// String values without escapes are viewed in the line; they must equal the decoded value
// whatever follows them, and escapes (in any position) must still be decoded.
TEST_F(IngestParserTest, StringValuesWithAndWithoutEscapes) {
  ParseCounts c = Parse(
      R"({"time":"2026-11-27T18:00:00Z","service":"s" ,"model":"abcdefgh\\","prompt":"p\n",)"
      R"("finish_reason":"","flags":["f\u0031","plain"],"attributes":{"k":"x\"y","e":""}})");
  ASSERT_EQ(c.requests, 1) << parser_.errors()[0].error;
  const SeenRequest& r = seen_.requests[0];
  EXPECT_EQ(r.service, "s");
  EXPECT_EQ(r.model, "abcdefgh\\");
  EXPECT_EQ(r.prompt, "p\n");
  EXPECT_EQ(r.finish_reason, "");
  EXPECT_EQ(r.first_flag, "f1");
  EXPECT_EQ(r.first_attr_value, "x\"y");
  EXPECT_EQ(r.attributes, 2);
}

TEST_F(IngestParserTest, UnescapedControlCharactersAreMalformed) {
  EXPECT_EQ(ErrorOf("{\"time\":\"2026-11-27T18:00:00Z\",\"service\":\"s\",\"model\":\"a\x01b\"}")
                .rfind("malformed JSON: ", 0),
            0u);
}

// A time of the last minute seen takes a shortcut; results and errors must be ParseRfc3339's.
TEST_F(IngestParserTest, TimesOfOneMinuteMatchAFullParse) {
  const std::vector<std::string> times = {
      "2026-11-27T18:00:00.250Z", "2026-11-27T18:00:59.999Z", "2026-11-27T18:00:07Z",
      "2026-11-27T18:00:60Z",     "2026-11-27T18:01:00.000Z", "2026-11-27T18:00:01.5Z",
      "2026-11-27T18:00:02.123z", "2026-11-27T18:00:03+00:00", "2026-11-27T18:00:04.1234Z"};
  for (const std::string& t : times) {
    ParseCounts c = Parse(R"({"time":")" + t + R"(","service":"s"})");
    ASSERT_EQ(c.requests, 1) << t;
    EXPECT_EQ(seen_.requests.back().time, *ParseRfc3339(t)) << t;
  }
  // Bad seconds after a cached minute are still errors.
  Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s"})");
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:61Z","service":"s"})")
                .rfind(R"(field "time": invalid RFC 3339 time)", 0),
            0u);
  EXPECT_EQ(ErrorOf(R"({"time":"2026-11-27T18:00:0xZ","service":"s"})")
                .rfind(R"(field "time": invalid RFC 3339 time)", 0),
            0u);
}

// Label lengths are skipped when the whole line is shorter than the limits; they must still be
// enforced when it is not.
TEST_F(IngestParserTest, LabelLimitsHoldForShortAndLongLines) {
  IngestParserOptions o;
  o.max_label_chars = 8;
  IngestParser p(o);
  Collector c;
  ParseCounts counts = p.Parse(
      R"({"time":"2026-11-27T18:00:00Z","service":"s","model":"123456789"})", kNow, c);
  ASSERT_EQ(counts.rejected, 1);
  EXPECT_EQ(p.errors()[0].error, R"(field "model": longer than 8 characters)");
  // Eight two-byte characters are eight characters.
  counts = p.Parse("{\"time\":\"2026-11-27T18:00:00Z\",\"service\":\"s\",\"model\":\""
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
                   kNow, c);
  EXPECT_EQ(counts.requests, 1);
  o.max_label_chars = 512;
  o.max_name_chars = 4;
  p.set_options(o);
  counts = p.Parse(R"({"time":"2026-11-27T18:00:00Z","service":"abcde"})", kNow, c);
  ASSERT_EQ(counts.rejected, 1);
  EXPECT_EQ(p.errors()[0].error, R"(field "service": longer than 4 characters)");
  o.max_text_chars = 3;
  o.max_name_chars = 128;
  p.set_options(o);
  counts = p.Parse(R"({"time":"2026-11-27T18:00:00Z","service":"s","output":"abcd"})", kNow, c);
  ASSERT_EQ(counts.rejected, 1);
  EXPECT_EQ(p.errors()[0].error, R"(field "output": longer than 3 characters)");
}

TEST_F(IngestParserTest, EvaluationLabelLimits) {
  IngestParserOptions o;
  o.max_label_chars = 4;
  IngestParser p(o);
  Collector c;
  ParseCounts counts = p.Parse(R"({"type":"evaluation","time":"2026-11-27T18:00:00Z",)"
                               R"("service":"s","name":"n","label":"toolong"})",
                               kNow, c);
  ASSERT_EQ(counts.rejected, 1);
  EXPECT_EQ(p.errors()[0].error, R"(field "label": longer than 4 characters)");
}

// Map keys are matched against the previous line's keys at the same position; changed keys,
// orders, long keys and escaped keys must read as written.
TEST_F(IngestParserTest, MapKeysMayChangeBetweenLines) {
  const std::string t = R"({"time":"2026-11-27T18:00:00Z","service":"s","scores":)";
  const std::string long_key(40, 'k');
  std::string body = t + R"({"quality":1,"tone":2}})" "\n" +
                     t + R"({"tone":3,"quality":4}})" "\n" +
                     t + R"({"qualit":5,"quality":6}})" "\n" +
                     t + R"({"quality":6.5}})" "\n" +
                     t + R"({")" + long_key + R"(":7,"q\u0075ality":8}})" "\n" +
                     t + R"({")" + long_key + R"(":9,"quality":10}})" "\n" +
                     t + R"({"":11,"quality":12}})" "\n";
  ParseCounts c = Parse(body);
  ASSERT_EQ(c.requests, 7) << parser_.errors()[0].error;
  std::vector<std::optional<double>> quality;
  for (const SeenRequest& r : seen_.requests) quality.push_back(r.quality);
  EXPECT_EQ(quality, (std::vector<std::optional<double>>{1, 4, 6, 6.5, 8, 10, 12}));
  EXPECT_EQ(ErrorOf(t + R"({")" + long_key + R"(":"x"}})"),
            "field \"scores." + long_key + "\": expected a number, got string");
}

// Mutated events (bytes replaced, dropped or inserted, lines repeated so that key guesses and
// cached minutes carry over) are accepted or rejected, never read out of bounds (run under
// ASan); every line is counted once.
RC_GTEST_PROP(IngestParserProperty, MutatedLinesAreCountedAndNeverCrash, ()) {
  std::string line = kFull;
  const auto edits = *rc::gen::container<std::vector<std::tuple<int, size_t, char>>>(
      rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange<size_t>(0, 400),
                     rc::gen::elementOf(std::string("\"\\{}[]:,0123456789.eE-+ aqtnul\x01\xc3"))));
  for (const auto& [kind, at, c] : edits) {
    size_t pos = at % (line.size() + 1);
    if (kind == 0 && pos < line.size()) line[pos] = c;
    if (kind == 1 && pos < line.size()) line.erase(pos, 1);
    if (kind == 2) line.insert(pos, 1, c);
  }
  if (line.find('\n') != std::string::npos) return;
  IngestParser parser;
  Collector seen;
  std::string body = std::string(kFull) + "\n" + line + "\n" + line + "\n" + line;
  ParseCounts c = parser.Parse(body, kNow, seen);
  RC_ASSERT(c.lines == 4);
  RC_ASSERT(c.requests + c.evaluations + c.rejected + c.blank_lines == 4);
  RC_ASSERT(c.requests >= 1);
  RC_ASSERT(c.rejected == 0 || c.rejected == 3);  // the same line, the same verdict
}

TEST(CheckRequestEventTest, ValidatesSharedRules) {
  IngestParserOptions o;
  RequestEvent e;
  e.time = kNow;
  e.service = "svc";
  EXPECT_EQ(CheckRequestEvent(e, o, kNow), "");
  e.ttft_ms = -5;
  EXPECT_EQ(CheckRequestEvent(e, o, kNow), R"(field "ttft_ms": must not be negative)");
}

}  // namespace
}  // namespace ballast::telemetry

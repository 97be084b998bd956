#include "telemetry/event_record.h"

#include "common/allocation_counter_testing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ballast::telemetry {
namespace {

expr::Predicate MustCompile(std::string_view text, const expr::Schema& schema) {
  Result<expr::Predicate> p = expr::Compile(text, schema);
  EXPECT_TRUE(p) << text << ": " << p.error().ToString();
  return p ? *p : expr::Predicate();
}

bool Matches(std::string_view text, const RequestEvent& e) {
  return MustCompile(text, RequestEventSchema()).Evaluate(RequestEventRecord(e));
}

bool Matches(std::string_view text, const EvaluationEvent& e) {
  return MustCompile(text, EvaluationEventSchema()).Evaluate(EvaluationEventRecord(e));
}

// A chat completion from a support bot, as the NDJSON parser would hand it over.
RequestEvent SupportChat() {
  RequestEvent e;
  e.time = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  e.service = "support-bot";
  e.variant = "canary";
  e.request_id = "req-7f3a";
  e.model = "gpt-4o-mini@3";
  e.prompt = "triage@production";
  e.provider = "openai";
  e.operation = "chat";
  e.outcome = Outcome::kOk;
  e.latency_ms = 1840;
  e.ttft_ms = 310;
  e.input_tokens = 1200;
  e.output_tokens = 154;
  e.cached_input_tokens = 1024;
  e.cost_usd = 0.00042;
  e.finish_reason = "stop";
  e.score_count = 2;
  e.scores[0] = {"quality", 0.83};
  e.scores[1] = {"toxicity", 0.01};
  e.flag_count = 1;
  e.flags[0] = "refusal";
  e.attribute_count = 2;
  e.attributes[0] = {"tenant", "acme"};
  e.attributes[1] = {"region", "eu-west-1"};
  return e;
}

RequestEvent TimedOut() {
  RequestEvent e;
  e.time = 1'767'225'660'000;
  e.service = "support-bot";
  e.model = "claude-3-5-sonnet";
  e.provider = "anthropic";
  e.outcome = Outcome::kTimeout;
  e.error_type = "upstream deadline exceeded";
  e.latency_ms = 30'000;
  e.attribute_count = 1;
  e.attributes[0] = {"tenant", "globex"};
  return e;
}

TEST(RequestEventSchemaTest, EveryDesignFieldIsAddressable) {
  for (const char* field :
       {"service", "variant", "request_id", "model", "prompt", "provider", "operation",
        "error_type", "finish_reason"}) {
    EXPECT_TRUE(expr::Compile(std::string(field) + " != 'x'", RequestEventSchema())) << field;
  }
  for (const char* field : {"latency_ms", "ttft_ms", "tpot_ms", "input_tokens", "output_tokens",
                            "cached_input_tokens", "cost_usd", "scores.quality", "time"}) {
    EXPECT_TRUE(expr::Compile(std::string(field) + " >= 0", RequestEventSchema())) << field;
  }
  EXPECT_TRUE(expr::Compile("outcome IN ('ok', 'error', 'timeout', 'rate_limited', 'filtered', "
                            "'cancelled')",
                            RequestEventSchema()));
  EXPECT_TRUE(expr::Compile("has(flags, 'pii_leak')", RequestEventSchema()));
  EXPECT_TRUE(expr::Compile("attributes.tenant = 'acme'", RequestEventSchema()));
}

TEST(RequestEventSchemaTest, MistakesAreCompileErrors) {
  Result<expr::Predicate> p = expr::Compile("outcome = 'success'", RequestEventSchema());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message(),
            "unknown value 'success' for field 'outcome' at position 11; expected one of: ok, "
            "error, timeout, rate_limited, filtered, cancelled");
  p = expr::Compile("ttft < 800", RequestEventSchema());
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message(),
              testing::StartsWith("unknown field 'ttft' at position 1; valid fields: "
                                  "attributes.<key>, cached_input_tokens, cost_usd, "));
  EXPECT_THAT(p.error().message(), testing::HasSubstr("ttft_ms"));
  p = expr::Compile("input_tokens > '100'", RequestEventSchema());
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message(), testing::HasSubstr("'input_tokens' is a number"));
  p = expr::Compile("score < 0.5", RequestEventSchema());  // an evaluation field
  ASSERT_FALSE(p);
  p = expr::Compile("flags = 'refusal'", RequestEventSchema());
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message(), testing::HasSubstr("has(flags, 'x')"));
}

TEST(RequestEventRecordTest, ClassifiesRealisticEvents) {
  RequestEvent chat = SupportChat();
  RequestEvent timeout = TimedOut();
  // A latency SLI: good = ok and fast, counted among ok-or-timeout requests of one tenant set.
  const char* total = "service = 'support-bot' AND outcome IN ('ok', 'timeout')";
  const char* good = "outcome = 'ok' AND ttft_ms <= 800 AND attributes.tenant IN ('acme', 'b')";
  EXPECT_TRUE(Matches(total, chat));
  EXPECT_TRUE(Matches(total, timeout));
  EXPECT_TRUE(Matches(good, chat));
  EXPECT_FALSE(Matches(good, timeout));

  EXPECT_TRUE(Matches("variant = 'canary' AND model LIKE 'gpt-4o%' AND prompt = "
                      "'triage@production'",
                      chat));
  EXPECT_TRUE(Matches("variant = 'stable'", timeout));  // the default variant
  EXPECT_TRUE(Matches("provider = 'openai' AND operation = 'chat' AND finish_reason = 'stop'",
                      chat));
  EXPECT_TRUE(Matches("request_id = 'req-7f3a'", chat));
  EXPECT_TRUE(Matches("error_type ILIKE '%DEADLINE%'", timeout));
  EXPECT_TRUE(Matches("input_tokens > 1000 AND output_tokens = 154 AND cached_input_tokens "
                      ">= 1024 AND cost_usd < 0.001",
                      chat));
  EXPECT_TRUE(Matches("scores.quality >= 0.8 AND scores.toxicity < 0.05", chat));
  EXPECT_TRUE(Matches("has(flags, 'refusal') AND NOT has(flags, 'pii_leak')", chat));
  EXPECT_TRUE(Matches("attributes.region = 'eu-west-1'", chat));
  EXPECT_TRUE(Matches("time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z'", chat));
  EXPECT_FALSE(Matches("time < '2026-01-01T00:01:00Z'", timeout));
}

TEST(RequestEventRecordTest, MissingFieldsAreAbsent) {
  RequestEvent timeout = TimedOut();  // no ttft, prompt, request_id, scores, flags
  EXPECT_FALSE(Matches("ttft_ms <= 800", timeout));
  EXPECT_FALSE(Matches("ttft_ms > 800", timeout));
  EXPECT_TRUE(Matches("NOT ttft_ms <= 800", timeout));
  EXPECT_FALSE(Matches("prompt != 'triage@production'", timeout));
  EXPECT_TRUE(Matches("NOT prompt = 'triage@production'", timeout));
  EXPECT_FALSE(Matches("scores.quality < 0.5", timeout));
  EXPECT_FALSE(Matches("has(flags, 'refusal')", timeout));
  EXPECT_FALSE(Matches("attributes.region LIKE '%'", timeout));
  EXPECT_FALSE(Matches("finish_reason NOT IN ('length')", timeout));
}

TEST(RequestEventRecordTest, TpotIsDerivedWhenNotSent) {
  RequestEvent chat = SupportChat();  // (1840 - 310) / (154 - 1) = 10 ms
  EXPECT_TRUE(Matches("tpot_ms = 10", chat));
  RequestEvent derived = chat;
  derived.DeriveTpot();
  ASSERT_TRUE(derived.tpot_ms);
  EXPECT_TRUE(Matches("tpot_ms = " + std::to_string(*derived.tpot_ms), chat));
  chat.tpot_ms = 12.5;  // a sent value wins
  EXPECT_TRUE(Matches("tpot_ms = 12.5", chat));
  RequestEvent one_token = SupportChat();
  one_token.output_tokens = 1;
  EXPECT_FALSE(Matches("tpot_ms >= 0", one_token));
}

TEST(EvaluationEventRecordTest, ClassifiesJudgeResults) {
  EvaluationEvent ev;
  ev.time = 1'767'225'600'000;
  ev.service = "support-bot";
  ev.request_id = "req-7f3a";
  ev.name = "faithfulness";
  ev.score = 0.4;
  ev.label = "fail";
  ev.variant = "canary";
  ev.model = "gpt-4o-mini@3";
  ev.prompt = "triage@production";
  ev.attribute_count = 1;
  ev.attributes[0] = {"judge", "gpt-4o"};
  EXPECT_TRUE(Matches("name = 'faithfulness' AND score < 0.5 AND label = 'fail'", ev));
  EXPECT_TRUE(Matches("service = 'support-bot' AND variant = 'canary' AND model LIKE 'gpt%' AND "
                      "prompt = 'triage@production' AND request_id = 'req-7f3a'",
                      ev));
  EXPECT_TRUE(Matches("attributes.judge = 'gpt-4o' AND time = 1767225600000", ev));
  ev.score.reset();
  EXPECT_FALSE(Matches("score < 0.5", ev));
  EXPECT_TRUE(Matches("NOT score >= 0.5", ev));
  EXPECT_FALSE(expr::Compile("latency_ms > 1", EvaluationEventSchema()));
}

TEST(RequestEventRecordTest, EvaluateDoesNotAllocate) {
  if (!allocation_testing::AllocationCounterWorks()) GTEST_SKIP() << "operator new is replaced elsewhere";
  expr::Predicate p = MustCompile(
      "service = 'support-bot' AND outcome IN ('ok', 'timeout') AND ttft_ms <= 800 AND "
      "tpot_ms < 20 AND attributes.tenant IN ('acme', 'globex') AND NOT has(flags, 'pii_leak') "
      "AND model ILIKE 'GPT-4O%' AND scores.quality > 0.5 AND time >= '2025-06-01T00:00:00Z' "
      "AND error_type NOT LIKE '%x%'",
      RequestEventSchema());
  RequestEvent chat = SupportChat();
  RequestEvent timeout = TimedOut();
  int good = 0;
  {
    allocation_testing::AllocationCount count;
    for (int i = 0; i < 1000; ++i) {
      good += p.Evaluate(RequestEventRecord(chat)) ? 1 : 0;
      good += p.Evaluate(RequestEventRecord(timeout)) ? 1 : 0;
    }
    EXPECT_EQ(count.count(), 0u);
  }
  EXPECT_EQ(good, 0);  // error_type is absent on the chat, so NOT LIKE is false
  chat.error_type = "none";
  EXPECT_TRUE(p.Evaluate(RequestEventRecord(chat)));
}

}  // namespace
}  // namespace ballast::telemetry

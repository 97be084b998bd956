#include "slo/request_predicate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/expr.h"
#include "telemetry/event_record.h"

namespace ballast::slo {
namespace {

using telemetry::RequestEvent;

// Random events over small value sets, so that comparisons are often true and often false, and
// every optional field is sometimes absent.
class EventGenerator {
 public:
  explicit EventGenerator(uint64_t seed) : rng_(seed) {}

  RequestEvent Next() {
    RequestEvent e;
    e.time = 1'800'000'000'000 + static_cast<int64_t>(Pick(3)) * 60'000;
    e.service = Choose({"chat", "search"});
    e.variant = Choose({"stable", "canary", ""});
    e.model = Choose({"gpt-4o", "", "llama"});
    e.prompt = Choose({"", "greet@1"});
    e.provider = Choose({"openai", "", "anthropic"});
    e.request_id = Choose({"", "r1"});
    e.operation = Choose({"chat", "completion", "", "embeddings"});
    e.outcome = static_cast<telemetry::Outcome>(Pick(telemetry::kOutcomeCount));
    e.error_type = Choose({"", "upstream"});
    e.finish_reason = Choose({"stop", "", "length"});
    e.latency_ms = MaybeNumber({100, 800, 4000, 5000});
    e.ttft_ms = MaybeNumber({50, 800, 1200});
    e.tpot_ms = Pick(3) == 0 ? MaybeNumber({10, 60}) : std::nullopt;
    if (Pick(3) != 0) e.output_tokens = static_cast<int64_t>(Pick(4));
    if (Pick(2) != 0) e.input_tokens = static_cast<int64_t>(Pick(3) * 100);
    if (Pick(2) != 0) e.cached_input_tokens = static_cast<int64_t>(Pick(2) * 50);
    e.cost_usd = MaybeNumber({0.001, 0.02, 0.5});
    if (Pick(10) == 0) e.cost_usd = std::numeric_limits<double>::quiet_NaN();
    for (const char* flag : {"pii_leak", "hallucination", "refusal"}) {
      if (Pick(3) == 0) e.flags[static_cast<size_t>(e.flag_count++)] = flag;
    }
    for (const char* score : {"quality", "faithfulness"}) {
      if (Pick(2) == 0) {
        e.scores[static_cast<size_t>(e.score_count++)] = {score, Pick(3) * 0.5 - 0.5};
      }
    }
    for (const char* key : {"tenant", "region"}) {
      if (Pick(2) == 0) {
        e.attributes[static_cast<size_t>(e.attribute_count++)] = {
            key, Choose({"acme", "globex", "", "eu-west-1"})};
      }
    }
    return e;
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  std::string_view Choose(std::initializer_list<const char*> values) {
    return values.begin()[Pick(values.size())];
  }
  std::optional<double> MaybeNumber(std::initializer_list<double> values) {
    if (Pick(4) == 0) return std::nullopt;
    return values.begin()[Pick(values.size())];
  }

  std::mt19937_64 rng_;
};

const std::vector<std::string>& CoveredExpressions() {
  static const std::vector<std::string> e = {
      "outcome = 'ok'",
      "outcome != 'cancelled'",
      "outcome IN ('ok', 'filtered')",
      "outcome NOT IN ('error', 'timeout')",
      "NOT outcome = 'ok'",
      "outcome = 'ok' AND operation = 'chat'",
      "outcome = 'ok' AND output_tokens > 1",
      "operation != 'chat'",
      "operation IN ('chat', 'completion')",
      "operation NOT IN ('chat')",
      "NOT operation = 'chat'",
      "variant = 'canary'",
      "model = 'gpt-4o' OR prompt = 'greet@1'",
      "provider != 'openai' AND error_type = 'upstream'",
      "finish_reason IN ('stop', 'length')",
      "service = 'chat' AND request_id != 'x'",
      "NOT has(flags, 'pii_leak')",
      "has(flags, 'hallucination') OR has(flags, 'refusal')",
      "scores.quality >= 0",
      "scores.quality < 0.5 AND NOT scores.faithfulness = 0",
      "scores.faithfulness IN (0, 0.5)",
      "scores.quality NOT IN (0)",
      "latency_ms <= 4000",
      "latency_ms != 800",
      "ttft_ms IN (50, 1200)",
      "ttft_ms NOT IN (800)",
      "tpot_ms <= 60",
      "tpot_ms > 0 AND tpot_ms < 100",
      "cost_usd < 0.02",
      "cost_usd != 0.5",
      "cost_usd NOT IN (0.001)",
      "input_tokens = 100",
      "cached_input_tokens >= 0",
      "NOT cached_input_tokens >= 0",
      "time >= 1800000060000",
      "attributes.tenant IN ('acme', 'globex')",
      "attributes.tenant = ''",
      "attributes.region != 'eu-west-1'",
      "attributes.missing NOT IN ('a') OR outcome = 'ok'",
      "NOT (attributes.tenant = 'acme' OR (outcome = 'error' AND latency_ms > 100))",
      "(outcome = 'ok' OR outcome = 'timeout') AND NOT (has(flags, 'pii_leak') OR "
      "cost_usd > 0.1)",
  };
  return e;
}

TEST(RequestPredicateTest, AgreesWithExprPredicateOnRandomEvents) {
  EventGenerator gen(20261128);
  std::vector<RequestEvent> events;
  for (int i = 0; i < 3000; ++i) events.push_back(gen.Next());
  for (const std::string& text : CoveredExpressions()) {
    Result<expr::Predicate> slow = expr::Compile(text, telemetry::RequestEventSchema());
    ASSERT_TRUE(slow) << text << ": " << slow.error().ToString();
    std::optional<RequestPredicate> fast = RequestPredicate::Compile(text);
    ASSERT_TRUE(fast.has_value()) << text << " is not covered";
    int matched = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      const bool want = slow->Evaluate(telemetry::RequestEventRecord(events[i]));
      ASSERT_EQ(fast->Evaluate(events[i]), want) << text << " on event " << i;
      matched += want ? 1 : 0;
    }
    // The events exercise both outcomes of every expression.
    EXPECT_GT(matched, 0) << text;
    EXPECT_LT(matched, static_cast<int>(events.size())) << text;
  }
}

TEST(RequestPredicateTest, FormsNotCoveredAreLeftToExpr) {
  for (const char* text :
       {"", "model LIKE 'gpt%'", "model ILIKE 'GPT%'", "model < 'm'", "outcome > 'error'",
        "time >= '2027-01-15T00:00:00Z'", "attributes.a.b = 'x'", "scores.a.b > 1",
        "outcome = 'ok' AND model NOT LIKE 'x%'", "not valid ((", "flags = 'x'"}) {
    EXPECT_FALSE(RequestPredicate::Compile(text).has_value()) << text;
  }
}

TEST(RequestFieldTest, ReadsWhatTheRecordReads) {
  EventGenerator gen(7);
  const char* names[] = {"latency_ms",    "ttft_ms",  "tpot_ms",        "input_tokens",
                         "output_tokens", "cost_usd", "scores.quality", "cached_input_tokens",
                         "time"};
  for (const char* name : names) {
    std::optional<RequestField> field = RequestField::Of(name);
    ASSERT_TRUE(field.has_value()) << name;
    expr::FieldPath path;
    std::string s(name);
    const size_t dot = s.find('.');
    path.segments.push_back(s.substr(0, dot));
    if (dot != std::string::npos) path.segments.push_back(s.substr(dot + 1));
    Result<expr::Schema::Resolved> slot = telemetry::RequestEventSchema().Resolve(path);
    ASSERT_TRUE(slot) << name;
    int present = 0;
    for (int i = 0; i < 2000; ++i) {
      RequestEvent e = gen.Next();
      expr::FieldValue want = telemetry::RequestEventRecord(e).Get(slot->slot, slot->key);
      std::optional<double> got = field->Read(e);
      if (field->fixed_index() >= 0) {  // the table SloBatch reads gives the same
        RequestField::FixedFields fixed;
        RequestField::ReadFixed(e, fixed);
        const double v = fixed[static_cast<size_t>(field->fixed_index())];
        ASSERT_EQ(!std::isnan(v), got.has_value()) << name << " on event " << i;
        if (got) EXPECT_EQ(v, *got) << name;
      }
      const bool want_present =
          want.kind == expr::FieldValue::Kind::kNumber && !std::isnan(want.number);
      ASSERT_EQ(got.has_value(), want_present) << name << " on event " << i;
      if (got) {
        EXPECT_EQ(*got, want.number) << name;
        ++present;
      }
    }
    EXPECT_GT(present, 0) << name;
  }
  EXPECT_EQ(RequestField::Of("scores.quality")->fixed_index(), -1);
  EXPECT_EQ(RequestField::Of("time")->fixed_index(), 0);
  EXPECT_EQ(RequestField::Of("cost_usd")->fixed_index(), 7);
  EXPECT_FALSE(RequestField::Of("outcome").has_value());
  EXPECT_FALSE(RequestField::Of("scores.").has_value());
  EXPECT_FALSE(RequestField::Of("attributes.tenant").has_value());
}

}  // namespace
}  // namespace ballast::slo

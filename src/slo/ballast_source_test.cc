// The ballast data source: the examples load and compile, and compiled SLIs classify events.
#include "slo/ballast_source.h"

#include <gtest/gtest.h>

#include "slo/loader.h"
#include "slo/test_support.h"
#include "telemetry/event_record.h"

namespace ballast::slo {
namespace {

using telemetry::EvaluationEvent;
using telemetry::EvaluationEventRecord;
using telemetry::Outcome;
using telemetry::RequestEvent;
using telemetry::RequestEventRecord;

class Examples : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    result_ = new LoadResult(LoadPaths({testing::SourceDir() + "/examples/slos"}));
  }
  static void TearDownTestSuite() { delete result_; }

  CompiledSli Compile(std::string_view slo, size_t objective = 0) {
    const Object* o = result_->catalog.Find(Kind::kSlo, slo);
    EXPECT_NE(o, nullptr) << slo;
    if (o == nullptr) return {};
    Result<CompiledSli> c = CompileObjective(result_->catalog, *o, objective);
    EXPECT_TRUE(c.has_value()) << c.status().ToString();
    return c.value_or(CompiledSli{});
  }

  static LoadResult* result_;
};
LoadResult* Examples::result_ = nullptr;

Verdict Classify(const CompiledSli& sli, const RequestEvent& e) {
  return sli.Classify(RequestEventRecord(e));
}

TEST_F(Examples, LoadWithoutErrorsOrWarnings) {
  EXPECT_TRUE(result_->diagnostics.empty()) << result_->diagnostics.ToString();
  size_t slos = 0;
  for (const Object& o : result_->catalog.objects()) {
    if (o.kind != Kind::kSlo) continue;
    ++slos;
    for (size_t i = 0; i < o.As<SloSpec>().objectives.size(); ++i) {
      Result<CompiledSli> c = CompileObjective(result_->catalog, o, i);
      EXPECT_TRUE(c.has_value()) << o.metadata.name << "[" << i << "]: " << c.status().ToString();
    }
  }
  EXPECT_EQ(slos, 9u);
}

TEST_F(Examples, AvailabilityCountsOkAmongNotCancelled) {
  CompiledSli sli = Compile("chat-availability");
  EXPECT_EQ(sli.mode(), CompiledSli::Mode::kRatioGood);
  RequestEvent e;
  e.outcome = Outcome::kOk;
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
  e.outcome = Outcome::kTimeout;
  EXPECT_EQ(Classify(sli, e), Verdict::kBad);
  e.outcome = Outcome::kCancelled;
  EXPECT_EQ(Classify(sli, e), Verdict::kNotCounted);
}

TEST_F(Examples, LatencyThresholdPerObjective) {
  CompiledSli four = Compile("chat-latency", 0);
  CompiledSli ten = Compile("chat-latency", 1);
  RequestEvent e;
  e.latency_ms = 5000;
  EXPECT_EQ(Classify(four, e), Verdict::kBad);
  EXPECT_EQ(Classify(ten, e), Verdict::kGood);
  e.latency_ms = 4000;  // lte: the bound itself is good
  EXPECT_EQ(Classify(four, e), Verdict::kGood);
  e.latency_ms.reset();  // no field: not counted
  EXPECT_EQ(Classify(four, e), Verdict::kNotCounted);
  e.latency_ms = 100;
  e.outcome = Outcome::kError;  // where: outcome = 'ok'
  EXPECT_EQ(Classify(four, e), Verdict::kNotCounted);
}

TEST_F(Examples, TpotIsDerivedWhenAbsent) {
  CompiledSli sli = Compile("chat-tpot");
  RequestEvent e;
  e.latency_ms = 2000;
  e.ttft_ms = 500;
  e.output_tokens = 31;  // (2000 - 500) / 30 = 50 ms per token
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
  e.output_tokens = 21;  // 75 ms per token
  EXPECT_EQ(Classify(sli, e), Verdict::kBad);
}

TEST_F(Examples, SafetyFlagsAreBad) {
  CompiledSli sli = Compile("chat-safety");
  EXPECT_EQ(sli.mode(), CompiledSli::Mode::kRatioBad);
  RequestEvent e;
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
  e.flags[0] = "jailbreak";
  e.flag_count = 1;
  EXPECT_EQ(Classify(sli, e), Verdict::kBad);
  e.flags[0] = "refusal";
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
}

TEST_F(Examples, HallucinationAmongJudgedRequests) {
  CompiledSli sli = Compile("chat-no-hallucination");
  RequestEvent e;
  EXPECT_EQ(Classify(sli, e), Verdict::kNotCounted);  // not judged
  e.scores[0] = {"quality", 0.9};
  e.score_count = 1;
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
  e.flags[0] = "hallucination";
  e.flag_count = 1;
  EXPECT_EQ(Classify(sli, e), Verdict::kBad);
}

TEST_F(Examples, FaithfulnessCountsEvaluationEvents) {
  CompiledSli sli = Compile("chat-faithfulness");
  EXPECT_EQ(sli.events(), EventKind::kEvaluations);
  EvaluationEvent e;
  e.name = "faithfulness";
  e.score = 0.8;
  EXPECT_EQ(sli.Classify(EvaluationEventRecord(e)), Verdict::kGood);
  e.score = 0.4;
  EXPECT_EQ(sli.Classify(EvaluationEventRecord(e)), Verdict::kBad);
  e.name = "toxicity";
  EXPECT_EQ(sli.Classify(EvaluationEventRecord(e)), Verdict::kNotCounted);
}

TEST_F(Examples, CostAndCalendarWindow) {
  CompiledSli sli = Compile("chat-cost");
  RequestEvent e;
  e.cost_usd = 0.019;
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);
  e.cost_usd = 0.05;
  EXPECT_EQ(Classify(sli, e), Verdict::kBad);
  const Object* slo = result_->catalog.Find(Kind::kSlo, "chat-cost");
  const Calendar& cal = *slo->As<SloSpec>().time_window[0].calendar;
  EXPECT_EQ(cal.start, 1735686000000);  // 2025-01-01 00:00 in Paris = 2024-12-31 23:00 UTC
}

TEST_F(Examples, PercentileOnTimeslices) {
  CompiledSli sli = Compile("chat-ttft-p95");
  EXPECT_EQ(sli.mode(), CompiledSli::Mode::kAggregate);
  EXPECT_EQ(sli.aggregate(), Aggregate::kP95);
  EXPECT_DOUBLE_EQ(AggregateQuantile(sli.aggregate()), 0.95);
  RequestEvent e;
  e.ttft_ms = 900;
  EXPECT_EQ(sli.Sample(RequestEventRecord(e)), 900);
  EXPECT_EQ(Classify(sli, e), Verdict::kGood);  // counted; the slice decides
  e.outcome = Outcome::kError;
  EXPECT_EQ(sli.Sample(RequestEventRecord(e)), std::nullopt);
  EXPECT_TRUE(sli.SliceGood(1199));
  EXPECT_FALSE(sli.SliceGood(1200));  // op lt
}

TEST_F(Examples, NotificationTargets) {
  const Object* slack = result_->catalog.Find(Kind::kAlertNotificationTarget, "assistant-slack");
  ASSERT_NE(slack, nullptr);
  EXPECT_EQ(slack->metadata.annotations.at("ballast.dev/format"), "slack");
  const Object* policy = result_->catalog.Find(Kind::kAlertPolicy, "ticket-slow-burn");
  ASSERT_NE(policy, nullptr);
  const auto& cond = policy->As<AlertPolicySpec>().conditions.at(0);
  ASSERT_FALSE(cond.is_ref());
  EXPECT_EQ(cond.spec->condition.lookback_window, (Duration{1, DurationUnit::kDay}));
  EXPECT_DOUBLE_EQ(cond.spec->condition.threshold, 3);
}

// Errors of the ballast source, each with its position and field path.
std::string Errors(std::string_view text) {
  LoadResult r = LoadText(text, "b.yaml");
  std::string out;
  for (const Diagnostic& d : r.diagnostics.items())
    if (d.severity == Severity::kError) out += d.ToString() + "\n";
  return out;
}

std::string ThresholdSli(const std::string& spec_lines) {
  return "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: s}\nspec:\n  thresholdMetric:\n"
         "    metricSource:\n      type: ballast\n      spec:\n" +
         spec_lines;
}

TEST(BallastSource, FieldMustBeANumberField) {
  EXPECT_EQ(Errors(ThresholdSli("        field: model\n")),
            "b.yaml:9:16: spec.thresholdMetric.metricSource.spec.field: \"model\" is not a number "
            "field of requests (it is a string)\n");
  EXPECT_EQ(Errors(ThresholdSli("        where: outcome = 'ok'\n")),
            "b.yaml:7:7: spec.thresholdMetric.metricSource.spec.field: required for a "
            "thresholdMetric: the number field compared with the objective's op and value (e.g. "
            "latency_ms)\n");
  EXPECT_EQ(Errors(ThresholdSli("        field: scores.quality\n")), "");
  // latency_ms is a field of requests, not of evaluations.
  std::string e = Errors(ThresholdSli("        events: evaluations\n        field: latency_ms\n"));
  EXPECT_NE(e.find("b.yaml:10:16: spec.thresholdMetric.metricSource.spec.field: "),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("latency_ms"), std::string::npos) << e;
}

TEST(BallastSource, UnknownKeysAndBadValues) {
  EXPECT_EQ(Errors(ThresholdSli("        field: ttft_ms\n        aggregate: p42\n"
                                "        events: spans\n        query: x\n")),
            "b.yaml:10:20: spec.thresholdMetric.metricSource.spec.aggregate: invalid value "
            "\"p42\": expected p50, p90, p95, p99, avg, max or sum\n"
            "b.yaml:11:17: spec.thresholdMetric.metricSource.spec.events: invalid value \"spans\": "
            "expected requests or evaluations\n"
            "b.yaml:12:16: spec.thresholdMetric.metricSource.spec.query: unknown field of the "
            "ballast data source (expected events, where, field, aggregate)\n");
}

constexpr const char* kAggregateSlo = R"(apiVersion: openslo/v1
kind: SLO
metadata: {name: p95}
spec:
  service: chat-api
  indicator:
    metadata: {name: p95}
    spec:
      thresholdMetric:
        metricSource: {type: ballast, spec: {field: ttft_ms, aggregate: p95}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - {op: lt, value: 800, target: 0.99}
)";

TEST(BallastSource, AggregateNeedsTimeslices) {
  EXPECT_EQ(Errors(kAggregateSlo),
            "b.yaml:14:7: spec.objectives[0]: the SLI aggregates p95 per time slice: "
            "budgetingMethod must be Timeslices\n");
  LoadResult r = LoadText(kAggregateSlo);
  Result<CompiledSli> c = CompileObjective(r.catalog, r.catalog.objects()[0], 0);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message().find("aggregate needs budgetingMethod Timeslices"),
            std::string::npos);
}

TEST(BallastSource, GoodMustCountTheEventsOfTotal) {
  std::string text = R"(apiVersion: openslo/v1
kind: SLI
metadata: {name: s}
spec:
  ratioMetric:
    good: {metricSource: {type: ballast, spec: {events: evaluations, where: "score > 0.5"}}}
    total: {metricSource: {type: ballast, spec: {events: requests}}}
)";
  EXPECT_EQ(Errors(text),
            "b.yaml:6:57: spec.ratioMetric.good.metricSource.spec.events: must count the same "
            "events as total (requests)\n");
  // Without `events`, good takes total's: `score` is then a field of evaluations.
  text = R"(apiVersion: openslo/v1
kind: SLI
metadata: {name: s}
spec:
  ratioMetric:
    good: {metricSource: {type: ballast, spec: {where: "score > 0.5"}}}
    total: {metricSource: {type: ballast, spec: {events: evaluations}}}
)";
  EXPECT_EQ(Errors(text), "");
}

TEST(BallastSource, OtherTypesValidateButDoNotCompile) {
  LoadResult r = LoadPaths(
      {testing::ConformanceDir() + "/spec/examples/budgeting-method/occurences-slo.yaml"});
  ASSERT_TRUE(r.ok());
  Result<CompiledSli> c = CompileObjective(r.catalog, r.catalog.objects()[0], 0);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message().find("data source type \"Any\" cannot be evaluated by ballast"),
            std::string::npos)
      << c.error().message();
}

TEST(BallastSource, TypeFromReferencedDataSource) {
  LoadResult r = LoadText(R"(- apiVersion: openslo/v1
  kind: DataSource
  metadata: {name: events}
  spec: {type: ballast}
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: x}
  spec:
    service: chat-api
    indicator:
      metadata: {name: x}
      spec:
        thresholdMetric:
          metricSource: {metricSourceRef: events, spec: {field: latency_ms, where: "bogus = 1"}}
    budgetingMethod: Occurrences
    timeWindow: [{duration: 1d, isRolling: true}]
    objectives: [{op: lt, value: 100, target: 0.9}]
)");
  // The referenced DataSource makes it a ballast source, so `where` is compiled (and fails).
  ASSERT_EQ(r.diagnostics.error_count(), 1u) << r.diagnostics.ToString();
  EXPECT_NE(r.diagnostics.items()[1].message.find("bogus"), std::string::npos)
      << r.diagnostics.ToString();
}

}  // namespace
}  // namespace ballast::slo

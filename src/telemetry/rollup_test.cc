#include "telemetry/rollup.h"

#include <gtest/gtest.h>

namespace ballast::telemetry {
namespace {

TEST(MinuteOfTest, FloorsTowardsNegativeInfinity) {
  EXPECT_EQ(MinuteOf(0), 0);
  EXPECT_EQ(MinuteOf(59'999), 0);
  EXPECT_EQ(MinuteOf(60'000), 60'000);
  EXPECT_EQ(MinuteOf(-1), -60'000);
}

TEST(RollupTest, AddCountsOutcomesSumsAndSketches) {
  Rollup r;
  RequestEvent e;
  e.latency_ms = 100;
  e.ttft_ms = 20;
  e.input_tokens = 10;
  e.output_tokens = 5;
  e.cost_usd = 0.5;
  r.Add(e);
  RequestEvent bare;  // no optional fields
  bare.outcome = Outcome::kTimeout;
  r.Add(bare);
  EXPECT_EQ(r.requests, 2);
  EXPECT_EQ(r.outcomes[static_cast<int>(Outcome::kOk)], 1);
  EXPECT_EQ(r.outcomes[static_cast<int>(Outcome::kTimeout)], 1);
  EXPECT_EQ(r.input_tokens, 10);
  EXPECT_EQ(r.output_tokens, 5);
  EXPECT_DOUBLE_EQ(r.cost_usd, 0.5);
  EXPECT_EQ(r.latency_ms.count(), 1);  // absent latency is not a zero
  EXPECT_EQ(r.ttft_ms.count(), 1);
  EXPECT_NEAR(r.latency_ms.Quantile(0.5), 100, 1);
}

TEST(RollupTest, MergeEqualsAddingAll) {
  RequestEvent a, b;
  a.latency_ms = 10;
  a.input_tokens = 3;
  b.latency_ms = 1000;
  b.ttft_ms = 5;
  b.outcome = Outcome::kError;
  b.cost_usd = 0.25;
  Rollup x, y, all;
  x.Add(a);
  y.Add(b);
  all.Add(a);
  all.Add(b);
  x.Merge(y);
  EXPECT_EQ(x, all);
  EXPECT_EQ(x.outcomes[static_cast<int>(Outcome::kError)], 1);
  EXPECT_NE(x, y);
}

TEST(OutcomeTest, ParsesEveryName) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    Outcome o;
    ASSERT_TRUE(ParseOutcome(kOutcomeNames[i], o));
    EXPECT_EQ(static_cast<int>(o), i);
    EXPECT_EQ(OutcomeName(o), kOutcomeNames[i]);
  }
  Outcome o = Outcome::kOk;
  EXPECT_FALSE(ParseOutcome("boom", o));
  EXPECT_FALSE(ParseOutcome("", o));
  EXPECT_FALSE(ParseOutcome("OK", o));
}

}  // namespace
}  // namespace ballast::telemetry

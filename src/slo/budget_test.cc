#include "slo/budget.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cmath>

#include "common/time.h"

namespace ballast::slo {
namespace {

constexpr int64_t kMin = kMillisPerMinute;
constexpr int64_t kHour = kMillisPerHour;
constexpr int64_t kDay = kMillisPerDay;
constexpr EpochMillis kT0 = 1'795'000'000'000 / kDay * kDay;

BudgetObjective Rolling(BudgetingMethod method, double target, const char* period,
                        int64_t slice_ms = 0) {
  BudgetObjective o;
  o.method = method;
  o.target = target;
  o.window.duration = *ParseDuration(period);
  o.time_slice_ms = slice_ms;
  return o;
}

TEST(ErrorBudget, OccurrencesCountsEvents) {
  auto o = Rolling(BudgetingMethod::kOccurrences, 0.99, "30d");
  ErrorBudget b = ComputeErrorBudget(o, Counts{9'950, 10'000}, 30 * kDay);
  EXPECT_DOUBLE_EQ(b.total, 100);
  EXPECT_DOUBLE_EQ(b.consumed, 50);
  EXPECT_DOUBLE_EQ(b.remaining, 50);
  EXPECT_DOUBLE_EQ(b.consumed_ratio, 0.5);
  EXPECT_DOUBLE_EQ(b.remaining_ratio, 0.5);
  EXPECT_FALSE(b.exhausted);

  ErrorBudget over = ComputeErrorBudget(o, Counts{9'800, 10'000}, 30 * kDay);
  EXPECT_DOUBLE_EQ(over.consumed_ratio, 2);
  EXPECT_DOUBLE_EQ(over.remaining_ratio, 0);
  EXPECT_DOUBLE_EQ(over.remaining, 0);
  EXPECT_TRUE(over.exhausted);

  ErrorBudget none = ComputeErrorBudget(o, Counts{}, 30 * kDay);
  EXPECT_DOUBLE_EQ(none.remaining_ratio, 1);
  EXPECT_FALSE(none.exhausted);
  EXPECT_FALSE(SliValue(Counts{}).has_value());
  EXPECT_DOUBLE_EQ(*SliValue(Counts{3, 4}), 0.75);
}

TEST(ErrorBudget, TimeslicesCountsSlicesOfTheWholePeriod) {
  // 99 % of 1-minute slices over 30 days: 432 bad minutes allowed.
  auto o = Rolling(BudgetingMethod::kTimeslices, 0.99, "30d", kMin);
  ErrorBudget b = ComputeErrorBudget(o, Counts{1'000 - 108, 1'000}, 30 * kDay);
  EXPECT_NEAR(b.total, 432, 1e-9);
  EXPECT_DOUBLE_EQ(b.consumed, 108);
  EXPECT_NEAR(b.consumed_ratio, 0.25, 1e-12);
  EXPECT_NEAR(b.remaining, 324, 1e-9);

  // RatioTimeslices: two slices at ratio 0.5 consume one slice's worth.
  auto r = Rolling(BudgetingMethod::kRatioTimeslices, 0.99, "30d", kMin);
  Counts half = RatioTimesliceCounts({1, 2});
  ErrorBudget rb = ComputeErrorBudget(r, half + half, 30 * kDay);
  EXPECT_DOUBLE_EQ(rb.consumed, 1);
  EXPECT_NEAR(rb.consumed_ratio, 1 / 432.0, 1e-12);
}

TEST(BurnRate, IsTheBadShareOverTheAllowedShare) {
  EXPECT_NEAR(BurnRate(Counts{856, 1'000}, 0.99), 14.4, 1e-9);
  EXPECT_DOUBLE_EQ(BurnRate(Counts{1'000, 1'000}, 0.99), 0);
  EXPECT_DOUBLE_EQ(BurnRate(Counts{}, 0.99), 0);
  EXPECT_NEAR(BurnRate(Counts{0, 10}, 0.999), 1000, 1e-9);
}

TEST(ExhaustionForecast, ExtrapolatesTheCurrentBurn) {
  ErrorBudget b;
  b.remaining_ratio = 0.5;
  // Burning at 2× a 30-day budget: half of it lasts 7.5 days.
  EXPECT_EQ(*ExhaustionForecast(b, 2, 30 * kDay, kT0), kT0 + 7 * kDay + 12 * kHour);
  EXPECT_FALSE(ExhaustionForecast(b, 0, 30 * kDay, kT0).has_value());
  EXPECT_FALSE(ExhaustionForecast(b, NAN, 30 * kDay, kT0).has_value());
  EXPECT_FALSE(ExhaustionForecast(b, 1e-30, 30 * kDay, kT0).has_value());
  b.exhausted = true;
  EXPECT_EQ(*ExhaustionForecast(b, 0, 30 * kDay, kT0), kT0);
}

TEST(MinimumEvents, GuardsTheShortWindow) {
  EXPECT_FALSE(MeetsMinimumEvents(Counts{0, 9}));
  EXPECT_TRUE(MeetsMinimumEvents(Counts{0, 10}));
  EXPECT_TRUE(MeetsMinimumEvents(Counts{0, 3}, 3));
}

TEST(EvaluateObjective, PagesOnAFastBurnOnlyWithEnoughEvents) {
  auto o = Rolling(BudgetingMethod::kOccurrences, 0.999, "30d");
  auto windows = DefaultBurnRateWindows(30 * kDay);
  SloSeries s;
  // A quiet day, then 20 minutes failing 2 % of 100 requests a minute (burn 20).
  for (int64_t m = 0; m < 1440; ++m) ASSERT_TRUE(s.Add(kT0 + m * kMin, 100, 100).ok());
  const EpochMillis start = kT0 + kDay;
  for (int64_t m = 0; m < 20; ++m) ASSERT_TRUE(s.Add(start + m * kMin, 98, 100).ok());
  const EpochMillis now = start + 19 * kMin + 30'000;
  auto st = EvaluateObjective(o, s, windows, now);
  ASSERT_TRUE(st.has_value()) << st.error().ToString();
  EXPECT_EQ(st->counts, (Counts{144'000 + 1'960, 146'000}));
  EXPECT_NEAR(*st->sli, 145'960.0 / 146'000, 1e-12);
  EXPECT_NEAR(st->budget.consumed, 40, 1e-9);
  ASSERT_EQ(st->burn_rates.size(), 4u);
  const BurnRateReading& page = st->burn_rates[0];
  EXPECT_EQ(page.short_counts, (Counts{490, 500}));
  EXPECT_NEAR(page.short_rate, 20, 1e-9);
  // 1h: 40 bad of 6000.
  EXPECT_NEAR(page.long_rate, 40.0 / 6'000 / 0.001, 1e-9);
  EXPECT_FALSE(page.breaching);  // 6.67 < 14.4 over the hour
  EXPECT_TRUE(st->burn_rates[1].window.Breaches(0, 0) == false);
  // Exhaustion at the 1h burn: remaining ratio × 30 d ÷ 6.67.
  ASSERT_TRUE(st->exhausted_at.has_value());
  const double expected = st->budget.remaining_ratio * 30 * kDay / (40.0 / 6'000 / 0.001);
  EXPECT_NEAR(static_cast<double>(*st->exhausted_at - now), expected, 1);

  // Keep failing at 5 %: the page fires, unless the guard wants more events.
  for (int64_t m = 20; m < 60; ++m) ASSERT_TRUE(s.Add(start + m * kMin, 95, 100).ok());
  const EpochMillis later = start + 59 * kMin;
  auto fired = EvaluateObjective(o, s, windows, later);
  ASSERT_TRUE(fired.has_value());
  EXPECT_TRUE(fired->burn_rates[0].breaching);
  EXPECT_TRUE(fired->burn_rates[1].window.Breaches(fired->burn_rates[1].long_rate,
                                                   fired->burn_rates[1].short_rate));
  auto guarded = EvaluateObjective(o, s, windows, later, EvaluateOptions{1'000});
  ASSERT_TRUE(guarded.has_value());
  EXPECT_FALSE(guarded->burn_rates[0].enough_events);
  EXPECT_FALSE(guarded->burn_rates[0].breaching);
}

TEST(EvaluateObjective, CalendarPeriodCountsFromItsStart) {
  BudgetObjective o = Rolling(BudgetingMethod::kOccurrences, 0.9, "1M");
  o.window.is_rolling = false;
  o.window.calendar =
      Calendar{"2026-01-01T00:00:00Z", "UTC", *ParseRfc3339("2026-01-01T00:00:00Z")};
  SloSeries s;
  ASSERT_TRUE(s.Add(*ParseRfc3339("2026-02-27T10:00:00Z"), 0, 5).ok());
  ASSERT_TRUE(s.Add(*ParseRfc3339("2026-03-02T10:00:00Z"), 9, 10).ok());
  auto st = EvaluateObjective(o, s, {}, *ParseRfc3339("2026-03-03T00:00:00Z"));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->period.start, *ParseRfc3339("2026-03-01T00:00:00Z"));
  EXPECT_EQ(st->counts, (Counts{9, 10}));
  EXPECT_NEAR(st->budget.consumed_ratio, 1, 1e-9);
  EXPECT_TRUE(st->budget.exhausted);
  EXPECT_EQ(st->exhausted_at, *ParseRfc3339("2026-03-03T00:00:00Z"));
}

TEST(EvaluateObjective, RejectsBadTargets) {
  SloSeries s;
  auto o = Rolling(BudgetingMethod::kOccurrences, 1.0, "30d");
  auto st = EvaluateObjective(o, s, {}, kT0);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().field(), "target");
  EXPECT_FALSE(ChartSeries(o, s, kT0, kT0 + kDay, kHour).has_value());
}

TEST(ChartSeries, OnePointPerStep) {
  auto o = Rolling(BudgetingMethod::kOccurrences, 0.5, "1h");
  SloSeries s;
  ASSERT_TRUE(s.Add(kT0 + 10 * kMin, 1, 1).ok());
  ASSERT_TRUE(s.Add(kT0 + 70 * kMin, 0, 1).ok());
  auto pts = ChartSeries(o, s, kT0, kT0 + 2 * kHour, kHour);
  ASSERT_TRUE(pts.has_value());
  ASSERT_EQ(pts->size(), 2u);
  EXPECT_EQ((*pts)[0].t, kT0 + kHour);
  EXPECT_DOUBLE_EQ(*(*pts)[0].sli, 1);
  EXPECT_DOUBLE_EQ((*pts)[0].remaining_ratio, 1);
  // The last hour holds only the bad event: 1 bad of an allowance of 0.5.
  EXPECT_DOUBLE_EQ(*(*pts)[1].sli, 0);
  EXPECT_DOUBLE_EQ((*pts)[1].remaining_ratio, 0);
  EXPECT_EQ(ChartSeries(o, s, kT0, kT0 + kDay, 0).error().field(), "step");
  EXPECT_EQ(ChartSeries(o, s, kT0 + 1, kT0, kHour).error().field(), "from");
  EXPECT_EQ(ChartSeries(o, s, kT0, kT0 + 365 * kDay, kMin).error().field(), "step");
}

TEST(BudgetObjectiveFor, ReadsTheModel) {
  SloSpec slo;
  slo.budgeting_method = BudgetingMethod::kTimeslices;
  Objective obj;
  obj.target_percent = 99.5;
  obj.time_slice_window = *ParseDuration("5m");
  slo.objectives.push_back(obj);
  auto o = BudgetObjectiveFor(slo, 0);
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_DOUBLE_EQ(o->target, 0.995);
  EXPECT_EQ(o->time_slice_ms, 5 * kMin);
  EXPECT_EQ(o->window.duration.ApproxMillis(), 30 * kDay);  // no timeWindow: rolling 30 d
  EXPECT_EQ(BudgetObjectiveFor(slo, 1).error().field(), "spec.objectives[1]");
  slo.objectives[0].time_slice_window.reset();
  EXPECT_EQ(BudgetObjectiveFor(slo, 0).error().field(), "spec.objectives[0].timeSliceWindow");
}

// Properties -----------------------------------------------------------------------------------

TEST(BudgetProperties, ConsumedPlusRemainingIsOneUntilExhausted) {
  bool ok = rc::check("consumed + remaining", [] {
    const double target = *rc::gen::inRange(1, 9999) / 10'000.0;
    const uint64_t total = *rc::gen::inRange<uint64_t>(0, 1'000'000);
    const uint64_t good = *rc::gen::inRange<uint64_t>(0, total + 1);
    const auto method =
        *rc::gen::element(BudgetingMethod::kOccurrences, BudgetingMethod::kTimeslices);
    auto o = Rolling(method, target, "30d", kMin);
    ErrorBudget b = ComputeErrorBudget(o, Counts{good, total}, 30 * kDay);
    RC_ASSERT(b.remaining_ratio >= 0);
    RC_ASSERT(b.consumed_ratio >= 0);
    if (!b.exhausted) RC_ASSERT(std::abs(b.consumed_ratio + b.remaining_ratio - 1) < 1e-9);
    if (b.exhausted) RC_ASSERT(b.remaining == 0.0);
    RC_ASSERT(std::abs(b.remaining - b.remaining_ratio * b.total) <= 1e-9 * (1 + b.total));
  });
  EXPECT_TRUE(ok);
}

TEST(BudgetProperties, BurnRateOneSpendsExactlyTheBudgetOverThePeriod) {
  bool ok = rc::check("burn 1 over the period consumes 1", [] {
    // target = 1 − 1/k so that a burn of exactly 1 is one bad event in every k.
    const int k = *rc::gen::inRange(2, 1000);
    const double target = 1 - 1.0 / k;
    const int64_t per_minute = *rc::gen::inRange(1, 5);
    auto o = Rolling(BudgetingMethod::kOccurrences, target, "1d");
    SloSeries s;
    // One bad of every k events, spread over the whole day.
    const int64_t events = per_minute * 1440 * k;
    for (int64_t m = 0; m < 1440; ++m) {
      const uint64_t n = static_cast<uint64_t>(events / 1440);
      RC_ASSERT(s.Add(kT0 + m * kMin, n - per_minute, n).ok());
    }
    const EpochMillis now = kT0 + kDay - 1;
    auto st = EvaluateObjective(o, s, DefaultBurnRateWindows(kDay), now);
    RC_ASSERT(st.has_value());
    RC_ASSERT(std::abs(BurnRate(st->counts, target) - 1) < 1e-9);
    RC_ASSERT(std::abs(st->budget.consumed_ratio - 1) < 1e-9);
    for (const auto& r : st->burn_rates) RC_ASSERT(std::abs(r.long_rate - 1) < 1e-9);

    // Timeslices: one bad slice in every j (j divides 1440), over all slices of the day.
    const int j = *rc::gen::element(2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 30, 60, 90, 144, 1440);
    auto ts = Rolling(BudgetingMethod::kTimeslices, 1 - 1.0 / j, "1d", kMin);
    const auto bad = static_cast<uint64_t>(1440 / j);
    ErrorBudget tb = ComputeErrorBudget(ts, Counts{1440 - bad, 1440}, kDay);
    RC_ASSERT(std::abs(tb.consumed_ratio - 1) < 1e-9);
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace ballast::slo

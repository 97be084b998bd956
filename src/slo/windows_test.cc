#include "slo/windows.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace ballast::slo {
namespace {

constexpr int64_t kMin = kMillisPerMinute;
constexpr int64_t kHour = kMillisPerHour;
constexpr int64_t kDay = kMillisPerDay;

EpochMillis T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(BurnRateWindows, ThirtyDaysIsTheWorkbookTable) {
  auto w = DefaultBurnRateWindows(30 * kDay);
  ASSERT_EQ(w.size(), 4u);
  // 14.4 = 0.02 × 720 h ÷ 1 h; 6 = 0.05 × 720 ÷ 6; 3 = 0.1 × 720 ÷ 24; 1 = 0.1 × 720 ÷ 72.
  EXPECT_EQ(w[0].severity, "page");
  EXPECT_EQ(w[0].long_ms, kHour);
  EXPECT_EQ(w[0].short_ms, 5 * kMin);
  EXPECT_DOUBLE_EQ(w[0].factor, 14.4);
  EXPECT_DOUBLE_EQ(w[0].budget_share, 0.02);
  EXPECT_EQ(w[1].severity, "page");
  EXPECT_EQ(w[1].long_ms, 6 * kHour);
  EXPECT_EQ(w[1].short_ms, 30 * kMin);
  EXPECT_DOUBLE_EQ(w[1].factor, 6.0);
  EXPECT_EQ(w[2].severity, "ticket");
  EXPECT_EQ(w[2].long_ms, kDay);
  EXPECT_EQ(w[2].short_ms, 2 * kHour);
  EXPECT_DOUBLE_EQ(w[2].factor, 3.0);
  EXPECT_EQ(w[3].severity, "ticket");
  EXPECT_EQ(w[3].long_ms, 3 * kDay);
  EXPECT_EQ(w[3].short_ms, 6 * kHour);
  EXPECT_DOUBLE_EQ(w[3].factor, 1.0);
  EXPECT_EQ(w[0].Name(), "1h/5m");
  EXPECT_EQ(w[3].Name(), "3d/6h");
}

TEST(BurnRateWindows, TwentyEightDaysKeepsWindowsAndRecomputesFactors) {
  auto w = DefaultBurnRateWindows(28 * kDay);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].long_ms, kHour);
  EXPECT_EQ(w[0].short_ms, 5 * kMin);
  EXPECT_DOUBLE_EQ(w[0].factor, 0.02 * 672);  // 13.44
  EXPECT_DOUBLE_EQ(w[1].factor, 0.05 * 672 / 6);
  EXPECT_DOUBLE_EQ(w[2].factor, 0.1 * 28);
  EXPECT_DOUBLE_EQ(w[3].factor, 0.1 * 28 / 3);
}

TEST(BurnRateWindows, OtherPeriodsScaleToTheMinute) {
  auto w = DefaultBurnRateWindows(7 * kDay);
  ASSERT_EQ(w.size(), 4u);
  // 1h × 7/30 = 14 min; 5 min × 7/30 = 70 s → 1 min.
  EXPECT_EQ(w[0].long_ms, 14 * kMin);
  EXPECT_EQ(w[0].short_ms, 1 * kMin);
  EXPECT_DOUBLE_EQ(w[0].factor, 0.02 * (7.0 * 24 * 60) / 14);  // 14.4
  EXPECT_EQ(w[1].long_ms, 84 * kMin);
  EXPECT_EQ(w[1].short_ms, 7 * kMin);
  EXPECT_EQ(w[2].long_ms, 336 * kMin);
  EXPECT_EQ(w[2].short_ms, 28 * kMin);
  EXPECT_EQ(w[3].long_ms, 1008 * kMin);
  EXPECT_EQ(w[3].short_ms, 84 * kMin);
  EXPECT_DOUBLE_EQ(w[3].factor, 1.0);

  auto q = DefaultBurnRateWindows(90 * kDay);
  EXPECT_EQ(q[0].long_ms, 3 * kHour);
  EXPECT_EQ(q[0].short_ms, 15 * kMin);
  EXPECT_DOUBLE_EQ(q[0].factor, 14.4);

  // 1 day: 1h/30 = 2 min, 5 min/30 = 10 s → 1 min. A rounded window changes the factor.
  auto d = DefaultBurnRateWindows(kDay);
  EXPECT_EQ(d[0].long_ms, 2 * kMin);
  EXPECT_EQ(d[0].short_ms, kMin);
  // 13 days: 1h × 13/30 = 26 min exactly, factor 0.02 × 18720 ÷ 26 = 14.4.
  auto odd = DefaultBurnRateWindows(13 * kDay + 7 * kMin);
  EXPECT_EQ(odd[0].long_ms, 26 * kMin);
  EXPECT_NEAR(odd[0].factor, 0.02 * (13 * 1440 + 7) / 26.0, 1e-12);

  EXPECT_TRUE(DefaultBurnRateWindows(0).empty());
  EXPECT_TRUE(DefaultBurnRateWindows(-5).empty());
}

TEST(BurnRateWindows, BreachNeedsBothWindowsAboveTheFactor) {
  auto w = DefaultBurnRateWindows(30 * kDay)[0];
  EXPECT_TRUE(w.Breaches(15, 20));
  EXPECT_FALSE(w.Breaches(15, 2));
  EXPECT_FALSE(w.Breaches(3, 20));
  EXPECT_FALSE(w.Breaches(14.4, 14.4));  // the Workbook compares with '>'
}

AlertConditionSpec Condition(const char* lookback, double threshold) {
  AlertConditionSpec c;
  c.severity = "critical";
  c.condition.kind = "burnrate";
  c.condition.threshold = threshold;
  c.condition.lookback_window = *ParseDuration(lookback);
  return c;
}

TEST(BurnRateWindows, AlertConditionUsesLookbackAndATwelfth) {
  auto w = BurnRateWindowFor(Condition("1h", 2), 30 * kDay);
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  EXPECT_EQ(w->severity, "critical");
  EXPECT_EQ(w->long_ms, kHour);
  EXPECT_EQ(w->short_ms, 5 * kMin);
  EXPECT_DOUBLE_EQ(w->factor, 2);
  EXPECT_DOUBLE_EQ(w->budget_share, 2.0 / 720);
  EXPECT_EQ(w->op, Op::kGt);

  auto c = Condition("2h", 10);
  c.condition.op = Op::kGte;
  auto w2 = BurnRateWindowFor(c, 30 * kDay);
  ASSERT_TRUE(w2.has_value());
  EXPECT_EQ(w2->short_ms, 10 * kMin);
  EXPECT_TRUE(w2->Breaches(10, 10));

  auto small = BurnRateWindowFor(Condition("10m", 1), 30 * kDay);  // 50 s → 1 min
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->short_ms, kMin);
}

TEST(BurnRateWindows, AlertConditionErrorsNameTheField) {
  auto bad_kind = Condition("1h", 2);
  bad_kind.condition.kind = "threshold";
  EXPECT_EQ(BurnRateWindowFor(bad_kind, 30 * kDay).error().field(), "spec.condition.kind");
  EXPECT_EQ(BurnRateWindowFor(Condition("1M", 2), 30 * kDay).error().field(),
            "spec.condition.lookbackWindow");
  EXPECT_EQ(BurnRateWindowFor(Condition("30s", 2), 30 * kDay).error().field(),
            "spec.condition.lookbackWindow");
  EXPECT_EQ(BurnRateWindowFor(Condition("1h", 0), 30 * kDay).error().field(),
            "spec.condition.threshold");
  EXPECT_EQ(BurnRateWindowFor(Condition("1h", -1), 30 * kDay).error().field(),
            "spec.condition.threshold");
  EXPECT_FALSE(BurnRateWindowFor(Condition("1h", 1), 0).has_value());
}

TimeWindow Calendar(const char* duration, const char* start, const char* zone) {
  TimeWindow w;
  w.duration = *ParseDuration(duration);
  w.is_rolling = false;
  w.calendar = slo::Calendar{start, zone, T(start)};
  return w;
}

TEST(PeriodAt, RollingEndsAfterNow) {
  TimeWindow w;
  w.duration = *ParseDuration("28d");
  auto p = PeriodAt(w, 1'000'000'000'000);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->end, 1'000'000'000'001);
  EXPECT_EQ(p->Millis(), 28 * kDay);
}

TEST(PeriodAt, CalendarMonthsFollowTheTimeZone) {
  // Midnight 1 January in New York is 05:00Z; DST starts 8 March 2026.
  auto w = Calendar("1M", "2026-01-01T05:00:00Z", "America/New_York");
  auto p = PeriodAt(w, T("2026-03-15T12:00:00Z"));
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->start, T("2026-03-01T05:00:00Z"));
  EXPECT_EQ(p->end, T("2026-04-01T04:00:00Z"));
  // Just before local midnight of 1 April is still March.
  EXPECT_EQ(PeriodAt(w, T("2026-04-01T03:59:59.999Z"))->start, T("2026-03-01T05:00:00Z"));
  EXPECT_EQ(PeriodAt(w, T("2026-04-01T04:00:00Z"))->start, T("2026-04-01T04:00:00Z"));
  // Before the calendar's start: the period that ends at the start.
  EXPECT_EQ(PeriodAt(w, T("2025-12-20T00:00:00Z"))->start, T("2025-12-01T05:00:00Z"));
}

TEST(PeriodAt, QuartersYearsAndMonthEnds) {
  auto q = Calendar("1Q", "2026-01-01T00:00:00Z", "Europe/Paris");
  auto p = PeriodAt(q, T("2026-05-10T00:00:00Z"));
  ASSERT_TRUE(p.has_value());
  // The calendar starts at 01:00 local (00:00Z in winter); quarters start at 01:00 local.
  EXPECT_EQ(p->start, T("2026-03-31T23:00:00Z"));
  EXPECT_EQ(p->end, T("2026-06-30T23:00:00Z"));

  auto y = Calendar("1Y", "2024-01-01T00:00:00Z", "UTC");
  EXPECT_EQ(PeriodAt(y, T("2026-07-01T00:00:00Z"))->start, T("2026-01-01T00:00:00Z"));
  EXPECT_EQ(PeriodAt(y, T("2026-07-01T00:00:00Z"))->end, T("2027-01-01T00:00:00Z"));

  // A month starting on the 31st starts on the last day of shorter months.
  auto m = Calendar("1M", "2026-01-31T00:00:00Z", "UTC");
  EXPECT_EQ(PeriodAt(m, T("2026-03-01T00:00:00Z"))->start, T("2026-02-28T00:00:00Z"));
  EXPECT_EQ(PeriodAt(m, T("2026-03-01T00:00:00Z"))->end, T("2026-03-31T00:00:00Z"));
}

TEST(PeriodAt, CalendarDaysAreLocalAcrossDst) {
  auto d = Calendar("1d", "2026-01-01T05:00:00Z", "America/New_York");
  auto p = PeriodAt(d, T("2026-03-08T12:00:00Z"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->start, T("2026-03-08T05:00:00Z"));
  EXPECT_EQ(p->end, T("2026-03-09T04:00:00Z"));
  EXPECT_EQ(p->Millis(), 23 * kHour);

  auto h = Calendar("6h", "2026-01-01T00:00:00Z", "America/New_York");
  EXPECT_EQ(PeriodAt(h, T("2026-01-01T13:00:00Z"))->start, T("2026-01-01T12:00:00Z"));
}

TEST(PeriodAt, Errors) {
  auto w = Calendar("1M", "2026-01-01T00:00:00Z", "Mars/Olympus_Mons");
  auto p = PeriodAt(w, T("2026-03-01T00:00:00Z"));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().field(), "timeWindow.calendar.timeZone");
  TimeWindow zero;
  EXPECT_FALSE(PeriodAt(zero, 0).has_value());
}

}  // namespace
}  // namespace ballast::slo

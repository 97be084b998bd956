// SLO windows: the multi-window, multi-burn-rate alert windows of DESIGN.md "Alert windows" and
// the compliance period an SLO is evaluated over (rolling, or calendar-aligned in a time zone).
//
// Burn-rate factor = budget share × period ÷ long window. For 30-day and 28-day periods the long
// and short windows are the Google SRE Workbook's (page: 1h/5m spending 2 % of the budget and
// 6h/30m spending 5 %; ticket: 1d/2h and 3d/6h, 10 % each), which gives the Workbook's 14.4×,
// 6×, 3× and 1× for 30 days. Other periods scale the windows by period ÷ 30 days, rounded to
// the minute (never below one minute), and recompute the factor from the budget share, so a
// 7-day SLO pages when it would spend 2 % of its budget in 14 minutes. An OpenSLO
// AlertCondition with lookbackWindow W uses W and W/12 with its own threshold and operator.
//
//   std::vector<BurnRateWindow> w = DefaultBurnRateWindows(30 * kMillisPerDay);
//   // w[0]: page, long 1h, short 5m, factor 14.4
//   bool fire = w[0].Breaches(long_burn, short_burn);
//
// Everything here is pure: times are passed in, nothing reads a Clock.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/model.h"

namespace ballast::slo {

inline constexpr int64_t kMillisPerMinute = 60'000;
inline constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
inline constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

// One window pair of a multi-window burn-rate alert: it breaches when the burn rate over both
// the long and the short window compares `op` with `factor`. The short window makes the alert
// stop soon after the burn stops.
struct BurnRateWindow {
  std::string severity;  // "page" or "ticket" by default; an AlertCondition's own severity
  int64_t long_ms = 0;
  int64_t short_ms = 0;
  double factor = 0;        // the burn-rate threshold
  double budget_share = 0;  // share of the period's budget spent over long_ms at `factor`
  Op op = Op::kGt;          // the Workbook compares with '>'

  bool Breaches(double long_burn, double short_burn) const {
    return Compare(long_burn, op, factor) && Compare(short_burn, op, factor);
  }
  // "1h/5m": how API responses and alert labels name the pair.
  std::string Name() const;
  friend bool operator==(const BurnRateWindow&, const BurnRateWindow&) = default;
};

// The length of an SLO's period in milliseconds: exact for s..w, 30/91/365 days for M/Q/Y (the
// alert windows of a calendar month are those of 30 days).
int64_t PeriodMillis(const TimeWindow& window);

// The four default windows (page 1h/5m, page 6h/30m, ticket 1d/2h, ticket 3d/6h for 30 days)
// for a period of `period_ms`. Empty when period_ms is not positive.
std::vector<BurnRateWindow> DefaultBurnRateWindows(int64_t period_ms);

// The window pair of an OpenSLO burn-rate AlertCondition for an SLO of `period_ms`: long =
// lookbackWindow, short = lookbackWindow ÷ 12 rounded to the minute (at least one minute),
// factor = threshold, op = the condition's op (default gt). Errors name the field: a kind other
// than "burnrate", a calendar lookbackWindow or one under a minute, a non-positive threshold.
Result<BurnRateWindow> BurnRateWindowFor(const AlertConditionSpec& condition, int64_t period_ms);

// A half-open span of time [start, end).
struct TimeSpan {
  EpochMillis start = 0;
  EpochMillis end = 0;
  int64_t Millis() const { return end - start; }
  friend bool operator==(const TimeSpan&, const TimeSpan&) = default;
};

// The compliance period that contains `now`.
//  - Rolling: [now + 1 ms − period, now + 1 ms), so the event at `now` counts.
//  - Calendar: periods start at calendar.start + k × duration, with the arithmetic done in the
//    calendar's time zone for d/w/M/Q/Y (a day is local midnight to midnight across DST changes;
//    a month that starts on the 31st starts on the last day of shorter months) and in UTC for
//    s/m/h. `now` before calendar.start falls in the period that ends at the start.
// Errors: an unknown time zone (field timeWindow.calendar.timeZone), a non-positive duration.
Result<TimeSpan> PeriodAt(const TimeWindow& window, EpochMillis now);

}  // namespace ballast::slo

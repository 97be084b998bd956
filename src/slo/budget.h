// Error-budget math for one SLO objective over its series: SLI, budget total/consumed/remaining,
// burn rates over alert windows, the exhaustion forecast, and a time series for charts.
//
// OpenSLO budgeting methods:
//   - Occurrences: the series counts events. SLI = good ÷ total over the period so far; the
//     budget is (1 − target) × total events, in events.
//   - Timeslices: the series counts slices (TimesliceCounts, series.h). SLI = good slices ÷
//     slices with data; the budget is (1 − target) × the number of slices in the whole period,
//     in slices (with 1-minute slices: minutes of allowed badness).
//   - RatioTimeslices: the series holds slice ratios in kRatioSliceUnits (RatioTimesliceCounts).
//     SLI = mean of slice ratios; the budget is counted in slices like Timeslices, a slice
//     consuming (1 − its ratio).
// Burn rate over a window = bad share in the window ÷ (1 − target): 1 spends exactly the budget
// over the period. Remaining is clamped at 0, so consumed + remaining = 1 until the budget is
// exhausted.
//
//   BudgetObjective o{BudgetingMethod::kOccurrences, 0.999, window};
//   Result<ObjectiveStatus> st = EvaluateObjective(o, series, DefaultBurnRateWindows(p), now);
//
// Pure and Clock-free: `now` is a parameter. Thread safety: pure functions over values; the
// series must not be written during a call.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/model.h"
#include "slo/series.h"
#include "slo/windows.h"

namespace ballast::slo {

// DESIGN.md: an alert needs at least this many events in its short window before it may fire.
inline constexpr uint64_t kDefaultMinEvents = 10;

struct BudgetObjective {
  BudgetingMethod method = BudgetingMethod::kOccurrences;
  double target = 0.99;  // (0, 1)
  TimeWindow window;
  int64_t time_slice_ms = 0;  // Timeslices / RatioTimeslices: the slice length, > 0
};

// The objective `index` of a (validated) SLO. Errors name the field: an index out of range, a
// target outside (0, 1), a missing or calendar timeSliceWindow for a timeslice method.
Result<BudgetObjective> BudgetObjectiveFor(const SloSpec& slo, size_t index);

struct ErrorBudget {
  double total = 0;            // in events (Occurrences) or slices
  double consumed = 0;         // same unit
  double remaining = 0;        // same unit, ≥ 0
  double consumed_ratio = 0;   // consumed ÷ total; 0 without data; may exceed 1
  double remaining_ratio = 1;  // max(0, 1 − consumed_ratio)
  bool exhausted = false;      // consumed_ratio ≥ 1 (and some budget was spent)
};

// The budget of `o` given the counts of its period so far and the period's length.
ErrorBudget ComputeErrorBudget(const BudgetObjective& o, Counts period_counts, int64_t period_ms);

// good ÷ total; nullopt without data.
std::optional<double> SliValue(Counts c);

// Bad share of `c` ÷ (1 − target); 0 without data.
double BurnRate(Counts c, double target);

// When the remaining budget reaches 0 at `burn_rate`: now + remaining_ratio × period ÷ burn.
// `now` when already exhausted; nullopt when not burning (burn ≤ 0 or not finite).
std::optional<EpochMillis> ExhaustionForecast(const ErrorBudget& budget, double burn_rate,
                                              int64_t period_ms, EpochMillis now);

// The minimum-event guard: an alert may fire only when its short window holds ≥ min_events.
inline bool MeetsMinimumEvents(Counts short_window, uint64_t min_events = kDefaultMinEvents) {
  return short_window.total >= min_events;
}

struct BurnRateReading {
  BurnRateWindow window;
  Counts long_counts;
  Counts short_counts;
  double long_rate = 0;
  double short_rate = 0;
  bool enough_events = false;  // the minimum-event guard on the short window
  bool breaching = false;      // window.Breaches(...) and enough_events
};

struct EvaluateOptions {
  uint64_t min_events = kDefaultMinEvents;
  // The burn rate the exhaustion forecast extrapolates: over this trailing window.
  int64_t forecast_window_ms = kMillisPerHour;
};

struct ObjectiveStatus {
  TimeSpan period;  // the compliance period containing now
  Counts counts;    // in the period, up to now
  std::optional<double> sli;
  ErrorBudget budget;
  std::vector<BurnRateReading> burn_rates;  // one per window, in the order given
  std::optional<EpochMillis> exhausted_at;
};

// The status of `o` at `now` from its series (the event series for Occurrences, the slice
// series otherwise). Errors: those of PeriodAt, a target outside (0, 1).
Result<ObjectiveStatus> EvaluateObjective(const BudgetObjective& o, const SloSeries& series,
                                          std::span<const BurnRateWindow> windows, EpochMillis now,
                                          const EvaluateOptions& options = {});

struct ChartPoint {
  EpochMillis t = 0;
  std::optional<double> sli;  // over the period containing t, up to t
  double remaining_ratio = 1;
};

// One point per step end in (from, to]: from + step, from + 2 step, ... ≤ to. Errors: step ≤ 0,
// from > to, more than max_points points, and those of PeriodAt.
Result<std::vector<ChartPoint>> ChartSeries(const BudgetObjective& o, const SloSeries& series,
                                            EpochMillis from, EpochMillis to, int64_t step_ms,
                                            size_t max_points = 10'000);

}  // namespace ballast::slo

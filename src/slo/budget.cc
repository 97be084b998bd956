#include "slo/budget.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ballast::slo {
namespace {

// 1 − target, rounded to 12 decimals: 1 − 0.99 is 0.010000000000000009 in doubles, which
// would make a budget spent exactly look 0.0000000000001 short of exhausted.
double AllowedShare(double target) { return std::round((1 - target) * 1e12) / 1e12; }

bool IsSliceMethod(BudgetingMethod m) { return m != BudgetingMethod::kOccurrences; }

Status CheckTarget(double target) {
  if (!(target > 0 && target < 1)) {
    return Status::InvalidArgument("target must be in (0, 1), got " + std::to_string(target),
                                   "target");
  }
  return Status::Ok();
}

// Counts of the period containing `now`, up to and including now.
Counts PeriodCounts(const SloSeries& series, const TimeSpan& period, EpochMillis now) {
  return series.Sum(period.start, std::min(period.end, now + 1));
}

}  // namespace

Result<BudgetObjective> BudgetObjectiveFor(const SloSpec& slo, size_t index) {
  const std::string field = "spec.objectives[" + std::to_string(index) + "]";
  if (index >= slo.objectives.size()) {
    return Status::InvalidArgument(
        "the SLO has " + std::to_string(slo.objectives.size()) + " objectives", field);
  }
  const Objective& obj = slo.objectives[index];
  BudgetObjective o;
  o.method = slo.budgeting_method;
  o.target = obj.Target();
  o.window = EffectiveTimeWindow(slo);
  BALLAST_RETURN_IF_ERROR(CheckTarget(o.target).WithContext(field));
  if (IsSliceMethod(o.method)) {
    if (!obj.time_slice_window || !obj.time_slice_window->IsFixed() ||
        obj.time_slice_window->ApproxMillis() <= 0) {
      return Status::InvalidArgument(
          "a timeslice budgeting method needs a positive fixed "
          "timeSliceWindow",
          field + ".timeSliceWindow");
    }
    o.time_slice_ms = obj.time_slice_window->ApproxMillis();
  }
  return o;
}

std::optional<double> SliValue(Counts c) {
  if (c.total == 0) return std::nullopt;
  return static_cast<double>(c.good) / static_cast<double>(c.total);
}

double BurnRate(Counts c, double target) {
  if (c.total == 0) return 0;
  return static_cast<double>(c.bad()) / static_cast<double>(c.total) / AllowedShare(target);
}

ErrorBudget ComputeErrorBudget(const BudgetObjective& o, Counts c, int64_t period_ms) {
  ErrorBudget b;
  const double allowed = AllowedShare(o.target);
  switch (o.method) {
    case BudgetingMethod::kOccurrences:
      b.total = allowed * static_cast<double>(c.total);
      b.consumed = static_cast<double>(c.bad());
      break;
    case BudgetingMethod::kTimeslices:
    case BudgetingMethod::kRatioTimeslices: {
      const double slices =
          o.time_slice_ms > 0
              ? std::max<double>(1, std::floor(static_cast<double>(period_ms) /
                                               static_cast<double>(o.time_slice_ms)))
              : 1;
      const double unit =
          o.method == BudgetingMethod::kTimeslices ? 1.0 : static_cast<double>(kRatioSliceUnits);
      b.total = allowed * slices;
      b.consumed = static_cast<double>(c.bad()) / unit;
      break;
    }
  }
  b.consumed_ratio = b.total > 0 ? b.consumed / b.total : 0;
  b.remaining_ratio = std::max(0.0, 1 - b.consumed_ratio);
  b.remaining = b.remaining_ratio * b.total;
  b.exhausted = b.consumed > 0 && b.consumed_ratio >= 1;
  return b;
}

std::optional<EpochMillis> ExhaustionForecast(const ErrorBudget& budget, double burn_rate,
                                              int64_t period_ms, EpochMillis now) {
  if (budget.exhausted) return now;
  if (!(burn_rate > 0) || !std::isfinite(burn_rate) || period_ms <= 0) return std::nullopt;
  const double millis = budget.remaining_ratio * static_cast<double>(period_ms) / burn_rate;
  // Far beyond any display: treat as never (and keep the cast defined).
  if (millis > 1e15) return std::nullopt;
  return now + static_cast<int64_t>(std::ceil(millis));
}

Result<ObjectiveStatus> EvaluateObjective(const BudgetObjective& o, const SloSeries& series,
                                          std::span<const BurnRateWindow> windows, EpochMillis now,
                                          const EvaluateOptions& options) {
  BALLAST_RETURN_IF_ERROR(CheckTarget(o.target));
  auto period = PeriodAt(o.window, now);
  if (!period) return period.error();
  ObjectiveStatus st;
  st.period = *period;
  st.counts = PeriodCounts(series, *period, now);
  st.sli = SliValue(st.counts);
  st.budget = ComputeErrorBudget(o, st.counts, period->Millis());
  st.burn_rates.reserve(windows.size());
  for (const BurnRateWindow& w : windows) {
    BurnRateReading r;
    r.window = w;
    r.long_counts = series.SumRolling(now, w.long_ms);
    r.short_counts = series.SumRolling(now, w.short_ms);
    r.long_rate = BurnRate(r.long_counts, o.target);
    r.short_rate = BurnRate(r.short_counts, o.target);
    r.enough_events = MeetsMinimumEvents(r.short_counts, options.min_events);
    r.breaching = r.enough_events && w.Breaches(r.long_rate, r.short_rate);
    st.burn_rates.push_back(std::move(r));
  }
  const double current = BurnRate(series.SumRolling(now, options.forecast_window_ms), o.target);
  st.exhausted_at = ExhaustionForecast(st.budget, current, period->Millis(), now);
  return st;
}

Result<std::vector<ChartPoint>> ChartSeries(const BudgetObjective& o, const SloSeries& series,
                                            EpochMillis from, EpochMillis to, int64_t step_ms,
                                            size_t max_points) {
  BALLAST_RETURN_IF_ERROR(CheckTarget(o.target));
  if (step_ms <= 0) return Status::InvalidArgument("step must be positive", "step");
  if (from > to) return Status::InvalidArgument("from is after to", "from");
  const uint64_t points =
      (static_cast<uint64_t>(to) - static_cast<uint64_t>(from)) / static_cast<uint64_t>(step_ms);
  if (points > max_points) {
    return Status::InvalidArgument("the range holds " + std::to_string(points) +
                                       " steps, more than " + std::to_string(max_points),
                                   "step");
  }
  std::vector<ChartPoint> out;
  out.reserve(points);
  for (uint64_t i = 1; i <= points; ++i) {
    const EpochMillis t = from + static_cast<int64_t>(i) * step_ms;
    auto period = PeriodAt(o.window, t);
    if (!period) return period.error();
    const Counts c = PeriodCounts(series, *period, t);
    out.push_back({t, SliValue(c), ComputeErrorBudget(o, c, period->Millis()).remaining_ratio});
  }
  return out;
}

}  // namespace ballast::slo

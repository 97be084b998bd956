#include "slo/windows.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <exception>

namespace ballast::slo {
namespace {

constexpr int64_t kWorkbookPeriod = 30 * kMillisPerDay;

struct WorkbookRow {
  const char* severity;
  int64_t long_ms;
  int64_t short_ms;
  double budget_share;
};
constexpr std::array<WorkbookRow, 4> kWorkbook = {{
    {"page", kMillisPerHour, 5 * kMillisPerMinute, 0.02},
    {"page", 6 * kMillisPerHour, 30 * kMillisPerMinute, 0.05},
    {"ticket", kMillisPerDay, 2 * kMillisPerHour, 0.10},
    {"ticket", 3 * kMillisPerDay, 6 * kMillisPerHour, 0.10},
}};

// Nearest whole minute, at least one: series have minute resolution.
int64_t RoundToMinute(double ms) {
  int64_t minutes = std::llround(ms / kMillisPerMinute);
  return std::max<int64_t>(1, minutes) * kMillisPerMinute;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

using LocalMs = date::local_time<std::chrono::milliseconds>;

// `local` moved by `months` calendar months, keeping the time of day; a day past the end of the
// target month becomes its last day.
LocalMs AddMonths(LocalMs local, int64_t months) {
  auto day = date::floor<date::days>(local);
  auto time_of_day = local - day;
  date::year_month_day ymd{day};
  date::year_month_day moved = ymd + date::months{months};
  if (!moved.ok())
    moved = date::year_month_day_last{moved.year(), date::month_day_last{moved.month()}};
  return LocalMs{date::local_days{moved}} + time_of_day;
}

int64_t MonthsPerUnit(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::kMonth:
      return 1;
    case DurationUnit::kQuarter:
      return 3;
    case DurationUnit::kYear:
      return 12;
    default:
      return 0;
  }
}

}  // namespace

std::string BurnRateWindow::Name() const {
  return FormatMillisAsDuration(long_ms) + "/" + FormatMillisAsDuration(short_ms);
}

int64_t PeriodMillis(const TimeWindow& window) { return window.duration.ApproxMillis(); }

std::vector<BurnRateWindow> DefaultBurnRateWindows(int64_t period_ms) {
  std::vector<BurnRateWindow> out;
  if (period_ms <= 0) return out;
  const bool workbook = period_ms == kWorkbookPeriod || period_ms == 28 * kMillisPerDay;
  const double scale = static_cast<double>(period_ms) / kWorkbookPeriod;
  for (const WorkbookRow& row : kWorkbook) {
    BurnRateWindow w;
    w.severity = row.severity;
    w.long_ms = workbook ? row.long_ms : RoundToMinute(row.long_ms * scale);
    w.short_ms = workbook ? row.short_ms : RoundToMinute(row.short_ms * scale);
    w.budget_share = row.budget_share;
    // period / long first: exact for the Workbook (720), so 0.02 × 720 gives 14.4.
    w.factor = row.budget_share * (static_cast<double>(period_ms) / w.long_ms);
    out.push_back(std::move(w));
  }
  return out;
}

Result<BurnRateWindow> BurnRateWindowFor(const AlertConditionSpec& condition, int64_t period_ms) {
  const auto& c = condition.condition;
  if (c.kind != "burnrate") {
    return Status::InvalidArgument(
        "condition kind '" + c.kind + "' is not supported (only burnrate)", "spec.condition.kind");
  }
  // Series have minute resolution: a shorter lookback could not be measured.
  if (!c.lookback_window.IsFixed() || c.lookback_window.ApproxMillis() < kMillisPerMinute) {
    return Status::InvalidArgument(
        "lookbackWindow must be a fixed duration (s, m, h, d, w) of at least 1m",
        "spec.condition.lookbackWindow");
  }
  if (!(c.threshold > 0) || !std::isfinite(c.threshold)) {
    return Status::InvalidArgument("threshold must be a positive burn rate",
                                   "spec.condition.threshold");
  }
  if (period_ms <= 0) {
    return Status::InvalidArgument("the SLO period must be positive", "spec.timeWindow");
  }
  BurnRateWindow w;
  w.severity = condition.severity;
  w.long_ms = c.lookback_window.ApproxMillis();
  w.short_ms = RoundToMinute(static_cast<double>(w.long_ms) / 12);
  w.factor = c.threshold;
  w.budget_share = c.threshold * (static_cast<double>(w.long_ms) / period_ms);
  w.op = c.op.value_or(Op::kGt);
  return w;
}

Result<TimeSpan> PeriodAt(const TimeWindow& window, EpochMillis now) {
  const Duration& d = window.duration;
  if (d.count <= 0)
    return Status::InvalidArgument("duration must be positive", "timeWindow.duration");
  if (window.Rolling() || !window.calendar) {
    return TimeSpan{now + 1 - d.ApproxMillis(), now + 1};
  }
  const Calendar& cal = *window.calendar;
  if (d.unit <= DurationUnit::kHour) {
    const int64_t step = d.ApproxMillis();
    const int64_t k = FloorDiv(now - cal.start, step);
    return TimeSpan{cal.start + k * step, cal.start + (k + 1) * step};
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(cal.time_zone.empty() ? std::string("UTC") : cal.time_zone);
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone '" + cal.time_zone + "'",
                                   "timeWindow.calendar.timeZone");
  }
  using std::chrono::milliseconds;
  using SysMs = date::sys_time<milliseconds>;
  const LocalMs local_start = zone->to_local(SysMs{milliseconds{cal.start}});
  const LocalMs local_now = zone->to_local(SysMs{milliseconds{now}});
  auto to_sys = [&](LocalMs l) {
    return zone->to_sys(l, date::choose::earliest).time_since_epoch().count();
  };
  if (const int64_t months = MonthsPerUnit(d.unit) * d.count; months > 0) {
    date::year_month_day s{date::floor<date::days>(local_start)};
    date::year_month_day n{date::floor<date::days>(local_now)};
    const int64_t diff =
        (static_cast<int>(n.year()) - static_cast<int>(s.year())) * 12 +
        (static_cast<int64_t>(static_cast<unsigned>(n.month())) - static_cast<unsigned>(s.month()));
    int64_t k = FloorDiv(diff, months);
    // The month count is a guess off by at most one (day and time of day were ignored).
    while (AddMonths(local_start, k * months) > local_now) --k;
    while (AddMonths(local_start, (k + 1) * months) <= local_now) ++k;
    return TimeSpan{to_sys(AddMonths(local_start, k * months)),
                    to_sys(AddMonths(local_start, (k + 1) * months))};
  }
  // Days and weeks in local time: linear in local_time, so plain division works.
  const int64_t step = d.ApproxMillis();
  const int64_t k = FloorDiv((local_now - local_start).count(), step);
  return TimeSpan{to_sys(local_start + milliseconds{k * step}),
                  to_sys(local_start + milliseconds{(k + 1) * step})};
}

}  // namespace ballast::slo

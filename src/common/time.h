// RFC 3339 timestamps and durations.
//
// ParseRfc3339 accepts "2026-11-27T19:12:28Z", fractional seconds of any length (truncated to
// milliseconds), lowercase 't'/'z', and numeric offsets ("+02:00"). FormatRfc3339 always
// writes UTC with millisecond precision ("2026-11-27T19:12:28.000Z").
//
// Durations use the OpenSLO shorthand: an integer followed by one unit of
//   s (second)  m (minute)  h (hour)  d (day)  w (week)  M (month)  Q (quarter)  Y (year).
// Months, quarters and years are calendar units: they have no fixed length in milliseconds, so
// Duration keeps the unit and ApproxMillis() is only for comparisons and sizing (30/91/365 d).
// ParseDuration also accepts "ms" and compound Prometheus-style forms like "1h30m" for the
// fixed units, because operators type them in configuration files.
//
// Errors name the position of the offending character (0-based).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace ballast {

Result<EpochMillis> ParseRfc3339(std::string_view text);
std::string FormatRfc3339(EpochMillis t);

enum class DurationUnit { kMillisecond, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

struct Duration {
  int64_t count = 0;
  DurationUnit unit = DurationUnit::kMillisecond;

  // True for s/m/h/d/w (and ms): an exact number of milliseconds.
  bool IsFixed() const { return unit <= DurationUnit::kWeek; }
  // Exact for fixed units; 30, 91 and 365 days per M, Q, Y otherwise.
  int64_t ApproxMillis() const;
  // Canonical text: "5m", "28d", "1Q"; fixed durations use the largest exact unit.
  std::string ToString() const;

  static Duration Millis(int64_t ms) { return {ms, DurationUnit::kMillisecond}; }
  friend bool operator==(const Duration&, const Duration&) = default;
};

Result<Duration> ParseDuration(std::string_view text);

// Formats a millisecond span with the largest exact unit: 300000 -> "5m", 90000 -> "90s".
std::string FormatMillisAsDuration(int64_t ms);

}  // namespace ballast

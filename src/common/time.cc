#include "common/time.h"

#include <date/date.h>

#include <array>
#include <charconv>

namespace ballast {
namespace {

// Reads exactly `n` digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

Status TimeError(std::string_view text, size_t pos, std::string_view what) {
  std::string msg = "invalid RFC 3339 time \"";
  msg.append(text.substr(0, 64));
  msg += "\": ";
  msg += what;
  msg += " at position ";
  msg += std::to_string(pos);
  return Status::InvalidArgument(std::move(msg));
}

int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
}

}  // namespace

Result<EpochMillis> ParseRfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(s, 0, 4, year)) return TimeError(s, 0, "expected 4-digit year");
  if (s.size() <= 4 || s[4] != '-') return TimeError(s, 4, "expected '-'");
  if (!ReadDigits(s, 5, 2, month) || month < 1 || month > 12)
    return TimeError(s, 5, "expected month 01-12");
  if (s.size() <= 7 || s[7] != '-') return TimeError(s, 7, "expected '-'");
  if (!ReadDigits(s, 8, 2, day) || day < 1) return TimeError(s, 8, "expected day");
  auto ymd = date::year{year} / date::month{static_cast<unsigned>(month)} /
             date::day{static_cast<unsigned>(day)};
  if (!ymd.ok()) return TimeError(s, 8, "day out of range for month");
  if (s.size() <= 10 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
    return TimeError(s, 10, "expected 'T'");
  if (!ReadDigits(s, 11, 2, hour) || hour > 23) return TimeError(s, 11, "expected hour 00-23");
  if (s.size() <= 13 || s[13] != ':') return TimeError(s, 13, "expected ':'");
  if (!ReadDigits(s, 14, 2, minute) || minute > 59) return TimeError(s, 14, "expected minute 00-59");
  if (s.size() <= 16 || s[16] != ':') return TimeError(s, 16, "expected ':'");
  // 60 is a leap second; it is folded into the next second as most systems do.
  if (!ReadDigits(s, 17, 2, second) || second > 60) return TimeError(s, 17, "expected second 00-60");
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return TimeError(s, pos, "expected fraction digits");
  }
  int64_t offset_minutes = 0;
  if (pos >= s.size()) return TimeError(s, pos, "expected 'Z' or offset");
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!ReadDigits(s, pos + 1, 2, oh) || oh > 23) return TimeError(s, pos + 1, "expected offset hours");
    if (pos + 3 >= s.size() || s[pos + 3] != ':') return TimeError(s, pos + 3, "expected ':'");
    if (!ReadDigits(s, pos + 4, 2, om) || om > 59) return TimeError(s, pos + 4, "expected offset minutes");
    offset_minutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return TimeError(s, pos, "expected 'Z' or offset");
  }
  if (pos != s.size()) return TimeError(s, pos, "unexpected trailing characters");
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return secs * 1000 + millis;
}

std::string FormatRfc3339(EpochMillis t) {
  using namespace std::chrono;
  auto tp = sys_time<milliseconds>(milliseconds(t));
  auto dp = date::floor<date::days>(tp);
  date::year_month_day ymd{dp};
  date::hh_mm_ss<milliseconds> hms{tp - dp};
  char buf[40];
  int y = static_cast<int>(ymd.year());
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

namespace {
constexpr int64_t kUnitMillis[] = {1,           1000,         60'000,        3'600'000,
                                   86'400'000,  604'800'000,  2'592'000'000, 7'862'400'000,
                                   31'536'000'000};
}  // namespace

int64_t Duration::ApproxMillis() const { return count * kUnitMillis[static_cast<int>(unit)]; }

std::string Duration::ToString() const {
  static constexpr std::array<std::string_view, 9> kSuffix = {"ms", "s", "m", "h", "d",
                                                              "w",  "M", "Q", "Y"};
  if (IsFixed()) return FormatMillisAsDuration(ApproxMillis());
  return std::to_string(count) + std::string(kSuffix[static_cast<int>(unit)]);
}

std::string FormatMillisAsDuration(int64_t ms) {
  if (ms == 0) return "0s";
  struct U { int64_t millis; const char* suffix; };
  static constexpr U kUnits[] = {{604'800'000, "w"}, {86'400'000, "d"}, {3'600'000, "h"},
                                 {60'000, "m"},      {1000, "s"},       {1, "ms"}};
  for (const U& u : kUnits) {
    if (ms % u.millis == 0) return std::to_string(ms / u.millis) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

Result<Duration> ParseDuration(std::string_view s) {
  auto err = [&](size_t pos, std::string_view what) {
    std::string msg = "invalid duration \"";
    msg.append(s.substr(0, 64));
    msg += "\": ";
    msg += what;
    msg += " at position ";
    msg += std::to_string(pos);
    return Status::InvalidArgument(std::move(msg));
  };
  if (s.empty()) return err(0, "empty duration");
  size_t pos = 0;
  int64_t total_ms = 0;
  int parts = 0;
  Duration single;
  while (pos < s.size()) {
    size_t start = pos;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec == std::errc::result_out_of_range) return err(start, "number too large");
    if (ec != std::errc() || p == s.data() + pos) return err(start, "expected a number");
    pos = p - s.data();
    // from_chars reads "-0" as 0: test the sign, not the value.
    if (s[start] == '-') return err(start, "duration must not be negative");
    if (pos >= s.size()) return err(pos, "expected a unit (s m h d w M Q Y)");
    DurationUnit unit;
    char c = s[pos];
    if (c == 'm' && pos + 1 < s.size() && s[pos + 1] == 's') {
      unit = DurationUnit::kMillisecond;
      pos += 2;
    } else {
      switch (c) {
        case 's': unit = DurationUnit::kSecond; break;
        case 'm': unit = DurationUnit::kMinute; break;
        case 'h': unit = DurationUnit::kHour; break;
        case 'd': unit = DurationUnit::kDay; break;
        case 'w': unit = DurationUnit::kWeek; break;
        case 'M': unit = DurationUnit::kMonth; break;
        case 'Q': unit = DurationUnit::kQuarter; break;
        case 'Y': unit = DurationUnit::kYear; break;
        default: return err(pos, "unknown unit (expected s m h d w M Q Y)");
      }
      ++pos;
    }
    single = Duration{n, unit};
    if (!single.IsFixed() && (parts > 0 || pos != s.size()))
      return err(start, "calendar units (M Q Y) cannot be combined");
    if (n > INT64_MAX / kUnitMillis[static_cast<int>(unit)]) return err(start, "number too large");
    if (total_ms > INT64_MAX - single.ApproxMillis()) return err(start, "number too large");
    total_ms += single.ApproxMillis();
    ++parts;
  }
  if (parts == 1) return single;
  return Duration::Millis(total_ms);
}

}  // namespace ballast

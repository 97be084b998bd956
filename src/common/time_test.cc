#include "common/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace ballast {
namespace {

constexpr EpochMillis k2026 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr EpochMillis kDay = 86'400'000;
// 9999-12-31T23:59:59.999Z: the last instant RFC 3339's four-digit years can write.
constexpr EpochMillis kMaxRfc3339 = 253'402'300'799'999;

EpochMillis ParseOk(std::string_view text) {
  Result<EpochMillis> r = ParseRfc3339(text);
  EXPECT_TRUE(r) << text << ": " << r.error().ToString();
  return r ? *r : -1;
}

std::string ParseError(std::string_view text) {
  Result<EpochMillis> r = ParseRfc3339(text);
  if (r) return "<parsed " + std::to_string(*r) + ">";
  EXPECT_TRUE(r.error().IsInvalidArgument());
  return r.error().message();
}

TEST(Rfc3339Test, ParsesUtc) {
  EXPECT_EQ(ParseOk("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00Z"), k2026);
  EXPECT_EQ(ParseOk("2026-11-27T19:12:28Z"), 1'795'806'748'000);
  EXPECT_EQ(ParseOk("1969-12-31T23:59:59Z"), -1000);
}

TEST(Rfc3339Test, AcceptsLowercaseAndSpaceSeparator) {
  EXPECT_EQ(ParseOk("2026-01-01t00:00:00z"), k2026);
  EXPECT_EQ(ParseOk("2026-01-01 00:00:00Z"), k2026);
}

TEST(Rfc3339Test, FractionalSecondsAreTruncatedToMillis) {
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.5Z"), k2026 + 500);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.12Z"), k2026 + 120);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.123Z"), k2026 + 123);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.123999999Z"), k2026 + 123);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.000000000000000000001Z"), k2026);
}

TEST(Rfc3339Test, Offsets) {
  EXPECT_EQ(ParseOk("2026-01-01T02:00:00+02:00"), k2026);
  EXPECT_EQ(ParseOk("2025-12-31T18:30:00-05:30"), k2026);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00.250+00:00"), k2026 + 250);
  EXPECT_EQ(ParseOk("2026-01-01T00:00:00-00:00"), k2026);
  EXPECT_EQ(ParseOk("2026-01-01T23:59:00+23:59"), k2026);
}

TEST(Rfc3339Test, LeapYears) {
  EXPECT_EQ(ParseOk("2024-02-29T00:00:00Z") + kDay, ParseOk("2024-03-01T00:00:00Z"));
  EXPECT_EQ(ParseOk("2000-02-29T12:00:00Z"), 951'825'600'000);
  EXPECT_EQ(ParseError("2023-02-29T00:00:00Z"),
            "invalid RFC 3339 time \"2023-02-29T00:00:00Z\": day out of range for month at "
            "position 8");
  EXPECT_THAT(ParseError("1900-02-29T00:00:00Z"), testing::HasSubstr("day out of range"));
  EXPECT_THAT(ParseError("2026-04-31T00:00:00Z"), testing::HasSubstr("day out of range"));
  EXPECT_EQ(ParseOk("2026-12-31T00:00:00Z") - ParseOk("2025-12-31T00:00:00Z"), 365 * kDay);
  EXPECT_EQ(ParseOk("2024-12-31T00:00:00Z") - ParseOk("2023-12-31T00:00:00Z"), 366 * kDay);
}

TEST(Rfc3339Test, LeapSecondFoldsIntoTheNextSecond) {
  EXPECT_EQ(ParseOk("2016-12-31T23:59:60Z"), ParseOk("2017-01-01T00:00:00Z"));
}

TEST(Rfc3339Test, InvalidInputsNameThePosition) {
  struct Case {
    const char* text;
    const char* what;
  };
  const Case cases[] = {
      {"", "expected 4-digit year at position 0"},
      {"26-01-01T00:00:00Z", "expected 4-digit year at position 0"},
      {"20260-01-01T00:00:00Z", "expected '-' at position 4"},
      {"2026/01/01T00:00:00Z", "expected '-' at position 4"},
      {"2026-1-01T00:00:00Z", "expected month 01-12 at position 5"},
      {"2026-13-01T00:00:00Z", "expected month 01-12 at position 5"},
      {"2026-01-00T00:00:00Z", "expected day at position 8"},
      {"2026-01-01", "expected 'T' at position 10"},
      {"2026-01-01X00:00:00Z", "expected 'T' at position 10"},
      {"2026-01-01T24:00:00Z", "expected hour 00-23 at position 11"},
      {"2026-01-01T00:60:00Z", "expected minute 00-59 at position 14"},
      {"2026-01-01T00:00:61Z", "expected second 00-60 at position 17"},
      {"2026-01-01T00:00Z", "expected ':' at position 16"},
      {"2026-01-01T00:00:00", "expected 'Z' or offset at position 19"},
      {"2026-01-01T00:00:00.Z", "expected fraction digits at position 20"},
      {"2026-01-01T00:00:00+2:00", "expected offset hours at position 20"},
      {"2026-01-01T00:00:00+02", "expected ':' at position 22"},
      {"2026-01-01T00:00:00+02:60", "expected offset minutes at position 23"},
      {"2026-01-01T00:00:00ZZ", "unexpected trailing characters at position 20"},
      {"2026-01-01T00:00:00 Z", "expected 'Z' or offset at position 19"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseError(c.text), testing::EndsWith(c.what)) << c.text;
  }
  // The echoed input is bounded, so a huge bad value cannot flood a log line.
  EXPECT_LT(ParseError(std::string(10'000, '9')).size(), 200u);
}

TEST(Rfc3339Test, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(k2026 + 5), "2026-01-01T00:00:00.005Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(951'825'600'000), "2000-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(kMaxRfc3339), "9999-12-31T23:59:59.999Z");
}

RC_GTEST_PROP(Rfc3339Property, FormatThenParseRoundTrips, ()) {
  EpochMillis t = *rc::gen::inRange<EpochMillis>(0, kMaxRfc3339 + 1);
  std::string text = FormatRfc3339(t);
  RC_ASSERT(text.size() == 24u);
  Result<EpochMillis> back = ParseRfc3339(text);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == t);
}

RC_GTEST_PROP(Rfc3339Property, OffsetsShiftByTheirAmount, ()) {
  EpochMillis t = *rc::gen::inRange<EpochMillis>(kDay, kMaxRfc3339 - kDay);
  int hours = *rc::gen::inRange(0, 24);
  int minutes = *rc::gen::inRange(0, 60);
  bool negative = *rc::gen::arbitrary<bool>();
  int64_t offset_ms = (hours * 60 + minutes) * 60'000LL * (negative ? -1 : 1);
  // The local wall-clock time for offset o is UTC + o; write it with the offset and parse back.
  std::string local = FormatRfc3339(t + offset_ms);
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%c%02d:%02d", negative ? '-' : '+', hours, minutes);
  local = local.substr(0, 23) + suffix;
  Result<EpochMillis> back = ParseRfc3339(local);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == t);
}

// ---------------------------------------------------------------------------------------------
// Durations.

Duration DurationOk(std::string_view text) {
  Result<Duration> r = ParseDuration(text);
  EXPECT_TRUE(r) << text << ": " << r.error().ToString();
  return r ? *r : Duration{};
}

std::string DurationError(std::string_view text) {
  Result<Duration> r = ParseDuration(text);
  if (r) return "<parsed " + r->ToString() + ">";
  EXPECT_TRUE(r.error().IsInvalidArgument());
  return r.error().message();
}

TEST(DurationTest, SingleUnits) {
  EXPECT_EQ(DurationOk("30s"), (Duration{30, DurationUnit::kSecond}));
  EXPECT_EQ(DurationOk("5m"), (Duration{5, DurationUnit::kMinute}));
  EXPECT_EQ(DurationOk("1h"), (Duration{1, DurationUnit::kHour}));
  EXPECT_EQ(DurationOk("28d"), (Duration{28, DurationUnit::kDay}));
  EXPECT_EQ(DurationOk("2w"), (Duration{2, DurationUnit::kWeek}));
  EXPECT_EQ(DurationOk("1M"), (Duration{1, DurationUnit::kMonth}));
  EXPECT_EQ(DurationOk("1Q"), (Duration{1, DurationUnit::kQuarter}));
  EXPECT_EQ(DurationOk("1Y"), (Duration{1, DurationUnit::kYear}));
  EXPECT_EQ(DurationOk("250ms"), Duration::Millis(250));
  EXPECT_EQ(DurationOk("0s"), (Duration{0, DurationUnit::kSecond}));
}

TEST(DurationTest, ApproxMillisAndFixedness) {
  EXPECT_EQ(DurationOk("5m").ApproxMillis(), 300'000);
  EXPECT_EQ(DurationOk("28d").ApproxMillis(), 28 * kDay);
  EXPECT_EQ(DurationOk("1w").ApproxMillis(), 7 * kDay);
  EXPECT_EQ(DurationOk("1M").ApproxMillis(), 30 * kDay);
  EXPECT_EQ(DurationOk("1Q").ApproxMillis(), 91 * kDay);
  EXPECT_EQ(DurationOk("1Y").ApproxMillis(), 365 * kDay);
  EXPECT_TRUE(DurationOk("1w").IsFixed());
  EXPECT_TRUE(DurationOk("7ms").IsFixed());
  EXPECT_FALSE(DurationOk("1M").IsFixed());
  EXPECT_FALSE(DurationOk("3Y").IsFixed());
}

TEST(DurationTest, CompoundFixedUnits) {
  EXPECT_EQ(DurationOk("1h30m"), Duration::Millis(5'400'000));
  EXPECT_EQ(DurationOk("1d12h"), Duration::Millis(36 * 3'600'000LL));
  EXPECT_EQ(DurationOk("1m30s500ms"), Duration::Millis(90'500));
  EXPECT_EQ(DurationOk("1h30m").ToString(), "90m");
}

TEST(DurationTest, ToStringIsCanonical) {
  EXPECT_EQ((Duration{5, DurationUnit::kMinute}).ToString(), "5m");
  EXPECT_EQ((Duration{60, DurationUnit::kMinute}).ToString(), "1h");
  EXPECT_EQ((Duration{28, DurationUnit::kDay}).ToString(), "4w");
  EXPECT_EQ((Duration{1, DurationUnit::kQuarter}).ToString(), "1Q");
  EXPECT_EQ((Duration{2, DurationUnit::kMonth}).ToString(), "2M");
  EXPECT_EQ(Duration::Millis(1500).ToString(), "1500ms");
  EXPECT_EQ(FormatMillisAsDuration(300'000), "5m");
  EXPECT_EQ(FormatMillisAsDuration(90'000), "90s");
  EXPECT_EQ(FormatMillisAsDuration(0), "0s");
  EXPECT_EQ(FormatMillisAsDuration(7 * kDay), "1w");
}

TEST(DurationTest, ErrorsNameThePosition) {
  struct Case {
    const char* text;
    const char* what;
  };
  const Case cases[] = {
      {"", "empty duration at position 0"},
      {"5", "expected a unit (s m h d w M Q Y) at position 1"},
      {"5x", "unknown unit (expected s m h d w M Q Y) at position 1"},
      {"5 m", "unknown unit (expected s m h d w M Q Y) at position 1"},
      {"m", "expected a number at position 0"},
      {"+5m", "expected a number at position 0"},
      {"1.5h", "unknown unit (expected s m h d w M Q Y) at position 1"},
      {"-5m", "duration must not be negative at position 0"},
      {"-0s", "duration must not be negative at position 0"},
      {"1h-5m", "duration must not be negative at position 2"},
      {"1M1d", "calendar units (M Q Y) cannot be combined at position 0"},
      {"1d1M", "calendar units (M Q Y) cannot be combined at position 2"},
      {"1h30", "expected a unit (s m h d w M Q Y) at position 4"},
      {"99999999999999999999s", "number too large at position 0"},
      {"99999999999999w", "number too large at position 0"},
      {"9000000000000000000ms9000000000000000000ms", "number too large at position 21"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(DurationError(c.text), testing::EndsWith(c.what)) << c.text;
  }
}

RC_GTEST_PROP(DurationProperty, FormattedMillisParseBack, ()) {
  int64_t ms = *rc::gen::inRange<int64_t>(0, int64_t{1} << 50);
  std::string text = FormatMillisAsDuration(ms);
  Result<Duration> d = ParseDuration(text);
  RC_ASSERT(d.has_value());
  RC_ASSERT(d->IsFixed());
  RC_ASSERT(d->ApproxMillis() == ms);
  RC_ASSERT(d->ToString() == text);
}

}  // namespace
}  // namespace ballast

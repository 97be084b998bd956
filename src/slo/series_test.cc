#include "slo/series.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "slo/windows.h"

namespace ballast::slo {
namespace {

constexpr int64_t kMin = kMillisPerMinute;
constexpr int64_t kHour = kMillisPerHour;
constexpr int64_t kDay = kMillisPerDay;
// A Monday at 00:00Z, far from the epoch, so rings wrap at arbitrary slots.
constexpr EpochMillis kT0 = 1'795'000'000'000 / kDay * kDay;

TEST(SloSeries, SumsCountBucketsStartingInTheRange) {
  SloSeries s;
  ASSERT_TRUE(s.Add(kT0 + 10 * kMin + 5'000, 9, 10).ok());
  ASSERT_TRUE(s.Add(kT0 + 11 * kMin, 1, 3).ok());
  EXPECT_EQ(s.Sum(kT0, kT0 + kHour), (Counts{10, 13}));
  EXPECT_EQ(s.Sum(kT0 + 10 * kMin, kT0 + 11 * kMin), (Counts{9, 10}));
  // The bucket of 10:05 starts at 10:00, before `from`.
  EXPECT_EQ(s.Sum(kT0 + 10 * kMin + 1, kT0 + 12 * kMin), (Counts{1, 3}));
  EXPECT_EQ(s.Sum(kT0 + 12 * kMin, kT0 + 11 * kMin), Counts{});
  EXPECT_EQ(s.Sum(INT64_MIN, INT64_MAX), (Counts{10, 13}));
  // A rolling window includes now's minute.
  EXPECT_EQ(s.SumRolling(kT0 + 11 * kMin + 30'000, 2 * kMin), (Counts{10, 13}));
  EXPECT_EQ(s.SumRolling(kT0 + 11 * kMin + 30'000, kMin), (Counts{1, 3}));
  EXPECT_EQ(*s.head(), kT0 + 11 * kMin);
}

TEST(SloSeries, RejectsImpossibleCountsAndTooOldEvents) {
  SloSeries s;
  Status st = s.Add(kT0, 5, 4);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("exceeds total"), std::string::npos);
  EXPECT_TRUE(s.Add(kT0, 0, SloSeries::kMaxAddTotal + 1).IsInvalidArgument());
  EXPECT_TRUE(s.empty());
  ASSERT_TRUE(s.Add(kT0 + 100 * kDay, 1, 1).ok());
  st = s.Add(kT0, 1, 1);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("older than the series' retention"), std::string::npos);
  EXPECT_EQ(s.Sum(kT0 - kDay, kT0 + 200 * kDay), (Counts{1, 1}));
}

TEST(SloSeries, LateEventsBeyondMinuteRetentionHaveHourResolution) {
  SloSeries s;
  const EpochMillis now = kT0 + 20 * kDay;
  s.AdvanceTo(now);
  // 10 days late: no minute bucket any more, but the hour and day buckets count it.
  const EpochMillis late = kT0 + 10 * kDay + 3 * kHour + 17 * kMin;
  ASSERT_TRUE(s.Add(late, 2, 5).ok());
  EXPECT_EQ(s.SumRolling(now, 15 * kDay), (Counts{2, 5}));
  // Bounds inside the old hour widen to it, so [03:20, 03:30) holds it.
  EXPECT_EQ(s.Sum(late + 3 * kMin, late + 13 * kMin), (Counts{2, 5}));
  EXPECT_EQ(s.Sum(late - 17 * kMin + kHour, now), Counts{});
  // A recent late event keeps minute resolution.
  ASSERT_TRUE(s.Add(now - 2 * kDay, 1, 1).ok());
  EXPECT_EQ(s.Sum(now - 2 * kDay + kMin, now), Counts{});
  EXPECT_EQ(s.Sum(now - 2 * kDay, now - 2 * kDay + kMin), (Counts{1, 1}));
}

TEST(SloSeries, OldBucketsExpireAsTheHeadMoves) {
  SloSeries s(SeriesOptions{1, 2});
  ASSERT_TRUE(s.Add(kT0, 1, 1).ok());
  s.AdvanceTo(kT0 + kDay + kHour);  // past the minute retention, within the hour retention
  EXPECT_EQ(s.Sum(kT0, kT0 + kMin), (Counts{1, 1}));  // hour resolution now
  EXPECT_EQ(*s.MinuteResolutionSince(), kT0 + kHour + kMin);
  s.AdvanceTo(kT0 + 3 * kDay);
  EXPECT_EQ(s.Sum(kT0 - kDay, kT0 + 4 * kDay), Counts{});
  // A jump longer than every ring clears it once and keeps working.
  ASSERT_TRUE(s.Add(kT0 + 400 * kDay, 3, 4).ok());
  EXPECT_EQ(s.SumRolling(kT0 + 400 * kDay, kDay), (Counts{3, 4}));
}

TEST(SloSeries, LargeCountsEscapeTheCompactCells) {
  SloSeries s;
  ASSERT_TRUE(s.Add(kT0, 70'000, 70'000).ok());  // > uint16 in one minute
  ASSERT_TRUE(s.Add(kT0, 0, 65'535).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.Add(kT0 + kMin, 1u << 30, uint64_t{1} << 31).ok());  // > uint32 in one hour
  }
  EXPECT_EQ(s.Sum(kT0, kT0 + kMin), (Counts{70'000, 135'535}));
  EXPECT_EQ(s.Sum(kT0 + kMin, kT0 + 2 * kMin), (Counts{uint64_t{5} << 30, uint64_t{5} << 31}));
  EXPECT_EQ(s.SumRolling(kT0 + kMin, 3 * kDay).total, 135'535 + (uint64_t{5} << 31));
  // Escaped buckets expire too.
  s.AdvanceTo(kT0 + 200 * kDay);
  EXPECT_EQ(s.Sum(kT0 - kDay, kT0 + 300 * kDay), Counts{});
  EXPECT_LT(s.MemoryBytes(), 64u * 1024);
}

TEST(SloSeries, MemoryStaysUnder64KiBWithNinetyDays) {
  SloSeries s;
  for (int64_t m = 0; m < 90 * 1440; m += 7) ASSERT_TRUE(s.Add(kT0 + m * kMin, 5, 6).ok());
  const size_t bytes = s.MemoryBytes();
  std::printf("SloSeries bytes with 7 d minutes + 90 d hours: %zu\n", bytes);
  EXPECT_LT(bytes, 64u * 1024);
  EXPECT_GE(bytes, 10080u * 4 + 2160u * 8);
}

TEST(SloSeries, SerializationRoundTrips) {
  SloSeries s;
  EXPECT_EQ(*SloSeries::Deserialize(s.Serialize()), s);
  ASSERT_TRUE(s.Add(kT0 + 30 * kDay, 3, 7).ok());
  ASSERT_TRUE(s.Add(kT0 + 10 * kDay, 1, 1).ok());  // late: hours and days only
  ASSERT_TRUE(s.Add(kT0 + 29 * kDay, 100'000, 100'000).ok());
  auto back = SloSeries::Deserialize(s.Serialize());
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(back->Sum(kT0, kT0 + 31 * kDay), (Counts{100'004, 100'008}));
  SloSeries other;
  ASSERT_TRUE(other.Add(kT0 + 30 * kDay, 3, 8).ok());
  EXPECT_FALSE(other == s);
}

TEST(SloSeries, DeserializeNamesTheProblem) {
  SloSeries s;
  ASSERT_TRUE(s.Add(kT0, 3, 7).ok());
  const std::string image = s.Serialize();
  auto no_magic = SloSeries::Deserialize("XXXX");
  ASSERT_FALSE(no_magic.has_value());
  EXPECT_NE(no_magic.error().message().find("byte 0"), std::string::npos);
  auto trailing = SloSeries::Deserialize(image + "x");
  ASSERT_FALSE(trailing.has_value());
  EXPECT_NE(trailing.error().message().find("trailing bytes"), std::string::npos);
  // Every truncation is an error, never a crash.
  for (size_t n = 0; n < image.size(); ++n) {
    EXPECT_FALSE(SloSeries::Deserialize(image.substr(0, n)).has_value()) << n;
  }
  // good > total in the minute bucket (last three varints are offset, good, total).
  std::string bad = image;
  // Find the minute level's entry: the image ends with the day entry (offset good total),
  // the hour entry and the minute entry; flip the minute good (3) to 9.
  const size_t pos = bad.find(std::string("\x03\x07", 2));
  ASSERT_NE(pos, std::string::npos);
  bad[pos] = '\x09';
  auto impossible = SloSeries::Deserialize(bad);
  ASSERT_FALSE(impossible.has_value());
  EXPECT_NE(impossible.error().message().find("impossible"), std::string::npos);
}

TEST(SloSeries, RandomBytesNeverCrashDeserialize) {
  bool ok = rc::check("random images", [](const std::vector<uint8_t>& tail) {
    std::string bytes = "BSS1";
    bytes.append(tail.begin(), tail.end());
    auto r = SloSeries::Deserialize(bytes);
    if (r) RC_ASSERT(SloSeries::Deserialize(r->Serialize()).has_value());
  });
  EXPECT_TRUE(ok);
}

// Brute force: the events a series accepted, recounted per query with the documented rules.
struct Model {
  int64_t minute_slots, hour_slots;
  std::optional<int64_t> head;
  std::vector<std::pair<int64_t, Counts>> events;  // minute index, counts

  static int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

  bool Add(EpochMillis t, Counts c) {
    const int64_t m = FloorDiv(t, kMin);
    if (head && m < *head && FloorDiv(m, 60) < FloorDiv(*head, 60) - hour_slots + 1) return false;
    head = head ? std::max(*head, m) : m;
    if (c.total) events.emplace_back(m, c);
    return true;
  }
  Counts Sum(EpochMillis from, EpochMillis to) const {
    if (!head || from >= to) return {};
    const int64_t minute_floor = *head - minute_slots + 1;
    const int64_t hour_floor = FloorDiv(*head, 60) - hour_slots + 1;
    // First bucket starting at or after t; without minute resolution, the hour containing it.
    const int64_t fm = -FloorDiv(-from, kMin), tm = -FloorDiv(-to, kMin);
    const int64_t a = fm < minute_floor ? FloorDiv(fm, 60) * 60 : fm;
    const int64_t b = tm < minute_floor ? -FloorDiv(-tm, 60) * 60 : tm;
    Counts s;
    for (const auto& [m, c] : events) {
      if (m >= a && m < b && FloorDiv(m, 60) >= hour_floor) s += c;
    }
    return s;
  }
};

TEST(SloSeries, WindowSumsMatchABruteForceRecount) {
  bool ok = rc::check("sums == recount", [] {
    const int minute_days = *rc::gen::inRange(1, 3);
    const int hour_days = minute_days + *rc::gen::inRange(0, 3);
    SloSeries s(SeriesOptions{minute_days, hour_days});
    Model model{minute_days * 1440, hour_days * 24, std::nullopt, {}};
    EpochMillis now = kT0 + *rc::gen::inRange<int64_t>(-kDay, kDay);
    const int steps = *rc::gen::inRange(1, 120);
    for (int i = 0; i < steps; ++i) {
      // Mostly forward in time, sometimes late (up to beyond the retention), sometimes a jump.
      const int kind = *rc::gen::inRange(0, 10);
      EpochMillis t = now;
      if (kind < 5) {
        t = now + *rc::gen::inRange<int64_t>(0, 3 * kHour);
      } else if (kind < 9) {
        t = now - *rc::gen::inRange<int64_t>(0, (hour_days + 1) * kDay);
      } else {
        t = now + *rc::gen::inRange<int64_t>(0, (hour_days + 2) * kDay);
      }
      const uint64_t total = *rc::gen::inRange<uint64_t>(0, 80'000);
      const uint64_t good = *rc::gen::inRange<uint64_t>(0, total + 1);
      const bool accepted = s.Add(t, good, total).ok();
      RC_ASSERT(accepted == model.Add(t, Counts{good, total}));
      now = std::max(now, t);
    }
    for (int q = 0; q < 40; ++q) {
      const EpochMillis span = (hour_days + 2) * kDay;
      // Boundaries on and off minute/hour/day edges.
      EpochMillis from = now - *rc::gen::inRange<int64_t>(-kHour, span);
      EpochMillis to = from + *rc::gen::inRange<int64_t>(0, span);
      if (*rc::gen::arbitrary<bool>()) from = from / kHour * kHour;
      if (*rc::gen::arbitrary<bool>()) to = to / kMin * kMin;
      RC_ASSERT(s.Sum(from, to) == model.Sum(from, to));
    }
    RC_ASSERT(*SloSeries::Deserialize(s.Serialize()) == s);
  });
  EXPECT_TRUE(ok);
}

TEST(Timeslices, VerdictsAndSliceCounts) {
  EXPECT_EQ(SliceVerdictFromCounts({99, 100}, 0.99), SliceVerdict::kGood);
  EXPECT_EQ(SliceVerdictFromCounts({98, 100}, 0.99), SliceVerdict::kBad);
  EXPECT_EQ(SliceVerdictFromCounts({0, 0}, 0.99), SliceVerdict::kNoData);
  EXPECT_EQ(SliceVerdictFromAggregate(450.0, Op::kLt, 500), SliceVerdict::kGood);
  EXPECT_EQ(SliceVerdictFromAggregate(500.0, Op::kLt, 500), SliceVerdict::kBad);
  EXPECT_EQ(SliceVerdictFromAggregate(std::nullopt, Op::kLt, 500), SliceVerdict::kNoData);
  EXPECT_EQ(TimesliceCounts(SliceVerdict::kGood), (Counts{1, 1}));
  EXPECT_EQ(TimesliceCounts(SliceVerdict::kBad), (Counts{0, 1}));
  EXPECT_EQ(TimesliceCounts(SliceVerdict::kNoData), Counts{});
  EXPECT_EQ(RatioTimesliceCounts({3, 4}), (Counts{45'000, kRatioSliceUnits}));
  EXPECT_EQ(RatioTimesliceCounts({0, 0}), Counts{});
  // Mean of slice ratios, whatever each slice's traffic: (1/2 + 1000/1000) / 2 = 0.75.
  SloSeries slices;
  ASSERT_TRUE(slices.Add(kT0, 0, 0).ok());
  Counts a = RatioTimesliceCounts({1, 2}), b = RatioTimesliceCounts({1000, 1000});
  ASSERT_TRUE(slices.Add(kT0, a.good, a.total).ok());
  ASSERT_TRUE(slices.Add(kT0 + kMin, b.good, b.total).ok());
  Counts sum = slices.SumRolling(kT0 + kMin, kHour);
  EXPECT_DOUBLE_EQ(static_cast<double>(sum.good) / sum.total, 0.75);
}

}  // namespace
}  // namespace ballast::slo

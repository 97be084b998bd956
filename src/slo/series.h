// SloSeries: the good/total counters of one (SLO objective, variant), in time buckets, so that
// any window's counts cost O(buckets at the window's edges), never a scan of events.
//
// Three rings of buckets, each indexed by time modulo its length:
//   - minute buckets for the recent `minute_days` (default 7), 2 × uint16 each;
//   - hour buckets for `hour_days` (default 90), 2 × uint32 each;
//   - UTC day buckets for hour_days + 1 days, 2 × uint64 each.
// A bucket whose count does not fit its narrow cells keeps an escape value and its exact counts
// in a small side map, so the compact cells never saturate. With the defaults a series takes
// 59,056 bytes of buckets plus ~150 bytes of bookkeeping (MemoryBytes() reports it).
//
// Window sums: a bucket counts in Sum(from, to) when its start lies in [from, to). A bound older
// than the minute retention widens to the hour that contains it (`from` rounds down, `to` up:
// hour resolution); data older than the hour retention is gone. The sum reads ≤ 59 minutes and ≤ 23
// hours at each edge and one day bucket per whole UTC day in between.
//
// Time: the series' head is the latest minute it has seen (Add or AdvanceTo); retention is
// relative to the head, never to a Clock. Late events (before the head) are accepted while their
// hour is retained; events older than the minute retention only reach the hour and day buckets.
// An event after the head moves the head and expires old buckets, so the caller must bound event
// times (the ingest accept window) before adding them.
//
// Timeslices: a Timeslices or RatioTimeslices objective keeps a second SloSeries whose unit is
// one time slice: when a slice closes, the caller adds TimesliceCounts(verdict) or
// RatioTimesliceCounts(slice counts) at the slice's start.
//
//   SloSeries s;
//   s.Add(t, /*good=*/9, /*total=*/10);
//   Counts last_hour = s.SumRolling(now, kMillisPerHour);
//
// Thread safety: not synchronised; one writer at a time, and readers must not overlap writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "slo/model.h"

namespace ballast::slo {

struct Counts {
  uint64_t good = 0;
  uint64_t total = 0;

  uint64_t bad() const { return total - good; }
  Counts& operator+=(const Counts& o) {
    good += o.good;
    total += o.total;
    return *this;
  }
  friend Counts operator+(Counts a, const Counts& b) { return a += b; }
  friend bool operator==(const Counts&, const Counts&) = default;
};

struct SeriesOptions {
  int minute_days = 7;  // ≥ 1
  int hour_days = 90;   // ≥ minute_days; DESIGN: at least the longest SLO window plus a day
};

class SloSeries {
 public:
  // Largest `total` one Add accepts: keeps every sum far from uint64 overflow.
  static constexpr uint64_t kMaxAddTotal = uint64_t{1} << 40;

  // Options out of range are clamped (minute_days to [1, 366], hour_days to
  // [minute_days, 3660]).
  explicit SloSeries(SeriesOptions options = {});

  // Counts `good` of `total` events at time t. Errors: good > total, total > kMaxAddTotal
  // (InvalidArgument), t older than the hour retention (FailedPrecondition). Nothing is
  // counted on error.
  Status Add(EpochMillis t, uint64_t good, uint64_t total);

  // Moves the head to `now` when later, expiring buckets that leave the retention.
  void AdvanceTo(EpochMillis now);

  // Counts of the buckets whose start lies in [from, to), at the resolution described above.
  Counts Sum(EpochMillis from, EpochMillis to) const;
  // The last `window_ms` up to and including `now`'s minute: Sum(now + 1 − window, now + 1).
  Counts SumRolling(EpochMillis now, int64_t window_ms) const {
    return Sum(now + 1 - window_ms, now + 1);
  }

  bool empty() const { return !head_.has_value(); }
  // Start of the head minute; nullopt before the first Add/AdvanceTo.
  std::optional<EpochMillis> head() const;
  // Start of the oldest minute still at minute resolution / still retained at all.
  std::optional<EpochMillis> MinuteResolutionSince() const;
  std::optional<EpochMillis> RetainedSince() const;

  const SeriesOptions& options() const { return options_; }
  // Bytes this series holds: the object, its buckets and its overflow entries.
  size_t MemoryBytes() const;

  // A compact binary image of the whole state (non-empty buckets only, varints), for
  // persistence. Deserialize accepts exactly what Serialize writes; anything else is an
  // InvalidArgument naming the byte offset and the problem.
  std::string Serialize() const;
  static Result<SloSeries> Deserialize(std::string_view bytes);

  friend bool operator==(const SloSeries& a, const SloSeries& b);

  // One level of buckets; public for the serializer's and tests' sake, not for callers.
  template <typename Narrow>
  class Ring {
   public:
    void Resize(int64_t slots);
    int64_t slots() const { return static_cast<int64_t>(cells_.size()); }
    Counts Get(int64_t index) const;
    void Add(int64_t index, Counts c);
    void Set(int64_t index, Counts c);
    void Clear(int64_t index);
    size_t MemoryBytes() const;

   private:
    struct Cell {
      Narrow good = 0;
      Narrow total = 0;
    };
    static constexpr Narrow kEscape = static_cast<Narrow>(~Narrow{0});
    size_t Slot(int64_t index) const;
    std::vector<Cell> cells_;
    std::map<int64_t, Counts> overflow_;  // escaped buckets by absolute index
  };

 private:
  struct Floors {
    int64_t minute, hour, day;
  };
  Floors FloorsNow() const;  // oldest retained index per level; requires a head
  void AdvanceMinute(int64_t minute);
  Counts MinutesDirect(int64_t a, int64_t b, const Floors& f) const;
  Counts HoursDirect(int64_t a, int64_t b, const Floors& f) const;
  Counts DaysDirect(int64_t a, int64_t b, const Floors& f) const;
  Counts HourRange(int64_t a, int64_t b, const Floors& f) const;
  bool SameBuckets(const SloSeries& o) const;

  SeriesOptions options_;
  std::optional<int64_t> head_;  // head minute index (minutes since the epoch)
  Ring<uint16_t> minutes_;
  Ring<uint32_t> hours_;
  Ring<uint64_t> days_;
};

// Timeslices -----------------------------------------------------------------------------------

enum class SliceVerdict { kNoData, kGood, kBad };

// A slice is good when good/total ≥ time_slice_target; an empty slice has no data.
SliceVerdict SliceVerdictFromCounts(Counts slice, double time_slice_target);
// For a per-slice aggregate (p95, avg, ...) the caller computed: good when `value op bound`;
// nullopt (no events in the slice) has no data.
SliceVerdict SliceVerdictFromAggregate(std::optional<double> value, Op op, double bound);

// What one closed slice adds to a Timeslices slice series: {1,1} good, {0,1} bad, {0,0} none.
Counts TimesliceCounts(SliceVerdict verdict);

// RatioTimeslices weigh every slice equally: a slice adds its ratio in units of
// 1/kRatioSliceUnits, so good/total over the slice series is the mean of slice ratios (to
// 1.7e-5), and total / kRatioSliceUnits is the number of slices. {0,0} for an empty slice.
inline constexpr uint64_t kRatioSliceUnits = 60'000;
Counts RatioTimesliceCounts(Counts slice);

}  // namespace ballast::slo

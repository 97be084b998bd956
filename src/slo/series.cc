#include "slo/series.h"

#include <algorithm>
#include <cmath>

#include "common/time.h"

namespace ballast::slo {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kMinutesPerHour = 60;
constexpr int64_t kMinutesPerDay = 1440;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Bounds far outside any retention are clamped first, so that negating them cannot overflow.
int64_t MinuteCeil(EpochMillis t) {
  constexpr EpochMillis kLimit = int64_t{1} << 61;
  return CeilDiv(std::clamp(t, -kLimit, kLimit), kMinuteMs);
}

Counts Minus(Counts a, Counts b) { return {a.good - b.good, a.total - b.total}; }

}  // namespace

// Ring ------------------------------------------------------------------------------------------

template <typename Narrow>
void SloSeries::Ring<Narrow>::Resize(int64_t slots) {
  cells_.assign(static_cast<size_t>(slots), Cell{});
  overflow_.clear();
}

template <typename Narrow>
size_t SloSeries::Ring<Narrow>::Slot(int64_t index) const {
  int64_t n = slots();
  int64_t r = index % n;
  return static_cast<size_t>(r < 0 ? r + n : r);
}

template <typename Narrow>
Counts SloSeries::Ring<Narrow>::Get(int64_t index) const {
  const Cell& c = cells_[Slot(index)];
  if (c.total == kEscape) {
    auto it = overflow_.find(index);
    return it == overflow_.end() ? Counts{} : it->second;
  }
  return {c.good, c.total};
}

template <typename Narrow>
void SloSeries::Ring<Narrow>::Set(int64_t index, Counts v) {
  Clear(index);
  Cell& c = cells_[Slot(index)];
  if (v.total < kEscape) {
    c.good = static_cast<Narrow>(v.good);
    c.total = static_cast<Narrow>(v.total);
  } else {
    c.good = 0;
    c.total = kEscape;
    overflow_[index] = v;
  }
}

template <typename Narrow>
void SloSeries::Ring<Narrow>::Add(int64_t index, Counts c) {
  Set(index, Get(index) + c);
}

template <typename Narrow>
void SloSeries::Ring<Narrow>::Clear(int64_t index) {
  Cell& c = cells_[Slot(index)];
  if (c.total == kEscape) {
    // The escaped entry may belong to an older index sharing this slot.
    for (auto it = overflow_.begin(); it != overflow_.end();) {
      it = Slot(it->first) == Slot(index) ? overflow_.erase(it) : std::next(it);
    }
  }
  c = Cell{};
}

template <typename Narrow>
size_t SloSeries::Ring<Narrow>::MemoryBytes() const {
  // A std::map node: the value plus three pointers and a colour word.
  constexpr size_t kNode = sizeof(std::pair<const int64_t, Counts>) + 4 * sizeof(void*);
  return cells_.capacity() * sizeof(Cell) + overflow_.size() * kNode;
}

template class SloSeries::Ring<uint16_t>;
template class SloSeries::Ring<uint32_t>;
template class SloSeries::Ring<uint64_t>;

// SloSeries -------------------------------------------------------------------------------------

SloSeries::SloSeries(SeriesOptions options) : options_(options) {
  options_.minute_days = std::clamp(options_.minute_days, 1, 366);
  options_.hour_days = std::clamp(options_.hour_days, options_.minute_days, 3660);
  minutes_.Resize(int64_t{options_.minute_days} * kMinutesPerDay);
  hours_.Resize(int64_t{options_.hour_days} * 24);
  days_.Resize(int64_t{options_.hour_days} + 1);
}

SloSeries::Floors SloSeries::FloorsNow() const {
  const int64_t h = *head_;
  return {h - minutes_.slots() + 1, FloorDiv(h, kMinutesPerHour) - hours_.slots() + 1,
          FloorDiv(h, kMinutesPerDay) - days_.slots() + 1};
}

std::optional<EpochMillis> SloSeries::head() const {
  if (!head_) return std::nullopt;
  return *head_ * kMinuteMs;
}
std::optional<EpochMillis> SloSeries::MinuteResolutionSince() const {
  if (!head_) return std::nullopt;
  return FloorsNow().minute * kMinuteMs;
}
std::optional<EpochMillis> SloSeries::RetainedSince() const {
  if (!head_) return std::nullopt;
  return FloorsNow().hour * kMinutesPerHour * kMinuteMs;
}

void SloSeries::AdvanceMinute(int64_t minute) {
  if (!head_) {
    head_ = minute;
    return;
  }
  if (minute <= *head_) return;
  const int64_t old = *head_;
  // Clear the slots the new indices take over; a jump longer than a ring clears it once.
  auto advance = [](auto& ring, int64_t from, int64_t to) {
    const int64_t n = std::min(to - from, ring.slots());
    for (int64_t i = to - n + 1; i <= to; ++i) ring.Clear(i);
  };
  advance(minutes_, old, minute);
  advance(hours_, FloorDiv(old, kMinutesPerHour), FloorDiv(minute, kMinutesPerHour));
  advance(days_, FloorDiv(old, kMinutesPerDay), FloorDiv(minute, kMinutesPerDay));
  head_ = minute;
}

void SloSeries::AdvanceTo(EpochMillis now) { AdvanceMinute(FloorDiv(now, kMinuteMs)); }

Status SloSeries::Add(EpochMillis t, uint64_t good, uint64_t total) {
  if (good > total) {
    return Status::InvalidArgument("good (" + std::to_string(good) + ") exceeds total (" +
                                   std::to_string(total) + ")");
  }
  if (total > kMaxAddTotal) {
    return Status::InvalidArgument("total " + std::to_string(total) + " exceeds the limit of " +
                                   std::to_string(kMaxAddTotal) + " per add");
  }
  const int64_t m = FloorDiv(t, kMinuteMs);
  if (head_ && m < *head_) {
    const Floors f = FloorsNow();
    if (FloorDiv(m, kMinutesPerHour) < f.hour) {
      return Status::FailedPrecondition("event at " + FormatRfc3339(t) +
                                        " is older than the series' retention (since " +
                                        FormatRfc3339(*RetainedSince()) + ")");
    }
  }
  if (total == 0) {
    AdvanceMinute(m);
    return Status::Ok();
  }
  AdvanceMinute(m);
  const Floors f = FloorsNow();
  const Counts c{good, total};
  if (m >= f.minute) minutes_.Add(m, c);
  hours_.Add(FloorDiv(m, kMinutesPerHour), c);
  days_.Add(FloorDiv(m, kMinutesPerDay), c);
  return Status::Ok();
}

Counts SloSeries::MinutesDirect(int64_t a, int64_t b, const Floors& f) const {
  Counts s;
  for (int64_t m = std::max(a, f.minute); m < b && m <= *head_; ++m) s += minutes_.Get(m);
  return s;
}

Counts SloSeries::HoursDirect(int64_t a, int64_t b, const Floors& f) const {
  Counts s;
  const int64_t head_hour = FloorDiv(*head_, kMinutesPerHour);
  for (int64_t h = std::max(a, f.hour); h < b && h <= head_hour; ++h) s += hours_.Get(h);
  return s;
}

Counts SloSeries::DaysDirect(int64_t a, int64_t b, const Floors& f) const {
  Counts s;
  const int64_t head_day = FloorDiv(*head_, kMinutesPerDay);
  for (int64_t d = std::max(a, f.day); d < b && d <= head_day; ++d) s += days_.Get(d);
  return s;
}

// Hours [a, b) with a ≥ the hour floor: whole UTC days from the day ring, edges from hours.
Counts SloSeries::HourRange(int64_t a, int64_t b, const Floors& f) const {
  if (a >= b) return {};
  const int64_t da = CeilDiv(a, 24) * 24;
  const int64_t db = FloorDiv(b, 24) * 24;
  if (da > db) return HoursDirect(a, b, f);
  return HoursDirect(a, da, f) + DaysDirect(da / 24, db / 24, f) + HoursDirect(db, b, f);
}

Counts SloSeries::Sum(EpochMillis from, EpochMillis to) const {
  if (!head_ || from >= to) return {};
  const Floors f = FloorsNow();
  // Buckets whose start lies in [from, to): minutes [ceil(from), ceil(to)).
  int64_t a = std::max(MinuteCeil(from), f.hour * kMinutesPerHour);
  int64_t b = std::min(MinuteCeil(to), *head_ + 1);
  if (a >= b) return {};
  // Bounds without minute resolution widen to the hour that contains them.
  if (a < f.minute) a = FloorDiv(a, kMinutesPerHour) * kMinutesPerHour;
  if (b < f.minute) b = CeilDiv(b, kMinutesPerHour) * kMinutesPerHour;
  if (a >= b) return {};
  const int64_t ha = CeilDiv(a, kMinutesPerHour) * kMinutesPerHour;
  const int64_t hb = FloorDiv(b, kMinutesPerHour) * kMinutesPerHour;
  if (ha > hb) return MinutesDirect(a, b, f);  // within one hour, all at minute resolution
  Counts s = MinutesDirect(a, ha, f) + HourRange(ha / kMinutesPerHour, hb / kMinutesPerHour, f);
  if (b > hb) {
    if (hb >= f.minute) {
      s += MinutesDirect(hb, b, f);
    } else {
      // The hour straddles the minute floor: its bucket minus the minutes after b, which are
      // all at minute resolution.
      s += Minus(hours_.Get(hb / kMinutesPerHour), MinutesDirect(b, hb + kMinutesPerHour, f));
    }
  }
  return s;
}

size_t SloSeries::MemoryBytes() const {
  return sizeof(*this) + minutes_.MemoryBytes() + hours_.MemoryBytes() + days_.MemoryBytes();
}

// Serialization ---------------------------------------------------------------------------------

namespace {

constexpr std::string_view kMagic = "BSS1";

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

class Reader {
 public:
  Reader(std::string_view bytes, size_t start) : bytes_(bytes), pos_(start) {}
  size_t offset() const { return pos_; }
  bool done() const { return pos_ == bytes_.size(); }
  Result<uint64_t> Varint(std::string_view what) {
    const size_t start = pos_;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Error(start, "truncated " + std::string(what));
      const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
      if (shift == 63 && byte > 1) return Error(start, std::string(what) + " overflows 64 bits");
      v |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return Error(start, std::string(what) + " overflows 64 bits");
  }
  static Status Error(size_t offset, const std::string& problem) {
    return Status::InvalidArgument("series image at byte " + std::to_string(offset) + ": " +
                                   problem);
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

template <typename Ring>
void PutLevel(std::string& out, const Ring& ring, int64_t floor, int64_t head) {
  std::vector<std::pair<int64_t, Counts>> entries;
  for (int64_t i = std::max(floor, head - ring.slots() + 1); i <= head; ++i) {
    Counts c = ring.Get(i);
    if (c.total != 0) entries.emplace_back(i - floor, c);
  }
  PutVarint(out, entries.size());
  for (const auto& [offset, c] : entries) {
    PutVarint(out, static_cast<uint64_t>(offset));
    PutVarint(out, c.good);
    PutVarint(out, c.total);
  }
}

template <typename Ring>
Status GetLevel(Reader& r, Ring& ring, int64_t floor, int64_t head, std::string_view level) {
  const std::string name(level);
  auto n = r.Varint(name + " bucket count");
  if (!n) return n.error();
  const auto limit = static_cast<uint64_t>(head - floor + 1);
  if (*n > limit) return Reader::Error(r.offset(), name + " bucket count exceeds the ring");
  int64_t previous = -1;
  // Built once per level, not per bucket: a restart decodes millions of buckets.
  const std::string offset_label = name + " bucket offset";
  const std::string good_label = name + " good count";
  const std::string total_label = name + " total count";
  for (uint64_t k = 0; k < *n; ++k) {
    const size_t at = r.offset();
    auto offset = r.Varint(offset_label);
    if (!offset) return offset.error();
    auto good = r.Varint(good_label);
    if (!good) return good.error();
    auto total = r.Varint(total_label);
    if (!total) return total.error();
    if (*offset >= limit || static_cast<int64_t>(*offset) <= previous) {
      return Reader::Error(at, name + " bucket offsets must increase within the ring");
    }
    if (*good > *total || *total == 0 || *total > (uint64_t{1} << 62)) {
      return Reader::Error(at, name + " bucket counts are impossible (good " +
                                   std::to_string(*good) + ", total " + std::to_string(*total) +
                                   ")");
    }
    previous = static_cast<int64_t>(*offset);
    ring.Set(floor + previous, Counts{*good, *total});
  }
  return Status::Ok();
}

}  // namespace

std::string SloSeries::Serialize() const {
  std::string out(kMagic);
  PutVarint(out, static_cast<uint64_t>(options_.minute_days));
  PutVarint(out, static_cast<uint64_t>(options_.hour_days));
  out.push_back(head_ ? 1 : 0);
  if (!head_) return out;
  PutVarint(out, ZigZag(*head_));
  const Floors f = FloorsNow();
  PutLevel(out, minutes_, f.minute, *head_);
  PutLevel(out, hours_, f.hour, FloorDiv(*head_, kMinutesPerHour));
  PutLevel(out, days_, f.day, FloorDiv(*head_, kMinutesPerDay));
  return out;
}

Result<SloSeries> SloSeries::Deserialize(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return Reader::Error(0, "missing the BSS1 magic");
  }
  Reader r(bytes, kMagic.size());
  auto minute_days = r.Varint("minute_days");
  if (!minute_days) return minute_days.error();
  auto hour_days = r.Varint("hour_days");
  if (!hour_days) return hour_days.error();
  if (*minute_days < 1 || *minute_days > 366 || *hour_days < *minute_days || *hour_days > 3660) {
    return Reader::Error(kMagic.size(), "retention (" + std::to_string(*minute_days) +
                                            " d of minutes, " + std::to_string(*hour_days) +
                                            " d of hours) is out of range");
  }
  SloSeries s(SeriesOptions{static_cast<int>(*minute_days), static_cast<int>(*hour_days)});
  auto has_head = r.Varint("head flag");
  if (!has_head) return has_head.error();
  if (*has_head > 1) return Reader::Error(r.offset() - 1, "head flag must be 0 or 1");
  if (*has_head == 1) {
    auto head = r.Varint("head");
    if (!head) return head.error();
    const int64_t h = UnZigZag(*head);
    // Keep every derived index (h × 60 000 ms) inside int64.
    constexpr int64_t kMaxMinute = (int64_t{1} << 62) / 60'000;
    if (h > kMaxMinute || h < -kMaxMinute) return Reader::Error(kMagic.size(), "head out of range");
    s.head_ = h;
    const Floors f = s.FloorsNow();
    BALLAST_RETURN_IF_ERROR(GetLevel(r, s.minutes_, f.minute, h, "minute"));
    BALLAST_RETURN_IF_ERROR(GetLevel(r, s.hours_, f.hour, FloorDiv(h, kMinutesPerHour), "hour"));
    BALLAST_RETURN_IF_ERROR(GetLevel(r, s.days_, f.day, FloorDiv(h, kMinutesPerDay), "day"));
  }
  if (!r.done()) return Reader::Error(r.offset(), "trailing bytes");
  return s;
}

bool SloSeries::SameBuckets(const SloSeries& o) const {
  const Floors f = FloorsNow();
  for (int64_t m = f.minute; m <= *head_; ++m) {
    if (!(minutes_.Get(m) == o.minutes_.Get(m))) return false;
  }
  for (int64_t h = f.hour; h <= FloorDiv(*head_, kMinutesPerHour); ++h) {
    if (!(hours_.Get(h) == o.hours_.Get(h))) return false;
  }
  for (int64_t d = f.day; d <= FloorDiv(*head_, kMinutesPerDay); ++d) {
    if (!(days_.Get(d) == o.days_.Get(d))) return false;
  }
  return true;
}

bool operator==(const SloSeries& a, const SloSeries& b) {
  if (a.options_.minute_days != b.options_.minute_days ||
      a.options_.hour_days != b.options_.hour_days || a.head_ != b.head_) {
    return false;
  }
  return !a.head_ || a.SameBuckets(b);
}

// Timeslices ------------------------------------------------------------------------------------

SliceVerdict SliceVerdictFromCounts(Counts slice, double time_slice_target) {
  if (slice.total == 0) return SliceVerdict::kNoData;
  const double ratio = static_cast<double>(slice.good) / static_cast<double>(slice.total);
  return ratio >= time_slice_target ? SliceVerdict::kGood : SliceVerdict::kBad;
}

SliceVerdict SliceVerdictFromAggregate(std::optional<double> value, Op op, double bound) {
  if (!value || std::isnan(*value)) return SliceVerdict::kNoData;
  return Compare(*value, op, bound) ? SliceVerdict::kGood : SliceVerdict::kBad;
}

Counts TimesliceCounts(SliceVerdict verdict) {
  switch (verdict) {
    case SliceVerdict::kGood:
      return {1, 1};
    case SliceVerdict::kBad:
      return {0, 1};
    case SliceVerdict::kNoData:
      break;
  }
  return {};
}

Counts RatioTimesliceCounts(Counts slice) {
  if (slice.total == 0) return {};
  const uint64_t good = std::min(slice.good, slice.total);
  const double units = static_cast<double>(good) / static_cast<double>(slice.total) *
                       static_cast<double>(kRatioSliceUnits);
  return {std::min<uint64_t>(static_cast<uint64_t>(std::llround(units)), kRatioSliceUnits),
          kRatioSliceUnits};
}

}  // namespace ballast::slo

#include "telemetry/ddsketch.h"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

namespace ballast::telemetry {
namespace {

// Format byte of Serialize(): bump when the layout changes, keep reading old ones.
constexpr uint8_t kFormatV1 = 1;
// No sketch of any accepted accuracy spans more bins than this; guards Deserialize against
// inputs that would make it allocate without bound.
constexpr uint64_t kMaxBins = 1 << 22;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutDouble(std::string& out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Reads Serialize()'s encoding; every Get reports truncation instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool GetByte(uint8_t& b) {
    if (pos_ >= in_.size()) return false;
    b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool GetVarint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!GetByte(b)) return false;
      if (shift == 63 && (b & 0x7e) != 0) return false;  // more than 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool GetDouble(double& d) {
    if (in_.size() - pos_ < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    std::memcpy(&d, &bits, sizeof d);
    return true;
  }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Status Corrupt(std::string_view what) {
  return Status::InvalidArgument("corrupt DDSketch: " + std::string(what));
}

int SlowIndexOf(double v, double log_gamma) {
  return static_cast<int>(std::ceil(std::log(v) / log_gamma));
}

// Add() runs twice per ingested event. ceil(log(v) / log_gamma) costs a log and a division;
// for the default accuracy, bins are instead found from two tables derived from that same
// formula, so both ways give identical bins:
//  - upper[k], the largest value of bin lowest + k;
//  - first[c], the bin of the smallest value of cell c, where a cell is 1/128 of a power of two
//    (the exponent and the top 7 mantissa bits of a double). A cell spans 0.27 bins (a bin is
//    1/34.7 of a power of two), so a value's bin is first[c] or the one after, told apart by
//    one comparison with upper[].
struct IndexTable {
  static constexpr double kAccuracy = 0.01;
  static constexpr int kMinExponent = -30;  // values in [2^-30, 2^40) take the fast path
  static constexpr int kMaxExponent = 40;
  static constexpr int kCellBits = 7;

  int lowest = 0;              // the bin of upper[0]
  std::vector<double> upper;   // upper[k]: the largest value in bin lowest + k
  std::vector<uint16_t> first; // first[c]: the bin, less lowest, of cell c's smallest value
  double low = 0, high = 0;    // the fast path handles low <= v < high

  static const IndexTable& Default() {
    static const IndexTable table(kAccuracy);
    return table;
  }

  // Computes gamma and its log exactly as the DDSketch constructor does.
  explicit IndexTable(double alpha) {
    const double gamma = (1 + alpha) / (1 - alpha);
    const double log_gamma = std::log(gamma);
    low = std::ldexp(1.0, kMinExponent);
    high = std::ldexp(1.0, kMaxExponent);
    lowest = SlowIndexOf(low, log_gamma) - 1;
    const int highest = SlowIndexOf(high, log_gamma) + 1;
    upper.reserve(static_cast<size_t>(highest - lowest + 1));
    for (int i = lowest; i <= highest; ++i) {
      double x = std::exp(i * log_gamma);
      while (SlowIndexOf(x, log_gamma) > i) x = std::nextafter(x, 0.0);
      while (SlowIndexOf(std::nextafter(x, DBL_MAX), log_gamma) <= i)
        x = std::nextafter(x, DBL_MAX);
      upper.push_back(x);
    }
    const int cells_per_power = 1 << kCellBits;
    first.reserve(static_cast<size_t>((kMaxExponent - kMinExponent) * cells_per_power));
    for (int e = kMinExponent; e < kMaxExponent; ++e)
      for (int c = 0; c < cells_per_power; ++c) {
        const double start = std::ldexp(1.0 + static_cast<double>(c) / cells_per_power, e);
        first.push_back(static_cast<uint16_t>(SlowIndexOf(start, log_gamma) - lowest));
      }
    assert(upper.size() <= 65536);  // first[] holds bins as uint16_t
  }

  // For low <= v < high.
  int Index(double v) const {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const uint64_t cell = (bits >> (52 - kCellBits)) -
                          (static_cast<uint64_t>(1023 + kMinExponent) << kCellBits);
    const size_t k = first[cell];
    return lowest + static_cast<int>(k) + (v > upper[k]);
  }
};

}  // namespace

DDSketch::DDSketch(double relative_accuracy)
    : alpha_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)) {
  assert(relative_accuracy > 0 && relative_accuracy < 1);
}

int DDSketch::Index(double v) const {
  if (alpha_ == IndexTable::kAccuracy) {
    const IndexTable& table = IndexTable::Default();
    if (v >= table.low && v < table.high) return table.Index(v);
  }
  return SlowIndexOf(v, log_gamma_);
}

// The value minimising the relative error over the bucket (gamma^(i-1), gamma^i].
double DDSketch::ValueAt(int index) const {
  return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

bool DDSketch::Add(double v) {
  if (!(v >= 0) || !std::isfinite(v)) return false;
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
  if (v == 0) {
    ++zero_count_;
    return true;
  }
  int i = Index(v);
  if (bins_.empty()) {
    min_index_ = i;
    bins_.assign(1, 0);
  } else if (i < min_index_) {
    bins_.insert(bins_.begin(), static_cast<size_t>(min_index_ - i), 0);
    min_index_ = i;
  } else if (i >= min_index_ + static_cast<int>(bins_.size())) {
    bins_.resize(static_cast<size_t>(i - min_index_ + 1), 0);
  }
  ++bins_[static_cast<size_t>(i - min_index_)];
  return true;
}

void DDSketch::Merge(const DDSketch& other) {
  assert(other.alpha_ == alpha_);
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  sum_ += other.sum_;
  if (other.bins_.empty()) return;
  if (bins_.empty()) {
    bins_ = other.bins_;
    min_index_ = other.min_index_;
    return;
  }
  int lo = std::min(min_index_, other.min_index_);
  int hi = std::max(min_index_ + static_cast<int>(bins_.size()),
                    other.min_index_ + static_cast<int>(other.bins_.size()));
  if (lo < min_index_) {
    bins_.insert(bins_.begin(), static_cast<size_t>(min_index_ - lo), 0);
    min_index_ = lo;
  }
  bins_.resize(static_cast<size_t>(hi - lo), 0);
  size_t offset = static_cast<size_t>(other.min_index_ - min_index_);
  for (size_t k = 0; k < other.bins_.size(); ++k) bins_[offset + k] += other.bins_[k];
}

// Rank definition: the value of 0-based rank floor(q * (count - 1)) in sorted order.
double DDSketch::Quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q >= 0)) q = 0;
  if (q > 1) q = 1;
  auto rank = static_cast<int64_t>(q * static_cast<double>(count_ - 1));
  if (rank < zero_count_) return 0;
  int64_t seen = zero_count_;
  for (size_t k = 0; k < bins_.size(); ++k) {
    seen += bins_[k];
    if (seen > rank) {
      double v = ValueAt(min_index_ + static_cast<int>(k));
      // The true value lies within [min, max]; clamping can only reduce the error.
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

std::string DDSketch::Serialize() const {
  std::string out;
  out.reserve(48 + bins_.size() * 2);
  out.push_back(static_cast<char>(kFormatV1));
  PutDouble(out, alpha_);
  PutVarint(out, static_cast<uint64_t>(count_));
  PutVarint(out, static_cast<uint64_t>(zero_count_));
  PutDouble(out, sum_);
  PutDouble(out, min_);
  PutDouble(out, max_);
  PutVarint(out, ZigZag(min_index_));
  PutVarint(out, bins_.size());
  for (int64_t b : bins_) PutVarint(out, static_cast<uint64_t>(b));
  return out;
}

Result<DDSketch> DDSketch::Deserialize(std::string_view bytes) {
  Reader r(bytes);
  uint8_t format;
  if (!r.GetByte(format)) return Corrupt("empty input");
  if (format != kFormatV1) return Corrupt("unknown format byte " + std::to_string(format));
  double alpha, sum, min, max;
  uint64_t count, zero_count, zz_min_index, nbins;
  if (!r.GetDouble(alpha)) return Corrupt("truncated relative accuracy");
  if (!(alpha >= 1e-6 && alpha <= 0.5)) return Corrupt("relative accuracy out of range");
  if (!r.GetVarint(count) || !r.GetVarint(zero_count)) return Corrupt("truncated counts");
  if (!r.GetDouble(sum) || !r.GetDouble(min) || !r.GetDouble(max))
    return Corrupt("truncated sum/min/max");
  if (!r.GetVarint(zz_min_index) || !r.GetVarint(nbins)) return Corrupt("truncated bin range");
  constexpr uint64_t kMaxCount = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (count > kMaxCount || zero_count > count) return Corrupt("inconsistent counts");
  if (!std::isfinite(sum) || !std::isfinite(min) || !std::isfinite(max) || sum < 0 || min < 0 ||
      max < min)
    return Corrupt("invalid sum/min/max");
  // Each bin takes at least one byte, so this bounds the allocation by the input's size.
  if (nbins > kMaxBins || nbins > r.remaining()) return Corrupt("too many bins");
  if (count == 0 && (nbins != 0 || sum != 0 || min != 0 || max != 0))
    return Corrupt("empty sketch with values");

  DDSketch s(alpha);
  int64_t min_index = UnZigZag(zz_min_index);
  // Every bin of a finite positive double lies within these indexes.
  const int64_t lowest = s.Index(std::numeric_limits<double>::denorm_min());
  const int64_t highest = s.Index(std::numeric_limits<double>::max());
  if (nbins > 0 && (min_index < lowest || min_index + static_cast<int64_t>(nbins) - 1 > highest))
    return Corrupt("bin index out of range");
  s.bins_.resize(nbins);
  uint64_t total = zero_count;
  for (uint64_t k = 0; k < nbins; ++k) {
    uint64_t b;
    if (!r.GetVarint(b)) return Corrupt("truncated bins");
    if (b > kMaxCount - total) return Corrupt("bin counts overflow");
    total += b;
    s.bins_[k] = static_cast<int64_t>(b);
  }
  if (total != count) return Corrupt("bin counts do not add up to the count");
  if (nbins > 0 && (s.bins_.front() == 0 || s.bins_.back() == 0))
    return Corrupt("bin range has empty ends");
  if (r.remaining() != 0) return Corrupt("trailing bytes");
  s.count_ = static_cast<int64_t>(count);
  s.zero_count_ = static_cast<int64_t>(zero_count);
  s.sum_ = sum;
  s.min_ = min;
  s.max_ = max;
  s.min_index_ = static_cast<int>(min_index);
  return s;
}

// Two sketches are equal when they describe the same distribution: bins, counts, min and max
// compare exactly. The sum is a floating-point accumulation whose last bits depend on the order
// of additions and merges, so it compares with a relative tolerance of 1e-9.
bool operator==(const DDSketch& a, const DDSketch& b) {
  if (a.alpha_ != b.alpha_ || a.count_ != b.count_ || a.zero_count_ != b.zero_count_ ||
      a.min_ != b.min_ || a.max_ != b.max_ || a.bins_ != b.bins_)
    return false;
  if (!a.bins_.empty() && a.min_index_ != b.min_index_) return false;
  double scale = std::max(std::fabs(a.sum_), std::fabs(b.sum_));
  return std::fabs(a.sum_ - b.sum_) <= 1e-9 * scale;
}

}  // namespace ballast::telemetry

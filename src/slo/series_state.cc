// SeriesState persistence: a versioned, length-prefixed binary image of one engine series.
#include <cstring>

#include "slo/engine.h"

namespace ballast::slo {
namespace {

constexpr std::string_view kMagic = "BSS1";

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytes(std::string& out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out.append(bytes);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  Result<uint64_t> Varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Error(what, "ends inside a number");
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Error(what, "has a number longer than 64 bits");
  }
  Result<std::string_view> Bytes(const char* what) {
    BALLAST_ASSIGN_OR_RETURN(uint64_t n, Varint(what));
    if (n > in_.size() - pos_) return Error(what, "is longer than the data left");
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool done() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }

 private:
  Status Error(const char* what, const char* problem) const {
    return Status::InvalidArgument(std::string("series state: ") + what + " " + problem +
                                   " at byte " + std::to_string(pos_));
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

size_t SeriesState::MemoryBytes() const {
  size_t n = sizeof(*this) + key.capacity() + slo.capacity() + variant.capacity();
  n += events.MemoryBytes() - sizeof(SloSeries);
  if (slices) n += slices->MemoryBytes() - sizeof(SloSeries);
  for (const auto& [minute, sketch] : sketches) n += 64 + sketch.Serialize().size() * 2;
  return n;
}

std::string SeriesState::Serialize() const {
  std::string out(kMagic);
  PutBytes(out, events.Serialize());
  out.push_back(slices ? 1 : 0);
  if (slices) PutBytes(out, slices->Serialize());
  PutVarint(out, ZigZag(next_slice));
  PutVarint(out, sketches.size());
  for (const auto& [minute, sketch] : sketches) {
    PutVarint(out, ZigZag(minute));
    PutBytes(out, sketch.Serialize());
  }
  return out;
}

Status SeriesState::Deserialize(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::InvalidArgument("series state: unknown format (no BSS1 header)");
  }
  Reader r(bytes.substr(kMagic.size()));
  BALLAST_ASSIGN_OR_RETURN(std::string_view ev, r.Bytes("event series"));
  BALLAST_ASSIGN_OR_RETURN(SloSeries parsed_events, SloSeries::Deserialize(ev));
  BALLAST_ASSIGN_OR_RETURN(uint64_t has_slices, r.Varint("slice flag"));
  std::optional<SloSeries> parsed_slices;
  if (has_slices > 1) return Status::InvalidArgument("series state: bad slice flag");
  if (has_slices == 1) {
    BALLAST_ASSIGN_OR_RETURN(std::string_view sl, r.Bytes("slice series"));
    BALLAST_ASSIGN_OR_RETURN(SloSeries s, SloSeries::Deserialize(sl));
    parsed_slices = std::move(s);
  }
  BALLAST_ASSIGN_OR_RETURN(uint64_t next, r.Varint("next slice"));
  BALLAST_ASSIGN_OR_RETURN(uint64_t count, r.Varint("sketch count"));
  if (count > 1'000'000) return Status::InvalidArgument("series state: too many sketches");
  std::map<EpochMillis, telemetry::DDSketch> parsed_sketches;
  for (uint64_t i = 0; i < count; ++i) {
    BALLAST_ASSIGN_OR_RETURN(uint64_t minute, r.Varint("sketch minute"));
    BALLAST_ASSIGN_OR_RETURN(std::string_view blob, r.Bytes("sketch"));
    BALLAST_ASSIGN_OR_RETURN(telemetry::DDSketch sketch, telemetry::DDSketch::Deserialize(blob));
    parsed_sketches.emplace(UnZigZag(minute), std::move(sketch));
  }
  if (!r.done()) {
    return Status::InvalidArgument("series state: trailing bytes at " + std::to_string(r.pos()));
  }
  // A snapshot taken with other retention options keeps its own; the engine's options apply to
  // new series only.
  events = std::move(parsed_events);
  if (parsed_slices) slices = std::move(parsed_slices);
  next_slice = UnZigZag(next);
  sketches = std::move(parsed_sketches);
  return Status::Ok();
}

}  // namespace ballast::slo

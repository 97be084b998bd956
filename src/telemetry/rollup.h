// Per-minute rollups of request events, kept before any SLO exists (issue 2): per
// (service, variant, model, prompt) key and minute, the request count, the count per outcome,
// token and cost sums, and DDSketches of latency and TTFT.
//
// The ingest path builds one RollupBatch per HTTP request: the deltas that batch contributes.
// The store adds a batch's deltas to the stored rows in the same transaction as the batch's
// idempotency key, so an acknowledged batch is counted exactly once.
//
// Thread safety: values. SeriesKeyRegistry is thread-safe (see below).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "telemetry/ddsketch.h"
#include "telemetry/event.h"

namespace ballast::telemetry {

inline constexpr EpochMillis kMinuteMillis = 60'000;
inline EpochMillis MinuteOf(EpochMillis t) {
  EpochMillis m = t / kMinuteMillis * kMinuteMillis;
  return (t < 0 && m != t) ? m - kMinuteMillis : m;
}

struct SeriesKey {
  std::string service;
  std::string variant;
  std::string model;
  std::string prompt;
  friend bool operator==(const SeriesKey&, const SeriesKey&) = default;
};

// Numeric id of a SeriesKey; assigned by SeriesKeyRegistry, persisted by the store.
using SeriesKeyId = int64_t;

struct Rollup {
  int64_t requests = 0;
  std::array<int64_t, kOutcomeCount> outcomes{};
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost_usd = 0;
  DDSketch latency_ms;
  DDSketch ttft_ms;

  void Add(const RequestEvent& e);
  void Merge(const Rollup& other);
  friend bool operator==(const Rollup&, const Rollup&) = default;
};

struct RollupDelta {
  SeriesKeyId key_id = 0;
  EpochMillis minute = 0;  // start of the minute, UTC
  Rollup rollup;
};

// A key first seen by this batch; the store inserts it (idempotently) with the deltas.
struct NewSeriesKey {
  SeriesKeyId id = 0;
  SeriesKey key;
};

struct RollupBatch {
  std::vector<NewSeriesKey> new_keys;
  std::vector<RollupDelta> deltas;
};

}  // namespace ballast::telemetry

// The telemetry ingest pipeline behind POST /v1/events and POST /v1/otlp/v1/traces: parse and
// validate a body, resolve each event's series key, and aggregate the events into one
// RollupBatch of per-(key, minute) deltas for the store, plus the JSON answer for the client.
//
//   IngestResult r = IngestNdjson(body, options, registry, clock);
//   store.CommitIngest({key, hash, r.response_json, std::move(r.batch), now}, done);
//   // after the commit succeeded:
//   registry.MarkPersisted(committed_batch.new_keys);
//
// Evaluation events are validated and counted as accepted; they contribute no rollup yet. With a
// RequestJoin in the options, an evaluation of a request seen earlier takes that request's
// variant, model and prompt before the `also` visitor (the SLO classifier) sees it.
// The body must already be decoded (see gzip.h for Content-Encoding: gzip).
//
// Thread safety: the functions may be called concurrently; each thread keeps its own parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "telemetry/ingest_parser.h"
#include "telemetry/request_join.h"
#include "telemetry/rollup.h"
#include "telemetry/series_keys.h"

namespace ballast::telemetry {

struct IngestOptions {
  IngestParserOptions parser;
  // Rejected lines listed in the answer; the rest are counted in "rejected_total".
  size_t max_rejected_in_answer = 1000;
  // Also receives every accepted event (the SLO classifier); may be null.
  EventVisitor* also = nullptr;
  // Remembers each request's series key and fills evaluations from it; may be null.
  RequestJoin* join = nullptr;
};

struct IngestCounters {
  int64_t requests = 0;         // accepted request events (NDJSON) or GenAI spans (OTLP)
  int64_t evaluations = 0;      // accepted evaluation events
  int64_t rejected = 0;         // rejected lines or spans
  int64_t folded = 0;           // events filed under an overflow key
  int64_t ignored_spans = 0;    // OTLP spans without gen_ai.* attributes
};

struct IngestResult {
  int64_t accepted = 0;
  std::vector<LineError> rejected;  // at most max_rejected_in_answer; line = span index for OTLP
  IngestCounters counters;
  RollupBatch batch;
  std::string response_json;
};

// NDJSON body -> batch and answer `{"accepted": N, "rejected": [{"line": L, "error": "..."}]}`
// (with "rejected_total" and "note" when the list was capped). Never fails: a body whose every
// line is bad is an answer with accepted 0.
IngestResult IngestNdjson(std::string_view body, const IngestOptions& options,
                          SeriesKeyRegistry& registry, const Clock& clock);

// OTLP/HTTP JSON ExportTraceServiceRequest -> batch and an OTLP answer: `{}` when every span
// was accepted (or ignored), else `{"partialSuccess": {"rejectedSpans": N, "errorMessage":
// "..."}}`. INVALID_ARGUMENT when the body is not an OTLP JSON request at all.
Result<IngestResult> IngestOtlpJson(std::string_view body, const IngestOptions& options,
                                    SeriesKeyRegistry& registry, const Clock& clock);

// Aggregates request events into a RollupBatch: one delta per (key id, minute), new keys listed
// once. Reused across batches by a thread to keep its hash table's memory.
class RollupAggregator {
 public:
  explicit RollupAggregator(SeriesKeyRegistry& registry) : registry_(&registry) {}
  void Reset(SeriesKeyRegistry& registry);
  // Returns the key the event was filed under, or 0 when it was folded into the overflow key.
  SeriesKeyId Add(const RequestEvent& e);
  // Moves the batch out and clears the aggregator.
  RollupBatch TakeBatch();
  int64_t folded() const { return folded_; }

 private:
  struct Slot {
    SeriesKeyId key_id;
    EpochMillis minute;
    size_t index;
  };
  SeriesKeyRegistry* registry_;
  RollupBatch batch_;
  // Open addressing over (key id, minute) -> index in batch_.deltas; power-of-two size.
  std::vector<Slot> slots_;
  size_t used_ = 0;
  std::unordered_set<SeriesKeyId> listed_new_;  // ids already in batch_.new_keys
  int64_t folded_ = 0;
  // The keys of this batch (owned copies: event views die with their line), to skip the
  // registry's hashing and locking, each with its last minute's delta to skip FindSlot.
  // Open addressing on a 64-bit hash of the four parts; an entry of an older generation is
  // empty, so starting a batch clears the table in O(1). Cleared per batch so that a key still
  // pending is listed in every batch; assigning reuses the strings' capacity.
  struct CachedKey {
    uint64_t hash = 0;
    uint64_t generation = 0;
    SeriesKeyId id = 0;
    EpochMillis minute = 0;
    size_t delta_index = 0;
    std::string service, variant, model, prompt;
  };
  std::vector<CachedKey> cache_;
  uint64_t generation_ = 1;
  size_t cached_ = 0;

  CachedKey* CacheFind(const RequestEvent& e, uint64_t hash, size_t& empty_slot);
  void AddToDelta(SeriesKeyId id, EpochMillis minute, const RequestEvent& e, CachedKey* cached);
  size_t FindSlot(SeriesKeyId id, EpochMillis minute);
  void Grow();
};



}  // namespace ballast::telemetry

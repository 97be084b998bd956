// SloStore: the storage interface of the SLO aggregate — the declarative objects applied with
// `POST /v1/apply` (OpenSLO and, later, ballast's own kinds), and the persisted state of the SLO
// evaluator (per-(SLO objective, variant) series, their count deltas, alert state).
//
// Objects are stored as canonical JSON with a content hash, an etag and who applied them when;
// every change is also appended to an object history. WriteObjects is all-or-nothing: every
// write's expected etag is checked inside the transaction, so two racing applies cannot both
// win (the loser gets ABORTED and nothing of it is stored).
//
// Evaluator state is a snapshot plus a log: each ingest commit appends its SLO count deltas
// (store::SloCounts in IngestCommit, same transaction as the rollups and the idempotency key),
// and a periodic SaveSloSnapshot replaces the series' snapshots and drops the deltas they
// include. A restart loads the snapshots and applies the remaining deltas.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "telemetry/ddsketch.h"

namespace ballast::store {

struct StoredObject {
  std::string kind;
  std::string name;
  std::string api_version;
  std::string content_json;  // canonical JSON of the whole object
  std::string content_hash;  // SHA-256 hex of content_json
  std::string etag;          // changes with every update
  int64_t generation = 0;    // 1 when created, +1 per update
  EpochMillis created_at = 0;
  EpochMillis applied_at = 0;
  std::string applied_by;
};

struct ObjectWrite {
  enum class Action { kCreate, kUpdate, kDelete };
  Action action = Action::kCreate;
  // kCreate/kUpdate: the new content (kind, name, api_version, content_json, content_hash,
  // applied_at, applied_by); etag and generation are assigned by the store.
  // kDelete: kind and name (and applied_at/applied_by, recorded in the history).
  StoredObject object;
  // kUpdate/kDelete: the etag the caller read; the write is ABORTED when it changed since.
  // kCreate: the object must not exist (ABORTED otherwise).
  std::string expected_etag;
};

struct ObjectHistoryEntry {
  int64_t id = 0;
  std::string kind, name, action, content_hash, by;
  EpochMillis at = 0;
};

// One (SLO objective, variant) series of the evaluator.
struct SloSeriesRow {
  int64_t id = 0;
  std::string series_key;  // the evaluator's identity of the series
  std::string slo;         // SLO name, for deleting an SLO's series
  EpochMillis created_at = 0;
  std::string snapshot;  // the evaluator's serialized state; empty before the first snapshot
};

// Counts one ingest batch adds to one series in one minute. Percentile objectives also carry a
// DDSketch of the minute's samples: as bytes (`sketch`, a serialized DDSketch: what the
// slo_deltas row holds and what LoadSloDeltas returns), or in memory as `samples`, which is how
// SloBatch hands them to the store and the store's SloCountsSink hands them to the evaluator, so
// that a sketch is neither serialized per batch nor decoded twice on its way. When both are set
// they hold the same sketch and `samples` is read; both empty: no sketch.
struct SloCountDelta {
  int64_t series_id = 0;
  EpochMillis minute = 0;
  uint64_t good = 0;
  uint64_t total = 0;
  std::string sketch;
  std::optional<telemetry::DDSketch> samples;

  bool has_sketch() const { return samples.has_value() || !sketch.empty(); }
};

// What an ingest commit adds for the SLO evaluator: series not yet stored (INSERT OR IGNORE:
// resending a series already stored is harmless) and the deltas.
struct SloCounts {
  std::vector<SloSeriesRow> new_series;
  std::vector<SloCountDelta> deltas;
  bool empty() const { return new_series.empty() && deltas.empty(); }
};

struct SloDeltaRow {
  int64_t seq = 0;
  SloCountDelta delta;
};

class SloStore {
 public:
  virtual ~SloStore() = default;

  // Objects. `kind` empty lists every kind; ordered by kind, then name.
  virtual Result<std::vector<StoredObject>> ListObjects(std::string_view kind) = 0;
  virtual Result<std::optional<StoredObject>> GetObject(std::string_view kind,
                                                        std::string_view name) = 0;
  // All or nothing, durable when it returns OK. ABORTED when an expected etag no longer holds;
  // INVALID_ARGUMENT for an empty kind/name. Returns the stored objects (etag assigned) of
  // creates and updates, in order.
  virtual Result<std::vector<StoredObject>> WriteObjects(std::vector<ObjectWrite> writes) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<ObjectHistoryEntry>> ObjectHistory(std::string_view kind,
                                                                std::string_view name,
                                                                int limit) = 0;

  // Evaluator state.
  virtual Result<std::vector<SloSeriesRow>> LoadSloSeries() = 0;
  // Deltas not yet folded into a snapshot, in commit order.
  virtual Result<std::vector<SloDeltaRow>> LoadSloDeltas() = 0;
  // Replaces the snapshots of `series` and deletes every delta with seq ≤ through_seq (they are
  // included in the snapshots), in one durable transaction; also stores `state` (the alert
  // state document) when not nullopt.
  virtual Status SaveSloSnapshot(std::vector<std::pair<int64_t, std::string>> series,
                                 int64_t through_seq, std::optional<std::string> state) = 0;
  virtual Result<std::optional<std::string>> LoadSloState() = 0;
  // Drops the series of an SLO (and their deltas): called when the SLO is deleted.
  virtual Status DeleteSloSeries(std::string_view slo) = 0;
};

}  // namespace ballast::store

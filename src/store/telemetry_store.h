// TelemetryStore: the storage interface of the telemetry aggregate (rollups, series keys,
// idempotency keys). Implemented by SqliteStore (and later a PostgreSQL store); the domain and
// server code only see this interface.
//
// Writes are asynchronous and durable: CommitIngest() queues the batch for the writer, which
// commits it (with its idempotency key) in a group transaction and fsyncs before calling
// `done`. Reads are synchronous and may block briefly: call them off the network threads.
//
// The SLO counts of the batches of one group commit are merged (one delta per series and minute)
// and handed to the SloCountsSink once per group, after the commit and before any of the group's
// `done` callbacks: the evaluator learns each group atomically, so the seq it reports with a
// snapshot covers exactly the deltas it holds, and an acknowledged batch is already counted.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/slo_store.h"
#include "telemetry/rollup.h"

namespace ballast::store {

struct IngestCommit {
  // Empty when the request carried no Idempotency-Key.
  std::string idempotency_key;
  // Hash of the request body; the same key with another hash is a conflict.
  std::string body_hash;
  // The answer to send; stored with the key and returned verbatim to a replay.
  std::string response_json;
  telemetry::RollupBatch batch;
  // The SLO evaluator's counts of the same events, committed in the same transaction.
  SloCounts slo;
  EpochMillis received_at = 0;
};

struct IngestOutcome {
  enum class Kind {
    kApplied,   // the batch's deltas were committed
    kReplayed,  // the key was already committed with the same body: nothing applied
    kConflict,  // the key was already committed with another body: nothing applied
  };
  Kind kind = Kind::kApplied;
  std::string response_json;  // the stored answer for kReplayed; ours for kApplied
  // kApplied: seq of the last SLO delta row of the group commit that stored this batch's deltas
  // (0 when the group stored none), see SloStore.
  int64_t slo_seq = 0;
};

struct StoredIdempotency {
  std::string body_hash;
  std::string response_json;
  EpochMillis created_at = 0;
};

struct SeriesKeyRow {
  telemetry::SeriesKeyId id = 0;
  telemetry::SeriesKey key;
};

struct ServiceSummary {
  std::string service;
  // First and last event minute with data (event time, not ingest time); 0 before any row.
  EpochMillis first_seen = 0;
  EpochMillis last_seen = 0;
  int64_t series = 0;  // number of (variant, model, prompt) keys
};

struct RollupRow {
  telemetry::SeriesKeyId key_id = 0;
  EpochMillis minute = 0;
  telemetry::Rollup rollup;
};

// Receives the SLO counts of one committed group, merged per (series, minute), and the seq of
// the group's last delta row (SloEngine::Apply has this shape). Called on the writer thread: it
// must be cheap and must not call the store's synchronous writes.
using SloCountsSink = std::function<void(const SloCounts& counts, int64_t seq)>;

class TelemetryStore {
 public:
  virtual ~TelemetryStore() = default;

  // Replaces the sink (empty: none; counts committed meanwhile are only stored). Waits for a
  // call of the previous sink in progress, so its target may be destroyed once this returns.
  virtual void SetSloCountsSink(SloCountsSink sink) = 0;

  // Queues a batch for durable commit. Returns RESOURCE_EXHAUSTED at once (and never calls
  // `done`) when the writer queue is full; otherwise `done` is called exactly once, from the
  // writer thread, after the commit was fsynced or failed. `done` must be cheap and must not
  // block or call the store's synchronous writes (TokenStore, Prune, Close): that deadlocks.
  virtual Status CommitIngest(IngestCommit commit,
                              std::function<void(Result<IngestOutcome>)> done) = 0;

  // A committed idempotency key younger than the retention (24 h), if any.
  virtual Result<std::optional<StoredIdempotency>> LookupIdempotency(const std::string& key) = 0;

  virtual Result<std::vector<SeriesKeyRow>> LoadSeriesKeys() = 0;
  virtual Result<std::vector<ServiceSummary>> ListServices() = 0;
  // Rows of `service` with from <= minute < to.
  virtual Result<std::vector<RollupRow>> QueryRollups(const std::string& service, EpochMillis from,
                                                      EpochMillis to) = 0;
  // Drops idempotency keys older than `before` and rollup minutes older than `rollups_before`.
  virtual Status Prune(EpochMillis idempotency_before, EpochMillis rollups_before) = 0;
};

}  // namespace ballast::store

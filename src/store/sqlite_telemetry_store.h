// SqliteTelemetryStore: TelemetryStore over SQLite (internal to the store module; callers get
// it through Store::Telemetry()).
//
// CommitIngest runs on the writer, inside the group transaction: idempotency check, series key
// inserts, and the batch's deltas merged into the writer's RollupCache. As the writer's
// GroupParticipant it then writes every row the group changed once (BeforeCommit). Reads use
// the reader pool and see only committed rows.
//
// Thread safety: TelemetryStore methods from any thread; the cache and the set of known series
// keys belong to the writer thread.
#pragma once

#include <cstddef>
#include <unordered_set>

#include "common/clock.h"
#include "store/reader_pool.h"
#include "store/rollup_cache.h"
#include "store/telemetry_store.h"
#include "store/writer.h"

namespace ballast::store {

// How long an idempotency key answers replays (DESIGN.md §4).
inline constexpr int64_t kIdempotencyRetentionMillis = 24LL * 60 * 60 * 1000;

class SqliteTelemetryStore final : public TelemetryStore, public GroupParticipant {
 public:
  SqliteTelemetryStore(Writer& writer, ReaderPool& readers, const Clock& clock, size_t cache_rows);

  Status CommitIngest(IngestCommit commit,
                      std::function<void(Result<IngestOutcome>)> done) override;
  Result<std::optional<StoredIdempotency>> LookupIdempotency(const std::string& key) override;
  Result<std::vector<SeriesKeyRow>> LoadSeriesKeys() override;
  Result<std::vector<ServiceSummary>> ListServices() override;
  Result<std::vector<RollupRow>> QueryRollups(const std::string& service, EpochMillis from,
                                              EpochMillis to) override;
  Status Prune(EpochMillis idempotency_before, EpochMillis rollups_before) override;

  // GroupParticipant (writer thread).
  Status BeforeCommit(Connection& db) override;
  void AfterCommit() override;
  void AfterRollback() override;

 private:
  Result<IngestOutcome> ApplyIngest(Connection& db, const IngestCommit& commit);
  Status InsertSeriesKey(Connection& db, const telemetry::NewSeriesKey& key);
  Result<bool> SeriesKeyExists(Connection& db, telemetry::SeriesKeyId id);
  // The cached row, or the stored one (empty if absent) newly cached as clean.
  Result<RollupCache::Entry*> LoadRow(Connection& db, const RollupCache::RowKey& key);
  Status ApplyPrune(Connection& db, EpochMillis idempotency_before, EpochMillis rollups_before);

  Writer& writer_;
  ReaderPool& readers_;
  const Clock& clock_;

  // Writer thread only.
  RollupCache cache_;
  std::unordered_set<telemetry::SeriesKeyId> known_keys_;  // committed or in this group
};

}  // namespace ballast::store

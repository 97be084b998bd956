// SqliteTelemetryStore: TelemetryStore over SQLite (internal to the store module; callers get
// it through Store::Telemetry()).
//
// CommitIngest runs on the writer, inside the group transaction: idempotency check, series key
// inserts, and the batch's deltas merged into the writer's RollupCache and its SLO deltas into
// the group's SloGroupDeltas. As the writer's GroupParticipant it then writes every row the
// group changed once (BeforeCommit), and after the commit hands the group's SLO counts to the
// sink (AfterCommit). Reads use the reader pool and see only committed rows.
//
// Thread safety: TelemetryStore methods from any thread; the cache and the set of known series
// keys belong to the writer thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_set>

#include "common/clock.h"
#include "store/reader_pool.h"
#include "store/rollup_cache.h"
#include "store/sqlite_slo_store.h"
#include "store/telemetry_store.h"
#include "store/writer.h"

namespace ballast::store {

// How long an idempotency key answers replays (DESIGN.md §4).
inline constexpr int64_t kIdempotencyRetentionMillis = 24LL * 60 * 60 * 1000;

class SqliteTelemetryStore final : public TelemetryStore, public GroupParticipant {
 public:
  SqliteTelemetryStore(Writer& writer, ReaderPool& readers, const Clock& clock, size_t cache_rows);

  void SetSloCountsSink(SloCountsSink sink) override;
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
  // Moves the commit's SLO counts into the group's stage when it applies.
  Result<IngestOutcome> ApplyIngest(Connection& db, IngestCommit& commit);
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
  SloGroupDeltas slo_group_;
  int64_t slo_group_seq_ = 0;  // of the group whose completions run now

  std::mutex sink_mu_;  // held while the sink runs, so that replacing it waits for the call
  SloCountsSink sink_;  // guarded by sink_mu_
};

}  // namespace ballast::store

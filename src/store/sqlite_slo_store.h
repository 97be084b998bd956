// SqliteSloStore: SloStore over SQLite (internal; callers get it through Store::Slos()). Writes go
// through the writer (durable when they return); reads use the pool. The SLO count deltas of an
// ingest are written by SqliteTelemetryStore::ApplyIngest through InsertSloCounts, in the
// ingest's own savepoint.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/reader_pool.h"
#include "store/slo_store.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace ballast::store {

// Inserts `counts` on the writer's connection; returns the seq of the last delta inserted (0
// when there were none).
Result<int64_t> InsertSloCounts(Connection& db, const SloCounts& counts);

class SqliteSloStore final : public SloStore {
 public:
  SqliteSloStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<std::vector<StoredObject>> ListObjects(std::string_view kind) override;
  Result<std::optional<StoredObject>> GetObject(std::string_view kind,
                                                std::string_view name) override;
  Result<std::vector<StoredObject>> WriteObjects(std::vector<ObjectWrite> writes) override;
  Result<std::vector<ObjectHistoryEntry>> ObjectHistory(std::string_view kind,
                                                        std::string_view name,
                                                        int limit) override;

  Result<std::vector<SloSeriesRow>> LoadSloSeries() override;
  Result<std::vector<SloDeltaRow>> LoadSloDeltas() override;
  Status SaveSloSnapshot(std::vector<std::pair<int64_t, std::string>> series, int64_t through_seq,
                         std::optional<std::string> state) override;
  Result<std::optional<std::string>> LoadSloState() override;
  Status DeleteSloSeries(std::string_view slo) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace ballast::store

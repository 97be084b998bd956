// SqliteSloStore: SloStore over SQLite (internal; callers get it through Store::Slos()). Writes go
// through the writer (durable when they return); reads use the pool. The SLO count deltas of
// ingests reach the database through SloGroupDeltas, which SqliteTelemetryStore drives as part
// of its group commit.
//
// Thread safety: SqliteSloStore methods from any thread except the writer thread; SloGroupDeltas
// on the writer thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "store/reader_pool.h"
#include "store/slo_store.h"
#include "store/sqlite.h"
#include "store/writer.h"
#include "telemetry/ddsketch.h"

namespace ballast::store {

// The SLO count deltas of one writer group, merged per (series, minute), so that a group of many
// ingests appends ONE slo_deltas row per (series, minute) it touched instead of one per ingest
// and (series, minute). Per ingest, inside its savepoint:
//
//   BALLAST_ASSIGN_OR_RETURN(auto checked, group.Check(db, counts));  // fallible: SQL, validation
//   ... other fallible work ...
//   group.Stage(std::move(checked));                                 // infallible, memory only
//
// then once per group: Flush (in BeforeCommit: writes the rows), and after the commit
// TakeCommitted (the merged counts and the seq of the last row, for the evaluator), or Clear
// after a rollback. A savepoint that fails before Stage leaves nothing staged, so a failed ingest
// never counts; an idempotent replay never reaches Check.
class SloGroupDeltas {
 public:
  // One ingest's counts, validated, its new series inserted (INSERT OR IGNORE) and every sketch
  // decoded: each delta with a sketch has `samples` set.
  struct Checked {
    SloCounts counts;
  };
  // INVALID_ARGUMENT (field slo.deltas.*) for good > total, or a sketch that does not decode or
  // has another accuracy than DDSketch's default.
  Result<Checked> Check(Connection& db, SloCounts counts) const;
  void Stage(Checked checked);
  bool empty() const { return deltas_.empty() && new_series_.empty(); }

  // Appends one row per staged (series, minute); remembers the seq of the last one.
  Status Flush(Connection& db);
  // After the group committed: what it stored, merged (each sketch both as `samples` and as the
  // row's bytes), and the seq of its last row (0 when it had no delta). Clears the stage.
  SloCounts TakeCommitted(int64_t* seq);
  // After a rollback: forgets the group.
  void Clear();

 private:
  struct Staged {
    // `samples`: the merged sketch; `sketch`: its bytes while they are current (one sketch
    // received as bytes and nothing merged since), else empty until Flush serializes it.
    SloCountDelta delta;
  };
  struct SeriesMinute {
    int64_t series;
    EpochMillis minute;
    friend bool operator==(const SeriesMinute&, const SeriesMinute&) = default;
  };
  struct SeriesMinuteHash {
    size_t operator()(const SeriesMinute& k) const {
      const uint64_t h = static_cast<uint64_t>(k.series) * 0x9e3779b97f4a7c15ULL;
      return static_cast<size_t>(h ^ (static_cast<uint64_t>(k.minute) * 0xc2b2ae3d27d4eb4fULL));
    }
  };
  std::vector<SloSeriesRow> new_series_;
  std::vector<Staged> deltas_;  // in first-seen order: the order of the group's rows
  std::unordered_map<SeriesMinute, size_t, SeriesMinuteHash> index_;  // -> deltas_
  int64_t last_seq_ = 0;
};

class SqliteSloStore final : public SloStore {
 public:
  SqliteSloStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<std::vector<StoredObject>> ListObjects(std::string_view kind) override;
  Result<std::optional<StoredObject>> GetObject(std::string_view kind,
                                                std::string_view name) override;
  Result<std::vector<StoredObject>> WriteObjects(std::vector<ObjectWrite> writes) override;
  Result<std::vector<ObjectHistoryEntry>> ObjectHistory(std::string_view kind,
                                                        std::string_view name, int limit) override;

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

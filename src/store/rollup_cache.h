// RollupCache: the writer's bounded cache of recently written rollup rows, keyed by
// (series key id, minute).
//
// The writer is the only process-wide writer of the rollups table, so a cached row is exactly
// the stored row plus the deltas applied in the current group: applying a delta costs a merge in
// memory instead of a read. Rows changed in the group are marked dirty and written once at the
// end of the group, however many batches touched them. Dirty rows are never evicted; clean
// rows are evicted least-recently-used first when the cache is over capacity (Trim()).
//
// Thread safety: none; owned and used by the writer thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

#include "common/clock.h"
#include "telemetry/rollup.h"

namespace ballast::store {

class RollupCache {
 public:
  struct RowKey {
    telemetry::SeriesKeyId key_id = 0;
    EpochMillis minute = 0;
    friend bool operator==(const RowKey&, const RowKey&) = default;
  };
  struct Entry {
    RowKey key;
    telemetry::Rollup rollup;
    bool dirty = false;
  };

  explicit RollupCache(size_t capacity) : capacity_(capacity) {}

  // The cached row, most-recently-used now, or null.
  Entry* Find(const RowKey& key);
  // Caches `rollup` (a row just read from the database, or an empty one) as clean; replaces
  // any cached row for `key`.
  Entry& Insert(const RowKey& key, telemetry::Rollup rollup);

  // Calls f(Entry&) for every dirty row.
  template <typename F>
  void ForEachDirty(F&& f) {
    for (Entry& e : lru_)
      if (e.dirty) f(e);
  }
  // After the group committed: every row is as stored. Then evicts down to capacity.
  void MarkAllCleanAndTrim();
  // Drops every row with minute < `before` (those rows were deleted from the database).
  void EraseBefore(EpochMillis before);
  // Forgets everything (after a rolled-back group the dirty rows are ahead of the database).
  void Clear();

  size_t size() const { return index_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct RowKeyHash {
    size_t operator()(const RowKey& k) const {
      return std::hash<int64_t>{}(k.key_id * 0x9E3779B97F4A7C15ull ^
                                  static_cast<uint64_t>(k.minute));
    }
  };

  size_t capacity_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<RowKey, std::list<Entry>::iterator, RowKeyHash> index_;
};

}  // namespace ballast::store

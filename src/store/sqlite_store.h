// SqliteStore: the SQLite Store (store.h). Layout of DATA/ballast.db and how the pieces fit:
//   - one write Connection, owned by the Writer thread (group commit);
//   - a ReaderPool of query-only connections for reads from any thread;
//   - per-aggregate stores (SqliteTelemetryStore, SqliteTokenStore) that submit closures to the
//     writer and read through the pool.
// OpenSqliteStore(StoreOptions) (store.h) is the public entry; OpenSqliteStoreTuned exposes
// internal knobs to tests and benchmarks.
//
// Thread safety: as store.h.
#pragma once

#include <cstddef>
#include <memory>

#include "store/store.h"

namespace ballast::store {

// Internal knobs that are not part of the public StoreOptions.
struct SqliteStoreTuning {
  // Rollup rows the writer keeps in memory to merge deltas without reading them back.
  size_t rollup_cache_rows = 16384;
};

// Path of the database file inside `data_dir`.
std::string DatabasePath(const std::string& data_dir);

Result<std::unique_ptr<Store>> OpenSqliteStoreTuned(const StoreOptions& options,
                                                    const SqliteStoreTuning& tuning);

}  // namespace ballast::store

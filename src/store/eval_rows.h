// Internal to the SQLite eval store (sqlite_eval_store.cc, sqlite_eval_runs.cc) and the lineage
// store: loading datasets and their versions by name and ref. Not part of any store interface.
//
// Thread safety: functions of their arguments and the connection they are given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/eval_store.h"
#include "store/sqlite.h"

namespace ballast::store::eval_rows {

struct DatasetVersionRow {
  int64_t row_id = 0;  // dataset_versions.id
  DatasetVersion v;
};

// A "name@ref" split at its only '@' (a bare name has ref "latest"). INVALID_ARGUMENT naming
// `field` when malformed.
struct NameRef {
  std::string name;
  std::string ref;
};
Result<NameRef> SplitRef(std::string_view text, std::string_view field);

// The live dataset named `name`; NOT_FOUND if none.
Result<Dataset> LoadDataset(Connection& db, std::string_view name);
// Version `ref` ("3" or "latest") of the live dataset `name`.
Result<DatasetVersionRow> LoadDatasetVersion(Connection& db, std::string_view name,
                                             std::string_view ref);

}  // namespace ballast::store::eval_rows

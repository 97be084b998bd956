// Internal to the SQLite registry store: row mapping, input checks, loaders and the write
// helpers that sqlite_registry_store.cc's operations are made of. Not part of the store's
// interface (registry_store.h); only the registry store's own files include it.
//
// Thread safety: functions of their arguments and the connection they are given; the write
// helpers run on the writer thread inside its transaction.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "store/reader_pool.h"
#include "store/registry_store.h"
#include "store/sqlite.h"
#include "store/writer.h"

namespace ballast::store::registry_rows {

inline constexpr const char* kModelColumns =
    "m.id, m.name, m.description, m.owner, m.provider, m.created_at, m.created_by, "
    "m.updated_at, m.generation, m.last_version, m.deleted_at";

inline constexpr const char* kVersionColumns =
    "v.id, m.id, m.name, v.version, v.source, v.run_id, v.status, v.stage, v.description, "
    "v.created_at, v.created_by, v.updated_at, v.generation, v.lifecycle, v.deprecated_at, "
    "v.retires_at, v.replacement, v.base_model, v.code_commit, v.hyperparameters_json, "
    "v.deleted_at";

// How much of a model to read: kHead is the row alone (id, name, counters), enough to reach its
// versions; it saves three queries on the ref-resolution path.
enum class ModelDetail { kFull, kHead };

// A version with its row id.
struct VersionRow {
  int64_t row_id = 0;  // model_versions.id, the key of its tags and datasets
  ModelVersion v;
};

Status CheckLength(std::string_view field, std::string_view value, size_t min, size_t max);

// MLflow's limits: keys up to 250 characters, values up to 5000.
Status CheckTag(std::string_view key, std::string_view value);

Status CheckModelFields(const RegisteredModel& m);

Status CheckVersionFields(const ModelVersion& v);

// Steps `st` to its end, calling `row` while it is positioned on each row.
Status EachRow(Statement& st, const std::function<void()>& row);

std::string MakeEtag(std::string_view kind, int64_t id, int64_t generation);

std::string NotFoundModel(std::string_view name);

RegisteredModel ModelFromRow(const Statement& st);

// Reads tags, protected aliases and current aliases of `m`.
Status FillModel(Connection& db, RegisteredModel& m);

// The live model named `name`; NOT_FOUND if none.
Result<RegisteredModel> LoadModel(Connection& db, std::string_view name,
                                  ModelDetail detail = ModelDetail::kFull);

// Whether a live model is named `name`; errors other than NOT_FOUND propagate.
Result<bool> LiveModelExists(Connection& db, std::string_view name);

VersionRow VersionFromRow(const Statement& st);

Status FillVersion(Connection& db, VersionRow& r);

// The live version `number` of the live model `m`.
Result<VersionRow> LoadVersion(Connection& db, const RegisteredModel& m, int64_t number);

Result<std::optional<int64_t>> AliasTarget(Connection& db, int64_t model_id,
                                           std::string_view alias);

// A positive decimal version number, or nullopt when `s` is not all digits.
Result<std::optional<int64_t>> ParseVersionNumber(std::string_view s);

// `ref` of live model `m`: a number, "latest" or an alias.
Result<VersionRow> LoadVersionByRef(Connection& db, const RegisteredModel& m, std::string_view ref);

Status BumpModel(Connection& db, int64_t model_id, EpochMillis at);

Status BumpVersion(Connection& db, int64_t row_id, EpochMillis at);

Status ReplaceModelTags(Connection& db, int64_t model_id,
                        const std::map<std::string, std::string>& tags);

Status ReplaceProtectedAliases(Connection& db, int64_t model_id,
                               const std::set<std::string>& aliases);

Status ReplaceVersionTags(Connection& db, int64_t row_id,
                          const std::map<std::string, std::string>& tags);

Status RecordMove(Connection& db, int64_t model_id, const AliasMove& move);

Status RefuseProtected(const RegisteredModel& m, std::string_view alias, const Actor& actor);

// Removes every alias of `m` pointing at `version` (every alias when nullopt), recording each.
Status RemoveAliases(Connection& db, const RegisteredModel& m, std::optional<int64_t> version,
                     const std::string& reason, const Actor& actor);

Status CheckEtag(std::string_view what, const std::string& current, std::string_view expected);

// Runs `op` on the writer and returns its value once the group committed.
template <typename T>
Result<T> WriteAndWait(Writer& writer, std::function<Result<T>(Connection&)> op) {
  auto out = std::make_shared<std::optional<T>>();
  Status st = writer.SubmitAndWait([op = std::move(op), out](Connection& db) -> Status {
    Result<T> r = op(db);
    if (!r) return r.error();
    *out = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::move(**out);
}

// Runs `read` on a pooled connection inside one read transaction (a consistent snapshot).
template <typename T>
Result<T> ReadSnapshot(ReaderPool& readers, const std::function<Result<T>(Connection&)>& read) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers.Acquire());
  BALLAST_RETURN_IF_ERROR(db->Exec("BEGIN"));
  Result<T> r = read(*db);
  Status end = db->Exec("COMMIT");
  if (r && !end.ok()) return end;
  return r;
}

}  // namespace ballast::store::registry_rows

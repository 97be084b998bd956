#include "store/sqlite_registry_store.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <memory>
#include <utility>

#include "common/sha256.h"
#include "store/expr_sql.h"
#include "store/registry_rows.h"

namespace ballast::store {
// This store's own helpers (registry_rows.h).
using registry_rows::AliasTarget;
using registry_rows::BumpModel;
using registry_rows::BumpVersion;
using registry_rows::CheckEtag;
using registry_rows::CheckLength;
using registry_rows::CheckModelFields;
using registry_rows::CheckTag;
using registry_rows::CheckVersionFields;
using registry_rows::EachRow;
using registry_rows::FillModel;
using registry_rows::FillVersion;
using registry_rows::LiveModelExists;
using registry_rows::LoadModel;
using registry_rows::LoadVersion;
using registry_rows::LoadVersionByRef;
using registry_rows::ModelDetail;
using registry_rows::ModelFromRow;
using registry_rows::ReadSnapshot;
using registry_rows::RecordMove;
using registry_rows::RefuseProtected;
using registry_rows::RemoveAliases;
using registry_rows::ReplaceModelTags;
using registry_rows::ReplaceProtectedAliases;
using registry_rows::ReplaceVersionTags;
using registry_rows::VersionFromRow;
using registry_rows::VersionRow;
using registry_rows::kModelColumns;
using registry_rows::kVersionColumns;

template <typename T>
Result<T> SqliteRegistryStore::Write(std::function<Result<T>(Connection&)> op) {
  RefCache<ModelVersion>::WriteScope scope(resolved_);
  return registry_rows::WriteAndWait<T>(writer_, std::move(op));
}

// ---- models ----

Result<RegisteredModel> SqliteRegistryStore::CreateModel(const RegisteredModel& model,
                                                         const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateModelName(model.name));
  BALLAST_RETURN_IF_ERROR(CheckModelFields(model));
  return Write<RegisteredModel>(
      [model, actor](Connection& db) -> Result<RegisteredModel> {
        BALLAST_ASSIGN_OR_RETURN(bool taken, LiveModelExists(db, model.name));
        if (taken) {
          return Status::AlreadyExists("registered model '" + model.name + "' already exists");
        }
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("INSERT INTO registered_models (name, description, owner, provider, "
                       "created_at, created_by, updated_at, generation) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, 1)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(model.name, model.description, model.owner,
                                           model.provider, actor.at, actor.by, actor.at));
        BALLAST_RETURN_IF_ERROR(st.Run());
        const int64_t id = db.LastInsertRowid();
        BALLAST_RETURN_IF_ERROR(ReplaceModelTags(db, id, model.tags));
        BALLAST_RETURN_IF_ERROR(ReplaceProtectedAliases(db, id, model.protected_aliases));
        return LoadModel(db, model.name);
      });
}

Result<RegisteredModel> SqliteRegistryStore::GetModel(std::string_view name) {
  std::string n(name);
  return ReadSnapshot<RegisteredModel>(readers_, [&n](Connection& db) { return LoadModel(db, n); });
}

Result<RegisteredModel> SqliteRegistryStore::UpdateModel(std::string_view name,
                                                         const RegisteredModel& desired,
                                                         std::string_view expected_etag,
                                                         const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckModelFields(desired));
  return Write<RegisteredModel>(
      [n = std::string(name), desired, etag = std::string(expected_etag),
       actor](Connection& db) -> Result<RegisteredModel> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_RETURN_IF_ERROR(CheckEtag("registered model '" + n + "'", m.etag, etag));
        if (desired.protected_aliases != m.protected_aliases && !actor.is_admin) {
          return Status::PermissionDenied(
              "only an admin may change the protected aliases of "
              "registered model '" +
              n + "'");
        }
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("UPDATE registered_models SET description = ?, owner = ?, provider = ?, "
                       "generation = generation + 1, updated_at = ? WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(
            st.BindAll(desired.description, desired.owner, desired.provider, actor.at, m.id));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_RETURN_IF_ERROR(ReplaceModelTags(db, m.id, desired.tags));
        BALLAST_RETURN_IF_ERROR(ReplaceProtectedAliases(db, m.id, desired.protected_aliases));
        return LoadModel(db, n);
      });
}

Result<RegisteredModel> SqliteRegistryStore::RenameModel(std::string_view name,
                                                         std::string_view new_name,
                                                         const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateModelName(new_name));
  return Write<RegisteredModel>(
      [from = std::string(name), to = std::string(new_name),
       actor](Connection& db) -> Result<RegisteredModel> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, from));
        if (from == to) return m;
        BALLAST_ASSIGN_OR_RETURN(bool taken, LiveModelExists(db, to));
        if (taken) return Status::AlreadyExists("registered model '" + to + "' already exists");
        BALLAST_ASSIGN_OR_RETURN(Statement st,
                                 db.Prepare("UPDATE registered_models SET name = ?, "
                                            "generation = generation + 1, updated_at = ? "
                                            "WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(to, actor.at, m.id));
        BALLAST_RETURN_IF_ERROR(st.Run());
        return LoadModel(db, to);
      });
}

Status SqliteRegistryStore::DeleteModel(std::string_view name, std::string_view expected_etag,
                                        const Actor& actor) {
  RefCache<ModelVersion>::WriteScope scope(resolved_);
  return writer_.SubmitAndWait([n = std::string(name), etag = std::string(expected_etag),
                                actor](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
    if (!etag.empty())
      BALLAST_RETURN_IF_ERROR(CheckEtag("registered model '" + n + "'", m.etag, etag));
    BALLAST_RETURN_IF_ERROR(RemoveAliases(db, m, std::nullopt, "registered model deleted", actor));
    BALLAST_ASSIGN_OR_RETURN(Statement versions,
                             db.Prepare("UPDATE model_versions SET deleted_at = ? "
                                        "WHERE model_id = ? AND deleted_at IS NULL"));
    BALLAST_RETURN_IF_ERROR(versions.BindAll(actor.at, m.id));
    BALLAST_RETURN_IF_ERROR(versions.Run());
    BALLAST_ASSIGN_OR_RETURN(
        Statement model, db.Prepare("UPDATE registered_models SET deleted_at = ?, updated_at = ?, "
                                    "generation = generation + 1 WHERE id = ?"));
    BALLAST_RETURN_IF_ERROR(model.BindAll(actor.at, actor.at, m.id));
    return model.Run();
  });
}

Result<RegisteredModel> SqliteRegistryStore::SetModelTag(std::string_view name,
                                                         std::string_view key,
                                                         std::string_view value,
                                                         const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckTag(key, value));
  return Write<RegisteredModel>(
      [n = std::string(name), k = std::string(key), v = std::string(value),
       actor](Connection& db) -> Result<RegisteredModel> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare(
                "INSERT OR REPLACE INTO model_tags (model_id, key, value) VALUES (?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, k, v));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_RETURN_IF_ERROR(BumpModel(db, m.id, actor.at));
        return LoadModel(db, n);
      });
}

Result<RegisteredModel> SqliteRegistryStore::DeleteModelTag(std::string_view name,
                                                            std::string_view key,
                                                            const Actor& actor) {
  return Write<RegisteredModel>(
      [n = std::string(name), k = std::string(key),
       actor](Connection& db) -> Result<RegisteredModel> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st, db.Prepare("DELETE FROM model_tags WHERE model_id = ? AND key = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, k));
        BALLAST_RETURN_IF_ERROR(st.Run());
        if (db.Changes() == 0) {
          return Status::NotFound("registered model '" + n + "' has no tag '" + k + "'");
        }
        BALLAST_RETURN_IF_ERROR(BumpModel(db, m.id, actor.at));
        return LoadModel(db, n);
      });
}

// ---- versions ----

Result<ModelVersion> SqliteRegistryStore::CreateVersion(const ModelVersion& version,
                                                        const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateModelName(version.model));
  BALLAST_RETURN_IF_ERROR(CheckLength("source", version.source, 1, 4096));
  BALLAST_RETURN_IF_ERROR(CheckVersionFields(version));
  const VersionLineage& lineage = version.lineage;
  BALLAST_RETURN_IF_ERROR(CheckLength("lineage.base_model", lineage.base_model, 0, 512));
  BALLAST_RETURN_IF_ERROR(CheckLength("lineage.code_commit", lineage.code_commit, 0, 256));
  for (size_t i = 0; i < lineage.dataset_refs.size(); ++i) {
    BALLAST_RETURN_IF_ERROR(CheckLength("lineage.dataset_refs[" + std::to_string(i) + "]",
                                        lineage.dataset_refs[i], 1, 512));
  }
  return Write<ModelVersion>(
      [version, actor](Connection& db) -> Result<ModelVersion> {
        const VersionLineage& lin = version.lineage;
        if (!lin.hyperparameters_json.empty()) {
          BALLAST_ASSIGN_OR_RETURN(Statement check, db.Prepare("SELECT json_valid(?)"));
          BALLAST_RETURN_IF_ERROR(check.BindAll(lin.hyperparameters_json));
          BALLAST_ASSIGN_OR_RETURN(bool row, check.Step());
          if (!row || check.ColumnInt(0) != 1) {
            return Status::InvalidArgument("hyperparameters are not a valid JSON document",
                                           "lineage.hyperparameters_json");
          }
        }
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m,
                                 LoadModel(db, version.model, ModelDetail::kHead));
        // The counter only goes up, and it lives on the model row, so deleting versions never
        // lowers it; the writer serializes concurrent creates.
        const int64_t number = m.last_version + 1;
        BALLAST_ASSIGN_OR_RETURN(
            Statement counter,
            db.Prepare("UPDATE registered_models SET last_version = ? WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(counter.BindAll(number, m.id));
        BALLAST_RETURN_IF_ERROR(counter.Run());
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("INSERT INTO model_versions (model_id, version, source, run_id, status, "
                       "stage, description, created_at, created_by, updated_at, generation, "
                       "lifecycle, deprecated_at, retires_at, replacement, base_model, "
                       "code_commit, hyperparameters_json) "
                       "VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(
            m.id, number, version.source, version.run_id, VersionStatusName(version.status),
            version.description, actor.at, actor.by, actor.at, LifecycleName(version.lifecycle),
            version.deprecated_at, version.retires_at, version.replacement, lin.base_model,
            lin.code_commit, lin.hyperparameters_json));
        BALLAST_RETURN_IF_ERROR(st.Run());
        const int64_t row_id = db.LastInsertRowid();
        BALLAST_RETURN_IF_ERROR(ReplaceVersionTags(db, row_id, version.tags));
        for (size_t i = 0; i < lin.dataset_refs.size(); ++i) {
          BALLAST_ASSIGN_OR_RETURN(
              Statement ds, db.Prepare("INSERT INTO model_version_datasets (version_id, position, "
                                       "ref) VALUES (?, ?, ?)"));
          BALLAST_RETURN_IF_ERROR(ds.BindAll(row_id, static_cast<int64_t>(i), lin.dataset_refs[i]));
          BALLAST_RETURN_IF_ERROR(ds.Run());
        }
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, number));
        return std::move(r.v);
      });
}

Result<ModelVersion> SqliteRegistryStore::GetVersion(std::string_view model, int64_t version) {
  std::string n(model);
  return ReadSnapshot<ModelVersion>(readers_, [&](Connection& db) -> Result<ModelVersion> {
    BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n, ModelDetail::kHead));
    BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
    return std::move(r.v);
  });
}

Result<ModelVersion> SqliteRegistryStore::GetVersionByRef(std::string_view model,
                                                          std::string_view ref) {
  std::string key;
  key.reserve(model.size() + 1 + ref.size());
  key.append(model).push_back('\0');
  key.append(ref);
  const RefCache<ModelVersion>::Ticket ticket = resolved_.Begin();
  if (std::optional<ModelVersion> hit = resolved_.Get(key)) return std::move(*hit);
  const std::string_view n = std::string_view(key).substr(0, model.size());
  const std::string_view rf = std::string_view(key).substr(model.size() + 1);
  Result<ModelVersion> found =
      ReadSnapshot<ModelVersion>(readers_, [&](Connection& db) -> Result<ModelVersion> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n, ModelDetail::kHead));
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersionByRef(db, m, rf));
        return std::move(r.v);
      });
  if (found) resolved_.Put(ticket, key, *found);
  return found;
}

Result<ModelVersion> SqliteRegistryStore::UpdateVersion(std::string_view model, int64_t version,
                                                        const ModelVersion& desired,
                                                        std::string_view expected_etag,
                                                        const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckVersionFields(desired));
  return Write<ModelVersion>(
      [n = std::string(model), version, desired, etag = std::string(expected_etag),
       actor](Connection& db) -> Result<ModelVersion> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
        BALLAST_RETURN_IF_ERROR(
            CheckEtag("version " + std::to_string(version) + " of registered model '" + n + "'",
                      r.v.etag, etag));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("UPDATE model_versions SET description = ?, status = ?, run_id = ?, "
                       "lifecycle = ?, deprecated_at = ?, retires_at = ?, replacement = ?, "
                       "generation = generation + 1, updated_at = ? WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(desired.description, VersionStatusName(desired.status),
                                           desired.run_id, LifecycleName(desired.lifecycle),
                                           desired.deprecated_at, desired.retires_at,
                                           desired.replacement, actor.at, r.row_id));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_RETURN_IF_ERROR(ReplaceVersionTags(db, r.row_id, desired.tags));
        BALLAST_ASSIGN_OR_RETURN(VersionRow updated, LoadVersion(db, m, version));
        return std::move(updated.v);
      });
}

Status SqliteRegistryStore::DeleteVersion(std::string_view model, int64_t version,
                                          std::string_view expected_etag, const Actor& actor) {
  RefCache<ModelVersion>::WriteScope scope(resolved_);
  return writer_.SubmitAndWait([n = std::string(model), version,
                                etag = std::string(expected_etag), actor](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
    BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
    if (!etag.empty()) {
      BALLAST_RETURN_IF_ERROR(
          CheckEtag("version " + std::to_string(version) + " of registered model '" + n + "'",
                    r.v.etag, etag));
    }
    BALLAST_RETURN_IF_ERROR(
        RemoveAliases(db, m, version, "version " + std::to_string(version) + " deleted", actor));
    BALLAST_ASSIGN_OR_RETURN(Statement st,
                             db.Prepare("UPDATE model_versions SET deleted_at = ?, updated_at = ?, "
                                        "generation = generation + 1 WHERE id = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(actor.at, actor.at, r.row_id));
    return st.Run();
  });
}

// ---- version tags and stages ----

Result<ModelVersion> SqliteRegistryStore::SetVersionTag(std::string_view model, int64_t version,
                                                        std::string_view key,
                                                        std::string_view value,
                                                        const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckTag(key, value));
  return Write<ModelVersion>(
      [n = std::string(model), version, k = std::string(key), v = std::string(value),
       actor](Connection& db) -> Result<ModelVersion> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
        BALLAST_ASSIGN_OR_RETURN(Statement st,
                                 db.Prepare("INSERT OR REPLACE INTO model_version_tags "
                                            "(version_id, key, value) VALUES (?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(r.row_id, k, v));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_RETURN_IF_ERROR(BumpVersion(db, r.row_id, actor.at));
        BALLAST_ASSIGN_OR_RETURN(VersionRow updated, LoadVersion(db, m, version));
        return std::move(updated.v);
      });
}

Result<ModelVersion> SqliteRegistryStore::DeleteVersionTag(std::string_view model, int64_t version,
                                                           std::string_view key,
                                                           const Actor& actor) {
  return Write<ModelVersion>(
      [n = std::string(model), version, k = std::string(key),
       actor](Connection& db) -> Result<ModelVersion> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("DELETE FROM model_version_tags WHERE version_id = ? AND key = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(r.row_id, k));
        BALLAST_RETURN_IF_ERROR(st.Run());
        if (db.Changes() == 0) {
          return Status::NotFound("version " + std::to_string(version) + " of registered model '" +
                                  n + "' has no tag '" + k + "'");
        }
        BALLAST_RETURN_IF_ERROR(BumpVersion(db, r.row_id, actor.at));
        BALLAST_ASSIGN_OR_RETURN(VersionRow updated, LoadVersion(db, m, version));
        return std::move(updated.v);
      });
}

Result<ModelVersion> SqliteRegistryStore::TransitionStage(std::string_view model, int64_t version,
                                                          Stage stage, bool archive_existing,
                                                          const Actor& actor) {
  return Write<ModelVersion>(
      [n = std::string(model), version, stage, archive_existing,
       actor](Connection& db) -> Result<ModelVersion> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, version));
        if (archive_existing && (stage == Stage::kStaging || stage == Stage::kProduction)) {
          BALLAST_ASSIGN_OR_RETURN(
              Statement st,
              db.Prepare("UPDATE model_versions SET stage = 'Archived', updated_at = ?, "
                         "generation = generation + 1 WHERE model_id = ? AND stage = ? AND "
                         "id != ? AND deleted_at IS NULL"));
          BALLAST_RETURN_IF_ERROR(st.BindAll(actor.at, m.id, StageName(stage), r.row_id));
          BALLAST_RETURN_IF_ERROR(st.Run());
        }
        BALLAST_ASSIGN_OR_RETURN(Statement st,
                                 db.Prepare("UPDATE model_versions SET stage = ?, updated_at = ?, "
                                            "generation = generation + 1 WHERE id = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(StageName(stage), actor.at, r.row_id));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_ASSIGN_OR_RETURN(VersionRow updated, LoadVersion(db, m, version));
        return std::move(updated.v);
      });
}

Result<std::vector<ModelVersion>> SqliteRegistryStore::LatestVersions(
    std::string_view model, const std::vector<Stage>& stages) {
  std::string n(model);
  std::vector<Stage> wanted = stages;
  if (wanted.empty())
    wanted = {Stage::kNone, Stage::kStaging, Stage::kProduction, Stage::kArchived};
  return ReadSnapshot<std::vector<ModelVersion>>(
      readers_, [&](Connection& db) -> Result<std::vector<ModelVersion>> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n, ModelDetail::kHead));
        std::vector<ModelVersion> out;
        std::set<Stage> done;
        for (Stage s : wanted) {
          if (!done.insert(s).second) continue;
          BALLAST_ASSIGN_OR_RETURN(Statement st,
                                   db.Prepare("SELECT MAX(version) FROM model_versions WHERE "
                                              "model_id = ? AND stage = ? AND deleted_at IS NULL"));
          BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, StageName(s)));
          BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row || st.ColumnIsNull(0)) continue;
          const int64_t number = st.ColumnInt(0);
          BALLAST_ASSIGN_OR_RETURN(VersionRow r, LoadVersion(db, m, number));
          out.push_back(std::move(r.v));
        }
        return out;
      });
}

// ---- aliases and refs ----

Result<AliasMove> SqliteRegistryStore::SetAlias(std::string_view model, std::string_view alias,
                                                int64_t version, std::string_view reason,
                                                const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateAliasName(alias));
  if (version < 1) return Status::InvalidArgument("version must be at least 1", "version");
  BALLAST_RETURN_IF_ERROR(CheckLength("reason", reason, 0, 4096));
  return Write<AliasMove>(
      [n = std::string(model), a = std::string(alias), version, why = std::string(reason),
       actor](Connection& db) -> Result<AliasMove> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_RETURN_IF_ERROR(LoadVersion(db, m, version).status());
        BALLAST_RETURN_IF_ERROR(RefuseProtected(m, a, actor));
        BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> current, AliasTarget(db, m.id, a));
        AliasMove move{m.name, a, current, version, actor.at, actor.by, why};
        if (current == version) return move;  // not a move: nothing recorded
        BALLAST_ASSIGN_OR_RETURN(
            Statement st, db.Prepare("INSERT OR REPLACE INTO model_aliases (model_id, alias, "
                                     "version) VALUES (?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, a, version));
        BALLAST_RETURN_IF_ERROR(st.Run());
        BALLAST_RETURN_IF_ERROR(RecordMove(db, m.id, move));
        return move;
      });
}

Result<AliasMove> SqliteRegistryStore::DeleteAlias(std::string_view model, std::string_view alias,
                                                   std::string_view reason, const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(ValidateAliasName(alias));
  BALLAST_RETURN_IF_ERROR(CheckLength("reason", reason, 0, 4096));
  return Write<AliasMove>(
      [n = std::string(model), a = std::string(alias), why = std::string(reason),
       actor](Connection& db) -> Result<AliasMove> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n));
        BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> current, AliasTarget(db, m.id, a));
        if (!current) {
          return Status::NotFound("registered model '" + n + "' has no alias '" + a + "'");
        }
        BALLAST_RETURN_IF_ERROR(RefuseProtected(m, a, actor));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st, db.Prepare("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, a));
        BALLAST_RETURN_IF_ERROR(st.Run());
        AliasMove move{m.name, a, current, std::nullopt, actor.at, actor.by, why};
        BALLAST_RETURN_IF_ERROR(RecordMove(db, m.id, move));
        return move;
      });
}

Result<std::vector<AliasMove>> SqliteRegistryStore::AliasHistory(std::string_view model,
                                                                 std::string_view alias) {
  BALLAST_RETURN_IF_ERROR(ValidateAliasName(alias));
  std::string n(model);
  std::string a(alias);
  return ReadSnapshot<std::vector<AliasMove>>(
      readers_, [&](Connection& db) -> Result<std::vector<AliasMove>> {
        BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, LoadModel(db, n, ModelDetail::kHead));
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("SELECT from_version, to_version, at, by, reason FROM model_alias_history "
                       "WHERE model_id = ? AND alias = ? ORDER BY id"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, a));
        std::vector<AliasMove> out;
        while (true) {
          BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
          if (!row) break;
          out.push_back({m.name, a, st.ColumnOptionalInt(0), st.ColumnOptionalInt(1),
                         st.ColumnInt(2), st.ColumnText(3), st.ColumnText(4)});
        }
        return out;
      });
}

Result<ModelVersion> SqliteRegistryStore::ResolveRef(std::string_view ref) {
  const size_t at = ref.find('@');
  if (at == std::string_view::npos) {
    return Status::InvalidArgument("model ref '" + std::string(ref) +
                                       "' has no '@'; expected name@version, name@alias or "
                                       "name@latest",
                                   "ref");
  }
  if (at == 0)
    return Status::InvalidArgument("model ref '" + std::string(ref) + "' has no name", "ref");
  if (at + 1 == ref.size()) {
    return Status::InvalidArgument("model ref '" + std::string(ref) + "' has nothing after '@'",
                                   "ref");
  }
  if (ref.find('@', at + 1) != std::string_view::npos) {
    return Status::InvalidArgument("model ref '" + std::string(ref) + "' has more than one '@'",
                                   "ref");
  }
  return GetVersionByRef(ref.substr(0, at), ref.substr(at + 1));
}

Result<std::vector<ModelVersion>> SqliteRegistryStore::Retiring(int64_t within_ms,
                                                                EpochMillis now) {
  if (within_ms < 0) return Status::InvalidArgument("window is negative", "within");
  const EpochMillis until = now > std::numeric_limits<int64_t>::max() - within_ms
                                ? std::numeric_limits<int64_t>::max()
                                : now + within_ms;
  static const std::string sql =
      std::string("SELECT ") + kVersionColumns +
      " FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
      "WHERE v.retires_at IS NOT NULL AND v.retires_at <= ? AND v.deleted_at IS NULL "
      "AND m.deleted_at IS NULL AND EXISTS (SELECT 1 FROM model_aliases a "
      "WHERE a.model_id = v.model_id AND a.version = v.version) "
      "ORDER BY v.retires_at, m.name, v.version";
  return ReadSnapshot<std::vector<ModelVersion>>(
      readers_, [&](Connection& db) -> Result<std::vector<ModelVersion>> {
        BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
        BALLAST_RETURN_IF_ERROR(st.BindAll(until));
        std::vector<VersionRow> rows;
        BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { rows.push_back(VersionFromRow(st)); }));
        std::vector<ModelVersion> out;
        for (VersionRow& r : rows) {
          BALLAST_RETURN_IF_ERROR(FillVersion(db, r));
          out.push_back(std::move(r.v));
        }
        return out;
      });
}

}  // namespace ballast::store

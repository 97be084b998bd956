#include "store/registry_rows.h"

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
#include "store/sqlite_registry_store.h"

namespace ballast::store {

// ---- names and validation (registry_store.h) ----

namespace {
constexpr std::array<std::string_view, 3> kStatusNames = {"PENDING_REGISTRATION", "READY",
                                                          "FAILED_REGISTRATION"};
constexpr std::array<std::string_view, 4> kStageNames = {"None", "Staging", "Production",
                                                         "Archived"};
constexpr std::array<std::string_view, 4> kLifecycleNames = {"active", "legacy", "deprecated",
                                                             "retired"};
constexpr size_t kMaxAliasLength = 128;
}  // namespace

std::string_view VersionStatusName(VersionStatus s) { return kStatusNames[static_cast<int>(s)]; }
std::string_view StageName(Stage s) { return kStageNames[static_cast<int>(s)]; }
std::string_view LifecycleName(Lifecycle l) { return kLifecycleNames[static_cast<int>(l)]; }

std::optional<VersionStatus> ParseVersionStatus(std::string_view s) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == s) return static_cast<VersionStatus>(i);
  }
  return std::nullopt;
}

std::optional<Stage> ParseStage(std::string_view s) {
  for (size_t i = 0; i < kStageNames.size(); ++i) {
    std::string_view n = kStageNames[i];
    if (n.size() == s.size() && std::equal(n.begin(), n.end(), s.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return static_cast<Stage>(i);
    }
  }
  return std::nullopt;
}

std::optional<Lifecycle> ParseLifecycle(std::string_view s) {
  for (size_t i = 0; i < kLifecycleNames.size(); ++i) {
    if (kLifecycleNames[i] == s) return static_cast<Lifecycle>(i);
  }
  return std::nullopt;
}

Status ValidateAliasName(std::string_view alias) {
  if (alias.empty()) return Status::InvalidArgument("alias is empty", "alias");
  if (alias.size() > kMaxAliasLength) {
    return Status::InvalidArgument("alias is longer than 128 characters", "alias");
  }
  bool all_digits = true;
  for (size_t i = 0; i < alias.size(); ++i) {
    char c = alias[i];
    bool digit = c >= '0' && c <= '9';
    all_digits &= digit;
    if (!(digit || (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument("alias '" + std::string(alias) + "' has character '" +
                                         std::string(1, c) + "' at position " + std::to_string(i) +
                                         "; allowed are a-z, 0-9, '_', '-' and '.'",
                                     "alias");
    }
  }
  if (all_digits) {
    return Status::InvalidArgument(
        "alias '" + std::string(alias) + "' is all digits, which would read as a version number",
        "alias");
  }
  if (alias == "latest") {
    return Status::InvalidArgument("alias 'latest' is reserved for the highest live version",
                                   "alias");
  }
  return Status::Ok();
}

Status ValidateModelName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("model name is empty", "name");
  if (name.size() > 256) {
    return Status::InvalidArgument("model name is longer than 256 characters", "name");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '@' || c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(
          "model name has a forbidden character ('@' or a control "
          "character) at position " +
              std::to_string(i),
          "name");
    }
  }
  return Status::Ok();
}

namespace registry_rows {

// ---- input checks ----

Status CheckLength(std::string_view field, std::string_view value, size_t min, size_t max) {
  if (value.size() < min)
    return Status::InvalidArgument(std::string(field) + " is empty", std::string(field));
  if (value.size() > max) {
    return Status::InvalidArgument(
        std::string(field) + " is longer than " + std::to_string(max) + " characters",
        std::string(field));
  }
  return Status::Ok();
}

// MLflow's limits: keys up to 250 characters, values up to 5000.
Status CheckTag(std::string_view key, std::string_view value) {
  BALLAST_RETURN_IF_ERROR(CheckLength("tags.key", key, 1, 250));
  return CheckLength("tags." + std::string(key), value, 0, 5000);
}

Status CheckModelFields(const RegisteredModel& m) {
  BALLAST_RETURN_IF_ERROR(CheckLength("description", m.description, 0, 65536));
  BALLAST_RETURN_IF_ERROR(CheckLength("owner", m.owner, 0, 256));
  BALLAST_RETURN_IF_ERROR(CheckLength("provider", m.provider, 0, 256));
  for (const auto& [k, v] : m.tags) BALLAST_RETURN_IF_ERROR(CheckTag(k, v));
  for (const std::string& a : m.protected_aliases) {
    Status st = ValidateAliasName(a);
    if (!st.ok()) return Status::InvalidArgument(st.message(), "protected_aliases");
  }
  return Status::Ok();
}

Status CheckVersionFields(const ModelVersion& v) {
  BALLAST_RETURN_IF_ERROR(CheckLength("description", v.description, 0, 65536));
  if (v.run_id) BALLAST_RETURN_IF_ERROR(CheckLength("run_id", *v.run_id, 0, 256));
  BALLAST_RETURN_IF_ERROR(CheckLength("replacement", v.replacement, 0, 512));
  for (const auto& [k, val] : v.tags) BALLAST_RETURN_IF_ERROR(CheckTag(k, val));
  if (v.deprecated_at && v.retires_at && *v.retires_at < *v.deprecated_at) {
    return Status::InvalidArgument("retires_at is before deprecated_at", "retires_at");
  }
  return Status::Ok();
}

// ---- rows ----

// Steps `st` to its end, calling `row` while it is positioned on each row.
Status EachRow(Statement& st, const std::function<void()>& row) {
  while (true) {
    BALLAST_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) return Status::Ok();
    row();
  }
}

std::string MakeEtag(std::string_view kind, int64_t id, int64_t generation) {
  return Sha256Hex(std::string(kind) + ":" + std::to_string(id) + ":" + std::to_string(generation))
      .substr(0, 16);
}

std::string NotFoundModel(std::string_view name) {
  return "registered model '" + std::string(name) + "' does not exist";
}

RegisteredModel ModelFromRow(const Statement& st) {
  RegisteredModel m;
  m.id = st.ColumnInt(0);
  m.name = st.ColumnText(1);
  m.description = st.ColumnText(2);
  m.owner = st.ColumnText(3);
  m.provider = st.ColumnText(4);
  m.created_at = st.ColumnInt(5);
  m.created_by = st.ColumnText(6);
  m.updated_at = st.ColumnInt(7);
  m.etag = MakeEtag("model", m.id, st.ColumnInt(8));
  m.last_version = st.ColumnInt(9);
  m.deleted_at = st.ColumnOptionalInt(10);
  return m;
}

// Reads tags, protected aliases and current aliases of `m`.
Status FillModel(Connection& db, RegisteredModel& m) {
  BALLAST_ASSIGN_OR_RETURN(Statement tags,
                           db.Prepare("SELECT key, value FROM model_tags WHERE model_id = ?"));
  BALLAST_RETURN_IF_ERROR(tags.BindAll(m.id));
  BALLAST_RETURN_IF_ERROR(EachRow(tags, [&] { m.tags[tags.ColumnText(0)] = tags.ColumnText(1); }));
  BALLAST_ASSIGN_OR_RETURN(
      Statement prot, db.Prepare("SELECT alias FROM model_protected_aliases WHERE model_id = ?"));
  BALLAST_RETURN_IF_ERROR(prot.BindAll(m.id));
  BALLAST_RETURN_IF_ERROR(EachRow(prot, [&] { m.protected_aliases.insert(prot.ColumnText(0)); }));
  BALLAST_ASSIGN_OR_RETURN(
      Statement aliases, db.Prepare("SELECT alias, version FROM model_aliases WHERE model_id = ?"));
  BALLAST_RETURN_IF_ERROR(aliases.BindAll(m.id));
  BALLAST_RETURN_IF_ERROR(
      EachRow(aliases, [&] { m.aliases[aliases.ColumnText(0)] = aliases.ColumnInt(1); }));
  return Status::Ok();
}

// The live model named `name`; NOT_FOUND if none.
Result<RegisteredModel> LoadModel(Connection& db, std::string_view name, ModelDetail detail) {
  static const std::string sql = std::string("SELECT ") + kModelColumns +
                                 " FROM registered_models m WHERE m.name = ? AND "
                                 "m.deleted_at IS NULL";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(name));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return Status::NotFound(NotFoundModel(name));
  RegisteredModel m = ModelFromRow(st);
  if (detail == ModelDetail::kFull) BALLAST_RETURN_IF_ERROR(FillModel(db, m));
  return m;
}

// Whether a live model is named `name`; errors other than NOT_FOUND propagate.
Result<bool> LiveModelExists(Connection& db, std::string_view name) {
  Result<RegisteredModel> m = LoadModel(db, name, ModelDetail::kHead);
  if (m) return true;
  if (m.error().IsNotFound()) return false;
  return m.error();
}

VersionRow VersionFromRow(const Statement& st) {
  VersionRow r;
  ModelVersion& v = r.v;
  r.row_id = st.ColumnInt(0);
  v.model_id = st.ColumnInt(1);
  v.model = st.ColumnText(2);
  v.version = st.ColumnInt(3);
  v.source = st.ColumnText(4);
  if (!st.ColumnIsNull(5)) v.run_id = st.ColumnText(5);
  // The CHECK constraints of migration 4 guarantee known names.
  v.status = ParseVersionStatus(st.ColumnText(6)).value_or(VersionStatus::kReady);
  v.stage = ParseStage(st.ColumnText(7)).value_or(Stage::kNone);
  v.description = st.ColumnText(8);
  v.created_at = st.ColumnInt(9);
  v.created_by = st.ColumnText(10);
  v.updated_at = st.ColumnInt(11);
  v.etag = MakeEtag("version", r.row_id, st.ColumnInt(12));
  v.lifecycle = ParseLifecycle(st.ColumnText(13)).value_or(Lifecycle::kActive);
  v.deprecated_at = st.ColumnOptionalInt(14);
  v.retires_at = st.ColumnOptionalInt(15);
  v.replacement = st.ColumnText(16);
  v.lineage.base_model = st.ColumnText(17);
  v.lineage.code_commit = st.ColumnText(18);
  v.lineage.hyperparameters_json = st.ColumnText(19);
  v.deleted_at = st.ColumnOptionalInt(20);
  return r;
}

Status FillVersion(Connection& db, VersionRow& r) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement tags, db.Prepare("SELECT key, value FROM model_version_tags WHERE version_id = ?"));
  BALLAST_RETURN_IF_ERROR(tags.BindAll(r.row_id));
  BALLAST_RETURN_IF_ERROR(
      EachRow(tags, [&] { r.v.tags[tags.ColumnText(0)] = tags.ColumnText(1); }));
  BALLAST_ASSIGN_OR_RETURN(Statement ds,
                           db.Prepare("SELECT ref FROM model_version_datasets WHERE version_id = ? "
                                      "ORDER BY position"));
  BALLAST_RETURN_IF_ERROR(ds.BindAll(r.row_id));
  BALLAST_RETURN_IF_ERROR(
      EachRow(ds, [&] { r.v.lineage.dataset_refs.push_back(ds.ColumnText(0)); }));
  if (r.v.deleted_at) return Status::Ok();  // a deleted version has no aliases
  BALLAST_ASSIGN_OR_RETURN(
      Statement al, db.Prepare("SELECT alias FROM model_aliases WHERE model_id = ? AND version = ? "
                               "ORDER BY alias"));
  BALLAST_RETURN_IF_ERROR(al.BindAll(r.v.model_id, r.v.version));
  BALLAST_RETURN_IF_ERROR(EachRow(al, [&] { r.v.aliases.push_back(al.ColumnText(0)); }));
  return Status::Ok();
}

// The live version `number` of the live model `m`.
Result<VersionRow> LoadVersion(Connection& db, const RegisteredModel& m, int64_t number) {
  static const std::string sql =
      std::string("SELECT ") + kVersionColumns +
      " FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
      "WHERE v.model_id = ? AND v.version = ? AND v.deleted_at IS NULL";
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  BALLAST_RETURN_IF_ERROR(st.BindAll(m.id, number));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) {
    return Status::NotFound("registered model '" + m.name + "' has no version " +
                            std::to_string(number));
  }
  VersionRow r = VersionFromRow(st);
  BALLAST_RETURN_IF_ERROR(FillVersion(db, r));
  return r;
}

Result<std::optional<int64_t>> AliasTarget(Connection& db, int64_t model_id,
                                           std::string_view alias) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(model_id, alias));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<int64_t>();
  return std::optional<int64_t>(st.ColumnInt(0));
}

// A positive decimal version number, or nullopt when `s` is not all digits.
Result<std::optional<int64_t>> ParseVersionNumber(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::optional<int64_t>();
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < 1) {
    return Status::InvalidArgument("version '" + std::string(s) + "' is not a number from 1 to " +
                                       std::to_string(std::numeric_limits<int64_t>::max()),
                                   "version");
  }
  return std::optional<int64_t>(n);
}

// `ref` of live model `m`: a number, "latest" or an alias.
Result<VersionRow> LoadVersionByRef(Connection& db, const RegisteredModel& m,
                                    std::string_view ref) {
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> number, ParseVersionNumber(ref));
  if (number) return LoadVersion(db, m, *number);
  if (ref == "latest") {
    BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT MAX(version) FROM model_versions "
                                                      "WHERE model_id = ? AND deleted_at IS NULL"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(m.id));
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnIsNull(0)) {
      return Status::NotFound("registered model '" + m.name + "' has no versions");
    }
    int64_t latest = st.ColumnInt(0);
    return LoadVersion(db, m, latest);
  }
  BALLAST_RETURN_IF_ERROR(ValidateAliasName(ref));
  BALLAST_ASSIGN_OR_RETURN(std::optional<int64_t> target, AliasTarget(db, m.id, ref));
  if (!target) {
    return Status::NotFound("registered model '" + m.name + "' has no alias '" + std::string(ref) +
                            "'");
  }
  return LoadVersion(db, m, *target);
}

// ---- writes (writer thread) ----

Status BumpModel(Connection& db, int64_t model_id, EpochMillis at) {
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("UPDATE registered_models SET generation = generation + 1, "
                                      "updated_at = ? WHERE id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(at, model_id));
  return st.Run();
}

Status BumpVersion(Connection& db, int64_t row_id, EpochMillis at) {
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("UPDATE model_versions SET generation = generation + 1, "
                                      "updated_at = ? WHERE id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(at, row_id));
  return st.Run();
}

Status ReplaceModelTags(Connection& db, int64_t model_id,
                        const std::map<std::string, std::string>& tags) {
  BALLAST_ASSIGN_OR_RETURN(Statement del, db.Prepare("DELETE FROM model_tags WHERE model_id = ?"));
  BALLAST_RETURN_IF_ERROR(del.BindAll(model_id));
  BALLAST_RETURN_IF_ERROR(del.Run());
  for (const auto& [k, v] : tags) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO model_tags (model_id, key, value) VALUES (?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(ins.BindAll(model_id, k, v));
    BALLAST_RETURN_IF_ERROR(ins.Run());
  }
  return Status::Ok();
}

Status ReplaceProtectedAliases(Connection& db, int64_t model_id,
                               const std::set<std::string>& aliases) {
  BALLAST_ASSIGN_OR_RETURN(Statement del,
                           db.Prepare("DELETE FROM model_protected_aliases WHERE model_id = ?"));
  BALLAST_RETURN_IF_ERROR(del.BindAll(model_id));
  BALLAST_RETURN_IF_ERROR(del.Run());
  for (const std::string& a : aliases) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO model_protected_aliases (model_id, alias) VALUES (?, ?)"));
    BALLAST_RETURN_IF_ERROR(ins.BindAll(model_id, a));
    BALLAST_RETURN_IF_ERROR(ins.Run());
  }
  return Status::Ok();
}

Status ReplaceVersionTags(Connection& db, int64_t row_id,
                          const std::map<std::string, std::string>& tags) {
  BALLAST_ASSIGN_OR_RETURN(Statement del,
                           db.Prepare("DELETE FROM model_version_tags WHERE version_id = ?"));
  BALLAST_RETURN_IF_ERROR(del.BindAll(row_id));
  BALLAST_RETURN_IF_ERROR(del.Run());
  for (const auto& [k, v] : tags) {
    BALLAST_ASSIGN_OR_RETURN(
        Statement ins,
        db.Prepare("INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(ins.BindAll(row_id, k, v));
    BALLAST_RETURN_IF_ERROR(ins.Run());
  }
  return Status::Ok();
}

Status RecordMove(Connection& db, int64_t model_id, const AliasMove& move) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("INSERT INTO model_alias_history (model_id, alias, from_version, "
                               "to_version, at, by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(model_id, move.alias, move.from_version, move.to_version,
                                     move.at, move.by, move.reason));
  return st.Run();
}

Status RefuseProtected(const RegisteredModel& m, std::string_view alias, const Actor& actor) {
  if (actor.is_admin || !m.protected_aliases.contains(std::string(alias))) return Status::Ok();
  return Status::PermissionDenied("alias '" + std::string(alias) + "' of registered model '" +
                                  m.name + "' is protected; only an admin may move it");
}

// Removes every alias of `m` pointing at `version` (every alias when nullopt), recording each.
Status RemoveAliases(Connection& db, const RegisteredModel& m, std::optional<int64_t> version,
                     const std::string& reason, const Actor& actor) {
  for (const auto& [alias, target] : m.aliases) {
    if (version && target != *version) continue;
    BALLAST_RETURN_IF_ERROR(RefuseProtected(m, alias, actor));
    AliasMove move{m.name, alias, target, std::nullopt, actor.at, actor.by, reason};
    BALLAST_RETURN_IF_ERROR(RecordMove(db, m.id, move));
    BALLAST_ASSIGN_OR_RETURN(
        Statement del, db.Prepare("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?"));
    BALLAST_RETURN_IF_ERROR(del.BindAll(m.id, alias));
    BALLAST_RETURN_IF_ERROR(del.Run());
  }
  return Status::Ok();
}

Status CheckEtag(std::string_view what, const std::string& current, std::string_view expected) {
  if (current == expected) return Status::Ok();
  return Status::FailedPrecondition(std::string(what) + " has etag " + current + ", not " +
                                    std::string(expected) + "; read it again and retry");
}

}  // namespace registry_rows
}  // namespace ballast::store

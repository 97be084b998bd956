// RegistryStore: the storage interface of the model registry (issue 4, "Models"): registered
// models, their numbered versions, movable aliases with an audit history, MLflow stages and the
// provider lifecycle of each version. The native API and the MLflow-compatible API are two views
// of this one store.
//
//   Actor alice{.by = "tok_alice", .at = clock.NowMillis()};
//   BALLAST_ASSIGN_OR_RETURN(RegisteredModel m, registry.CreateModel(model, alice));
//   BALLAST_ASSIGN_OR_RETURN(ModelVersion v, registry.CreateVersion(version, alice));
//   BALLAST_RETURN_IF_ERROR(registry.SetAlias("support-bot", "champion", v.version, "eval ok",
//                                             alice).status());
//   BALLAST_ASSIGN_OR_RETURN(ModelVersion live, registry.ResolveRef("support-bot@champion"));
//
// Rules the store enforces (so no caller can get them wrong):
//   - Version numbers are per model, start at 1, only go up and are never reused: a per-model
//     counter survives version deletion. Deleting a model is soft (deleted_at) and frees its name;
//     a model created later under that name is a NEW model (new id) whose numbering restarts at 1,
//     as in MLflow, where a deleted model is gone and a re-created one starts over.
//   - Updates carry the etag the caller read; a stale etag is FAILED_PRECONDITION and changes
//     nothing (no lost update). Etags cover the object's own fields and tags; aliases, versions
//     and stages have their own single-step operations and do not change the model's etag.
//   - Aliases match ^[a-z0-9_\-.]+$, are not all digits (that would shadow `name@3`) and not
//     `latest` (reserved for the highest live version). A model's protected aliases can only be
//     moved, deleted, or have their version deleted by an admin actor (PERMISSION_DENIED
//     otherwise); only an admin may change the set of protected aliases. Every alias move is
//     recorded: set, moved, removed, and removals caused by deleting a version or the model.
//   - Model names are 1..256 characters without '@' (the ref separator) or control characters.
//
// Error codes: INVALID_ARGUMENT (field named), NOT_FOUND, ALREADY_EXISTS (a live model with that
// name), FAILED_PRECONDITION (stale etag), PERMISSION_DENIED (protected alias, non-admin).
//
// Thread safety: every method from any thread except the writer thread. Writes are durable when
// they return.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace ballast::store {

// MLflow's ModelVersionStatus; stored and shown as the MLflow names.
enum class VersionStatus { kPendingRegistration, kReady, kFailedRegistration };
// MLflow's stage; stored as "None", "Staging", "Production", "Archived".
enum class Stage { kNone, kStaging, kProduction, kArchived };
// Provider lifecycle (independent of the MLflow stage): "active", "legacy", "deprecated",
// "retired".
enum class Lifecycle { kActive, kLegacy, kDeprecated, kRetired };

std::string_view VersionStatusName(VersionStatus s);
std::string_view StageName(Stage s);
std::string_view LifecycleName(Lifecycle l);
// Exact names; nullopt for anything else.
std::optional<VersionStatus> ParseVersionStatus(std::string_view s);
// Case-insensitive, as MLflow accepts "production" for "Production".
std::optional<Stage> ParseStage(std::string_view s);
std::optional<Lifecycle> ParseLifecycle(std::string_view s);

// OK, or INVALID_ARGUMENT (field "alias") saying which rule `alias` breaks.
Status ValidateAliasName(std::string_view alias);
// OK, or INVALID_ARGUMENT (field "name").
Status ValidateModelName(std::string_view name);

// Who makes a change and when. `at` is epoch milliseconds; the store records it as given.
struct Actor {
  std::string by;  // token id, "bootstrap", "rollout-controller", ...
  EpochMillis at = 0;
  bool is_admin = false;  // may move protected aliases and change which aliases are protected
};

struct RegisteredModel {
  int64_t id = 0;  // assigned by the store; a re-created name gets a new id
  std::string name;
  std::string description;
  std::string owner;
  std::string provider;  // "openai", "anthropic", "self-hosted", ...
  std::map<std::string, std::string> tags;
  std::set<std::string> protected_aliases;  // aliases only an admin may move
  std::map<std::string, int64_t> aliases;   // read-only here: alias -> version
  EpochMillis created_at = 0;
  std::string created_by;
  EpochMillis updated_at = 0;
  std::string etag;
  int64_t last_version = 0;  // highest number ever assigned (including deleted versions)
  std::optional<EpochMillis> deleted_at;
};

// What a version was made from, given at creation and immutable afterwards.
struct VersionLineage {
  std::string base_model;                 // a ref ("base@3") or provider model id; "" = none
  std::vector<std::string> dataset_refs;  // "dataset@version"
  std::string code_commit;
  std::string hyperparameters_json;  // a JSON document; "" = none
};

struct ModelVersion {
  int64_t model_id = 0;
  std::string model;    // model name
  int64_t version = 0;  // assigned by the store
  std::string source;   // provider model id ("gpt-4o-2024-08-06") or artifact URI
  std::optional<std::string> run_id;
  VersionStatus status = VersionStatus::kReady;
  Stage stage = Stage::kNone;
  std::string description;
  std::map<std::string, std::string> tags;
  std::vector<std::string> aliases;  // read-only here: aliases pointing at this version, sorted
  EpochMillis created_at = 0;
  std::string created_by;
  EpochMillis updated_at = 0;
  std::string etag;
  Lifecycle lifecycle = Lifecycle::kActive;
  std::optional<EpochMillis> deprecated_at;
  std::optional<EpochMillis> retires_at;
  std::string replacement;  // ref or provider model id to move to; "" = none
  VersionLineage lineage;
  std::optional<EpochMillis> deleted_at;
};

struct AliasMove {
  std::string model;
  std::string alias;
  std::optional<int64_t> from_version;  // nullopt: the alias was created
  std::optional<int64_t> to_version;    // nullopt: the alias was removed
  EpochMillis at = 0;
  std::string by;
  std::string reason;
};

// A value bound to a `?` of a SqlFilter: the same type as store/expr_sql.h's SqlValue (declared
// again here, identically, so this interface does not pull in SQLite; a divergence fails to
// compile in sqlite_registry_store.cc, which includes both).
using SqlValue = std::variant<int64_t, double, std::string>;

// A WHERE fragment with `?` placeholders and their values, as produced by the expression
// compiler (store/expr_sql.h: `SqlFilter{std::move(where.sql), std::move(where.params)}`). Never
// build one from user text by hand. The store ANDs it with its own conditions in parentheses,
// refuses fragments holding ';' or an unterminated quote, and checks that the number of `?`
// outside quoted literals equals params.size().
//
// Columns a model filter may reference (declare them in the SearchFields): m.id, m.name,
// m.description, m.owner, m.provider, m.created_at, m.created_by, m.updated_at; tags through the
// side table model_tags(model_id, key, value) owned by m.id.
// A version filter may reference the m.* columns above plus v.id, v.version, v.source, v.run_id,
// v.status, v.stage, v.description, v.lifecycle, v.created_at, v.created_by, v.updated_at,
// v.deprecated_at, v.retires_at, v.replacement, v.base_model, v.code_commit; tags through
// model_version_tags(version_id, key, value) owned by v.id; dataset refs as a list through
// model_version_datasets(version_id, ref) owned by v.id. v.status, v.stage and v.lifecycle hold
// the names of the enums above ("READY", "Production", "deprecated").
struct SqlFilter {
  std::string sql;  // "" = no filter
  std::vector<SqlValue> params;
};

struct OrderBy {
  // Models: name, owner, provider, created_at, updated_at.
  // Versions: name (model), version, created_at, updated_at, retires_at.
  std::string column;
  bool descending = false;
};

struct ListQuery {
  SqlFilter filter;
  // Applied in order; remaining ties are broken by creation order (row id), so pages are
  // stable. Empty: by name (models), or by model name then version descending (versions).
  std::vector<OrderBy> order_by;
  int64_t offset = 0;
  int64_t limit = 100;  // 1..1000
  bool include_deleted = false;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<int64_t> next_offset;  // nullopt: this is the last page
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Models. CreateModel takes name, description, owner, provider, tags and protected_aliases
  // (an admin is not needed to create a model with protected aliases); ALREADY_EXISTS when a
  // live model has the name.
  virtual Result<RegisteredModel> CreateModel(const RegisteredModel& model, const Actor& actor) = 0;
  // NOT_FOUND for a missing or deleted model.
  virtual Result<RegisteredModel> GetModel(std::string_view name) = 0;
  // Replaces description, owner, provider, tags and protected_aliases with those of `desired`
  // when the model's etag still equals `expected_etag` (read-modify-write). FAILED_PRECONDITION
  // when stale; PERMISSION_DENIED when protected_aliases change and the actor is not admin.
  virtual Result<RegisteredModel> UpdateModel(std::string_view name, const RegisteredModel& desired,
                                              std::string_view expected_etag,
                                              const Actor& actor) = 0;
  // ALREADY_EXISTS when `new_name` is taken by a live model. Versions and aliases follow.
  virtual Result<RegisteredModel> RenameModel(std::string_view name, std::string_view new_name,
                                              const Actor& actor) = 0;
  // Soft-deletes the model and its live versions, removes its aliases (each recorded as a move).
  // `expected_etag` "" skips the check. PERMISSION_DENIED for a non-admin while one of the
  // model's protected aliases points at a version (nothing is deleted then).
  virtual Status DeleteModel(std::string_view name, std::string_view expected_etag,
                             const Actor& actor) = 0;
  virtual Result<Page<RegisteredModel>> ListModels(const ListQuery& query) = 0;
  virtual Result<RegisteredModel> SetModelTag(std::string_view name, std::string_view key,
                                              std::string_view value, const Actor& actor) = 0;
  // NOT_FOUND when the tag is absent.
  virtual Result<RegisteredModel> DeleteModelTag(std::string_view name, std::string_view key,
                                                 const Actor& actor) = 0;

  // Versions. CreateVersion takes `model` (name), source, run_id, status, description, tags,
  // lifecycle fields and lineage; assigns the next number atomically, stage None.
  virtual Result<ModelVersion> CreateVersion(const ModelVersion& version, const Actor& actor) = 0;
  virtual Result<ModelVersion> GetVersion(std::string_view model, int64_t version) = 0;
  // `ref`: a number ("3"), an alias, or "latest" (highest live version).
  virtual Result<ModelVersion> GetVersionByRef(std::string_view model, std::string_view ref) = 0;
  // Replaces description, status, run_id, tags and the lifecycle fields (lifecycle,
  // deprecated_at, retires_at, replacement) with those of `desired` when the etag still holds.
  // Source, lineage and stage do not change here.
  virtual Result<ModelVersion> UpdateVersion(std::string_view model, int64_t version,
                                             const ModelVersion& desired,
                                             std::string_view expected_etag,
                                             const Actor& actor) = 0;
  // Soft delete; aliases pointing at it are removed and recorded as moves. PERMISSION_DENIED for
  // a non-admin when a protected alias points at it. `expected_etag` "" skips the check;
  // otherwise a stale one is FAILED_PRECONDITION and deletes nothing (checked in the same
  // write as the delete).
  virtual Status DeleteVersion(std::string_view model, int64_t version,
                               std::string_view expected_etag, const Actor& actor) = 0;
  // Versions of `model`, or of every model when `model` is empty.
  virtual Result<Page<ModelVersion>> ListVersions(std::string_view model,
                                                  const ListQuery& query) = 0;
  virtual Result<ModelVersion> SetVersionTag(std::string_view model, int64_t version,
                                             std::string_view key, std::string_view value,
                                             const Actor& actor) = 0;
  virtual Result<ModelVersion> DeleteVersionTag(std::string_view model, int64_t version,
                                                std::string_view key, const Actor& actor) = 0;
  // MLflow transition-stage: with `archive_existing`, other live versions in the target stage
  // (Staging or Production only) move to Archived. Returns the transitioned version.
  virtual Result<ModelVersion> TransitionStage(std::string_view model, int64_t version, Stage stage,
                                               bool archive_existing, const Actor& actor) = 0;
  // MLflow get-latest-versions: the highest live version in each of `stages` that has one
  // (every stage when empty), in the order of `stages` (None, Staging, Production, Archived).
  virtual Result<std::vector<ModelVersion>> LatestVersions(std::string_view model,
                                                           const std::vector<Stage>& stages) = 0;

  // Aliases. Points `alias` at live `version`, returning the recorded move (a no-op returns the
  // current state with from == to and records nothing).
  virtual Result<AliasMove> SetAlias(std::string_view model, std::string_view alias,
                                     int64_t version, std::string_view reason,
                                     const Actor& actor) = 0;
  // NOT_FOUND when the alias does not exist.
  virtual Result<AliasMove> DeleteAlias(std::string_view model, std::string_view alias,
                                        std::string_view reason, const Actor& actor) = 0;
  // Moves of `alias` on the live model `model`, oldest first.
  virtual Result<std::vector<AliasMove>> AliasHistory(std::string_view model,
                                                      std::string_view alias) = 0;
  // "name@alias", "name@3" or "name@latest" -> the live version.
  virtual Result<ModelVersion> ResolveRef(std::string_view ref) = 0;
  // Live versions that at least one alias points to and whose retires_at <= now + within_ms
  // (already retired ones included: they are the most exposed), soonest first; each version's
  // `aliases` lists the aliases exposing it. INVALID_ARGUMENT for a negative window.
  virtual Result<std::vector<ModelVersion>> Retiring(int64_t within_ms, EpochMillis now) = 0;
};

}  // namespace ballast::store

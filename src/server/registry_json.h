// The JSON shapes of the native model registry API (API.md "Registry", docs/registry.md):
// registered models, model versions and alias moves out, and the create/patch/alias bodies in.
// snake_case fields, RFC 3339 UTC times, version numbers as JSON integers.
//
//   BALLAST_ASSIGN_OR_RETURN(store::RegisteredModel m, ModelFromCreateJson(body));
//   json out = ModelToJson(created);
//   BALLAST_RETURN_IF_ERROR(ApplyModelPatch(patch, current));  // merge into what was read
//
// Decoding is strict so that a typo never silently does nothing: an unknown field, a field of
// the wrong type or a read-only field is INVALID_ARGUMENT whose `field` names it ("tags.team",
// "lineage.datasets[1]"). PATCH bodies are JSON merge patches (RFC 7396): a field present
// replaces the value, `null` clears an optional one, and inside `tags` a key set to `null` is
// removed while other keys are set, keys not mentioned are kept. `protected_aliases` is replaced
// as a whole. Rules that need the stored state (alias syntax, names, who may change protected
// aliases) are the store's; these functions only check shapes.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "store/registry_store.h"

namespace ballast::server {

nlohmann::json ModelToJson(const store::RegisteredModel& model);
nlohmann::json VersionToJson(const store::ModelVersion& version);
nlohmann::json AliasMoveToJson(const store::AliasMove& move);

// POST /v1/models: name (required), description, owner, provider, tags, protected_aliases.
Result<store::RegisteredModel> ModelFromCreateJson(const nlohmann::json& body);
// PATCH /v1/models/{name}: description, owner, provider, tags, protected_aliases merged into
// `model` (the state read from the store). `model` is unspecified after an error.
Status ApplyModelPatch(const nlohmann::json& patch, store::RegisteredModel& model);

// POST /v1/models/{name}/versions: source (required), run_id, status, description, tags,
// lifecycle, deprecated_at, retires_at, replacement and lineage {base_model, datasets,
// code_commit, hyperparameters}. `model` is the name from the path.
Result<store::ModelVersion> VersionFromCreateJson(const nlohmann::json& body,
                                                  const std::string& model);
// PATCH …/versions/{version}: description, run_id, status, tags, lifecycle, deprecated_at,
// retires_at, replacement. Source, lineage and stage are immutable here and named as such.
Status ApplyVersionPatch(const nlohmann::json& patch, store::ModelVersion& version);

// PUT /v1/models/{name}/aliases/{alias}: {"version": N (required), "reason": "..."}.
struct AliasAssignment {
  int64_t version = 0;
  std::string reason;
};
Result<AliasAssignment> AliasAssignmentFromJson(const nlohmann::json& body);
// DELETE …/aliases/{alias} may carry {"reason": "..."}; an empty body is no reason.
Result<std::string> AliasRemovalReasonFromJson(const nlohmann::json& body);

}  // namespace ballast::server

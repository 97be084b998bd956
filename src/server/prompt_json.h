// The prompt registry's JSON (API.md "Registry", docs/prompts.md "HTTP API"): stored prompts,
// versions and label moves as the API answers them, and the request bodies that carry prompts
// (decoded with the registry's strict decoder, so the server accepts exactly what
// `ballast prompt push` validates offline).
//
//   BALLAST_ASSIGN_OR_RETURN(store::PromptPush push, PushFromJson(body, "support-reply", ""));
//   BALLAST_ASSIGN_OR_RETURN(store::PushResult r, store.Prompts().Push(push, actor));
//   json answer = PromptVersionJson(r.version);
//
//   // Anyone holding a stored version (eval runs, render) gets the typed spec back:
//   BALLAST_ASSIGN_OR_RETURN(registry::PromptSpec spec, SpecFromStored(version));
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/diagnostics.h"
#include "common/status.h"
#include "registry/prompt.h"
#include "store/prompt_store.h"

namespace ballast::server {

// {"name", "description", "latest_version", "last_version", "labels": {label: N}, "created_at",
// "created_by", "updated_at", "etag"}; times RFC 3339.
nlohmann::json PromptJson(const store::RegisteredPrompt& prompt);
// {"name", "version", "content_hash", "template_kind", "variables", "model", "message",
// "labels", "created_at", "created_by", "etag", "spec": {...}}.
nlohmann::json PromptVersionJson(const store::PromptVersion& version);
// {"prompt", "label", "from_version", "to_version" (null when created/removed), "at", "by",
// "reason"}.
nlohmann::json LabelMoveJson(const store::LabelMove& move);

// The typed spec of a stored version, through the same decoder as prompt files. INTERNAL when
// the stored JSON no longer decodes (it was validated on the way in).
Result<registry::PromptSpec> SpecFromStored(const store::PromptVersion& version);

// A push from a request body of either shape:
//   - a Prompt object {"apiVersion", "kind", "metadata", "spec"} plus an optional "message";
//   - {"spec": {...}, "message": "..."} for the prompt `url_name`.
// `url_name` (may be "" for bodies that carry their own name) must match metadata.name when
// both are given. Errors are INVALID_ARGUMENT listing every decoder error as "path: message";
// the field is `field_prefix` + the first error's path ("spec.messages[0].role").
Result<store::PromptPush> PushFromJson(const nlohmann::json& body, std::string_view url_name,
                                       const std::string& field_prefix);

// INVALID_ARGUMENT listing every error of `diagnostics` without positions (the positions of a
// re-serialized request body would mean nothing to the caller); OK without errors.
Status DiagnosticsStatus(const Diagnostics& diagnostics, const std::string& field_prefix);

}  // namespace ballast::server

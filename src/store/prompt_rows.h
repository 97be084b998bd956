// Internal to the SQLite prompt store: row mapping, spec checks, loaders and the write steps
// that sqlite_prompt_store.cc's operations are made of. Not part of the store's interface
// (prompt_store.h); only the prompt store's own files include it. Tables are those of the
// "prompt registry" migration (migrations.cc).
//
// Thread safety: functions of their arguments and the connection they are given; the write
// steps run on the writer thread inside its transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/prompt_store.h"
#include "store/sqlite.h"

namespace ballast::store::prompt_rows {

inline constexpr const char* kPromptColumns =
    "p.id, p.name, p.description, p.created_at, p.created_by, p.updated_at, p.generation, "
    "p.last_version, p.deleted_at";

inline constexpr const char* kVersionColumns =
    "v.id, p.id, p.name, v.version, v.spec_json, v.template_kind, v.model, "
    "v.model_parameters_json, v.message, v.content_hash, v.created_at, v.created_by, "
    "v.deleted_at";

inline constexpr size_t kMaxSpecBytes = 4 << 20;
inline constexpr size_t kMaxMessageBytes = 4096;

// What the store reads out of a spec to index it.
struct SpecFacts {
  TemplateKind kind = TemplateKind::kText;
  std::vector<std::string> variables;  // sorted
  std::string description;
  std::string model;
  std::string model_parameters_json;  // "{}" when the spec has no model section
  std::string content_hash;
};

// INVALID_ARGUMENT (field "spec") unless `spec_json` is a canonical JSON object with exactly one
// of "template" (a string) or "messages" (an array).
Result<SpecFacts> ReadSpec(std::string_view spec_json);

// The store's etag for a row: 16 hex digits of SHA-256 over kind, row id and generation.
std::string RowEtag(std::string_view kind, int64_t id, int64_t generation);

std::string NotFoundPrompt(std::string_view name);

// A version with its row id (the key of its variables).
struct VersionRow {
  int64_t row_id = 0;
  PromptVersion v;
};

RegisteredPrompt PromptFromRow(const Statement& st);
VersionRow VersionFromRow(const Statement& st);
// Reads the labels of `p` (and its latest version from them).
Status FillPrompt(Connection& db, RegisteredPrompt& p);
// Reads the variables and labels of a version.
Status FillVersion(Connection& db, VersionRow& r);

// The prompt row named `name`, deleted or not; nullopt when there never was one.
Result<std::optional<RegisteredPrompt>> FindPromptRow(Connection& db, std::string_view name);
// The live prompt named `name` with its labels; NOT_FOUND otherwise.
Result<RegisteredPrompt> LoadPrompt(Connection& db, std::string_view name);
// The live version `number` of prompt `p`; NOT_FOUND otherwise.
Result<VersionRow> LoadVersion(Connection& db, const RegisteredPrompt& p, int64_t number);
// `ref` of prompt `p`: a decimal number, "latest" or a label.
Result<VersionRow> LoadVersionByRef(Connection& db, const RegisteredPrompt& p,
                                    std::string_view ref);
// Where `label` points on prompt `prompt_id`; nullopt when it is not set.
Result<std::optional<int64_t>> LabelTarget(Connection& db, int64_t prompt_id,
                                           std::string_view label);

// Points `label` at `to` (removes it when nullopt) and records the move unless it is a no-op.
Result<LabelMove> MoveLabel(Connection& db, const RegisteredPrompt& p, const std::string& label,
                            std::optional<int64_t> to, const std::string& reason,
                            const Actor& actor);

// What a push would do: `created` false with the latest version, or true with the version as
// it would be stored (number = last_version + 1). Reads only.
Result<PushResult> PlanPush(Connection& db, const PromptPush& push, const SpecFacts& facts,
                            const Actor& actor);
// Performs the push planned above (in the writer's transaction).
Result<PushResult> ApplyPush(Connection& db, const PromptPush& push, const SpecFacts& facts,
                             const Actor& actor);

// Checks a push's name, message and spec; the facts of its spec.
Result<SpecFacts> CheckPush(const PromptPush& push);

}  // namespace ballast::store::prompt_rows

// PromptStore: the storage interface of the prompt registry (issue 4, "Prompts as code"):
// prompts, their numbered immutable versions, movable labels (`production`, `staging`, ...) with
// an audit history, and the content-addressed push that makes `ballast prompt push` idempotent.
//
//   Actor ci{.by = "token:ci", .at = clock.NowMillis()};
//   // spec_json is registry::CanonicalSpecJson(prompt.spec) (sorted keys, no whitespace).
//   BALLAST_ASSIGN_OR_RETURN(PushResult r, prompts.Push({"support-reply", spec_json, "tone"}, ci));
//   if (r.created) ... r.version.version ...              // else: same content as latest
//   BALLAST_RETURN_IF_ERROR(prompts.SetLabel("support-reply", "production", 3, "eval ok", ci)
//                               .status());
//   BALLAST_ASSIGN_OR_RETURN(PromptVersion live, prompts.ResolveRef("support-reply@production"));
//
// Rules the store enforces (so no caller can get them wrong):
//   - A version's content is its spec, given as canonical JSON; the store refuses JSON that is
//     not canonical (re-dumping it with sorted keys and no whitespace must give the same bytes),
//     so its content hash (SHA-256 hex of those bytes) is the one registry::ContentHash computes.
//   - Push creates a version only when the hash differs from the latest live version's, inside
//     one writer transaction: concurrent pushes of the same content create one version.
//   - Version numbers are per prompt, start at 1, only go up and are never reused: the counter
//     lives on the prompt row and survives version deletion and prompt deletion. Deleting a
//     prompt is soft; pushing to the name again revives the same prompt and numbering continues,
//     so "name@3" never names two different contents.
//   - Labels match ^[a-z0-9_\-.]+$ (at most 128 characters) and are not all digits (that would
//     shadow "name@3"). `latest` is kept by the store on the highest live version (moved by each
//     push and by deleting the latest version) and cannot be set or deleted by hand. Every move
//     is recorded: set, moved, removed (also when the version or prompt is deleted).
//
// Error codes: INVALID_ARGUMENT (field named), NOT_FOUND, FAILED_PRECONDITION (stale etag).
//
// Thread safety: every method from any thread except the writer thread. Writes are durable when
// they return.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/registry_store.h"  // Actor, ListQuery, Page, SqlFilter

namespace ballast::store {

inline constexpr std::string_view kLatestLabel = "latest";

enum class TemplateKind { kText, kChat };
// "text" or "chat".
std::string_view TemplateKindName(TemplateKind kind);

// OK, or INVALID_ARGUMENT (field "label") saying which rule `label` breaks. `latest` passes
// here; the operations that set labels refuse it separately.
Status ValidatePromptLabel(std::string_view label);
// OK, or INVALID_ARGUMENT (field "name"): DNS-1123 as registry::PromptNameError (1..253
// characters of a-z, 0-9, '-', '.'), repeated here so the store does not depend on the decoder.
Status ValidatePromptName(std::string_view name);

struct RegisteredPrompt {
  int64_t id = 0;
  std::string name;
  std::string description;  // the latest pushed spec's description
  EpochMillis created_at = 0;
  std::string created_by;
  EpochMillis updated_at = 0;
  std::string etag;          // changes with every push and delete
  int64_t last_version = 0;  // highest number ever assigned (including deleted versions)
  std::optional<int64_t> latest_version;  // the highest live version; nullopt when none
  std::map<std::string, int64_t> labels;  // label -> version, `latest` included
  std::optional<EpochMillis> deleted_at;
};

struct PromptVersion {
  int64_t prompt_id = 0;
  std::string name;       // prompt name
  int64_t version = 0;    // assigned by the store
  std::string spec_json;  // canonical JSON of the spec (see registry/prompt.h)
  TemplateKind template_kind = TemplateKind::kText;
  std::vector<std::string> variables;  // declared variable names, sorted
  std::string model;                   // spec.model.model ("gpt-4o@production"); "" = none
  std::string model_parameters_json;   // spec.model as canonical JSON; "{}" = none
  std::string message;                 // commit message
  std::string content_hash;            // SHA-256 hex of spec_json
  EpochMillis created_at = 0;
  std::string created_by;
  std::vector<std::string> labels;  // labels pointing at this version, sorted
  std::string etag;                 // versions are immutable: stable for the version's life
  std::optional<EpochMillis> deleted_at;
};

struct PromptPush {
  std::string name;
  std::string spec_json;  // canonical
  std::string message;    // may be empty
};

struct PushResult {
  // False: the content equals the latest live version's and nothing was written; `version` is
  // that latest version. In a check (PushAll with check_only), true means "would be created"
  // and `version.version` is the number it would get.
  bool created = false;
  PromptVersion version;
};

struct LabelMove {
  std::string prompt;
  std::string label;
  std::optional<int64_t> from_version;  // nullopt: the label was created
  std::optional<int64_t> to_version;    // nullopt: the label was removed
  EpochMillis at = 0;
  std::string by;
  std::string reason;
};

// Filters (SqlFilter, compiled by store/expr_sql.h) may reference:
//   prompts: p.id, p.name, p.description, p.created_at, p.created_by, p.updated_at,
//     p.last_version; labels through prompt_labels(prompt_id, label, version) owned by p.id.
//   versions: the p.* columns plus v.version, v.template_kind ("text"|"chat"), v.model,
//     v.message, v.content_hash, v.created_at, v.created_by; variable names as a list through
//     prompt_version_variables(version_id, name) owned by v.id.
// Order columns: prompts name, created_at, updated_at (default name); versions version,
// created_at (default version descending).
class PromptStore {
 public:
  virtual ~PromptStore() = default;

  // Creates the prompt when the name is new (or revives a deleted one), then a version when the
  // content differs from the latest live version's. `latest` moves to a created version.
  virtual Result<PushResult> Push(const PromptPush& push, const Actor& actor) = 0;
  // Push for several prompts in one transaction: all succeed or nothing is written (the first
  // error is returned, its field prefixed "prompts[i]."). Names must be distinct. With
  // `check_only` nothing is written and the results say what a push would do.
  virtual Result<std::vector<PushResult>> PushAll(const std::vector<PromptPush>& pushes,
                                                  bool check_only, const Actor& actor) = 0;

  // NOT_FOUND for a missing or deleted prompt.
  virtual Result<RegisteredPrompt> GetPrompt(std::string_view name) = 0;
  virtual Result<Page<RegisteredPrompt>> ListPrompts(const ListQuery& query) = 0;
  // Soft-deletes the prompt and its live versions and removes its labels (each recorded).
  // `expected_etag` "" skips the check.
  virtual Status DeletePrompt(std::string_view name, std::string_view expected_etag,
                              const Actor& actor) = 0;

  virtual Result<PromptVersion> GetVersion(std::string_view name, int64_t version) = 0;
  // `ref`: a number ("3"), a label, or "latest".
  virtual Result<PromptVersion> GetVersionByRef(std::string_view name, std::string_view ref) = 0;
  virtual Result<Page<PromptVersion>> ListVersions(std::string_view name,
                                                   const ListQuery& query) = 0;
  // Soft delete; labels pointing at it are removed and `latest` moves to the highest remaining
  // live version (all recorded). The number is not reused.
  virtual Status DeleteVersion(std::string_view name, int64_t version, const Actor& actor) = 0;

  // Points `label` at live `version`; returns the move (a no-op returns from == to and records
  // nothing). INVALID_ARGUMENT for `latest`.
  virtual Result<LabelMove> SetLabel(std::string_view name, std::string_view label, int64_t version,
                                     std::string_view reason, const Actor& actor) = 0;
  // NOT_FOUND when the label does not exist; INVALID_ARGUMENT for `latest`.
  virtual Result<LabelMove> DeleteLabel(std::string_view name, std::string_view label,
                                        std::string_view reason, const Actor& actor) = 0;
  // Moves of `label` (`latest` included) on the live prompt, oldest first.
  virtual Result<std::vector<LabelMove>> LabelHistory(std::string_view name,
                                                      std::string_view label) = 0;
  // "name@3", "name@production", "name@latest", or a bare "name" (= latest) -> the live version.
  // INVALID_ARGUMENT (field "ref") for a malformed ref; NOT_FOUND when nothing matches.
  virtual Result<PromptVersion> ResolveRef(std::string_view ref) = 0;
};

}  // namespace ballast::store

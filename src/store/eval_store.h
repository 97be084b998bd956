// EvalStore: the storage interface of eval datasets and eval runs (issue 4, "Datasets, eval
// runs, lineage"). A dataset is a named, versioned list of test cases; an eval run records what
// one model version (with an optional prompt version) scored on one dataset version: metrics and
// pass/fail per case. The model card's `model-index` is built from RunsForModelVersion.
//
//   Actor alice{.by = "token:alice", .at = clock.NowMillis()};
//   BALLAST_RETURN_IF_ERROR(evals.CreateDataset({.name = "faq"}, alice).status());
//   BALLAST_ASSIGN_OR_RETURN(DatasetVersionWrite w,
//                            evals.CreateDatasetVersion("faq", jsonl_text, "from prod", alice));
//   EvalRunInput run{.model_ref = "support-bot@champion", .dataset_ref = "faq@1",
//                    .metrics = {{"accuracy", 0.91}}, .results = {{1, true}, {2, false}}};
//   BALLAST_ASSIGN_OR_RETURN(EvalRun r, evals.CreateRun(run, alice));
//   BALLAST_ASSIGN_OR_RETURN(auto runs, evals.RunsForModelVersion("support-bot", 3));
//
// Rules the store enforces:
//   - Dataset names follow the model name rules (1..256 characters, no '@', no control
//     characters). Deleting a dataset is soft and frees the name; its versions stay readable by
//     the eval runs that used them.
//   - Version numbers are per dataset, start at 1 and only go up. Versions are immutable. Pushing
//     cases identical to the latest version's (same content hash) creates nothing and returns
//     that version (`created` false), so a repeated push in CI is harmless.
//   - Cases are JSON lines, each an object `{"vars": {...}, "expected": <any>, "metadata":
//     {...}}`: `vars` is required, the others optional, no other keys. Blank lines are skipped
//     but counted, so errors name the line of the file (from 1). A case is stored as canonical
//     JSON (sorted keys, no whitespace); the content hash is the SHA-256 hex of the canonical
//     lines joined by '\n'.
//   - An eval run's model ref ("name@3", "name@alias", "name@latest") is resolved when the run
//     is created and stored as the model and version number, so later alias moves do not change
//     what a run evaluated. Its dataset ref names a live dataset and a version number (or
//     "latest"). Per-case results name cases by their 1-based position in the dataset version
//     and each case at most once.
//
// Error codes: INVALID_ARGUMENT (field named), NOT_FOUND (dataset, version, run, model),
// ALREADY_EXISTS (a live dataset with that name).
//
// Thread safety: every method from any thread except the writer thread. Writes are durable when
// they return.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/registry_store.h"  // Actor, Page

namespace ballast::store {

// Bounds that keep one request and one row set reasonable.
inline constexpr int64_t kMaxDatasetCases = 100'000;
inline constexpr size_t kMaxCaseBytes = 1 << 20;
inline constexpr size_t kMaxEvalMetrics = 256;

struct Dataset {
  int64_t id = 0;  // assigned by the store
  std::string name;
  std::string description;
  std::map<std::string, std::string> tags;
  EpochMillis created_at = 0;
  std::string created_by;
  EpochMillis updated_at = 0;
  int64_t last_version = 0;  // highest number assigned; 0 = no version yet
  std::string etag;
  std::optional<EpochMillis> deleted_at;
};

struct DatasetVersion {
  std::string dataset;  // dataset name
  int64_t version = 0;
  std::string description;
  std::string content_hash;  // SHA-256 hex of the canonical case lines joined by '\n'
  int64_t case_count = 0;
  EpochMillis created_at = 0;
  std::string created_by;
};

struct DatasetVersionWrite {
  bool created = false;  // false: same content as the latest version, which is returned
  DatasetVersion version;
};

// One case of a dataset version: its 1-based position and canonical JSON.
struct DatasetCase {
  int64_t index = 0;
  std::string json;
};

// A problem with one line of a cases file: the line (from 1), the field inside the case ("" for
// the whole line) and what is wrong.
struct CaseProblem {
  int64_t line = 0;
  std::string field;
  std::string message;
};

// Checks a cases file (JSON lines) and returns its cases as canonical JSON, or the problems of
// up to `max_problems` bad lines (an empty file is one problem on line 0).
struct ParsedCases {
  std::vector<std::string> cases;
  std::vector<CaseProblem> problems;
};
ParsedCases ParseCasesJsonl(std::string_view text, size_t max_problems = 20);
// The canonical JSON of one case given as JSON text, or a problem (with line 0).
Result<std::string> CanonicalCase(std::string_view json_text);
// INVALID_ARGUMENT for `problems` (non-empty): the first one as "line N: message" with field
// "line N" or "line N.FIELD" ("cases" for line 0), and how many more lines are bad.
Status CaseProblemsStatus(const std::vector<CaseProblem>& problems);
// SHA-256 hex of `cases` joined by '\n'.
std::string CasesContentHash(const std::vector<std::string>& cases);

enum class EvalStatus { kRunning, kCompleted, kFailed };
std::string_view EvalStatusName(EvalStatus s);  // "running", "completed", "failed"
std::optional<EvalStatus> ParseEvalStatus(std::string_view s);

struct EvalCaseResult {
  int64_t case_index = 0;  // 1-based position in the dataset version
  bool pass = false;
  std::optional<double> score;
  std::string output;  // the model's answer, if the caller kept it; "" = none
};

// What a caller gives to create a run.
struct EvalRunInput {
  std::string model_ref;    // "name@3", "name@alias", "name@latest"
  std::string prompt_ref;   // "" = none; "name@3" or "name@label"
  std::string dataset_ref;  // "name@3" or "name@latest"
  std::string description;
  EvalStatus status = EvalStatus::kCompleted;
  std::map<std::string, double> metrics;  // finite numbers
  std::vector<EvalCaseResult> results;
  std::optional<EpochMillis> started_at;
  std::optional<EpochMillis> finished_at;
};

struct EvalRun {
  int64_t id = 0;
  std::string model;  // resolved at creation: the model's current name and version number
  int64_t model_version = 0;
  std::string model_ref;   // as given
  std::string prompt_ref;  // as given ("" = none)
  std::string prompt;      // prompt name ("" = none)
  std::optional<int64_t> prompt_version;  // nullopt: the prompt ref could not be pinned
  std::string dataset;
  int64_t dataset_version = 0;
  std::string description;
  EvalStatus status = EvalStatus::kCompleted;
  std::map<std::string, double> metrics;
  int64_t passed = 0;
  int64_t failed = 0;
  std::vector<EvalCaseResult> results;  // filled by GetRun only, ordered by case
  std::optional<EpochMillis> started_at;
  std::optional<EpochMillis> finished_at;
  EpochMillis created_at = 0;
  std::string created_by;
};

// Filters of ListRuns: each is a name ("bot") or a ref ("bot@3", "bot@champion"); "" = any.
struct EvalRunQuery {
  std::string model;
  std::string prompt;
  std::string dataset;
  int64_t offset = 0;
  int64_t limit = 100;  // 1..1000
};

// Pins a prompt ref to (name, version). Given to the store by whoever owns the prompt registry;
// without one, numeric refs are pinned as written and label refs are kept unpinned.
using PromptRefResolver =
    std::function<Result<std::pair<std::string, int64_t>>(std::string_view ref)>;

class EvalStore {
 public:
  virtual ~EvalStore() = default;

  // Datasets. CreateDataset takes name, description and tags.
  virtual Result<Dataset> CreateDataset(const Dataset& dataset, const Actor& actor) = 0;
  virtual Result<Dataset> GetDataset(std::string_view name) = 0;
  // Live datasets by name.
  virtual Result<Page<Dataset>> ListDatasets(int64_t offset, int64_t limit) = 0;
  // Soft delete; `expected_etag` "" skips the check.
  virtual Status DeleteDataset(std::string_view name, std::string_view expected_etag,
                               const Actor& actor) = 0;

  // Dataset versions. `cases_jsonl` is checked line by line (ParseCasesJsonl).
  virtual Result<DatasetVersionWrite> CreateDatasetVersion(std::string_view dataset,
                                                           std::string_view cases_jsonl,
                                                           std::string_view description,
                                                           const Actor& actor) = 0;
  // `ref`: a number or "latest".
  virtual Result<DatasetVersion> GetDatasetVersion(std::string_view dataset,
                                                   std::string_view ref) = 0;
  // Newest first.
  virtual Result<Page<DatasetVersion>> ListDatasetVersions(std::string_view dataset,
                                                           int64_t offset, int64_t limit) = 0;
  virtual Result<Page<DatasetCase>> ListCases(std::string_view dataset, int64_t version,
                                              int64_t offset, int64_t limit) = 0;

  // Eval runs.
  virtual Result<EvalRun> CreateRun(const EvalRunInput& run, const Actor& actor) = 0;
  virtual Result<EvalRun> GetRun(int64_t id) = 0;
  // Newest first; results not loaded.
  virtual Result<Page<EvalRun>> ListRuns(const EvalRunQuery& query) = 0;
  // Every run of version `version` of the live model `model`, newest first, results not loaded
  // (for model cards). NOT_FOUND when the model does not exist.
  virtual Result<std::vector<EvalRun>> RunsForModelVersion(std::string_view model,
                                                           int64_t version) = 0;
};

}  // namespace ballast::store

// SqliteEvalStore: EvalStore over SQLite (internal; callers get it through Store::Evals()).
// Tables are those of the eval/lineage migration: datasets, dataset_tags, dataset_versions,
// dataset_cases, eval_runs, eval_case_results. Every write is one closure on the writer (a
// version's number, its cases and the dataset's counter commit together); reads use the pool in
// one read transaction. Model refs of runs are resolved through the RegistryStore; prompt refs
// through the PromptRefResolver when one is given (eval_store.h).
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/eval_store.h"
#include "store/reader_pool.h"
#include "store/registry_store.h"
#include "store/writer.h"

namespace ballast::store {

class SqliteEvalStore final : public EvalStore {
 public:
  SqliteEvalStore(Writer& writer, ReaderPool& readers, RegistryStore& registry,
                  PromptRefResolver prompt_resolver = nullptr)
      : writer_(writer),
        readers_(readers),
        registry_(registry),
        prompt_resolver_(std::move(prompt_resolver)) {}

  Result<Dataset> CreateDataset(const Dataset& dataset, const Actor& actor) override;
  Result<Dataset> GetDataset(std::string_view name) override;
  Result<Page<Dataset>> ListDatasets(int64_t offset, int64_t limit) override;
  Status DeleteDataset(std::string_view name, std::string_view expected_etag,
                       const Actor& actor) override;
  Result<DatasetVersionWrite> CreateDatasetVersion(std::string_view dataset,
                                                   std::string_view cases_jsonl,
                                                   std::string_view description,
                                                   const Actor& actor) override;
  Result<DatasetVersion> GetDatasetVersion(std::string_view dataset,
                                           std::string_view ref) override;
  Result<Page<DatasetVersion>> ListDatasetVersions(std::string_view dataset, int64_t offset,
                                                   int64_t limit) override;
  Result<Page<DatasetCase>> ListCases(std::string_view dataset, int64_t version, int64_t offset,
                                      int64_t limit) override;

  Result<EvalRun> CreateRun(const EvalRunInput& run, const Actor& actor) override;
  Result<EvalRun> GetRun(int64_t id) override;
  Result<Page<EvalRun>> ListRuns(const EvalRunQuery& query) override;
  Result<std::vector<EvalRun>> RunsForModelVersion(std::string_view model,
                                                   int64_t version) override;

 private:
  // The prompt ref pinned to (name, version); version nullopt when it cannot be pinned here.
  Result<std::pair<std::string, std::optional<int64_t>>> PinPrompt(std::string_view ref);

  Writer& writer_;
  ReaderPool& readers_;
  RegistryStore& registry_;
  PromptRefResolver prompt_resolver_;
};

}  // namespace ballast::store

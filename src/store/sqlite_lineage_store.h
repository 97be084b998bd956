// SqliteLineageStore: LineageStore over SQLite (internal; callers get it through
// Store::Lineage()). Explicit edges live in lineage_edges; derived edges are read, at query
// time, from the registry's own tables (model_versions.base_model and code_commit,
// model_version_datasets, eval_runs), so they can never disagree with the registry. A walk runs
// in one read transaction (one consistent snapshot).
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/lineage_store.h"
#include "store/prompt_store.h"
#include "store/reader_pool.h"
#include "store/writer.h"

namespace ballast::store {

class SqliteLineageStore final : public LineageStore {
 public:
  // `prompts` may be null: prompt_version nodes then exist when an edge names them.
  SqliteLineageStore(Writer& writer, ReaderPool& readers, PromptStore* prompts = nullptr)
      : writer_(writer), readers_(readers), prompts_(prompts) {}

  Result<LineageEdge> AddEdge(const LineageEdge& edge, const Actor& actor) override;
  Result<LineageGraph> Subgraph(const LineageQuery& query) override;

 private:
  // Whether a prompt version is known to the prompt store (true without one).
  Result<bool> PromptExists(const LineageNodeId& id);

  Writer& writer_;
  ReaderPool& readers_;
  PromptStore* prompts_;
};

}  // namespace ballast::store

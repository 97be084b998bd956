// The JSON shapes of the eval dataset, eval run and lineage routes (API.md "Registry",
// docs/evals.md): datasets, dataset versions, cases, eval runs and lineage graphs out; the
// create bodies in. snake_case fields, RFC 3339 UTC times, version numbers and run ids as JSON
// integers.
//
//   BALLAST_ASSIGN_OR_RETURN(store::EvalRunInput in, EvalRunInputFromJson(body));
//   json out = EvalRunToJson(created, /*with_results=*/true);
//
// Decoding is strict: an unknown field or a field of the wrong type is INVALID_ARGUMENT whose
// `field` names it ("results[2].pass", "metrics.accuracy", "cases[4].vars"). Rules that need
// the stored state (refs, case positions) are the store's.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "store/eval_store.h"
#include "store/lineage_store.h"

namespace ballast::server {

nlohmann::json DatasetToJson(const store::Dataset& dataset);
nlohmann::json DatasetVersionToJson(const store::DatasetVersion& version);
// {"index": N, "vars": ..., "expected": ..., "metadata": ...} (absent fields stay absent).
nlohmann::json DatasetCaseToJson(const store::DatasetCase& c);
// `results` only when `with_results`; `pass_rate` is passed / (passed + failed), null when no
// case was scored.
nlohmann::json EvalRunToJson(const store::EvalRun& run, bool with_results);
nlohmann::json LineageGraphToJson(const store::LineageGraph& graph,
                                  const store::LineageQuery& query);
nlohmann::json LineageEdgeToJson(const store::LineageEdge& edge);

// POST /v1/datasets: name (required), description, tags.
Result<store::Dataset> DatasetFromCreateJson(const nlohmann::json& body);

// POST /v1/datasets/{name}/versions with a JSON body: {"cases": [...] (required), "description"}.
// The cases become JSON lines (one per element) after each is checked, its errors naming
// "cases[i]..." rather than a line.
struct DatasetPush {
  std::string cases_jsonl;
  std::string description;
};
Result<DatasetPush> DatasetPushFromJson(const nlohmann::json& body);

// POST /v1/evals: model and dataset (required refs), prompt, description, status, metrics,
// results [{case, pass, score, output}], started_at, finished_at.
Result<store::EvalRunInput> EvalRunInputFromJson(const nlohmann::json& body);

// POST /v1/lineage/edges: {"from", "to", "type"}, all required.
Result<store::LineageEdge> LineageEdgeFromJson(const nlohmann::json& body);

}  // namespace ballast::server

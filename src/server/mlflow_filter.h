// MLflow search syntax for the MLflow-compatible registry API (docs/mlflow.md): filter strings,
// order_by clauses and page tokens of `registered-models/search` and `model-versions/search`,
// translated into the registry store's ListQuery pieces.
//
//   BALLAST_ASSIGN_OR_RETURN(store::SqlFilter where,
//       mlflow::TranslateFilter("name LIKE 'support%' AND tags.team = 'core'",
//                               mlflow::SearchKind::kRegisteredModels));
//   BALLAST_ASSIGN_OR_RETURN(std::vector<store::OrderBy> order,
//       mlflow::TranslateOrderBy({"last_updated_timestamp DESC"}, kind));
//
// Filters are parsed by the expression language's MLflow dialect (common/expr.h) and then held
// to MLflow's narrower grammar: comparisons joined by AND only, MLflow's field names and the
// comparators MLflow allows for each. The accepted AST is compiled by store/expr_sql.h against
// fields declared here, so values and tag keys always travel as bound `?` parameters and no user
// text reaches the SQL. Every refusal is INVALID_ARGUMENT (field "filter", "order_by" or
// "page_token") with a message naming the offending part; the handlers answer it as MLflow's
// INVALID_PARAMETER_VALUE.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/registry_store.h"

namespace ballast::server::mlflow {

enum class SearchKind { kRegisteredModels, kModelVersions };

// Registered models: `name` (=, !=, LIKE, ILIKE) and `tags.<key>` (=, !=, LIKE, ILIKE).
// Model versions: `name`, `source_path` (=, !=, LIKE, ILIKE), `run_id` (also IN (...)),
// `version_number` (=, !=, <, <=, >, >=; a quoted integer is accepted too) and `tags.<key>`.
// Attribute names may carry MLflow's `attribute.` prefix; tag keys with spaces or dots are
// written tags.`my key`. An empty or blank filter is an empty SqlFilter (everything).
Result<store::SqlFilter> TranslateFilter(std::string_view filter, SearchKind kind);

// Each clause is "<key> [ASC|DESC]" (keywords case-insensitive). Models: name, timestamp (or
// creation_timestamp), last_updated_timestamp. Versions: name, version_number,
// creation_timestamp, last_updated_timestamp. MLflow's tie-breaks are appended: name ASC for
// models; name ASC then version DESC for versions (each only when not already ordered by).
Result<std::vector<store::OrderBy>> TranslateOrderBy(const std::vector<std::string>& clauses,
                                                     SearchKind kind);

// A fingerprint of one search (kind, filter, order_by) that page tokens are bound to, so a
// token is refused by a different search instead of silently paging through it.
std::string SearchFingerprint(SearchKind kind, std::string_view filter,
                              const std::vector<std::string>& order_by);

// An opaque page token: base64 of {"offset": N, "search": C} where C is a digest of the
// fingerprint and N. It detects edits and tokens of other searches, not forgery: a forged
// token could only choose an offset into results the caller may read anyway.
std::string EncodePageToken(int64_t offset, std::string_view fingerprint);
// The offset of a token issued by EncodePageToken for the same fingerprint; INVALID_ARGUMENT
// (field "page_token") for anything else: bad base64, bad JSON, a negative offset, an altered
// offset or a token of another search.
Result<int64_t> DecodePageToken(std::string_view token, std::string_view fingerprint);

// Standard base64 with padding (RFC 4648 §4), as Python's base64.b64encode.
std::string Base64Encode(std::string_view bytes);
// False on characters outside the alphabet or bad padding.
bool Base64Decode(std::string_view text, std::string& out);

}  // namespace ballast::server::mlflow
